//! What the conversations with each contact say, kept per contact: the
//! conversations waiting for us (`contact_waits`) and every answer either
//! way (`contact_replies`). Working that out needs the contact's whole
//! history (a conversation id holds messages together however far apart),
//! so it is not added to as pages come in like the day counts: a page
//! marks the contacts it touched (`signals_dirty`, in its own
//! transaction, one row per contact), and the engine recomputes the
//! marked contacts after its pages, in bounded batches, each contact from
//! its entries alone (through the log's index by contact). The Follow-ups
//! screen and the reply-time reports then read these rows, never the log;
//! `domain::follow_ups::waits` and `domain::reply_times::reply_rows` are
//! the definitions, and a recount of every contact gives the same rows
//! (the property test in tests/contact_signals.rs).

use chrono::{DateTime, Utc};

use super::db::{Begin, Db, params, row};
use super::{Result, Store, parse_ts, ts};
use crate::domain::Direction;
use crate::domain::conversation::Said;
use crate::domain::follow_ups::{Wait, waits};
use crate::domain::reply_times::{AnsweredBy, Exchanged, ReplyRow, reply_rows};

/// Contacts recomputed in one transaction at most: a batch holds the
/// writers' lock for a few milliseconds, not for a backlog.
pub const REFRESH_BATCH: usize = 200;

/// Marks `contacts` for recomputing, inside the transaction that changed
/// their entries.
pub(super) fn mark<'a>(tx: &Db, contacts: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut nos: Vec<&str> = contacts.into_iter().collect();
    nos.sort_unstable();
    nos.dedup();
    let rows: Vec<_> = nos.iter().map(|no| row![*no]).collect();
    tx.execute_rows(
        "INSERT INTO signals_dirty (contact_no) VALUES (?1) ON CONFLICT (contact_no) DO NOTHING",
        |rows| {
            format!(
                "INSERT INTO signals_dirty (contact_no) SELECT * FROM {rows} ON CONFLICT (contact_no) DO NOTHING"
            )
        },
        &["text"],
        &rows,
    )?;
    Ok(())
}

/// The rows of entries read into [`Exchanged`]: contact, salesperson,
/// direction, time, conversation id, subject, logged message, entry.
pub(super) type ExchangedRow = (String, String, String, String, String, String, i64, i64);

/// The columns of an [`ExchangedRow`] from `interaction_log_entries e`.
pub(super) const EXCHANGED_COLUMNS: &str = "e.contact_no, e.salesperson_code, e.direction, e.occurred_at, e.conversation_id, e.subject, e.logged_message_id, e.entry_no";

pub(super) fn exchanged_row(r: &super::db::Row<'_>) -> super::db::DbResult<ExchangedRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

/// Entries as messages exchanged: one per contact and message, with the
/// salespeople (and their entries) on it; rows with a time or direction
/// that does not read are left out.
pub(super) fn exchanged_of(rows: Vec<ExchangedRow>) -> Vec<Exchanged> {
    let mut out: Vec<Exchanged> = Vec::new();
    let mut at_index: std::collections::HashMap<(String, i64), usize> =
        std::collections::HashMap::new();
    for (contact, salesperson, direction, at, conversation, subject, message, entry) in rows {
        if let Some(&i) = at_index.get(&(contact.clone(), message)) {
            out[i].salespeople.push(salesperson);
            out[i].entries.push(entry);
            continue;
        }
        let (Some(at), Some(direction)) = (parse_ts(&at), Direction::parse(&direction)) else {
            continue;
        };
        at_index.insert((contact.clone(), message), out.len());
        out.push(Exchanged {
            contact_no: contact,
            said: Said::new(at, direction, &conversation, &subject),
            subject,
            salespeople: vec![salesperson],
            entries: vec![entry],
        });
    }
    out
}

/// Recomputes `contact_no`'s waits and answers from its entries.
fn recompute(tx: &Db, contact_no: &str) -> Result<()> {
    let rows = tx.query_map(
        &format!(
            "SELECT {EXCHANGED_COLUMNS} FROM interaction_log_entries e WHERE e.contact_no = ?1"
        ),
        params![contact_no],
        exchanged_row,
    )?;
    let exchanged = exchanged_of(rows);
    tx.execute(
        "DELETE FROM contact_waits WHERE contact_no = ?1",
        params![contact_no],
    )?;
    tx.execute(
        "DELETE FROM contact_replies WHERE contact_no = ?1",
        params![contact_no],
    )?;
    let w: Vec<(Wait, String, String)> = waits(&exchanged)
        .into_iter()
        .map(|w| {
            let (since, latest) = (ts(w.waiting_since), ts(w.received_at));
            (w, since, latest)
        })
        .collect();
    let w: Vec<_> = w
        .iter()
        .map(|(w, since, latest)| {
            row![
                &w.contact_no,
                &w.salesperson_code,
                w.entry_no,
                since,
                latest,
                &w.subject
            ]
        })
        .collect();
    let head = "INSERT INTO contact_waits (contact_no, salesperson_code, entry_no, waiting_since, received_at, subject)";
    tx.execute_rows(
        &format!("{head} VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        |rows| format!("{head} SELECT * FROM {rows}"),
        &[
            "text",
            "text",
            "bigint",
            "timestamptz",
            "timestamptz",
            "text",
        ],
        &w,
    )?;
    let r: Vec<(ReplyRow, String, String)> = reply_rows(&exchanged)
        .into_iter()
        .map(|r| {
            let (asked, answered) = (ts(r.asked_at), ts(r.answered_at));
            (r, asked, answered)
        })
        .collect();
    let r: Vec<_> = r
        .iter()
        .map(|(r, asked, answered)| {
            row![
                &r.contact_no,
                &r.salesperson_code,
                i64::from(r.first),
                answered_by_text(r.answered_by),
                asked,
                answered
            ]
        })
        .collect();
    let head = "INSERT INTO contact_replies (contact_no, salesperson_code, first, answered_by, asked_at, answered_at)";
    tx.execute_rows(
        &format!("{head} VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        |rows| format!("{head} SELECT * FROM {rows}"),
        &[
            "text",
            "text",
            "integer",
            "text",
            "timestamptz",
            "timestamptz",
        ],
        &r,
    )?;
    Ok(())
}

fn answered_by_text(a: AnsweredBy) -> &'static str {
    match a {
        AnsweredBy::Us => "us",
        AnsweredBy::Them => "them",
    }
}

impl Store {
    /// Recomputes up to `limit` contacts whose entries changed, in one
    /// transaction; returns how many (fewer than `limit`: none are left).
    pub fn refresh_conversations(&mut self, limit: usize) -> Result<usize> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let nos: Vec<String> = tx.query_map(
            "SELECT contact_no FROM signals_dirty ORDER BY contact_no LIMIT ?1",
            params![limit as i64],
            |r| r.get(0),
        )?;
        for no in &nos {
            recompute(&tx, no)?;
            tx.execute(
                "DELETE FROM signals_dirty WHERE contact_no = ?1",
                params![no],
            )?;
        }
        tx.commit()?;
        Ok(nos.len())
    }

    /// Recomputes every contact whose entries changed, batch by batch;
    /// returns how many.
    pub fn refresh_all_conversations(&mut self) -> Result<usize> {
        let mut n = 0;
        loop {
            let done = self.refresh_conversations(REFRESH_BATCH)?;
            n += done;
            if done < REFRESH_BATCH {
                return Ok(n);
            }
        }
    }

    /// Contacts waiting to be recomputed.
    pub fn conversations_pending(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM signals_dirty", params![], |r| {
                r.get(0)
            })?)
    }

    /// The conversations waiting for us whose latest message is from
    /// `since` on, in no order.
    pub fn waits(&self, since: DateTime<Utc>) -> Result<Vec<Wait>> {
        let rows = self.conn.query_map(
            "SELECT contact_no, salesperson_code, entry_no, waiting_since, received_at, subject
               FROM contact_waits WHERE received_at >= ?1",
            params![ts(since)],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(contact_no, salesperson_code, entry_no, since, latest, subject)| {
                    Some(Wait {
                        contact_no,
                        salesperson_code,
                        entry_no,
                        waiting_since: parse_ts(&since)?,
                        received_at: parse_ts(&latest)?,
                        subject,
                    })
                },
            )
            .collect())
    }

    /// The answers given from `since` to `until`, a row per salesperson
    /// each counts for, in no order.
    pub fn reply_rows(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<ReplyRow>> {
        let rows = self.conn.query_map(
            "SELECT contact_no, salesperson_code, first, answered_by, asked_at, answered_at
               FROM contact_replies WHERE answered_at >= ?1 AND answered_at <= ?2",
            params![ts(since), ts(until)],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(contact_no, salesperson_code, first, by, asked, answered)| {
                    Some(ReplyRow {
                        contact_no,
                        salesperson_code,
                        first: first != 0,
                        answered_by: match by.as_str() {
                            "us" => AnsweredBy::Us,
                            "them" => AnsweredBy::Them,
                            _ => return None,
                        },
                        asked_at: parse_ts(&asked)?,
                        answered_at: parse_ts(&answered)?,
                    })
                },
            )
            .collect())
    }
}
