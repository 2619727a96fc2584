//! All SQL lives here. One SQLite database (WAL, foreign keys, versioned
//! migrations), created 0600, holding the setup, people, the interaction log,
//! the job queue and the engine lease. Every query uses bound parameters.

/// SQL: whether the viewer a query is made for may see the contents of
/// the private message whose id is the SQL expression `$id`: an admin, or
/// a salesperson on it (see store/private.rs). On PostgreSQL `viewer` is a
/// view that lets every row through: the server's row security has
/// already hidden what the role may not see.
macro_rules! private_seen {
    ($id:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM viewer v WHERE v.admin = 1 OR v.code IN (SELECT x.salesperson_code FROM interaction_log_entries x WHERE x.logged_message_id = ",
            $id,
            "))"
        )
    };
}

mod activity;
mod attachments;
mod audit;
mod capture;
mod contact_signals;
mod conversation_state;
pub mod copy;
pub mod db;
mod follow_up_marks;
mod forget;
mod inbox_state;
mod interactions;
mod jobs;
mod lease;
mod log_query;
mod mailboxes;
mod message_view;
mod migrations;
mod never_log;
mod opportunities;
mod people;
pub mod pg;
mod private;
mod retention;
mod review;
mod roles;
mod setup;
mod skipped;
mod subject_access;
mod team_settings;
#[doc(hidden)]
pub mod testing;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

pub use activity::{Activity, LeaseHolder};
pub use attachments::{CONTACT_ATTACHMENTS, ContactAttachment, StoredAttachment};
pub use audit::AuditEvent;
pub use contact_signals::{Card as ContactCard, Cold as GoingCold};
pub use conversation_state::REFRESH_BATCH;
pub use follow_up_marks::Dismissal;
pub use forget::{Forget, ForgetCounts};
pub use inbox_state::{
    Fence, Known, PageCommit, PageDone, Progress, StuckMessage, Unfinished, Work,
};
pub use interactions::{EntryRow, LoggedMessage, NewLoggedMessage};
pub use jobs::{JobLogEntry, RunCounts};
pub use lease::{Lease, LeaseOutcome, Renewal, holder_id};
pub use log_query::{
    EntryKey, LOOKUP_MAX, LOOKUP_MIN, LogFilter, SearchPlan, Seek, finds_more_than, lookup_limit,
    page_query,
};
pub use mailboxes::{MailboxRow, Removed};
pub use message_view::{CONVERSATION_LIMIT, Known as KnownAddress, StoredMessage};
pub use migrations::SCHEMA_VERSION;
pub use opportunities::{NewOpportunity, OpportunityChange, OpportunityRow};
pub use pg::migrations::PG_SCHEMA_VERSION;
pub use private::PLACEHOLDER as PRIVATE_PLACEHOLDER;
pub use retention::Batch as RetentionBatch;
pub use review::{REVIEW_LIMIT, ReviewAction, ReviewKey, ReviewRow};
pub use roles::{PG_MIN_VERSION, ServerFacts};
pub use skipped::{NewSkipped, SkippedRow};
pub use subject_access::SkippedHeld;
pub use team_settings::TeamSettings;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open the database {path}: {source} (is it an emaillog database, and may you write to it?)"
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create database file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database file {path} was written by a newer emaillog (schema {found}, this one knows {known}); upgrade emaillog"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database: {0}")]
    Sql(db::DbError),
    /// SQLite found the file damaged: said the same way by every command.
    #[error(
        "the database is damaged ({0}): restore it from a backup; emaillog never writes to a damaged database (`sqlite3 DB .recover` may save what is left)"
    )]
    Damaged(String),
    #[error("{0}")]
    Invalid(String),
    /// Another engine holds the mailbox lease; nothing was written.
    #[error(
        "another engine ({0}) holds the mailbox lease; this one stopped and wrote nothing more"
    )]
    LeaseLost(String),
    /// PostgreSQL refused for want of a privilege: the connecting role was
    /// granted the user's share (`pg grant-user`), and this is the admin's.
    #[error(
        "the database refused: {0}. Your database role may read the log and write opportunities, contacts and review requests; the setup, the rules, the job and the leases are the admin's (the database's owner grants a role them with `emaillog pg grant-admin ROLE`)"
    )]
    Forbidden(String),
}

impl StoreError {
    /// Whether trying again later can help: a busy or locked database, or a
    /// lease another engine holds for now.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Sql(e) => e.is_busy(),
            StoreError::LeaseLost(_) => true,
            _ => false,
        }
    }
}

impl From<db::DbError> for StoreError {
    fn from(e: db::DbError) -> Self {
        if e.is_damaged() {
            StoreError::Damaged(e.to_string())
        } else if e.is_forbidden() {
            StoreError::Forbidden(e.to_string())
        } else {
            StoreError::Sql(e)
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        db::DbError::from(e).into()
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The store: one connection. Open one per thread or task that needs it.
/// Per-mailbox reads and writes (setup, job, runs, the engine's records)
/// are of the picked mailbox: the first one when opened, another after
/// `use_mailbox`. The directory and the interaction log are shared.
pub struct Store {
    conn: db::Db,
    path: PathBuf,
    mailbox: i64,
}

/// The fixed-width UTC form every time is stored in, so text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    // The same text as `%Y-%m-%dT%H:%M:%S%.3fZ`, without parsing a format
    // string on every call (this is on the engine's hot path).
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
#[test]
fn stored_times_keep_their_fixed_width_form() {
    let t: DateTime<Utc> = "2024-05-01T10:00:05.5Z".parse().unwrap();
    assert_eq!(ts(t), "2024-05-01T10:00:05.500Z");
    assert_eq!(ts(t), t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
}

/// A stored time as RFC 3339 to the second, as the log shows and exports
/// its times (the stored text as it is if it does not parse).
pub fn display_ts(stored: &str) -> String {
    parse_ts(stored)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| stored.to_string())
}

pub fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Creates the file with mode 0600 if it is not there, so secrets and mail
/// are never readable by others, even for a moment.
fn create_private(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    match crate::private_file::create_new(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Refuses an existing database file nobody should adopt (writable by
/// every user; someone else's empty file); says whether it is shared with a
/// group (group-writable).
#[cfg(unix)]
fn adoptable(path: &Path) -> Result<bool> {
    let Ok(m) = std::fs::metadata(path) else {
        return Ok(false);
    };
    let facts = crate::file_trust::facts_of(&m);
    crate::file_trust::database_verdict(facts, crate::file_trust::euid(), m.len() == 0).map_err(
        |why| {
            StoreError::Invalid(format!(
                "the database {} is not safe to use: {why}",
                path.display()
            ))
        },
    )?;
    Ok(facts.mode & 0o060 == 0o060)
}

#[cfg(not(unix))]
fn adoptable(_: &Path) -> Result<bool> {
    Ok(false)
}

impl Store {
    /// Opens (creating 0600 and migrating as needed) the database at `path`,
    /// or the PostgreSQL database `path` names as a `postgres://` URL.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(url) = pg::target::postgres_url(path) {
            return Store::open_postgres(url);
        }
        create_private(path).map_err(|source| StoreError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let shared = adoptable(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        // FULL: a commit is on disk before the message is moved, even across power loss.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        // Fewer, larger checkpoints: small page commits rewrite the same hot
        // index pages, and each checkpoint copies them back (and syncs).
        conn.pragma_update(None, "wal_autocheckpoint", 8000)
            .map_err(open_err)?;
        // 16 MiB of page cache: the indexes of a busy log stay in memory.
        conn.pragma_update(None, "cache_size", -16_000)
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        if shared {
            keep_wal_files(&conn, path)?;
        }
        let mut conn = conn;
        migrations::migrate(&mut conn, path)?;
        private::make_viewer(&conn).map_err(open_err)?;
        let mut store = Store {
            conn: db::Db::from_sqlite(conn),
            path: path.to_path_buf(),
            mailbox: 1,
        };
        store.mailbox = store.first_mailbox()?;
        Ok(store)
    }

    /// Runs `f` with commits that do not wait for the disk, for writes a
    /// crash may lose without harm: what they record is found again (a
    /// page's move outcomes: the next run sees the messages unfinished) or
    /// derived and marked until done (search rows, conversations). A lost
    /// commit is lost whole, and in order: the write-ahead log keeps them
    /// atomic, and the next durable commit carries them to disk. Durable
    /// again afterwards even where setting it back fails: every
    /// transaction is begun with the level asked for (`Db::set_durable`).
    fn without_waiting_for_disk<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.conn.set_durable(false)?;
        let result = f(self);
        self.conn.set_durable(true)?;
        result
    }

    /// Whether this store is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.conn.is_postgres()
    }

    /// Whether there is an emaillog database at `path` (a file; on
    /// PostgreSQL, a database with emaillog's schema), without creating one.
    pub fn exists(path: &Path) -> Result<bool> {
        let Some(url) = pg::target::postgres_url(path) else {
            return Ok(path.exists());
        };
        let conn = Store::connect_postgres(url)?;
        Ok(pg::migrations::version(&conn.0)? > 0)
    }

    /// How `path` is shown: a file's path, or a PostgreSQL URL without its
    /// password.
    pub fn shown(path: &Path) -> String {
        match pg::target::postgres_url(path) {
            Some(url) => match pg::target::PgTarget::parse(url, None) {
                Ok(t) => t.to_string(),
                Err(_) => "a PostgreSQL URL that does not parse".to_string(),
            },
            None => path.display().to_string(),
        }
    }

    fn connect_postgres(url: &str) -> Result<(db::Db, pg::target::PgTarget)> {
        let (conn, target) = db::pg::open(url).map_err(StoreError::Invalid)?;
        Ok((db::Db::from_postgres(conn), target))
    }

    /// Connects to the PostgreSQL database at `url` (its password in the
    /// URL or `PGPASSWORD`) and brings its schema up to date.
    fn open_postgres(url: &str) -> Result<Self> {
        let (mut conn, target) = Store::connect_postgres(url)?;
        pg::migrations::migrate(&mut conn, &target.to_string())?;
        let mut store = Store {
            conn,
            path: PathBuf::from(url),
            mailbox: 1,
        };
        store.mailbox = store.first_mailbox()?;
        Ok(store)
    }

    /// How long a statement waits for another connection's write lock.
    pub fn set_busy_timeout(&self, d: std::time::Duration) -> Result<()> {
        Ok(self.conn.set_busy_timeout(d)?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's quick integrity check of the whole file: `Damaged` with
    /// its first finding, before a command that reads everything (an
    /// export) has written a byte.
    pub fn check_integrity(&self) -> Result<()> {
        if self.conn.is_postgres() {
            // The server checks its own pages (and reports XX001 on reads).
            return Ok(());
        }
        let first: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", db::params![], |r| r.get(0))?;
        if first == "ok" {
            Ok(())
        } else {
            Err(StoreError::Damaged(first))
        }
    }

    pub fn schema_version(&self) -> Result<i64> {
        if self.conn.is_postgres() {
            return pg::migrations::version(&self.conn);
        }
        Ok(self
            .conn
            .query_row("PRAGMA user_version", db::params![], |r| r.get(0))?)
    }
}

/// Keeps the WAL and SHM files when the last connection closes
/// (`SQLITE_FCNTL_PERSIST_WAL`): a group member of a shared database
/// cannot create them in its folder, which only the admin may write.
fn keep_wal_files(conn: &Connection, path: &Path) -> Result<()> {
    let mut on: std::ffi::c_int = 1;
    // SAFETY: the handle is this open connection's; PERSIST_WAL reads
    // and writes one int through the pointer, which outlives the call.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&mut on as *mut std::ffi::c_int).cast(),
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(StoreError::Invalid(format!(
            "cannot keep the WAL files of {} (SQLite code {rc})",
            path.display()
        )));
    }
    Ok(())
}
