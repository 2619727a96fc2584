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

use std::collections::HashMap;

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

/// Recomputes `contact_no`'s waits and answers from its entries and
/// writes what changed (a new message changes a row or two of a long
/// history; rewriting them all cost a heavy contact milliseconds).
fn recompute(tx: &Db, contact_no: &str) -> Result<()> {
    let rows = tx.query_map(
        &format!(
            "SELECT {EXCHANGED_COLUMNS} FROM interaction_log_entries e WHERE e.contact_no = ?1"
        ),
        params![contact_no],
        exchanged_row,
    )?;
    let exchanged = exchanged_of(rows);
    write_waits(tx, contact_no, waits(&exchanged))?;
    write_replies(tx, contact_no, reply_rows(&exchanged))
}

/// Makes `contact_no`'s kept waits `new`: each keyed by its entry.
fn write_waits(tx: &Db, contact_no: &str, new: Vec<Wait>) -> Result<()> {
    let mut old: HashMap<i64, Wait> = tx
        .query_map(
            "SELECT contact_no, salesperson_code, entry_no, waiting_since, received_at, subject
               FROM contact_waits WHERE contact_no = ?1",
            params![contact_no],
            wait_row,
        )?
        .into_iter()
        .map(|w| (w.entry_no, w))
        .collect();
    let mut added = Vec::new();
    for w in new {
        match old.remove(&w.entry_no) {
            Some(o) if o == w => {}
            Some(_) => {
                tx.execute(
                    "DELETE FROM contact_waits WHERE contact_no = ?1 AND entry_no = ?2",
                    params![contact_no, w.entry_no],
                )?;
                added.push(w);
            }
            None => added.push(w),
        }
    }
    for gone in old.keys() {
        tx.execute(
            "DELETE FROM contact_waits WHERE contact_no = ?1 AND entry_no = ?2",
            params![contact_no, *gone],
        )?;
    }
    let added: Vec<(Wait, String, String)> = added
        .into_iter()
        .map(|w| {
            let (since, latest) = (ts(w.waiting_since), ts(w.received_at));
            (w, since, latest)
        })
        .collect();
    let rows: Vec<_> = added
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
        &rows,
    )?;
    Ok(())
}

/// Makes `contact_no`'s kept answers `new`. Answers have no key of their
/// own and two can be alike (messages in the same second): the rows are
/// compared as a multiset, and a content whose count changed is deleted
/// and written again as many times as it is now there.
fn write_replies(tx: &Db, contact_no: &str, new: Vec<ReplyRow>) -> Result<()> {
    let mut count: HashMap<ReplyRow, (usize, usize)> = HashMap::new();
    for r in tx.query_map(
        &format!("{REPLY_SELECT} WHERE contact_no = ?1"),
        params![contact_no],
        reply_row,
    )? {
        count.entry(r).or_default().0 += 1;
    }
    for r in new {
        count.entry(r).or_default().1 += 1;
    }
    let changed: Vec<(ReplyRow, usize, String, String)> = count
        .into_iter()
        .filter(|(_, (was, now))| was != now)
        .map(|(r, (_, now))| {
            let (asked, answered) = (ts(r.asked_at), ts(r.answered_at));
            (r, now, asked, answered)
        })
        .collect();
    for (r, _, asked, answered) in &changed {
        tx.execute(
            "DELETE FROM contact_replies WHERE contact_no = ?1 AND salesperson_code = ?2 AND first = ?3
                AND answered_by = ?4 AND asked_at = ?5 AND answered_at = ?6",
            params![
                contact_no,
                &r.salesperson_code,
                i64::from(r.first),
                answered_by_text(r.answered_by),
                asked,
                answered
            ],
        )?;
    }
    let rows: Vec<_> = changed
        .iter()
        .flat_map(|(r, now, asked, answered)| {
            std::iter::repeat_n(
                row![
                    &r.contact_no,
                    &r.salesperson_code,
                    i64::from(r.first),
                    answered_by_text(r.answered_by),
                    asked,
                    answered
                ],
                *now,
            )
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
        &rows,
    )?;
    Ok(())
}

/// The columns of a [`ReplyRow`] from `contact_replies`.
const REPLY_SELECT: &str = "SELECT contact_no, salesperson_code, first, answered_by, asked_at, answered_at FROM contact_replies";

fn reply_row(r: &super::db::Row<'_>) -> super::db::DbResult<ReplyRow> {
    Ok(ReplyRow {
        contact_no: r.get(0)?,
        salesperson_code: r.get(1)?,
        first: r.get::<_, i64>(2)? != 0,
        answered_by: match r.get::<_, String>(3)?.as_str() {
            "us" => AnsweredBy::Us,
            _ => AnsweredBy::Them,
        },
        asked_at: r.get(4)?,
        answered_at: r.get(5)?,
    })
}

fn wait_row(r: &super::db::Row<'_>) -> super::db::DbResult<Wait> {
    Ok(Wait {
        contact_no: r.get(0)?,
        salesperson_code: r.get(1)?,
        entry_no: r.get(2)?,
        waiting_since: r.get(3)?,
        received_at: r.get(4)?,
        subject: r.get(5)?,
    })
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
    /// Derived rows: a crash that loses the commit loses the unmarking
    /// with it, so the contacts are recomputed again; no need to wait for
    /// the disk.
    pub fn refresh_conversations(&mut self, limit: usize) -> Result<usize> {
        self.without_waiting_for_disk(|store| store.refresh_conversations_tx(limit))
    }

    fn refresh_conversations_tx(&mut self, limit: usize) -> Result<usize> {
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
        Ok(self.conn.query_map(
            "SELECT contact_no, salesperson_code, entry_no, waiting_since, received_at, subject
               FROM contact_waits WHERE received_at >= ?1",
            params![ts(since)],
            wait_row,
        )?)
    }

    /// The answers given from `since` to `until`, a row per salesperson
    /// each counts for, in no order.
    pub fn reply_rows(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<ReplyRow>> {
        Ok(self.conn.query_map(
            &format!("{REPLY_SELECT} WHERE answered_at >= ?1 AND answered_at <= ?2"),
            params![ts(since), ts(until)],
            reply_row,
        )?)
    }
}
