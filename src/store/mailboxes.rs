//! The logging mailboxes of a database: each is a `setup` row (its id is
//! the mailbox number) with its own job entry, runs, lease, cursor and
//! records of the messages it read. A removed mailbox keeps its row,
//! without secrets, so the entries it logged still name it.

use super::db::{Begin, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::{Result, Store, StoreError, ts};

/// One mailbox as `mailbox list` and the overview show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailboxRow {
    pub no: i64,
    pub address: String,
    pub source: String,
    pub enabled: bool,
    /// The job entry's status; `None` before the job was first enabled.
    pub job_status: Option<String>,
    pub last_error: Option<String>,
    pub last_run_at: Option<String>,
    /// Messages still in its queue folder at its last page, when known.
    pub backlog: Option<i64>,
    /// Messages that can be moved nowhere and need a person.
    pub stuck: i64,
}

/// What removing a mailbox deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Removed {
    pub skipped_records: usize,
    pub runs: usize,
    pub entries: usize,
    pub logged_messages: usize,
}

impl Store {
    /// The picked mailbox's number.
    pub fn mailbox_no(&self) -> i64 {
        self.mailbox
    }

    /// The key the picked mailbox's lease and read cursor are held under:
    /// its number, so renaming it keeps them.
    pub fn mailbox_key(&self) -> String {
        self.mailbox.to_string()
    }

    /// Makes `no` the mailbox per-mailbox reads and writes are of.
    pub fn use_mailbox(&mut self, no: i64) -> Result<()> {
        let live: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM setup WHERE id = ?1 AND removed_at IS NULL)",
            params![no],
            |r| r.get(0),
        )?;
        if !live {
            return Err(StoreError::Invalid(format!(
                "there is no mailbox number {no}: `emaillog mailbox list` shows them"
            )));
        }
        self.mailbox = no;
        Ok(())
    }

    /// The lowest-numbered mailbox (a database always has one).
    pub(super) fn first_mailbox(&self) -> Result<i64> {
        // From the names' view: a PostgreSQL user role may read nothing
        // else of the setup (nor make the first one: it works on mailbox 1).
        let first: Option<i64> = self.conn.query_row(
            "SELECT min(id) FROM mailbox_names WHERE NOT removed",
            params![],
            |r| r.get(0),
        )?;
        match first {
            Some(no) => Ok(no),
            None => match self
                .conn
                .insert("INSERT INTO setup DEFAULT VALUES", params![])
            {
                Err(e) if e.is_forbidden() => Ok(1),
                made => Ok(made?),
            },
        }
    }

    /// The logging mailboxes by name only, from the view a PostgreSQL role
    /// with the users' share may read (nothing of their setup or job).
    pub fn mailbox_names(&self) -> Result<Vec<MailboxRow>> {
        Ok(self.conn.query_map(
            "SELECT id, mailbox FROM mailbox_names WHERE NOT removed ORDER BY id",
            params![],
            |r| {
                Ok(MailboxRow {
                    no: r.get(0)?,
                    address: r.get(1)?,
                    source: String::new(),
                    enabled: false,
                    job_status: None,
                    last_error: None,
                    last_run_at: None,
                    backlog: None,
                    stuck: 0,
                })
            },
        )?)
    }

    /// The mailbox with this address (any case), if there is one.
    pub fn mailbox_numbered(&self, address: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM setup WHERE lower(mailbox) = lower(?1) AND mailbox <> '' AND removed_at IS NULL",
                params![address.trim()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every mailbox, by number, with what its job did last.
    pub fn mailboxes(&self) -> Result<Vec<MailboxRow>> {
        let rows = self.conn.query_map(
            "SELECT s.id, s.mailbox, s.source, s.enabled, j.status, j.last_error, j.last_run_at,
                    (SELECT backlog FROM job_queue_log_entries l WHERE l.mailbox_no = s.id ORDER BY l.id DESC LIMIT 1),
                    (SELECT count(*) FROM message_failures f WHERE f.mailbox_no = s.id AND f.stuck = 1)
               FROM setup s LEFT JOIN job_queue_entries j ON j.id = s.id
              WHERE s.removed_at IS NULL ORDER BY s.id",
            params![], |r| {
            Ok(MailboxRow {
                no: r.get(0)?,
                address: r.get(1)?,
                source: r.get(2)?,
                enabled: r.get(3)?,
                job_status: r.get(4)?,
                last_error: r.get(5)?,
                last_run_at: r.get(6)?,
                backlog: r.get(7)?,
                stuck: r.get(8)?,
            })
        })?;
        Ok(rows)
    }

    /// Adds a mailbox with the default setup; returns its number.
    pub fn add_mailbox(&self, address: &str) -> Result<i64> {
        if self.mailbox_numbered(address)?.is_some() {
            return Err(StoreError::Invalid(format!(
                "there is already a mailbox {address}"
            )));
        }
        Ok(self.conn.insert(
            "INSERT INTO setup (mailbox) VALUES (?1)",
            params![address.trim()],
        )?)
    }

    /// Removes mailbox `no` in one transaction: its secrets, tokens, job,
    /// lease, cursor, failure records, review requests and skip records go;
    /// its runs and what it logged go too when `purge`, else they stay and
    /// still name it. The last mailbox cannot be removed.
    pub fn remove_mailbox(&mut self, no: i64, purge: bool, now: DateTime<Utc>) -> Result<Removed> {
        let tx = self.conn.transaction(Begin::Deferred)?;
        let others: i64 = tx.query_row(
            "SELECT count(*) FROM setup WHERE id <> ?1 AND removed_at IS NULL",
            params![no],
            |r| r.get(0),
        )?;
        if others == 0 {
            return Err(StoreError::Invalid(
                "it is the only mailbox: `emaillog disable` stops its logging, or add another mailbox first".into(),
            ));
        }
        let changed = tx.execute(
            "UPDATE setup SET removed_at = ?2, enabled = 0, client_secret_enc = NULL, imap_password_enc = NULL,
                    refresh_token_enc = NULL, access_token_enc = NULL, access_token_expires_at = NULL,
                    consent_given = 0, secret_command = ''
              WHERE id = ?1 AND removed_at IS NULL",
            params![no, ts(now)],
        )?;
        if changed == 0 {
            return Err(StoreError::Invalid(format!(
                "there is no mailbox number {no}"
            )));
        }
        let key = no.to_string();
        tx.execute("DELETE FROM job_queue_entries WHERE id = ?1", params![no])?;
        tx.execute("DELETE FROM engine_lease WHERE mailbox = ?1", params![key])?;
        tx.execute("DELETE FROM read_cursors WHERE mailbox = ?1", params![key])?;
        tx.execute(
            "DELETE FROM message_failures WHERE mailbox_no = ?1",
            params![no],
        )?;
        tx.execute(
            "DELETE FROM review_requests WHERE mailbox_no = ?1",
            params![no],
        )?;
        let mut removed = Removed {
            skipped_records: tx.execute(
                "DELETE FROM skipped_messages WHERE mailbox_no = ?1",
                params![no],
            )?,
            ..Removed::default()
        };
        if purge {
            removed.runs = tx.execute(
                "DELETE FROM job_queue_log_entries WHERE mailbox_no = ?1",
                params![no],
            )?;
            // The contacts whose figures the removed entries were part of.
            let touched: Vec<String> = tx.query_map(
                "SELECT DISTINCT e.contact_no FROM interaction_log_entries e
                   JOIN logged_messages m ON m.id = e.logged_message_id WHERE m.mailbox_no = ?1",
                params![no],
                |r| r.get(0),
            )?;
            removed.entries = tx.execute(
                "DELETE FROM interaction_log_entries WHERE logged_message_id IN
                    (SELECT id FROM logged_messages WHERE mailbox_no = ?1)",
                params![no],
            )?;
            super::contact_signals::recount(&tx, &touched)?;
            super::conversation_state::mark(&tx, touched.iter().map(String::as_str))?;
            removed.logged_messages = tx.execute(
                "DELETE FROM logged_messages WHERE mailbox_no = ?1",
                params![no],
            )?;
        }
        tx.commit()?;
        if self.mailbox == no {
            self.mailbox = self.first_mailbox()?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::super::{NewLoggedMessage, NewSkipped, PageCommit, Progress, Store};
    use crate::domain::job::JobEntry;
    use crate::domain::{Direction, InitiatedBy};

    fn now() -> DateTime<Utc> {
        "2026-11-30T09:00:00Z".parse().unwrap()
    }

    fn logged(id: &str, imid: &str) -> NewLoggedMessage {
        NewLoggedMessage {
            internet_message_id: imid.into(),
            mailbox_id: id.into(),
            web_link: String::new(),
            conversation_id: String::new(),
            subject: format!("about {id}"),
            sender: "a@x.example".into(),
            recipients: "[]".into(),
            sent_at: None,
            received_at: None,
            body: None,
            direction: Direction::Inbound,
            initiated_by: InitiatedBy::Them,
            occurred_at: now(),
            entries: vec![],
            account: String::new(),
            attachments: vec![],
        }
    }

    fn skipped(id: &str) -> NewSkipped {
        NewSkipped {
            mailbox_id: id.into(),
            internet_message_id: format!("<{id}@x.example>"),
            subject: id.into(),
            sender: "b@x.example".into(),
            recipients: "[]".into(),
            received_at: None,
            reason: "no_match".into(),
            detail: String::new(),
        }
    }

    /// Commits one page in the picked mailbox, with its run's log entry.
    fn page(store: &mut Store, commit: PageCommit) {
        let log_id = store.start_job_log(now(), "test", "h").unwrap();
        let progress = Progress {
            log_id,
            ..Progress::default()
        };
        store
            .commit_page(&commit, None, &progress, None, now())
            .unwrap();
    }

    #[test]
    fn two_mailboxes_keep_their_own_records_of_the_same_message_id() {
        let dir = tempfile::tempdir().unwrap();
        let mut store =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "m.db")).unwrap();
        assert_eq!(store.mailbox_no(), 1);
        let second = store.add_mailbox("team-b@contoso.example").unwrap();
        assert!(store.add_mailbox("TEAM-B@contoso.example").is_err());
        // IMAP ids of two servers collide: "1:7:" is a message in each.
        page(
            &mut store,
            PageCommit {
                logged: vec![logged("1:7:", "")],
                failures: vec![("1:8:".into(), "timed out".into())],
                ..PageCommit::default()
            },
        );
        store.use_mailbox(second).unwrap();
        let known = store.known_page(&[("1:7:", ""), ("1:8:", "")]).unwrap();
        assert_eq!(known[0].logged, None, "the other mailbox's message");
        assert_eq!(known[1].attempts, 0, "the other mailbox's failure");
        page(
            &mut store,
            PageCommit {
                logged: vec![logged("1:7:", "")],
                skipped: vec![skipped("1:9:")],
                ..PageCommit::default()
            },
        );
        let unfinished = |store: &Store| -> Vec<String> {
            store
                .unfinished(10)
                .unwrap()
                .into_iter()
                .map(|u| u.mailbox_id)
                .collect()
        };
        assert_eq!(unfinished(&store), ["1:7:", "1:9:"]);
        assert_eq!(store.job_log(10).unwrap().len(), 1);
        store.use_mailbox(1).unwrap();
        assert_eq!(unfinished(&store), ["1:7:", "1:8:"]);
        assert_eq!(store.job_log(10).unwrap().len(), 1);
        assert_eq!(store.count_logged_messages().unwrap(), 2);

        // The review queue is every mailbox's; a request goes to the
        // mailbox its message is in, whichever the store has picked.
        let queue = store.review_queue().unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].mailbox, "team-b@contoso.example");
        store
            .request_review(&[queue[0].key()], super::super::ReviewAction::Relog, now())
            .unwrap();
        assert_eq!(store.pending_review_count().unwrap(), 0, "not mailbox 1's");
        assert_eq!(
            store.mailboxes_with_requests().unwrap(),
            [(second, "team-b@contoso.example".to_string())]
        );

        // Jobs are per mailbox.
        store
            .save_job_entry(&JobEntry::new(now(), 600, 3, Duration::zero()))
            .unwrap();
        store.use_mailbox(second).unwrap();
        assert!(store.job_entry().unwrap().is_none());

        let rows = store.mailboxes().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].job_status.as_deref(), Some("Ready"));
        assert_eq!(rows[1].address, "team-b@contoso.example");

        // Removing keeps what it logged unless purged; the last one stays.
        let removed = store.remove_mailbox(second, false, now()).unwrap();
        assert_eq!(removed.skipped_records, 1);
        assert_eq!(store.mailbox_no(), 1, "the store moved to a live mailbox");
        assert_eq!(store.count_logged_messages().unwrap(), 2);
        assert!(store.use_mailbox(second).is_err());
        assert!(store.remove_mailbox(1, true, now()).is_err());
        let b = store.add_mailbox("team-b@contoso.example").unwrap();
        assert_ne!(b, second, "a new mailbox, not the removed one");
        page(
            &mut store,
            PageCommit {
                logged: vec![logged("x", "<x@x.example>")],
                ..PageCommit::default()
            },
        );
        let purged = store.remove_mailbox(1, true, now()).unwrap();
        assert_eq!((purged.logged_messages, purged.runs), (2, 2));
        assert_eq!(store.mailbox_no(), b);
        assert_eq!(store.count_logged_messages().unwrap(), 1);
    }
}
