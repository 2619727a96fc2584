//! The queue, storage and Skipped folders of a Graph mailbox, found by
//! path through the folder hierarchy (`mailFolders/{id}/childFolders` by
//! `displayName`, any case as Outlook), a first step that is a well-known
//! name being that folder. Ids are asked once per source and kept.

use reqwest::Method;
use serde_json::{Value, json};

use crate::domain::folders::{FolderRole, steps, well_known};

use super::GraphSource;
use crate::mail::{FolderEntry, MailError};

/// Folders one listing may name before it is cut short (pages of 100).
const MAX_LISTED: usize = 1000;

/// OData's string literal: single quotes doubled.
fn literal(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

impl GraphSource {
    /// `mailFolders` (the top) or `mailFolders/{parent}/childFolders`.
    fn children_url(&self, parent: Option<&str>) -> url::Url {
        match parent {
            None => self.url(&["mailFolders"]),
            Some(p) => self.url(&["mailFolders", p, "childFolders"]),
        }
    }

    /// The id of the folder named `name` right under `parent`, if any.
    async fn child_named(
        &self,
        parent: Option<&str>,
        name: &str,
    ) -> Result<Option<String>, MailError> {
        let mut url = self.children_url(parent);
        url.query_pairs_mut()
            .append_pair("$filter", &format!("displayName eq {}", literal(name)))
            .append_pair("$select", "id,displayName");
        let (_, v) = self
            .client
            .request(Method::GET, url.as_str(), None, &[])
            .await?;
        Ok(v["value"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| {
                f["displayName"]
                    .as_str()
                    .is_some_and(|d| same_name(d, name))
            })
            .and_then(|f| f["id"].as_str())
            .map(str::to_string))
    }

    /// The folder step `i` of a path names under `parent`: a first step that
    /// is a well-known name is that folder, in any language.
    async fn step_id(
        &self,
        i: usize,
        parent: Option<&str>,
        step: &str,
    ) -> Result<Option<String>, MailError> {
        match (i, well_known(step)) {
            (0, Some(wk)) => Ok(Some(self.well_known_id(wk).await?)),
            _ => self.child_named(parent, step).await,
        }
    }

    /// The folders right under `parent` (at most 1,000, pages of 100), in
    /// the service's order; names made safe to show.
    async fn children(&self, parent: Option<&str>) -> Result<Vec<FolderEntry>, MailError> {
        let mut url = self.children_url(parent);
        url.query_pairs_mut()
            .append_pair("$select", "displayName,childFolderCount,totalItemCount")
            .append_pair("$top", "100");
        let mut next = Some(url.to_string());
        let mut found = Vec::new();
        while let Some(u) = next.take() {
            self.client
                .check_origin(&u)
                .map_err(|e| MailError::Permanent(e.to_string()))?;
            let (_, v) = self.client.request(Method::GET, &u, None, &[]).await?;
            found.extend(v["value"].as_array().into_iter().flatten().filter_map(|f| {
                Some(FolderEntry {
                    name: crate::domain::text::one_line(f["displayName"].as_str()?),
                    children: f["childFolderCount"].as_u64().is_none_or(|n| n > 0),
                    messages: f["totalItemCount"].as_u64(),
                })
            }));
            if found.len() < MAX_LISTED {
                next = v["@odata.nextLink"].as_str().map(str::to_string);
            }
        }
        found.truncate(MAX_LISTED);
        Ok(found)
    }

    /// The names of the folders right under `parent`, to say what is there
    /// when a step of a path is not.
    pub async fn folder_names(&self, parent: Option<&str>) -> Result<Vec<String>, MailError> {
        Ok(self
            .children(parent)
            .await?
            .into_iter()
            .map(|f| f.name)
            .collect())
    }

    /// The folders under the folder `path` names (its steps; none: the top
    /// of the mailbox), for the folder picker. A step that is not there is
    /// `NoSuchFolder`.
    pub async fn browse(&self, path: &[String]) -> Result<Vec<FolderEntry>, MailError> {
        let mut parent: Option<String> = None;
        for (i, step) in path.iter().enumerate() {
            let found = self.step_id(i, parent.as_deref(), step).await?;
            parent = Some(found.ok_or_else(|| {
                MailError::NoSuchFolder(format!(
                    "{} has no folder '{}' (any more)",
                    if i == 0 {
                        "the top of the mailbox".to_string()
                    } else {
                        path[..i].join("/")
                    },
                    crate::domain::text::one_line(step)
                ))
            })?);
        }
        self.children(parent.as_deref()).await
    }

    async fn create_child(&self, parent: Option<&str>, name: &str) -> Result<String, MailError> {
        let url = self.children_url(parent);
        match self
            .client
            .request(
                Method::POST,
                url.as_str(),
                Some(&json!({"displayName": name})),
                &[],
            )
            .await
        {
            Ok((_, v)) => id_of(&v),
            // Made meanwhile by someone else: it is there now.
            Err(MailError::Conflict(_)) => self.child_named(parent, name).await?.ok_or_else(|| {
                MailError::Transient(format!("the folder {name} was made and is gone"))
            }),
            Err(e) => Err(e),
        }
    }

    /// A well-known folder's id.
    pub(super) async fn well_known_id(&self, name: &str) -> Result<String, MailError> {
        let mut url = self.url(&["mailFolders", name]);
        url.query_pairs_mut().append_pair("$select", "id");
        let (_, v) = self
            .client
            .request(Method::GET, url.as_str(), None, &[])
            .await?;
        id_of(&v)
    }

    /// The id of the folder `path` names for `role`, making missing steps
    /// when `create` (never for the queue). A missing step is
    /// `NoSuchFolder`, saying which folders are at that level.
    pub async fn resolve_path(
        &self,
        role: FolderRole,
        path: &str,
        create: bool,
    ) -> Result<String, MailError> {
        let create = create && role != FolderRole::Queue;
        let mut parent: Option<String> = None;
        let mut walked: Vec<&str> = Vec::new();
        for (i, step) in steps(path).into_iter().enumerate() {
            let found = self.step_id(i, parent.as_deref(), step).await?;
            let id = match found {
                Some(id) => id,
                None if create => self.create_child(parent.as_deref(), step).await?,
                None => {
                    let names = self
                        .folder_names(parent.as_deref())
                        .await
                        .unwrap_or_default();
                    let at = if walked.is_empty() {
                        "the top of the mailbox".to_string()
                    } else {
                        walked.join("/")
                    };
                    return Err(MailError::NoSuchFolder(format!(
                        "the {} {path} is not there: {at} has no folder '{step}' (its folders: {}); {}",
                        role.label(),
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        },
                        role.path_fix()
                    )));
                }
            };
            walked.push(step);
            parent = Some(id);
        }
        parent.ok_or_else(|| MailError::NoSuchFolder(format!("the {} path is empty", role.label())))
    }

    /// Whether the queue folder is one mail must never be read from (Junk,
    /// Deleted Items, Drafts, Sent Items, Outbox), by id: its name may be
    /// anything in another language.
    pub async fn forbidden_queue(&self, queue_id: &str) -> Result<Option<&'static str>, MailError> {
        for wk in ["junkemail", "deleteditems", "drafts", "sentitems", "outbox"] {
            match self.well_known_id(wk).await {
                Ok(id) if id == queue_id => return Ok(Some(wk)),
                Ok(_) | Err(MailError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

fn id_of(v: &Value) -> Result<String, MailError> {
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| MailError::Transient("a folder answer had no id".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_for_odata_and_compared_in_any_case() {
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert!(same_name("KØ", "kø"));
        assert!(!same_name("Queue", "Queues"));
    }
}
