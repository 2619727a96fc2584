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

/// Entries read into memory for one batch at most (about): a batch of
/// contacts with long histories is cut short, keeping at least one.
const REFRESH_ROWS: i64 = 20_000;

/// How many of the contacts whose histories have `sizes` (in order) fit
/// within `cap` together; at least one, however long its history.
fn batch_len(sizes: &[i64], cap: i64) -> usize {
    let mut total = 0;
    for (i, size) in sizes.iter().enumerate() {
        total += size;
        if total > cap && i > 0 {
            return i;
        }
    }
    sizes.len()
}

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
    // A message's salespeople in the order their entries were written, so
    // which of them an answer counts for first does not depend on the
    // order the rows were read in.
    for e in out.iter_mut().filter(|e| e.entries.len() > 1) {
        let mut pairs: Vec<(i64, String)> =
            e.entries.drain(..).zip(e.salespeople.drain(..)).collect();
        pairs.sort();
        (e.entries, e.salespeople) = pairs.into_iter().unzip();
    }
    out
}

/// What a batch of recomputed contacts changes in the kept rows.
#[derive(Default)]
struct Changes {
    /// Waits to delete (contact, entry) and to write.
    waits_gone: Vec<(String, i64)>,
    waits_added: Vec<Wait>,
    /// Answers whose count changed: every copy is deleted, and each is
    /// written again as many times as it is now there.
    replies_changed: Vec<(ReplyRow, usize)>,
}

impl Changes {
    /// Adds what makes one contact's kept waits `new` (each keyed by its
    /// entry): a new message changes a row or two of a long history, and
    /// rewriting them all cost a heavy contact milliseconds.
    fn waits(&mut self, old: Vec<Wait>, new: Vec<Wait>) {
        let mut old: HashMap<i64, Wait> = old.into_iter().map(|w| (w.entry_no, w)).collect();
        for w in new {
            match old.remove(&w.entry_no) {
                Some(o) if o == w => {}
                Some(o) => {
                    self.waits_gone.push((o.contact_no, o.entry_no));
                    self.waits_added.push(w);
                }
                None => self.waits_added.push(w),
            }
        }
        self.waits_gone
            .extend(old.into_values().map(|o| (o.contact_no, o.entry_no)));
    }

    /// Adds what makes one contact's kept answers `new`. Answers have no
    /// key of their own and two can be alike (messages in the same
    /// second): the rows are compared as a multiset.
    fn replies(&mut self, old: Vec<ReplyRow>, new: Vec<ReplyRow>) {
        let mut count: HashMap<ReplyRow, (usize, usize)> = HashMap::new();
        for r in old {
            count.entry(r).or_default().0 += 1;
        }
        for r in new {
            count.entry(r).or_default().1 += 1;
        }
        self.replies_changed.extend(
            count
                .into_iter()
                .filter(|(_, (was, now))| was != now)
                .map(|(r, (_, now))| (r, now)),
        );
    }
}

/// Rows of a contact-keyed query for every contact of `nos`, by contact:
/// one statement for the batch on PostgreSQL (a statement a contact cost
/// the engine a round trip each, ten times SQLite's whole cost).
fn by_contact<T>(
    tx: &Db,
    select: &str,
    nos: &[&str],
    f: impl FnMut(&super::db::Row<'_>) -> super::db::DbResult<T>,
    contact: impl Fn(&T) -> &str,
) -> Result<HashMap<String, Vec<T>>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for r in tx.query_keys(
        &format!("{select} WHERE contact_no = ?1"),
        |keys| format!("{select} WHERE contact_no IN (SELECT * FROM {keys})"),
        nos,
        f,
    )? {
        out.entry(contact(&r).to_string()).or_default().push(r);
    }
    Ok(out)
}

/// Recomputes the waits and answers of `nos` from their entries (through
/// the log's index by contact) and writes what changed.
fn recompute(tx: &Db, nos: &[&str]) -> Result<()> {
    let mut entries = by_contact(
        tx,
        &format!("SELECT {EXCHANGED_COLUMNS} FROM interaction_log_entries e"),
        nos,
        exchanged_row,
        |r| &r.0,
    )?;
    let mut old_waits = by_contact(
        tx,
        "SELECT contact_no, salesperson_code, entry_no, waiting_since, received_at, subject FROM contact_waits",
        nos,
        wait_row,
        |w| &w.contact_no,
    )?;
    let mut old_replies = by_contact(tx, REPLY_SELECT, nos, reply_row, |r| &r.contact_no)?;
    let mut changes = Changes::default();
    for no in nos {
        let exchanged = exchanged_of(entries.remove(*no).unwrap_or_default());
        changes.waits(old_waits.remove(*no).unwrap_or_default(), waits(&exchanged));
        changes.replies(
            old_replies.remove(*no).unwrap_or_default(),
            reply_rows(&exchanged),
        );
    }
    write_waits(tx, &changes)?;
    write_replies(tx, &changes)
}

/// Deletes the waits that went or changed and writes the new ones.
fn write_waits(tx: &Db, changes: &Changes) -> Result<()> {
    let gone: Vec<_> = changes
        .waits_gone
        .iter()
        .map(|(no, entry)| row![no, *entry])
        .collect();
    tx.execute_rows(
        "DELETE FROM contact_waits WHERE contact_no = ?1 AND entry_no = ?2",
        |rows| {
            format!(
                "DELETE FROM contact_waits WHERE (contact_no, entry_no) IN (SELECT * FROM {rows})"
            )
        },
        &["text", "bigint"],
        &gone,
    )?;
    let added: Vec<(&Wait, String, String)> = changes
        .waits_added
        .iter()
        .map(|w| (w, ts(w.waiting_since), ts(w.received_at)))
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

/// Deletes every copy of each answer whose count changed and writes it
/// again as many times as it is now there.
fn write_replies(tx: &Db, changes: &Changes) -> Result<()> {
    let changed: Vec<(&ReplyRow, usize, String, String)> = changes
        .replies_changed
        .iter()
        .map(|(r, now)| (r, *now, ts(r.asked_at), ts(r.answered_at)))
        .collect();
    let keys: Vec<_> = changed
        .iter()
        .map(|(r, _, asked, answered)| {
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
    let casts = [
        "text",
        "text",
        "integer",
        "text",
        "timestamptz",
        "timestamptz",
    ];
    tx.execute_rows(
        "DELETE FROM contact_replies WHERE contact_no = ?1 AND salesperson_code = ?2 AND first = ?3
            AND answered_by = ?4 AND asked_at = ?5 AND answered_at = ?6",
        |rows| {
            format!(
                "DELETE FROM contact_replies r USING {rows} AS v(c, s, f, b, q, a)
                  WHERE r.contact_no = v.c AND r.salesperson_code = v.s AND r.first = v.f
                    AND r.answered_by = v.b AND r.asked_at = v.q AND r.answered_at = v.a"
            )
        },
        &casts,
        &keys,
    )?;
    let rows: Vec<_> = changed
        .iter()
        .zip(&keys)
        .flat_map(|((_, now, _, _), key)| std::iter::repeat_n(key.clone(), *now))
        .collect();
    let head = "INSERT INTO contact_replies (contact_no, salesperson_code, first, answered_by, asked_at, answered_at)";
    tx.execute_rows(
        &format!("{head} VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        |rows| format!("{head} SELECT * FROM {rows}"),
        &casts,
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
    /// transaction; returns how many (fewer than `limit` where their
    /// histories together pass 20,000 messages, or none are left).
    /// Derived rows: a crash that loses the commit loses the unmarking
    /// with it, so the contacts are recomputed again; no need to wait for
    /// the disk.
    pub fn refresh_conversations(&mut self, limit: usize) -> Result<usize> {
        Ok(self.refresh_batch(limit)?.0)
    }

    /// One batch: how many contacts were recomputed, and whether marked
    /// contacts are left.
    fn refresh_batch(&mut self, limit: usize) -> Result<(usize, bool)> {
        self.without_waiting_for_disk(|store| store.refresh_conversations_tx(limit))
    }

    fn refresh_conversations_tx(&mut self, limit: usize) -> Result<(usize, bool)> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        // Each marked contact with the size of its history (its day rows'
        // messages, through their key), in the same statement.
        let marked: Vec<(String, i64)> = tx.query_map(
            "SELECT d.contact_no,
                    CAST(coalesce((SELECT sum(c.inbound + c.outbound) FROM contact_days c
                                    WHERE c.contact_no = d.contact_no), 0) AS BIGINT)
               FROM signals_dirty d ORDER BY d.contact_no LIMIT ?1",
            params![limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let sizes: Vec<i64> = marked.iter().map(|(_, size)| *size).collect();
        let nos: Vec<&str> = marked[..batch_len(&sizes, REFRESH_ROWS)]
            .iter()
            .map(|(no, _)| no.as_str())
            .collect();
        recompute(&tx, &nos)?;
        let rows: Vec<_> = nos.iter().map(|no| row![*no]).collect();
        tx.execute_rows(
            "DELETE FROM signals_dirty WHERE contact_no = ?1",
            |keys| format!("DELETE FROM signals_dirty WHERE contact_no IN (SELECT * FROM {keys})"),
            &["text"],
            &rows,
        )?;
        tx.commit()?;
        Ok((nos.len(), nos.len() == limit || nos.len() < marked.len()))
    }

    /// Recomputes every contact whose entries changed, batch by batch;
    /// returns how many.
    pub fn refresh_all_conversations(&mut self) -> Result<usize> {
        let mut n = 0;
        loop {
            let (done, left) = self.refresh_batch(REFRESH_BATCH)?;
            n += done;
            if !left {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(salesperson: &str, entry: i64) -> ExchangedRow {
        (
            "CT1".into(),
            salesperson.into(),
            "outbound".into(),
            "2026-11-30T09:00:00Z".into(),
            "conv".into(),
            "Quote".into(),
            7,
            entry,
        )
    }

    #[test]
    fn a_batch_keeps_its_entries_within_the_cap_and_takes_at_least_one_contact() {
        for (sizes, cap, want) in [
            (&[][..], 10, 0),
            (&[3, 3, 3][..], 10, 3),
            (&[3, 3, 3][..], 9, 3),
            (&[3, 3, 3][..], 8, 2),
            (&[50, 1][..], 10, 1),
            (&[1, 50, 1][..], 10, 1),
            (&[0, 0, 0][..], 0, 3),
        ] {
            assert_eq!(batch_len(sizes, cap), want, "{sizes:?} within {cap}");
        }
    }

    /// A message's salespeople come out in the order of their entries
    /// whatever order the rows were read in (a batch read on PostgreSQL
    /// returns them as its plan likes): the first salesperson is the one
    /// an answer counts for once per contact.
    #[test]
    fn salespeople_on_one_message_are_in_entry_order_however_read() {
        let read = |rows: Vec<ExchangedRow>| {
            exchanged_of(rows)
                .into_iter()
                .map(|e| (e.salespeople, e.entries))
                .collect::<Vec<_>>()
        };
        let want = vec![(vec!["S1".to_string(), "S2".to_string()], vec![10, 11])];
        assert_eq!(read(vec![entry("S1", 10), entry("S2", 11)]), want);
        assert_eq!(read(vec![entry("S2", 11), entry("S1", 10)]), want);
    }
}
