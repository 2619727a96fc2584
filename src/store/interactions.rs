//! Logged messages and their interaction log entries: written together in
//! one transaction before the message is moved, and read newest first.

use super::db::{Begin, DbResult, Row, Tx, params, row};
use chrono::{DateTime, Utc};

use crate::domain::{Direction, InitiatedBy, PlannedEntry};

use super::{Result, Store, ts};

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
    /// What is attached (kept without the bytes).
    pub attachments: Vec<crate::domain::Attachment>,
}

impl NewLoggedMessage {
    /// The attachments' names, one a line, as the search index reads them
    /// (none: `None`).
    pub fn attachment_names(&self) -> Option<String> {
        (!self.attachments.is_empty()).then(|| {
            self.attachments
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }
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
    /// The logging mailbox the message was read from (its address).
    pub mailbox: String,
    #[serde(skip)]
    pub mailbox_no: i64,
    /// The contact's and salesperson's names now (empty if since removed).
    #[serde(skip)]
    pub contact_name: String,
    #[serde(skip)]
    pub salesperson_name: String,
    /// The stored date text, which sorts as the date (the keyset).
    #[serde(skip)]
    pub occurred_at: String,
    #[serde(skip)]
    pub logged_message_id: i64,
    /// Marked private, and this viewer may see it (others see
    /// "(private)" as its subject).
    #[serde(skip)]
    pub private: bool,
}

impl EntryRow {
    /// Where this entry sits in the log's order.
    pub fn key(&self) -> super::EntryKey {
        super::EntryKey {
            occurred_at: self.occurred_at.clone(),
            entry_no: self.entry_no,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedMessage {
    pub id: i64,
    /// The logging mailbox it was read from.
    pub mailbox_no: i64,
    /// inbox, archive, skipped or gone.
    pub location: String,
    pub internet_message_id: String,
    pub mailbox_id: String,
    pub web_link: String,
    pub subject: String,
    pub sender: String,
    pub recipients: String,
    pub body: Option<String>,
    pub archived: bool,
}

/// The columns [`entry_row`] reads, for queries over `interaction_log_entries
/// e`, `logged_messages m`, `contacts c` and `salespeople s` (left joined).
/// A private message's subject is read from where it was moved to, for a
/// viewer who may see it; "(private)" stays in its place for the others.
pub(super) const ENTRY_COLUMNS: &str = concat!(
    "e.entry_no, e.occurred_at, e.direction, e.initiated_by, e.salesperson_code, e.contact_no, e.contact_company,
    coalesce((SELECT p.entry_subject FROM private_messages p WHERE p.logged_message_id = e.logged_message_id AND ",
    private_seen!("p.logged_message_id"),
    "), e.subject), m.internet_message_id, m.conversation_id, m.web_link, e.template_code, e.correspondence_type, e.account,
    e.opportunity_no, e.matched_by_domain, coalesce(c.name, ''), coalesce(s.name, ''), e.logged_message_id,
    m.mailbox_no, coalesce((SELECT mb.mailbox FROM mailbox_names mb WHERE mb.id = m.mailbox_no), ''),
    EXISTS (SELECT 1 FROM private_messages p WHERE p.logged_message_id = e.logged_message_id AND ",
    private_seen!("p.logged_message_id"),
    ")"
);

pub(super) fn entry_row(r: &Row<'_>) -> DbResult<EntryRow> {
    let at: String = r.get(1)?;
    Ok(EntryRow {
        entry_no: r.get(0)?,
        datetime: super::display_ts(&at),
        occurred_at: at,
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
        contact_name: r.get(16)?,
        salesperson_name: r.get(17)?,
        logged_message_id: r.get(18)?,
        mailbox_no: r.get(19)?,
        mailbox: r.get(20)?,
        private: r.get(21)?,
    })
}

/// Inserts a page's logged messages and their entries; returns the
/// entries written. Each kind of row goes as one batch (on PostgreSQL one
/// pipeline, one round trip, instead of one per row).
pub(super) fn insert_logged(
    tx: &Tx<'_>,
    mailbox: i64,
    ms: &[NewLoggedMessage],
    now: DateTime<Utc>,
) -> Result<usize> {
    let at = ts(now);
    let times: Vec<[Option<String>; 3]> = ms
        .iter()
        .map(|m| {
            [
                m.sent_at.map(ts),
                m.received_at.map(ts),
                Some(ts(m.occurred_at)),
            ]
        })
        .collect();
    let names: Vec<Option<String>> = ms.iter().map(|m| m.attachment_names()).collect();
    let rows: Vec<_> = ms
        .iter()
        .zip(&times)
        .zip(&names)
        .map(|((m, [sent, received, _]), names)| {
            row![
                m.internet_message_id.trim(),
                &m.mailbox_id,
                &m.web_link,
                &m.conversation_id,
                &m.subject,
                &m.sender,
                &m.recipients,
                sent,
                received,
                &m.body,
                &at,
                mailbox,
                names
            ]
        })
        .collect();
    let ids = if tx.is_postgres() {
        // One statement for the page; the ids matched back by mailbox id
        // (unique in a mailbox), not by the order they come back in.
        let sql = |values: &str| {
            format!(
                "INSERT INTO logged_messages (internet_message_id, mailbox_id, web_link, conversation_id, subject, sender, recipients, sent_at, received_at, body, logged_at, mailbox_no, attachment_names)
                 SELECT * FROM {values} RETURNING mailbox_id, id"
            )
        };
        let casts = [
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "timestamptz",
            "timestamptz",
            "text",
            "timestamptz",
            "bigint",
            "text",
        ];
        let made: std::collections::HashMap<String, i64> = tx
            .query_at_once(sql, &casts, &rows, |r| Ok((r.get(0)?, r.get(1)?)))?
            .into_iter()
            .collect();
        ms.iter()
            .map(|m| {
                made.get(&m.mailbox_id).copied().ok_or_else(|| {
                    super::StoreError::Invalid(format!("message {} was not stored", m.mailbox_id))
                })
            })
            .collect::<Result<Vec<i64>>>()?
    } else {
        tx.insert_each(
            "INSERT INTO logged_messages (internet_message_id, mailbox_id, web_link, conversation_id, subject, sender, recipients, sent_at, received_at, body, logged_at, mailbox_no, attachment_names)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            &rows,
        )?
    };
    let entries: Vec<_> = ms
        .iter()
        .zip(&times)
        .zip(&ids)
        .flat_map(|((m, [_, _, occurred]), id)| {
            m.entries.iter().map(move |e| {
                row![
                    &e.contact_no,
                    &e.contact_company,
                    &e.salesperson_code,
                    occurred,
                    &m.subject,
                    m.direction.as_str(),
                    m.initiated_by.as_str(),
                    *id,
                    &m.account,
                    e.by_domain,
                    &m.conversation_id
                ]
            })
        })
        .collect();
    let head = "INSERT INTO interaction_log_entries (contact_no, contact_company, salesperson_code, occurred_at, subject, direction, initiated_by, logged_message_id, account, matched_by_domain, conversation_id)";
    let casts = [
        "text",
        "text",
        "text",
        "timestamptz",
        "text",
        "text",
        "text",
        "bigint",
        "text",
        "integer",
        "text",
    ];
    tx.execute_rows(
        &format!("{head} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
        |values| format!("{head} SELECT * FROM {values}"),
        &casts,
        &entries,
    )?;
    let counted: Vec<_> = ms
        .iter()
        .zip(&times)
        .zip(&ids)
        .flat_map(|((m, [_, _, occurred]), id)| {
            m.entries
                .iter()
                .map(move |e| super::contact_signals::Counted {
                    contact_no: &e.contact_no,
                    direction: m.direction,
                    occurred_at: occurred.as_deref().unwrap_or_default(),
                    message: *id,
                })
        })
        .collect();
    super::contact_signals::count_in(tx, &counted)?;
    super::conversation_state::mark(tx, counted.iter().map(|c| c.contact_no))?;
    super::attachments::insert(tx, ms, &ids)?;
    Ok(entries.len())
}

impl Store {
    /// Adds up to `limit` logged messages not yet in the search index to it,
    /// oldest first, in one transaction; returns how many.
    /// On PostgreSQL a message is searchable as it is committed (its
    /// tsvector is a generated column): nothing to add.
    /// A crash that loses the commit loses the watermark's move with it,
    /// so the messages are indexed again: no need to wait for the disk.
    pub fn index_for_search(&mut self, limit: usize) -> Result<usize> {
        if self.conn.is_postgres() {
            return Ok(0);
        }
        self.without_waiting_for_disk(|store| store.index_for_search_tx(limit))
    }

    fn index_for_search_tx(&mut self, limit: usize) -> Result<usize> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let upto: i64 = tx.query_row(
            "SELECT upto FROM search_index_state WHERE id = 1",
            params![],
            |r| r.get(0),
        )?;
        let n = tx.execute(
            "INSERT INTO logged_messages_fts(rowid, subject, body)
             SELECT id, subject, coalesce(body, '') || coalesce(char(10) || attachment_names, '') FROM logged_messages WHERE id > ?1 ORDER BY id LIMIT ?2",
            params![upto, limit],
        )?;
        tx.execute(
            "UPDATE search_index_state SET upto = (SELECT coalesce(max(id), ?1) FROM (SELECT id FROM logged_messages WHERE id > ?1 ORDER BY id LIMIT ?2)) WHERE id = 1",
            params![upto, limit],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Every entry, oldest first, handed to `f` one at a time (for export).
    pub fn for_each_entry(&self, mut f: impl FnMut(EntryRow) -> std::io::Result<()>) -> Result<()> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id
             LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
             ORDER BY e.entry_no"
        );
        self.conn.for_each(&sql, params![], |r| {
            f(entry_row(r)?)
                .map_err(|e| super::StoreError::Invalid(format!("writing the export failed: {e}")))
        })
    }

    pub fn count_entries(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM interaction_log_entries",
            params![],
            |r| r.get(0),
        )?)
    }

    pub fn count_logged_messages(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM logged_messages", params![], |r| {
                r.get(0)
            })?)
    }

    /// The logged messages, for checks and the message view.
    pub fn logged_messages(&self) -> Result<Vec<LoggedMessage>> {
        let rows = self.conn.query_map(
            "SELECT id, internet_message_id, mailbox_id, web_link, subject, sender, recipients, body, archived, location, mailbox_no FROM logged_messages ORDER BY id",
            params![], |r| {
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
                location: r.get(9)?,
                mailbox_no: r.get(10)?,
            })
        })?;
        Ok(rows)
    }
}
