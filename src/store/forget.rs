//! Erasure that sticks (GDPR art. 17), in one transaction: a person's
//! contact records and their other addresses, their entries, the logged
//! messages no one else's entry still needs (bodies, attachments, search
//! rows with them), their skipped records; a message others still need
//! keeps their entries but loses its body and the person's addresses.
//! Opportunities keep their number and amount, their link to the contact
//! gone. The mailbox copies of what was removed (in Archive or Skipped)
//! are asked of the engine as delete requests, in the same transaction,
//! so the engine that holds the lease deletes each once. Tombstones (HMACs
//! of the addresses) keep the person from coming back; the audit row is
//! written in the same transaction. A dry run does all of it and rolls
//! it back, so its counts are the real ones.

use chrono::{DateTime, Utc};

use super::audit::{AuditEvent, append};
use super::db::{Begin, params};
use super::review::request_delete;
use super::subject_access::{logged_with, skipped_with};
use super::{Result, Store, ts};

/// Whom to forget: contact records and addresses (normalized), and the
/// tests that tell their address in stored participants.
pub struct Forget<'a> {
    pub contacts: Vec<String>,
    pub addresses: Vec<String>,
    /// Whether a stored (sender, recipients) pair holds one of the addresses.
    pub theirs: &'a dyn Fn(&str, &str) -> bool,
    /// The pair with their addresses taken out.
    pub redact: &'a dyn Fn(&str, &str) -> (String, String),
    /// The tombstones to keep: HMACs of the addresses.
    pub tombstones: Vec<String>,
}

/// What a forget removed (or, dry, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ForgetCounts {
    pub contacts: usize,
    pub other_addresses: usize,
    pub entries: usize,
    pub messages_removed: usize,
    pub messages_kept_without_them: usize,
    pub attachments: usize,
    pub skipped: usize,
    pub opportunities_unlinked: usize,
    pub mailbox_deletions: usize,
    pub tombstones: usize,
}

/// `nos` as an SQL list of quoted literals (contact numbers are checked
/// text, but quoted all the same). None: `('')`, which no contact number
/// is — not `(NULL)`, under which `NOT IN` is never true and every
/// message would look as if no one else needed it.
fn list(nos: &[String]) -> String {
    if nos.is_empty() {
        return "('')".into();
    }
    let quoted: Vec<String> = nos
        .iter()
        .map(|n| format!("'{}'", n.replace('\'', "''")))
        .collect();
    format!("({})", quoted.join(", "))
}

impl Store {
    /// Forgets `who` (see the module); `dry` rolls it all back. `audit`
    /// makes the audit row from the counts (not on a dry run).
    pub fn forget(
        &mut self,
        who: &Forget<'_>,
        dry: bool,
        actor: &str,
        now: DateTime<Utc>,
        audit: impl FnOnce(&ForgetCounts) -> AuditEvent,
    ) -> Result<ForgetCounts> {
        let mut c = ForgetCounts::default();
        let at = ts(now);
        self.secure_delete()?;
        let tx = self.conn.transaction(Begin::Immediate)?;
        let nos = list(&who.contacts);
        // The messages to look at: their entries', and those their
        // address is in (a substring match first, then exactly).
        let mut ids: Vec<i64> = tx.query_map(
            &format!("SELECT DISTINCT logged_message_id FROM interaction_log_entries WHERE contact_no IN {nos}"),
            params![],
            |r| r.get(0),
        )?;
        for a in &who.addresses {
            ids.extend(
                logged_with(&tx, a)?
                    .into_iter()
                    .filter(|(_, s, r)| (who.theirs)(s, r))
                    .map(|(id, _, _)| id),
            );
        }
        ids.sort_unstable();
        ids.dedup();
        let mut entry_nos: Vec<i64> = Vec::new();
        for id in ids {
            let others: i64 = tx.query_row(
                &format!("SELECT count(*) FROM interaction_log_entries WHERE logged_message_id = ?1 AND contact_no NOT IN {nos}"),
                params![id],
                |r| r.get(0),
            )?;
            entry_nos.extend(tx.query_map(
                &format!("SELECT entry_no FROM interaction_log_entries WHERE logged_message_id = ?1 AND contact_no IN {nos}"),
                params![id],
                |r| r.get::<_, i64>(0),
            )?);
            let (mailbox_no, mailbox_id, location, sender, recipients): (i64, String, String, String, String) = tx.query_row(
                "SELECT mailbox_no, mailbox_id, location, sender, recipients FROM logged_messages WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            if others == 0 {
                c.attachments += tx.execute(
                    "DELETE FROM message_attachments WHERE logged_message_id = ?1",
                    params![id],
                )?;
                tx.execute(
                    "DELETE FROM interaction_log_entries WHERE logged_message_id = ?1",
                    params![id],
                )?;
                tx.execute("DELETE FROM logged_messages WHERE id = ?1", params![id])?;
                c.messages_removed += 1;
                if location == "archive" || location == "skipped" {
                    request_delete(&tx, mailbox_no, &mailbox_id, &at)?;
                    c.mailbox_deletions += 1;
                }
            } else {
                let (sender, recipients) = (who.redact)(&sender, &recipients);
                tx.execute(
                    "UPDATE logged_messages SET body = NULL, sender = ?2, recipients = ?3 WHERE id = ?1",
                    params![id, sender, recipients],
                )?;
                tx.execute(
                    "UPDATE private_messages SET body = NULL WHERE logged_message_id = ?1",
                    params![id],
                )?;
                c.messages_kept_without_them += 1;
            }
        }
        // Their entries (those of removed messages went with them).
        entry_nos.sort_unstable();
        entry_nos.dedup();
        c.entries = entry_nos.len();
        tx.execute(
            &format!("DELETE FROM interaction_log_entries WHERE contact_no IN {nos}"),
            params![],
        )?;
        for e in &entry_nos {
            tx.execute(
                "DELETE FROM follow_up_dismissals WHERE entry_no = ?1",
                params![e],
            )?;
        }
        // Skipped records they are in, and their copies in the mailbox.
        for a in &who.addresses {
            for held in skipped_with(&tx, a)? {
                if !(who.theirs)(&held.sender, &held.recipients) {
                    continue;
                }
                tx.execute(
                    "DELETE FROM skipped_messages WHERE id = ?1",
                    params![held.id],
                )?;
                c.skipped += 1;
                if held.disposition != "deleted" && held.disposition != "gone" {
                    request_delete(&tx, held.mailbox_no, &held.mailbox_id, &at)?;
                    c.mailbox_deletions += 1;
                }
            }
        }
        // What the log kept of the contacts, then the contacts.
        c.opportunities_unlinked = tx.execute(
            &format!("UPDATE opportunities SET contact_no = NULL WHERE contact_no IN {nos}"),
            params![],
        )?;
        for table in [
            "opportunity_changes",
            "contact_days",
            "contact_waits",
            "contact_replies",
            "signals_dirty",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE contact_no IN {nos}"),
                params![],
            )?;
        }
        c.other_addresses = tx.execute(
            &format!("DELETE FROM contact_alt_emails WHERE contact_no IN {nos}"),
            params![],
        )?;
        c.contacts = tx.execute(
            &format!("DELETE FROM contacts WHERE no IN {nos}"),
            params![],
        )?;
        for h in &who.tombstones {
            c.tombstones += tx.execute(
                "INSERT INTO tombstones (person_hash, forgotten_at) VALUES (?1, ?2) ON CONFLICT (person_hash) DO NOTHING",
                params![h, at],
            )?;
        }
        if dry {
            return Ok(c);
        }
        append(&tx, actor, now, &audit(&c))?;
        tx.commit()?;
        self.scrub_deleted()?;
        Ok(c)
    }

    /// The hashes of the people forgotten.
    pub fn tombstones(&self) -> Result<Vec<String>> {
        Ok(self.conn.query_map(
            "SELECT person_hash FROM tombstones ORDER BY person_hash",
            params![],
            |r| r.get(0),
        )?)
    }

    /// What is deleted from now on is overwritten, not only unlinked
    /// (SQLite; PostgreSQL's rows go at the next VACUUM).
    pub fn secure_delete(&self) -> Result<()> {
        if !self.conn.is_postgres() {
            self.conn.execute_batch("PRAGMA secure_delete = ON")?;
        }
        Ok(())
    }

    /// What was deleted leaves no trace in the file: the search index's
    /// segments merged (deleted rows' words gone) and the write-ahead log
    /// emptied into the database (freed pages are zeroed: secure_delete).
    /// On PostgreSQL the deleted rows go at the next VACUUM.
    pub fn scrub_deleted(&mut self) -> Result<()> {
        if self.conn.is_postgres() {
            return Ok(());
        }
        self.conn.execute_batch(
            "INSERT INTO logged_messages_fts(logged_messages_fts) VALUES ('optimize');
             PRAGMA wal_checkpoint(TRUNCATE);",
        )?;
        Ok(())
    }
}
