//! The job queue as the user sees it: status, restart, hold, the run log,
//! one run now, and the runner.

use chrono::Utc;

use crate::domain::job::JobEntry;
use crate::engine::events::Events;
use crate::engine::runner::{lease_key, lease_ttl, logged_run, run_jobs};
use crate::engine::{RunReport, Stop};
use crate::store::{JobLogEntry, LeaseOutcome, holder_id};

use super::{App, AppError, Result};

impl App {
    pub fn job_status(&self) -> Result<Option<JobEntry>> {
        Ok(self.store()?.job_entry()?)
    }

    fn with_job(&self, f: impl FnOnce(&mut JobEntry)) -> Result<JobEntry> {
        let store = self.store()?;
        let mut job = store.job_entry()?.ok_or_else(|| {
            AppError::Invalid(
                "there is no job entry: the setup is not enabled (emaillog enable)".into(),
            )
        })?;
        f(&mut job);
        store.save_job_entry(&job)?;
        Ok(job)
    }

    /// Back to Ready, attempts reset, due now.
    pub fn job_restart(&self) -> Result<JobEntry> {
        self.with_job(|j| j.restart(Utc::now()))
    }

    pub fn job_hold(&self) -> Result<JobEntry> {
        self.with_job(|j| j.hold())
    }

    pub fn job_log(&self, limit: usize) -> Result<Vec<JobLogEntry>> {
        Ok(self.store()?.job_log(limit)?)
    }

    /// One run now, whatever the schedule; refused while another engine holds the mailbox.
    pub async fn sync_once(&self, events: &Events, stop: &Stop) -> Result<RunReport> {
        let mut store = self.store()?;
        let setup = store.setup()?;
        let source = self.graph_source(&setup, &store)?;
        let holder = holder_id();
        let key = lease_key(&setup);
        if let LeaseOutcome::HeldBy {
            holder: other,
            until,
        } = store.acquire_lease(&key, &holder, lease_ttl(), Utc::now())?
        {
            return Err(AppError::Invalid(format!(
                "another engine ({other}) is processing {key} until {}; try again later",
                until.format("%H:%M:%S")
            )));
        }
        let report = logged_run(&mut store, &source, &setup, &holder, events, stop).await;
        store.release_lease(&key, &holder)?;
        Ok(report?)
    }

    /// The job runner until `stop` fires.
    pub async fn run_jobs(&self, events: &Events, stop: Stop) -> Result<()> {
        let mut store = self.store()?;
        run_jobs(&mut store, self, &holder_id(), events, stop).await?;
        Ok(())
    }
}
