//! `emaillog mailbox add|list|remove`: the logging mailboxes of a database.

use clap::Subcommand;

use crate::app::App;
use crate::domain::text::one_line;
use crate::store::MailboxRow;

use super::output::{confirmed, print_json};

#[derive(Debug, Subcommand)]
pub enum MailboxCommand {
    /// Add a logging mailbox (its own setup, sign-in, job and folders;
    /// the directory and the interaction log are shared). Then set it up
    /// with `emaillog --shared-mailbox ADDRESS setup set …`.
    Add {
        /// The shared mailbox's address.
        address: String,
    },
    /// List the logging mailboxes: address, source, enabled, job status,
    /// last run, backlog.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a logging mailbox: its setup, secrets, job and skip records
    /// go; the entries it logged stay unless --purge.
    Remove {
        /// The mailbox's address.
        address: String,
        /// Delete the entries and logged messages it logged, and its runs.
        #[arg(long)]
        purge: bool,
        /// Do not ask (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

/// The JSON form of a row, with the names scripts use.
#[derive(serde::Serialize)]
struct Listed<'a> {
    mailbox: &'a str,
    number: i64,
    source: &'a str,
    enabled: bool,
    job_status: Option<&'a str>,
    last_run_at: Option<&'a str>,
    backlog: Option<i64>,
    stuck: i64,
    last_error: Option<&'a str>,
}

fn listed(m: &MailboxRow) -> Listed<'_> {
    Listed {
        mailbox: &m.address,
        number: m.no,
        source: &m.source,
        enabled: m.enabled,
        job_status: m.job_status.as_deref(),
        last_run_at: m.last_run_at.as_deref(),
        backlog: m.backlog,
        stuck: m.stuck,
        last_error: m.last_error.as_deref(),
    }
}

fn print_table(rows: &[MailboxRow]) {
    println!(
        "{:<32} {:<6} {:<8} {:<11} {:<20} {:>8}",
        "MAILBOX", "SOURCE", "ENABLED", "JOB", "LAST RUN", "BACKLOG"
    );
    for m in rows {
        let address = if m.address.is_empty() {
            "(no address yet)".to_string()
        } else {
            one_line(&m.address)
        };
        let last = m
            .last_run_at
            .as_deref()
            .and_then(crate::store::parse_ts)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|| "never".into());
        println!(
            "{:<32} {:<6} {:<8} {:<11} {:<20} {:>8}",
            address,
            m.source,
            if m.enabled { "yes" } else { "no" },
            m.job_status.as_deref().unwrap_or("-"),
            last,
            m.backlog
                .map(|b| b.to_string())
                .unwrap_or_else(|| "-".into())
        );
        if m.stuck > 0 {
            println!(
                "  {} message(s) stuck: `emaillog --shared-mailbox {address} job status`",
                m.stuck
            );
        }
    }
}

pub fn run(app: &App, cmd: MailboxCommand) -> anyhow::Result<()> {
    match cmd {
        MailboxCommand::Add { address } => {
            let added = app.add_mailbox(&address)?;
            let rows = added.mailboxes()?;
            println!(
                "added {} (mailbox {} of {}); next: emaillog --shared-mailbox {} setup set --tenant TENANT --client-id APP_ID",
                one_line(&address.trim().to_lowercase()),
                added.picked_mailbox().unwrap_or_default(),
                rows.len(),
                one_line(&address.trim().to_lowercase())
            );
            Ok(())
        }
        MailboxCommand::List { json } => {
            let rows = app.mailboxes()?;
            if json {
                print_json(&rows.iter().map(listed).collect::<Vec<_>>())
            } else {
                print_table(&rows);
                Ok(())
            }
        }
        MailboxCommand::Remove {
            address,
            purge,
            yes,
        } => {
            let picked = app.pick_mailbox(&address)?;
            app.require_admin()?;
            let what = if purge {
                "its setup, secrets, job, runs, skip records and every entry it logged are deleted"
            } else {
                "its setup, secrets, job and skip records are deleted; the entries it logged stay"
            };
            let question = format!("Remove the logging mailbox {}? {what}.", one_line(&address));
            if !confirmed(&question, yes)? {
                println!("nothing was removed");
                return Ok(());
            }
            let r = picked.remove_mailbox(purge)?;
            println!(
                "removed {}: {} skip records{}",
                one_line(&address),
                r.skipped_records,
                if purge {
                    format!(
                        ", {} entries, {} logged messages, {} runs",
                        r.entries, r.logged_messages, r.runs
                    )
                } else {
                    String::new()
                }
            );
            Ok(())
        }
    }
}
