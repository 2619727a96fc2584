//! A message's attachments through Graph: listed with `$select` (name,
//! type, size, inline; never the bytes) for the messages that have any,
//! and one fetched on demand (`/$value`) when a user saves it.

use reqwest::Method;
use serde_json::Value;

use super::{GraphSource, PREFER_IMMUTABLE, model};
use crate::domain::MailMessage;
use crate::domain::message::{Attachment, MAX_ATTACHMENTS};
use crate::mail::{BadMessage, MailError};

/// Pages of an attachment listing followed at most.
const MAX_PAGES: usize = 5;
/// The largest attachment saved: Exchange Online takes at most 150 MB.
pub const MAX_ATTACHMENT_BYTES: usize = 160 * 1000 * 1000;

impl GraphSource {
    /// What is attached to message `id`, at most [`MAX_ATTACHMENTS`].
    pub async fn list_attachments(&self, id: &str) -> Result<Vec<Attachment>, MailError> {
        let mut url = self.url(&["messages", id, "attachments"]);
        url.query_pairs_mut()
            .append_pair("$select", model::ATTACHMENT_SELECT);
        let mut next = Some(url.to_string());
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let Some(u) = next.take() else { break };
            let (_, v) = self
                .client
                .request(Method::GET, &u, None, &[PREFER_IMMUTABLE])
                .await?;
            out.extend(model::parse_attachments(&v));
            if out.len() >= MAX_ATTACHMENTS {
                break;
            }
            next = v
                .get("@odata.nextLink")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        out.truncate(MAX_ATTACHMENTS);
        Ok(out)
    }

    /// Fills in the attachments of the messages of a listing that have
    /// any (`items`: the listing's JSON, where Graph says so). A message
    /// gone meanwhile keeps none; one whose listing the service refuses
    /// is a bad message (counted, retried, set aside after its attempts);
    /// an outage fails the whole read, so no message is blamed for it.
    pub(crate) async fn attach_listed(
        &self,
        items: &[Value],
        messages: &mut [Result<MailMessage, BadMessage>],
    ) -> Result<(), MailError> {
        let wanted: std::collections::HashSet<&str> = items
            .iter()
            .filter(|i| model::has_attachments(i))
            .filter_map(|i| i.get("id").and_then(Value::as_str))
            .collect();
        for slot in messages.iter_mut() {
            let Ok(m) = slot else { continue };
            if !wanted.contains(m.mailbox_id.as_str()) {
                continue;
            }
            match self.list_attachments(&m.mailbox_id).await {
                Ok(list) => m.attachments = list,
                Err(MailError::NotFound(_) | MailError::Gone(_)) => {}
                Err(MailError::Permanent(e)) => {
                    *slot = Err(BadMessage {
                        mailbox_id: m.mailbox_id.clone(),
                        error: format!("its attachments could not be listed: {e}"),
                        permanent: false,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The bytes of attachment `attachment` of message `id`.
    pub async fn attachment_bytes(&self, id: &str, attachment: &str) -> Result<Vec<u8>, MailError> {
        let url = self.url(&["messages", id, "attachments", attachment, "$value"]);
        match self
            .client
            .download(url.as_str(), &[PREFER_IMMUTABLE], MAX_ATTACHMENT_BYTES)
            .await
        {
            Err(MailError::NotFound(d)) => Err(MailError::Gone(format!(
                "the message or its attachment is no longer in the mailbox ({d})"
            ))),
            other => other,
        }
    }
}
