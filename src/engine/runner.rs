//! The job queue loop behind `emaillog run`: holds the mailbox lease, runs
//! the job entry when it is due, records each run in the job queue log, and
//! moves the entry between Ready, In process and Error.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::domain::job::JobStatus;
use crate::domain::setup::Setup;
use crate::domain::{Directory, Rules};
use crate::mail::MailSource;
use crate::store::{LeaseOutcome, Store};

use super::events::{EngineEvent, Events};
use super::run::{LeaseGuard, RunError, RunInputs, RunReport, RunSettings, run_once};
use super::stop::Stop;

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

/// Builds the mail source for a setup; the app layer knows how.
pub trait SourceFactory: Send + Sync {
    fn source(&self, setup: &Setup, store: &Store) -> Result<Arc<dyn MailSource>, String>;
}

/// The mailbox key a lease is held under.
pub fn lease_key(setup: &Setup) -> String {
    if setup.mailbox.is_empty() {
        "default".into()
    } else {
        setup.mailbox.to_ascii_lowercase()
    }
}

pub fn settings_of(setup: &Setup) -> RunSettings {
    RunSettings {
        batch_size: setup.batch_size as usize,
        run_limit: setup.run_limit as usize,
        unmatched: setup.unmatched,
        store_body: setup.store_body,
        max_attempts: setup.max_attempts,
    }
}

pub fn rules_of(setup: &Setup, store: &Store) -> Result<Rules, crate::store::StoreError> {
    Ok(Rules {
        never_log: store.never_log_list()?,
        skip_sensitive: setup.skip_sensitive,
        skip_auto_generated: setup.skip_auto_generated,
        domain_matching: setup.domain_matching,
    })
}

/// One run with its job queue log entry written around it.
pub async fn logged_run(
    store: &mut Store,
    source: &dyn MailSource,
    setup: &Setup,
    holder: &str,
    events: &Events,
    stop: &Stop,
) -> Result<RunReport, crate::store::StoreError> {
    let started = Utc::now();
    let log_id = store.start_job_log(started, &source.account())?;
    let _ = events.send(EngineEvent::RunStarted { at: started });
    let dir: Directory = store.directory()?;
    let rules = rules_of(setup, store)?;
    let lease = LeaseGuard {
        mailbox: lease_key(setup),
        holder: holder.to_string(),
        ttl: lease_ttl(),
    };
    let settings = settings_of(setup);
    let inputs = RunInputs {
        source,
        directory: &dir,
        rules: &rules,
        settings: &settings,
        lease: Some(&lease),
        events,
        stop,
    };
    let db = store.path().to_path_buf();
    let report = tokio::select! {
        report = run_once(store, &inputs) => report,
        lost = heartbeat(&db, &lease) => RunReport { counts: Default::default(), error: Some(RunError::LeaseLost(lost)) },
    };
    let error = report.error.as_ref().map(|e| e.to_string());
    let status = if error.is_some() { "Error" } else { "Success" };
    store.finish_job_log(log_id, Utc::now(), status, &report.counts, error.as_deref())?;
    let _ = events.send(EngineEvent::RunFinished {
        counts: report.counts.clone(),
        error,
    });
    Ok(report)
}

/// Renews the lease every third of its lifetime on a connection of its own,
/// so a long page (slow moves, throttling) never lets it lapse; returns only
/// if another engine took the lease, which ends the run at once (as a crash
/// would, and a crash is safe).
async fn heartbeat(db: &std::path::Path, lease: &LeaseGuard) -> String {
    let every = (lease.ttl / 3).to_std().unwrap_or(Duration::from_secs(10));
    loop {
        tokio::time::sleep(every).await;
        let Ok(mut s) = Store::open(db) else { continue };
        if let Ok(LeaseOutcome::HeldBy { holder, .. }) =
            s.acquire_lease(&lease.mailbox, &lease.holder, lease.ttl, Utc::now())
        {
            return holder;
        }
    }
}

/// Runs the job until `stop` fires, finishing the message in hand first.
pub async fn run_jobs(
    store: &mut Store,
    factory: &dyn SourceFactory,
    holder: &str,
    events: &Events,
    mut stop: Stop,
) -> Result<(), crate::store::StoreError> {
    let mut cached: Option<(Setup, Arc<dyn MailSource>)> = None;
    let mut held: Option<String> = None;
    let mut last_wait = String::new();
    let mut wait = |events: &Events, reason: String| {
        if reason != last_wait {
            let _ = events.send(EngineEvent::Waiting {
                reason: reason.clone(),
            });
            last_wait = reason;
        }
    };
    while !stop.is_stopped() {
        let setup = store.setup()?;
        let key = lease_key(&setup);
        match store.acquire_lease(&key, holder, lease_ttl(), Utc::now())? {
            LeaseOutcome::Acquired => {
                if let Some(old) = held.replace(key.clone())
                    && old != key
                {
                    store.release_lease(&old, holder)?;
                }
            }
            LeaseOutcome::HeldBy {
                holder: other,
                until,
            } => {
                wait(
                    events,
                    format!(
                        "another engine ({other}) is processing {key}; its lease runs until {}",
                        until.format("%H:%M:%S")
                    ),
                );
                stop.sleep(Duration::from_secs(2)).await;
                continue;
            }
        }
        let Some(mut job) = store.job_entry()? else {
            wait(
                events,
                "the job is not enabled: run `emaillog enable`".into(),
            );
            stop.sleep(Duration::from_secs(1)).await;
            continue;
        };
        let now = Utc::now();
        if job.status == JobStatus::InProcess {
            // We hold the lease, so the run that left it In process has died.
            job.status = JobStatus::Ready;
            job.next_run_at = now;
            store.save_job_entry(&job)?;
        }
        if !job.is_due(now) {
            let until = (job.next_run_at - now).to_std().unwrap_or(Duration::ZERO);
            let reason = match job.status {
                JobStatus::Error => format!(
                    "the job is in Error ({}); restart it to run again",
                    job.last_error.clone().unwrap_or_default()
                ),
                JobStatus::OnHold => "the job is on hold".into(),
                _ => format!("next run at {}", job.next_run_at.format("%H:%M:%S")),
            };
            wait(events, reason);
            stop.sleep(until.clamp(Duration::from_millis(50), Duration::from_secs(1)))
                .await;
            continue;
        }
        last_wait_reset(&mut cached, &setup);
        job.started(now);
        store.save_job_entry(&job)?;
        let _ = events.send(EngineEvent::Job {
            status: job.status,
            next_run_at: job.next_run_at,
            last_error: job.last_error.clone(),
        });
        let source = match &cached {
            Some((s, src)) if *s == setup => Ok(Arc::clone(src)),
            _ => factory.source(&setup, store),
        };
        let outcome: Result<(), (String, bool)> = match source {
            Err(e) => Err((e, false)),
            Ok(src) => {
                cached = Some((setup.clone(), Arc::clone(&src)));
                let report = logged_run(store, src.as_ref(), &setup, holder, events, &stop).await?;
                match report.error {
                    None => Ok(()),
                    Some(e) => Err((e.to_string(), RunError::is_retryable(&e))),
                }
            }
        };
        // Someone may have held or restarted the job meanwhile: keep their word.
        let mut current = store.job_entry()?.unwrap_or(job);
        if current.status == JobStatus::InProcess {
            match outcome {
                Ok(()) => current.succeeded(Utc::now()),
                Err((e, retryable)) => current.failed(Utc::now(), &e, retryable),
            }
            store.save_job_entry(&current)?;
        }
        let _ = events.send(EngineEvent::Job {
            status: current.status,
            next_run_at: current.next_run_at,
            last_error: current.last_error.clone(),
        });
    }
    if let Some(key) = held {
        store.release_lease(&key, holder)?;
    }
    Ok(())
}

/// Drops a cached source whose setup changed, so new settings take effect.
fn last_wait_reset(cached: &mut Option<(Setup, Arc<dyn MailSource>)>, setup: &Setup) {
    if cached.as_ref().is_some_and(|(s, _)| s != setup) {
        *cached = None;
    }
}
