//! Graph's message JSON, turned into the engine's [`MailMessage`]. Anything
//! missing is defaulted; anything of the wrong shape makes the message bad,
//! never the page.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::{MailMessage, Recipient};
use crate::mail::BadMessage;

/// The properties a run needs, and no more.
pub const SELECT: &str = "id,internetMessageId,conversationId,subject,isDraft,sentDateTime,receivedDateTime,sender,from,toRecipients,ccRecipients,body,webLink,internetMessageHeaders,hasAttachments";
/// What the log keeps of an attachment (never its bytes).
pub const ATTACHMENT_SELECT: &str = "id,name,contentType,size,isInline";
/// PR_SENSITIVITY, to leave private and confidential mail out.
pub const EXPAND_SENSITIVITY: &str =
    "singleValueExtendedProperties($filter=id eq 'Integer 0x0036')";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GraphMessage {
    id: String,
    internet_message_id: Option<String>,
    conversation_id: Option<String>,
    subject: Option<String>,
    is_draft: Option<bool>,
    sent_date_time: Option<DateTime<Utc>>,
    received_date_time: Option<DateTime<Utc>>,
    sender: Option<GraphRecipient>,
    from: Option<GraphRecipient>,
    to_recipients: Option<Vec<GraphRecipient>>,
    cc_recipients: Option<Vec<GraphRecipient>>,
    body: Option<GraphBody>,
    web_link: Option<String>,
    internet_message_headers: Option<Vec<GraphHeader>>,
    single_value_extended_properties: Option<Vec<GraphProperty>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GraphRecipient {
    email_address: Option<GraphAddress>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GraphAddress {
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GraphBody {
    content: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GraphHeader {
    name: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GraphProperty {
    id: String,
    value: Option<String>,
}

fn recipient(r: GraphRecipient) -> Option<Recipient> {
    let a = r.email_address?;
    Some(Recipient {
        name: a.name.unwrap_or_default(),
        address: a.address.unwrap_or_default(),
    })
}

/// One item of a page's `value` array.
pub fn parse_message(item: &Value) -> Result<MailMessage, BadMessage> {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let m: GraphMessage = serde_json::from_value(item.clone()).map_err(|e| BadMessage {
        mailbox_id: id.clone(),
        error: format!("message JSON not understood: {e}"),
        permanent: false,
    })?;
    if m.id.is_empty() {
        return Err(BadMessage {
            mailbox_id: id,
            error: "message has no id".into(),
            permanent: false,
        });
    }
    let sensitivity = m
        .single_value_extended_properties
        .unwrap_or_default()
        .into_iter()
        .find_map(|p| {
            let tag = p.id.split_whitespace().nth(1)?;
            let n = u32::from_str_radix(tag.trim_start_matches("0x").trim_start_matches("0X"), 16)
                .ok()?;
            if n == 0x36 {
                p.value?.trim().parse::<i64>().ok()
            } else {
                None
            }
        });
    Ok(MailMessage {
        mailbox_id: m.id,
        internet_message_id: m.internet_message_id.unwrap_or_default(),
        conversation_id: m.conversation_id.unwrap_or_default(),
        subject: m.subject.unwrap_or_default(),
        is_draft: m.is_draft.unwrap_or(false),
        // `from` (on whose behalf it was sent), else `sender` (SPEC §2.3).
        sender: m
            .from
            .and_then(recipient)
            .filter(|r| !r.address.trim().is_empty())
            .or_else(|| {
                m.sender
                    .and_then(recipient)
                    .filter(|r| !r.address.trim().is_empty())
            }),
        to: m
            .to_recipients
            .unwrap_or_default()
            .into_iter()
            .filter_map(recipient)
            .collect(),
        cc: m
            .cc_recipients
            .unwrap_or_default()
            .into_iter()
            .filter_map(recipient)
            .collect(),
        sent_at: m.sent_date_time,
        received_at: m.received_date_time,
        sensitivity,
        headers: m
            .internet_message_headers
            .unwrap_or_default()
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect(),
        body_text: m.body.and_then(|b| b.content).unwrap_or_default(),
        web_link: m.web_link.unwrap_or_default(),
        attachments: Vec::new(),
    })
}

/// Whether a listed message has attachments worth asking for: Graph's
/// `hasAttachments` says so for files, and an inline image shows in the
/// text body as `[cid:…]` (`hasAttachments` is false when every
/// attachment is inline).
pub fn has_attachments(item: &Value) -> bool {
    item.get("hasAttachments").and_then(Value::as_bool) == Some(true)
        || item
            .pointer("/body/content")
            .and_then(Value::as_str)
            .is_some_and(|b| b.contains("[cid:"))
}

/// A page of `/messages/{id}/attachments` as the log keeps them.
pub fn parse_attachments(v: &Value) -> Vec<crate::domain::Attachment> {
    v.get("value")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let id = a.get("id").and_then(Value::as_str)?;
            let text = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or_default();
            Some(crate::domain::Attachment::new(
                id.to_string(),
                text("name"),
                text("contentType"),
                a.get("size").and_then(Value::as_i64).unwrap_or(0),
                a.get("isInline").and_then(Value::as_bool).unwrap_or(false),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_graph_message_becomes_a_mail_message() {
        let m = parse_message(&json!({
            "id": "AAk1", "internetMessageId": "<a@b>", "subject": "Hi", "isDraft": false,
            "receivedDateTime": "2024-05-01T10:00:05Z", "sentDateTime": "2024-05-01T10:00:00Z",
            "from": {"emailAddress": {"name": "A", "address": "a@x.example"}},
            "toRecipients": [{"emailAddress": {"name": "B", "address": "b@y.example"}}],
            "internetMessageHeaders": [{"name": "Auto-Submitted", "value": "auto-replied"}],
            "singleValueExtendedProperties": [{"id": "Integer 0x36", "value": "2"}],
            "body": {"contentType": "text", "content": "hello"}
        }))
        .unwrap();
        assert_eq!(m.sensitivity, Some(2));
        assert_eq!(m.sender.as_ref().unwrap().address, "a@x.example");
        assert_eq!(m.header("auto-submitted"), Some("auto-replied"));
        assert_eq!(m.body_text, "hello");
    }

    #[test]
    fn the_sender_is_from_on_whose_behalf_it_was_sent_else_sender() {
        let both = parse_message(&json!({
            "id": "1",
            "from": {"emailAddress": {"address": "boss@fabrikam.example"}},
            "sender": {"emailAddress": {"address": "assistant@fabrikam.example"}}
        }))
        .unwrap();
        assert_eq!(both.sender.unwrap().address, "boss@fabrikam.example");
        let only_sender = parse_message(&json!({
            "id": "2",
            "from": {"emailAddress": {"address": ""}},
            "sender": {"emailAddress": {"address": "assistant@fabrikam.example"}}
        }))
        .unwrap();
        assert_eq!(
            only_sender.sender.unwrap().address,
            "assistant@fabrikam.example"
        );
    }

    #[test]
    fn a_wrongly_shaped_message_is_bad_but_keeps_its_id() {
        let bad = parse_message(&json!({"id": "AAk2", "toRecipients": "everyone"})).unwrap_err();
        assert_eq!(bad.mailbox_id, "AAk2");
    }
}
