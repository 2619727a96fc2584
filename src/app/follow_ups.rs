//! The team's follow-ups ("waiting for us") and the contacts going cold,
//! as the Follow-ups screen, the Status screen and `emaillog report
//! follow-ups` show them: computed from the log's recent conversations
//! (`domain::follow_ups`), less the ones a person dismissed.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::domain::follow_ups::{FollowUp, follow_ups};
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

/// One follow-up as the screen lists it: the conversation, and what the
/// message it waits on was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub due: FollowUp,
    pub contact_name: String,
    pub company: String,
    pub salesperson_name: String,
    /// The first unanswered message's subject (as stored: untrusted).
    pub subject: String,
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
}

/// The start of the day after `now`'s, in `week`'s zone.
pub fn end_of_day(week: &WorkWeek, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&week.tz).date_naive();
    let next = today.succ_opt().unwrap_or(today);
    week.instant(next.and_time(NaiveTime::MIN))
}

/// The start of `now`'s day in `week`'s zone.
pub fn start_of_day(week: &WorkWeek, now: DateTime<Utc>) -> DateTime<Utc> {
    week.instant(
        now.with_timezone(&week.tz)
            .date_naive()
            .and_time(NaiveTime::MIN),
    )
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
    /// The follow-ups due by `now`: conversations of the last
    /// [`FOLLOW_UP_DAYS_BACK`] days whose last word is a contact's, not
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
        let store = self.store()?;
        let from = now - Duration::days(FOLLOW_UP_DAYS_BACK);
        let exchanged = store.exchanged(from, now)?;
        let mut due = follow_ups(&exchanged, week, days, now);
        if let Some(code) = salesperson {
            due.retain(|f| f.salesperson_code.eq_ignore_ascii_case(code.trim()));
        }
        let firsts: Vec<i64> = due.iter().map(|f| f.entry_no).collect();
        let dismissed = store.follow_up_dismissals(&firsts)?;
        due.retain(|f| {
            dismissed
                .get(&f.entry_no)
                .is_none_or(|d| f.received_at > d.latest_at)
        });
        Ok(due)
    }

    /// The Follow-ups screen's rows as of `now`: what is due by the end of
    /// today, with names and subjects, and the contacts going cold.
    pub fn follow_up_board(&self, s: &SignalSettings, now: DateTime<Utc>) -> Result<FollowUpBoard> {
        let end = end_of_day(&s.week, now);
        let due = self.follow_ups(&s.week, s.follow_up_days, None, end)?;
        let entries: Vec<i64> = due.iter().map(|f| f.entry_no).collect();
        let by_no: std::collections::HashMap<i64, crate::store::EntryRow> = self
            .store()?
            .entries_numbered(&entries)?
            .into_iter()
            .map(|e| (e.entry_no, e))
            .collect();
        let start = start_of_day(&s.week, now);
        let overdue = due.iter().filter(|f| f.due_at < start).count();
        let due = due
            .into_iter()
            .map(|f| {
                let e = by_no.get(&f.entry_no);
                let pick = |g: fn(&crate::store::EntryRow) -> &String| {
                    e.map(|e| g(e).clone()).unwrap_or_default()
                };
                FollowUpRow {
                    contact_name: pick(|e| &e.contact_name),
                    company: pick(|e| &e.contact_company),
                    salesperson_name: pick(|e| &e.salesperson_name),
                    subject: pick(|e| &e.subject),
                    due: f,
                }
            })
            .collect();
        Ok(FollowUpBoard {
            due,
            overdue,
            cold: self.going_cold(s.cold_days, now)?,
            at: Some(now),
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
