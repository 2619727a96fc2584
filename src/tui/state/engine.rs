//! The engine as the UI sees it, and what its events change: whether a run
//! is in progress, why it waits, throttling, and the activity lines.

use chrono::{DateTime, Utc};

use crate::engine::EngineEvent;

use super::{RECENT, UiState, sanitize};

/// The engine as this window sees it.
#[derive(Debug, Clone, Default)]
pub struct EngineView {
    /// This window runs an engine (admin view); `None`: it only watches.
    pub holder: Option<String>,
    /// A run of this window's engine is in progress.
    pub in_run: bool,
    /// Why the engine is waiting, and whether that is routine.
    pub waiting: Option<(String, bool)>,
    /// The service's last "wait" (429): until when, and what it says.
    pub throttled: Option<(DateTime<Utc>, String)>,
}

impl UiState {
    pub(crate) fn engine_event(&mut self, e: EngineEvent) {
        let line = match &e {
            EngineEvent::RunStarted { .. } => {
                self.engine.in_run = true;
                self.engine.waiting = None;
                None
            }
            EngineEvent::Logged {
                subject,
                direction,
                pairs,
            } => Some(format!(
                "logged   {} ({direction}; {})",
                sanitize(subject),
                pairs
                    .iter()
                    .map(|(s, c)| format!("{} ↔ {}", sanitize(s), sanitize(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            EngineEvent::Skipped {
                subject, reason, ..
            } => Some(format!(
                "skipped  {} ({})",
                sanitize(subject),
                sanitize(crate::domain::SkipReason::words(reason))
            )),
            EngineEvent::Failed { mailbox_id, error } => Some(format!(
                "failed   {}: {}",
                sanitize(mailbox_id),
                sanitize(error)
            )),
            EngineEvent::Page { .. } | EngineEvent::Job { .. } => None,
            EngineEvent::RunFinished { counts, error } => {
                self.engine.in_run = false;
                // A run that found nothing is not news.
                match error {
                    None if counts.read == 0 => None,
                    None => Some(format!(
                        "run finished: {} logged, {} skipped, {} failed",
                        counts.logged, counts.skipped, counts.failed
                    )),
                    Some(e) => Some(format!("run failed: {}", sanitize(e))),
                }
            }
            EngineEvent::Waiting { reason, routine } => {
                self.engine.waiting = Some((sanitize(reason), *routine));
                (!routine).then(|| format!("waiting: {}", sanitize(reason)))
            }
            EngineEvent::Throttled { wait_ms, left } => {
                let text = crate::engine::events::throttled_text(*wait_ms, *left);
                self.engine.throttled = Some((
                    self.now + chrono::Duration::milliseconds(*wait_ms as i64),
                    text.clone(),
                ));
                Some(format!("waiting  {text}"))
            }
        };
        if let Some(l) = line {
            self.recent.push_back((self.now, l));
            while self.recent.len() > RECENT {
                self.recent.pop_front();
            }
        }
    }
}
