//! Private messages: a salesperson on a message, or an admin, marks it
//! private after the fact; its subject, body and attachment names move out
//! of the log into `private_messages` ("(private)" stays in their place,
//! so the search index and every copy of the subject lose them) and are
//! read back only for a viewer who may see them. On SQLite the viewer is a
//! temporary table each connection fills (an admin, or the salesperson
//! its login is); on PostgreSQL the server decides, by row security on
//! `private_messages` and `message_attachments`, and the marking is done
//! by a function that checks who calls it (schema 16).

use chrono::{DateTime, Utc};

use super::audit::{AuditEvent, append};
use super::db::{Begin, Db, OptionalExtension, params};
use super::{Result, Store, StoreError, ts};

/// What the log keeps in a private message's subject.
pub const PLACEHOLDER: &str = "(private)";

/// Makes the connection's (empty) viewer: until it is filled, nobody's
/// private messages are seen through it.
pub(super) fn make_viewer(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS viewer (admin INTEGER NOT NULL, code TEXT NOT NULL)",
    )
}

/// Marks (or unmarks) the message of `entry_no` private on SQLite, inside
/// `tx`, after checking the viewer may; whether it changed.
fn mark_here(tx: &Db, entry_no: i64, on: bool, actor: &str, now: &str) -> Result<bool> {
    let message: Option<i64> = tx
        .query_row(
            "SELECT logged_message_id FROM interaction_log_entries WHERE entry_no = ?1",
            params![entry_no],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = message else {
        return Err(StoreError::Invalid(format!("there is no entry {entry_no}")));
    };
    let allowed = tx.exists(
        concat!(
            "SELECT 1 FROM logged_messages p WHERE p.id = ?1 AND ",
            private_seen!("p.id")
        ),
        params![id],
    )?;
    if !allowed {
        return Err(refused(entry_no));
    }
    let marked = tx.exists(
        "SELECT 1 FROM private_messages WHERE logged_message_id = ?1",
        params![id],
    )?;
    if marked == on {
        return Ok(false);
    }
    if on {
        tx.execute(
            "INSERT INTO private_messages (logged_message_id, subject, entry_subject, body, attachment_names, marked_by, marked_at)
             SELECT m.id, m.subject, (SELECT e.subject FROM interaction_log_entries e WHERE e.entry_no = ?2),
                    m.body, m.attachment_names, ?3, ?4
               FROM logged_messages m WHERE m.id = ?1",
            params![id, entry_no, actor, now],
        )?;
        tx.execute(
            "UPDATE logged_messages SET subject = ?2, body = NULL, attachment_names = NULL WHERE id = ?1",
            params![id, PLACEHOLDER],
        )?;
        tx.execute(
            "UPDATE interaction_log_entries SET subject = ?2 WHERE logged_message_id = ?1",
            params![id, PLACEHOLDER],
        )?;
    } else {
        tx.execute(
            "UPDATE logged_messages SET
                subject = (SELECT p.subject FROM private_messages p WHERE p.logged_message_id = ?1),
                body = (SELECT p.body FROM private_messages p WHERE p.logged_message_id = ?1),
                attachment_names = (SELECT p.attachment_names FROM private_messages p WHERE p.logged_message_id = ?1)
              WHERE id = ?1",
            params![id],
        )?;
        tx.execute(
            "UPDATE interaction_log_entries SET
                subject = (SELECT p.entry_subject FROM private_messages p WHERE p.logged_message_id = ?1)
              WHERE logged_message_id = ?1",
            params![id],
        )?;
        tx.execute(
            "DELETE FROM private_messages WHERE logged_message_id = ?1",
            params![id],
        )?;
    }
    tx.execute(SUBJECTS_OF_WAITS, params![id])?;
    tx.execute(CONTACTS_TO_RECOUNT, params![id])?;
    Ok(true)
}

/// The follow-ups keep a copy of each waiting entry's subject: it follows
/// the entries' (PostgreSQL's function does the same).
const SUBJECTS_OF_WAITS: &str = "UPDATE contact_waits SET subject =
        (SELECT e.subject FROM interaction_log_entries e WHERE e.entry_no = contact_waits.entry_no)
      WHERE entry_no IN (SELECT entry_no FROM interaction_log_entries WHERE logged_message_id = ?1)";

/// The message's contacts, for the engine to work their conversations
/// out again (a subject is how a conversation is told when nothing else
/// tells it).
const CONTACTS_TO_RECOUNT: &str = "INSERT INTO signals_dirty (contact_no)
     SELECT DISTINCT contact_no FROM interaction_log_entries WHERE logged_message_id = ?1
     ON CONFLICT (contact_no) DO NOTHING";

fn refused(entry_no: i64) -> StoreError {
    StoreError::Invalid(format!(
        "only a salesperson on the message of entry {entry_no}, or an admin, may change whether it is private (an admin says who your login is with `emaillog logins set LOGIN CODE`)"
    ))
}

impl Store {
    /// Whom this connection's queries are for: an admin sees every private
    /// message; otherwise the salesperson `login` is (if any) sees those
    /// they are on. PostgreSQL's server knows its role: nothing to do.
    pub fn set_viewer(&self, admin: bool, login: &str) -> Result<()> {
        if self.conn.is_postgres() {
            return Ok(());
        }
        self.conn.execute("DELETE FROM temp.viewer", params![])?;
        self.conn.execute(
            "INSERT INTO temp.viewer (admin, code) VALUES (?1, '')",
            params![admin],
        )?;
        self.conn.execute(
            "INSERT INTO temp.viewer (admin, code)
             SELECT 0, salesperson_code FROM salesperson_logins WHERE login = ?1",
            params![login],
        )?;
        Ok(())
    }

    /// Marks the message of `entry_no` private (`on`) or not, with its
    /// audit row, in one transaction; whether anything changed.
    pub fn set_private(
        &mut self,
        entry_no: i64,
        on: bool,
        actor: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let changed = if tx.is_postgres() {
            tx.query_row(
                "SELECT emaillog_set_private(?1, ?2, ?3)",
                params![entry_no, on, PLACEHOLDER],
                |r| r.get(0),
            )
            .map_err(|e| match e {
                e if e.is_forbidden() => refused(entry_no),
                e if e.to_string().contains("no entry") => {
                    StoreError::Invalid(format!("there is no entry {entry_no}"))
                }
                e => e.into(),
            })?
        } else {
            mark_here(&tx, entry_no, on, actor, &ts(now))?
        };
        if changed {
            append(&tx, actor, now, audit)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Says which salesperson a login (an OS account; on PostgreSQL a
    /// database role) is.
    pub fn set_login(&self, login: &str, code: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO salesperson_logins (login, salesperson_code) VALUES (?1, ?2)
             ON CONFLICT (login) DO UPDATE SET salesperson_code = excluded.salesperson_code",
            params![login, code],
        )?;
        Ok(())
    }

    pub fn remove_login(&self, login: &str) -> Result<bool> {
        Ok(self.conn.execute(
            "DELETE FROM salesperson_logins WHERE login = ?1",
            params![login],
        )? > 0)
    }

    /// Every login and its salesperson's code, by login.
    pub fn logins(&self) -> Result<Vec<(String, String)>> {
        Ok(self.conn.query_map(
            "SELECT login, salesperson_code FROM salesperson_logins ORDER BY login",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }
}
