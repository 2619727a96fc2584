//! Logged messages and their interaction log entries: written together in
//! one transaction before the message is moved, and read newest first.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::domain::{Direction, InitiatedBy, PlannedEntry, Prior};

use super::skipped::{NewSkipped, insert_skipped};
use super::{Result, Store, parse_ts, ts};

/// A message to log with the entries it produced.
#[derive(Debug, Clone)]
pub struct NewLoggedMessage {
    pub internet_message_id: String,
    pub mailbox_id: String,
    pub web_link: String,
    pub conversation_id: String,
    pub subject: String,
    pub sender: String,
    /// JSON array of `{"name","address","kind"}`.
    pub recipients: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub body: Option<String>,
    pub direction: Direction,
    pub initiated_by: InitiatedBy,
    pub occurred_at: DateTime<Utc>,
    pub entries: Vec<PlannedEntry>,
    /// The account the job ran as.
    pub account: String,
}

/// What the moves of a page did: (old id, new id, web link) of archived
/// messages, (id, disposition) of skipped ones, (id, error) of failures.
#[derive(Debug, Default)]
pub struct PageDone {
    pub archived: Vec<(String, String, String)>,
    pub dispositions: Vec<(String, String)>,
    pub failures: Vec<(String, String)>,
}

/// One page's worth of outcomes, committed atomically.
#[derive(Debug, Default)]
pub struct PageWrite {
    pub logged: Vec<NewLoggedMessage>,
    pub skipped: Vec<NewSkipped>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EntryRow {
    pub entry_no: i64,
    pub datetime: String,
    pub direction: String,
    pub initiated_by: String,
    pub salesperson_code: String,
    pub contact_no: String,
    pub contact_company: String,
    pub subject: String,
    pub internet_message_id: String,
    pub conversation_id: String,
    pub web_link: String,
    pub template_code: String,
    pub correspondence_type: String,
    pub account: String,
    pub opportunity_no: Option<String>,
    pub matched_by_domain: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedMessage {
    pub id: i64,
    pub internet_message_id: String,
    pub mailbox_id: String,
    pub web_link: String,
    pub subject: String,
    pub sender: String,
    pub recipients: String,
    pub body: Option<String>,
    pub archived: bool,
}

/// Which entries to read; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct EntryFilter {
    pub contact_no: Option<String>,
    pub salesperson_code: Option<String>,
    pub direction: Option<Direction>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
    let at: String = r.get(1)?;
    Ok(EntryRow {
        entry_no: r.get(0)?,
        datetime: parse_ts(&at)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or(at),
        direction: r.get(2)?,
        initiated_by: r.get(3)?,
        salesperson_code: r.get(4)?,
        contact_no: r.get(5)?,
        contact_company: r.get(6)?,
        subject: r.get(7)?,
        internet_message_id: r.get(8)?,
        conversation_id: r.get(9)?,
        web_link: r.get(10)?,
        template_code: r.get(11)?,
        correspondence_type: r.get(12)?,
        account: r.get(13)?,
        opportunity_no: r.get(14)?,
        matched_by_domain: r.get(15)?,
    })
}

impl Store {
    /// What is known of a message before it is classified. Two indexed
    /// lookups: by mailbox id, then by internetMessageId (the partial index
    /// applies because the query repeats its condition).
    pub fn prior(&self, mailbox_id: &str, internet_message_id: &str) -> Result<Prior> {
        let this: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM logged_messages WHERE mailbox_id = ?1)")?
            .query_row(params![mailbox_id], |r| r.get(0))?;
        if this {
            return Ok(Prior::LoggedThisMessage);
        }
        let imid = internet_message_id.trim();
        if imid.is_empty() {
            return Ok(Prior::New);
        }
        let other: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM logged_messages WHERE internet_message_id = ?1 AND internet_message_id <> '')")?
            .query_row(params![imid], |r| r.get(0))?;
        Ok(if other {
            Prior::LoggedOtherCopy
        } else {
            Prior::New
        })
    }

    /// Commits a page's logged messages, entries and skip records in one
    /// transaction, and clears the failure counts of those messages.
    pub fn commit_page(&mut self, page: &PageWrite) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut entries = 0;
        {
            let mut msg = tx.prepare(
                "INSERT INTO logged_messages (internet_message_id, mailbox_id, web_link, conversation_id, subject, sender, recipients, sent_at, received_at, body, logged_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut entry = tx.prepare(
                "INSERT INTO interaction_log_entries (contact_no, contact_company, salesperson_code, occurred_at, subject, direction, initiated_by, logged_message_id, account, matched_by_domain)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut clear = tx.prepare("DELETE FROM message_failures WHERE mailbox_id = ?1")?;
            let now = ts(Utc::now());
            for m in &page.logged {
                msg.execute(params![
                    m.internet_message_id.trim(),
                    m.mailbox_id,
                    m.web_link,
                    m.conversation_id,
                    m.subject,
                    m.sender,
                    m.recipients,
                    m.sent_at.map(ts),
                    m.received_at.map(ts),
                    m.body,
                    now
                ])?;
                let id = tx.last_insert_rowid();
                for e in &m.entries {
                    entry.execute(params![
                        e.contact_no,
                        e.contact_company,
                        e.salesperson_code,
                        ts(m.occurred_at),
                        m.subject,
                        m.direction.as_str(),
                        m.initiated_by.as_str(),
                        id,
                        m.account,
                        e.by_domain
                    ])?;
                    entries += 1;
                }
                clear.execute(params![m.mailbox_id])?;
            }
            for s in &page.skipped {
                insert_skipped(&tx, s)?;
                clear.execute(params![s.mailbox_id])?;
            }
        }
        tx.commit()?;
        Ok(entries)
    }

    /// After the moves of a page: the new ids and web links in Archive, the
    /// skip dispositions, and the failures, in one transaction (one sync).
    pub fn finish_page(&mut self, done: &PageDone) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut archived = tx.prepare_cached(
                "UPDATE logged_messages SET archived = 1, mailbox_id = ?2, web_link = CASE WHEN ?3 = '' THEN web_link ELSE ?3 END WHERE mailbox_id = ?1",
            )?;
            for (old, new, link) in &done.archived {
                archived.execute(params![old, new, link])?;
            }
            let mut disposition = tx.prepare_cached(
                "UPDATE skipped_messages SET disposition = ?2 WHERE mailbox_id = ?1",
            )?;
            for (id, d) in &done.dispositions {
                disposition.execute(params![id, d])?;
            }
            let mut failure = tx.prepare_cached(
                "INSERT INTO message_failures (mailbox_id, attempts, last_error, updated_at) VALUES (?1, 1, ?2, ?3)
                 ON CONFLICT(mailbox_id) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error, updated_at = excluded.updated_at",
            )?;
            let now = ts(Utc::now());
            for (id, e) in &done.failures {
                failure.execute(params![id, e, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Counts one more failed attempt at a message; returns the attempts so far.
    pub fn record_failure(&self, mailbox_id: &str, error: &str) -> Result<u32> {
        self.conn.execute(
            "INSERT INTO message_failures (mailbox_id, attempts, last_error, updated_at) VALUES (?1, 1, ?2, ?3)
             ON CONFLICT(mailbox_id) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error, updated_at = excluded.updated_at",
            params![mailbox_id, error, ts(Utc::now())],
        )?;
        Ok(self.conn.query_row(
            "SELECT attempts FROM message_failures WHERE mailbox_id = ?1",
            params![mailbox_id],
            |r| r.get(0),
        )?)
    }

    /// Entries newest first, `limit` of them after `offset`. One fixed query:
    /// a filter left as `None` matches everything.
    pub fn entries(
        &self,
        filter: &EntryFilter,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<EntryRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.entry_no, e.occurred_at, e.direction, e.initiated_by, e.salesperson_code, e.contact_no, e.contact_company,
                    e.subject, m.internet_message_id, m.conversation_id, m.web_link, e.template_code, e.correspondence_type, e.account,
                    e.opportunity_no, e.matched_by_domain
             FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id
             WHERE (?1 IS NULL OR e.contact_no = ?1) AND (?2 IS NULL OR e.salesperson_code = ?2)
               AND (?3 IS NULL OR e.direction = ?3) AND (?4 IS NULL OR e.occurred_at >= ?4) AND (?5 IS NULL OR e.occurred_at < ?5)
             ORDER BY e.occurred_at DESC, e.entry_no DESC LIMIT ?6 OFFSET ?7",
        )?;
        let rows = stmt.query_map(
            params![
                filter.contact_no,
                filter.salesperson_code,
                filter.direction.map(Direction::as_str),
                filter.from.map(ts),
                filter.to.map(ts),
                limit as i64,
                offset as i64
            ],
            entry_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every entry, oldest first, handed to `f` one at a time (for export).
    pub fn for_each_entry(&self, mut f: impl FnMut(EntryRow) -> std::io::Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT e.entry_no, e.occurred_at, e.direction, e.initiated_by, e.salesperson_code, e.contact_no, e.contact_company,
                    e.subject, m.internet_message_id, m.conversation_id, m.web_link, e.template_code, e.correspondence_type, e.account,
                    e.opportunity_no, e.matched_by_domain
             FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id ORDER BY e.entry_no",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(entry_row(r)?).map_err(|e| {
                super::StoreError::Invalid(format!("writing the export failed: {e}"))
            })?;
        }
        Ok(())
    }

    pub fn count_entries(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM interaction_log_entries", [], |r| {
                r.get(0)
            })?)
    }

    pub fn count_logged_messages(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM logged_messages", [], |r| r.get(0))?)
    }

    /// The logged messages, for checks and the message view.
    pub fn logged_messages(&self) -> Result<Vec<LoggedMessage>> {
        let mut stmt = self.conn.prepare("SELECT id, internet_message_id, mailbox_id, web_link, subject, sender, recipients, body, archived FROM logged_messages ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(LoggedMessage {
                id: r.get(0)?,
                internet_message_id: r.get(1)?,
                mailbox_id: r.get(2)?,
                web_link: r.get(3)?,
                subject: r.get(4)?,
                sender: r.get(5)?,
                recipients: r.get(6)?,
                body: r.get(7)?,
                archived: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
