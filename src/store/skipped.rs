//! Messages that were not logged, with their reason: the review queue.

use super::db::{DbResult, Tx, params, row};
use chrono::{DateTime, Utc};

use super::{Result, Store, ts};

#[derive(Debug, Clone)]
pub struct NewSkipped {
    pub mailbox_id: String,
    pub internet_message_id: String,
    pub subject: String,
    pub sender: String,
    pub recipients: String,
    pub received_at: Option<DateTime<Utc>>,
    /// A [`crate::domain::SkipReason::code`].
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SkippedRow {
    pub mailbox_id: String,
    pub internet_message_id: String,
    pub subject: String,
    pub sender: String,
    pub reason: String,
    pub detail: String,
    pub skipped_at: String,
    /// pending, moved, archived, deleted, left or gone.
    pub disposition: String,
}

/// Records a page's skipped messages (again, for one skipped before), as
/// one batch.
pub(super) fn insert_skipped(
    tx: &Tx<'_>,
    mailbox: i64,
    skipped: &[NewSkipped],
    now: DateTime<Utc>,
) -> DbResult<()> {
    let at = ts(now);
    let received: Vec<Option<String>> = skipped.iter().map(|s| s.received_at.map(ts)).collect();
    let rows: Vec<_> = skipped
        .iter()
        .zip(&received)
        .map(|(s, received)| {
            row![
                &s.mailbox_id,
                &s.internet_message_id,
                &s.subject,
                &s.sender,
                &s.recipients,
                received,
                &s.reason,
                &s.detail,
                &at,
                mailbox
            ]
        })
        .collect();
    tx.execute_each(
        "INSERT INTO skipped_messages (mailbox_id, internet_message_id, subject, sender, recipients, received_at, reason, detail, skipped_at, mailbox_no)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(mailbox_no, mailbox_id) DO UPDATE SET reason = excluded.reason, detail = excluded.detail, skipped_at = excluded.skipped_at, disposition = 'pending'",
        &rows,
    )?;
    Ok(())
}

impl Store {
    pub fn skipped(&self, limit: usize) -> Result<Vec<SkippedRow>> {
        let rows = self.conn.query_map(
            "SELECT mailbox_id, internet_message_id, subject, sender, reason, detail, skipped_at, disposition
             FROM skipped_messages ORDER BY skipped_at DESC, id DESC LIMIT ?1",
            params![limit], |r| {
            Ok(SkippedRow {
                mailbox_id: r.get(0)?,
                internet_message_id: r.get(1)?,
                subject: r.get(2)?,
                sender: r.get(3)?,
                reason: r.get(4)?,
                detail: r.get(5)?,
                skipped_at: r.get(6)?,
                disposition: r.get(7)?,
            })
        })?;
        Ok(rows)
    }

    /// Puts the messages left in the Inbox back in line, for a new
    /// `--unmatched` setting to apply to them on the next run.
    pub fn requeue_left(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE skipped_messages SET disposition = 'pending' WHERE mailbox_no = ?1 AND disposition = 'left'",
            params![self.mailbox],
        )?)
    }

    pub fn count_skipped(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM skipped_messages", params![], |r| {
                r.get(0)
            })?)
    }
}
