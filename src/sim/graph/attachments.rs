//! A message's attachments as Exchange serves them: listed
//! (`/messages/{id}/attachments`, `$select` honoured), one by id with its
//! `contentBytes`, and its raw bytes (`/$value`). They are kept beside the
//! message, by its seq, so a move keeps them and a listing of messages
//! never carries their bytes.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::ids;
use crate::sim::mailbox::Mailbox;

/// One file attachment (Graph's `fileAttachment`).
#[derive(Debug, Clone)]
pub struct SimAttachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub bytes: Arc<Vec<u8>>,
    pub inline: bool,
    pub content_id: Option<String>,
}

impl SimAttachment {
    pub fn new(name: &str, content_type: &str, bytes: Vec<u8>, inline: bool) -> Self {
        SimAttachment {
            id: format!("AAMkAtt{}", ids::opaque_token(24)),
            name: name.to_string(),
            content_type: content_type.to_string(),
            bytes: Arc::new(bytes),
            inline,
            content_id: None,
        }
    }

    /// Its JSON, with or without the bytes.
    fn json(&self, with_bytes: bool) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.fileAttachment"),
        );
        m.insert("id".into(), json!(self.id));
        m.insert("name".into(), json!(self.name));
        m.insert("contentType".into(), json!(self.content_type));
        m.insert("size".into(), json!(self.bytes.len()));
        m.insert("isInline".into(), json!(self.inline));
        m.insert("lastModifiedDateTime".into(), json!("2026-01-01T00:00:00Z"));
        m.insert("contentId".into(), json!(self.content_id));
        if with_bytes {
            m.insert("contentBytes".into(), json!(STANDARD.encode(&*self.bytes)));
        }
        m
    }
}

fn bad(message: &str) -> SimResponse {
    graph_error(400, "BadRequest", message)
}

fn not_found() -> SimResponse {
    graph_error(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// The `attachments` of a message posted to the control API: an array of
/// `{name, contentType, contentBytes (base64), isInline, contentId}`.
pub fn parse_new(v: &Value) -> Result<Vec<SimAttachment>, SimResponse> {
    let Some(items) = v.as_array() else {
        return Err(bad("attachments must be an array."));
    };
    items
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let name = a
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(&format!("attachment {n} needs a string 'name'.")))?;
            let bytes = a
                .get("contentBytes")
                .and_then(Value::as_str)
                .map(|b| STANDARD.decode(b.trim()))
                .transpose()
                .map_err(|_| bad(&format!("attachment {n}: contentBytes is not base64.")))?
                .unwrap_or_default();
            let ct = a
                .get("contentType")
                .and_then(Value::as_str)
                .unwrap_or("application/octet-stream");
            let inline = a.get("isInline").and_then(Value::as_bool).unwrap_or(false);
            let mut att = SimAttachment::new(name, ct, bytes, inline);
            att.content_id = a
                .get("contentId")
                .and_then(Value::as_str)
                .map(str::to_string);
            Ok(att)
        })
        .collect()
}

fn message_seq(mb: &Mailbox, id: &str) -> Option<u64> {
    mb.by_id.get(id).copied()
}

/// `GET …/messages/{id}/attachments`: every attachment, the properties
/// `$select` names (and `id`), the bytes only when nothing is selected.
pub fn list(mb: &Mailbox, req: &SimRequest, id: &str) -> SimResponse {
    let Some(seq) = message_seq(mb, id) else {
        return not_found();
    };
    let select: Option<Vec<String>> = req.query_value("$select").map(|s| {
        s.split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    });
    let value: Vec<Value> = mb
        .attachments
        .get(&seq)
        .into_iter()
        .flatten()
        .map(|a| {
            let mut m = a.json(select.is_none());
            if let Some(sel) = &select {
                m.retain(|k, _| k == "id" || k == "@odata.type" || sel.iter().any(|s| s == k));
            }
            Value::Object(m)
        })
        .collect();
    SimResponse::json(200, json!({ "value": value }))
}

fn find<'a>(mb: &'a Mailbox, id: &str, att: &str) -> Option<&'a SimAttachment> {
    let seq = message_seq(mb, id)?;
    mb.attachments.get(&seq)?.iter().find(|a| a.id == att)
}

/// `GET …/messages/{id}/attachments/{aid}`: with its `contentBytes`.
pub fn get(mb: &Mailbox, id: &str, att: &str) -> SimResponse {
    match find(mb, id, att) {
        Some(a) => SimResponse::json(200, Value::Object(a.json(true))),
        None => not_found(),
    }
}

/// `GET …/messages/{id}/attachments/{aid}/$value`: the raw bytes.
pub fn value(mb: &Mailbox, id: &str, att: &str) -> SimResponse {
    match find(mb, id, att) {
        Some(a) => SimResponse::bytes(200, a.bytes.clone(), &a.content_type),
        None => not_found(),
    }
}

/// The control API's `POST /_sim/mailboxes/{mb}/messages/{id}/attachments
/// ?name=…&contentType=…&inline=true`: the request body is the file, as
/// is (so a test can attach 20 MB without base64 in JSON).
pub fn add_raw(mb: &mut Mailbox, req: &SimRequest, id: &str) -> SimResponse {
    let Some(seq) = message_seq(mb, id) else {
        return not_found();
    };
    let Some(name) = req.query_value("name").filter(|n| !n.trim().is_empty()) else {
        return bad("Name the attachment: ?name=file.pdf");
    };
    let ct = req
        .query_value("contentType")
        .unwrap_or("application/octet-stream");
    let inline = req.query_value("inline") == Some("true");
    let mut att = SimAttachment::new(name, ct, req.body.clone(), inline);
    att.content_id = req.query_value("contentId").map(str::to_string);
    let out = SimResponse::json(201, Value::Object(att.json(false)));
    mb.attach(seq, vec![att]);
    out
}
