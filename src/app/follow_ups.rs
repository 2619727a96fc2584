//! The team's follow-ups ("waiting for us") and the contacts going cold,
//! as the Follow-ups screen, the Status screen and `emaillog report
//! follow-ups` show them: computed from the log's recent conversations
//! (`domain::follow_ups`), less the ones a person dismissed.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::domain::follow_ups::{FollowUp, due};
use crate::domain::text::one_line;
use crate::domain::work_week::WorkWeek;
use crate::store::GoingCold;

use super::{App, AppError, Result};

/// How far back a conversation can still be waiting for us.
pub const FOLLOW_UP_DAYS_BACK: i64 = 120;

/// What the follow-ups are counted with: the team's week, the working
/// days an answer may take, the days of silence that make a contact with
/// an open opportunity go cold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalSettings {
    pub week: WorkWeek,
    pub follow_up_days: u32,
    pub cold_days: u32,
}

impl Default for SignalSettings {
    /// Oslo's working week, 2 working days, 21 days.
    fn default() -> Self {
        SignalSettings {
            week: WorkWeek::default(),
            follow_up_days: 2,
            cold_days: 21,
        }
    }
}

/// One follow-up as the screen lists it, with the names of who it is
/// between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub due: FollowUp,
    pub contact_name: std::sync::Arc<str>,
    pub company: std::sync::Arc<str>,
    pub salesperson_name: std::sync::Arc<str>,
}

/// The Follow-ups screen's two tabs and the Status screen's count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpBoard {
    /// Due by the end of today in the team's zone: by salesperson, oldest
    /// first.
    pub due: Vec<FollowUpRow>,
    /// Of those, due before today began (overdue).
    pub overdue: usize,
    pub cold: Vec<GoingCold>,
    /// When this was counted.
    pub at: Option<DateTime<Utc>>,
    /// What it was counted with.
    pub settings: SignalSettings,
}

/// The start of the day after `now`'s, in `week`'s zone.
pub fn end_of_day(week: &WorkWeek, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&week.tz).date_naive();
    week.midnight(today.succ_opt().unwrap_or(today))
}

/// The start of `now`'s day in `week`'s zone.
pub fn start_of_day(week: &WorkWeek, now: DateTime<Utc>) -> DateTime<Utc> {
    week.midnight(now.with_timezone(&week.tz).date_naive())
}

/// Who is at the keyboard, as a dismissal records it: the login name of
/// the account the UI runs under.
pub fn who_am_i() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(name) = std::env::var(var) {
            let name = one_line(name.trim());
            if !name.is_empty() {
                return name.chars().take(64).collect();
            }
        }
    }
    // SAFETY: getuid cannot fail and touches no memory of ours.
    format!("uid {}", unsafe { libc::getuid() })
}

impl App {
    /// The team's settings, as stored (a zone that no longer parses reads
    /// as Oslo's).
    pub fn signal_settings(&self) -> Result<SignalSettings> {
        let t = self.store()?.team_settings()?;
        let default = SignalSettings::default();
        Ok(SignalSettings {
            week: WorkWeek {
                tz: t.time_zone.parse().unwrap_or(default.week.tz),
                ..default.week
            },
            follow_up_days: t.follow_up_days,
            cold_days: t.going_cold_days,
        })
    }

    /// Changes the team's settings (the admin's): what is given, checked;
    /// returns them as they now stand.
    pub fn set_signal_settings(
        &self,
        time_zone: Option<&str>,
        follow_up_days: Option<u32>,
        going_cold_days: Option<u32>,
    ) -> Result<SignalSettings> {
        self.require_admin()?;
        let store = self.store()?;
        let mut t = store.team_settings()?;
        if let Some(z) = time_zone {
            let z = z.trim();
            if z.parse::<chrono_tz::Tz>().is_err() {
                return Err(AppError::Invalid(format!(
                    "'{}' is not a time zone: give an IANA name such as Europe/Oslo or Europe/Berlin",
                    one_line(z)
                )));
            }
            t.time_zone = z.to_string();
        }
        if let Some(d) = follow_up_days {
            if d > 30 {
                return Err(AppError::Invalid(
                    "follow-up days must be 0 to 30 working days".into(),
                ));
            }
            t.follow_up_days = d;
        }
        if let Some(d) = going_cold_days {
            if !(1..=3650).contains(&d) {
                return Err(AppError::Invalid(
                    "going-cold days must be 1 to 3650".into(),
                ));
            }
            t.going_cold_days = d;
        }
        store.set_team_settings(&t)?;
        self.signal_settings()
    }

    /// The follow-ups due by `now`: conversations whose latest message is
    /// at most [`FOLLOW_UP_DAYS_BACK`] days old and a contact's, not
    /// answered `days` working days after their first unanswered message,
    /// and not dismissed since their latest message; by salesperson (only
    /// `salesperson` when given), oldest first.
    pub fn follow_ups(
        &self,
        week: &WorkWeek,
        days: u32,
        salesperson: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<FollowUp>> {
        follow_ups_in(&self.store()?, week, days, salesperson, now)
    }

    /// The Follow-ups screen's rows as of `now`: what is due by the end of
    /// today, with names and subjects, and the contacts going cold; read
    /// through one connection.
    pub fn follow_up_board(&self, s: &SignalSettings, now: DateTime<Utc>) -> Result<FollowUpBoard> {
        let store = self.store()?;
        let due = follow_ups_in(
            &store,
            &s.week,
            s.follow_up_days,
            None,
            end_of_day(&s.week, now),
        )?;
        // Names shared, not copied: thousands of rows name a few hundred
        // people.
        type Name = std::sync::Arc<str>;
        let contacts: HashMap<String, (Name, Name)> = store
            .contact_names()?
            .into_iter()
            .map(|(no, (name, company))| (no, (name.into(), company.into())))
            .collect();
        let salespeople: HashMap<String, Name> = store
            .salespeople()?
            .into_iter()
            .map(|p| (p.code, p.name.into()))
            .collect();
        let start = start_of_day(&s.week, now);
        let overdue = due.iter().filter(|f| f.due_at < start).count();
        let unknown: Name = "".into();
        let due = due
            .into_iter()
            .map(|f| {
                let (contact_name, company) = contacts
                    .get(&f.contact_no)
                    .cloned()
                    .unwrap_or_else(|| (unknown.clone(), unknown.clone()));
                FollowUpRow {
                    contact_name,
                    company,
                    salesperson_name: salespeople
                        .get(&f.salesperson_code)
                        .cloned()
                        .unwrap_or_else(|| unknown.clone()),
                    due: f,
                }
            })
            .collect();
        Ok(FollowUpBoard {
            due,
            overdue,
            cold: store.going_cold(s.cold_days, now)?,
            at: Some(now),
            settings: *s,
        })
    }

    /// Records that the follow-up starting at entry `entry_no` (their
    /// latest message at `latest_at`) needs no answer, by whoever runs
    /// this; says what it did.
    pub fn dismiss_follow_up(
        &self,
        entry_no: i64,
        latest_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let store = self.store()?;
        if store.entry(entry_no)?.is_none() {
            return Err(AppError::Invalid(format!(
                "there is no entry {entry_no} any more (deleted or logged again): refresh the list"
            )));
        }
        let who = who_am_i();
        store.dismiss_follow_up(entry_no, latest_at, &who, now)?;
        Ok(format!(
            "follow-up on entry {entry_no} dismissed (no answer needed), recorded as {who}; a new message from them brings it back"
        ))
    }
}

/// [`App::follow_ups`] through `store`.
fn follow_ups_in(
    store: &crate::store::Store,
    week: &WorkWeek,
    days: u32,
    salesperson: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<FollowUp>> {
    let from = now - Duration::days(FOLLOW_UP_DAYS_BACK);
    let mut waits = store.waits(from)?;
    if let Some(code) = salesperson {
        waits.retain(|w| w.salesperson_code.eq_ignore_ascii_case(code.trim()));
    }
    let mut due = due(waits, week, days, now);
    let dismissed = store.follow_up_dismissals(from)?;
    due.retain(|f| {
        dismissed
            .get(&f.entry_no)
            .is_none_or(|d| f.received_at > d.latest_at)
    });
    Ok(due)
}
