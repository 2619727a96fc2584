//! Printing for people and for scripts: run summaries, events, JSON.

use std::io::{BufRead, IsTerminal, Write};

use crate::domain::text::one_line;
use crate::engine::EngineEvent;
use crate::store::RunCounts;

pub fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!(
        "{}",
        crate::domain::text::json_safe(&serde_json::to_string_pretty(v)?)
    );
    Ok(())
}

pub fn summary(c: &RunCounts) -> String {
    let reasons: Vec<String> = c
        .skipped_by_reason
        .iter()
        .map(|(k, v)| format!("{} {v}", crate::domain::SkipReason::words(k)))
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

/// One line per event worth a person's attention, with email text made safe
/// for the terminal; routine ones (a run that found nothing, the job going
/// In process and back) print nothing.
pub fn event_line(e: &EngineEvent) -> Option<String> {
    use crate::domain::job::JobStatus;
    Some(match e {
        EngineEvent::RunStarted { .. } | EngineEvent::Page { .. } => return None,
        EngineEvent::RunFinished {
            counts,
            error: None,
        } if counts.read == 0 => return None,
        EngineEvent::Job {
            status: JobStatus::Ready | JobStatus::InProcess,
            last_error: None,
            ..
        } => return None,
        EngineEvent::Waiting { routine: true, .. } => return None,
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
            None => format!(
                "{} run finished: {}",
                chrono::Local::now().format("%H:%M:%S"),
                summary(counts)
            ),
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
        EngineEvent::Waiting { reason, .. } => format!("waiting: {}", one_line(reason)),
        EngineEvent::Throttled { wait_ms, left } => {
            format!(
                "  waiting  {}",
                crate::engine::events::throttled_text(*wait_ms, *left)
            )
        }
    })
}

/// The end of a long id, cut on a character boundary (ids may hold any
/// character a server sends).
fn short(id: &str) -> String {
    let id = one_line(id);
    let n = id.chars().count();
    if n > 16 {
        let tail: String = id.chars().skip(n - 12).collect();
        format!("…{tail}")
    } else {
        id
    }
}

/// Asks on the terminal; without one, `--yes` must say it.
pub fn confirmed(question: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question} Standard input is not a terminal: add --yes to say so");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = Vec::new();
    // An answer, not a file: at most one short line is read.
    std::io::Read::take(std::io::stdin().lock(), 16).read_until(b'\n', &mut answer)?;
    Ok(matches!(
        String::from_utf8_lossy(&answer).trim(),
        "y" | "Y" | "yes"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_never_split_a_character() {
        assert_eq!(short(&"ä€".repeat(10)), format!("…{}", "ä€".repeat(6)));
        assert_eq!(short("ümlaut"), "ümlaut");
        assert_eq!(short("\u{1b}[31mred"), "red");
    }
}
