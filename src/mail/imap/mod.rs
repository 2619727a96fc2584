//! IMAP as a mail source: the shared mailbox's INBOX read by UID (the read
//! cursor is `UIDVALIDITY:last UID`), moved with MOVE (RFC 6851) where the
//! server has it, else COPY + `\Deleted` + UID EXPUNGE. A changed
//! UIDVALIDITY reads the INBOX again from the start; nothing is logged twice
//! because `Message-ID` still deduplicates.
//!
//! A message's id is `UIDVALIDITY:UID:Message-ID` in the INBOX: the UID finds
//! it while it is there, the Message-ID finds it after it was moved (a
//! skipped message being re-logged is in Skipped under a UID of its own).

pub mod conn;
mod folders;
pub mod ids;
mod live;
pub mod parse;

use futures::StreamExt;
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use crate::domain::MailMessage;
use crate::domain::folders::FolderRole;
use crate::mail::{BadMessage, Folder, FolderPaths, InboxPage, MailError, MailSource, Moved};

use conn::connect;
pub use conn::{ImapConfig, ImapCredential};
use ids::{Cursor, MessageKey};
use live::{Live, io};

/// A larger message's body is not kept; up to the second limit it is read
/// whole, one at a time, for its attachments, past it by its headers only.
pub const FULL_FETCH_LIMIT: u32 = 10 * 1024 * 1024;
pub const ATTACHMENT_FETCH_LIMIT: u32 = 64 * 1024 * 1024;

const INBOX: &str = "INBOX";

pub struct ImapSource {
    config: ImapConfig,
    folders: FolderPaths,
    session: Mutex<Option<Live>>,
    /// The IDLE watcher's counter, once started.
    watcher: std::sync::Mutex<Option<tokio::sync::watch::Receiver<u64>>>,
}

impl Drop for ImapSource {
    fn drop(&mut self) {
        // The watcher ends when its counter has no reader left.
        if let Ok(mut w) = self.watcher.lock() {
            w.take();
        }
    }
}

/// How long one IDLE lasts before it is renewed (servers drop an IDLE
/// after 30 minutes, RFC 2177).
const IDLE_RENEW: std::time::Duration = std::time::Duration::from_secs(25 * 60);

/// Watches the INBOX with IDLE on a connection of its own and counts the
/// times it changed; stops when no one reads the counter any more, or when
/// the server cannot IDLE (the job then polls).
async fn watch_inbox(config: ImapConfig, queue: String, tx: tokio::sync::watch::Sender<u64>) {
    let mut backoff = std::time::Duration::from_secs(1);
    while !tx.is_closed() {
        let session = match connect(&config).await {
            Ok(mut s) => match s.capabilities().await {
                Ok(c) if c.has_str("IDLE") => match select_queue(&mut s, &queue).await {
                    Ok(()) => Some(s),
                    Err(e) => {
                        tracing::warn!("IMAP IDLE: the queue folder: {e}");
                        None
                    }
                },
                Ok(_) => {
                    tracing::info!("the IMAP server has no IDLE: the job polls");
                    return;
                }
                Err(e) => {
                    tracing::warn!("IMAP IDLE: CAPABILITY: {e}");
                    None
                }
            },
            Err(MailError::Auth(e)) | Err(MailError::Permanent(e)) => {
                tracing::warn!("IMAP IDLE stopped: {e}");
                return;
            }
            Err(e) => {
                tracing::warn!("IMAP IDLE: {e}");
                None
            }
        };
        let Some(mut session) = session else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(std::time::Duration::from_secs(60));
            continue;
        };
        backoff = std::time::Duration::from_secs(1);
        // Mail may have landed while connecting: tell once.
        tx.send_modify(|n| *n += 1);
        loop {
            let mut idle = session.idle();
            if let Err(e) = idle.init().await {
                tracing::warn!("IMAP IDLE: {e}");
                break;
            }
            let (wait, _stop) = idle.wait_with_timeout(IDLE_RENEW);
            let closed = tx.closed();
            let r = tokio::select! {
                r = wait => r,
                _ = closed => return,
            };
            match r {
                Ok(async_imap::extensions::idle::IdleResponse::NewData(d)) => {
                    // New mail is an EXISTS; EXPUNGEs (this engine's own
                    // moves among them) are not news.
                    use async_imap::imap_proto::{MailboxDatum, Response};
                    if matches!(d.parsed(), Response::MailboxData(MailboxDatum::Exists(_))) {
                        tx.send_modify(|n| *n += 1);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("IMAP IDLE: {e}");
                    break;
                }
            }
            match idle.done().await {
                Ok(s) => session = s,
                Err(e) => {
                    tracing::warn!("IMAP IDLE: DONE: {e}");
                    break;
                }
            }
        }
    }
}

/// Every name the server LISTs (`LIST "" "*"`, which shows the public
/// namespace's folders where it is listed), and its `\Archive` folder.
async fn list_all(
    s: &mut conn::ImapSession,
) -> Result<(Vec<folders::Listed>, Option<String>), MailError> {
    let mut listed = Vec::new();
    let mut archive = None;
    let mut names = s
        .list(Some(""), Some("*"))
        .await
        .map_err(|e| io("LIST", e))?;
    while let Some(n) = names.next().await {
        let n = n.map_err(|e| io("LIST", e))?;
        if n.attributes()
            .iter()
            .any(|a| matches!(a, async_imap::types::NameAttribute::Archive))
        {
            archive = Some(n.name().to_string());
        }
        // Bounded: a server that lists without end is not read to the end.
        if listed.len() < 100_000 {
            listed.push(folders::Listed {
                name: n.name().to_string(),
                delimiter: n.delimiter().map(str::to_string),
            });
        }
    }
    Ok((listed, archive))
}

/// The server's name of the queue folder `path` names (the INBOX when
/// empty), or what is there instead and how to fix the path.
fn queue_on_server(path: &str, listed: &[folders::Listed]) -> Result<String, MailError> {
    if path.is_empty() {
        return Ok(INBOX.to_string());
    }
    folders::resolve(path, listed).map_err(|m| {
        MailError::NoSuchFolder(format!(
            "{}; {}",
            m.say(FolderRole::Queue.label(), path),
            FolderRole::Queue.path_fix()
        ))
    })
}

/// Selects the queue folder `path` names (the INBOX when empty).
async fn select_queue(s: &mut conn::ImapSession, path: &str) -> Result<(), MailError> {
    let name = if path.is_empty() {
        INBOX.to_string()
    } else {
        queue_on_server(path, &list_all(s).await?.0)?
    };
    s.select(&name)
        .await
        .map(|_| ())
        .map_err(|e| io(&format!("SELECT {name}"), e))
}

impl ImapSource {
    pub fn new(config: ImapConfig) -> Self {
        Self {
            config,
            folders: FolderPaths::default(),
            session: Mutex::new(None),
            watcher: std::sync::Mutex::new(None),
        }
    }

    /// The same source reading the queue folder and moving to the storage
    /// and Skipped folders `paths` names.
    pub fn with_folders(mut self, paths: FolderPaths) -> Self {
        self.folders = paths;
        self
    }

    /// Runs `f` on a live connection, connecting first if needed; a
    /// connection that failed is dropped so the next call reconnects.
    async fn with<T>(
        &self,
        f: impl for<'a> Fn(&'a mut Live) -> BoxFuture<'a, Result<T, MailError>>,
    ) -> Result<T, MailError> {
        let mut guard = self.session.lock().await;
        let reused = guard.is_some();
        if guard.is_none() {
            *guard = Some(self.open().await?);
        }
        let live = guard.as_mut().expect("connected above");
        let mut r = f(live).await;
        if matches!(r, Err(MailError::Transient(_))) {
            // A dropped or confused connection: start clean. One that had
            // sat idle (the server timed it out, an admin kicked it) is
            // reconnected at once and the call made again; every call is
            // safe to repeat (a move finds the message where it went).
            *guard = None;
            if reused {
                tracing::info!("the IMAP connection dropped; reconnecting");
                *guard = Some(self.open().await?);
                let live = guard.as_mut().expect("connected above");
                r = f(live).await;
                if matches!(r, Err(MailError::Transient(_))) {
                    *guard = None;
                }
            }
        }
        // Unsolicited answers pile up in a channel nobody else reads.
        if let Some(l) = guard.as_mut() {
            while l.s.unsolicited_responses.try_recv().is_ok() {}
        }
        r
    }

    async fn open(&self) -> Result<Live, MailError> {
        let mut s = connect(&self.config).await?;
        let caps = s.capabilities().await.map_err(|e| io("CAPABILITY", e))?;
        let can_move = caps.has_str("MOVE");
        let can_uidplus = caps.has_str("UIDPLUS");
        let (listed, special_archive) = list_all(&mut s).await?;
        let mut missing = Vec::new();
        let queue = queue_on_server(&self.folders.queue, &listed)?;
        let mut destination = |role: FolderRole, path: &str, default: String| {
            if path.is_empty() {
                return default;
            }
            folders::resolve(path, &listed).unwrap_or_else(|m| {
                missing.push((
                    m.create_as.clone(),
                    format!("{}; {}", m.say(role.label(), path), role.path_fix()),
                ));
                m.create_as
            })
        };
        let archive = destination(
            FolderRole::Storage,
            &self.folders.storage,
            special_archive.unwrap_or_else(|| "Archive".into()),
        );
        let skipped = destination(FolderRole::Skip, &self.folders.skip, "Skipped".into());
        Ok(Live {
            s,
            can_move,
            can_uidplus,
            selected: None,
            uidvalidity: 0,
            queue,
            archive,
            skipped,
            missing,
            ensured: Vec::new(),
        })
    }

    /// The number of messages in the queue folder (STATUS).
    pub async fn inbox_messages(&self) -> Result<u64, MailError> {
        self.with(|l| {
            Box::pin(async move {
                let queue = l.queue.clone();
                let m =
                    l.s.status(&queue, "(MESSAGES)")
                        .await
                        .map_err(|e| io("STATUS", e))?;
                Ok(m.exists as u64)
            })
        })
        .await
    }

    /// The folders under the folder `path` names (steps; none: the top),
    /// from the server's whole LIST, for the folder picker. Call it on a
    /// source made without folder paths: it connects through the INBOX.
    pub async fn browse(
        &self,
        path: &[String],
    ) -> Result<Vec<crate::mail::FolderEntry>, MailError> {
        let (listed, _) = self
            .with(|l| Box::pin(async move { list_all(&mut l.s).await }))
            .await?;
        folders::level(path, &listed).ok_or_else(|| {
            MailError::NoSuchFolder(format!(
                "the server has no folder {} (any more)",
                crate::domain::text::one_line(&path.join("/"))
            ))
        })
    }

    /// The queue folder's name on the server.
    pub async fn queue_name(&self) -> Result<String, MailError> {
        self.with(|l| Box::pin(async move { Ok(l.queue.clone()) }))
            .await
    }

    /// Makes sure `name` exists (CREATE when LIST does not show it); a
    /// folder the setup names that is not there is made only when
    /// `create` (else `NoSuchFolder`). True when it was missing.
    pub async fn ensure_folder(&self, name: &str, create: bool) -> Result<bool, MailError> {
        let name = name.to_string();
        self.with(move |l| {
            let name = name.clone();
            Box::pin(async move {
                let was_missing = l.missing.iter().any(|(n, _)| *n == name);
                if create {
                    l.missing.retain(|(n, _)| *n != name);
                }
                l.ensure(&name).await.map(|_| was_missing)
            })
        })
        .await
    }

    /// The folder a move to `folder` goes to.
    pub async fn folder_name(&self, folder: Folder) -> Result<String, MailError> {
        self.with(move |l| Box::pin(async move { Ok(l.folder(folder)) }))
            .await
    }
}

impl MailSource for ImapSource {
    fn read_inbox<'a>(
        &'a self,
        cursor: Option<&'a str>,
        top: usize,
    ) -> BoxFuture<'a, Result<InboxPage, MailError>> {
        let cursor = cursor.map(str::to_string);
        Box::pin(async move {
            self.with(move |l| {
                let cursor = cursor.clone();
                Box::pin(async move {
                    let queue = l.queue.clone();
                    let validity = l.select_fresh(&queue).await?;
                    let after = Cursor::parse(cursor.as_deref())
                        .filter(|c| c.uidvalidity == validity)
                        .map_or(0, |c| c.last_uid);
                    let uids = l.search(&format!("UID {}:*", after + 1)).await?;
                    // `n:*` always matches the highest UID, even below n.
                    let uids: Vec<u32> = uids.into_iter().filter(|u| *u > after).collect();
                    let page: Vec<u32> = uids.iter().copied().take(top.max(1)).collect();
                    let more = uids.len() > page.len();
                    let last = page.last().copied().unwrap_or(after);
                    let messages = l.read(&page, validity).await?;
                    Ok(InboxPage {
                        messages,
                        cursor: Cursor {
                            uidvalidity: validity,
                            last_uid: last,
                        }
                        .encode(),
                        more,
                    })
                })
            })
            .await
        })
    }

    fn fetch<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>> {
        Box::pin(async move {
            let key = MessageKey::parse(id)?;
            self.with(move |l| {
                let key = key.clone();
                Box::pin(async move {
                    let queue = l.queue.clone();
                    let validity = l.select_fresh(&queue).await?;
                    if validity != key.uidvalidity
                        || l.search(&format!("UID {}", key.uid)).await?.is_empty()
                    {
                        return Err(MailError::Gone(
                            "the message is no longer in the INBOX".into(),
                        ));
                    }
                    l.read(&[key.uid], validity).await?.pop().ok_or_else(|| {
                        MailError::Gone("the message is no longer in the INBOX".into())
                    })
                })
            })
            .await
        })
    }

    fn fetch_anywhere<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>> {
        Box::pin(async move {
            let key = MessageKey::parse(id)?;
            let id = id.to_string();
            self.with(move |l| {
                let (key, id) = (key.clone(), id.clone());
                Box::pin(async move {
                    let (folder, uid) = l.locate(&key).await?;
                    let validity = l.select(&folder).await?;
                    let mut read = l.read(&[uid], validity).await?;
                    // Known to the engine by its INBOX id, wherever it is now.
                    Ok(match read.pop() {
                        Some(Ok(mut m)) => {
                            m.mailbox_id = id;
                            Ok(m)
                        }
                        Some(Err(mut b)) => {
                            b.mailbox_id = id;
                            Err(b)
                        }
                        None => return Err(MailError::Gone("the message vanished".into())),
                    })
                })
            })
            .await
        })
    }

    fn move_to<'a>(
        &'a self,
        id: &'a str,
        folder: Folder,
    ) -> BoxFuture<'a, Result<Moved, MailError>> {
        Box::pin(async move {
            let key = MessageKey::parse(id)?;
            self.with(move |l| {
                let key = key.clone();
                Box::pin(async move {
                    let to = l.folder(folder);
                    // The id stays: it finds the message by its Message-ID
                    // wherever it was moved.
                    let moved = Moved {
                        new_id: key.encode(),
                        web_link: String::new(),
                    };
                    l.ensure(&to).await?;
                    // Where the run just read it, one round trip: moved if
                    // the server expunged it from the INBOX.
                    let queue = l.queue.clone();
                    if l.selected.as_deref() == Some(queue.as_str())
                        && l.uidvalidity == key.uidvalidity
                        && l.move_uid(&queue, key.uid, &to).await?
                    {
                        return Ok(moved);
                    }
                    // Moved since, or read before a reconnect: find it.
                    let (from, uid) = l.locate(&key).await?;
                    if from.eq_ignore_ascii_case(&to) {
                        return Ok(moved);
                    }
                    if l.move_uid(&from, uid, &to).await? {
                        Ok(moved)
                    } else {
                        Err(MailError::Gone(format!(
                            "message {} went from {from} while it was being moved",
                            key.display()
                        )))
                    }
                })
            })
            .await
        })
    }

    fn moves_in_batches(&self) -> bool {
        true
    }

    fn move_many<'a>(
        &'a self,
        ids: &'a [String],
        folder: Folder,
    ) -> BoxFuture<'a, Vec<Result<Moved, MailError>>> {
        Box::pin(async move {
            let keys: Vec<Result<MessageKey, MailError>> =
                ids.iter().map(|id| MessageKey::parse(id)).collect();
            let good: Vec<MessageKey> = keys
                .iter()
                .filter_map(|k| k.as_ref().ok().cloned())
                .collect();
            let outcome = self
                .with(move |l| {
                    let good = good.clone();
                    Box::pin(async move { l.move_batch(&good, folder).await })
                })
                .await;
            let mut moved = match outcome {
                Ok(m) => m.into_iter(),
                Err(e) => {
                    return keys.into_iter().map(|k| k.and(Err(e.clone()))).collect();
                }
            };
            keys.into_iter()
                .map(|k| {
                    k.and_then(|_| {
                        moved
                            .next()
                            .unwrap_or(Err(MailError::Transient("no outcome".into())))
                    })
                })
                .collect()
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let key = MessageKey::parse(id)?;
            self.with(move |l| {
                let key = key.clone();
                Box::pin(async move {
                    let (from, uid) = l.locate(&key).await?;
                    l.ensure("Trash").await?;
                    l.move_uid(&from, uid, "Trash").await.map(|_| ())
                })
            })
            .await
        })
    }

    fn attachment<'a>(
        &'a self,
        id: &'a str,
        attachment: &'a str,
    ) -> BoxFuture<'a, Result<Vec<u8>, MailError>> {
        Box::pin(async move {
            let key = MessageKey::parse(id)?;
            let not_one =
                || MailError::Permanent(format!("'{attachment}' is no attachment's number"));
            let index: usize = attachment.parse().map_err(|_| not_one())?;
            self.with(move |l| {
                let key = key.clone();
                Box::pin(async move { l.attachment(&key, index).await })
            })
            .await
        })
    }

    fn locate<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let key = MessageKey::parse(id)?;
            self.with(move |l| {
                let key = key.clone();
                Box::pin(async move { l.locate(&key).await.map(|_| ()) })
            })
            .await
        })
    }

    fn inbox_count(&self) -> BoxFuture<'_, Result<Option<u64>, MailError>> {
        Box::pin(async move { self.inbox_messages().await.map(Some) })
    }

    fn account(&self) -> String {
        format!("{}@{}", self.config.user, self.config.host)
    }

    fn inbox_changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        let mut w = self.watcher.lock().ok()?;
        if w.is_none() {
            tokio::runtime::Handle::try_current().ok()?;
            let (tx, rx) = tokio::sync::watch::channel(0u64);
            tokio::spawn(watch_inbox(
                self.config.clone(),
                self.folders.queue.clone(),
                tx,
            ));
            *w = Some(rx);
        }
        w.clone()
    }
}
