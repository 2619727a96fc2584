//! `emaillog sync --once`: one run now of the picked mailbox, the only one,
//! or every enabled one in turn, each with its summary.

use crate::app::App;
use crate::domain::text::one_line;
use crate::engine::events::channel;
use crate::engine::{EngineEvent, RunReport, Stop};

use super::jobs::{say, stop_on_signal};
use super::output::{event_line, print_json, summary};

/// The mailboxes a sync runs: (address, app with it picked).
fn targets(app: &App) -> anyhow::Result<Vec<(String, App)>> {
    let rows = app.mailboxes()?;
    if app.picked_mailbox().is_some() || rows.len() == 1 {
        let one = app.one_mailbox()?;
        let address = one.setup()?.mailbox;
        return Ok(vec![(address, one)]);
    }
    let enabled: Vec<(String, App)> = rows
        .iter()
        .filter(|m| m.enabled)
        .map(|m| (m.address.clone(), app.with_mailbox(m.no)))
        .collect();
    if enabled.is_empty() {
        anyhow::bail!(
            "none of the {} logging mailboxes is enabled: enable one with `emaillog --shared-mailbox ADDRESS enable`, or run one with --shared-mailbox",
            rows.len()
        );
    }
    Ok(enabled)
}

pub async fn sync(app: &App, json: bool) -> anyhow::Result<()> {
    let targets = targets(app)?;
    let several = targets.len() > 1;
    // Ctrl-C or SIGTERM: the page in hand is finished and committed, the
    // summary printed, and the exit code is 130 (interrupted).
    let (stop, watcher) =
        stop_on_signal("stopping after the page in hand (its entries are committed first)…");
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for (address, one) in &targets {
        if stop.is_stopped() {
            break;
        }
        if several && !json {
            say(&format!("── {} ──", one_line(address)));
        }
        let report = match sync_one(one, json, &stop).await {
            Ok(r) => r,
            Err(e) if several => {
                failed.push(format!("{}: {}", one_line(address), super::error_text(&e)));
                if !json {
                    say(&format!("  could not run: {}", super::error_text(&e)));
                }
                results
                    .push(serde_json::json!({"mailbox": address, "error": super::error_text(&e)}));
                continue;
            }
            Err(e) => {
                watcher.abort();
                return Err(e);
            }
        };
        let error = report.error.as_ref().map(|e| e.to_string());
        let mut v = serde_json::to_value(&report.counts)?;
        v["mailbox"] = serde_json::json!(address);
        v["error"] = serde_json::json!(error);
        results.push(v);
        match error {
            Some(e) => failed.push(format!(
                "{}the run failed: {} ({})",
                if several {
                    format!("{}: ", one_line(address))
                } else {
                    String::new()
                },
                one_line(&e),
                summary(&report.counts)
            )),
            None if !json => say(&format!("run finished: {}", summary(&report.counts))),
            None => {}
        }
    }
    watcher.abort();
    if json {
        if several {
            print_json(&results)?;
        } else if let Some(v) = results.first() {
            print_json(v)?;
        }
    }
    if !failed.is_empty() {
        anyhow::bail!("{}", failed.join("; "));
    }
    if stop.is_stopped() {
        return Err(super::Interrupted.into());
    }
    Ok(())
}

/// One mailbox's run, its progress drawn on the terminal unless `json`.
async fn sync_one(app: &App, json: bool, stop: &Stop) -> anyhow::Result<RunReport> {
    let (events, mut rx) = channel();
    let printer = (!json).then(|| {
        tokio::spawn(async move {
            let mut bar = super::progress::ProgressLine::new();
            while let Ok(e) = rx.recv().await {
                // The summary is printed once at the end instead.
                if matches!(e, EngineEvent::RunFinished { .. }) {
                    continue;
                }
                if let EngineEvent::Page {
                    counts,
                    backlog: Some(backlog),
                    ..
                } = &e
                {
                    bar.draw(&format!(
                        "{} {} of {} read · {} logged · {} skipped",
                        super::progress::bar(counts.read as u64, *backlog, 30),
                        counts.read,
                        backlog,
                        counts.logged,
                        counts.skipped
                    ));
                    continue;
                }
                if let Some(line) = event_line(&e) {
                    bar.clear();
                    say(&line);
                }
            }
        })
    });
    let report = app.sync_once(&events, stop).await;
    drop(events);
    if let Some(p) = printer {
        let _ = p.await;
    }
    Ok(report?)
}
