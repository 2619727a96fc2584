//! The job queue loop behind `emaillog run`: holds the mailbox lease, runs
//! the job entry when it is due, records each run in the job queue log, and
//! moves the entry between Ready, In process and Error. Nothing that can go
//! wrong for a while (a busy database, a vault command that hiccups, a token
//! endpoint that is down) ends the loop: it says why and tries again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::domain::job::JobStatus;
use crate::domain::rules::Forgotten;
use crate::domain::setup::Setup;
use crate::domain::{Directory, Rules};
use crate::mail::MailSource;
use crate::stop::Stop;
use crate::store::{LeaseOutcome, Store, StoreError};

use super::events::{EngineEvent, Events};
use super::fleet::Share;
use super::lease::HeldLease;
use super::run::{RunError, RunInputs, RunReport, RunSettings, run_once};

/// How long a lease lasts without a heartbeat, unless `EMAILLOG_LEASE_SECS`
/// says otherwise (shorter means faster failover to another engine after a
/// machine dies, at the cost of more heartbeats).
pub const LEASE_TTL_SECS: i64 = 30;

/// The lease lifetime in force: `EMAILLOG_LEASE_SECS` (3–3600) or 30 s.
pub fn lease_ttl() -> chrono::Duration {
    let secs = std::env::var("EMAILLOG_LEASE_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|s| (3..=3600).contains(s))
        .unwrap_or(LEASE_TTL_SECS);
    chrono::Duration::seconds(secs)
}

/// Why a mail source could not be built, and whether trying later can help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    pub message: String,
    pub retryable: bool,
}

/// Builds the mail source for a setup; the app layer knows how.
pub trait SourceFactory: Send + Sync {
    fn source(&self, setup: &Setup, store: &Store) -> Result<Arc<dyn MailSource>, SourceError>;
    /// The people forgotten, with the key their addresses hash under (it
    /// is sealed with the setup's secrets): a run that cannot tell them
    /// must not run.
    fn forgotten(&self, store: &Store) -> Result<Forgotten, SourceError>;
}

pub fn settings_of(setup: &Setup) -> RunSettings {
    RunSettings {
        batch_size: setup.batch_size as usize,
        run_limit: setup.run_limit as usize,
        unmatched: setup.unmatched,
        store_body: setup.store_body,
        max_attempts: setup.max_attempts,
        retain_bodies_days: setup.retain_bodies_days,
    }
}

pub fn rules_of(setup: &Setup, store: &Store, forgotten: Forgotten) -> Result<Rules, StoreError> {
    Ok(Rules {
        never_log: store.never_log_list()?,
        skip_sensitive: setup.skip_sensitive,
        skip_auto_generated: setup.skip_auto_generated,
        domain_matching: setup.domain_matching,
        capture: store
            .capture_rules()?
            .into_iter()
            .map(|(rule, _)| rule)
            .collect(),
        forgotten,
    })
}

/// Takes (or renews) the mailbox lease and starts its heartbeat.
pub fn take_lease(store: &mut Store, holder: &str) -> Result<HeldLease, RunError> {
    let key = store.mailbox_key();
    let (taken, now) = (Instant::now(), Utc::now());
    match store.hold_lease(&key, holder, lease_ttl(), now)? {
        LeaseOutcome::Acquired(lease) => Ok(HeldLease::start(
            store.path().to_path_buf(),
            &key,
            holder,
            lease.epoch,
            lease_ttl(),
            taken + lease.left.to_std().unwrap_or(Duration::ZERO),
        )),
        LeaseOutcome::HeldBy { holder, until } => Err(RunError::LeaseLost(format!(
            "another engine ({holder}) is processing {key} until {}",
            until.format("%H:%M:%S")
        ))),
    }
}

/// What a run (or a turn of review requests) reads from the store and the
/// setup before it starts.
struct RunContext {
    dir: Directory,
    rules: Rules,
    settings: RunSettings,
    key: String,
}

impl RunContext {
    fn read(store: &Store, setup: &Setup, forgotten: &Forgotten) -> Result<Self, StoreError> {
        Ok(Self {
            dir: store.directory()?,
            rules: rules_of(setup, store, forgotten.clone())?,
            settings: settings_of(setup),
            key: store.mailbox_key(),
        })
    }

    fn inputs<'a>(
        &'a self,
        source: &'a dyn MailSource,
        lease: &'a HeldLease,
        log_id: i64,
        events: &'a Events,
        stop: &'a Stop,
    ) -> RunInputs<'a> {
        RunInputs {
            source,
            directory: &self.dir,
            rules: &self.rules,
            settings: &self.settings,
            lease: Some(lease),
            mailbox_key: &self.key,
            log_id,
            events,
            stop,
        }
    }
}

/// One run with its job queue log entry written around it (and page by
/// page during it).
pub async fn logged_run(
    store: &mut Store,
    source: &dyn MailSource,
    setup: &Setup,
    forgotten: &Forgotten,
    lease: &HeldLease,
    events: &Events,
    stop: &Stop,
) -> Result<RunReport, StoreError> {
    let started = Utc::now();
    let log_id = store.start_job_log(started, &source.account(), lease.holder())?;
    let _ = events.send(EngineEvent::RunStarted { at: started });
    let ctx = RunContext::read(store, setup, forgotten)?;
    let inputs = ctx.inputs(source, lease, log_id, events, stop);
    let mut report = run_once(store, &inputs).await;
    let error = report.error.as_ref().map(|e| e.to_string());
    let status = if error.is_some() { "Error" } else { "Success" };
    // The run's end not recorded (a full disk): the run still happened and
    // its report stands, the reason joined to it; the entry left "In
    // process" is settled the next time anyone reads the job.
    if let Err(e) =
        store.finish_job_log(log_id, Utc::now(), status, &report.counts, error.as_deref())
    {
        tracing::warn!("could not record the run's end in the job log: {e}");
        report.error.get_or_insert(RunError::Store(e));
    }
    if !matches!(report.error, Some(RunError::LeaseLost(_))) {
        super::retention::after_run(store, setup, log_id, Utc::now());
    }
    prune_history(store, setup, started);
    super::run::refresh_conversations(store);
    let _ = events.send(EngineEvent::RunFinished {
        counts: report.counts.clone(),
        error,
    });
    Ok(report)
}

/// Runs the log keeps deleting at most after each run: a few hundred runs a
/// day at a short interval are gone in a few runs, each a short write.
const PRUNE_BATCH: usize = 1000;

/// Deletes runs older than the setup's run history (a batch; a failure is
/// only noted: the next run tries again).
fn prune_history(store: &Store, setup: &Setup, now: chrono::DateTime<Utc>) {
    let before = now - chrono::Duration::days(i64::from(setup.run_history_days));
    match store.prune_job_log(before, PRUNE_BATCH) {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            "deleted {n} runs older than {} days from the job log",
            setup.run_history_days
        ),
        Err(e) => tracing::warn!("could not delete old runs from the job log: {e}"),
    }
}

/// The mail source for `setup` (kept while the setup stays the same) and
/// the people forgotten (read each time: a forget takes effect at the
/// next run).
fn source_for(
    store: &Store,
    factory: &dyn SourceFactory,
    setup: &Setup,
    cached: &mut Option<(Setup, Arc<dyn MailSource>)>,
) -> Result<(Arc<dyn MailSource>, Forgotten), SourceError> {
    let forgotten = factory.forgotten(store)?;
    if let Some((s, src)) = cached.as_ref()
        && s == setup
    {
        return Ok((Arc::clone(src), forgotten));
    }
    let src = factory.source(setup, store)?;
    *cached = Some((setup.clone(), Arc::clone(&src)));
    Ok((src, forgotten))
}

/// Does the waiting re-log and delete requests, recorded in the job queue
/// log like a run; returns how many were done, or why none could be.
pub async fn reviewed(
    store: &mut Store,
    source: &dyn MailSource,
    setup: &Setup,
    forgotten: &Forgotten,
    lease: &HeldLease,
    events: &Events,
    stop: &Stop,
) -> Result<Result<usize, String>, StoreError> {
    let started = Utc::now();
    let log_id = store.start_job_log(started, &source.account(), lease.holder())?;
    let ctx = RunContext::read(store, setup, forgotten)?;
    let inputs = ctx.inputs(source, lease, log_id, events, stop);
    let r = super::review::do_reviews(store, &inputs).await;
    let _ = store.index_for_search(1000);
    let (status, error, n, counts) = match r {
        Ok((n, c)) => ("Success", None, n, c),
        Err(e) => (
            "Error",
            Some(format!("re-log and delete requests: {e}")),
            0,
            Default::default(),
        ),
    };
    store.finish_job_log(log_id, Utc::now(), status, &counts, error.as_deref())?;
    Ok(match error {
        Some(e) => Err(format!(
            "{e}; tried again in {} s",
            REVIEW_BACKOFF.as_secs()
        )),
        None => Ok(n),
    })
}

/// How long re-log and delete requests wait after they could not be done.
const REVIEW_BACKOFF: Duration = Duration::from_secs(30);

/// Says why the loop waits, once per new reason.
struct Waiter {
    last: String,
    /// Re-log and delete requests are not tried before this.
    reviews_after: Option<Instant>,
    /// The mail source's change counter (IMAP IDLE) and the count last seen.
    /// Tagged with the source it came from (a new setup, a new source).
    changes: Option<(usize, tokio::sync::watch::Receiver<u64>, u64)>,
}

/// Whether the mail source said new mail landed since the last look; starts
/// watching (IDLE) the first time a source is there to watch.
fn mail_landed(cached: &Option<(Setup, Arc<dyn MailSource>)>, waiter: &mut Waiter) -> bool {
    let Some((_, source)) = cached else {
        waiter.changes = None;
        return false;
    };
    let id = Arc::as_ptr(source) as *const () as usize;
    if waiter.changes.as_ref().is_none_or(|(of, _, _)| *of != id) {
        waiter.changes = source.inbox_changes().map(|rx| {
            let seen = *rx.borrow();
            (id, rx, seen)
        });
    }
    match &mut waiter.changes {
        Some((_, rx, seen)) => {
            let now = *rx.borrow_and_update();
            let landed = now != *seen;
            *seen = now;
            landed
        }
        None => false,
    }
}

impl Waiter {
    fn say(&mut self, events: &Events, reason: String) {
        self.tell(events, reason, false);
    }

    /// A wait that is part of the schedule, not a problem.
    fn routine(&mut self, events: &Events, reason: String) {
        self.tell(events, reason, true);
    }

    fn tell(&mut self, events: &Events, reason: String, routine: bool) {
        if reason != self.last {
            tracing::info!("{reason}");
            let _ = events.send(EngineEvent::Waiting {
                reason: reason.clone(),
                routine,
            });
            self.last = reason;
        }
    }
}

/// Runs the job until `stop` fires, finishing the page in hand first. Only
/// `stop` ends it: every error is reported and tried again later.
pub async fn run_jobs(
    store: &mut Store,
    factory: &dyn SourceFactory,
    holder: &str,
    events: &Events,
    share: &Share,
    mut stop: Stop,
) {
    let mut cached: Option<(Setup, Arc<dyn MailSource>)> = None;
    let mut waiter = Waiter {
        last: String::new(),
        reviews_after: None,
        changes: None,
    };
    let mut trouble = 0u32;
    while !stop.is_stopped() {
        match tick(
            store,
            factory,
            holder,
            events,
            share,
            &stop,
            &mut cached,
            &mut waiter,
        )
        .await
        {
            Ok(pause) => {
                trouble = 0;
                stop.sleep(pause).await;
            }
            Err(e) => {
                trouble += 1;
                let pause = Duration::from_secs(1 << trouble.min(6));
                waiter.say(
                    events,
                    format!("{e}; trying again in {} s", pause.as_secs()),
                );
                stop.sleep(pause).await;
            }
        }
    }
    let _ = store.release_lease(&store.mailbox_key(), holder);
}

/// One turn of the loop, within this process's share of the mailboxes
/// (a mailbox held beyond it is let go after the turn); returns how long
/// to wait before the next.
#[allow(clippy::too_many_arguments)]
async fn tick(
    store: &mut Store,
    factory: &dyn SourceFactory,
    holder: &str,
    events: &Events,
    share: &Share,
    stop: &Stop,
    cached: &mut Option<(Setup, Arc<dyn MailSource>)>,
    waiter: &mut Waiter,
) -> Result<Duration, StoreError> {
    let no = store.mailbox_no();
    if !share.try_take(no) {
        waiter.routine(
            events,
            format!(
                "left to another engine: this one serves its share ({} mailboxes)",
                share.quota()
            ),
        );
        return Ok(Duration::from_secs(1));
    }
    let turn = tick_held(store, factory, holder, events, stop, cached, waiter).await;
    if share.let_go_if_over(no) {
        store.release_lease(&store.mailbox_key(), holder)?;
        waiter.routine(events, "let go to another engine that joined".into());
        return Ok(Duration::from_secs(1));
    }
    if !matches!(turn, Ok(Some(_))) {
        share.forget(no);
    }
    Ok(turn?.unwrap_or(Duration::from_secs(2)))
}

/// A turn with the lease taken; `None` when another engine holds it.
async fn tick_held(
    store: &mut Store,
    factory: &dyn SourceFactory,
    holder: &str,
    events: &Events,
    stop: &Stop,
    cached: &mut Option<(Setup, Arc<dyn MailSource>)>,
    waiter: &mut Waiter,
) -> Result<Option<Duration>, StoreError> {
    let setup = store.setup()?;
    let lease = match take_lease(store, holder) {
        Ok(l) => l,
        Err(RunError::Store(e)) => return Err(e),
        Err(_) => {
            // Routine when engines share the mailboxes: said once, not at
            // every renewal of the other's lease.
            waiter.routine(events, "served by another engine".into());
            return Ok(None);
        }
    };
    Ok(Some(
        turn(store, factory, &setup, &lease, events, stop, cached, waiter).await?,
    ))
}

/// What a turn does under the lease: waiting requests, then the job when due.
#[allow(clippy::too_many_arguments)]
async fn turn(
    store: &mut Store,
    factory: &dyn SourceFactory,
    setup: &Setup,
    lease: &HeldLease,
    events: &Events,
    stop: &Stop,
    cached: &mut Option<(Setup, Arc<dyn MailSource>)>,
    waiter: &mut Waiter,
) -> Result<Duration, StoreError> {
    if waiter.reviews_after.is_none_or(|t| Instant::now() >= t) && store.pending_review_count()? > 0
    {
        match source_for(store, factory, setup, cached) {
            Ok((src, forgotten)) => {
                match reviewed(store, src.as_ref(), setup, &forgotten, lease, events, stop).await? {
                    Ok(done) => {
                        waiter.reviews_after = None;
                        if done > 0 {
                            return Ok(Duration::ZERO);
                        }
                    }
                    Err(e) => {
                        waiter.reviews_after = Some(Instant::now() + REVIEW_BACKOFF);
                        waiter.say(events, e);
                    }
                }
            }
            Err(e) => {
                waiter.reviews_after = Some(Instant::now() + REVIEW_BACKOFF);
                waiter.say(events, format!("re-log and delete requests wait: {e}"));
            }
        }
    }
    let Some(job) = store.job_entry()? else {
        waiter.say(
            events,
            "the job is not enabled: run `emaillog enable`".into(),
        );
        return Ok(Duration::from_secs(1));
    };
    let now = Utc::now();
    if job.status == JobStatus::InProcess {
        // We hold the lease, so the run that left it In process has died.
        store.update_job(|j| {
            if j.status == JobStatus::InProcess {
                j.status = JobStatus::Ready;
                j.next_run_at = now;
            }
        })?;
        return Ok(Duration::ZERO);
    }
    if !job.is_due(now) && job.status == JobStatus::Ready && mail_landed(cached, waiter) {
        // The server said new mail is in: run now instead of at the next poll.
        store.update_job(|j| {
            if j.status == JobStatus::Ready {
                j.next_run_at = now;
            }
        })?;
        return Ok(Duration::ZERO);
    }
    if !job.is_due(now) {
        let until = (job.next_run_at - now).to_std().unwrap_or(Duration::ZERO);
        match job.status {
            JobStatus::Error => waiter.say(
                events,
                format!(
                    "the job is in Error ({}); restart it to run again",
                    job.last_error.clone().unwrap_or_default()
                ),
            ),
            JobStatus::OnHold => waiter.say(events, "the job is on hold".into()),
            _ if job.waiting_since.is_some() => {
                let local = |t: chrono::DateTime<Utc>| {
                    t.with_timezone(&chrono::Local).format("%H:%M").to_string()
                };
                let text = job.waiting_text(local).unwrap_or_default();
                waiter.say(
                    events,
                    format!(
                        "{text}: {}; next try at {}",
                        job.last_error.as_deref().unwrap_or_default(),
                        job.next_run_at
                            .with_timezone(&chrono::Local)
                            .format("%H:%M:%S")
                    ),
                )
            }
            _ => waiter.routine(
                events,
                format!("next run at {}", job.next_run_at.format("%H:%M:%S")),
            ),
        }
        return Ok(until.clamp(Duration::from_millis(50), Duration::from_secs(1)));
    }
    // Started only if it is still due: a Hold from another process wins.
    let Some(Some(job)) = store.update_job(|j| {
        if j.is_due(now) {
            j.started(now);
            Some(j.clone())
        } else {
            None
        }
    })?
    else {
        return Ok(Duration::ZERO);
    };
    waiter.last.clear();
    let _ = events.send(EngineEvent::Job {
        status: job.status,
        next_run_at: job.next_run_at,
        last_error: job.last_error.clone(),
    });
    let outcome: Result<(), (String, bool)> = match source_for(store, factory, setup, cached) {
        Err(e) => Err((e.message, e.retryable)),
        Ok((src, forgotten)) => {
            match logged_run(store, src.as_ref(), setup, &forgotten, lease, events, stop).await {
                Ok(RunReport { error: None, .. }) => Ok(()),
                Ok(RunReport { error: Some(e), .. }) => Err((e.to_string(), e.is_retryable())),
                Err(e) => Err((e.to_string(), e.is_retryable())),
            }
        }
    };
    // Someone may have held or restarted the job meanwhile: keep their word.
    let after = Utc::now();
    let current = store.update_job(|j| {
        if j.status == JobStatus::InProcess {
            match &outcome {
                Ok(()) => j.succeeded(after),
                Err((e, retryable)) => j.failed(after, e, *retryable),
            }
        }
        j.clone()
    })?;
    if let Some(j) = current {
        let _ = events.send(EngineEvent::Job {
            status: j.status,
            next_run_at: j.next_run_at,
            last_error: j.last_error.clone(),
        });
    }
    Ok(Duration::ZERO)
}
