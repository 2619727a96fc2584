//! What the message view reads: one logged message, who its addresses are,
//! and the other entries of its conversation.

use super::db::{OptionalExtension, params};

use super::interactions::{ENTRY_COLUMNS, EntryRow, entry_row};
use super::{Result, Store};

/// A logged message as stored.
#[derive(Debug, Clone, Default)]
pub struct StoredMessage {
    pub id: i64,
    pub internet_message_id: String,
    pub conversation_id: String,
    pub web_link: String,
    pub subject: String,
    /// "Name <address>" or the address.
    pub sender: String,
    /// JSON array of `{"name","address","kind"}`.
    pub recipients: String,
    pub sent_at: Option<String>,
    pub received_at: Option<String>,
    pub body: Option<String>,
    pub location: String,
}

/// Who an address belongs to in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    Salesperson {
        code: String,
        name: String,
    },
    Contact {
        no: String,
        name: String,
        company: String,
    },
}

/// At most this many entries of one conversation are shown.
pub const CONVERSATION_LIMIT: usize = 200;

impl Store {
    pub fn stored_message(&self, id: i64) -> Result<Option<StoredMessage>> {
        Ok(self
            .conn
            .query_row(
                concat!(
                    "SELECT m.id, m.internet_message_id, m.conversation_id, m.web_link, coalesce(p.subject, m.subject),
                            m.sender, m.recipients, m.sent_at, m.received_at,
                            CASE WHEN p.logged_message_id IS NULL THEN m.body ELSE p.body END, m.location
                       FROM logged_messages m
                       LEFT JOIN private_messages p ON p.logged_message_id = m.id AND ",
                    private_seen!("p.logged_message_id"),
                    " WHERE m.id = ?1"
                ),
                params![id], |r| {
                Ok(StoredMessage {
                    id: r.get(0)?,
                    internet_message_id: r.get(1)?,
                    conversation_id: r.get(2)?,
                    web_link: r.get(3)?,
                    subject: r.get(4)?,
                    sender: r.get(5)?,
                    recipients: r.get(6)?,
                    sent_at: r.get(7)?,
                    received_at: r.get(8)?,
                    body: r.get(9)?,
                    location: r.get(10)?,
                })
            })
            .optional()?)
    }

    /// One entry by number.
    pub fn entry(&self, entry_no: i64) -> Result<Option<EntryRow>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id
             LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
             WHERE e.entry_no = ?1"
        );
        Ok(self
            .conn
            .query_row(&sql, params![entry_no], entry_row)
            .optional()?)
    }

    /// The entries of a conversation, oldest first (none for an empty id:
    /// a message without one is a conversation of its own).
    pub fn conversation(&self, conversation_id: &str) -> Result<Vec<EntryRow>> {
        if conversation_id.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM logged_messages m JOIN interaction_log_entries e ON e.logged_message_id = m.id
             LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
             WHERE m.conversation_id = ?1 ORDER BY e.occurred_at, e.entry_no LIMIT ?2"
        );
        Ok(self.conn.query_map(
            &sql,
            params![conversation_id, CONVERSATION_LIMIT],
            entry_row,
        )?)
    }

    /// Who `address` is: a salesperson first, then a contact by main or
    /// alternative email (case-insensitive, on indexes).
    pub fn who_is(&self, address: &str) -> Result<Option<Known>> {
        let sp = self
            .conn
            .query_row(
                self.conn.pick(
                    "SELECT code, name FROM salespeople WHERE email = ?1 COLLATE NOCASE LIMIT 1",
                    "SELECT code, name FROM salespeople WHERE lower(email) = lower(?1) LIMIT 1",
                ),
                params![address],
                |r| {
                    Ok(Known::Salesperson {
                        code: r.get(0)?,
                        name: r.get(1)?,
                    })
                },
            )
            .optional()?;
        if sp.is_some() {
            return Ok(sp);
        }
        Ok(self
            .conn
            .query_row(
self.conn.pick(
                "SELECT no, name, company FROM contacts WHERE email = ?1 COLLATE NOCASE
                 UNION ALL
                 SELECT c.no, c.name, c.company FROM contact_alt_emails a JOIN contacts c ON c.no = a.contact_no
                 WHERE a.email = ?1 COLLATE NOCASE
                 LIMIT 1",
                "SELECT no, name, company FROM contacts WHERE lower(email) = lower(?1)
                 UNION ALL
                 SELECT c.no, c.name, c.company FROM contact_alt_emails a JOIN contacts c ON c.no = a.contact_no
                 WHERE lower(a.email) = lower(?1)
                 LIMIT 1"),
                params![address], |r| {
                Ok(Known::Contact {
                    no: r.get(0)?,
                    name: r.get(1)?,
                    company: r.get(2)?,
                })
            })
            .optional()?)
    }
}
