//! The review queue of skipped messages, and what a person asks of them:
//! re-log or delete. A request waits here until the engine that holds the
//! mailbox lease does it, so it is done once, by one engine, under the same
//! rules as every run.

use super::db::{Begin, params};
use chrono::{DateTime, Utc};

use super::{Result, Store, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    Relog,
    Delete,
}

impl ReviewAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Relog => "relog",
            ReviewAction::Delete => "delete",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "delete" {
            ReviewAction::Delete
        } else {
            ReviewAction::Relog
        }
    }
}

/// A skipped message of one logging mailbox: its number and the
/// message's id there (ids of two IMAP servers can be the same).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReviewKey {
    pub mailbox_no: i64,
    pub mailbox_id: String,
}

/// A skipped message still waiting for someone, with its last request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    /// The logging mailbox it was skipped in: number and address.
    pub mailbox_no: i64,
    pub mailbox: String,
    pub mailbox_id: String,
    pub subject: String,
    /// "Name <address>" or the address.
    pub sender: String,
    /// JSON array of `{"name","address","kind"}`.
    pub recipients: String,
    pub received_at: Option<String>,
    pub reason: String,
    pub detail: String,
    pub skipped_at: String,
    pub disposition: String,
    /// The last request: (action, state, result).
    pub request: Option<(String, String, String)>,
}

/// The queue holds at most this many (the newest of each reason first).
pub const REVIEW_LIMIT: usize = 5000;

impl ReviewRow {
    pub fn key(&self) -> ReviewKey {
        ReviewKey {
            mailbox_no: self.mailbox_no,
            mailbox_id: self.mailbox_id.clone(),
        }
    }
}

/// Asks the engine to delete a mailbox copy: the same request a person
/// makes of a skipped message.
pub(super) fn request_delete(
    tx: &super::db::Db,
    mailbox_no: i64,
    mailbox_id: &str,
    now: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO review_requests (mailbox_no, mailbox_id, action, state, result, requested_at, done_at)
         VALUES (?1, ?2, 'delete', 'pending', '', ?3, NULL)
         ON CONFLICT (mailbox_no, mailbox_id) DO UPDATE SET action = 'delete', state = 'pending',
             result = '', requested_at = excluded.requested_at, done_at = NULL",
        params![mailbox_no, mailbox_id, now],
    )?;
    Ok(())
}

impl Store {
    /// Skipped messages still in their mailbox (in Skipped or left in the
    /// queue folder), of every logging mailbox, grouped by reason, newest
    /// received first in each (the date the queue shows; one skipped again
    /// keeps its place).
    pub fn review_queue(&self) -> Result<Vec<ReviewRow>> {
        let rows = self.conn.query_map(
            "SELECT s.mailbox_id, s.subject, s.sender, s.recipients, s.received_at, s.reason, s.detail, s.skipped_at, s.disposition,
                    r.action, r.state, r.result, s.mailbox_no,
                    coalesce((SELECT mb.mailbox FROM mailbox_names mb WHERE mb.id = s.mailbox_no), '')
             FROM skipped_messages s LEFT JOIN review_requests r ON r.mailbox_no = s.mailbox_no AND r.mailbox_id = s.mailbox_id
             WHERE s.disposition IN ('pending', 'moved', 'left') AND s.reason <> 'already_logged'
             ORDER BY s.reason, coalesce(s.received_at, s.skipped_at) DESC, s.id DESC LIMIT ?1",
            params![REVIEW_LIMIT], |r| {
            let action: Option<String> = r.get(9)?;
            Ok(ReviewRow {
                mailbox_no: r.get(12)?,
                mailbox: r.get(13)?,
                mailbox_id: r.get(0)?,
                subject: r.get(1)?,
                sender: r.get(2)?,
                recipients: r.get(3)?,
                received_at: r.get(4)?,
                reason: r.get(5)?,
                detail: r.get(6)?,
                skipped_at: r.get(7)?,
                disposition: r.get(8)?,
                request: match action {
                    Some(a) => Some((a, r.get(10)?, r.get(11)?)),
                    None => None,
                },
            })
        })?;
        Ok(rows)
    }

    /// Asks the engine to do `action` to each message; returns how many
    /// requests are now waiting. Asking again replaces an earlier request.
    pub fn request_review(
        &mut self,
        ids: &[ReviewKey],
        action: ReviewAction,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.conn.transaction(Begin::Deferred)?;
        let stmt = "INSERT INTO review_requests (mailbox_no, mailbox_id, action, state, result, requested_at)
             SELECT ?4, ?1, ?2, 'pending', '', ?3 WHERE EXISTS (SELECT 1 FROM skipped_messages WHERE mailbox_no = ?4 AND mailbox_id = ?1)
             ON CONFLICT(mailbox_no, mailbox_id) DO UPDATE SET action = excluded.action, state = 'pending', result = '',
                 requested_at = excluded.requested_at, done_at = NULL";
        for id in ids {
            tx.execute(
                stmt,
                params![id.mailbox_id, action.as_str(), ts(now), id.mailbox_no],
            )?;
        }
        tx.commit()?;
        self.pending_review_count()
    }

    pub fn pending_review_count(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM review_requests WHERE mailbox_no = ?1 AND state = 'pending'",
            params![self.mailbox],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// The live mailboxes with requests waiting: (number, address).
    pub fn mailboxes_with_requests(&self) -> Result<Vec<(i64, String)>> {
        let rows = self.conn.query_map(
            "SELECT s.id, s.mailbox FROM setup s
              WHERE s.removed_at IS NULL
                AND EXISTS (SELECT 1 FROM review_requests r WHERE r.mailbox_no = s.id AND r.state = 'pending')",
            params![], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows)
    }

    /// Requests waiting for the engine, oldest first.
    pub fn pending_reviews(&self, limit: usize) -> Result<Vec<(String, ReviewAction)>> {
        let rows = self.conn.query_map(
            "SELECT mailbox_id, action FROM review_requests WHERE mailbox_no = ?2 AND state = 'pending' ORDER BY requested_at LIMIT ?1",
            params![limit, self.mailbox], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ReviewAction::parse(&r.get::<_, String>(1)?),
            ))
        })?;
        Ok(rows)
    }

    /// Records what became of a request. `disposition`, when given, is
    /// where the skipped message now is; `logged` removes it from the queue
    /// (it has its entries now).
    pub fn finish_review(
        &mut self,
        mailbox_id: &str,
        failed: bool,
        result: &str,
        disposition: Option<&str>,
        logged: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction(Begin::Deferred)?;
        tx.execute(
            "UPDATE review_requests SET state = ?2, result = ?3, done_at = ?4 WHERE mailbox_no = ?5 AND mailbox_id = ?1",
            params![mailbox_id, if failed { "failed" } else { "done" }, result, ts(now), self.mailbox],
        )?;
        if let Some(d) = disposition {
            tx.execute(
                "UPDATE skipped_messages SET disposition = ?2 WHERE mailbox_no = ?3 AND mailbox_id = ?1",
                params![mailbox_id, d, self.mailbox],
            )?;
        }
        if logged {
            tx.execute(
                "DELETE FROM skipped_messages WHERE mailbox_no = ?2 AND mailbox_id = ?1",
                params![mailbox_id, self.mailbox],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::super::Store;
    use super::super::skipped::{NewSkipped, insert_skipped};

    fn at(t: &str) -> DateTime<Utc> {
        format!("2026-11-29T{t}:00Z").parse().unwrap()
    }

    #[test]
    fn each_reason_lists_newest_received_first_and_a_skip_again_keeps_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let mut store =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "r.db")).unwrap();
        let skip = |store: &mut Store, id: &str, received: Option<&str>, now: &str| {
            let tx = store.conn.transaction(super::Begin::Deferred).unwrap();
            let s = NewSkipped {
                mailbox_id: id.into(),
                internet_message_id: format!("<{id}@x.example>"),
                subject: id.into(),
                sender: "someone@x.example".into(),
                recipients: "[]".into(),
                received_at: received.map(at),
                reason: "no_match".into(),
                detail: String::new(),
            };
            insert_skipped(&tx, 1, std::slice::from_ref(&s), at(now)).unwrap();
            tx.commit().unwrap();
        };
        skip(&mut store, "ten", Some("10:00"), "12:30");
        skip(&mut store, "noon", Some("12:00"), "12:30");
        skip(&mut store, "eleven", Some("11:00"), "12:30");
        // Unknown received date: the skip's own date stands in for it.
        skip(&mut store, "undated", None, "11:30");
        // A re-log that still does not match skips "ten" again, later.
        skip(&mut store, "ten", Some("10:00"), "13:00");
        let order: Vec<String> = store
            .review_queue()
            .unwrap()
            .into_iter()
            .map(|r| r.subject)
            .collect();
        assert_eq!(order, ["noon", "undated", "eleven", "ten"]);
    }
}
