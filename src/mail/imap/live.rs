//! One IMAP connection and what it knows of the server (MOVE, UIDPLUS,
//! the folder selected, UIDVALIDITY, the Archive folder): the commands a
//! run sends — select, search, fetch, move or copy and expunge, create a
//! folder once — each error worded as transient or permanent.

use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::domain::MailMessage;
use crate::mail::{BadMessage, Folder, MailError, Moved};

use super::conn::ImapSession;
use super::ids::{self, MessageKey};
use super::parse;
use super::{ATTACHMENT_FETCH_LIMIT, FULL_FETCH_LIMIT};

/// What a first, light FETCH says of a message.
pub(super) struct Fetched {
    pub(super) uid: u32,
    pub(super) size: u32,
    pub(super) draft: bool,
    pub(super) received: Option<DateTime<Utc>>,
    pub(super) message_id: String,
}

/// A connection and what it knows of the server.
pub(super) struct Live {
    pub(super) s: ImapSession,
    pub(super) can_move: bool,
    pub(super) can_uidplus: bool,
    /// The folder selected now, if any.
    pub(super) selected: Option<String>,
    pub(super) uidvalidity: u32,
    /// The queue folder's name on the server (INBOX by default).
    pub(super) queue: String,
    /// The storage folder: the path's, the server's `\Archive`, or "Archive".
    pub(super) archive: String,
    /// The Skipped folder: the path's, or "Skipped".
    pub(super) skipped: String,
    /// Folders the setup names that are not there: (name, why). Never
    /// made by a move: a typo must not become a folder.
    pub(super) missing: Vec<(String, String)>,
    /// Folders known to exist (a LIST a move would otherwise cost).
    pub(super) ensured: Vec<String>,
}

pub(super) fn io(what: &str, e: async_imap::error::Error) -> MailError {
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

impl Live {
    pub(super) fn folder(&self, f: Folder) -> String {
        match f {
            Folder::Archive => self.archive.clone(),
            Folder::Skipped => self.skipped.clone(),
        }
    }

    pub(super) async fn select(&mut self, name: &str) -> Result<u32, MailError> {
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
    pub(super) async fn select_fresh(&mut self, name: &str) -> Result<u32, MailError> {
        if self.selected.as_deref() == Some(name) {
            self.s.noop().await.map_err(|e| io("NOOP", e))?;
        }
        self.select(name).await
    }

    pub(super) fn drain_unsolicited(&mut self) -> usize {
        let mut expunged = 0;
        while let Ok(r) = self.s.unsolicited_responses.try_recv() {
            if matches!(r, async_imap::types::UnsolicitedResponse::Expunge(_)) {
                expunged += 1;
            }
        }
        expunged
    }

    pub(super) async fn ensure(&mut self, name: &str) -> Result<(), MailError> {
        if self.ensured.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            return Ok(());
        }
        if let Some((_, why)) = self.missing.iter().find(|(n, _)| n == name) {
            return Err(MailError::NoSuchFolder(why.clone()));
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
    pub(super) async fn search(&mut self, query: &str) -> Result<Vec<u32>, MailError> {
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
    pub(super) async fn locate(&mut self, key: &MessageKey) -> Result<(String, u32), MailError> {
        let queue = self.queue.clone();
        let validity = self.select_fresh(&queue).await?;
        if validity == key.uidvalidity
            && !self.search(&format!("UID {}", key.uid)).await?.is_empty()
        {
            return Ok((queue, key.uid));
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
    pub(super) async fn read(
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
        if !small.is_empty() {
            let set = ids::uid_set(&small.iter().map(|m| m.uid).collect::<Vec<_>>());
            raw.extend(self.fetch_raw(&set, "BODY.PEEK[]").await?);
        }
        // A large message is read whole one at a time, for its
        // attachments (its body is not kept); past the attachment limit,
        // its headers only.
        let mut parsed: std::collections::HashMap<u32, Vec<crate::domain::Attachment>> =
            Default::default();
        for m in &large {
            let which = if m.size <= ATTACHMENT_FETCH_LIMIT {
                "BODY.PEEK[]"
            } else {
                "BODY.PEEK[HEADER]"
            };
            for (uid, bytes) in self.fetch_raw(&m.uid.to_string(), which).await? {
                let headers = header_section(&bytes).to_vec();
                if which == "BODY.PEEK[]"
                    && let Ok(whole) = parse::parse_message("", &bytes, None)
                {
                    parsed.insert(uid, whole.attachments);
                }
                raw.insert(uid, headers);
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
                // Read by its headers alone, a message lists no parts of
                // its own (what the header section seems to hold is not).
                match parsed.remove(&uid) {
                    Some(list) => m.attachments = list,
                    None if size > FULL_FETCH_LIMIT => m.attachments.clear(),
                    None => {}
                }
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

    /// `(UID, bytes)` of the messages `set` in the selected folder, as
    /// `which` (`BODY.PEEK[]`, `BODY.PEEK[HEADER]`) asks.
    async fn fetch_raw(
        &mut self,
        set: &str,
        which: &str,
    ) -> Result<Vec<(u32, Vec<u8>)>, MailError> {
        let mut out = Vec::new();
        let mut fetches = self
            .s
            .uid_fetch(set, format!("(UID {which})"))
            .await
            .map_err(|e| io("UID FETCH", e))?;
        while let Some(f) = fetches.next().await {
            let f = f.map_err(|e| io("UID FETCH", e))?;
            if let Some(uid) = f.uid {
                let bytes = f.body().or_else(|| f.header()).unwrap_or_default();
                out.push((uid, bytes.to_vec()));
            }
        }
        Ok(out)
    }

    /// The bytes of attachment `index` of the message `key`, wherever it
    /// is now (a message too large to read whole has none to give).
    pub(super) async fn attachment(
        &mut self,
        key: &MessageKey,
        index: usize,
    ) -> Result<Vec<u8>, MailError> {
        let (folder, uid) = self.locate(key).await?;
        self.select(&folder).await?;
        let raw = self
            .fetch_raw(&uid.to_string(), "BODY.PEEK[]")
            .await?
            .into_iter()
            .next()
            .map(|(_, b)| b)
            .ok_or_else(|| MailError::Gone("the message vanished".into()))?;
        if raw.len() > ATTACHMENT_FETCH_LIMIT as usize + 1024 * 1024 {
            return Err(MailError::Permanent(format!(
                "the message is {} MB, more than emaillog reads",
                raw.len() / 1_000_000
            )));
        }
        parse::attachment_bytes(&raw, index).ok_or_else(|| {
            MailError::Gone(format!(
                "the message no longer has attachment {}",
                index + 1
            ))
        })
    }

    /// Moves messages to `folder`: those the run read in this INBOX view in
    /// one command, then checks which are still there and moves or finds
    /// those one by one. One outcome per key, in order.
    pub(super) async fn move_batch(
        &mut self,
        keys: &[MessageKey],
        folder: Folder,
    ) -> Result<Vec<Result<Moved, MailError>>, MailError> {
        let to = self.folder(folder);
        self.ensure(&to).await?;
        let queue = self.queue.clone();
        let validity = self.select(&queue).await?;
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
            self.move_set(&queue, &set, &to).await?;
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
    pub(super) async fn move_set(
        &mut self,
        from: &str,
        set: &str,
        to: &str,
    ) -> Result<usize, MailError> {
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
    pub(super) async fn move_uid(
        &mut self,
        from: &str,
        uid: u32,
        to: &str,
    ) -> Result<bool, MailError> {
        Ok(self.move_set(from, &uid.to_string(), to).await? > 0)
    }
}

/// The header section of a raw message (up to and with the blank line).
fn header_section(raw: &[u8]) -> &[u8] {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| &raw[..i + 4])
        .or_else(|| {
            raw.windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| &raw[..i + 2])
        })
        .unwrap_or(raw)
}
