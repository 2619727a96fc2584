//! What the log says of each contact, kept as the log grows: per contact
//! and UTC day, the messages each way and the last of each
//! (`contact_days`), written in the same transaction as the entries they
//! count (one row per contact and day a page touches: a second table for
//! the last messages cost the engine a second random B-tree page per
//! message), and recounted for the contacts whose entries a purge
//! removed. A contact's card (and a company's, summed over its contacts)
//! reads the contact's day rows, never the log itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::db::{Db, params, row};
use super::interactions::{ENTRY_COLUMNS, EntryRow, entry_row};
use super::{Result, Store, parse_ts};
use crate::domain::Direction;

/// One entry as the summaries count it.
pub(super) struct Counted<'a> {
    pub contact_no: &'a str,
    pub direction: Direction,
    /// The stored time text (UTC, fixed width: its first ten characters
    /// are the day).
    pub occurred_at: &'a str,
    /// The logged message: a message with two of our salespeople on it is
    /// two entries and one interaction with the contact.
    pub message: i64,
}

/// A contact's (or a company's) figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Card {
    pub last_inbound_at: Option<String>,
    pub last_outbound_at: Option<String>,
    pub inbound_total: i64,
    pub outbound_total: i64,
    pub inbound_30_days: i64,
    pub outbound_30_days: i64,
    pub inbound_90_days: i64,
    pub outbound_90_days: i64,
    pub open_opportunities: i64,
}

/// A contact's share of a page on one day: messages in, out, last in,
/// last out.
type Tally<'a> = (i64, i64, Option<&'a str>, Option<&'a str>);

/// Adds a page's entries to the day rows (inside the page's transaction):
/// one row written per contact and day the page touched.
pub(super) fn count_in(tx: &Db, entries: &[Counted<'_>]) -> Result<()> {
    let mut days: BTreeMap<(&str, &str), Tally<'_>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for e in entries {
        if !seen.insert((e.contact_no, e.message)) {
            continue;
        }
        let d = days
            .entry((
                e.contact_no,
                e.occurred_at.get(..10).unwrap_or(e.occurred_at),
            ))
            .or_default();
        match e.direction {
            Direction::Inbound => {
                d.0 += 1;
                d.2 = d.2.max(Some(e.occurred_at));
            }
            Direction::Outbound => {
                d.1 += 1;
                d.3 = d.3.max(Some(e.occurred_at));
            }
        }
    }
    let owned: Vec<_> = days
        .iter()
        .map(|((no, day), (i, o, li, lo))| {
            (
                *no,
                *day,
                *i,
                *o,
                li.map(str::to_string),
                lo.map(str::to_string),
            )
        })
        .collect();
    let rows: Vec<_> = owned
        .iter()
        .map(|(no, day, i, o, li, lo)| row![*no, *day, *i, *o, li, lo])
        .collect();
    let later = |col: &str| {
        if tx.is_postgres() {
            format!("{col} = GREATEST(contact_days.{col}, excluded.{col})")
        } else {
            format!(
                "{col} = CASE WHEN excluded.{col} IS NULL OR contact_days.{col} >= excluded.{col} THEN contact_days.{col} ELSE excluded.{col} END"
            )
        }
    };
    let head = "INSERT INTO contact_days (contact_no, day, inbound, outbound, last_inbound_at, last_outbound_at)";
    let on_conflict = format!(
        "ON CONFLICT (contact_no, day) DO UPDATE SET
            inbound = contact_days.inbound + excluded.inbound,
            outbound = contact_days.outbound + excluded.outbound, {}, {}",
        later("last_inbound_at"),
        later("last_outbound_at")
    );
    tx.execute_rows(
        &format!("{head} VALUES (?1, ?2, ?3, ?4, ?5, ?6) {on_conflict}"),
        |rows| format!("{head} SELECT * FROM {rows} {on_conflict}"),
        &[
            "text",
            "text",
            "bigint",
            "bigint",
            "timestamptz",
            "timestamptz",
        ],
        &rows,
    )?;
    Ok(())
}

/// Counts the day rows of `contacts` again from their entries (after a
/// purge removed some): through the log's index by contact, contact by
/// contact.
pub(super) fn recount(tx: &Db, contacts: &[String]) -> Result<()> {
    let day = if tx.is_postgres() {
        "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    } else {
        "substr(occurred_at, 1, 10)"
    };
    for no in contacts {
        tx.execute(
            "DELETE FROM contact_days WHERE contact_no = ?1",
            params![no],
        )?;
        tx.execute(
            &format!(
                "INSERT INTO contact_days (contact_no, day, inbound, outbound, last_inbound_at, last_outbound_at)
                 SELECT contact_no, {day},
                        count(DISTINCT CASE WHEN direction = 'inbound' THEN logged_message_id END),
                        count(DISTINCT CASE WHEN direction = 'outbound' THEN logged_message_id END),
                        max(CASE WHEN direction = 'inbound' THEN occurred_at END),
                        max(CASE WHEN direction = 'outbound' THEN occurred_at END)
                   FROM interaction_log_entries WHERE contact_no = ?1 GROUP BY contact_no, {day}"
            ),
            params![no],
        )?;
    }
    Ok(())
}

/// The first day of the window of `days` days that ends today (UTC).
fn window_start(now: DateTime<Utc>, days: i64) -> String {
    (now - Duration::days(days - 1))
        .format("%Y-%m-%d")
        .to_string()
}

impl Store {
    /// The figures of one contact, or of every contact of a company
    /// (`company`: `no` is then the company's name), as of `now`.
    fn card(&self, company: bool, key: &str, now: DateTime<Utc>) -> Result<Card> {
        let who = if company {
            "(SELECT no FROM contacts WHERE company = ?1)"
        } else {
            "(?1)"
        };
        let (from_30, from_90) = (window_start(now, 30), window_start(now, 90));
        let mut card = self.conn.query_row(
            &format!(
                "SELECT max(last_inbound_at), max(last_outbound_at),
                        CAST(coalesce(sum(inbound), 0) AS BIGINT), CAST(coalesce(sum(outbound), 0) AS BIGINT),
                        CAST(coalesce(sum(CASE WHEN day >= ?2 THEN inbound ELSE 0 END), 0) AS BIGINT),
                        CAST(coalesce(sum(CASE WHEN day >= ?2 THEN outbound ELSE 0 END), 0) AS BIGINT),
                        CAST(coalesce(sum(CASE WHEN day >= ?3 THEN inbound ELSE 0 END), 0) AS BIGINT),
                        CAST(coalesce(sum(CASE WHEN day >= ?3 THEN outbound ELSE 0 END), 0) AS BIGINT)
                   FROM contact_days WHERE contact_no IN {who}"
            ),
            params![key, from_30, from_90],
            |r| {
                Ok(Card {
                    last_inbound_at: r.get(0)?,
                    last_outbound_at: r.get(1)?,
                    inbound_total: r.get(2)?,
                    outbound_total: r.get(3)?,
                    inbound_30_days: r.get(4)?,
                    outbound_30_days: r.get(5)?,
                    inbound_90_days: r.get(6)?,
                    outbound_90_days: r.get(7)?,
                    open_opportunities: 0,
                })
            },
        )?;
        card.open_opportunities = self.conn.query_row(
            &format!(
                "SELECT count(*) FROM opportunities WHERE contact_no IN {who}
                   AND status IN ('Not started', 'In progress')"
            ),
            params![key],
            |r| r.get(0),
        )?;
        card.last_inbound_at = card.last_inbound_at.as_deref().map(super::display_ts);
        card.last_outbound_at = card.last_outbound_at.as_deref().map(super::display_ts);
        Ok(card)
    }

    /// A contact's figures as of `now`.
    pub fn contact_card(&self, contact_no: &str, now: DateTime<Utc>) -> Result<Card> {
        self.card(false, contact_no, now)
    }

    /// A company's figures (all its contacts) as of `now`.
    pub fn company_card(&self, company: &str, now: DateTime<Utc>) -> Result<Card> {
        self.card(true, company, now)
    }

    /// One contact's record (without alternative addresses), if it exists.
    pub fn contact_record(&self, no: &str) -> Result<Option<crate::domain::Contact>> {
        use super::db::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT no, name, company, email FROM contacts WHERE no = ?1",
                params![no],
                |r| {
                    Ok(crate::domain::Contact {
                        no: r.get(0)?,
                        name: r.get(1)?,
                        company: r.get(2)?,
                        email: r.get(3)?,
                        alt_emails: Vec::new(),
                    })
                },
            )
            .optional()?)
    }

    /// A contact's entries, newest first, at most `limit`.
    pub fn contact_timeline(&self, contact_no: &str, limit: usize) -> Result<Vec<EntryRow>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id
             LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
             WHERE e.contact_no = ?1 ORDER BY e.occurred_at DESC, e.entry_no DESC LIMIT ?2"
        );
        Ok(self
            .conn
            .query_map(&sql, params![contact_no, limit], entry_row)?)
    }
}

/// A contact with an open opportunity and no message either way for a
/// while (or ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cold {
    pub contact_no: String,
    pub name: String,
    pub company: String,
    /// The salesperson of its open opportunity (the first by code when it
    /// has several).
    pub salesperson_code: String,
    pub open_opportunities: i64,
    pub last_inbound_at: Option<String>,
    pub last_outbound_at: Option<String>,
    /// Whole days since the last message either way; none when there was
    /// never one.
    pub silent_days: Option<i64>,
}

impl Store {
    /// Contacts with an open opportunity (Not started, In progress) and no
    /// message either way for `days` days as of `now`, the longest
    /// silence first (never first of all). Reads the opportunities and
    /// their contacts' day rows, not the log.
    pub fn going_cold(&self, days: u32, now: DateTime<Utc>) -> Result<Vec<Cold>> {
        let rows = self.conn.query_map(
            "SELECT c.no, c.name, c.company, o.salesperson, o.open,
                    (SELECT max(d.last_inbound_at) FROM contact_days d WHERE d.contact_no = c.no),
                    (SELECT max(d.last_outbound_at) FROM contact_days d WHERE d.contact_no = c.no)
               FROM (SELECT contact_no, min(salesperson_code) AS salesperson, count(*) AS open
                       FROM opportunities WHERE status IN ('Not started', 'In progress')
                      GROUP BY contact_no) o
               JOIN contacts c ON c.no = o.contact_no",
            params![],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )?;
        let since = now - Duration::days(i64::from(days));
        let mut cold: Vec<(Option<DateTime<Utc>>, Cold)> = rows
            .into_iter()
            .filter_map(
                |(no, name, company, salesperson, open, last_in, last_out)| {
                    let last = [&last_in, &last_out]
                        .into_iter()
                        .filter_map(|t| t.as_deref().and_then(parse_ts))
                        .max();
                    if last.is_some_and(|l| l > since) {
                        return None;
                    }
                    Some((
                        last,
                        Cold {
                            contact_no: no,
                            name,
                            company,
                            salesperson_code: salesperson,
                            open_opportunities: open,
                            last_inbound_at: last_in.as_deref().map(super::display_ts),
                            last_outbound_at: last_out.as_deref().map(super::display_ts),
                            silent_days: last.map(|l| (now - l).num_days()),
                        },
                    ))
                },
            )
            .collect();
        // Never before anything; then the oldest last message first.
        cold.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.contact_no.cmp(&b.1.contact_no))
        });
        Ok(cold.into_iter().map(|(_, c)| c).collect())
    }
}

/// Entries read for reply times at most: a longer period is refused.
pub const EXCHANGED_LIMIT: usize = 1_000_000;

impl Store {
    /// Every message exchanged with a contact from `from` to `until` (one
    /// per contact and message, with its salespeople), in no particular
    /// order (the callers group them per contact and sort): what reply
    /// times and follow-ups are counted from. The entries alone are read,
    /// through the date index (each carries its conversation id), unsorted. More than [`EXCHANGED_LIMIT`] entries
    /// is an error that says to narrow the period.
    pub fn exchanged(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<crate::domain::reply_times::Exchanged>> {
        use super::conversation_state::{EXCHANGED_COLUMNS, exchanged_row};
        let rows = self.conn.query_map(
            &format!(
                "SELECT {EXCHANGED_COLUMNS} FROM interaction_log_entries e
                  WHERE e.occurred_at >= ?1 AND e.occurred_at <= ?2 LIMIT ?3"
            ),
            params![super::ts(from), super::ts(until), EXCHANGED_LIMIT + 1],
            exchanged_row,
        )?;
        if rows.len() > EXCHANGED_LIMIT {
            return Err(super::StoreError::Invalid(format!(
                "more than {EXCHANGED_LIMIT} entries in that period: choose a shorter one (--since, --until)"
            )));
        }
        Ok(super::conversation_state::exchanged_of(rows))
    }
}
