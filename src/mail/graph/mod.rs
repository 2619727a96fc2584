//! Microsoft Graph as a mail source: reads the shared mailbox's Inbox with
//! delta queries (no offsets: moving messages out while reading never skips
//! one), with only the properties a run needs, and moves messages with
//! immutable ids so a retried move can never lose track of one.

mod attachments;
pub mod client;
mod folders;
pub mod model;
pub mod pacer;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::Method;
use serde_json::{Value, json};

use crate::auth::TokenProvider;
use crate::domain::MailMessage;

use self::client::GraphClient;
use self::pacer::Pacer;
use super::{BadMessage, Folder, FolderPaths, InboxPage, MailError, MailSource, Moved};
use crate::domain::folders::FolderRole;

pub const SKIPPED_FOLDER: &str = "Skipped";
const PREFER_IMMUTABLE: &str = "IdType=\"ImmutableId\"";
const PREFER_TEXT: &str = "outlook.body-content-type=\"text\"";

/// Limits Graph enforces per app and mailbox.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub requests: usize,
    pub window: Duration,
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            requests: 10_000,
            window: Duration::from_secs(600),
            concurrency: 4,
        }
    }
}

pub struct GraphSource {
    base: url::Url,
    mailbox: String,
    pub client: GraphClient,
    paths: FolderPaths,
    skipped_folder: tokio::sync::Mutex<Option<String>>,
    storage_folder: tokio::sync::Mutex<Option<String>>,
    queue_folder: tokio::sync::Mutex<Option<String>>,
}

impl GraphSource {
    pub fn new(
        graph_url: &str,
        mailbox: &str,
        tokens: Arc<dyn TokenProvider>,
        limits: Limits,
    ) -> Result<Self, MailError> {
        let mut base = url::Url::parse(graph_url).map_err(|e| {
            MailError::Permanent(format!("Graph URL '{graph_url}' is not valid: {e}"))
        })?;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let pacer = Pacer::new(limits.requests, limits.window, limits.concurrency);
        Ok(Self {
            client: GraphClient::new(&base, tokens, pacer)?,
            base,
            mailbox: mailbox.to_string(),
            paths: FolderPaths::default(),
            skipped_folder: tokio::sync::Mutex::new(None),
            storage_folder: tokio::sync::Mutex::new(None),
            queue_folder: tokio::sync::Mutex::new(None),
        })
    }

    /// The same source reading and moving to the folders `paths` names.
    pub fn with_folders(mut self, paths: FolderPaths) -> Self {
        self.paths = paths;
        self
    }

    /// `{base}/users/{mailbox}/{segments...}`, each segment escaped.
    fn url(&self, segments: &[&str]) -> url::Url {
        let mut u = self.base.clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.pop_if_empty()
                .push("users")
                .push(&self.mailbox)
                .extend(segments);
        }
        u
    }

    async fn post_move(&self, id: &str, destination: &str) -> Result<Moved, MailError> {
        let url = self.url(&["messages", id, "move"]);
        let (_, v) = self
            .client
            .request(
                Method::POST,
                url.as_str(),
                Some(&json!({"destinationId": destination})),
                &[PREFER_IMMUTABLE],
            )
            .await?;
        Ok(Moved {
            new_id: v["id"].as_str().unwrap_or(id).to_string(),
            web_link: v["webLink"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// Graph answers a move with `404 ErrorItemNotFound` both when the
    /// message is gone and when the destination folder is: asking for the
    /// message tells the two apart.
    async fn explain_not_found(&self, id: &str, folder: Folder, detail: String) -> MailError {
        match self.locate_message(id).await {
            Ok(()) => MailError::FolderMissing { folder, detail },
            Err(MailError::Gone(_)) => MailError::Gone(detail),
            Err(e) => e,
        }
    }

    async fn locate_message(&self, id: &str) -> Result<(), MailError> {
        let mut url = self.url(&["messages", id]);
        url.query_pairs_mut().append_pair("$select", "id");
        match self
            .client
            .request(Method::GET, url.as_str(), None, &[PREFER_IMMUTABLE])
            .await
        {
            Ok(_) => Ok(()),
            Err(MailError::NotFound(d)) => Err(MailError::Gone(d)),
            Err(e) => Err(e),
        }
    }

    /// One message by id with the folder it is in.
    async fn get_message(
        &self,
        id: &str,
    ) -> Result<(Option<String>, Result<MailMessage, BadMessage>), MailError> {
        let mut url = self.url(&["messages", id]);
        url.query_pairs_mut()
            .append_pair("$select", &format!("{},parentFolderId", model::SELECT))
            .append_pair("$expand", model::EXPAND_SENSITIVITY);
        match self
            .client
            .request(
                Method::GET,
                url.as_str(),
                None,
                &[PREFER_IMMUTABLE, PREFER_TEXT],
            )
            .await
        {
            Ok((_, v)) => {
                let mut m = [model::parse_message(&v)];
                self.attach_listed(std::slice::from_ref(&v), &mut m).await?;
                let [m] = m;
                Ok((v["parentFolderId"].as_str().map(str::to_string), m))
            }
            Err(MailError::NotFound(d)) => Err(MailError::Gone(d)),
            Err(e) => Err(e),
        }
    }

    async fn move_once(&self, id: &str, folder: Folder) -> Result<Moved, MailError> {
        let destination = match folder {
            Folder::Archive => self.storage_folder_id().await?,
            Folder::Skipped => self.skipped_folder_id().await?,
        };
        match self.post_move(id, &destination).await {
            Err(MailError::NotFound(detail)) => {
                Err(self.explain_not_found(id, folder, detail).await)
            }
            other => other,
        }
    }

    /// The storage folder's id: Archive's well-known name, or the path's
    /// folder (found once; never made here: validate makes it when asked).
    pub async fn storage_folder_id(&self) -> Result<String, MailError> {
        if self.paths.storage.is_empty() {
            return Ok("archive".into());
        }
        let mut cached = self.storage_folder.lock().await;
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        let id = self
            .resolve_path(FolderRole::Storage, &self.paths.storage, false)
            .await?;
        *cached = Some(id.clone());
        Ok(id)
    }

    /// The Skipped folder's id: the path's folder, or a `Skipped` folder
    /// beside the Inbox, created on first need (found and made as any
    /// path's step is: by name in any case, made again if someone made it
    /// meanwhile).
    pub async fn skipped_folder_id(&self) -> Result<String, MailError> {
        let mut cached = self.skipped_folder.lock().await;
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        let id = if self.paths.skip.is_empty() {
            self.resolve_path(FolderRole::Skip, SKIPPED_FOLDER, true)
                .await?
        } else {
            self.resolve_path(FolderRole::Skip, &self.paths.skip, false)
                .await?
        };
        *cached = Some(id.clone());
        Ok(id)
    }

    /// The queue folder's id (the Inbox's by default), asked once.
    pub async fn queue_folder_id(&self) -> Result<String, MailError> {
        let mut cached = self.queue_folder.lock().await;
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        let id = if self.paths.queue.is_empty() {
            self.well_known_id("inbox").await?
        } else {
            self.resolve_path(FolderRole::Queue, &self.paths.queue, false)
                .await?
        };
        *cached = Some(id.clone());
        Ok(id)
    }

    /// The queue folder as a URL segment: `inbox`, or its id.
    async fn queue_segment(&self) -> Result<String, MailError> {
        if self.paths.queue.is_empty() {
            Ok("inbox".into())
        } else {
            self.queue_folder_id().await
        }
    }

    /// Whether a folder (well-known name or id) can be read.
    pub async fn check_folder(&self, folder: &str) -> Result<(), MailError> {
        let url = self.url(&["mailFolders", folder]);
        self.client
            .request(Method::GET, url.as_str(), None, &[])
            .await
            .map(|_| ())
    }

    /// The first request of a pass: a delta query on the queue folder.
    async fn delta_start(&self) -> Result<url::Url, MailError> {
        let queue = self.queue_segment().await?;
        let mut url = self.url(&["mailFolders", &queue, "messages", "delta"]);
        url.query_pairs_mut()
            .append_pair("$select", model::SELECT)
            .append_pair("$expand", model::EXPAND_SENSITIVITY);
        Ok(url)
    }
}

/// Delta answers carry `@removed` entries for messages that left the
/// folder (the ones this engine moved, mostly): nothing to do for those.
pub(crate) fn page_of(v: &Value) -> Result<InboxPage, MailError> {
    let Some(items) = v.get("value").and_then(Value::as_array) else {
        return Err(MailError::Transient(
            "the Inbox listing had no 'value' array".into(),
        ));
    };
    let next = v.get("@odata.nextLink").and_then(Value::as_str);
    let delta = v.get("@odata.deltaLink").and_then(Value::as_str);
    let (cursor, more) = match (next, delta) {
        (Some(n), _) => (n.to_string(), true),
        (None, Some(d)) => (d.to_string(), false),
        (None, None) => {
            return Err(MailError::Transient(
                "the Inbox delta answer had neither a nextLink nor a deltaLink".into(),
            ));
        }
    };
    Ok(InboxPage {
        messages: items
            .iter()
            .filter(|i| i.get("@removed").is_none())
            .map(model::parse_message)
            .collect(),
        cursor,
        more,
    })
}

impl MailSource for GraphSource {
    fn read_inbox<'a>(
        &'a self,
        cursor: Option<&'a str>,
        top: usize,
    ) -> BoxFuture<'a, Result<InboxPage, MailError>> {
        Box::pin(async move {
            let url = match cursor {
                Some(c) => {
                    // A kept link of another origin is never followed: the
                    // pass starts again from the Inbox (nothing logs twice).
                    if let Err(e) = self.client.check_origin(c) {
                        return Err(MailError::CursorExpired(e.to_string()));
                    }
                    c.to_string()
                }
                None => self.delta_start().await?.to_string(),
            };
            let page_size = format!("odata.maxpagesize={}", top.clamp(1, 1000));
            let (_, v) = self
                .client
                .request(
                    Method::GET,
                    &url,
                    None,
                    &[PREFER_IMMUTABLE, PREFER_TEXT, &page_size],
                )
                .await?;
            let mut page = page_of(&v)?;
            if let Some(items) = v.get("value").and_then(Value::as_array) {
                self.attach_listed(items, &mut page.messages).await?;
            }
            // Checked before the engine keeps it as the read cursor.
            self.client
                .check_origin(&page.cursor)
                .map_err(|e| MailError::Permanent(format!("{e}; the link was not kept")))?;
            Ok(page)
        })
    }

    fn fetch<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>> {
        Box::pin(async move {
            let inbox = self.queue_folder_id().await?;
            // Ids are the mailbox's, not the folder's: one in another
            // folder is no longer the Inbox's business.
            match self.get_message(id).await? {
                (Some(folder), _) if folder != inbox => Err(MailError::Gone(
                    "the message is no longer in the Inbox".into(),
                )),
                (_, m) => Ok(m),
            }
        })
    }

    fn fetch_anywhere<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>> {
        Box::pin(async move { self.get_message(id).await.map(|(_, m)| m) })
    }

    fn move_to<'a>(
        &'a self,
        id: &'a str,
        folder: Folder,
    ) -> BoxFuture<'a, Result<Moved, MailError>> {
        Box::pin(async move {
            match self.move_once(id, folder).await {
                // A deleted Skipped folder whose id was cached: find or
                // create it again, once.
                Err(MailError::FolderMissing {
                    folder: Folder::Skipped,
                    ..
                }) => {
                    *self.skipped_folder.lock().await = None;
                    self.move_once(id, folder).await
                }
                // A storage folder moved or renamed since its id was kept:
                // found by its path again, once.
                Err(MailError::FolderMissing {
                    folder: Folder::Archive,
                    ..
                }) if !self.paths.storage.is_empty() => {
                    *self.storage_folder.lock().await = None;
                    self.move_once(id, folder).await
                }
                other => other,
            }
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let url = self.url(&["messages", id]);
            match self
                .client
                .request(Method::DELETE, url.as_str(), None, &[PREFER_IMMUTABLE])
                .await
            {
                Ok(_) | Err(MailError::NotFound(_)) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    fn attachment<'a>(
        &'a self,
        id: &'a str,
        attachment: &'a str,
    ) -> BoxFuture<'a, Result<Vec<u8>, MailError>> {
        Box::pin(self.attachment_bytes(id, attachment))
    }

    fn locate<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(self.locate_message(id))
    }

    fn inbox_count(&self) -> BoxFuture<'_, Result<Option<u64>, MailError>> {
        Box::pin(async move {
            let queue = self.queue_segment().await?;
            let mut url = self.url(&["mailFolders", &queue]);
            url.query_pairs_mut()
                .append_pair("$select", "totalItemCount");
            let (_, v) = self
                .client
                .request(Method::GET, url.as_str(), None, &[])
                .await?;
            Ok(v["totalItemCount"].as_u64())
        })
    }

    fn account(&self) -> String {
        self.client.account()
    }

    fn throttle_notes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.client.notes.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_page_drops_removed_entries_and_keeps_its_link() {
        let p = page_of(&json!({
            "value": [{"id": "a", "subject": "x"}, {"id": "b", "@removed": {"reason": "deleted"}}],
            "@odata.nextLink": "https://graph.example/next"
        }))
        .unwrap();
        assert_eq!(p.messages.len(), 1);
        assert!(p.more);
        assert_eq!(p.cursor, "https://graph.example/next");
        let last =
            page_of(&json!({"value": [], "@odata.deltaLink": "https://graph.example/d"})).unwrap();
        assert!(!last.more);
        assert_eq!(last.cursor, "https://graph.example/d");
    }

    #[test]
    fn a_delta_page_without_a_link_is_an_error_not_the_end() {
        assert!(matches!(
            page_of(&json!({"value": []})),
            Err(MailError::Transient(_))
        ));
    }
}
