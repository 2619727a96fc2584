//! What the store knows of the messages the engine reads, and the two
//! transactions of a page: the commit before any move (entries, skip
//! records, failures, the read cursor and the run's progress), and the
//! outcomes of the moves after. Both are fenced by the engine lease: a
//! holder that lost the lease writes nothing.

use super::db::{Begin, Db, IntoParam, OptionalExtension, Tx, params, row};
use chrono::{DateTime, Utc};

use crate::domain::{Disposition, Location};

use super::interactions::{NewLoggedMessage, insert_logged};
use super::jobs::RunCounts;
use super::skipped::{NewSkipped, insert_skipped};
use super::{Result, Store, StoreError, ts};

/// What the store knows of one message the Inbox gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// This very message (same mailbox id) was logged; where it is now.
    pub logged: Option<Location>,
    /// Another copy (same internetMessageId) was logged.
    pub copy_logged: bool,
    /// A skip record of this very message: its disposition and reason code.
    pub skipped: Option<(Disposition, String)>,
    /// Failed attempts at it so far.
    pub attempts: u32,
    /// Could be moved nowhere: never read again until a person retries it.
    pub stuck: bool,
}

/// A message a run left unfinished, which the next run takes up first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub mailbox_id: String,
    pub work: Work,
    pub attempts: u32,
    pub last_error: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// Logged, still in the Inbox: move it to Archive.
    Archive,
    /// A skip record not carried out yet; its reason code.
    Skip { reason: String },
    /// Not logged or skipped yet: its reading failed; read it again.
    Read,
}

/// A message that can be moved nowhere, for `job status` and the TUI.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StuckMessage {
    pub mailbox_id: String,
    pub subject: String,
    pub attempts: u32,
    pub last_error: String,
    pub since: String,
}

/// The lease a write is fenced by: its holder and which take of it.
#[derive(Debug, Clone)]
pub struct Fence {
    pub mailbox: String,
    pub holder: String,
    pub epoch: i64,
}

/// A run's progress so far, written with each page.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub log_id: i64,
    pub counts: RunCounts,
    pub pages: u32,
    /// Messages still in the Inbox, when the source can tell.
    pub backlog: Option<u64>,
}

/// Everything of a page that is committed before any of it is moved.
#[derive(Debug, Default)]
pub struct PageCommit {
    pub logged: Vec<NewLoggedMessage>,
    pub skipped: Vec<NewSkipped>,
    /// (mailbox id, error) of messages whose reading failed.
    pub failures: Vec<(String, String)>,
    /// The read position after this page, kept for the next page or run.
    pub cursor: Option<(String, String)>,
}

/// What the moves of a page did.
#[derive(Debug, Default)]
pub struct PageDone {
    /// (old id, new id, web link) of logged messages now in Archive.
    pub archived: Vec<(String, String, String)>,
    /// Logged messages that ended elsewhere (quarantined in Skipped, gone).
    pub relocated: Vec<(String, Location)>,
    /// Skip records carried out.
    pub dispositions: Vec<(String, Disposition)>,
    /// (id, error) of failed moves: one more attempt each.
    pub failures: Vec<(String, String)>,
    /// (id, error) of messages that could be moved nowhere.
    pub stuck: Vec<(String, String)>,
    /// Messages whose failure record is done with (moved at last, or gone).
    pub cleared: Vec<String>,
}

/// Refuses the write unless `fence` holds the lease, as the same take
/// (epoch), and it has not run out: an engine that lost its lease, or whose
/// heartbeat could not renew it, writes nothing more, even once it has
/// taken the mailbox again.
fn fence(tx: &Tx<'_>, fence: Option<&Fence>, now: DateTime<Utc>) -> Result<()> {
    let Some(f) = fence else { return Ok(()) };
    // Judged by the caller's clock on SQLite, by the server's on
    // PostgreSQL (in the same statement: no round trip of its own).
    let row: Option<(String, bool, i64)> = if tx.is_postgres() {
        tx.query_row(
            "SELECT holder, expires_at > clock_timestamp(), epoch FROM engine_lease WHERE mailbox = ?1",
            params![f.mailbox],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    } else {
        tx.query_row(
            "SELECT holder, expires_at > ?2, epoch FROM engine_lease WHERE mailbox = ?1",
            params![f.mailbox, ts(now)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }
    .optional()?;
    match row {
        Some((holder, true, epoch)) if holder == f.holder && epoch == f.epoch => Ok(()),
        Some((holder, _, _)) if holder != f.holder && !holder.is_empty() => {
            Err(StoreError::LeaseLost(holder))
        }
        _ => Err(StoreError::LeaseLost(
            "nobody: the lease ran out before it was renewed".into(),
        )),
    }
}

fn write_progress(tx: &Tx<'_>, p: &Progress, now: DateTime<Utc>) -> Result<()> {
    let c = &p.counts;
    let by_reason = serde_json::to_string(&c.skipped_by_reason).unwrap_or_else(|_| "{}".into());
    tx.execute(
        "UPDATE job_queue_log_entries SET messages_read = ?2, messages_logged = ?3, entries_written = ?4,
             messages_archived_only = ?5, messages_skipped = ?6, messages_failed = ?7, skipped_by_reason = ?8,
             pages = ?9, backlog = ?10, updated_at = ?11
         WHERE id = ?1",
        params![
            p.log_id,
            c.read,
            c.logged,
            c.entries,
            c.archived_only,
            c.skipped,
            c.failed,
            by_reason,
            p.pages,
            p.backlog.map(|b| b as i64),
            ts(now)
        ],
    )?;
    Ok(())
}

fn add_failure(tx: &Tx<'_>, mailbox: i64, id: &str, error: &str, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "INSERT INTO message_failures (mailbox_no, mailbox_id, attempts, last_error, updated_at) VALUES (?4, ?1, 1, ?2, ?3)
         ON CONFLICT(mailbox_no, mailbox_id) DO UPDATE SET attempts = message_failures.attempts + 1, last_error = excluded.last_error, updated_at = excluded.updated_at",
        params![id, error, ts(now), mailbox])?;
    Ok(())
}

/// What is known of a message before it is planned: indexed lookups by
/// mailbox id, and by internetMessageId when it has one.
/// Location, copy logged, disposition, reason, attempts, stuck.
type KnownRow = (
    Option<String>,
    bool,
    Option<String>,
    Option<String>,
    Option<u32>,
    Option<bool>,
);

/// What is known of each (mailbox id, internet message id): one
/// statement of four indexed lookups each, as one batch.
fn known_each(conn: &Db, mailbox: i64, ids: &[(&str, &str)]) -> Result<Vec<Known>> {
    let trimmed: Vec<&str> = ids.iter().map(|(_, imid)| imid.trim()).collect();
    let batch: Vec<_> = ids
        .iter()
        .zip(&trimmed)
        .map(|((id, _), imid)| row![*id, *imid, mailbox])
        .collect();
    let read = |r: &super::db::Row<'_>| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    };
    // PostgreSQL: the page's messages in one statement (one plan, one
    // execution) rather than a statement each.
    let rows: Vec<KnownRow> = if conn.is_postgres() {
        let sql = |values: &str| {
            format!(
                "SELECT (SELECT location FROM logged_messages WHERE mailbox_no = v.mb AND mailbox_id = v.id),
                        v.imid <> '' AND (SELECT 1 FROM logged_messages WHERE internet_message_id = v.imid AND internet_message_id <> '' LIMIT 1) IS NOT NULL,
                        (SELECT disposition FROM skipped_messages WHERE mailbox_no = v.mb AND mailbox_id = v.id),
                        (SELECT reason FROM skipped_messages WHERE mailbox_no = v.mb AND mailbox_id = v.id),
                        (SELECT attempts FROM message_failures WHERE mailbox_no = v.mb AND mailbox_id = v.id),
                        (SELECT stuck FROM message_failures WHERE mailbox_no = v.mb AND mailbox_id = v.id)
                   FROM {values} AS v(id, imid, mb, i)
                  ORDER BY v.i"
            )
        };
        let numbered: Vec<_> = batch
            .iter()
            .zip(0i64..)
            .map(|([id, imid, mb], i)| [id.clone(), imid.clone(), mb.clone(), i.into_param()])
            .collect();
        conn.query_at_once(sql, &["text", "text", "bigint", "bigint"], &numbered, read)?
    } else {
        conn.query_row_each(
            "SELECT (SELECT location FROM logged_messages WHERE mailbox_no = ?3 AND mailbox_id = ?1),
                    ?2 <> '' AND EXISTS (SELECT 1 FROM logged_messages WHERE internet_message_id = ?2 AND internet_message_id <> ''),
                    (SELECT disposition FROM skipped_messages WHERE mailbox_no = ?3 AND mailbox_id = ?1),
                    (SELECT reason FROM skipped_messages WHERE mailbox_no = ?3 AND mailbox_id = ?1),
                    (SELECT attempts FROM message_failures WHERE mailbox_no = ?3 AND mailbox_id = ?1),
                    (SELECT stuck FROM message_failures WHERE mailbox_no = ?3 AND mailbox_id = ?1)",
            &batch,
            read,
        )?
    };
    if rows.len() != ids.len() {
        return Err(StoreError::Invalid(format!(
            "asked about {} messages, heard of {}",
            ids.len(),
            rows.len()
        )));
    }
    Ok(rows
        .into_iter()
        .map(
            |(logged, copy_logged, disposition, reason, attempts, stuck)| Known {
                logged: logged.as_deref().and_then(Location::parse),
                copy_logged,
                skipped: disposition
                    .as_deref()
                    .and_then(Disposition::parse)
                    .map(|d| (d, reason.unwrap_or_default())),
                attempts: attempts.unwrap_or(0),
                stuck: stuck.unwrap_or(false),
            },
        )
        .collect())
}

/// Writes what the moves of a page did.
fn apply_done(tx: &Tx<'_>, mailbox: i64, done: &PageDone, now: DateTime<Utc>) -> Result<()> {
    let archived = "UPDATE logged_messages SET archived = 1, location = 'archive',
                mailbox_id = CASE WHEN ?2 = '' THEN mailbox_id ELSE ?2 END,
                web_link = CASE WHEN ?3 = '' THEN web_link ELSE ?3 END
          WHERE mailbox_no = ?4 AND mailbox_id = ?1";
    // Where the id stays (immutable ids) the id's own index is left
    // alone: setting a column to itself still rewrites its index entry.
    let archived_same_id = "UPDATE logged_messages SET archived = 1, location = 'archive',
                web_link = CASE WHEN ?2 = '' THEN web_link ELSE ?2 END
          WHERE mailbox_no = ?3 AND mailbox_id = ?1";
    let clear = "DELETE FROM message_failures WHERE mailbox_no = ?2 AND mailbox_id = ?1";
    // Each kind as one batch (on PostgreSQL one round trip for the page).
    let (same, moved): (Vec<_>, Vec<_>) = done
        .archived
        .iter()
        .partition(|(old, new, _)| new.is_empty() || new == old);
    let same: Vec<_> = same
        .iter()
        .map(|(old, _, link)| row![old, link, mailbox])
        .collect();
    tx.execute_rows(
        archived_same_id,
        |values| {
            format!(
                "UPDATE logged_messages l SET archived = 1, location = 'archive',
                        web_link = CASE WHEN v.link = '' THEN l.web_link ELSE v.link END
                   FROM {values} AS v(id, link, mb)
                  WHERE l.mailbox_no = v.mb AND l.mailbox_id = v.id"
            )
        },
        &["text", "text", "bigint"],
        &same,
    )?;
    let moved: Vec<_> = moved
        .iter()
        .map(|(old, new, link)| row![old, new, link, mailbox])
        .collect();
    tx.execute_each(archived, &moved)?;
    let relocated: Vec<_> = done
        .relocated
        .iter()
        .map(|(id, loc)| row![id, loc.as_str(), mailbox])
        .collect();
    tx.execute_each(
        "UPDATE logged_messages SET location = ?2 WHERE mailbox_no = ?3 AND mailbox_id = ?1",
        &relocated,
    )?;
    let dispositions: Vec<_> = done
        .dispositions
        .iter()
        .map(|(id, d)| row![id, d.as_str(), mailbox])
        .collect();
    tx.execute_each(
        "UPDATE skipped_messages SET disposition = ?2 WHERE mailbox_no = ?3 AND mailbox_id = ?1",
        &dispositions,
    )?;
    let cleared: Vec<_> = done.cleared.iter().map(|id| row![id, mailbox]).collect();
    tx.execute_each(clear, &cleared)?;
    for (id, e) in &done.failures {
        add_failure(tx, mailbox, id, e, now)?;
    }
    for (id, e) in &done.stuck {
        tx.execute(
            "INSERT INTO message_failures (mailbox_no, mailbox_id, attempts, last_error, updated_at, stuck) VALUES (?4, ?1, 1, ?2, ?3, 1)
             ON CONFLICT(mailbox_no, mailbox_id) DO UPDATE SET stuck = 1, last_error = excluded.last_error, updated_at = excluded.updated_at",
            params![id, e, ts(now), mailbox],
        )?;
    }
    Ok(())
}

impl Store {
    /// What is known of each message of a page, read in one read
    /// transaction (one snapshot, and one lock instead of four per message).
    pub fn known_page(&mut self, ids: &[(&str, &str)]) -> Result<Vec<Known>> {
        if self.conn.is_postgres() {
            // One statement there, one snapshot without a transaction (and
            // two round trips fewer).
            return known_each(&self.conn, self.mailbox, ids);
        }
        let tx = self.conn.transaction(Begin::Deferred)?;
        let out = known_each(&tx, self.mailbox, ids)?;
        tx.commit()?;
        Ok(out)
    }

    /// Messages earlier runs left unfinished (not stuck), oldest first.
    pub fn unfinished(&self, limit: usize) -> Result<Vec<Unfinished>> {
        let rows = self.conn.query_map(
            "SELECT m.mailbox_id, 'archive', NULL, coalesce(f.attempts, 0), coalesce(f.last_error, ''), m.id
               FROM logged_messages m LEFT JOIN message_failures f ON f.mailbox_no = m.mailbox_no AND f.mailbox_id = m.mailbox_id
              WHERE m.mailbox_no = ?2 AND m.location = 'inbox' AND coalesce(f.stuck, 0) = 0
             UNION ALL
             SELECT s.mailbox_id, 'skip', s.reason, coalesce(f.attempts, 0), coalesce(f.last_error, ''), s.id
               FROM skipped_messages s LEFT JOIN message_failures f ON f.mailbox_no = s.mailbox_no AND f.mailbox_id = s.mailbox_id
              WHERE s.mailbox_no = ?2 AND s.disposition = 'pending' AND coalesce(f.stuck, 0) = 0
             UNION ALL
             SELECT f.mailbox_id, 'read', NULL, f.attempts, f.last_error, 0
               FROM message_failures f
              WHERE f.mailbox_no = ?2 AND f.stuck = 0
                AND NOT EXISTS (SELECT 1 FROM logged_messages m WHERE m.mailbox_no = ?2 AND m.mailbox_id = f.mailbox_id)
                AND NOT EXISTS (SELECT 1 FROM skipped_messages s WHERE s.mailbox_no = ?2 AND s.mailbox_id = f.mailbox_id)
             LIMIT ?1",
            params![limit, self.mailbox], |r| {
            let kind: String = r.get(1)?;
            let reason: Option<String> = r.get(2)?;
            Ok(Unfinished {
                mailbox_id: r.get(0)?,
                work: match kind.as_str() {
                    "archive" => Work::Archive,
                    "skip" => Work::Skip {
                        reason: reason.unwrap_or_default(),
                    },
                    _ => Work::Read,
                },
                attempts: r.get(3)?,
                last_error: r.get(4)?,
            })
        })?;
        Ok(rows)
    }

    /// The read position kept for a mailbox.
    pub fn read_cursor(&self, mailbox: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM read_cursors WHERE mailbox = ?1",
                params![mailbox],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Forgets the picked mailbox's read position: its next run reads its
    /// queue folder from the start.
    pub fn clear_read_cursors(&self) -> Result<()> {
        self.conn.execute(
            "DELETE FROM read_cursors WHERE mailbox = ?1",
            params![self.mailbox_key()],
        )?;
        Ok(())
    }

    /// Commits a page before anything of it is moved: logged messages and
    /// their entries, skip records, failed reads, the read cursor and the
    /// run's progress, with the previous page's move outcomes (`before`), in
    /// one durable transaction. Returns the entries written.
    pub fn commit_page(
        &mut self,
        page: &PageCommit,
        before: Option<&PageDone>,
        progress: &Progress,
        lease: Option<&Fence>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        fence(&tx, lease, now)?;
        if let Some(done) = before {
            apply_done(&tx, self.mailbox, done, now)?;
        }
        let entries = insert_logged(&tx, self.mailbox, &page.logged, now)?;
        insert_skipped(&tx, self.mailbox, &page.skipped, now)?;
        let clears: Vec<_> = page
            .logged
            .iter()
            .map(|m| row![&m.mailbox_id, self.mailbox])
            .collect();
        tx.execute_rows(
            "DELETE FROM message_failures WHERE mailbox_no = ?2 AND mailbox_id = ?1 AND stuck = 0",
            |values| {
                format!(
                    "DELETE FROM message_failures WHERE stuck = 0 AND (mailbox_id, mailbox_no) IN (SELECT * FROM {values})"
                )
            },
            &["text", "bigint"],
            &clears,
        )?;
        for (id, e) in &page.failures {
            add_failure(&tx, self.mailbox, id, e, now)?;
        }
        if let Some((mailbox, cursor)) = &page.cursor {
            tx.execute(
                "INSERT INTO read_cursors (mailbox, cursor, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(mailbox) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                params![mailbox, cursor, ts(now)],
            )?;
        }
        write_progress(&tx, progress, now)?;
        tx.commit()?;
        Ok(entries)
    }

    /// Stores what the moves of a page did, in one transaction. It need not
    /// be durable at once: if it is lost, the next run finds the messages
    /// unfinished and moves them again, which changes nothing twice.
    pub fn finish_page(
        &mut self,
        done: &PageDone,
        progress: &Progress,
        lease: Option<&Fence>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.without_waiting_for_disk(|store| store.finish_page_tx(done, progress, lease, now))
    }

    fn finish_page_tx(
        &mut self,
        done: &PageDone,
        progress: &Progress,
        lease: Option<&Fence>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        fence(&tx, lease, now)?;
        apply_done(&tx, self.mailbox, done, now)?;
        write_progress(&tx, progress, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Messages that can be moved nowhere and need a person.
    pub fn stuck_messages(&self) -> Result<Vec<StuckMessage>> {
        let rows = self.conn.query_map(
            "SELECT f.mailbox_id, coalesce(m.subject, s.subject, ''), f.attempts, f.last_error, f.updated_at
               FROM message_failures f
               LEFT JOIN logged_messages m ON m.mailbox_no = f.mailbox_no AND m.mailbox_id = f.mailbox_id
               LEFT JOIN skipped_messages s ON s.mailbox_no = f.mailbox_no AND s.mailbox_id = f.mailbox_id
              WHERE f.mailbox_no = ?1 AND f.stuck = 1 ORDER BY f.updated_at",
            params![self.mailbox], |r| {
            Ok(StuckMessage {
                mailbox_id: r.get(0)?,
                subject: r.get(1)?,
                attempts: r.get(2)?,
                last_error: r.get(3)?,
                since: r.get(4)?,
            })
        })?;
        Ok(rows)
    }

    /// Lets the next run try a stuck message again from scratch (`None`:
    /// every stuck message). Returns how many were released.
    pub fn retry_stuck(&self, mailbox_id: Option<&str>) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM message_failures WHERE mailbox_no = ?2 AND stuck = 1 AND (CAST(?1 AS TEXT) IS NULL OR mailbox_id = ?1)",
            params![mailbox_id, self.mailbox],
        )?)
    }
}
