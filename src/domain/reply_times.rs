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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
            // Messages at the same time in the order they were logged, so
            // the conversations come out alike however the rows were read.
            list.sort_by_key(|e| (e.said.at, e.entries.first().copied()));
            let said = list.iter().map(|e| e.said.clone()).collect();
            (contact, list, said)
        })
        .collect()
}

/// One answer as the store keeps it (per contact, recomputed when the
/// contact's messages change), once for each salesperson it counts for:
/// ours for who answered, theirs for whom they answered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyRow {
    pub contact_no: String,
    /// Empty when the message had no salesperson (then it counts for the
    /// contact alone).
    pub salesperson_code: String,
    /// The answer's first row: per contact, each answer counts once.
    pub first: bool,
    pub answered_by: AnsweredBy,
    pub asked_at: DateTime<Utc>,
    pub answered_at: DateTime<Utc>,
}

/// Every answer in `exchanged` (any order), a row per salesperson it
/// counts for.
pub fn reply_rows(exchanged: &[Exchanged]) -> Vec<ReplyRow> {
    let mut out = Vec::new();
    for (contact, list, said) in per_contact(exchanged) {
        for r in replies(&said) {
            let (asked, answered) = (list[r.asked], list[r.answered]);
            let answered_by = match r.by {
                Direction::Outbound => AnsweredBy::Us,
                Direction::Inbound => AnsweredBy::Them,
            };
            let keys = match answered_by {
                AnsweredBy::Us => &answered.salespeople,
                AnsweredBy::Them => &asked.salespeople,
            };
            let empty = [String::new()];
            let keys = if keys.is_empty() {
                &empty[..]
            } else {
                &keys[..]
            };
            for (i, k) in keys.iter().enumerate() {
                out.push(ReplyRow {
                    contact_no: contact.to_string(),
                    salesperson_code: k.clone(),
                    first: i == 0,
                    answered_by,
                    asked_at: asked.said.at,
                    answered_at: answered.said.at,
                });
            }
        }
    }
    out
}

/// The reply times of the answers in `rows` given from `since` to `until`
/// (the asking message may be older), grouped `by`; working time only
/// when `working` is given.
pub fn reply_times_of<'a>(
    rows: impl IntoIterator<Item = &'a ReplyRow>,
    by: By,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    working: Option<&WorkWeek>,
) -> Vec<ReplyTimes> {
    let mut secs: BTreeMap<(&str, AnsweredBy), Vec<i64>> = BTreeMap::new();
    for r in rows {
        if r.answered_at < since || r.answered_at > until {
            continue;
        }
        let key = match by {
            By::Contact if r.first => &r.contact_no,
            By::Salesperson if !r.salesperson_code.is_empty() => &r.salesperson_code,
            _ => continue,
        };
        let took = match working {
            Some(w) => w.working_secs(r.asked_at, r.answered_at),
            None => (r.answered_at - r.asked_at).num_seconds(),
        };
        secs.entry((key, r.answered_by)).or_default().push(took);
    }
    secs.into_iter()
        .filter_map(|((key, answered_by), s)| {
            Some(ReplyTimes {
                key: key.to_string(),
                answered_by,
                stats: ReplyStats::of(s)?,
            })
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
    reply_times_of(&reply_rows(exchanged), by, since, until, working)
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
