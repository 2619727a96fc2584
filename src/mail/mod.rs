//! Mail sources: where messages are read from and moved to. The engine
//! drives them through [`MailSource`] and knows nothing of HTTP or IMAP.

pub mod graph;

use futures::future::BoxFuture;

use crate::domain::MailMessage;

/// One page of the Inbox, oldest first.
#[derive(Debug, Default)]
pub struct InboxPage {
    /// A message that could not be read still has its id, so it can be
    /// counted as failed and, after enough attempts, moved aside.
    pub messages: Vec<Result<MailMessage, BadMessage>>,
    pub has_more: bool,
}

#[derive(Debug, Clone)]
pub struct BadMessage {
    pub mailbox_id: String,
    pub error: String,
}

/// Where a moved message now is.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    pub new_id: String,
    pub web_link: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum MailError {
    /// Network trouble, 5xx, throttling or a garbled answer that outlasted retries.
    #[error("{0}")]
    Transient(String),
    /// The token was refused even after a fresh sign-in.
    #[error("not authorized: {0}")]
    Auth(String),
    /// The message or folder is not there (any more).
    #[error("not found: {0}")]
    NotFound(String),
    /// A request the service refuses; retrying will not help.
    #[error("{0}")]
    Permanent(String),
}

impl MailError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }
}

pub trait MailSource: Send + Sync {
    /// Up to `top` Inbox messages, oldest first, after skipping `offset`
    /// (the messages the engine left in the Inbox ahead of them).
    fn list_inbox(&self, offset: usize, top: usize) -> BoxFuture<'_, Result<InboxPage, MailError>>;
    fn move_to_archive<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Moved, MailError>>;
    /// Moves to the Skipped folder, creating it if missing.
    fn move_to_skipped<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Moved, MailError>>;
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>>;
    /// Who the job runs as.
    fn account(&self) -> String;
}
