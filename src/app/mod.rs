//! The application API: what the CLI (and the TUI) can ask of emaillog.
//! It opens the store, unseals secrets, builds mail sources from the setup
//! and runs the engine; callers never touch SQL, HTTP or OAuth2 themselves.

pub mod attachments;
pub mod audit;
pub mod capture;
pub mod credentials;
pub mod csv_in;
pub mod export;
pub mod filters;
pub mod folders;
pub mod follow_ups;
pub mod forget;
pub mod import;
pub mod jobs;
pub mod log;
pub mod login;
pub mod mailboxes;
pub mod migrate;
pub mod never_log;
pub mod overview;
pub mod people;
pub mod privacy;
pub mod private_marks;
pub mod review;
pub mod scripts;
pub mod sealing;
pub mod setup_edit;
pub mod setup_field_list;
pub mod setup_fields;
pub mod share;
pub mod signals;
pub mod validate;
mod validate_folders;

use std::path::{Path, PathBuf};

use crate::auth::secrets::{SecretBox, SecretError, key_path_for};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// Input that is wrong, with what to do about it.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Something that may work when tried again later (a vault command that
    /// timed out, a busy database).
    #[error("{0}")]
    Unavailable(String),
    /// Work given up because the person asked (Esc); nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,
}

impl AppError {
    pub fn is_retryable(&self) -> bool {
        match self {
            AppError::Store(e) => e.is_retryable(),
            AppError::Unavailable(_) => true,
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, AppError>;

/// emaillog on one database.
#[derive(Debug, Clone)]
pub struct App {
    db_path: PathBuf,
    /// The mailbox per-mailbox work is of (`--shared-mailbox`); `None`:
    /// the database's first.
    mailbox: Option<i64>,
}

/// `$XDG_DATA_HOME/emaillog/emaillog.db`, else `~/.local/share/emaillog/emaillog.db`.
pub fn default_db_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("emaillog").join("emaillog.db")
}

impl App {
    pub fn new(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            mailbox: None,
        }
    }

    /// The same database, with mailbox `no` picked.
    pub fn with_mailbox(&self, no: i64) -> Self {
        Self {
            db_path: self.db_path.clone(),
            mailbox: Some(no),
        }
    }

    /// The picked mailbox's number, if one was picked.
    pub fn picked_mailbox(&self) -> Option<i64> {
        self.mailbox
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    pub fn store(&self) -> Result<Store> {
        let mut store = Store::open(&self.db_path)?;
        if let Some(no) = self.mailbox {
            store.use_mailbox(no)?;
        }
        // Whose private messages this process may see (on PostgreSQL the
        // server knows its role).
        if !store.is_postgres() {
            store.set_viewer(self.role() == overview::Role::Admin, &audit::os_user())?;
        }
        Ok(store)
    }

    /// For commands that only read: a database that is not there is an
    /// error that says so, not a new empty one at a mistyped path.
    pub fn require_existing(&self) -> Result<()> {
        if Store::exists(&self.db_path)? {
            Ok(())
        } else {
            Err(AppError::Invalid(format!(
                "there is no database at {}; give the right one with --db (or EMAILLOG_DB), or create it: emaillog init (or emaillog setup set --mailbox ADDRESS --tenant TENANT --client-id APP_ID)",
                Store::shown(&self.db_path)
            )))
        }
    }

    /// The key that seals secrets; created (0600) only when sealing a new one.
    pub fn secret_box(&self, create: bool) -> Result<SecretBox> {
        Ok(SecretBox::open(&key_path_for(&self.db_path), create)?)
    }
}
