//! One logging run: first the messages earlier runs left unfinished, then
//! the Inbox from the kept read cursor, page by page. Each page is planned
//! by [`super::plan`] (no I/O), committed in one transaction before any of
//! it is moved, then moved; the moves' outcomes are stored after. A crash
//! anywhere leaves either nothing of the page written (it is read again) or
//! the page committed with its messages still to move (the next run moves
//! them and writes nothing twice).

use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;

use crate::crash;
use crate::domain::setup::Unmatched;
use crate::domain::{Directory, Rules};
use crate::mail::{Folder, MailError, MailSource, Moved};
use crate::stop::Stop;
use crate::store::{Known, PageDone, Progress, RunCounts, Store, StoreError};

use super::events::{EngineEvent, Events};
use super::lease::HeldLease;
use super::plan::{self, MoveAction, Outcome, PagePlan, PlanInputs, PlannedMove, Retry, RunMemory};

#[derive(Debug, Clone)]
pub struct RunSettings {
    pub batch_size: usize,
    pub run_limit: usize,
    pub unmatched: Unmatched,
    pub store_body: bool,
    /// Failed attempts at one message before it is quarantined.
    pub max_attempts: u32,
    /// Days bodies are kept (0: for ever): a message older than that is
    /// logged without its body or attachments, as retention would leave it.
    pub retain_bodies_days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Mail(#[from] MailError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}; this run stopped")]
    LeaseLost(String),
    #[error(
        "the mail service seems down: requests failed and a check of the Inbox folder failed too ({0}); the run stopped and will be retried"
    )]
    ServiceDown(MailError),
}

impl RunError {
    pub fn is_retryable(&self) -> bool {
        match self {
            RunError::Mail(e) => e.is_retryable(),
            RunError::Store(e) => e.is_retryable(),
            RunError::LeaseLost(_) | RunError::ServiceDown(_) => true,
        }
    }
}

#[derive(Debug)]
pub struct RunReport {
    pub counts: RunCounts,
    pub error: Option<RunError>,
}

/// Everything a run reads besides the store.
pub struct RunInputs<'a> {
    pub source: &'a dyn MailSource,
    pub directory: &'a Directory,
    pub rules: &'a Rules,
    pub settings: &'a RunSettings,
    /// The lease to check and fence writes with, if the caller holds one.
    pub lease: Option<&'a HeldLease>,
    /// Where the read cursor is kept (the mailbox's lease key).
    pub mailbox_key: &'a str,
    /// The job queue log entry that progress is written to.
    pub log_id: i64,
    pub events: &'a Events,
    pub stop: &'a Stop,
}

/// Runs until the Inbox is drained, the run limit is reached, or `stop` fires
/// (after the page in hand is finished).
pub async fn run_once(store: &mut Store, inputs: &RunInputs<'_>) -> RunReport {
    let mut progress = Progress {
        log_id: inputs.log_id,
        ..Default::default()
    };
    let mut pending = None;
    let notes = super::events::tell_throttling(inputs);
    let mut error = drain(store, inputs, &mut progress, &mut pending)
        .await
        .err();
    if let Some(task) = notes {
        task.abort();
    }
    // The last page's move outcomes, which no next commit carried.
    if let Some(done) = pending {
        let fence = inputs.lease.map(HeldLease::fence);
        match store.finish_page(&done, &progress, fence.as_ref(), Utc::now()) {
            Ok(()) => crash::point(crash::AFTER_FINISH),
            Err(e) => {
                error.get_or_insert(lease_lost(e));
            }
        }
    }
    // What the run logged becomes searchable now, in batches (each batch is
    // one index segment, instead of one per page).
    loop {
        match store.index_for_search(SEARCH_INDEX_BATCH) {
            Ok(n) if n == SEARCH_INDEX_BATCH => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!("indexing for search failed, the next run tries again: {e}");
                break;
            }
        }
    }
    RunReport {
        counts: progress.counts,
        error,
    }
}

/// Recomputes the conversations of the contacts the run's pages touched
/// (the Follow-ups screen and reply times read them), batch by batch; a
/// failure leaves them marked for the next run. Called after a run is
/// recorded (`runner::logged_run`): a run's outcome is its mail's, and an
/// engine paused here past its lease must not turn that into a lost
/// connection.
pub fn refresh_conversations(store: &mut Store) {
    if let Err(e) = store.refresh_all_conversations() {
        tracing::warn!(
            "recomputing the contacts' conversations failed, the next run tries again: {e}"
        );
    }
}

/// Logged messages indexed for search in one transaction.
const SEARCH_INDEX_BATCH: usize = 1000;

fn check_lease(inputs: &RunInputs<'_>) -> Result<(), RunError> {
    match inputs.lease {
        Some(l) => l.check().map_err(RunError::LeaseLost),
        None => Ok(()),
    }
}

/// `pending` carries a page's move outcomes into the next page's commit
/// (one transaction a page instead of two); whatever is left is written
/// by the caller.
async fn drain(
    store: &mut Store,
    inputs: &RunInputs<'_>,
    progress: &mut Progress,
    pending: &mut Option<PageDone>,
) -> Result<(), RunError> {
    let source = inputs.source;
    let batch = inputs.settings.batch_size.max(1);
    progress.backlog = source.inbox_count().await.ok().flatten();
    let mut memory = RunMemory::default();
    let account = source.account();
    let mut handled = 0usize;

    // What earlier runs left unfinished comes first, so it never waits
    // behind new mail.
    let unfinished = store.unfinished(inputs.settings.run_limit)?;
    for chunk in unfinished.chunks(batch) {
        if inputs.stop.is_stopped() {
            return Ok(());
        }
        check_lease(inputs)?;
        let mut page = PagePlan::default();
        let mut fetched = Vec::new();
        for u in chunk {
            match plan::plan_retry(u, inputs.settings, &mut memory) {
                Some(Retry::Move(m)) => page.moves.push(m),
                Some(Retry::Fetch { id }) => fetched.push(id),
                Some(Retry::Quarantine { id, error }) => {
                    // Out of attempts without ever being read.
                    page.counts.read += 1;
                    page.quarantine(&id, &error, u.attempts + 1);
                }
                None => {}
            }
        }
        let reads: Vec<_> = futures::stream::iter(fetched.into_iter().map(|id| async move {
            let r = source.fetch(&id).await;
            (id, r)
        }))
        .buffer_unordered(4)
        .collect()
        .await;
        let mut read_again = Vec::new();
        let mut done_gone = Vec::new();
        let mut unread = Vec::new();
        for (id, r) in reads {
            match r {
                Ok(item) => {
                    read_again.push(item);
                    plan::forget(&mut memory, &id);
                }
                Err(MailError::Gone(_)) => done_gone.push(id),
                Err(e) if plan::stops_the_run(&e) => return Err(e.into()),
                Err(e) => unread.push((id, e)),
            }
        }
        if !unread.is_empty() {
            // Whether it is the service or these messages is asked of
            // something they cannot spoil; only then is an attempt counted.
            if unread.iter().all(|(_, e)| e.is_retryable())
                && let Err(e) = source.probe().await
                && e.is_retryable()
            {
                return Err(RunError::ServiceDown(e));
            }
            for (id, e) in unread {
                page.counts.read += 1;
                page.counts.failed += 1;
                page.commit.failures.push((id, e.to_string()));
            }
        }
        let items = with_known(store, read_again)?;
        page.append(plan::plan_page(
            items,
            &plan_inputs(inputs, &account),
            &mut memory,
        ));
        handled += chunk.len();
        execute(store, inputs, progress, pending, page, done_gone).await?;
    }

    // Then the Inbox, from where the last run stopped reading.
    let mut cursor = store.read_cursor(inputs.mailbox_key)?;
    let mut stored = cursor.is_some();
    let mut restarted = false;
    let mut links = plan::LinkGuard::new(inputs.settings.run_limit);
    loop {
        if inputs.stop.is_stopped() || handled >= inputs.settings.run_limit {
            return Ok(());
        }
        check_lease(inputs)?;
        let top = batch.min(inputs.settings.run_limit - handled).max(1);
        let page = match source.read_inbox(cursor.as_deref(), top).await {
            Ok(p) => p,
            Err(e) if !restarted && plan::read_again_from_start(&e, stored) => {
                // Read everything again; what was logged is known and
                // only moved, never logged twice.
                tracing::info!(
                    "the read cursor was refused ({e}); reading the Inbox from the start"
                );
                restarted = true;
                cursor = None;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        stored = false;
        if page.more {
            links.next(&page.cursor).map_err(MailError::Transient)?;
        }
        handled += page.messages.len();
        let items = with_known(store, page.messages)?;
        let mut plan = plan::plan_page(items, &plan_inputs(inputs, &account), &mut memory);
        plan.commit.cursor = Some((inputs.mailbox_key.to_string(), page.cursor.clone()));
        execute(store, inputs, progress, pending, plan, Vec::new()).await?;
        cursor = Some(page.cursor);
        if !page.more {
            return Ok(());
        }
    }
}

/// A write refused by the lease fence stops the run as a lost lease.
pub(super) fn lease_lost(e: StoreError) -> RunError {
    match e {
        StoreError::LeaseLost(holder) => RunError::LeaseLost(format!(
            "the mailbox lease is no longer this engine's (held by {holder})"
        )),
        e => RunError::Store(e),
    }
}

pub(super) type Item = Result<crate::domain::MailMessage, crate::mail::BadMessage>;

/// Each message with what the store knows of it, read in one go.
pub(super) fn with_known(
    store: &mut Store,
    messages: Vec<Item>,
) -> Result<Vec<(Item, Known)>, RunError> {
    let keys: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| match m {
            Ok(msg) => (msg.mailbox_id.as_str(), msg.internet_message_id.as_str()),
            Err(bad) => (bad.mailbox_id.as_str(), ""),
        })
        .collect();
    let known = store.known_page(&keys)?;
    Ok(messages.into_iter().zip(known).collect())
}

pub(super) fn plan_inputs<'a>(inputs: &'a RunInputs<'_>, account: &'a str) -> PlanInputs<'a> {
    PlanInputs {
        directory: inputs.directory,
        rules: inputs.rules,
        settings: inputs.settings,
        account,
        now: Utc::now(),
    }
}

/// Commits a planned page (with the previous page's move outcomes), moves
/// its messages, and leaves their outcomes in `pending` for the next commit.
pub(super) async fn execute(
    store: &mut Store,
    inputs: &RunInputs<'_>,
    progress: &mut Progress,
    pending: &mut Option<PageDone>,
    plan: PagePlan,
    gone: Vec<String>,
) -> Result<(), RunError> {
    let fence = inputs.lease.map(HeldLease::fence);
    // The run's progress with this page, kept only once the page is
    // committed: a page rolled back (a full disk) is never counted.
    let mut next = progress.clone();
    next.counts.add(&plan.counts);
    next.pages += 1;
    crash::point(crash::BEFORE_COMMIT);
    if next.counts.logged / SEARCH_INDEX_BATCH as u32
        != progress.counts.logged / SEARCH_INDEX_BATCH as u32
    {
        // A long run keeps its logged mail searchable, and its contacts'
        // follow-ups current, as it goes.
        store.index_for_search(SEARCH_INDEX_BATCH * 2)?;
        refresh_conversations(store);
    }
    let before = pending.take();
    store
        .commit_page(
            &plan.commit,
            before.as_ref(),
            &next,
            fence.as_ref(),
            Utc::now(),
        )
        .map_err(lease_lost)?;
    *progress = next;
    if before.is_some() {
        crash::point(crash::AFTER_FINISH);
    }
    let committed = Utc::now();
    crash::point(crash::AFTER_COMMIT);
    announce(inputs.events, &plan);

    let source = inputs.source;
    let lease = inputs.lease;
    let results: Vec<(PlannedMove, Option<Result<Moved, MailError>>, _)> = if source
        .moves_in_batches()
    {
        batch_moves(source, plan.moves, lease).await
    } else {
        futures::stream::iter(plan.moves.into_iter().map(|m| async move {
            if lease.is_some_and(|l| l.check().is_err()) {
                return (m, None, Utc::now());
            }
            let r = match m.action {
                MoveAction::To(folder) => move_within_lease(source, &m.id, folder, lease).await,
                MoveAction::Delete => source.delete(&m.id).await.map(|_| Some(Moved::default())),
                MoveAction::Leave => Ok(Some(Moved::default())),
            };
            match r {
                Ok(Some(moved)) => {
                    if m.action != MoveAction::Leave {
                        crash::point(crash::AFTER_MOVE);
                    }
                    (m, Some(Ok(moved)), Utc::now())
                }
                Ok(None) => (m, None, Utc::now()),
                Err(e) => (m, Some(Err(e)), Utc::now()),
            }
        }))
        .buffer_unordered(4)
        .collect()
        .await
    };
    // A move cut off by the lease running out: its outcome is unknown, and
    // the next run (whoever holds the lease) takes it up again.
    let cut_off = results.iter().any(|(_, r, _)| r.is_none());
    let effects_end = results
        .iter()
        .map(|(_, _, at)| *at)
        .max()
        .unwrap_or(committed);
    let results: Vec<(PlannedMove, Result<Moved, MailError>)> = results
        .into_iter()
        .filter_map(|(m, r, _)| r.map(|r| (m, r)))
        .collect();

    // Every move failed as if the service were down: ask the service
    // something none of these messages can spoil (the Inbox folder); if
    // that fails too, it is the service, not the messages.
    let outage = if plan::looks_like_outage(&results) {
        match source.probe().await {
            Err(e) if e.is_retryable() => Some(e),
            _ => None,
        }
    } else {
        None
    };
    let mut done = PageDone {
        cleared: gone,
        ..Default::default()
    };
    let mut stop_run = None;
    for (m, r) in results {
        let outcome = plan::after_move(&m, r);
        // A message that failed before and is done now: its failure record goes.
        if m.attempts > 0
            && matches!(
                outcome,
                Outcome::Archived { .. } | Outcome::Relocated(_) | Outcome::Disposition(_)
            )
        {
            done.cleared.push(m.id.clone());
        }
        match outcome {
            Outcome::Archived { new_id, web_link } => {
                if matches!(m.moving, plan::Moving::Logged { earlier: true }) {
                    progress.counts.archived_only += 1;
                }
                done.archived.push((m.id, new_id, web_link));
            }
            Outcome::Relocated(loc) => done.relocated.push((m.id, loc)),
            Outcome::Disposition(d) => done.dispositions.push((m.id, d)),
            Outcome::Failed(e) => {
                progress.counts.failed += 1;
                let _ = inputs.events.send(EngineEvent::Failed {
                    mailbox_id: m.id.clone(),
                    error: e.clone(),
                });
                // An outage is not the message's fault: no attempt is counted.
                if outage.is_none() {
                    done.failures.push((m.id, e));
                }
            }
            Outcome::Stuck(e) => {
                progress.counts.failed += 1;
                if outage.is_none() {
                    done.stuck.push((m.id, e));
                }
            }
            Outcome::StopRun(e) => {
                stop_run.get_or_insert(e);
            }
        }
    }
    *pending = Some(done);
    // The page as it touched the mailbox and the database: from its commit
    // to its last move (its outcomes are written with the next commit, or
    // at the end of the run, fenced by the lease like every write).
    let _ = inputs.events.send(EngineEvent::Page {
        holder: lease.map(|l| l.holder().to_string()).unwrap_or_default(),
        started: committed,
        ended: effects_end,
        counts: progress.counts.clone(),
        backlog: progress.backlog,
    });
    if let Some(e) = outage {
        return Err(RunError::ServiceDown(e));
    }
    if let Some(e) = stop_run {
        return Err(e.into());
    }
    if cut_off {
        check_lease(inputs)?;
    }
    Ok(())
}

/// A page's moves for a source that moves cheaper together: one call per
/// destination folder, deletes and leaves one by one. An outcome of `None`
/// is a move cut off by the lease running out.
async fn batch_moves(
    source: &dyn MailSource,
    moves: Vec<PlannedMove>,
    lease: Option<&HeldLease>,
) -> Vec<(
    PlannedMove,
    Option<Result<Moved, MailError>>,
    chrono::DateTime<Utc>,
)> {
    let mut out = Vec::with_capacity(moves.len());
    let mut by_folder: Vec<(Folder, Vec<PlannedMove>)> = Vec::new();
    for m in moves {
        match m.action {
            MoveAction::To(f) => match by_folder.iter_mut().find(|(g, _)| *g == f) {
                Some((_, v)) => v.push(m),
                None => by_folder.push((f, vec![m])),
            },
            MoveAction::Delete | MoveAction::Leave => {
                if lease.is_some_and(|l| l.check().is_err()) {
                    out.push((m, None, Utc::now()));
                    continue;
                }
                let r = match m.action {
                    MoveAction::Delete => source.delete(&m.id).await.map(|_| Moved::default()),
                    _ => Ok(Moved::default()),
                };
                if r.is_ok() && m.action == MoveAction::Delete {
                    crash::point(crash::AFTER_MOVE);
                }
                out.push((m, Some(r), Utc::now()));
            }
        }
    }
    for (folder, group) in by_folder {
        if lease.is_some_and(|l| l.check().is_err()) {
            out.extend(group.into_iter().map(|m| (m, None, Utc::now())));
            continue;
        }
        let ids: Vec<String> = group.iter().map(|m| m.id.clone()).collect();
        let moved = match lease {
            Some(l) => {
                let deadline = Instant::now() + l.remaining();
                tokio::time::timeout_at(deadline.into(), source.move_many(&ids, folder))
                    .await
                    .ok()
            }
            None => Some(source.move_many(&ids, folder).await),
        };
        let Some(results) = moved else {
            out.extend(group.into_iter().map(|m| (m, None, Utc::now())));
            continue;
        };
        let at = Utc::now();
        for (m, r) in group.into_iter().zip(results) {
            if r.is_ok() {
                crash::point(crash::AFTER_MOVE);
            }
            out.push((m, Some(r), at));
        }
    }
    out
}

/// A move that gives up (`Ok(None)`) when the lease would run out first.
async fn move_within_lease(
    source: &dyn MailSource,
    id: &str,
    folder: Folder,
    lease: Option<&HeldLease>,
) -> Result<Option<Moved>, MailError> {
    let Some(l) = lease else {
        return source.move_to(id, folder).await.map(Some);
    };
    let deadline = Instant::now() + l.remaining();
    match tokio::time::timeout_at(deadline.into(), source.move_to(id, folder)).await {
        Ok(r) => r.map(Some),
        Err(_) => Ok(None),
    }
}

fn announce(events: &Events, plan: &PagePlan) {
    for m in &plan.commit.logged {
        let pairs = m
            .entries
            .iter()
            .map(|e| (e.salesperson_code.clone(), e.contact_no.clone()))
            .collect();
        let _ = events.send(EngineEvent::Logged {
            subject: m.subject.clone(),
            direction: m.direction.as_str().into(),
            pairs,
        });
    }
    for s in &plan.commit.skipped {
        let _ = events.send(EngineEvent::Skipped {
            subject: s.subject.clone(),
            reason: s.reason.clone(),
            detail: s.detail.clone(),
        });
    }
    for (id, e) in &plan.commit.failures {
        let _ = events.send(EngineEvent::Failed {
            mailbox_id: id.clone(),
            error: e.clone(),
        });
    }
}
