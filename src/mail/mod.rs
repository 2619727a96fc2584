//! Mail sources: where messages are read from and moved to. The engine
//! drives them through [`MailSource`] and knows nothing of HTTP or IMAP.
//!
//! A source reads the Inbox without offsets: it hands out an opaque cursor
//! (a Graph delta link, an IMAP UID) that the engine keeps in the store
//! with each page, so moving messages out while reading never skips one,
//! and messages left in the Inbox are never read again unless they change.

pub mod graph;
pub mod imap;

use futures::future::BoxFuture;

use crate::domain::MailMessage;

/// One page of the Inbox.
#[derive(Debug, Default)]
pub struct InboxPage {
    /// A message that could not be read still has its id, so it can be
    /// counted as failed and, after enough attempts, moved aside.
    pub messages: Vec<Result<MailMessage, BadMessage>>,
    /// Where to read on from: the next page of this pass, or, when `more` is
    /// false, where the next run starts (it then sees only what changed).
    pub cursor: String,
    /// Whether this pass over the Inbox has more pages.
    pub more: bool,
}

#[derive(Debug, Clone)]
pub struct BadMessage {
    pub mailbox_id: String,
    pub error: String,
    /// Reading it again cannot help (no header section at all): it is
    /// quarantined at once instead of retried up to max attempts.
    pub permanent: bool,
}

/// Where a moved message now is.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    pub new_id: String,
    pub web_link: String,
}

/// A mailbox's folders as the setup gives them: paths, empty for the
/// default (the Inbox, Archive, Skipped beside the Inbox).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderPaths {
    pub queue: String,
    pub storage: String,
    pub skip: String,
}

impl FolderPaths {
    pub fn of(setup: &crate::domain::setup::Setup) -> Self {
        FolderPaths {
            queue: setup.queue_folder.clone(),
            storage: setup.storage_folder.clone(),
            skip: setup.skip_folder.clone(),
        }
    }
}

/// One folder at a level of a mailbox's hierarchy, as the Setup screen's
/// folder picker lists it: its name (safe to show), whether it has folders
/// under it, and how many messages it holds when the service says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEntry {
    pub name: String,
    pub children: bool,
    pub messages: Option<u64>,
}

/// A destination of a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Archive,
    Skipped,
}

impl Folder {
    pub fn name(self) -> &'static str {
        match self {
            Folder::Archive => "Archive",
            Folder::Skipped => "Skipped",
        }
    }
}

/// What went wrong talking to the mail service. Each kind says whether
/// retrying can help ([`MailError::is_retryable`]) and whom it concerns: one
/// message (`Gone`), the setup (`FolderMissing` of Archive, `Permanent`,
/// `Auth`), or the service (`Transient`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum MailError {
    /// Network trouble, 5xx, throttling or a garbled answer that outlasted retries.
    #[error("{0}")]
    Transient(String),
    /// The token was refused even after a fresh sign-in.
    #[error("not authorized: {0}")]
    Auth(String),
    /// The message itself is not there (any more): moved or deleted by someone.
    #[error("the message is gone: {0}")]
    Gone(String),
    /// The destination folder of a move is not there, while the message is.
    #[error(
        "the {} folder of the shared mailbox is missing ({detail}); create it in Outlook or Exchange, then restart the job",
        folder.name()
    )]
    FolderMissing { folder: Folder, detail: String },
    /// A folder the setup names by path is not there (the queue folder, or
    /// a storage or Skipped folder nobody made): what is there instead.
    #[error("{0}")]
    NoSuchFolder(String),
    /// A listing or folder the request named is not there (a wrong mailbox).
    #[error("not found: {0}")]
    NotFound(String),
    /// The read cursor expired (Graph `410 syncStateNotFound`): read the
    /// Inbox again from the start.
    #[error("the read position expired ({0}); the Inbox is read again from the start")]
    CursorExpired(String),
    /// The thing to create exists already (Graph `409`).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A request the service refuses; retrying will not help.
    #[error("{0}")]
    Permanent(String),
}

impl MailError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Transient(_) | MailError::CursorExpired(_))
    }
}

pub trait MailSource: Send + Sync {
    /// The next page of the Inbox after `cursor` (`None`: a pass from the
    /// start), at most `top` messages (a source may return fewer, or none
    /// while `more` is still true).
    fn read_inbox<'a>(
        &'a self,
        cursor: Option<&'a str>,
        top: usize,
    ) -> BoxFuture<'a, Result<InboxPage, MailError>>;
    /// One message by id, as [`MailSource::read_inbox`] would give it;
    /// `Err(Gone)` when it is no longer in the Inbox.
    fn fetch<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>>;
    /// One message by id wherever it is in the mailbox (a skipped message
    /// being re-logged is in Skipped); `Err(Gone)` when it is nowhere.
    fn fetch_anywhere<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>>;
    /// Moves a message; tells a gone message from a missing folder, and
    /// creates the Skipped folder when it is missing.
    fn move_to<'a>(
        &'a self,
        id: &'a str,
        folder: Folder,
    ) -> BoxFuture<'a, Result<Moved, MailError>>;
    /// Moves several messages to one folder, each with its own outcome (in
    /// the order given). A source whose moves are cheaper together (IMAP:
    /// one UID MOVE, one fsync on the server) says so with
    /// [`MailSource::moves_in_batches`]; the default moves one at a time.
    fn move_many<'a>(
        &'a self,
        ids: &'a [String],
        folder: Folder,
    ) -> BoxFuture<'a, Vec<Result<Moved, MailError>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(self.move_to(id, folder).await);
            }
            out
        })
    }
    /// Whether a page's moves should go through [`MailSource::move_many`].
    fn moves_in_batches(&self) -> bool {
        false
    }
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>>;
    /// The bytes of one attachment (its `source_id`) of message `id`,
    /// wherever the message is now: fetched when a user saves it, never
    /// kept.
    fn attachment<'a>(
        &'a self,
        id: &'a str,
        attachment: &'a str,
    ) -> BoxFuture<'a, Result<Vec<u8>, MailError>> {
        let _ = (id, attachment);
        Box::pin(async {
            Err(MailError::Permanent(
                "this mail source cannot fetch attachments".into(),
            ))
        })
    }
    /// Whether a message is still in the mailbox (any folder): `Ok` if so,
    /// `Err(Gone)` if not.
    fn locate<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>>;
    /// Whether the service answers at all, asked of something no single
    /// message can spoil (the Inbox folder): tells an outage from one
    /// message's trouble. A message whose every request fails must never
    /// make the service look down, or it would hold back all the others.
    fn probe(&self) -> BoxFuture<'_, Result<(), MailError>> {
        Box::pin(async move { self.inbox_count().await.map(|_| ()) })
    }
    /// How many messages the Inbox holds, when the source can say cheaply.
    fn inbox_count(&self) -> BoxFuture<'_, Result<Option<u64>, MailError>>;
    /// Who the job runs as.
    fn account(&self) -> String;
    /// The service's latest "wait" (429), in ms, as it happens (every 429
    /// is a change); `None` for a source that is never throttled.
    fn throttle_notes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
    /// A counter that goes up when new mail lands in the Inbox, for a
    /// source that can be told (IMAP IDLE); `None`: the job polls.
    fn inbox_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
}
