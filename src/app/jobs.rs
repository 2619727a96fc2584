//! The job queue as the user sees it: status, restart, hold, the run log,
//! one run now, and the runner.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::job::JobEntry;
use crate::engine::events::Events;
use crate::engine::fleet::{Tap, serve_mailboxes, tap_into};
use crate::engine::run::RunError;
use crate::engine::runner::{logged_run, reviewed, take_lease};
use crate::engine::{RunReport, Stop};
use crate::store::{JobLogEntry, StuckMessage, holder_id};

use super::{App, AppError, Result};

impl App {
    pub fn job_status(&self) -> Result<Option<JobEntry>> {
        let mut store = self.store()?;
        store.settle_interrupted_job(chrono::Utc::now())?;
        Ok(store.job_entry()?)
    }

    /// Changes the job entry in one transaction (a run finishing in another
    /// process cannot overwrite it).
    pub(super) fn with_job(&self, f: impl FnOnce(&mut JobEntry)) -> Result<JobEntry> {
        self.store()?
            .update_job(|j| {
                f(j);
                j.clone()
            })?
            .ok_or_else(|| {
                AppError::Invalid(
                    "there is no job entry: the setup is not enabled (emaillog enable)".into(),
                )
            })
    }

    /// Messages that could be moved nowhere and need a person.
    pub fn stuck_messages(&self) -> Result<Vec<StuckMessage>> {
        Ok(self.store()?.stuck_messages()?)
    }

    /// Lets the next run try stuck messages again (`None`: all of them).
    pub fn retry_stuck(&self, mailbox_id: Option<&str>) -> Result<usize> {
        self.require_admin()?;
        let n = self.store()?.retry_stuck(mailbox_id)?;
        if n == 0
            && let Some(id) = mailbox_id
        {
            return Err(AppError::Invalid(format!(
                "no stuck message has the id {id}; `emaillog job status` lists them"
            )));
        }
        Ok(n)
    }

    /// Back to Ready, attempts reset, due now.
    pub fn job_restart(&self) -> Result<JobEntry> {
        self.require_admin()?;
        self.with_job(|j| j.restart(Utc::now()))
    }

    pub fn job_hold(&self) -> Result<JobEntry> {
        self.require_admin()?;
        self.with_job(|j| j.hold())
    }

    pub fn job_log(&self, limit: usize) -> Result<Vec<JobLogEntry>> {
        Ok(self.store()?.job_log(limit)?)
    }

    /// One run now, whatever the schedule, after the re-log and delete
    /// requests waiting; refused while another engine holds the mailbox.
    pub async fn sync_once(&self, events: &Events, stop: &Stop) -> Result<RunReport> {
        self.can_run_engine()?;
        let mut store = self.store()?;
        let setup = store.setup()?;
        let source = self.mail_source(&setup, &store)?;
        let forgotten = self.forgotten_in(&store)?;
        let holder = holder_id();
        let lease = match take_lease(&mut store, &holder) {
            Ok(l) => l,
            Err(RunError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(AppError::Invalid(format!("{e}; try again later"))),
        };
        if store.pending_review_count()? > 0
            && let Err(e) = reviewed(
                &mut store,
                source.as_ref(),
                &setup,
                &forgotten,
                &lease,
                events,
                stop,
            )
            .await?
        {
            tracing::warn!("{e}");
        }
        let report = logged_run(
            &mut store,
            source.as_ref(),
            &setup,
            &forgotten,
            &lease,
            events,
            stop,
        )
        .await;
        drop(lease);
        // Not released (a full disk): it runs out on its own, and the
        // run's report matters more than this.
        if let Err(e) = store.release_lease(&store.mailbox_key(), &holder) {
            tracing::warn!("could not release the mailbox lease (it runs out by itself): {e}");
        }
        Ok(report?)
    }

    /// The job runner until `stop` fires: every mailbox that needs it,
    /// every event into `events`.
    pub async fn run_jobs(&self, events: &Events, stop: Stop) -> Result<()> {
        self.serve(tap_into(events.clone(), None), stop, &holder_id())
            .await
    }

    /// The job runner under a holder id the caller knows (the UI shows
    /// whether the lease is its own), with the events of the mailbox
    /// `shown` says the screens show.
    pub async fn run_jobs_as(
        &self,
        events: &Events,
        stop: Stop,
        holder: &str,
        shown: Arc<std::sync::atomic::AtomicI64>,
    ) -> Result<()> {
        self.serve(tap_into(events.clone(), Some(shown)), stop, holder)
            .await
    }

    /// Serves every mailbox that needs it (one task each, within this
    /// process's fair share) until `stop` fires; each event to `tap`.
    pub async fn serve(&self, tap: Tap, stop: Stop, holder: &str) -> Result<()> {
        self.can_run_engine()?;
        self.store()?;
        serve_mailboxes(
            self.db_path().to_path_buf(),
            Arc::new(self.clone()),
            holder.to_string(),
            tap,
            stop,
        )
        .await;
        Ok(())
    }
}
