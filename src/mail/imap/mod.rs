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
pub mod ids;
pub mod parse;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use crate::domain::MailMessage;
use crate::mail::{BadMessage, Folder, InboxPage, MailError, MailSource, Moved};

pub use conn::{ImapConfig, ImapCredential};
use conn::{ImapSession, connect};
use ids::{Cursor, MessageKey};

/// Larger messages are read for their headers only (the body is not kept):
/// a 20 MB attachment is still logged, without filling memory.
pub const FULL_FETCH_LIMIT: u32 = 10 * 1024 * 1024;

const INBOX: &str = "INBOX";

pub struct ImapSource {
    config: ImapConfig,
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
async fn watch_inbox(config: ImapConfig, tx: tokio::sync::watch::Sender<u64>) {
    let mut backoff = std::time::Duration::from_secs(1);
    while !tx.is_closed() {
        let session = match connect(&config).await {
            Ok(mut s) => match s.capabilities().await {
                Ok(c) if c.has_str("IDLE") => match s.select(INBOX).await {
                    Ok(_) => Some(s),
                    Err(e) => {
                        tracing::warn!("IMAP IDLE: SELECT INBOX: {e}");
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

/// What a first, light FETCH says of a message.
struct Fetched {
    uid: u32,
    size: u32,
    draft: bool,
    received: Option<DateTime<Utc>>,
    message_id: String,
}

/// A connection and what it knows of the server.
struct Live {
    s: ImapSession,
    can_move: bool,
    can_uidplus: bool,
    /// The folder selected now, if any.
    selected: Option<String>,
    uidvalidity: u32,
    /// The server's `\Archive` folder, or "Archive".
    archive: String,
    /// Folders known to exist (a LIST a move would otherwise cost).
    ensured: Vec<String>,
}

fn io(what: &str, e: async_imap::error::Error) -> MailError {
    match e {
        async_imap::error::Error::No(t) => MailError::Permanent(format!(
            "IMAP {what}: the server said NO: {}",
            crate::domain::text::one_line(&t)
        )),
        async_imap::error::Error::Bad(t) => MailError::Permanent(format!(
            "IMAP {what}: the server said BAD: {}",
            crate::domain::text::one_line(&t)
        )),
        other => MailError::Transient(format!("IMAP {what}: {other}")),
    }
}

impl ImapSource {
    pub fn new(config: ImapConfig) -> Self {
        Self {
            config,
            session: Mutex::new(None),
            watcher: std::sync::Mutex::new(None),
        }
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
        let mut archive = "Archive".to_string();
        {
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
                    archive = n.name().to_string();
                }
            }
        }
        Ok(Live {
            s,
            can_move,
            can_uidplus,
            selected: None,
            uidvalidity: 0,
            archive,
            ensured: Vec::new(),
        })
    }

    /// The number of messages in the INBOX (STATUS).
    pub async fn inbox_messages(&self) -> Result<u64, MailError> {
        self.with(|l| {
            Box::pin(async move {
                let m =
                    l.s.status(INBOX, "(MESSAGES)")
                        .await
                        .map_err(|e| io("STATUS", e))?;
                Ok(m.exists as u64)
            })
        })
        .await
    }

    /// Makes sure `name` exists (CREATE when LIST does not show it).
    pub async fn ensure_folder(&self, name: &str) -> Result<(), MailError> {
        let name = name.to_string();
        self.with(move |l| {
            let name = name.clone();
            Box::pin(async move { l.ensure(&name).await })
        })
        .await
    }

    /// The folder a move to `folder` goes to.
    pub async fn folder_name(&self, folder: Folder) -> Result<String, MailError> {
        self.with(move |l| Box::pin(async move { Ok(l.folder(folder)) }))
            .await
    }
}

impl Live {
    fn folder(&self, f: Folder) -> String {
        match f {
            Folder::Archive => self.archive.clone(),
            Folder::Skipped => "Skipped".into(),
        }
    }

    async fn select(&mut self, name: &str) -> Result<u32, MailError> {
        if self.selected.as_deref() == Some(name) {
            return Ok(self.uidvalidity);
        }
        let m = self
            .s
            .select(name)
            .await
            .map_err(|e| io(&format!("SELECT {name}"), e))?;
        self.selected = Some(name.to_string());
        self.uidvalidity = m.uid_validity.unwrap_or(0);
        Ok(self.uidvalidity)
    }

    /// Selects `name` and brings the view up to date: the server shows new
    /// mail in a selected folder only once it has told the client of it, so
    /// a SEARCH alone would not see what landed since (NOOP does that).
    async fn select_fresh(&mut self, name: &str) -> Result<u32, MailError> {
        if self.selected.as_deref() == Some(name) {
            self.s.noop().await.map_err(|e| io("NOOP", e))?;
        }
        self.select(name).await
    }

    fn drain_unsolicited(&mut self) -> usize {
        let mut expunged = 0;
        while let Ok(r) = self.s.unsolicited_responses.try_recv() {
            if matches!(r, async_imap::types::UnsolicitedResponse::Expunge(_)) {
                expunged += 1;
            }
        }
        expunged
    }

    async fn ensure(&mut self, name: &str) -> Result<(), MailError> {
        if self.ensured.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            return Ok(());
        }
        let exists = {
            let mut names = self
                .s
                .list(Some(""), Some(name))
                .await
                .map_err(|e| io("LIST", e))?;
            let mut found = false;
            while let Some(n) = names.next().await {
                found |= n.is_ok_and(|n| n.name().eq_ignore_ascii_case(name));
            }
            found
        };
        if !exists {
            match self.s.create(name).await {
                Ok(()) => {}
                // Created meanwhile by someone else: fine.
                Err(async_imap::error::Error::No(t))
                    if t.to_ascii_lowercase().contains("exists") => {}
                Err(e) => return Err(io(&format!("CREATE {name}"), e)),
            }
        }
        self.ensured.push(name.to_string());
        Ok(())
    }

    /// UIDs in the selected folder matching a SEARCH.
    async fn search(&mut self, query: &str) -> Result<Vec<u32>, MailError> {
        let mut uids: Vec<u32> = self
            .s
            .uid_search(query)
            .await
            .map_err(|e| io("UID SEARCH", e))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// Where a message is now: (folder, UID). The INBOX by UID first, then
    /// Skipped and Archive by its Message-ID.
    async fn locate(&mut self, key: &MessageKey) -> Result<(String, u32), MailError> {
        let validity = self.select_fresh(INBOX).await?;
        if validity == key.uidvalidity
            && !self.search(&format!("UID {}", key.uid)).await?.is_empty()
        {
            return Ok((INBOX.to_string(), key.uid));
        }
        if let Some(q) = key.search_query() {
            for folder in [self.folder(Folder::Skipped), self.folder(Folder::Archive)] {
                if self.select(&folder).await.is_err() {
                    continue;
                }
                if let Some(uid) = self.search(&q).await?.first() {
                    return Ok((folder, *uid));
                }
            }
        }
        Err(MailError::Gone(format!(
            "message {} is in none of INBOX, Skipped, Archive",
            key.display()
        )))
    }

    /// Reads messages by UID in the selected folder, each as the engine
    /// takes it (a too-large one by its headers only).
    async fn read(
        &mut self,
        uids: &[u32],
        validity: u32,
    ) -> Result<Vec<Result<MailMessage, BadMessage>>, MailError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = ids::uid_set(uids);
        // Sizes and flags first, then the bodies of the ones that fit.
        let mut meta: Vec<Fetched> = Vec::new();
        {
            let mut fetches = self
                .s
                .uid_fetch(
                    &set,
                    "(UID RFC822.SIZE FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
                )
                .await
                .map_err(|e| io("UID FETCH", e))?;
            while let Some(f) = fetches.next().await {
                let f = f.map_err(|e| io("UID FETCH", e))?;
                let Some(uid) = f.uid else { continue };
                let draft = f
                    .flags()
                    .any(|fl| matches!(fl, async_imap::types::Flag::Draft));
                let mid = f
                    .header()
                    .map(ids::message_id_of_header)
                    .unwrap_or_default();
                meta.push(Fetched {
                    uid,
                    size: f.size.unwrap_or(0),
                    draft,
                    received: f.internal_date().map(|d| d.with_timezone(&Utc)),
                    message_id: mid,
                });
            }
        }
        meta.sort_by_key(|m| m.uid);
        let (small, large): (Vec<_>, Vec<_>) =
            meta.iter().partition(|m| m.size <= FULL_FETCH_LIMIT);
        let mut raw: std::collections::HashMap<u32, Vec<u8>> = Default::default();
        for (part, which) in [(&small, "BODY.PEEK[]"), (&large, "BODY.PEEK[HEADER]")] {
            if part.is_empty() {
                continue;
            }
            let set = ids::uid_set(&part.iter().map(|m| m.uid).collect::<Vec<_>>());
            let mut fetches = self
                .s
                .uid_fetch(&set, format!("(UID {which})"))
                .await
                .map_err(|e| io("UID FETCH", e))?;
            while let Some(f) = fetches.next().await {
                let f = f.map_err(|e| io("UID FETCH", e))?;
                if let Some(uid) = f.uid {
                    let bytes = f.body().or_else(|| f.header()).unwrap_or_default();
                    raw.insert(uid, bytes.to_vec());
                }
            }
        }
        Ok(meta
            .into_iter()
            .map(|f| {
                let Fetched {
                    uid,
                    size,
                    draft,
                    received,
                    message_id,
                } = f;
                let key = MessageKey {
                    uidvalidity: validity,
                    uid,
                    message_id,
                };
                let id = key.encode();
                let Some(bytes) = raw.get(&uid) else {
                    return Err(BadMessage {
                        mailbox_id: id,
                        error: "the server gave no content for it".into(),
                        permanent: false,
                    });
                };
                let mut m = parse::parse_message(&id, bytes, received)?;
                m.is_draft = draft;
                if size > FULL_FETCH_LIMIT {
                    m.body_text = format!(
                        "(the message is {} MB; its body was not read)",
                        size / (1024 * 1024)
                    );
                }
                Ok(m)
            })
            .collect())
    }

    /// Moves messages to `folder`: those the run read in this INBOX view in
    /// one command, then checks which are still there and moves or finds
    /// those one by one. One outcome per key, in order.
    async fn move_batch(
        &mut self,
        keys: &[MessageKey],
        folder: Folder,
    ) -> Result<Vec<Result<Moved, MailError>>, MailError> {
        let to = self.folder(folder);
        self.ensure(&to).await?;
        let validity = self.select(INBOX).await?;
        let here: Vec<u32> = keys
            .iter()
            .filter(|k| k.uidvalidity == validity)
            .map(|k| k.uid)
            .collect();
        let mut left: std::collections::HashSet<u32> = Default::default();
        if !here.is_empty() {
            let mut sorted = here.clone();
            sorted.sort_unstable();
            let set = ids::uid_set(&sorted);
            self.move_set(INBOX, &set, &to).await?;
            left = self
                .search(&format!("UID {set} UNDELETED"))
                .await?
                .into_iter()
                .collect();
        }
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let moved = Moved {
                new_id: k.encode(),
                web_link: String::new(),
            };
            if k.uidvalidity == validity && !left.contains(&k.uid) {
                out.push(Ok(moved));
                continue;
            }
            // Still in the INBOX, or from another view: one by one.
            let r = match self.locate(k).await {
                Ok((from, _)) if from.eq_ignore_ascii_case(&to) => Ok(moved),
                Ok((from, uid)) => match self.move_uid(&from, uid, &to).await {
                    Ok(true) => Ok(moved),
                    Ok(false) => Err(MailError::Gone(format!(
                        "message {} went from {from} while it was being moved",
                        k.display()
                    ))),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if matches!(r, Err(MailError::Transient(_))) {
                return Err(r.err().unwrap_or(MailError::Transient(String::new())));
            }
            out.push(r);
        }
        Ok(out)
    }

    /// UID MOVE of a set, or COPY + \Deleted + UID EXPUNGE; returns how
    /// many messages left `from` (a UID no longer there moves nothing,
    /// without an error). Without UIDPLUS, EXPUNGE would remove every
    /// \Deleted message of the folder: the originals stay marked for the
    /// server's own cleanup, and each range of the set counts as moved.
    async fn move_set(&mut self, from: &str, set: &str, to: &str) -> Result<usize, MailError> {
        self.select(from).await?;
        self.drain_unsolicited();
        if self.can_move {
            self.s
                .uid_mv(set, to)
                .await
                .map_err(|e| io(&format!("UID MOVE to {to}"), e))?;
            // A moved message is expunged from where it was (RFC 6851).
            return Ok(self.drain_unsolicited());
        }
        self.s
            .uid_copy(set, to)
            .await
            .map_err(|e| io(&format!("UID COPY to {to}"), e))?;
        {
            let mut st = self
                .s
                .uid_store(set, "+FLAGS.SILENT (\\Deleted)")
                .await
                .map_err(|e| io("UID STORE", e))?;
            while st.next().await.is_some() {}
        }
        if !self.can_uidplus {
            tracing::warn!(
                "the IMAP server has neither MOVE nor UIDPLUS: moved messages stay marked \\Deleted in {from}"
            );
            self.drain_unsolicited();
            return Ok(set.split(',').count());
        }
        let mut n = 0;
        {
            let ex = self
                .s
                .uid_expunge(set)
                .await
                .map_err(|e| io("UID EXPUNGE", e))?;
            futures::pin_mut!(ex);
            while let Some(r) = ex.next().await {
                n += usize::from(r.is_ok());
            }
        }
        Ok(n + self.drain_unsolicited())
    }

    /// Moves one message; whether the server moved it.
    async fn move_uid(&mut self, from: &str, uid: u32, to: &str) -> Result<bool, MailError> {
        Ok(self.move_set(from, &uid.to_string(), to).await? > 0)
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
                    let validity = l.select_fresh(INBOX).await?;
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
                    let validity = l.select_fresh(INBOX).await?;
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
                    if l.selected.as_deref() == Some(INBOX)
                        && l.uidvalidity == key.uidvalidity
                        && l.move_uid(INBOX, key.uid, &to).await?
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
            tokio::spawn(watch_inbox(self.config.clone(), tx));
            *w = Some(rx);
        }
        w.clone()
    }
}
