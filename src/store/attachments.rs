//! What the log keeps of each logged message's attachments: name, type,
//! size, inline or not, and the source's id to fetch one by (the bytes
//! stay in the mailbox). Written with the page's logged messages, gone
//! with them (ON DELETE CASCADE); read for the message view, the contact
//! card and saving one.

use serde::Serialize;

use super::db::{Db, DbResult, Row, params, row};
use super::interactions::NewLoggedMessage;
use super::{Result, Store};

/// SQL: attachment `a` is not of a private message its viewer may not see
/// (on PostgreSQL row security has hidden those already).
const NOT_HIDDEN: &str = concat!(
    "NOT EXISTS (SELECT 1 FROM private_messages p WHERE p.logged_message_id = a.logged_message_id AND NOT ",
    private_seen!("p.logged_message_id"),
    ")"
);

/// One attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAttachment {
    pub logged_message_id: i64,
    /// Its place among the message's attachments, from 1.
    pub seq: i64,
    #[serde(skip)]
    pub source_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub inline: bool,
}

/// A contact's attachment: the attachment and the message it came with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactAttachment {
    #[serde(flatten)]
    pub attachment: StoredAttachment,
    /// The contact's entry of the message (Enter opens it).
    pub entry_no: i64,
    pub direction: String,
    /// The stored time of the message.
    pub occurred_at: String,
    pub subject: String,
}

/// Attachments listed on a contact's card at most.
pub const CONTACT_ATTACHMENTS: usize = 500;

/// Adds the attachments of a page's logged messages (`ids`: the stored
/// messages' ids, in the same order), inside the page's transaction; a
/// page without any writes nothing.
pub(super) fn insert(tx: &Db, ms: &[NewLoggedMessage], ids: &[i64]) -> Result<()> {
    let rows: Vec<_> = ms
        .iter()
        .zip(ids)
        .flat_map(|(m, id)| {
            m.attachments.iter().enumerate().map(move |(i, a)| {
                row![
                    *id,
                    i as i64 + 1,
                    &a.source_id,
                    &a.name,
                    &a.content_type,
                    a.size,
                    i64::from(a.inline)
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let head = "INSERT INTO message_attachments (logged_message_id, seq, source_id, name, content_type, size, inline)";
    tx.execute_rows(
        &format!("{head} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        |values| format!("{head} SELECT * FROM {values}"),
        &[
            "bigint", "integer", "text", "text", "text", "bigint", "integer",
        ],
        &rows,
    )?;
    Ok(())
}

const COLUMNS: &str =
    "a.logged_message_id, a.seq, a.source_id, a.name, a.content_type, a.size, a.inline";

fn stored(r: &Row<'_>) -> DbResult<StoredAttachment> {
    Ok(StoredAttachment {
        logged_message_id: r.get(0)?,
        seq: r.get(1)?,
        source_id: r.get(2)?,
        name: r.get(3)?,
        content_type: r.get(4)?,
        size: r.get(5)?,
        inline: r.get::<_, i64>(6)? != 0,
    })
}

impl Store {
    /// The attachments of logged message `id`, in their order.
    pub fn message_attachments(&self, id: i64) -> Result<Vec<StoredAttachment>> {
        Ok(self.conn.query_map(
            &format!(
                "SELECT {COLUMNS} FROM message_attachments a WHERE a.logged_message_id = ?1 AND {NOT_HIDDEN} ORDER BY a.seq"
            ),
            params![id],
            stored,
        )?)
    }

    /// Every attachment exchanged with contact `no`, newest message
    /// first, at most [`CONTACT_ATTACHMENTS`] (inline images left out:
    /// they are a signature's logo more often than a document).
    pub fn contact_attachments(&self, no: &str) -> Result<Vec<ContactAttachment>> {
        Ok(self.conn.query_map(
            &format!(
                "SELECT {COLUMNS}, e.entry_no, e.direction, e.occurred_at, e.subject
                   FROM interaction_log_entries e
                   JOIN message_attachments a ON a.logged_message_id = e.logged_message_id
                  WHERE e.contact_no = ?1 AND a.inline = 0 AND {NOT_HIDDEN}
                  ORDER BY e.occurred_at DESC, e.entry_no DESC, a.seq LIMIT ?2"
            ),
            params![no, CONTACT_ATTACHMENTS],
            |r| {
                Ok(ContactAttachment {
                    attachment: stored(r)?,
                    entry_no: r.get(7)?,
                    direction: r.get(8)?,
                    occurred_at: r.get(9)?,
                    subject: r.get(10)?,
                })
            },
        )?)
    }

    /// Attachment `seq` of logged message `id` with the message's id in
    /// its mailbox and the mailbox's number (what fetching it needs).
    pub fn attachment_source(
        &self,
        id: i64,
        seq: i64,
    ) -> Result<Option<(StoredAttachment, String, i64)>> {
        use super::db::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS}, m.mailbox_id, m.mailbox_no FROM message_attachments a
                       JOIN logged_messages m ON m.id = a.logged_message_id
                      WHERE a.logged_message_id = ?1 AND a.seq = ?2 AND {NOT_HIDDEN}"
                ),
                params![id, seq],
                |r| Ok((stored(r)?, r.get(7)?, r.get(8)?)),
            )
            .optional()?)
    }
}
