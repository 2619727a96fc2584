//! What the store holds about one person, for a subject access (GDPR
//! art. 15): the entries of their contact records, the logged messages
//! and skipped records their address appears in, and the sealed key their
//! address is hashed with where a record must not name them. Addresses
//! in stored participants are found with a case-blind substring match
//! first; the caller keeps only exact matches.

use super::db::{Db, OptionalExtension, params};
use super::interactions::{ENTRY_COLUMNS, entry_row};
use super::{EntryRow, Result, Store};

/// A skipped record, as kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkippedHeld {
    pub id: i64,
    /// Where its copy is (the mailbox and its id there): a forget asks
    /// the engine to delete it. Not written out: ids of our own.
    #[serde(skip)]
    pub mailbox_no: i64,
    #[serde(skip)]
    pub mailbox_id: String,
    pub internet_message_id: String,
    pub subject: String,
    pub sender: String,
    pub recipients: String,
    pub received_at: Option<String>,
    pub reason: String,
    pub skipped_at: String,
    pub disposition: String,
}

/// `needle` as a LIKE pattern that matches it anywhere, its wildcards
/// taken literally.
fn anywhere(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The logged messages whose sender or recipients hold `address`
/// (lowercase) anywhere: id, sender, recipients (the caller keeps the
/// exact matches). Inside the caller's transaction.
pub(super) fn logged_with(db: &Db, address: &str) -> Result<Vec<(i64, String, String)>> {
    Ok(db.query_map(
        "SELECT id, sender, recipients FROM logged_messages
          WHERE lower(sender) LIKE ?1 ESCAPE '\\' OR lower(recipients) LIKE ?1 ESCAPE '\\'
          ORDER BY id",
        params![anywhere(address)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// The skipped records whose sender or recipients hold `address`
/// (lowercase) anywhere, oldest first. Inside the caller's transaction.
pub(super) fn skipped_with(db: &Db, address: &str) -> Result<Vec<SkippedHeld>> {
    Ok(db.query_map(
        "SELECT id, mailbox_no, mailbox_id, internet_message_id, subject, sender, recipients, received_at,
                reason, skipped_at, disposition
           FROM skipped_messages
          WHERE lower(sender) LIKE ?1 ESCAPE '\\' OR lower(recipients) LIKE ?1 ESCAPE '\\'
          ORDER BY id",
        params![anywhere(address)],
        |r| {
            Ok(SkippedHeld {
                id: r.get(0)?,
                mailbox_no: r.get(1)?,
                mailbox_id: r.get(2)?,
                internet_message_id: r.get(3)?,
                subject: r.get(4)?,
                sender: r.get(5)?,
                recipients: r.get(6)?,
                received_at: r.get(7)?,
                reason: r.get(8)?,
                skipped_at: r.get(9)?,
                disposition: r.get(10)?,
            })
        },
    )?)
}

impl Store {
    /// The entries of the contacts `nos`, oldest first.
    pub fn entries_of_contacts(&self, nos: &[String]) -> Result<Vec<EntryRow>> {
        let mut out = Vec::new();
        for no in nos {
            out.extend(self.conn.query_map(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id
                     LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
                     WHERE e.contact_no = ?1 ORDER BY e.entry_no"
                ),
                params![no],
                entry_row,
            )?);
        }
        Ok(out)
    }

    /// [`logged_with`] on this store.
    pub fn logged_mentioning(&self, address: &str) -> Result<Vec<(i64, String, String)>> {
        logged_with(&self.conn, address)
    }

    /// [`skipped_with`] on this store.
    pub fn skipped_mentioning(&self, address: &str) -> Result<Vec<SkippedHeld>> {
        skipped_with(&self.conn, address)
    }

    /// The sealed key addresses are hashed with, if one was made.
    pub fn person_key_sealed(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT person_key_enc FROM privacy_keys WHERE id = 1",
                params![],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps `sealed` as the key, unless another process kept one first;
    /// the key kept either way.
    pub fn keep_person_key(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        self.conn.execute(
            "INSERT INTO privacy_keys (id, person_key_enc) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
            params![sealed],
        )?;
        Ok(self.person_key_sealed()?.unwrap_or_else(|| sealed.to_vec()))
    }
}
