//! The control API under `/_sim/`, for tests and the demo: add and read
//! messages, decide sign-ins, expire and revoke tokens, inject faults, reset.
//! Served only when the simulator listens on a loopback address.

use axum::http::Method;
use serde_json::{Value, json};

use super::faults::Faults;
use super::graph::render::{View, message_json, normalize_new_message};
use super::http::{SimRequest, SimResponse, graph_error};
use super::identity::{decide_device, device_polls};
use super::state::Sim;
use super::tokens::{AuthorizeMode, DeviceState};

fn ok() -> SimResponse {
    SimResponse::json(200, json!({"ok": true}))
}

/// The answer for a mailbox the simulator does not have.
fn no_mailbox(address: &str) -> SimResponse {
    graph_error(
        404,
        "ErrorInvalidUser",
        &format!("No mailbox '{address}' in the simulator."),
    )
}

fn bad(message: &str) -> SimResponse {
    graph_error(400, "BadRequest", message)
}

fn string_field(req: &SimRequest, name: &str) -> Result<String, SimResponse> {
    let body = req.json_body()?;
    body.get(name)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad(&format!("The JSON body needs a non-empty string '{name}'.")))
}

pub fn serve(sim: &Sim, req: &SimRequest) -> SimResponse {
    let segs: Vec<&str> = req.segments[1..].iter().map(String::as_str).collect();
    let m = &req.method;
    let result = match segs.as_slice() {
        // A folder is a well-known name, a display name or a path of them
        // (`CRM/Queue`, as one encoded segment or as several).
        ["mailboxes", address, "folders", folder @ .., "messages"]
            if m == Method::POST && !folder.is_empty() =>
        {
            add_messages(sim, req, address, &folder.join("/"))
        }
        ["mailboxes", address, "folders", folder @ .., "messages"]
            if m == Method::GET && !folder.is_empty() =>
        {
            list_messages(sim, req, address, &folder.join("/"))
        }
        ["mailboxes", address, "messages", id, "attachments"] if m == Method::POST => {
            let mut st = sim.state();
            match st.mailboxes.get_mut(&address.to_ascii_lowercase()) {
                Some(mb) => Ok(super::graph::attachments::add_raw(mb, req, id)),
                None => Err(no_mailbox(address)),
            }
        }
        ["device", "approve"] if m == Method::POST => decide(sim, req, true),
        ["device", "polls"] if m == Method::GET => {
            let code = req.query_value("user_code").unwrap_or_default();
            match device_polls(&sim.state(), code) {
                Some(n) => Ok(SimResponse::json(200, json!({"polls": n}))),
                None => Err(graph_error(
                    404,
                    "NotFound",
                    &format!("No device code with user_code '{code}'."),
                )),
            }
        }
        ["device", "decline"] if m == Method::POST => decide(sim, req, false),
        ["authorize", "approve"] if m == Method::POST => string_field(req, "account").map(|a| {
            sim.state().tokens.authorize_mode = AuthorizeMode::Approve(a);
            ok()
        }),
        ["authorize", "decline"] if m == Method::POST => {
            sim.state().tokens.authorize_mode = AuthorizeMode::Decline;
            Ok(ok())
        }
        ["authorize", "interactive"] if m == Method::POST => {
            sim.state().tokens.authorize_mode = AuthorizeMode::Interactive;
            Ok(ok())
        }
        ["tokens", "expire-after"] if m == Method::POST => {
            let body = req.json_body();
            match body
                .ok()
                .and_then(|b| b.get("requests").and_then(Value::as_u64))
            {
                Some(n) if n >= 1 => {
                    sim.state().tokens.expire_after_uses = Some(n as u32);
                    Ok(ok())
                }
                _ => Err(bad(
                    "The JSON body needs a whole number 'requests' of at least 1.",
                )),
            }
        }
        // Token introspection, as an IMAP server (Dovecot's oauth2 passdb)
        // checks an XOAUTH2 token: active only for a live token issued for
        // Exchange Online (audience outlook), for the user the server names.
        ["tokens", "introspect"] if m == Method::GET => {
            let param = |name: &str| {
                req.query
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let (token, user) = (param("token"), param("user"));
            let st = sim.state();
            let live = st
                .tokens
                .access
                .get(token.trim())
                .filter(|t| t.audience == "outlook" && t.expires_at > chrono::Utc::now());
            Ok(SimResponse::json(
                200,
                match live {
                    Some(t) => json!({
                        "active": "true",
                        "username": t.account.clone().unwrap_or(user),
                        "client_id": t.client_id,
                    }),
                    None => json!({"active": "false"}),
                },
            ))
        }
        ["tokens", "expire"] if m == Method::POST => {
            sim.state().tokens.expire_all();
            Ok(ok())
        }
        ["refresh-tokens", "revoke"] if m == Method::POST => {
            string_field(req, "account").map(|a| {
                let revoked = sim.state().tokens.revoke_account(&a);
                SimResponse::json(200, json!({"ok": true, "revoked": revoked}))
            })
        }
        ["delta", "expire"] if m == Method::POST => {
            sim.state().deltas.clear();
            Ok(ok())
        }
        ["faults"] if m == Method::POST => set_faults(sim, req),
        ["faults"] if m == Method::DELETE => {
            sim.state().faults = None;
            Ok(ok())
        }
        ["stats"] if m == Method::GET => {
            let stats = sim.throttle.lock().unwrap_or_else(|p| p.into_inner()).stats;
            let mut v = json!(stats);
            v["held"] = json!(sim.held.load(std::sync::atomic::Ordering::SeqCst));
            v["injected"] = json!(sim.state().injected);
            Ok(SimResponse::json(200, v))
        }
        ["clock", "freeze"] if m == Method::POST => {
            let mut st = sim.state();
            let now = st.tokens.device_clock.now();
            st.tokens.device_clock.frozen_at = Some(now);
            Ok(ok())
        }
        ["clock", "advance"] if m == Method::POST => advance_clock(sim, req),
        ["clock", "run"] if m == Method::POST => {
            sim.state().tokens.device_clock.frozen_at = None;
            Ok(ok())
        }
        ["gate", "close"] if m == Method::POST => {
            sim.gate.send_replace(false);
            Ok(ok())
        }
        ["gate", "open"] if m == Method::POST => {
            sim.gate.send_replace(true);
            Ok(ok())
        }
        ["reset"] if m == Method::POST => {
            let mut st = sim.state();
            st.mailboxes.clear();
            st.tokens = Default::default();
            st.faults = None;
            st.deltas.clear();
            drop(st);
            sim.throttle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
            Ok(ok())
        }
        _ => Err(graph_error(
            404,
            "NotFound",
            &format!(
                "No control route {} {}. See the README's table of /_sim/ routes.",
                req.method, req.path
            ),
        )),
    };
    result.unwrap_or_else(|e| e)
}

/// Steps the frozen device-code clock by `secs`.
fn advance_clock(sim: &Sim, req: &SimRequest) -> Result<SimResponse, SimResponse> {
    let body = req.json_body()?;
    let secs = body
        .get("secs")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| bad("The JSON body needs a number 'secs' of 0 or more."))?;
    let mut st = sim.state();
    match st.tokens.device_clock.frozen_at.as_mut() {
        Some(t) => {
            *t += chrono::Duration::milliseconds((secs * 1000.0) as i64);
            Ok(ok())
        }
        None => Err(bad(
            "The clock runs; freeze it first with POST /_sim/clock/freeze.",
        )),
    }
}

fn decide(sim: &Sim, req: &SimRequest, approve: bool) -> Result<SimResponse, SimResponse> {
    let user_code = string_field(req, "user_code")?;
    let decision = if approve {
        let account = string_field(req, "account")?;
        if !account.contains('@') {
            return Err(bad(
                "account must be an email address such as admin@contoso.example.",
            ));
        }
        DeviceState::Approved(account)
    } else {
        DeviceState::Declined
    };
    decide_device(&mut sim.state(), &user_code, decision)
        .map_err(|e| graph_error(404, "NotFound", &e))?;
    Ok(ok())
}

fn set_faults(sim: &Sim, req: &SimRequest) -> Result<SimResponse, SimResponse> {
    let body = req.json_body()?;
    let faults: Faults =
        serde_json::from_value(body).map_err(|e| bad(&format!("Invalid faults: {e}")))?;
    faults
        .validate()
        .map_err(|e| bad(&format!("Invalid faults: {e}")))?;
    sim.state().faults = Some(faults.clone());
    Ok(SimResponse::json(200, json!(faults)))
}

fn add_messages(
    sim: &Sim,
    req: &SimRequest,
    address: &str,
    folder: &str,
) -> Result<SimResponse, SimResponse> {
    if !address.contains('@') {
        return Err(bad(&format!("'{address}' is not a mailbox address.")));
    }
    let body = req.json_body()?;
    let (items, single) = match body {
        Value::Array(a) => (a, false),
        obj @ Value::Object(_) => (vec![obj], true),
        _ => return Err(bad("Post one Graph message object or an array of them.")),
    };
    let view = View::from_request(req, None);
    let mut st = sim.state();
    let mb = st.mailbox_or_create(address);
    let fi = mb
        .folder_path_or_create(folder)
        .map_err(|_| bad(&format!("'{folder}' is not a folder path")))?;
    let is_drafts = mb.folders[fi].well_known == Some("drafts");
    // Check every message first so a bad one adds nothing.
    let mut prepared = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let new = normalize_new_message(item, is_drafts).map_err(|e| prefix_error(e, n))?;
        if let Some(id) = &new.id
            && mb.by_id.contains_key(id)
        {
            return Err(graph_error(
                409,
                "ErrorDuplicateId",
                &format!("Message {n}: id '{id}' already exists."),
            ));
        }
        prepared.push(new);
    }
    let stored: Vec<Value> = prepared
        .into_iter()
        .map(|new| {
            let seq = mb.insert(fi, new.received, new.fields, new.id);
            mb.attach(seq, new.attachments);
            message_json(&mb.messages[&seq], &view)
        })
        .collect();
    let out = if single {
        stored.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(stored)
    };
    Ok(view.apply(SimResponse::json(201, out)))
}

fn prefix_error(resp: SimResponse, n: usize) -> SimResponse {
    match &resp.body {
        super::http::ResponseBody::Json(v) => {
            let msg = v["error"]["message"].as_str().unwrap_or_default();
            graph_error(resp.status, "BadRequest", &format!("Message {n}: {msg}"))
        }
        _ => resp,
    }
}

fn list_messages(
    sim: &Sim,
    req: &SimRequest,
    address: &str,
    folder: &str,
) -> Result<SimResponse, SimResponse> {
    let st = sim.state();
    let Some(mb) = st.mailboxes.get(&address.to_ascii_lowercase()) else {
        return Err(no_mailbox(address));
    };
    let Some(fi) = mb.folder_index_by_any_name(folder) else {
        return Err(graph_error(
            404,
            "ErrorItemNotFound",
            &format!("No folder '{folder}' in mailbox '{address}'."),
        ));
    };
    let view = View {
        select: None,
        expand_props: Some(Vec::new()),
        ..View::from_request(req, None)
    };
    let value: Vec<Value> = mb
        .folder_seqs(fi)
        .rev()
        .filter_map(|s| mb.messages.get(&s))
        .map(|m| {
            let mut j = message_json(m, &view);
            if let Some(h) = m.fields.get("internetMessageHeaders") {
                j["internetMessageHeaders"] = h.clone();
            }
            j
        })
        .collect();
    Ok(view.apply(SimResponse::json(200, json!({"value": value}))))
}
