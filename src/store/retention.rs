//! Storage limitation, in bounded batches: each call is one short
//! transaction over at most `limit` rows of one mailbox, oldest first
//! (by the message's date: received, else when it was logged or skipped),
//! so retention never holds the writers' lock for long and a backlog of
//! years goes over several runs. What goes from the mailbox (Archive and
//! Skipped copies) is asked of the engine as delete requests in the same
//! transaction, like a forget's: done once, under the lease.

use chrono::{DateTime, Utc};

use super::db::{Begin, OptionalExtension, params};
use super::review::request_delete;
use super::{Result, Store, ts};
use crate::domain::retention::Removed;

/// A message's date, as the age indexes hold it.
const MESSAGE_AGE: &str = "coalesce(received_at, logged_at)";
const SKIPPED_AGE: &str = "coalesce(received_at, skipped_at)";

/// `ids` as an SQL list of integers (never empty: callers return first).
fn id_list(ids: &[i64]) -> String {
    let parts: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("({})", parts.join(", "))
}

/// Asks the engine to delete the mailbox copies of `rows` (id, where,
/// the message's id in the mailbox) whose place is one of `held` (the
/// places that hold a copy); how many.
fn delete_copies(
    tx: &super::db::Db,
    mailbox: i64,
    rows: &[(i64, String, String)],
    held: &[&str],
    now: DateTime<Utc>,
) -> Result<u64> {
    let at = ts(now);
    let mut n = 0;
    for (_, place, mailbox_id) in rows {
        if held.contains(&place.as_str()) {
            request_delete(tx, mailbox, mailbox_id, &at)?;
            n += 1;
        }
    }
    Ok(n)
}

/// One batch's outcome: what went, and whether more is left before the cutoff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Batch {
    pub removed: Removed,
    pub more: bool,
}

impl Store {
    /// The day retention last finished for this mailbox.
    pub fn retention_done_on(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT retention_done_on FROM setup WHERE id = ?1",
                params![self.mailbox],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_retention_done_on(&self, day: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET retention_done_on = ?1 WHERE id = ?2",
            params![day, self.mailbox],
        )?;
        Ok(())
    }

    /// Takes the bodies, attachment metadata and attachment names (and so
    /// their search rows) from up to `limit` messages dated before
    /// `before`, oldest first from where the last batch stopped; the
    /// entries stay.
    pub fn strip_old_bodies(&mut self, before: DateTime<Utc>, limit: usize) -> Result<Batch> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let upto: Option<(String, i64)> = tx.query_row(
            "SELECT retention_bodies_upto, retention_bodies_upto_id FROM setup WHERE id = ?1",
            params![self.mailbox],
            |r| {
                Ok(match (r.get::<_, Option<String>>(0)?, r.get(1)?) {
                    (Some(t), Some(id)) => Some((t, id)),
                    _ => None,
                })
            },
        )?;
        // Before every date mail can have.
        let (from, from_id) = upto.unwrap_or_else(|| ("0001-01-01T00:00:00.000Z".into(), 0));
        let rows: Vec<(i64, String)> = tx.query_map(
            &format!(
                "SELECT id, {MESSAGE_AGE} FROM logged_messages
                  WHERE mailbox_no = ?1 AND {MESSAGE_AGE} < ?2 AND ({MESSAGE_AGE}, id) > (?4, ?5)
                  ORDER BY {MESSAGE_AGE}, id LIMIT ?3"
            ),
            params![self.mailbox, ts(before), limit, from, from_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let Some((last_id, last_at)) = rows.last().cloned() else {
            return Ok(Batch::default());
        };
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        let list = id_list(&ids);
        tx.execute(
            &format!("DELETE FROM message_attachments WHERE logged_message_id IN {list}"),
            params![],
        )?;
        let bodies = tx.execute(
            &format!(
                "UPDATE logged_messages SET body = NULL, attachment_names = NULL
                  WHERE id IN {list} AND (body IS NOT NULL OR attachment_names IS NOT NULL)"
            ),
            params![],
        )?;
        // A private message's contents are kept apart (store/private.rs).
        let bodies = bodies
            + tx.execute(
                &format!(
                    "UPDATE private_messages SET body = NULL, attachment_names = NULL
                      WHERE logged_message_id IN {list} AND (body IS NOT NULL OR attachment_names IS NOT NULL)"
                ),
                params![],
            )?;
        tx.execute(
            "UPDATE setup SET retention_bodies_upto = ?1, retention_bodies_upto_id = ?2 WHERE id = ?3",
            params![last_at, last_id, self.mailbox],
        )?;
        tx.commit()?;
        Ok(Batch {
            removed: Removed {
                bodies: bodies as u64,
                ..Removed::default()
            },
            more: rows.len() == limit,
        })
    }

    /// Deletes up to `limit` logged messages dated before `before` with
    /// their entries (and what hangs on them), oldest first; the contacts'
    /// figures are counted again and their conversations marked. A message
    /// still in the queue folder is the engine's, not retention's. With
    /// `copies`, the Archive and Skipped copies are asked to be deleted.
    pub fn remove_old_messages(
        &mut self,
        before: DateTime<Utc>,
        limit: usize,
        copies: bool,
        now: DateTime<Utc>,
    ) -> Result<Batch> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let rows: Vec<(i64, String, String)> = tx.query_map(
            &format!(
                "SELECT id, location, mailbox_id FROM logged_messages
                  WHERE mailbox_no = ?1 AND {MESSAGE_AGE} < ?2 AND location <> 'inbox'
                  ORDER BY {MESSAGE_AGE}, id LIMIT ?3"
            ),
            params![self.mailbox, ts(before), limit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if rows.is_empty() {
            return Ok(Batch::default());
        }
        let ids: Vec<i64> = rows.iter().map(|(id, _, _)| *id).collect();
        let list = id_list(&ids);
        let touched: Vec<String> = tx.query_map(
            &format!(
                "SELECT DISTINCT contact_no FROM interaction_log_entries WHERE logged_message_id IN {list}"
            ),
            params![],
            |r| r.get(0),
        )?;
        tx.execute(
            &format!(
                "DELETE FROM follow_up_dismissals WHERE entry_no IN
                    (SELECT entry_no FROM interaction_log_entries WHERE logged_message_id IN {list})"
            ),
            params![],
        )?;
        let entries = tx.execute(
            &format!("DELETE FROM interaction_log_entries WHERE logged_message_id IN {list}"),
            params![],
        )?;
        tx.execute(
            &format!("DELETE FROM message_attachments WHERE logged_message_id IN {list}"),
            params![],
        )?;
        let messages = tx.execute(
            &format!("DELETE FROM logged_messages WHERE id IN {list}"),
            params![],
        )?;
        super::contact_signals::recount(&tx, &touched)?;
        super::conversation_state::mark(&tx, touched.iter().map(String::as_str))?;
        let mailbox_deletions = if copies {
            delete_copies(&tx, self.mailbox, &rows, &["archive", "skipped"], now)?
        } else {
            0
        };
        tx.commit()?;
        Ok(Batch {
            removed: Removed {
                entries: entries as u64,
                messages: messages as u64,
                mailbox_deletions,
                ..Removed::default()
            },
            more: rows.len() == limit,
        })
    }

    /// Deletes up to `limit` skipped records dated before `before`,
    /// oldest first. A record of a message left in the queue folder is
    /// what keeps it from being read again: it goes only with `copies`,
    /// when the message itself is asked to be deleted; one still being
    /// moved is the engine's. With `copies`, the copies in Skipped go too.
    pub fn remove_old_skipped(
        &mut self,
        before: DateTime<Utc>,
        limit: usize,
        copies: bool,
        now: DateTime<Utc>,
    ) -> Result<Batch> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let kept = if copies {
            "('pending')"
        } else {
            "('pending', 'left')"
        };
        let rows: Vec<(i64, String, String)> = tx.query_map(
            &format!(
                "SELECT id, disposition, mailbox_id FROM skipped_messages
                  WHERE mailbox_no = ?1 AND {SKIPPED_AGE} < ?2 AND disposition NOT IN {kept}
                  ORDER BY {SKIPPED_AGE}, id LIMIT ?3"
            ),
            params![self.mailbox, ts(before), limit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if rows.is_empty() {
            return Ok(Batch::default());
        }
        let ids: Vec<i64> = rows.iter().map(|(id, _, _)| *id).collect();
        let skipped = tx.execute(
            &format!("DELETE FROM skipped_messages WHERE id IN {}", id_list(&ids)),
            params![],
        )?;
        let mailbox_deletions = if copies {
            delete_copies(&tx, self.mailbox, &rows, &["moved", "left"], now)?
        } else {
            0
        };
        tx.commit()?;
        Ok(Batch {
            removed: Removed {
                skipped: skipped as u64,
                mailbox_deletions,
                ..Removed::default()
            },
            more: rows.len() == limit,
        })
    }

    /// Records what this run's retention removed on its run log row.
    pub fn record_retention(&self, log_id: i64, removed: &Removed) -> Result<()> {
        let json = serde_json::to_string(removed).unwrap_or_else(|_| "{}".into());
        self.conn.execute(
            "UPDATE job_queue_log_entries SET retention = ?1 WHERE id = ?2",
            params![json, log_id],
        )?;
        Ok(())
    }
}
