//! Every property of the simulator's message, mailFolder and error answers,
//! checked against Microsoft Graph's own published schema: a trimmed
//! extract of `schemas/v1.0-Prod.csdl` from microsoftgraph/msgraph-metadata
//! (`tests/graph-schema/v1.0-mail.csdl`, made by `scripts/extract-graph-csdl`,
//! which names the commit). A property the schema does not have, a value of
//! the wrong type, an enum value that is not a member, or a null where the
//! schema says `Nullable="false"` fails the test with its JSON path.
//!
//! `message` is an open type in the schema; the check still refuses
//! undeclared properties, so the simulator cannot invent fields a client
//! would never get from Graph.

mod common;

use std::collections::HashMap;

use base64::Engine;
use common::{MAILBOX, TestSim, message};
use serde_json::{Value, json};

const CSDL: &str = include_str!("graph-schema/v1.0-mail.csdl");
const USER: &str = "/v1.0/users/crm-log@contoso.example";

#[derive(Debug)]
struct Property {
    ty: String,
    nullable: bool,
}

#[derive(Debug)]
enum TypeDef {
    Structured {
        base: Option<String>,
        properties: HashMap<String, Property>,
    },
    Enum(Vec<String>),
}

struct Schema {
    types: HashMap<String, TypeDef>,
}

fn local_name(ty: &str) -> &str {
    ty.strip_prefix("graph.")
        .or_else(|| ty.strip_prefix("microsoft.graph."))
        .unwrap_or(ty)
}

impl Schema {
    fn load() -> Self {
        let doc = roxmltree::Document::parse(CSDL).expect("the CSDL extract is XML");
        let mut types = HashMap::new();
        for el in doc.descendants().filter(|n| n.is_element()) {
            let Some(name) = el.attribute("Name") else {
                continue;
            };
            match el.tag_name().name() {
                "EntityType" | "ComplexType" => {
                    let properties = el
                        .children()
                        .filter(|c| {
                            matches!(c.tag_name().name(), "Property" | "NavigationProperty")
                        })
                        .map(|p| {
                            (
                                p.attribute("Name").unwrap().to_string(),
                                Property {
                                    ty: p.attribute("Type").unwrap().to_string(),
                                    nullable: p.attribute("Nullable") != Some("false"),
                                },
                            )
                        })
                        .collect();
                    types.insert(
                        name.to_string(),
                        TypeDef::Structured {
                            base: el.attribute("BaseType").map(|b| local_name(b).to_string()),
                            properties,
                        },
                    );
                }
                "EnumType" => {
                    let members = el
                        .children()
                        .filter(|c| c.tag_name().name() == "Member")
                        .map(|m| m.attribute("Name").unwrap().to_string())
                        .collect();
                    types.insert(name.to_string(), TypeDef::Enum(members));
                }
                _ => {}
            }
        }
        Self { types }
    }

    /// A property of `ty` or of one of its base types.
    fn property(&self, ty: &str, name: &str) -> Option<&Property> {
        let mut at = Some(ty.to_string());
        while let Some(t) = at {
            let Some(TypeDef::Structured { base, properties }) = self.types.get(&t) else {
                return None;
            };
            if let Some(p) = properties.get(name) {
                return Some(p);
            }
            at = base.clone();
        }
        None
    }

    /// Checks `value` against the type named `ty`; each fault is pushed
    /// with its path.
    fn check(&self, ty: &str, value: &Value, path: &str, faults: &mut Vec<String>) {
        if let Some(inner) = ty
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check(inner, v, &format!("{path}[{i}]"), faults);
                    }
                }
                None => faults.push(format!("{path}: {ty} expects an array, got {value}")),
            }
            return;
        }
        let ok = match ty {
            "Edm.String" => value.is_string(),
            "Edm.Boolean" => value.is_boolean(),
            "Edm.Int32" | "Edm.Int64" => value.is_i64() || value.is_u64(),
            "Edm.DateTimeOffset" => value
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            "Edm.Binary" => value.as_str().is_some_and(|s| {
                base64::engine::general_purpose::STANDARD.decode(s).is_ok()
                    || base64::engine::general_purpose::URL_SAFE.decode(s).is_ok()
            }),
            other => {
                let name = local_name(other);
                match self.types.get(name) {
                    Some(TypeDef::Enum(members)) => value
                        .as_str()
                        .is_some_and(|s| members.iter().any(|m| m == s)),
                    Some(TypeDef::Structured { .. }) => {
                        self.check_object(name, value, path, faults);
                        true
                    }
                    None => {
                        faults.push(format!("{path}: type {other} is not in the extract"));
                        true
                    }
                }
            }
        };
        if !ok {
            faults.push(format!("{path}: {value} is not a valid {ty}"));
        }
    }

    fn check_object(&self, ty: &str, value: &Value, path: &str, faults: &mut Vec<String>) {
        let Some(obj) = value.as_object() else {
            faults.push(format!("{path}: {ty} expects an object, got {value}"));
            return;
        };
        for (key, v) in obj {
            let at = format!("{path}.{key}");
            if key.starts_with("@odata.") {
                if !matches!(
                    key.as_str(),
                    "@odata.etag" | "@odata.context" | "@odata.type"
                ) {
                    faults.push(format!("{at}: an annotation Graph does not put on a {ty}"));
                }
                continue;
            }
            let Some(prop) = self.property(ty, key) else {
                faults.push(format!(
                    "{at}: {ty} has no property '{key}' in Graph's schema"
                ));
                continue;
            };
            if v.is_null() {
                if !prop.nullable {
                    faults.push(format!(
                        "{at}: null, but the schema says Nullable=\"false\""
                    ));
                }
                continue;
            }
            self.check(&prop.ty, v, &at, faults);
        }
        if matches!(self.types.get(ty), Some(TypeDef::Structured { .. }))
            && self.property(ty, "id").is_some()
            && !obj.contains_key("id")
        {
            faults.push(format!("{path}: a {ty} without its key 'id'"));
        }
    }
}

/// Graph's error answer: OData's error format (`error` with `code`,
/// `message`, optional `target` and `details`) whose `innerError` is the
/// schema's `InnerError`.
fn check_error(schema: &Schema, body: &Value, path: &str, faults: &mut Vec<String>) {
    let Some(obj) = body.as_object() else {
        faults.push(format!("{path}: an error answer must be an object: {body}"));
        return;
    };
    if obj.keys().ne(["error"].iter().copied()) {
        faults.push(format!("{path}: an error answer has only 'error': {body}"));
    }
    let Some(error) = obj.get("error").and_then(Value::as_object) else {
        faults.push(format!("{path}.error: missing or not an object"));
        return;
    };
    for (key, v) in error {
        let at = format!("{path}.error.{key}");
        match key.as_str() {
            "code" | "message" | "target" if v.is_string() => {}
            "details" if v.is_array() => {}
            "innerError" => schema.check_object("InnerError", v, &at, faults),
            _ => faults.push(format!("{at}: not part of Graph's error format ({v})")),
        }
    }
    for needed in ["code", "message", "innerError"] {
        if !error.contains_key(needed) {
            faults.push(format!("{path}.error: '{needed}' is missing"));
        }
    }
}

/// Listings: `value` holds entities of `ty`; only paging annotations beside it.
fn check_collection(schema: &Schema, ty: &str, body: &Value, path: &str, faults: &mut Vec<String>) {
    for (key, v) in body.as_object().expect("a listing is an object") {
        let at = format!("{path}.{key}");
        match key.as_str() {
            "value" => {
                for (i, item) in v.as_array().expect("value is an array").iter().enumerate() {
                    if item.get("@removed").is_some() {
                        // A delta removal: the id and why, nothing else.
                        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
                        if keys
                            .iter()
                            .any(|k| !matches!(k.as_str(), "id" | "@removed" | "@odata.type"))
                        {
                            faults.push(format!(
                                "{at}[{i}]: a removal carries only id and @removed: {item}"
                            ));
                        }
                        continue;
                    }
                    schema.check_object(ty, item, &format!("{at}[{i}]"), faults);
                }
            }
            "@odata.context" | "@odata.nextLink" | "@odata.deltaLink" | "@odata.count" => {}
            _ => faults.push(format!("{at}: not part of a Graph collection answer")),
        }
    }
}

#[tokio::test]
async fn message_folder_and_error_answers_match_graphs_published_schema() {
    let schema = Schema::load();
    for t in [
        "message",
        "mailFolder",
        "recipient",
        "itemBody",
        "InnerError",
    ] {
        assert!(schema.types.contains_key(t), "the extract has {t}");
    }
    let sim = TestSim::default().await;
    let mut batch = Vec::new();
    for i in 0..12 {
        let mut m = message(
            "buyer@fabrikam.example",
            &["sam@contoso.example"],
            &format!("Quote {i}"),
        );
        m["ccRecipients"] =
            json!([{"emailAddress": {"name": "Cc", "address": "cc@fabrikam.example"}}]);
        m["internetMessageHeaders"] = json!([{"name": "X-Mailer", "value": "sim"}]);
        batch.push(m);
    }
    sim.add(MAILBOX, "inbox", Value::Array(batch)).await;
    let token = sim.app_token().await;
    let mut faults = Vec::new();
    let mut checked = 0;

    let inbox = format!("{USER}/mailFolders/inbox/messages");
    let every_property = "id,createdDateTime,lastModifiedDateTime,changeKey,categories,receivedDateTime,sentDateTime,hasAttachments,internetMessageId,subject,bodyPreview,importance,parentFolderId,conversationId,conversationIndex,isDeliveryReceiptRequested,isReadReceiptRequested,isRead,isDraft,webLink,inferenceClassification,body,sender,from,toRecipients,ccRecipients,bccRecipients,replyTo,internetMessageHeaders,flag,uniqueBody";
    for (what, url, headers) in [
        ("listing", format!("{inbox}?$top=5&$count=true"), vec![]),
        (
            "listing, every property and an extended property",
            format!(
                "{inbox}?$select={every_property}&$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0036')"
            ),
            vec![],
        ),
        (
            "listing, immutable ids",
            inbox.clone(),
            vec![("Prefer", "IdType=\"ImmutableId\"")],
        ),
        (
            "mailbox-wide listing",
            format!("{USER}/messages?$top=3"),
            vec![],
        ),
        ("delta", format!("{inbox}/delta"), vec![]),
    ] {
        let a = sim.get_with(&token, &url, &headers).await;
        assert_eq!(a.status, 200, "{what}: {}", a.body);
        check_collection(&schema, "message", &a.body, what, &mut faults);
        checked += a.body["value"].as_array().unwrap().len();
    }

    // A single message, and a move's answer.
    let listed = sim.get(&token, &format!("{inbox}?$top=10")).await;
    let id = listed.body["value"][0]["id"].as_str().unwrap().to_string();
    let enc = |id: &str| url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>();
    let one = sim
        .get(&token, &format!("{USER}/messages/{}", enc(&id)))
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    schema.check_object("message", &one.body, "GET message", &mut faults);
    let moved = sim.move_message(&token, &id, "archive").await;
    assert_eq!(moved.status, 201, "{}", moved.body);
    schema.check_object("message", &moved.body, "move", &mut faults);
    checked += 2;

    // A delta round after the move: the removal, then the new state.
    let (_, delta_link) = sim.follow(&token, &format!("{inbox}/delta")).await;
    let delta_link = delta_link.expect("a delta round ends in a deltaLink");
    let second = listed.body["value"][1]["id"].as_str().unwrap().to_string();
    sim.move_message(&token, &second, "archive").await;
    let after = sim.get(&token, &delta_link).await;
    assert!(
        after.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.get("@removed").is_some()),
        "the delta round reports the move: {}",
        after.body
    );
    check_collection(
        &schema,
        "message",
        &after.body,
        "delta after a move",
        &mut faults,
    );

    // Folders: one, the list, a new one.
    let folder = sim.get(&token, &format!("{USER}/mailFolders/inbox")).await;
    assert_eq!(folder.status, 200, "{}", folder.body);
    schema.check_object("mailFolder", &folder.body, "GET mailFolder", &mut faults);
    let folders = sim.get(&token, &format!("{USER}/mailFolders")).await;
    check_collection(
        &schema,
        "mailFolder",
        &folders.body,
        "mailFolders",
        &mut faults,
    );
    let made = sim
        .post(
            &token,
            &format!("{USER}/mailFolders"),
            json!({"displayName": "Skipped"}),
            &[],
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    schema.check_object("mailFolder", &made.body, "new mailFolder", &mut faults);
    checked += folders.body["value"].as_array().unwrap().len() + 2;
    // Child folders: a new one, the list of them, one by id.
    let parent = made.body["id"].as_str().unwrap();
    let child = sim
        .post(
            &token,
            &format!("{USER}/mailFolders/{parent}/childFolders"),
            json!({"displayName": "Queue"}),
            &[],
        )
        .await;
    assert_eq!(child.status, 201, "{}", child.body);
    schema.check_object("mailFolder", &child.body, "new childFolder", &mut faults);
    let children = sim
        .get(&token, &format!("{USER}/mailFolders/{parent}/childFolders"))
        .await;
    check_collection(
        &schema,
        "mailFolder",
        &children.body,
        "childFolders",
        &mut faults,
    );
    let one = sim
        .get(
            &token,
            &format!(
                "{USER}/mailFolders/{parent}/childFolders/{}",
                child.body["id"].as_str().unwrap()
            ),
        )
        .await;
    schema.check_object("mailFolder", &one.body, "GET childFolder", &mut faults);
    checked += 3;

    // $batch: each item's body is a message or an error in the same shapes.
    let third = listed.body["value"][2]["id"].as_str().unwrap().to_string();
    let batch = sim
        .post(
            &token,
            "/v1.0/$batch",
            json!({"requests": [
                {"id": "1", "method": "GET", "url": format!("/users/{MAILBOX}/messages/{}", enc(&third))},
                {"id": "2", "method": "GET", "url": format!("/users/{MAILBOX}/messages/AAMkAGI2bm90aGVyZQ==")},
            ]}),
            &[],
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.body);
    for item in batch.body["responses"].as_array().unwrap() {
        let at = format!("$batch item {}", item["id"]);
        match item["status"].as_u64() {
            Some(200) => schema.check_object("message", &item["body"], &at, &mut faults),
            Some(404) => check_error(&schema, &item["body"], &at, &mut faults),
            other => panic!("{at}: status {other:?}: {item}"),
        }
        checked += 1;
    }

    // Errors of every kind a client meets.
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"fail_paths": {"/mailFolders/drafts": 503, "/mailFolders/junkemail": 429}})),
    )
    .await;
    for (what, answer, status) in [
        (
            "not found",
            sim.get(&token, &format!("{USER}/messages/AAMkAGI2bm90aGVyZQ=="))
                .await,
            404,
        ),
        (
            "bad filter",
            sim.get(&token, &format!("{inbox}?$filter=isRead gt true"))
                .await,
            400,
        ),
        ("no token", sim.get("", &inbox).await, 401),
        ("bad token", sim.get("not-a-token", &inbox).await, 401),
        (
            "unknown folder",
            sim.get(&token, &format!("{USER}/mailFolders/nowhere"))
                .await,
            404,
        ),
        (
            "service down",
            sim.get(&token, &format!("{USER}/mailFolders/drafts")).await,
            503,
        ),
        (
            "throttled",
            sim.get(&token, &format!("{USER}/mailFolders/junkemail"))
                .await,
            429,
        ),
        (
            "bad move",
            sim.post(
                &token,
                &format!("{USER}/messages/{}/move", enc(&second)),
                json!({}),
                &[],
            )
            .await,
            400,
        ),
    ] {
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        check_error(&schema, &answer.body, what, &mut faults);
        let header = answer
            .headers
            .get("request-id")
            .and_then(|h| h.to_str().ok());
        assert_eq!(
            answer.body["error"]["innerError"]["request-id"].as_str(),
            header,
            "{what}: innerError names the answer's request-id"
        );
        checked += 1;
    }

    for (what, single) in [
        ("GET message", &one),
        ("move", &moved),
        ("GET mailFolder", &folder),
        ("new mailFolder", &made),
    ] {
        assert!(
            single.body["@odata.context"]
                .as_str()
                .is_some_and(|c| c.ends_with("/$entity")),
            "{what}: a single entity names its @odata.context: {}",
            single.body
        );
    }
    assert!(checked >= 40, "checked only {checked} answers");
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
}

/// The check itself finds what it must: an undeclared property, a wrong
/// type, a bad enum value, a null in a non-nullable property.
#[test]
fn the_check_catches_what_graph_would_not_send() {
    let schema = Schema::load();
    let mut faults = Vec::new();
    schema.check_object(
        "message",
        &json!({
            "id": "x",
            "subject": 5,
            "importance": "urgent",
            "isRead": "no",
            "from": {"emailAddress": {"address": "a@b.example", "phone": "1"}},
            "toRecipients": {"emailAddress": {}},
            "receivedDateTime": "yesterday",
            "senderName": "A",
        }),
        "m",
        &mut faults,
    );
    schema.check_object(
        "mailFolder",
        &json!({"displayName": "X", "id": null}),
        "f",
        &mut faults,
    );
    let mut e = Vec::new();
    check_error(
        &schema,
        &json!({"error": {"code": "X", "message": "y", "innerError": {"date": "now"}}, "extra": 1}),
        "e",
        &mut e,
    );
    let text = faults.join("\n") + "\n" + &e.join("\n");
    for want in [
        "m.subject: 5 is not a valid Edm.String",
        "m.importance: \"urgent\" is not a valid graph.importance",
        "m.isRead",
        "m.from.emailAddress.phone: emailAddress has no property 'phone'",
        "m.toRecipients: Collection(graph.recipient) expects an array",
        "m.receivedDateTime",
        "m.senderName: message has no property 'senderName'",
        "f.id: null, but the schema says Nullable=\"false\"",
        "e: an error answer has only 'error'",
        "e.error.innerError.date",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}
