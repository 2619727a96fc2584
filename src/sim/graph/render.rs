//! Messages and folders as Graph JSON, and message objects taken in from the
//! control API with their missing parts filled in.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::ids;
use crate::sim::mailbox::{Folder, Mailbox, Message};
use crate::sim::odata::{MessageQuery, normalize_prop_id};

/// How the client asked to see messages.
#[derive(Debug, Default, Clone)]
pub struct View {
    pub immutable_ids: bool,
    pub text_body: bool,
    pub select: Option<Vec<String>>,
    pub expand_props: Option<Vec<String>>,
}

impl View {
    pub fn from_request(req: &SimRequest, q: Option<&MessageQuery>) -> Self {
        let prefs = req.preferences();
        let has = |name: &str, value: &str| {
            prefs.iter().any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case(name)
                        && v.trim().trim_matches('"').eq_ignore_ascii_case(value)
                })
            })
        };
        Self {
            immutable_ids: has("IdType", "ImmutableId"),
            text_body: has("outlook.body-content-type", "text"),
            select: q.and_then(|q| q.select.clone()),
            expand_props: q.and_then(|q| q.expand_props.clone()),
        }
    }

    /// The `Preference-Applied` header value, if any preference was honoured.
    pub fn preference_applied(&self) -> Option<String> {
        let mut applied = Vec::new();
        if self.immutable_ids {
            applied.push("IdType=\"ImmutableId\"");
        }
        if self.text_body {
            applied.push("outlook.body-content-type=\"text\"");
        }
        (!applied.is_empty()).then(|| applied.join(", "))
    }

    pub fn id_of(&self, msg: &Message) -> String {
        if self.immutable_ids {
            msg.immutable_id.clone()
        } else {
            msg.rest_id.clone()
        }
    }

    pub fn apply(&self, resp: SimResponse) -> SimResponse {
        match self.preference_applied() {
            Some(p) => resp.with_header("Preference-Applied", p),
            None => resp,
        }
    }
}

pub fn web_link(id: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!(
        "https://outlook.office365.com/owa/?ItemID={encoded}&exvsurl=1&viewmodel=ReadMessageItem"
    )
}

/// A message as Graph shows it to this client.
pub fn message_json(msg: &Message, view: &View) -> Value {
    let id = view.id_of(msg);
    let mut out = Map::new();
    out.insert(
        "@odata.etag".into(),
        json!(format!("W/\"CQAAABYAAAA{}\"", msg.changed_at)),
    );
    out.insert("id".into(), json!(id));
    for (k, v) in &msg.fields {
        match k.as_str() {
            "internetMessageHeaders" | "singleValueExtendedProperties" => {}
            "body" if view.text_body => {
                out.insert(k.clone(), body_as_text(v));
            }
            "body" => {
                out.insert(k.clone(), body_as_html(v));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out.insert("parentFolderId".into(), json!(msg.folder_id));
    out.insert("webLink".into(), json!(web_link(&id)));
    // Properties Graph gives every message by default.
    out.insert(
        "changeKey".into(),
        json!(format!("CQAAABYAAAA{}", msg.changed_at)),
    );
    for (k, v) in [
        ("categories", json!([])),
        ("flag", json!({"flagStatus": "notFlagged"})),
        ("isDeliveryReceiptRequested", json!(false)),
        ("isReadReceiptRequested", json!(false)),
    ] {
        out.entry(k).or_insert(v);
    }
    // Given only when asked for by name.
    out.remove("conversationIndex");
    out.remove("uniqueBody");
    let selected = |name: &str| {
        view.select
            .as_ref()
            .is_some_and(|s| s.iter().any(|x| x == name))
    };
    if selected("conversationIndex") {
        let conv = msg
            .fields
            .get("conversationId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        use base64::Engine;
        let index = base64::engine::general_purpose::STANDARD.encode(
            format!("\u{1}{conv}")
                .as_bytes()
                .iter()
                .take(22)
                .copied()
                .collect::<Vec<u8>>(),
        );
        out.insert("conversationIndex".into(), json!(index));
    }
    if selected("uniqueBody") {
        let body = msg.fields.get("body").cloned().unwrap_or(Value::Null);
        let unique = if view.text_body {
            body_as_text(&body)
        } else {
            body_as_html(&body)
        };
        out.insert("uniqueBody".into(), unique);
    }
    if let Some(select) = &view.select {
        out.retain(|k, _| k == "id" || k == "@odata.etag" || select.iter().any(|s| s == k));
        if select.iter().any(|s| s == "internetMessageHeaders") {
            let headers = msg
                .fields
                .get("internetMessageHeaders")
                .cloned()
                .unwrap_or_else(|| json!([]));
            out.insert("internetMessageHeaders".into(), headers);
        }
    }
    if let Some(wanted) = &view.expand_props {
        let props: Vec<Value> = msg
            .fields
            .get("singleValueExtendedProperties")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| {
                        let id = normalize_prop_id(p.get("id")?.as_str()?);
                        let keep = wanted.is_empty() || wanted.contains(&id);
                        keep.then(|| json!({"id": id, "value": p.get("value").cloned().unwrap_or(Value::Null)}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Graph leaves the property out when nothing matched the filter.
        if !props.is_empty() {
            out.insert("singleValueExtendedProperties".into(), Value::Array(props));
        }
    }
    Value::Object(out)
}

/// A single message as Graph answers for one entity: with the context of
/// what it is (a collection's items carry none of their own).
pub fn message_entity(mailbox: &str, msg: &Message, view: &View) -> Value {
    with_context(
        format!("users('{mailbox}')/messages/$entity"),
        message_json(msg, view),
    )
}

/// `@odata.context` (for what follows `$metadata#`) first, then the entity.
fn with_context(what: String, entity: Value) -> Value {
    let Value::Object(fields) = entity else {
        return entity;
    };
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!("https://graph.microsoft.com/v1.0/$metadata#{what}")),
    );
    out.extend(fields);
    Value::Object(out)
}

/// A body's content and whether it is HTML.
fn body_parts(body: &Value) -> (&str, bool) {
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let is_html = body
        .get("contentType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    (content, is_html)
}

fn body_as_text(body: &Value) -> Value {
    let (content, is_html) = body_parts(body);
    let text = if is_html {
        html_to_text(content)
    } else {
        content.to_string()
    };
    json!({"contentType": "text", "content": text})
}

fn body_as_html(body: &Value) -> Value {
    let (content, is_html) = body_parts(body);
    if is_html {
        return json!({"contentType": "html", "content": content});
    }
    let escaped = content
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    json!({"contentType": "html", "content": format!("<html><body><div>{}</div></body></html>", escaped.replace('\n', "<br>"))})
}

/// A plain-text rendering of HTML, close to what Exchange produces: tags go,
/// block ends become line breaks, common entities are decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut chars = html.chars().peekable();
    let mut skip_depth = 0usize;
    while let Some(c) = chars.next() {
        if c == '<' {
            let mut tag = String::new();
            for t in chars.by_ref() {
                if t == '>' {
                    break;
                }
                tag.push(t);
            }
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            let closing = tag.starts_with('/');
            // Exchange's text body shows an inline image as "[cid:…]".
            if name == "img"
                && let Some(at) = tag.find("cid:")
            {
                let cid: String = tag[at..]
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\'' | ' ' | '/'))
                    .collect();
                out.push_str(&format!("[{cid}]"));
            }
            if name == "style" || name == "script" || name == "head" {
                if closing {
                    skip_depth = skip_depth.saturating_sub(1);
                } else {
                    skip_depth += 1;
                }
            }
            if matches!(
                name.as_str(),
                "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3"
            ) && !out.ends_with('\n')
                && !out.is_empty()
            {
                out.push('\n');
            }
        } else if skip_depth == 0 {
            out.push(c);
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

pub fn folder_json(mb: &Mailbox, index: usize) -> Value {
    let f: &Folder = &mb.folders[index];
    json!({
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": f.parent_id,
        "childFolderCount": mb.children(&f.id).len(),
        "unreadItemCount": mb.unread_count(index),
        "totalItemCount": f.index.len(),
        "isHidden": false,
    })
}

/// One folder as a single-entity answer: `@odata.context` first, as Graph.
pub fn folder_entity(mb: &Mailbox, index: usize) -> Value {
    with_context(
        format!("users('{}')/mailFolders/$entity", mb.address),
        folder_json(mb, index),
    )
}

fn recipients_ok(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(recipient_ok))
}

fn recipient_ok(v: &Value) -> bool {
    v.get("emailAddress").is_some_and(Value::is_object)
}

fn parse_time(v: Option<&Value>, field: &str) -> Result<Option<DateTime<Utc>>, SimResponse> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| {
                graph_error(
                    400,
                    "BadRequest",
                    &format!("{field} '{s}' is not an ISO 8601 date and time."),
                )
            }),
        Some(other) => Err(graph_error(
            400,
            "BadRequest",
            &format!("{field} must be a string, not {other}."),
        )),
    }
}

/// A message checked and completed for storing: received time, fields, and
/// the immutable id the caller asked for, if any.
pub struct NewMessage {
    pub received: DateTime<Utc>,
    pub fields: Map<String, Value>,
    pub id: Option<String>,
    pub attachments: Vec<super::attachments::SimAttachment>,
}

/// A message posted to the control API, checked and completed as Exchange
/// would store it.
pub fn normalize_new_message(
    input: &Value,
    folder_is_drafts: bool,
) -> Result<NewMessage, SimResponse> {
    let Some(obj) = input.as_object() else {
        return Err(graph_error(
            400,
            "BadRequest",
            "A message must be a JSON object.",
        ));
    };
    let mut f = obj.clone();
    // Kept beside the message, never in its JSON.
    let attachments = match f.remove("attachments") {
        Some(a) => super::attachments::parse_new(&a)?,
        None => Vec::new(),
    };
    let given_id = match f.remove("id") {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Null) | None => None,
        Some(_) => return Err(graph_error(400, "BadRequest", "id must be a string.")),
    };
    f.remove("parentFolderId");
    f.remove("webLink");
    f.remove("@odata.etag");
    for field in ["toRecipients", "ccRecipients", "bccRecipients", "replyTo"] {
        match f.get(field) {
            None | Some(Value::Null) => {
                f.insert(field.into(), json!([]));
            }
            Some(v) if recipients_ok(v) => {}
            Some(_) => {
                return Err(graph_error(
                    400,
                    "BadRequest",
                    &format!(
                        "{field} must be an array of {{\"emailAddress\":{{\"name\",\"address\"}}}}."
                    ),
                ));
            }
        }
    }
    for field in ["sender", "from"] {
        if let Some(v) = f.get(field)
            && !v.is_null()
            && !recipient_ok(v)
        {
            return Err(graph_error(
                400,
                "BadRequest",
                &format!("{field} must be {{\"emailAddress\":{{\"name\",\"address\"}}}}."),
            ));
        }
    }
    match (f.get("sender").cloned(), f.get("from").cloned()) {
        (Some(s), None) if !s.is_null() => {
            f.insert("from".into(), s);
        }
        (None, Some(fr)) if !fr.is_null() => {
            f.insert("sender".into(), fr);
        }
        _ => {}
    }
    let now = Utc::now();
    let received = parse_time(f.get("receivedDateTime"), "receivedDateTime")?.unwrap_or(now);
    let sent = parse_time(f.get("sentDateTime"), "sentDateTime")?.unwrap_or(received);
    let fmt = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    f.insert("receivedDateTime".into(), json!(fmt(received)));
    f.insert("sentDateTime".into(), json!(fmt(sent)));
    f.entry("createdDateTime")
        .or_insert_with(|| json!(fmt(received)));
    f.entry("lastModifiedDateTime")
        .or_insert_with(|| json!(fmt(received)));
    if !f.contains_key("internetMessageId") {
        f.insert(
            "internetMessageId".into(),
            json!(format!("<{}@sim.example>", ids::opaque_token(12))),
        );
    }
    f.entry("conversationId")
        .or_insert_with(|| json!(ids::conversation_id()));
    f.entry("subject").or_insert_with(|| json!(""));
    f.entry("isDraft")
        .or_insert_with(|| json!(folder_is_drafts));
    f.entry("isRead").or_insert_with(|| json!(false));
    f.entry("hasAttachments").or_insert_with(|| json!(false));
    f.entry("importance").or_insert_with(|| json!("normal"));
    f.entry("inferenceClassification")
        .or_insert_with(|| json!("focused"));
    f.entry("categories").or_insert_with(|| json!([]));
    let body = match f.get("body") {
        Some(Value::Object(b)) => Value::Object(b.clone()),
        Some(Value::String(s)) => json!({"contentType": "text", "content": s}),
        None | Some(Value::Null) => json!({"contentType": "html", "content": ""}),
        Some(_) => {
            return Err(graph_error(
                400,
                "BadRequest",
                "body must be {\"contentType\",\"content\"}.",
            ));
        }
    };
    if !f.contains_key("bodyPreview") {
        let text = body_as_text(&body);
        let preview: String = text["content"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(255)
            .collect();
        f.insert("bodyPreview".into(), json!(preview));
    }
    f.insert("body".into(), body);
    if let Some(headers) = f.get("internetMessageHeaders")
        && !headers.as_array().is_some_and(|a| {
            a.iter()
                .all(|h| h.get("name").is_some_and(Value::is_string))
        })
    {
        return Err(graph_error(
            400,
            "BadRequest",
            "internetMessageHeaders must be an array of {\"name\",\"value\"}.",
        ));
    }
    Ok(NewMessage {
        received,
        fields: f,
        id: given_id,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text_drops_tags_and_styles() {
        let t = html_to_text(
            "<html><head><style>p{}</style></head><body><p>Hi &amp; welcome</p><p>Line 2</p></body></html>",
        );
        assert_eq!(t, "Hi & welcome\nLine 2");
    }
}
