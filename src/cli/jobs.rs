//! `emaillog sync`, `run`, `job` and `export`.

use std::io::Write;

use clap::Subcommand;

use crate::app::App;
use crate::app::export::{Delimiter, ExportFormat};
use crate::app::filters::TypedView;
use crate::domain::Direction;
use crate::domain::text::one_line;
use std::sync::Arc;

use crate::engine::fleet::{Tag, Tap};
use crate::engine::{EngineEvent, Stop, stop_pair};
use crate::store::holder_id;

use super::output::{event_line, print_json, summary};

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// The job queue entry: status, schedule, attempts, last error.
    Status {
        /// Print JSON instead of text (times ISO 8601 with offset, reasons as codes).
        #[arg(long)]
        json: bool,
    },
    /// Back to Ready with attempts reset.
    Restart {
        /// Print JSON instead of text (times ISO 8601 with offset, reasons as codes).
        #[arg(long)]
        json: bool,
    },
    /// On hold: it does not run until restarted.
    Hold {
        /// Print JSON instead of text (times ISO 8601 with offset, reasons as codes).
        #[arg(long)]
        json: bool,
    },
    /// Let the next run try stuck messages again (ones that could be moved
    /// nowhere): one by its id, or all of them.
    Retry {
        /// The message id `job status` shows.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Every stuck message, not one.
        #[arg(long)]
        all: bool,
    },
    /// The newest runs with their counts.
    Log {
        /// Print JSON instead of text (times ISO 8601 with offset, reasons as codes).
        #[arg(long)]
        json: bool,
        /// How many runs, newest first.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Interaction log entries: all of them in entry order, or those the
    /// filters select newest first (as the Interaction log screen shows
    /// them). CSV starts with a UTF-8 byte order mark and carries names
    /// beside codes; times are ISO 8601 with their offset.
    Interactions {
        /// csv or json.
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// The CSV separator: `;` for a Norwegian (or German, French…) Excel.
        #[arg(long, value_enum, default_value = ",")]
        delimiter: Delimiter,
        /// Only this contact's entries: a contact number or name.
        #[arg(long)]
        contact: Option<String>,
        /// Only this salesperson's entries: a code or name.
        #[arg(long)]
        salesperson: Option<String>,
        /// Only entries with contacts of this company (its name, or part of it).
        #[arg(long)]
        company: Option<String>,
        /// From this day on (YYYY-MM-DD, local time).
        #[arg(long)]
        since: Option<String>,
        /// Up to and including this day (YYYY-MM-DD, local time).
        #[arg(long)]
        until: Option<String>,
        /// Only inbound or only outbound mail.
        #[arg(long, value_enum)]
        direction: Option<DirectionArg>,
        /// Only entries whose subject or body has all these words (word* matches a beginning).
        #[arg(long)]
        search: Option<String>,
    },
}

/// `--direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DirectionArg {
    Inbound,
    Outbound,
}

/// Prints a line of the running log; a closed stdout (`| head`) is not an
/// error worth stopping the engine for.
pub(super) fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// `emaillog run`: the job runner until SIGINT/SIGTERM. One line per run
/// (even one that found nothing) and each wait, on standard error (where
/// systemd's journal takes it) and in the log file alike.
pub async fn run_service(app: &App, log_file: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let log = log_file.unwrap_or_else(crate::tui::default_log_file);
    crate::tui::init_tracing(&log)?;
    run_printing(app, true).await
}

/// The demo's headless loop: the job runner until SIGINT/SIGTERM, printing
/// what it does on standard output.
pub async fn run(app: &App) -> anyhow::Result<()> {
    run_printing(app, false).await
}

/// The job runner until SIGINT/SIGTERM, finishing the work in hand; what it
/// does goes to stderr and the log (`service`) or to stdout (the demo).
async fn run_printing(app: &App, service: bool) -> anyhow::Result<()> {
    let (stop, _watcher) = stop_on_signal("stopping after the work in hand…");
    // Each line says which mailbox it is of while more than one is served.
    let tap: Tap = Arc::new(move |tag: &Tag, e: EngineEvent| {
        let line = if service {
            service_line(&e)
        } else {
            event_line(&e)
        };
        let Some(line) = line else { return };
        let line = if tag.several() && !tag.address.is_empty() {
            format!("[{}] {line}", one_line(&tag.address))
        } else {
            line
        };
        if service {
            let _ = writeln!(std::io::stderr(), "{line}");
            tracing::info!("{line}");
        } else {
            say(&line);
        }
    });
    Ok(app.serve(tap, stop, &holder_id()).await?)
}

/// A stop that fires on Ctrl-C or SIGTERM, saying `why` on stderr and in
/// the log; the task that waits for the signal, to abort when done.
pub(super) fn stop_on_signal(why: &'static str) -> (Stop, tokio::task::JoinHandle<()>) {
    let (handle, stop) = stop_pair();
    let watcher = tokio::spawn(async move {
        super::wait_for_stop().await;
        // Stop first: whatever happens to the terminal, the stop is not lost.
        handle.stop();
        let _ = writeln!(std::io::stderr(), "{why}");
        tracing::info!("{why}");
    });
    (stop, watcher)
}

/// What `emaillog run` says of an event: every run's end, even a quiet one.
fn service_line(e: &EngineEvent) -> Option<String> {
    match e {
        EngineEvent::RunFinished {
            counts,
            error: None,
        } if counts.read == 0 => Some(format!(
            "{} run finished: nothing new",
            chrono::Local::now().format("%H:%M:%S")
        )),
        e => event_line(e),
    }
}

fn print_job(
    app: &App,
    job: Option<crate::domain::job::JobEntry>,
    json: bool,
) -> anyhow::Result<()> {
    let stuck = app.stuck_messages()?;
    if json {
        // The job entry (or null), with the stuck messages beside its fields.
        let mut v = serde_json::to_value(&job)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("stuck".into(), serde_json::to_value(&stuck)?);
        }
        return print_json(&v);
    }
    match job {
        None => println!("no job entry: the setup is not enabled (emaillog enable)"),
        Some(j) => {
            println!("{}", crate::domain::job::JOB_DESCRIPTION);
            println!("status        {}", j.status.as_str());
            if let Some(w) =
                j.waiting_text(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
            {
                println!("              {w}");
            }
            println!("interval      {} s", j.interval_secs);
            if j.waiting_since.is_some() {
                println!("failed runs   {} in a row", j.attempts);
            } else {
                println!("attempts      {} of {}", j.attempts, j.max_attempts);
            }
            println!("next run      {}", j.next_run_at.to_rfc3339());
            println!(
                "last run      {}",
                j.last_run_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "never".into())
            );
            if let Some(e) = j.last_error {
                println!("last error    {}", one_line(&e));
            }
        }
    }
    if !stuck.is_empty() {
        println!(
            "\n{} need attention: they could be moved nowhere and are not read again.",
            crate::domain::text::count(stuck.len(), "stuck message", "stuck messages")
        );
        for m in &stuck {
            println!(
                "  {}  {}  ({} attempts, since {}): {}",
                m.mailbox_id,
                one_line(&m.subject),
                m.attempts,
                m.since,
                one_line(&m.last_error)
            );
        }
        println!("Fix the cause (folder, permissions), then: emaillog job retry ID (or --all)");
    }
    Ok(())
}

pub fn job(app: &App, cmd: JobCommand) -> anyhow::Result<()> {
    if matches!(cmd, JobCommand::Status { .. } | JobCommand::Log { .. }) {
        app.require_existing()?;
    }
    match cmd {
        JobCommand::Status { json } => print_job(app, app.job_status()?, json),
        JobCommand::Restart { json } => print_job(app, Some(app.job_restart()?), json),
        JobCommand::Hold { json } => print_job(app, Some(app.job_hold()?), json),
        JobCommand::Retry { id, all } => {
            let n = app.retry_stuck(if all { None } else { id.as_deref() })?;
            println!(
                "{} will be tried again by the next run",
                crate::domain::text::count(n, "stuck message", "stuck messages")
            );
            Ok(())
        }
        JobCommand::Log { json, limit } => {
            let log = app.job_log(limit)?;
            if json {
                return print_json(&log);
            }
            for l in log {
                println!(
                    "#{} {} → {} {}: {}",
                    l.id,
                    l.started_at,
                    l.ended_at.unwrap_or_default(),
                    l.status,
                    summary(&l.counts)
                );
                if let Some(r) = l.retention {
                    println!("    {}", r.summary());
                }
                if let Some(e) = l.error {
                    println!("    error: {}", one_line(&e));
                }
            }
            Ok(())
        }
    }
}

pub fn export(app: &App, cmd: ExportCommand) -> anyhow::Result<()> {
    app.require_existing()?;
    match cmd {
        ExportCommand::Interactions {
            format,
            delimiter,
            contact,
            salesperson,
            company,
            since,
            until,
            direction,
            search,
        } => {
            let typed = TypedView {
                contact,
                salesperson,
                company,
                since,
                until,
                direction: direction.map(|d| match d {
                    DirectionArg::Inbound => Direction::Inbound,
                    DirectionArg::Outbound => Direction::Outbound,
                }),
                search,
            };
            let tz = *chrono::Local::now().offset();
            let mut view = app.resolve_view(&typed, tz)?;
            // `--shared-mailbox`: only what that mailbox logged.
            view.mailbox = app.picked_mailbox();
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            app.export_interactions(&view, format, delimiter, &mut lock)?;
            Ok(())
        }
    }
}
