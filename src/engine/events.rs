//! What the engine tells its watchers, as it happens.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::job::JobStatus;
use crate::store::RunCounts;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    RunStarted {
        at: DateTime<Utc>,
    },
    Logged {
        subject: String,
        direction: String,
        pairs: Vec<(String, String)>,
    },
    Skipped {
        subject: String,
        reason: String,
        detail: String,
    },
    Failed {
        mailbox_id: String,
        error: String,
    },
    /// A page done: who did it and when, and the run's counts so far.
    Page {
        holder: String,
        started: DateTime<Utc>,
        ended: DateTime<Utc>,
        counts: RunCounts,
        /// Messages in the Inbox when the run began, when known.
        backlog: Option<u64>,
    },
    RunFinished {
        counts: RunCounts,
        error: Option<String>,
    },
    Job {
        status: JobStatus,
        next_run_at: DateTime<Utc>,
        last_error: Option<String>,
    },
    Waiting {
        reason: String,
        /// Nothing is wrong (the next run is simply not due yet).
        routine: bool,
    },
}

/// Where events go; sending never blocks and never fails the run.
pub type Events = tokio::sync::broadcast::Sender<EngineEvent>;

pub fn channel() -> (Events, tokio::sync::broadcast::Receiver<EngineEvent>) {
    tokio::sync::broadcast::channel(1024)
}
