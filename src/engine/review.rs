//! What people ask of skipped messages, done by the engine that holds the
//! mailbox lease: re-log (classify again now; if it matches, log it and
//! move it to Archive, through the same commit-then-move page as a run, so
//! it is logged once even when killed halfway) and delete.

use chrono::Utc;

use crate::domain::Disposition;
use crate::mail::MailError;
use crate::store::{ReviewAction, RunCounts, Store};

use super::lease::HeldLease;
use super::plan::{self, MoveAction, Moving, RunMemory};
use super::run::{Item, RunError, RunInputs, execute, lease_lost, plan_inputs, with_known};

/// Requests done per turn of the job loop.
pub const REVIEW_BATCH: usize = 50;

/// What became of one request, for its record.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finished {
    id: String,
    failed: bool,
    result: String,
    disposition: Option<&'static str>,
    logged: bool,
}

fn finished(id: &str, failed: bool, result: impl Into<String>) -> Finished {
    Finished {
        id: id.to_string(),
        failed,
        result: result.into(),
        disposition: None,
        logged: false,
    }
}

/// Does up to [`REVIEW_BATCH`] waiting requests; returns how many were
/// done. A service that is down leaves them waiting for the next turn.
pub async fn do_reviews(
    store: &mut Store,
    inputs: &RunInputs<'_>,
) -> Result<(usize, RunCounts), RunError> {
    let pending = store.pending_reviews(REVIEW_BATCH)?;
    let mut counts = RunCounts::default();
    if pending.is_empty() {
        return Ok((0, counts));
    }
    let source = inputs.source;
    let mut done: Vec<Finished> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    for (id, action) in &pending {
        check(inputs.lease)?;
        match action {
            ReviewAction::Delete => match source.delete(id).await {
                Ok(()) | Err(MailError::Gone(_)) => done.push(Finished {
                    disposition: Some(Disposition::Deleted.as_str()),
                    ..finished(id, false, "deleted")
                }),
                Err(e) if e.is_retryable() => return Err(e.into()),
                Err(e) => done.push(finished(id, true, format!("could not delete: {e}"))),
            },
            ReviewAction::Relog => match source.fetch_anywhere(id).await {
                Ok(item) => items.push(item),
                Err(MailError::Gone(_)) => done.push(Finished {
                    disposition: Some(Disposition::Gone.as_str()),
                    ..finished(id, true, "the message is no longer in the mailbox")
                }),
                Err(e) if e.is_retryable() => return Err(e.into()),
                Err(e) => done.push(finished(id, true, format!("could not read it: {e}"))),
            },
        }
    }
    if !items.is_empty() {
        let (finished, c) = relog(store, inputs, items).await?;
        done.extend(finished);
        counts = c;
    }
    let n = done.len();
    let now = Utc::now();
    for f in done {
        store
            .finish_review(&f.id, f.failed, &f.result, f.disposition, f.logged, now)
            .map_err(lease_lost)?;
    }
    Ok((n, counts))
}

fn check(lease: Option<&HeldLease>) -> Result<(), RunError> {
    match lease {
        Some(l) => l.check().map_err(RunError::LeaseLost),
        None => Ok(()),
    }
}

/// Classifies the messages again as if new, commits what is loggable, then
/// moves it to Archive; what is still not loggable stays where it is.
async fn relog(
    store: &mut Store,
    inputs: &RunInputs<'_>,
    items: Vec<Item>,
) -> Result<(Vec<Finished>, RunCounts), RunError> {
    let mut known = with_known(store, items)?;
    let mut was: std::collections::HashMap<String, Disposition> = Default::default();
    for (item, k) in &mut known {
        if let (Ok(m), Some((d, _))) = (item.as_ref(), &k.skipped) {
            was.insert(m.mailbox_id.clone(), *d);
        }
        // Asked for by a person: a fresh try, whatever earlier runs met.
        k.skipped = None;
        k.stuck = false;
        k.attempts = 0;
    }
    let account = inputs.source.account();
    let mut memory = RunMemory::default();
    let mut page = plan::plan_page(known, &plan_inputs(inputs, &account), &mut memory);
    // Still not loggable: it stays where it is, its reason brought up to date.
    for m in &mut page.moves {
        if let Moving::Skipped { done } = &mut m.moving {
            m.action = MoveAction::Leave;
            *done = was.get(&m.id).copied().unwrap_or(Disposition::Moved);
        }
    }
    let mut out = Vec::new();
    for l in &page.commit.logged {
        out.push(Finished {
            logged: true,
            ..finished(
                &l.mailbox_id,
                false,
                format!(
                    "logged: {} entr{}",
                    l.entries.len(),
                    if l.entries.len() == 1 { "y" } else { "ies" }
                ),
            )
        });
    }
    for s in &page.commit.skipped {
        out.push(finished(
            &s.mailbox_id,
            false,
            format!("still not logged: {}", s.detail),
        ));
    }
    for m in &page.moves {
        if matches!(m.moving, Moving::Logged { earlier: true }) {
            out.push(Finished {
                logged: true,
                ..finished(&m.id, false, "already logged: moved to Archive")
            });
        }
    }
    let mut progress = crate::store::Progress {
        log_id: inputs.log_id,
        ..Default::default()
    };
    let mut pending = None;
    let result = execute(store, inputs, &mut progress, &mut pending, page, Vec::new()).await;
    if let Some(done) = pending {
        let fence = inputs.lease.map(HeldLease::fence);
        store
            .finish_page(&done, &progress, fence.as_ref(), Utc::now())
            .map_err(lease_lost)?;
    }
    result?;
    Ok((out, progress.counts))
}
