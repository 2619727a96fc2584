//! `emaillog report …`: what the log says, for people and for scripts: a
//! contact's figures and timeline, and who is going cold.

use clap::Subcommand;

use crate::app::App;
use crate::app::signals::ContactReport;
use crate::domain::text::one_line;

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// One contact: the last message each way, messages each way over the
    /// last 30 and 90 days and in all, open opportunities, and the newest
    /// entries.
    Contact {
        /// The contact's number (CT0001).
        no: String,
        /// How many of the newest entries to list.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(0..=1000))]
        limit: u16,
        /// Print JSON instead of text (times ISO 8601, UTC).
        #[arg(long)]
        json: bool,
    },
    /// Contacts with an open opportunity (Not started, In progress) and no
    /// message either way for N days, the longest silence first.
    GoingCold {
        /// Days without a message either way.
        #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// Print JSON instead of text (times ISO 8601, UTC).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(app: &App, command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::GoingCold { days, json } => {
            let cold = app.going_cold(days, chrono::Utc::now())?;
            if json {
                print_json(&cold)?;
            } else if cold.is_empty() {
                println!("no contact with an open opportunity has been silent for {days} days");
            } else {
                println!(
                    "{:<10} {:<24} {:<24} {:<6} {:>5}  {:<20} SILENT",
                    "CONTACT", "NAME", "COMPANY", "SALES", "OPEN", "LAST MESSAGE"
                );
                for c in &cold {
                    let last = match (&c.last_inbound_at, &c.last_outbound_at) {
                        (Some(i), Some(o)) => i.max(o).clone(),
                        (Some(t), None) | (None, Some(t)) => t.clone(),
                        (None, None) => "never".into(),
                    };
                    println!(
                        "{:<10} {:<24} {:<24} {:<6} {:>5}  {:<20} {}",
                        one_line(&c.contact_no),
                        one_line(&c.name),
                        one_line(&c.company),
                        one_line(&c.salesperson_code),
                        c.open_opportunities,
                        last,
                        c.silent_days
                            .map(|d| format!("{d} days"))
                            .unwrap_or_else(|| "always".into())
                    );
                }
            }
        }
        ReportCommand::Contact { no, limit, json } => {
            let report = app.contact_report(&no, chrono::Utc::now(), limit as usize)?;
            if json {
                print_json(&report)?;
            } else {
                print!("{}", contact_text(&report));
            }
        }
    }
    Ok(())
}

/// The contact report as text, every value from outside made one safe line.
fn contact_text(r: &ContactReport) -> String {
    let c = &r.card;
    let when = |t: &Option<String>| t.clone().unwrap_or_else(|| "never".into());
    let mut out = format!(
        "{} {} ({}) <{}>\n\
         last from them  {}\n\
         last from us    {}\n\
         {:<15} {:>8} {:>8} {:>8}\n\
         {:<15} {:>8} {:>8} {:>8}\n\
         {:<15} {:>8} {:>8} {:>8}\n\
         open opportunities {}\n",
        one_line(&r.contact_no),
        one_line(&r.name),
        one_line(&r.company),
        one_line(&r.email),
        when(&c.last_inbound_at),
        when(&c.last_outbound_at),
        "messages",
        "30 days",
        "90 days",
        "in all",
        "  from them",
        c.inbound_30_days,
        c.inbound_90_days,
        c.inbound_total,
        "  from us",
        c.outbound_30_days,
        c.outbound_90_days,
        c.outbound_total,
        c.open_opportunities,
    );
    if r.timeline.is_empty() {
        out.push_str("no entries yet\n");
    } else {
        out.push_str("newest entries:\n");
        for e in &r.timeline {
            out.push_str(&format!(
                "  {}  {:<8} {:<10} {}\n",
                e.datetime,
                e.direction,
                one_line(&e.salesperson_code),
                one_line(&e.subject)
            ));
        }
    }
    out
}
