//! Printing for people and for scripts: run summaries, events, JSON.

use crate::domain::text::one_line;
use crate::engine::EngineEvent;
use crate::store::RunCounts;

pub fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn summary(c: &RunCounts) -> String {
    let reasons: Vec<String> = c
        .skipped_by_reason
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let by = if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", reasons.join(", "))
    };
    format!(
        "read {}, logged {} ({} entries), archived only {}, skipped {}{by}, failed {}",
        c.read, c.logged, c.entries, c.archived_only, c.skipped, c.failed
    )
}

/// One line per event, with email text made safe for the terminal.
pub fn event_line(e: &EngineEvent) -> String {
    match e {
        EngineEvent::RunStarted { at } => format!("{} run started", at.format("%H:%M:%S")),
        EngineEvent::Logged {
            subject,
            direction,
            pairs,
        } => {
            let p: Vec<String> = pairs.iter().map(|(s, c)| format!("{s}↔{c}")).collect();
            format!(
                "  logged   {direction:<8} {}  [{}]",
                one_line(subject),
                p.join(", ")
            )
        }
        EngineEvent::Skipped {
            subject, reason, ..
        } => format!("  skipped  {reason:<14} {}", one_line(subject)),
        EngineEvent::Failed { mailbox_id, error } => {
            format!("  failed   {}: {}", short(mailbox_id), one_line(error))
        }
        EngineEvent::RunFinished { counts, error } => match error {
            None => format!("run finished: {}", summary(counts)),
            Some(e) => format!("run failed: {} — {}", one_line(e), summary(counts)),
        },
        EngineEvent::Job {
            status,
            next_run_at,
            last_error,
        } => match last_error {
            Some(e) => format!(
                "job: {} (next {}; last error: {})",
                status.as_str(),
                next_run_at.format("%H:%M:%S"),
                one_line(e)
            ),
            None => format!(
                "job: {} (next {})",
                status.as_str(),
                next_run_at.format("%H:%M:%S")
            ),
        },
        EngineEvent::Waiting { reason } => format!("waiting: {}", one_line(reason)),
    }
}

fn short(id: &str) -> String {
    if id.len() > 16 {
        format!("…{}", &id[id.len() - 12..])
    } else {
        id.to_string()
    }
}
