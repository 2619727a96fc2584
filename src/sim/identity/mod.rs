//! The identity platform's v2.0 endpoints under `/{tenant}/`: in
//! `oauth2/v2.0/`, `token` (client credentials, device code, authorization
//! code with PKCE, refresh tokens: each answered with a new one, none
//! revoked by its use; in [`token`]), `devicecode` and the `/devicelogin`
//! page a person uses to approve a device code ([`device`]), and
//! `authorize` ([`authorize`]); the discovery document and the key that
//! signs id_tokens with its JWKS ([`keys`]). Here: routing, the tenants the
//! directory answers to, and the client checks every endpoint shares.

mod authorize;
mod device;
mod keys;
mod token;

use axum::http::Method;
use base64::Engine;
use chrono::Duration;
use serde_json::json;

use super::http::{SimRequest, SimResponse, graph_error, oauth_error};
use super::state::Sim;

pub use device::{decide_device, device_polls};
pub use keys::{IdTokenKey, LazyIdTokenKey};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub fn serve(sim: &Sim, req: &SimRequest) -> SimResponse {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["devicelogin"] => device::device_login_page(sim, req),
        [tenant, "v2.0", ".well-known", "openid-configuration"] => {
            if !known_tenant(sim, tenant) {
                return tenant_not_found("invalid_tenant", tenant);
            }
            discovery(sim, req, tenant)
        }
        [tenant, "discovery", "v2.0", "keys"] => {
            if !known_tenant(sim, tenant) {
                return tenant_not_found("invalid_tenant", tenant);
            }
            SimResponse::json(200, sim.id_token_key.get().jwks())
        }
        [tenant, "oauth2", "v2.0", endpoint] => {
            if !known_tenant(sim, tenant) {
                return tenant_not_found("invalid_request", tenant);
            }
            match (*endpoint, &req.method) {
                ("token", &Method::POST) => token::token(sim, req, tenant),
                ("devicecode", &Method::POST) => device::device_code(sim, req),
                ("authorize", &Method::GET) | ("authorize", &Method::POST) => {
                    authorize::authorize(sim, req)
                }
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

/// The names the directory answers to, as Entra's: its own tenant GUID,
/// any domain (the simulator verifies every domain), and the multi-tenant
/// `common` / `organizations` / `consumers`. Another GUID or a bare word
/// is a tenant that does not exist.
fn known_tenant(sim: &Sim, t: &str) -> bool {
    let shaped = !t.is_empty()
        && t.len() <= 256
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    shaped
        && (t.eq_ignore_ascii_case(&sim.config.tenant_id)
            || matches!(t, "common" | "organizations" | "consumers")
            || (t.contains('.') && !t.starts_with('.') && !t.ends_with('.')))
}

fn tenant_not_found(error: &str, tenant: &str) -> SimResponse {
    oauth_error(
        400,
        error,
        90002,
        &format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Use a tenant id, a verified domain, 'organizations' or 'common'."
        ),
    )
}

/// The OpenID configuration, as Entra's: a tenant's own names its GUID in
/// `issuer`; the multi-tenant ones carry the `{tenantid}` placeholder.
fn discovery(sim: &Sim, req: &SimRequest, tenant: &str) -> SimResponse {
    let base = format!("{}/{tenant}", req.origin);
    let issuer_tenant = if matches!(tenant, "common" | "organizations" | "consumers") {
        "{tenantid}"
    } else {
        sim.config.tenant_id.as_str()
    };
    SimResponse::json(
        200,
        json!({
            "issuer": format!("https://login.microsoftonline.com/{issuer_tenant}/v2.0"),
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "preferred_username", "tid", "ver"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "msgraph_host": "graph.microsoft.com",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", DEVICE_GRANT],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }),
    )
}

/// Client id and secret from the form or from HTTP Basic authentication.
pub(super) fn client_credentials(
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
pub(super) fn check_client(
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

pub(super) fn form_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn missing(name: &str) -> SimResponse {
    oauth_error(
        400,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

pub(super) fn ttl(sim: &Sim) -> Duration {
    Duration::from_std(sim.config.token_ttl).unwrap_or(Duration::hours(1))
}

/// Escapes text for the simulator's small HTML pages.
pub(super) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
