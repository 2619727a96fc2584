//! Microsoft Graph as a mail source: lists the shared mailbox's Inbox with
//! only the properties a run needs, and moves messages with immutable ids so
//! a retried move can never lose track of one.

pub mod client;
pub mod model;
pub mod pacer;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::Method;
use serde_json::{Value, json};

use crate::auth::TokenProvider;

use self::client::GraphClient;
use self::pacer::Pacer;
use super::{InboxPage, MailError, MailSource, Moved};

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
    skipped_folder: tokio::sync::Mutex<Option<String>>,
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
            base,
            mailbox: mailbox.to_string(),
            client: GraphClient::new(tokens, pacer),
            skipped_folder: tokio::sync::Mutex::new(None),
        })
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

    async fn move_to(&self, id: &str, destination: &str) -> Result<Moved, MailError> {
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

    /// The Skipped folder's id, created on first need.
    pub async fn skipped_folder_id(&self) -> Result<String, MailError> {
        let mut cached = self.skipped_folder.lock().await;
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        for _ in 0..2 {
            let mut url = self.url(&["mailFolders"]);
            url.query_pairs_mut()
                .append_pair("$filter", &format!("displayName eq '{SKIPPED_FOLDER}'"));
            let (_, v) = self
                .client
                .request(Method::GET, url.as_str(), None, &[])
                .await?;
            if let Some(id) = v["value"].get(0).and_then(|f| f["id"].as_str()) {
                *cached = Some(id.to_string());
                return Ok(id.to_string());
            }
            let create = self.url(&["mailFolders"]);
            match self
                .client
                .request(
                    Method::POST,
                    create.as_str(),
                    Some(&json!({"displayName": SKIPPED_FOLDER})),
                    &[],
                )
                .await
            {
                Ok((_, v)) => {
                    if let Some(id) = v["id"].as_str() {
                        *cached = Some(id.to_string());
                        return Ok(id.to_string());
                    }
                }
                // 409: someone created it meanwhile; look again.
                Err(MailError::Permanent(e)) if e.contains("409") => {}
                Err(e) => return Err(e),
            }
        }
        Err(MailError::Permanent(format!(
            "cannot find or create the {SKIPPED_FOLDER} folder"
        )))
    }
}

impl GraphSource {
    /// Whether a folder (well-known name or id) can be read.
    pub async fn check_folder(&self, folder: &str) -> Result<(), MailError> {
        let url = self.url(&["mailFolders", folder]);
        self.client
            .request(Method::GET, url.as_str(), None, &[])
            .await
            .map(|_| ())
    }
}

impl MailSource for GraphSource {
    fn list_inbox(&self, offset: usize, top: usize) -> BoxFuture<'_, Result<InboxPage, MailError>> {
        Box::pin(async move {
            let mut url = self.url(&["mailFolders", "inbox", "messages"]);
            url.query_pairs_mut()
                .append_pair("$top", &top.clamp(1, 1000).to_string())
                .append_pair("$skip", &offset.to_string())
                .append_pair("$orderby", "receivedDateTime asc")
                .append_pair("$select", model::SELECT)
                .append_pair("$expand", model::EXPAND_SENSITIVITY);
            let (_, v) = self
                .client
                .request(
                    Method::GET,
                    url.as_str(),
                    None,
                    &[PREFER_IMMUTABLE, PREFER_TEXT],
                )
                .await?;
            let Some(items) = v.get("value").and_then(Value::as_array) else {
                return Err(MailError::Transient(
                    "the Inbox listing had no 'value' array".into(),
                ));
            };
            Ok(InboxPage {
                messages: items.iter().map(model::parse_message).collect(),
                has_more: v.get("@odata.nextLink").is_some_and(Value::is_string),
            })
        })
    }

    fn move_to_archive<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Moved, MailError>> {
        Box::pin(self.move_to(id, "archive"))
    }

    fn move_to_skipped<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Moved, MailError>> {
        Box::pin(async move {
            let folder = self.skipped_folder_id().await?;
            self.move_to(id, &folder).await
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

    fn account(&self) -> String {
        self.client.account()
    }
}
