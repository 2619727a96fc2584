//! Follow-ups, "waiting for us": conversations whose last word is a
//! contact's and that no message of ours answered within the follow-up
//! time (working days in the team's zone). An answer logged later, in the
//! same conversation, clears one by itself.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::conversation::open_runs;
use super::reply_times::{Exchanged, per_contact};
use super::work_week::WorkWeek;

/// One conversation waiting for one of our salespeople.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub salesperson_code: String,
    pub contact_no: String,
    /// The salesperson's entry of the first unanswered message (Enter on
    /// the screen opens it).
    pub entry_no: i64,
    /// Their latest message.
    pub received_at: DateTime<Utc>,
    /// Their first unanswered message.
    pub waiting_since: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// The first unanswered message's subject (untrusted text).
    pub subject: String,
}

/// One conversation whose last word is a contact's, for one salesperson,
/// as the store keeps it (per contact, recomputed when the contact's
/// messages change): whether it is due depends on the team's settings and
/// the time, so that is worked out when it is read ([`due`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wait {
    pub contact_no: String,
    pub salesperson_code: String,
    /// The salesperson's entry of the first unanswered message.
    pub entry_no: i64,
    /// Their first unanswered message.
    pub waiting_since: DateTime<Utc>,
    /// Their latest message.
    pub received_at: DateTime<Utc>,
    pub subject: String,
}

/// Every conversation in `exchanged` (any order) waiting for us, one per
/// salesperson on its first unanswered message.
pub fn waits(exchanged: &[Exchanged]) -> Vec<Wait> {
    let mut out = Vec::new();
    for (contact, list, said) in per_contact(exchanged) {
        for (since, latest) in open_runs(&said) {
            let first = list[since];
            for (sp, entry) in first.salespeople.iter().zip(&first.entries) {
                out.push(Wait {
                    contact_no: contact.to_string(),
                    salesperson_code: sp.clone(),
                    entry_no: *entry,
                    waiting_since: first.said.at,
                    received_at: list[latest].said.at,
                    subject: first.subject.clone(),
                });
            }
        }
    }
    out
}

/// The waits (any order) due by `now`, `days` working days after their
/// first unanswered message: by salesperson, oldest first.
pub fn due(
    waits: impl IntoIterator<Item = Wait>,
    week: &WorkWeek,
    days: u32,
    now: DateTime<Utc>,
) -> Vec<FollowUp> {
    let out: Vec<FollowUp> = waits
        .into_iter()
        .filter_map(|w| {
            let due_at = week.due_at(w.waiting_since, days);
            (due_at <= now).then_some(FollowUp {
                salesperson_code: w.salesperson_code,
                contact_no: w.contact_no,
                entry_no: w.entry_no,
                received_at: w.received_at,
                waiting_since: w.waiting_since,
                due_at,
                subject: w.subject,
            })
        })
        .collect();
    sort(out)
}

/// `due` by salesperson, oldest first: sorted by small keys (the
/// salesperson's rank, the time, the place) rather than by the rows,
/// whose texts lie all over the heap; ties (rare) compare the rows.
fn sort(due: Vec<FollowUp>) -> Vec<FollowUp> {
    let mut codes: Vec<&str> = due.iter().map(|f| f.salesperson_code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut keys: Vec<(usize, DateTime<Utc>, usize)> = due
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rank = codes
                .binary_search(&f.salesperson_code.as_str())
                .unwrap_or(0);
            (rank, f.waiting_since, i)
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            let (x, y) = (&due[a.2], &due[b.2]);
            (&x.contact_no, x.entry_no).cmp(&(&y.contact_no, y.entry_no))
        })
    });
    // Into that order in place (a copy of the rows is megabytes of fresh
    // memory): position j takes the row at keys[j].2, cycle by cycle.
    let mut due = due;
    let mut done = vec![false; due.len()];
    for i in 0..due.len() {
        let mut j = i;
        while !done[j] {
            done[j] = true;
            let k = keys[j].2;
            if k == i {
                break;
            }
            due.swap(j, k);
            j = k;
        }
    }
    due
}

/// The follow-ups due by `now` in `exchanged` (any order), `days` working
/// days after their first unanswered message: by salesperson, oldest
/// first. A message for two salespeople waits for both.
pub fn follow_ups(
    exchanged: &[Exchanged],
    week: &WorkWeek,
    days: u32,
    now: DateTime<Utc>,
) -> Vec<FollowUp> {
    due(waits(exchanged), week, days, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Direction::{self, Inbound as In, Outbound as Out};
    use crate::domain::conversation::Said;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn x(
        contact: &str,
        day: u32,
        hour: u32,
        d: Direction,
        conv: &str,
        sp: &[(&str, i64)],
    ) -> Exchanged {
        Exchanged {
            contact_no: contact.into(),
            said: Said::new(at(day, hour), d, conv, "Tilbud"),
            subject: "Tilbud".into(),
            salespeople: sp.iter().map(|(s, _)| s.to_string()).collect(),
            entries: sp.iter().map(|(_, e)| *e).collect(),
        }
    }

    #[test]
    fn what_waits_for_us_past_its_working_days() {
        let week = WorkWeek::default();
        let history = vec![
            // Answered: nothing waits.
            x("CT1", 16, 9, In, "a", &[("AH", 1)]),
            x("CT1", 16, 12, Out, "a", &[("AH", 2)]),
            // Two of theirs in a row on Wednesday 18th: waiting since the
            // first, due Friday 20th.
            x("CT2", 18, 9, In, "b", &[("BD", 3)]),
            x("CT2", 18, 15, In, "b", &[("BD", 4)]),
            // For two of us, from Thursday 19th: due Monday 23rd.
            x("CT3", 19, 9, In, "c", &[("AH", 5), ("BD", 6)]),
            // Friday 27th: not due before Tuesday 1 December.
            x("CT4", 27, 9, In, "d", &[("AH", 7)]),
            // Our answer came late, but it came: cleared.
            x("CT5", 2, 9, In, "e", &[("AH", 8)]),
            x("CT5", 12, 9, Out, "e", &[("AH", 9)]),
        ];
        type Row = (String, String, i64, DateTime<Utc>, DateTime<Utc>);
        let got: Vec<Row> = follow_ups(&history, &week, 2, at(30, 12))
            .into_iter()
            .map(|f| {
                (
                    f.salesperson_code,
                    f.contact_no,
                    f.entry_no,
                    f.waiting_since,
                    f.received_at,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("AH".into(), "CT3".into(), 5, at(19, 9), at(19, 9)),
                ("BD".into(), "CT2".into(), 3, at(18, 9), at(18, 15)),
                ("BD".into(), "CT3".into(), 6, at(19, 9), at(19, 9)),
            ]
        );
        // On Friday 20th at 12:00 UTC only CT2 is due (Wednesday 10:00
        // Oslo + 2 working days).
        let due: Vec<String> = follow_ups(&history, &week, 2, at(20, 12))
            .into_iter()
            .map(|f| f.contact_no)
            .collect();
        assert_eq!(due, vec!["CT2"]);
        // With no grace at all everything unanswered is due.
        assert_eq!(follow_ups(&history, &week, 0, at(30, 12)).len(), 4);
    }

    /// The rows come out by salesperson, oldest first, ties by contact
    /// and entry, whatever order they came in: the keyed sort and its
    /// in-place reordering against a plain sort of the same rows.
    #[test]
    fn due_rows_are_ordered_by_salesperson_then_age_from_any_order() {
        let week = WorkWeek::default();
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for len in [0usize, 1, 2, 3, 17, 200] {
            let waits: Vec<Wait> = (0..len)
                .map(|i| {
                    let since = at(2 + next(5) as u32, 9 + next(3) as u32);
                    Wait {
                        contact_no: format!("CT{}", next(4)),
                        salesperson_code: ["AH", "BD", "PS"][next(3) as usize].into(),
                        entry_no: i as i64,
                        waiting_since: since,
                        received_at: since,
                        subject: format!("s{i}"),
                    }
                })
                .collect();
            let got = due(waits.clone(), &week, 2, at(30, 12));
            let mut want = due(Vec::new(), &week, 2, at(30, 12));
            want.extend(waits.into_iter().map(|w| FollowUp {
                due_at: week.due_at(w.waiting_since, 2),
                salesperson_code: w.salesperson_code,
                contact_no: w.contact_no,
                entry_no: w.entry_no,
                received_at: w.received_at,
                waiting_since: w.waiting_since,
                subject: w.subject,
            }));
            want.sort_by(|a, b| {
                (
                    &a.salesperson_code,
                    a.waiting_since,
                    &a.contact_no,
                    a.entry_no,
                )
                    .cmp(&(
                        &b.salesperson_code,
                        b.waiting_since,
                        &b.contact_no,
                        b.entry_no,
                    ))
            });
            assert_eq!(got, want, "{len} rows");
        }
    }
}
