//! Reply times over a period, per salesperson or per contact: how long we
//! took to answer them (their message → our first reply in the
//! conversation) and how long they took to answer us, as median, 90th
//! percentile and count — in wall-clock time, or in working time when
//! asked. A pure function of the logged messages and the period.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Direction;
use super::conversation::{Said, replies};
use super::reply_stats::ReplyStats;
use super::work_week::WorkWeek;

/// One logged message with one contact, and our salespeople on it.
#[derive(Debug, Clone)]
pub struct Exchanged {
    pub contact_no: String,
    pub said: Said,
    /// The subject as written (`said` keeps its key).
    pub subject: String,
    pub salespeople: Vec<String>,
    /// The message's entry for each of `salespeople`, in the same order.
    pub entries: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Salesperson,
    Contact,
}

/// Who answered: we did (our reply time) or they did (theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnsweredBy {
    Us,
    Them,
}

/// The figures of one salesperson or contact, one direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyTimes {
    /// A salesperson's code or a contact's number.
    pub key: String,
    pub answered_by: AnsweredBy,
    #[serde(flatten)]
    pub stats: ReplyStats,
}

/// `exchanged` (any order) per contact, each contact's messages in time
/// order with the [`Said`] of each, as the conversation rules read them.
pub(super) fn per_contact(exchanged: &[Exchanged]) -> Vec<(&str, Vec<&Exchanged>, Vec<Said>)> {
    let mut grouped: BTreeMap<&str, Vec<&Exchanged>> = BTreeMap::new();
    for e in exchanged {
        grouped.entry(&e.contact_no).or_default().push(e);
    }
    grouped
        .into_iter()
        .map(|(contact, mut list)| {
            list.sort_by_key(|e| e.said.at);
            let said = list.iter().map(|e| e.said.clone()).collect();
            (contact, list, said)
        })
        .collect()
}

/// The reply times of the answers given from `since` to `until` (the
/// asking message may be older), grouped `by`; working time only when
/// `working` is given. `exchanged` in any order.
pub fn reply_times(
    exchanged: &[Exchanged],
    by: By,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    working: Option<&WorkWeek>,
) -> Vec<ReplyTimes> {
    let mut secs: BTreeMap<(String, AnsweredBy), Vec<i64>> = BTreeMap::new();
    for (contact, list, said) in per_contact(exchanged) {
        for r in replies(&said) {
            let (asked, answered) = (list[r.asked], list[r.answered]);
            if answered.said.at < since || answered.said.at > until {
                continue;
            }
            let took = match working {
                Some(w) => w.working_secs(asked.said.at, answered.said.at),
                None => (answered.said.at - asked.said.at).num_seconds(),
            };
            let who = match r.by {
                Direction::Outbound => AnsweredBy::Us,
                Direction::Inbound => AnsweredBy::Them,
            };
            let keys: Vec<String> = match by {
                By::Contact => vec![contact.to_string()],
                // Ours count for who answered; theirs for whom they answered.
                By::Salesperson => match who {
                    AnsweredBy::Us => answered.salespeople.clone(),
                    AnsweredBy::Them => asked.salespeople.clone(),
                },
            };
            for k in keys {
                secs.entry((k, who)).or_default().push(took);
            }
        }
    }
    secs.into_iter()
        .filter_map(|((key, answered_by), s)| {
            Some(ReplyTimes {
                key,
                answered_by,
                stats: ReplyStats::of(s)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Inbound as In, Outbound as Out};
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn x(contact: &str, day: u32, hour: u32, d: Direction, conv: &str, sp: &[&str]) -> Exchanged {
        Exchanged {
            contact_no: contact.into(),
            said: Said::new(at(day, hour), d, conv, "Quote"),
            subject: "Quote".into(),
            salespeople: sp.iter().map(|s| s.to_string()).collect(),
            entries: (0..sp.len() as i64).collect(),
        }
    }

    fn figures(r: &[ReplyTimes]) -> Vec<(String, AnsweredBy, i64, usize)> {
        r.iter()
            .map(|t| {
                (
                    t.key.clone(),
                    t.answered_by,
                    t.stats.median_reply_secs,
                    t.stats.replies,
                )
            })
            .collect()
    }

    #[test]
    fn replies_are_timed_per_salesperson_and_per_contact() {
        let h = 3600;
        let all = vec![
            // CT1 asks Monday 9:00; AH answers at 11:00 (2 h); CT1 answers
            // Tuesday 9:00 (22 h).
            x("CT1", 23, 9, In, "c1", &["AH"]),
            x("CT1", 23, 11, Out, "c1", &["AH"]),
            x("CT1", 24, 9, In, "c1", &["AH"]),
            // CT2 asks; AH and BD answer in one message 4 h later.
            x("CT2", 23, 8, In, "c2", &["AH", "BD"]),
            x("CT2", 23, 12, Out, "c2", &["AH", "BD"]),
            // An answer in another conversation answers nothing.
            x("CT3", 23, 8, In, "c3", &["BD"]),
            x("CT3", 23, 9, Out, "c9", &["BD"]),
        ];
        let (since, until) = (at(1, 0), at(30, 0));
        assert_eq!(
            figures(&reply_times(&all, By::Salesperson, since, until, None)),
            vec![
                ("AH".into(), AnsweredBy::Us, 3 * h, 2),
                ("AH".into(), AnsweredBy::Them, 22 * h, 1),
                ("BD".into(), AnsweredBy::Us, 4 * h, 1),
            ]
        );
        assert_eq!(
            figures(&reply_times(&all, By::Contact, since, until, None)),
            vec![
                ("CT1".into(), AnsweredBy::Us, 2 * h, 1),
                ("CT1".into(), AnsweredBy::Them, 22 * h, 1),
                ("CT2".into(), AnsweredBy::Us, 4 * h, 1),
            ]
        );
        // Only answers given in the period count (the question may be older).
        assert_eq!(
            figures(&reply_times(&all, By::Contact, at(24, 0), until, None)),
            vec![("CT1".into(), AnsweredBy::Them, 22 * h, 1)]
        );
        // In working time (Oslo, 8–16): our Monday 12:00 → their Tuesday
        // 10:00 is 4 h of Monday and 2 h of Tuesday: 6 h, not 22.
        let w = WorkWeek::default();
        let t = reply_times(&all, By::Contact, since, until, Some(&w));
        assert_eq!(
            figures(&t),
            vec![
                ("CT1".into(), AnsweredBy::Us, 2 * h, 1),
                ("CT1".into(), AnsweredBy::Them, 6 * h, 1),
                ("CT2".into(), AnsweredBy::Us, 4 * h, 1),
            ]
        );
        assert!(reply_times(&[], By::Contact, since, until, None).is_empty());
    }
}
