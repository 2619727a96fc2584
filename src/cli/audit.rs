//! `emaillog audit …`: the audit trail, the admin's: list it, verify its
//! chain, prune old rows, and how long rows are kept.

use clap::Subcommand;

use crate::app::App;
use crate::app::audit::{LIST_LIMIT, detail_summary, parse_anchor};
use crate::domain::text::one_line;

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The newest rows first: who opened, exported, forgot or changed what.
    List {
        /// Rows from this day on (YYYY-MM-DD, UTC).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// Rows of this user only (the account name, or the database role
        /// on PostgreSQL).
        #[arg(long)]
        who: Option<String>,
        /// Rows at most.
        #[arg(long, default_value_t = LIST_LIMIT as u32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        limit: u32,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check every row against its hash and the row before it; exit 1 when
    /// a row was changed, deleted or moved. Prints the head to keep.
    Verify {
        /// A head printed by an earlier verify (NUMBER:HASH): also checks
        /// that the trail was not rewritten since.
        #[arg(long)]
        anchor: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove the rows older than the days kept (`audit keep-days`), the
    /// oldest first; the prune is itself recorded.
    Prune {
        /// Rows older than this many days instead (30 or more).
        #[arg(long)]
        older_than_days: Option<u32>,
    },
    /// Show, or change, the days rows are kept before a prune may remove
    /// them (400 by default; 30 to 3650).
    KeepDays {
        /// The new number of days (30 to 3650); none shows the current one.
        days: Option<u32>,
    },
}

pub fn run(app: &App, cmd: AuditCommand) -> anyhow::Result<()> {
    app.require_existing()?;
    match cmd {
        AuditCommand::List {
            since,
            who,
            limit,
            json,
        } => {
            let since = since.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc());
            let rows = app.audit_list(since, who.as_deref(), limit as usize)?;
            if json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "seq": r.seq,
                            "at": r.at,
                            "who": r.who,
                            "action": r.action,
                            "target": r.target,
                            "detail": serde_json::from_str::<serde_json::Value>(&r.detail)
                                .unwrap_or(serde_json::Value::String(r.detail.clone())),
                            "hash": r.hash,
                        })
                    })
                    .collect();
                return print_json(&out);
            }
            if rows.is_empty() {
                println!("no audit rows");
            }
            for r in rows {
                println!(
                    "#{} {} {} {}: {}",
                    r.seq,
                    r.at,
                    one_line(&r.who),
                    r.action,
                    detail_summary(&r.detail)
                );
            }
            Ok(())
        }
        AuditCommand::Verify { anchor, json } => {
            let anchor = anchor.as_deref().map(parse_anchor).transpose()?;
            let report = app.audit_verify(anchor)?;
            if json {
                print_json(&report)?;
            } else {
                for p in &report.problems {
                    println!("{p}");
                }
                match (&report.head_seq, &report.head_hash) {
                    (Some(seq), Some(hash)) => println!(
                        "{} rows checked; head {seq}:{hash} (keep it: audit verify --anchor {seq}:{hash})",
                        report.rows
                    ),
                    _ => println!("the audit trail is empty"),
                }
            }
            if report.problems.is_empty() {
                if !json {
                    println!("the audit trail is intact");
                }
                Ok(())
            } else {
                anyhow::bail!(
                    "the audit trail was tampered with: {} problem(s) above",
                    report.problems.len()
                )
            }
        }
        AuditCommand::Prune { older_than_days } => {
            let n = app.audit_prune(older_than_days, chrono::Utc::now())?;
            println!(
                "{} removed; the prune is recorded in the trail",
                crate::domain::text::count(n as usize, "audit row", "audit rows")
            );
            Ok(())
        }
        AuditCommand::KeepDays { days } => {
            if let Some(d) = days {
                app.set_audit_keep_days(d)?;
            }
            println!(
                "audit rows are kept {} days before `emaillog audit prune` may remove them",
                app.audit_keep_days()?
            );
            Ok(())
        }
    }
}
