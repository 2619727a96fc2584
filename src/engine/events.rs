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
    /// The mail service asked us to wait (429) in the middle of a run.
    Throttled {
        wait_ms: u64,
        /// Messages still to read, when known.
        left: Option<u64>,
    },
}

/// "Graph asked us to wait 30 s (429); 4,812 left": what a throttled run
/// says instead of going silent.
pub fn throttled_text(wait_ms: u64, left: Option<u64>) -> String {
    let secs = wait_ms.div_ceil(1000).max(1);
    let left = left
        .map(|n| format!("; {} left", crate::domain::text::grouped(n)))
        .unwrap_or_default();
    format!("Graph asked us to wait {secs} s (429){left}")
}

/// Tells the service's waits (429) as they happen, with what is left to
/// read — taken from the run's own page events — until aborted.
pub(super) fn tell_throttling(
    inputs: &super::run::RunInputs<'_>,
) -> Option<tokio::task::JoinHandle<()>> {
    let mut waits = inputs.source.throttle_notes()?;
    let mut pages = inputs.events.subscribe();
    let events = inputs.events.clone();
    Some(tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        waits.borrow_and_update();
        let mut left = None;
        loop {
            tokio::select! {
                changed = waits.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let wait_ms = *waits.borrow_and_update();
                    let _ = events.send(EngineEvent::Throttled { wait_ms, left });
                }
                page = pages.recv() => match page {
                    Ok(EngineEvent::Page { counts, backlog, .. }) => {
                        left = backlog.map(|b| b.saturating_sub(counts.read as u64));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                },
            }
        }
    }))
}

#[cfg(test)]
#[test]
fn a_throttled_run_says_how_long_and_how_much_is_left() {
    assert_eq!(
        throttled_text(30_000, Some(4812)),
        "Graph asked us to wait 30 s (429); 4,812 left"
    );
    assert_eq!(throttled_text(1, None), "Graph asked us to wait 1 s (429)");
    assert_eq!(crate::domain::text::grouped(1_234_567), "1,234,567");
    assert_eq!(crate::domain::text::grouped(999), "999");
}

/// Where events go; sending never blocks and never fails the run.
pub type Events = tokio::sync::broadcast::Sender<EngineEvent>;

pub fn channel() -> (Events, tokio::sync::broadcast::Receiver<EngineEvent>) {
    tokio::sync::broadcast::channel(1024)
}
