//! The identity platform's v2.0 endpoints under `/{tenant}/oauth2/v2.0/`:
//! `token` (client credentials, device code, authorization code with PKCE,
//! rotating refresh tokens), `devicecode` and `authorize`, plus the
//! `/devicelogin` page a person uses to approve a device code.

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::http::{SimRequest, SimResponse, graph_error, oauth_error};
use super::ids;
use super::state::{Sim, SimState};
use super::tokens::{
    AccessToken, AuthCode, AuthorizeMode, DeviceCode, DeviceState, is_oidc_scope, parse_scopes,
};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Serves `/{tenant}/oauth2/v2.0/{endpoint}` and `/{tenant}/v2.0/.well-known/openid-configuration`.
pub fn serve(sim: &Sim, req: &SimRequest) -> SimResponse {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["devicelogin"] => device_login_page(sim, req),
        [tenant, "v2.0", ".well-known", "openid-configuration"] => discovery(req, tenant),
        [tenant, "oauth2", "v2.0", endpoint] => {
            if !valid_tenant(tenant) {
                return oauth_error(
                    400,
                    "invalid_request",
                    90002,
                    &format!(
                        "Tenant '{tenant}' not found. Use a tenant id, a verified domain, 'organizations' or 'common'."
                    ),
                );
            }
            match (*endpoint, &req.method) {
                ("token", &Method::POST) => token(sim, req, tenant),
                ("devicecode", &Method::POST) => device_code(sim, req),
                ("authorize", &Method::GET) | ("authorize", &Method::POST) => authorize(sim, req),
                ("token" | "devicecode", _) => oauth_error(
                    405,
                    "invalid_request",
                    900561,
                    "The endpoint only accepts POST requests.",
                ),
                _ => graph_error(
                    404,
                    "NotFound",
                    &format!("No identity endpoint '{endpoint}'."),
                ),
            }
        }
        _ => graph_error(
            400,
            "BadRequest",
            &format!("Resource not found for the path '{}'.", req.path),
        ),
    }
}

fn valid_tenant(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 256
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

fn discovery(req: &SimRequest, tenant: &str) -> SimResponse {
    let base = format!("{}/{tenant}", req.origin);
    SimResponse::json(
        200,
        json!({
            "issuer": format!("https://login.microsoftonline.com/{tenant}/v2.0"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", DEVICE_GRANT],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }),
    )
}

/// Client id and secret from the form or from HTTP Basic authentication.
fn client_credentials(
    req: &SimRequest,
    form: &[(String, String)],
) -> (Option<String>, Option<String>) {
    let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    if let Some(basic) = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(text) = String::from_utf8(raw)
        && let Some((id, secret)) = text.split_once(':')
    {
        let dec = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return (Some(dec(id)), Some(dec(secret)));
    }
    (field("client_id"), field("client_secret"))
}

/// Checks the client; a public-client flow may omit the secret, a given one must match.
fn check_client(
    sim: &Sim,
    id: Option<&str>,
    secret: Option<&str>,
    secret_required: bool,
) -> Result<String, SimResponse> {
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Err(oauth_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        ));
    };
    if id != sim.config.client_id {
        return Err(oauth_error(
            400,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{id}' was not found in the directory."),
        ));
    }
    match secret {
        Some(s) if s != sim.config.client_secret => Err(oauth_error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        )),
        None if secret_required => Err(oauth_error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
        _ => Ok(id.to_string()),
    }
}

fn form_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn missing(name: &str) -> SimResponse {
    oauth_error(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn ttl(sim: &Sim) -> Duration {
    Duration::from_std(sim.config.token_ttl).unwrap_or(Duration::hours(1))
}

fn token(sim: &Sim, req: &SimRequest, tenant: &str) -> SimResponse {
    let form = req.form();
    let (id, secret) = client_credentials(req, &form);
    let Some(grant) = form_field(&form, "grant_type") else {
        return missing("grant_type");
    };
    let mut state = sim.state();
    match grant {
        "client_credentials" => {
            let client = match check_client(sim, id.as_deref(), secret.as_deref(), true) {
                Ok(c) => c,
                Err(e) => return e,
            };
            if matches!(tenant, "common" | "organizations" | "consumers") {
                return oauth_error(
                    400,
                    "invalid_request",
                    900023,
                    "Specified tenant identifier is not valid for client credentials: use the tenant id or domain.",
                );
            }
            let scope = form_field(&form, "scope").unwrap_or_default();
            if scope.trim() != "https://graph.microsoft.com/.default" {
                return oauth_error(
                    400,
                    "invalid_scope",
                    1002012,
                    &format!(
                        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                    ),
                );
            }
            let t = AccessToken {
                client_id: client,
                account: None,
                scopes: vec![],
                roles: vec!["Mail.ReadWrite".into()],
                expires_at: Utc::now(),
            };
            SimResponse::json(200, state.tokens.issue(t, tenant, ttl(sim), false))
        }
        DEVICE_GRANT => device_token(
            sim,
            &mut state,
            &form,
            id.as_deref(),
            secret.as_deref(),
            tenant,
        ),
        "authorization_code" => code_token(
            sim,
            &mut state,
            &form,
            id.as_deref(),
            secret.as_deref(),
            tenant,
        ),
        "refresh_token" => {
            let client = match check_client(sim, id.as_deref(), secret.as_deref(), false) {
                Ok(c) => c,
                Err(e) => return e,
            };
            let Some(rt) = form_field(&form, "refresh_token") else {
                return missing("refresh_token");
            };
            let Some(grant) = state.tokens.refresh.remove(rt) else {
                return oauth_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided grant is invalid or malformed: the refresh token was already used, revoked or never issued. Sign in again.",
                );
            };
            if grant.client_id != client {
                return oauth_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The refresh token was issued to a different client.",
                );
            }
            let scopes = match form_field(&form, "scope") {
                Some(s) => {
                    let asked = parse_scopes(s);
                    if let Some(extra) = asked
                        .iter()
                        .find(|a| !is_oidc_scope(a) && !grant.scopes.contains(a))
                    {
                        return oauth_error(
                            400,
                            "invalid_grant",
                            65001,
                            &format!(
                                "The user or administrator has not consented to use the application with scope '{extra}'."
                            ),
                        );
                    }
                    let mut s = asked;
                    if grant.scopes.iter().any(|g| g == "offline_access")
                        && !s.iter().any(|x| x == "offline_access")
                    {
                        s.push("offline_access".into());
                    }
                    s
                }
                None => grant.scopes.clone(),
            };
            let t = AccessToken {
                client_id: client,
                account: Some(grant.account),
                scopes,
                roles: vec![],
                expires_at: Utc::now(),
            };
            SimResponse::json(200, state.tokens.issue(t, tenant, ttl(sim), true))
        }
        other => oauth_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn device_token(
    sim: &Sim,
    state: &mut SimState,
    form: &[(String, String)],
    id: Option<&str>,
    secret: Option<&str>,
    tenant: &str,
) -> SimResponse {
    let client = match check_client(sim, id, secret, false) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(code) = form_field(form, "device_code") else {
        return missing("device_code");
    };
    let now = Utc::now();
    let Some(dc) = state.tokens.device.get_mut(code) else {
        return oauth_error(
            400,
            "bad_verification_code",
            70019,
            "Verification code was not recognized.",
        );
    };
    if dc.client_id != client {
        return oauth_error(
            400,
            "bad_verification_code",
            70019,
            "Verification code was issued to a different client.",
        );
    }
    if dc.expires_at <= now {
        return oauth_error(
            400,
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        );
    }
    let too_soon = dc
        .last_poll
        .is_some_and(|last| now - last < Duration::seconds(dc.interval_secs as i64));
    dc.last_poll = Some(now);
    if too_soon {
        return oauth_error(
            400,
            "slow_down",
            70016,
            &format!(
                "Polling faster than the interval of {} seconds. Slow down.",
                dc.interval_secs
            ),
        );
    }
    match dc.state.clone() {
        DeviceState::Pending => oauth_error(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
        DeviceState::Declined => {
            state.tokens.device.remove(code);
            oauth_error(
                400,
                "authorization_declined",
                70000,
                "The end user denied the authorization request.",
            )
        }
        DeviceState::Approved(account) => {
            let scopes = dc.scopes.clone();
            state.tokens.device.remove(code);
            let t = AccessToken {
                client_id: client,
                account: Some(account),
                scopes,
                roles: vec![],
                expires_at: now,
            };
            SimResponse::json(200, state.tokens.issue(t, tenant, ttl(sim), true))
        }
    }
}

fn code_token(
    sim: &Sim,
    state: &mut SimState,
    form: &[(String, String)],
    id: Option<&str>,
    secret: Option<&str>,
    tenant: &str,
) -> SimResponse {
    let client = match check_client(sim, id, secret, false) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(code) = form_field(form, "code") else {
        return missing("code");
    };
    let Some(grant) = state.tokens.codes.remove(code) else {
        return oauth_error(
            400,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed or is not valid. Sign in again.",
        );
    };
    if grant.client_id != client || grant.expires_at <= Utc::now() {
        return oauth_error(
            400,
            "invalid_grant",
            70008,
            "The provided authorization code has expired or was issued to another client.",
        );
    }
    if form_field(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return oauth_error(
            400,
            "invalid_grant",
            50148,
            "The redirect_uri does not match the one in the authorization request.",
        );
    }
    if let Some((challenge, method)) = &grant.challenge {
        let Some(verifier) = form_field(form, "code_verifier") else {
            return oauth_error(
                400,
                "invalid_grant",
                50148,
                "The code_verifier is missing: the authorization request used PKCE.",
            );
        };
        let computed = if method == "S256" {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if &computed != challenge {
            return oauth_error(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            );
        }
    }
    let t = AccessToken {
        client_id: client,
        account: Some(grant.account),
        scopes: grant.scopes,
        roles: vec![],
        expires_at: Utc::now(),
    };
    SimResponse::json(200, state.tokens.issue(t, tenant, ttl(sim), true))
}

fn device_code(sim: &Sim, req: &SimRequest) -> SimResponse {
    let form = req.form();
    let (id, secret) = client_credentials(req, &form);
    let client = match check_client(sim, id.as_deref(), secret.as_deref(), false) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(scope) = form_field(&form, "scope").filter(|s| !s.trim().is_empty()) else {
        return missing("scope");
    };
    let scopes = parse_scopes(scope);
    if scopes.iter().any(|s| s == ".default") && scopes.len() == 1 {
        // Allowed: consented permissions of the app.
    }
    let code = ids::opaque_token(48);
    let user_code = ids::user_code();
    let ttl = Duration::from_std(sim.config.device_code_ttl).unwrap_or(Duration::minutes(15));
    let verification_uri = format!("{}/devicelogin", req.origin);
    sim.state().tokens.device.insert(
        code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            client_id: client,
            scopes,
            expires_at: Utc::now() + ttl,
            interval_secs: sim.config.device_interval_secs,
            last_poll: None,
            state: DeviceState::Pending,
        },
    );
    SimResponse::json(
        200,
        json!({
            "device_code": code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "expires_in": ttl.num_seconds(),
            "interval": sim.config.device_interval_secs,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

/// Approves or declines a pending device code by its user code.
pub fn decide_device(
    state: &mut SimState,
    user_code: &str,
    decision: DeviceState,
) -> Result<(), String> {
    let wanted = user_code.trim().to_ascii_uppercase();
    let now = Utc::now();
    let dc = state
        .tokens
        .device
        .values_mut()
        .find(|d| d.user_code == wanted && d.expires_at > now)
        .ok_or_else(|| format!("no pending device code with user_code '{user_code}' (it may have expired or been used)"))?;
    dc.state = decision;
    Ok(())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page a person opens from the device-code message (GET shows, POST decides).
fn device_login_page(sim: &Sim, req: &SimRequest) -> SimResponse {
    let mut note = String::new();
    if req.method == Method::POST {
        let form = req.form();
        let code = form_field(&form, "user_code").unwrap_or_default();
        let account = form_field(&form, "account").unwrap_or_default().trim();
        let decision = if form_field(&form, "action") == Some("decline") {
            DeviceState::Declined
        } else {
            DeviceState::Approved(account.to_string())
        };
        if matches!(decision, DeviceState::Approved(_)) && !account.contains('@') {
            note = "Enter the account to sign in as, such as admin@contoso.example.".into();
        } else {
            match decide_device(&mut sim.state(), code, decision) {
                Ok(()) => return SimResponse::html(200, "<html><body><h1>Done</h1><p>You can close this window and go back to emaillog.</p></body></html>".into()),
                Err(e) => note = e,
            }
        }
    }
    SimResponse::html(
        200,
        format!(
            "<html><body><h1>Sign in (emaillog simulator)</h1><p>{}</p><form method=\"post\">\
         <label>Code <input name=\"user_code\"></label><br><label>Account <input name=\"account\" value=\"admin@contoso.example\"></label><br>\
         <button name=\"action\" value=\"approve\">Approve</button> <button name=\"action\" value=\"decline\">Decline</button></form></body></html>",
            html_escape(&note)
        ),
    )
}

fn is_loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && match u.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    })
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> SimResponse {
    let mut u = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => return graph_error(400, "invalid_request", "redirect_uri is not a URL."),
    };
    u.query_pairs_mut().extend_pairs(pairs);
    SimResponse::redirect(u.as_str())
}

/// `/authorize`: validates the request, then signs the user in according to
/// the authorize mode (interactive page, or approve/decline set by `/_sim/authorize/...`).
fn authorize(sim: &Sim, req: &SimRequest) -> SimResponse {
    let mut params: Vec<(String, String)> = req.query.clone();
    let form = if req.method == Method::POST {
        req.form()
    } else {
        Vec::new()
    };
    for (k, v) in &form {
        if !params.iter().any(|(pk, _)| pk == k) {
            params.push((k.clone(), v.clone()));
        }
    }
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let page_error = |m: &str| {
        SimResponse::html(
            400,
            format!(
                "<html><body><h1>Sign-in error</h1><p>{}</p></body></html>",
                html_escape(m)
            ),
        )
    };
    let client = get("client_id").unwrap_or_default();
    if client != sim.config.client_id {
        return page_error(&format!(
            "AADSTS700016: Application with identifier '{client}' was not found in the directory."
        ));
    }
    let Some(redirect_uri) = get("redirect_uri") else {
        return page_error("AADSTS900144: The request must contain the parameter 'redirect_uri'.");
    };
    if !is_loopback_redirect(&redirect_uri) {
        return page_error(
            "AADSTS50011: The redirect URI must be an http loopback address (http://localhost or http://127.0.0.1 with any port) for this app.",
        );
    }
    let state_param = get("state").unwrap_or_default();
    let with_state = |mut pairs: Vec<(&'static str, String)>| {
        if !state_param.is_empty() {
            pairs.push(("state", state_param.clone()));
        }
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        redirect_with(&redirect_uri, &refs)
    };
    if get("response_type").as_deref() != Some("code") {
        return with_state(vec![
            ("error", "unsupported_response_type".into()),
            (
                "error_description",
                "AADSTS700054: response_type must be 'code'.".into(),
            ),
        ]);
    }
    let Some(scope) = get("scope").filter(|s| !s.trim().is_empty()) else {
        return with_state(vec![
            ("error", "invalid_request".into()),
            (
                "error_description",
                "AADSTS900144: The request must contain the parameter 'scope'.".into(),
            ),
        ]);
    };
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), m) => {
            let m = m.unwrap_or_else(|| "plain".into());
            if m != "S256" && m != "plain" {
                return with_state(vec![
                    ("error", "invalid_request".into()),
                    (
                        "error_description",
                        "AADSTS501491: code_challenge_method must be S256 or plain.".into(),
                    ),
                ]);
            }
            Some((c, m))
        }
        (None, _) => None,
    };
    let mode = sim.state().tokens.authorize_mode.clone();
    let decision = if req.method == Method::POST {
        match form_field(&form, "action") {
            Some("decline") => None,
            _ => Some(
                form_field(&form, "account")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        }
    } else {
        match mode {
            AuthorizeMode::Approve(a) => Some(a),
            AuthorizeMode::Decline => None,
            AuthorizeMode::Interactive => {
                return sign_in_page(&params, get("login_hint").unwrap_or_default());
            }
        }
    };
    let Some(account) = decision else {
        return with_state(vec![
            ("error", "access_denied".into()),
            (
                "error_description",
                "AADSTS65004: User declined to consent to access the app.".into(),
            ),
        ]);
    };
    if !account.contains('@') {
        return sign_in_page(&params, account);
    }
    let code = ids::opaque_token(40);
    sim.state().tokens.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client,
            account,
            scopes: parse_scopes(&scope),
            redirect_uri: redirect_uri.clone(),
            challenge,
            expires_at: Utc::now() + Duration::minutes(10),
        },
    );
    with_state(vec![("code", code)])
}

fn sign_in_page(params: &[(String, String)], account: String) -> SimResponse {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| k != "account" && k != "action")
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    SimResponse::html(
        200,
        format!(
            "<html><body><h1>Sign in (emaillog simulator)</h1><form method=\"post\">{hidden}\
         <label>Account <input name=\"account\" value=\"{}\"></label><br>\
         <button name=\"action\" value=\"approve\">Accept</button> <button name=\"action\" value=\"decline\">Cancel</button></form></body></html>",
            html_escape(&account)
        ),
    )
}
