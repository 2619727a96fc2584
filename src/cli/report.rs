//! `emaillog report …`: what the log says, for people and for scripts: a
//! contact's figures and timeline, and who is going cold.

use clap::Subcommand;

use crate::app::App;
use crate::app::signals::ContactReport;
use crate::domain::reply_times::{AnsweredBy, By};
use crate::domain::text::one_line;
use crate::domain::work_week::WorkWeek;

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
        /// Days without a message either way (the team's setting, 21, by
        /// default: `emaillog setup signals`).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: Option<u32>,
        /// Print JSON instead of text (times ISO 8601, UTC).
        #[arg(long)]
        json: bool,
    },
    /// How fast we answer them and they answer us: median, 90th percentile
    /// and count of the answers given in the period, per salesperson or
    /// per contact. An answer is the other side's first message after a
    /// message in the same conversation.
    ReplyTimes {
        /// salesperson or contact.
        #[arg(long, value_enum)]
        by: ReplyBy,
        /// The first day (YYYY-MM-DD, in --time-zone); 90 days before
        /// --until by default.
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// The last day (YYYY-MM-DD, in --time-zone); today by default.
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// Count only working time: Monday–Friday, 08:00–16:00.
        #[arg(long)]
        working_hours: bool,
        /// The time zone (IANA name) for the days and working hours; the
        /// team's (`emaillog setup signals`) by default.
        #[arg(long)]
        time_zone: Option<chrono_tz::Tz>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Conversations waiting for us: their message, not answered within
    /// the follow-up time, by salesperson, oldest first.
    FollowUps {
        /// Only this salesperson's (a code).
        #[arg(long)]
        salesperson: Option<String>,
        /// The follow-up time in working days (Monday–Friday); the team's
        /// (`emaillog setup signals`, 2) by default.
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=60))]
        working_days: Option<u32>,
        /// The time zone (IANA name) for the working days; the team's by
        /// default.
        #[arg(long)]
        time_zone: Option<chrono_tz::Tz>,
        /// Print JSON instead of text (times ISO 8601, UTC).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReplyBy {
    Salesperson,
    Contact,
}

/// Midnight starting `day` in `tz`, as an instant.
fn day_start(tz: chrono_tz::Tz, day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    WorkWeek {
        tz,
        ..WorkWeek::default()
    }
    .midnight(day)
}

pub fn run(app: &App, command: ReportCommand) -> anyhow::Result<()> {
    let team = app.signal_settings()?;
    match command {
        ReportCommand::FollowUps {
            salesperson,
            working_days,
            time_zone,
            json,
        } => {
            let working_days = working_days.unwrap_or(team.follow_up_days);
            let time_zone = time_zone.unwrap_or(team.week.tz);
            let week = WorkWeek {
                tz: time_zone,
                ..WorkWeek::default()
            };
            let due = app.follow_ups(
                &week,
                working_days,
                salesperson.as_deref(),
                chrono::Utc::now(),
            )?;
            if json {
                print_json(&due)?;
            } else if due.is_empty() {
                println!("nobody is waiting for an answer past {working_days} working days");
            } else {
                println!(
                    "{:<8} {:<10} {:>8}  {:<17} {:<17} DUE",
                    "SALES", "CONTACT", "ENTRY", "WAITING SINCE", "LATEST"
                );
                let local = |t: chrono::DateTime<chrono::Utc>| {
                    t.with_timezone(&time_zone)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                };
                for f in &due {
                    println!(
                        "{:<8} {:<10} {:>8}  {:<17} {:<17} {}",
                        one_line(&f.salesperson_code),
                        one_line(&f.contact_no),
                        f.entry_no,
                        local(f.waiting_since),
                        local(f.received_at),
                        local(f.due_at)
                    );
                }
            }
        }
        ReportCommand::ReplyTimes {
            by,
            since,
            until,
            working_hours,
            time_zone,
            json,
        } => {
            let time_zone = time_zone.unwrap_or(team.week.tz);
            let now = chrono::Utc::now();
            let until_day = until.unwrap_or_else(|| now.with_timezone(&time_zone).date_naive());
            let since_day = since.unwrap_or(until_day - chrono::Duration::days(89));
            let end = day_start(time_zone, until_day + chrono::Duration::days(1))
                - chrono::Duration::seconds(1);
            let week = WorkWeek {
                tz: time_zone,
                ..WorkWeek::default()
            };
            let by_domain = match by {
                ReplyBy::Salesperson => By::Salesperson,
                ReplyBy::Contact => By::Contact,
            };
            let rows = app.reply_times(
                by_domain,
                day_start(time_zone, since_day),
                end,
                working_hours.then_some(&week),
            )?;
            let key = match by {
                ReplyBy::Salesperson => "salesperson_code",
                ReplyBy::Contact => "contact_no",
            };
            if json {
                let out: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            key: one_line(&r.key),
                            "answered_by": r.answered_by,
                            "median_reply_secs": r.stats.median_reply_secs,
                            "p90_reply_secs": r.stats.p90_reply_secs,
                            "replies": r.stats.replies,
                        })
                    })
                    .collect();
                print_json(&out)?;
            } else if rows.is_empty() {
                println!("no answers between {since_day} and {until_day}");
            } else {
                println!(
                    "{:<16} {:<9} {:>10} {:>10} {:>8}   ({} to {}{})",
                    key.to_uppercase(),
                    "ANSWERED",
                    "MEDIAN",
                    "90%",
                    "REPLIES",
                    since_day,
                    until_day,
                    if working_hours { ", working hours" } else { "" }
                );
                for r in &rows {
                    println!(
                        "{:<16} {:<9} {:>10} {:>10} {:>8}",
                        one_line(&r.key),
                        match r.answered_by {
                            AnsweredBy::Us => "by us",
                            AnsweredBy::Them => "by them",
                        },
                        duration(r.stats.median_reply_secs),
                        duration(r.stats.p90_reply_secs),
                        r.stats.replies
                    );
                }
            }
        }
        ReportCommand::GoingCold { days, json } => {
            let days = days.unwrap_or(team.cold_days);
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

/// A time span as a person reads it: 45 s, 12 min, 3.5 h, 2.1 days.
fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{:.1} days", s as f64 / 86_400.0),
    }
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
    if let Some(k) = &r.company_card {
        out.push_str(&format!(
            "company {}: last from them {}, from us {}; messages from them/us 30 days {}/{}, 90 days {}/{}, in all {}/{}; open opportunities {}\n",
            one_line(&r.company),
            when(&k.last_inbound_at),
            when(&k.last_outbound_at),
            k.inbound_30_days,
            k.outbound_30_days,
            k.inbound_90_days,
            k.outbound_90_days,
            k.inbound_total,
            k.outbound_total,
            k.open_opportunities,
        ));
    }
    // Entries and opportunity changes, newest first (both times are the
    // same RFC 3339 form, so they sort as text).
    let mut lines: Vec<(&str, String)> = r
        .timeline
        .iter()
        .map(|e| {
            (
                e.datetime.as_str(),
                format!(
                    "{:<8} {:<10} {}",
                    e.direction,
                    one_line(&e.salesperson_code),
                    one_line(&e.subject)
                ),
            )
        })
        .chain(r.opportunity_changes.iter().map(|c| {
            (
                c.changed_at.as_str(),
                format!(
                    "{:<8} {:<10} {}",
                    "opp.",
                    one_line(&c.opportunity_no),
                    one_line(&c.what)
                ),
            )
        }))
        .collect();
    lines.sort_by(|a, b| b.0.cmp(a.0));
    if lines.is_empty() {
        out.push_str("no entries yet\n");
    } else {
        out.push_str("timeline, newest first:\n");
        for (at, line) in &lines {
            out.push_str(&format!("  {at}  {line}\n"));
        }
    }
    out
}
