//! Microsoft Graph's mail API under `/v1.0`: authentication, throttling and
//! routing to the message, folder, delta and batch endpoints.

pub mod attachments;
pub mod batch;
pub mod delta;
pub mod folders;
pub mod messages;
pub mod render;

use std::time::Instant;

use axum::http::Method;
use serde_json::json;

use super::http::{SimRequest, SimResponse, graph_error, throttled};
use super::state::{Sim, SimState};
use super::throttle::{self, ThrottleKey};
use super::tokens::AccessToken;

/// Serves one request under `/v1.0` (the segments still include `v1.0`).
pub async fn serve(sim: &Sim, req: SimRequest) -> SimResponse {
    let rest = &req.segments[1..];
    if rest.len() == 1 && rest[0] == "$batch" {
        if let Some(refused) = not_json_write(&req) {
            return refused;
        }
        return batch::serve(sim, req).await;
    }
    let token = match authenticate(&mut sim.state(), &req) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    if let Some(refused) = not_json_write(&req) {
        return refused;
    }
    let key = throttle_key(&token, rest);
    let _permit = match throttle::acquire(&sim.throttle, key, Instant::now()) {
        Ok(p) => p,
        Err(refusal) => return throttled(refusal.retry_after_secs(), refusal.message()),
    };
    if !sim.config.latency.is_zero() {
        tokio::time::sleep(sim.config.latency).await;
    }
    wait_at_gate(sim).await;
    route(&mut sim.state(), &req, &token)
}

/// A write whose body is not declared JSON, refused as Graph refuses it: no
/// Content-Type is a 400, another media type a 415. (A write without a body
/// goes on to routing, which may answer 405.)
fn not_json_write(req: &SimRequest) -> Option<SimResponse> {
    if !matches!(req.method, Method::POST | Method::PATCH | Method::PUT) || req.body.is_empty() {
        return None;
    }
    match req.header("content-type") {
        None => Some(graph_error(
            400,
            "BadRequest",
            "Write requests (excluding DELETE) must contain the Content-Type header declaration.",
        )),
        Some(ct)
            if !ct
                .trim()
                .to_ascii_lowercase()
                .starts_with("application/json") =>
        {
            Some(graph_error(
                415,
                "UnsupportedMediaType",
                &format!("The content type '{ct}' is not supported; send application/json."),
            ))
        }
        Some(_) => None,
    }
}

/// Holds an admitted request while the control API keeps the gate closed.
pub async fn wait_at_gate(sim: &Sim) {
    use std::sync::atomic::Ordering;
    let mut open = sim.gate.subscribe();
    if *open.borrow() {
        return;
    }
    sim.held.fetch_add(1, Ordering::SeqCst);
    let _ = open.wait_for(|o| *o).await;
    sim.held.fetch_sub(1, Ordering::SeqCst);
}

/// The key a request is throttled under: its app and the mailbox it touches.
pub fn throttle_key(token: &AccessToken, rest: &[String]) -> ThrottleKey {
    let mailbox = match rest.first().map(String::as_str) {
        Some("users") => rest.get(1).cloned().unwrap_or_default(),
        Some("me") => token.account.clone().unwrap_or_default(),
        _ => String::new(),
    };
    (token.client_id.clone(), mailbox.to_ascii_lowercase())
}

/// The bearer token's grant, or Graph's 401.
pub fn authenticate(state: &mut SimState, req: &SimRequest) -> Result<AccessToken, SimResponse> {
    let unauthorized = |msg: &str| {
        graph_error(401, "InvalidAuthenticationToken", msg)
            .with_header("WWW-Authenticate", "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"")
    };
    let Some(header) = req.header("authorization") else {
        return Err(unauthorized("Access token is empty."));
    };
    let Some(raw) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(unauthorized("Access token is empty."));
    };
    let limit = state.tokens.expire_after_uses;
    let Some(token) = state.tokens.access.get_mut(raw.trim()) else {
        return Err(unauthorized(
            "IDX14100: JWT is not well formed, there are no dots (.) or the token was not issued here.",
        ));
    };
    if token.audience != "graph" {
        return Err(unauthorized("Invalid audience."));
    }
    if let Some(n) = limit {
        if token.uses >= n {
            token.expires_at = chrono::Utc::now() - chrono::Duration::seconds(1);
        }
        token.uses += 1;
    }
    if token.expires_at <= chrono::Utc::now() {
        return Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    Ok(token.clone())
}

fn access_denied() -> SimResponse {
    graph_error(
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )
}

fn method_not_allowed(req: &SimRequest) -> SimResponse {
    graph_error(
        405,
        "UnknownError",
        &format!(
            "The HTTP method '{}' is not allowed for this resource.",
            req.method
        ),
    )
}

/// Dispatches an authenticated request (after `v1.0`) to its endpoint.
pub fn route(state: &mut SimState, req: &SimRequest, token: &AccessToken) -> SimResponse {
    let rest: Vec<&str> = req.segments[1..].iter().map(String::as_str).collect();
    let (mailbox, tail): (String, &[&str]) = match rest.as_slice() {
        ["me"] => return me(req, token),
        ["me", tail @ ..] => match &token.account {
            Some(a) => (a.clone(), tail),
            None => {
                return graph_error(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                );
            }
        },
        ["users", user, tail @ ..] => ((*user).to_string(), tail),
        [] => return graph_error(400, "BadRequest", "Invalid request: no resource given."),
        [first, ..] => {
            return graph_error(
                400,
                "BadRequest",
                &format!("Resource not found for the segment '{first}'."),
            );
        }
    };
    let write = req.method != Method::GET;
    if !token.may_use_mailbox(&mailbox, write) {
        return access_denied();
    }
    let realistic = state.realistic_paging;
    let Some(mb) = state.mailbox_mut(&mailbox) else {
        return graph_error(
            404,
            "ErrorInvalidUser",
            &format!("The requested user '{mailbox}' is invalid."),
        );
    };
    let m = &req.method;
    match tail {
        ["mailFolders"] if m == Method::GET => folders::list(mb, req, None),
        ["mailFolders"] if m == Method::POST => folders::create(mb, req, None),
        ["mailFolders", f, "childFolders"] if m == Method::GET => folders::list(mb, req, Some(f)),
        ["mailFolders", f, "childFolders"] if m == Method::POST => {
            folders::create(mb, req, Some(f))
        }
        ["mailFolders", f, "childFolders", c] if m == Method::GET => folders::get_child(mb, f, c),
        ["mailFolders", f] if m == Method::GET => folders::get(mb, f),
        ["mailFolders", f] if m == Method::DELETE => folders::delete(mb, f),
        ["mailFolders", f, "messages"] if m == Method::GET => {
            messages::list(mb, req, Some(f), realistic)
        }
        ["mailFolders", f, "messages", d] if is_delta(d) && m == Method::GET => {
            delta::serve(state, &mailbox, req, f)
        }
        ["mailFolders", _, "messages", id] if m == Method::GET => messages::get(mb, req, id),
        ["mailFolders", _, "messages", id] if m == Method::DELETE => messages::delete(mb, id),
        ["mailFolders", _, "messages", id, "move"] if m == Method::POST => {
            messages::move_to(mb, req, id)
        }
        ["messages"] if m == Method::GET => messages::list(mb, req, None, realistic),
        ["messages", id] if m == Method::GET => messages::get(mb, req, id),
        ["messages", id] if m == Method::DELETE => messages::delete(mb, id),
        ["messages", id, "attachments"] if m == Method::GET => attachments::list(mb, req, id),
        ["messages", id, "attachments", a] if m == Method::GET => attachments::get(mb, id, a),
        ["messages", id, "attachments", a, "$value"] if m == Method::GET => {
            attachments::value(mb, id, a)
        }
        ["messages", id, "move"] if m == Method::POST => messages::move_to(mb, req, id),
        ["mailFolders"]
        | ["mailFolders", _, "childFolders"]
        | ["mailFolders", _, "childFolders", _]
        | ["mailFolders", _]
        | ["mailFolders", _, "messages"]
        | ["mailFolders", _, "messages", _]
        | ["mailFolders", _, "messages", _, "move"]
        | ["messages"]
        | ["messages", _]
        | ["messages", _, "move"] => method_not_allowed(req),
        [] => graph_error(
            400,
            "BadRequest",
            "Reading a whole user is not supported by the simulator; name a mailFolders or messages resource.",
        ),
        [.., last] => graph_error(
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{last}'."),
        ),
    }
}

fn is_delta(seg: &str) -> bool {
    seg == "delta" || seg == "delta()" || seg == "microsoft.graph.delta()"
}

fn me(req: &SimRequest, token: &AccessToken) -> SimResponse {
    if req.method != Method::GET {
        return method_not_allowed(req);
    }
    match &token.account {
        Some(a) => SimResponse::json(
            200,
            json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
                "id": super::ids::uuid_like(),
                "userPrincipalName": a,
                "mail": a,
                "displayName": a.split('@').next().unwrap_or(a),
            }),
        ),
        None => graph_error(
            400,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        ),
    }
}

/// `origin + path` with the request's query, `$skip` replaced: the next page.
pub fn next_link(req: &SimRequest, replace: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(replace))
        .cloned()
        .collect();
    pairs.push((replace.to_string(), value.to_string()));
    link(&req.origin, &req.path, &pairs)
}

pub fn link(origin: &str, path: &str, pairs: &[(String, String)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    if query.is_empty() {
        format!("{origin}{path}")
    } else {
        format!("{origin}{path}?{query}")
    }
}
