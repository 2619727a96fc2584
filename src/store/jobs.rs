//! The job queue entry and the log of its runs.

use std::collections::BTreeMap;

use super::db::{Begin, Db, OptionalExtension, params};
use chrono::{DateTime, Utc};

use crate::domain::job::{JOB_DESCRIPTION, JobEntry, JobStatus};

use super::{Result, Store, parse_ts, ts};

/// What one run did, per outcome and per skip reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    pub read: u32,
    pub logged: u32,
    pub entries: u32,
    /// Already logged before (a crash between commit and move): only moved.
    pub archived_only: u32,
    pub skipped: u32,
    pub failed: u32,
    pub skipped_by_reason: BTreeMap<String, u32>,
}

impl RunCounts {
    /// Adds what another part of the run did.
    pub fn add(&mut self, other: &RunCounts) {
        self.read += other.read;
        self.logged += other.logged;
        self.entries += other.entries;
        self.archived_only += other.archived_only;
        self.skipped += other.skipped;
        self.failed += other.failed;
        for (k, v) in &other.skipped_by_reason {
            *self.skipped_by_reason.entry(k.clone()).or_default() += v;
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct JobLogEntry {
    pub id: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub status: String,
    pub counts: RunCounts,
    pub error: Option<String>,
    pub run_by: String,
    /// Pages done so far (a run in progress shows it growing).
    pub pages: u32,
    /// Messages still in the Inbox at the last page, when known.
    pub backlog: Option<i64>,
    /// The engine that ran it.
    pub holder: String,
    pub updated_at: Option<String>,
    /// What the run's retention pass removed, when one ran.
    pub retention: Option<crate::domain::retention::Removed>,
}

fn read_job(conn: &Db, mailbox: i64) -> Result<Option<JobEntry>> {
    Ok(conn
            .query_row(
                "SELECT status, interval_secs, max_attempts, attempts, last_error, next_run_at, last_run_at, waiting_since FROM job_queue_entries WHERE id = ?1",
                params![mailbox],
                |r| {
                    let status: String = r.get(0)?;
                    let next: String = r.get(5)?;
                    let last: Option<String> = r.get(6)?;
                    let waiting: Option<String> = r.get(7)?;
                    Ok(JobEntry {
                        status: JobStatus::parse(&status).unwrap_or(JobStatus::Error),
                        interval_secs: r.get(1)?,
                        max_attempts: r.get(2)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                        next_run_at: parse_ts(&next).unwrap_or_else(Utc::now),
                        last_run_at: last.as_deref().and_then(parse_ts),
                        waiting_since: waiting.as_deref().and_then(parse_ts),
                    })
                },
            )
            .optional()?)
}

fn write_job(conn: &Db, mailbox: i64, j: &JobEntry) -> Result<()> {
    conn.execute(
            "INSERT INTO job_queue_entries (id, description, status, interval_secs, max_attempts, attempts, last_error, next_run_at, last_run_at, waiting_since)
             VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET status = excluded.status, interval_secs = excluded.interval_secs, max_attempts = excluded.max_attempts,
                 attempts = excluded.attempts, last_error = excluded.last_error, next_run_at = excluded.next_run_at, last_run_at = excluded.last_run_at,
                 waiting_since = excluded.waiting_since",
            params![JOB_DESCRIPTION, j.status.as_str(), j.interval_secs, j.max_attempts, j.attempts, j.last_error, ts(j.next_run_at), j.last_run_at.map(ts), j.waiting_since.map(ts), mailbox],
        )?;
    Ok(())
}

impl Store {
    pub fn job_entry(&self) -> Result<Option<JobEntry>> {
        read_job(&self.conn, self.mailbox)
    }

    pub fn save_job_entry(&self, j: &JobEntry) -> Result<()> {
        write_job(&self.conn, self.mailbox, j)
    }

    /// Reads, changes and writes the job entry in one transaction, so a
    /// Hold or Restart from another process in between is never
    /// overwritten. `None` when there is no job entry.
    pub fn update_job<T>(&mut self, f: impl FnOnce(&mut JobEntry) -> T) -> Result<Option<T>> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let Some(mut job) = read_job(&tx, self.mailbox)? else {
            return Ok(None);
        };
        let out = f(&mut job);
        write_job(&tx, self.mailbox, &job)?;
        tx.commit()?;
        Ok(Some(out))
    }

    pub fn delete_job_entry(&self) -> Result<()> {
        self.conn.execute(
            "DELETE FROM job_queue_entries WHERE id = ?1",
            params![self.mailbox],
        )?;
        Ok(())
    }

    /// Opens a job queue log entry for a run that starts now.
    pub fn start_job_log(&self, started: DateTime<Utc>, run_by: &str, holder: &str) -> Result<i64> {
        Ok(self.conn.insert("INSERT INTO job_queue_log_entries (started_at, status, run_by, holder, updated_at, mailbox_no) VALUES (?1, 'In process', ?2, ?3, ?1, ?4)", params![ts(started), run_by, holder, self.mailbox])?)
    }

    pub fn finish_job_log(
        &self,
        id: i64,
        ended: DateTime<Utc>,
        status: &str,
        c: &RunCounts,
        error: Option<&str>,
    ) -> Result<()> {
        let by_reason = serde_json::to_string(&c.skipped_by_reason).unwrap_or_else(|_| "{}".into());
        self.conn.execute(
            "UPDATE job_queue_log_entries SET ended_at = ?2, status = ?3, messages_read = ?4, messages_logged = ?5, entries_written = ?6,
                 messages_archived_only = ?7, messages_skipped = ?8, messages_failed = ?9, skipped_by_reason = ?10, error = ?11
             WHERE id = ?1",
            params![id, ts(ended), status, c.read, c.logged, c.entries, c.archived_only, c.skipped, c.failed, by_reason, error],
        )?;
        Ok(())
    }

    /// Deletes up to `limit` finished runs that started before `before`
    /// (a bounded batch: never a long write lock); returns how many.
    pub fn prune_job_log(&self, before: DateTime<Utc>, limit: usize) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM job_queue_log_entries WHERE id IN (
                SELECT id FROM job_queue_log_entries
                 WHERE mailbox_no = ?3 AND started_at < ?1 AND status <> 'In process' ORDER BY id LIMIT ?2)",
            params![ts(before), limit, self.mailbox],
        )?)
    }

    /// A job entry left In process by a run whose engine died (SIGKILL,
    /// power loss: no live lease) goes back to Ready, due now, saying so,
    /// instead of showing "In process" for good. True when it did.
    pub fn settle_interrupted_job(&mut self, now: DateTime<Utc>) -> Result<bool> {
        if self
            .job_entry()?
            .is_none_or(|j| j.status != JobStatus::InProcess)
            || self
                .lease_holder(&self.mailbox_key(), now)?
                .is_some_and(|l| !super::lease::holder_is_dead(&l.holder))
        {
            return Ok(false);
        }
        Ok(self
            .update_job(|j| {
                let settle = j.status == JobStatus::InProcess;
                if settle {
                    j.status = JobStatus::Ready;
                    j.next_run_at = now;
                    j.last_error = Some(
                        "the last run was interrupted: its process ended without finishing (killed, or the machine stopped); the next run goes on from what it committed".into(),
                    );
                }
                settle
            })?
            .unwrap_or(false))
    }

    /// The newest `limit` runs; one whose engine died before it finished
    /// is "Interrupted", never "In process" for good.
    pub fn job_log(&self, limit: usize) -> Result<Vec<JobLogEntry>> {
        let mut runs = self.job_log_as_stored(limit)?;
        if runs.iter().any(|r| r.status == "In process") {
            let live = self.live_holders(Utc::now())?;
            for r in runs
                .iter_mut()
                .filter(|r| r.status == "In process" && !live.contains(&r.holder))
            {
                r.status = "Interrupted".into();
            }
        }
        Ok(runs)
    }

    fn job_log_as_stored(&self, limit: usize) -> Result<Vec<JobLogEntry>> {
        let rows = self.conn.query_map(
            "SELECT id, started_at, ended_at, status, messages_read, messages_logged, entries_written, messages_archived_only,
                    messages_skipped, messages_failed, skipped_by_reason, error, run_by, pages, backlog, holder, updated_at, retention
             FROM job_queue_log_entries WHERE mailbox_no = ?2 ORDER BY id DESC LIMIT ?1",
            params![limit, self.mailbox], |r| {
            let by_reason: String = r.get(10)?;
            Ok(JobLogEntry {
                id: r.get(0)?,
                started_at: r.get(1)?,
                ended_at: r.get(2)?,
                status: r.get(3)?,
                counts: RunCounts {
                    read: r.get(4)?,
                    logged: r.get(5)?,
                    entries: r.get(6)?,
                    archived_only: r.get(7)?,
                    skipped: r.get(8)?,
                    failed: r.get(9)?,
                    skipped_by_reason: serde_json::from_str(&by_reason).unwrap_or_default(),
                },
                error: r.get(11)?,
                run_by: r.get(12)?,
                pages: r.get(13)?,
                backlog: r.get(14)?,
                holder: r.get(15)?,
                updated_at: r.get(16)?,
                retention: r
                    .get::<_, Option<String>>(17)?
                    .and_then(|j| serde_json::from_str(&j).ok()),
            })
        })?;
        Ok(rows)
    }
}
