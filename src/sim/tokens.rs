//! What the identity platform has issued: access tokens, refresh tokens,
//! device codes and authorization codes.
//!
//! Access tokens are JWT-shaped (header.claims.signature, base64url) so a
//! client can read the signed-in account from them as from Entra's, but the
//! simulator validates them by lookup, never by parsing.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::identity::LazyIdTokenKey;
use super::ids;

pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub client_id: String,
    /// The signed-in account; `None` for an app-only token.
    pub account: Option<String>,
    /// Delegated scopes, short form (`Mail.ReadWrite.Shared`).
    pub scopes: Vec<String>,
    /// Application roles of an app-only token.
    pub roles: Vec<String>,
    pub expires_at: DateTime<Utc>,
    /// Graph requests made with it so far (for `expire_after_uses`).
    pub uses: u32,
    /// Who it is for: `graph`, or `outlook` (Exchange Online's IMAP);
    /// Graph refuses a token issued for another resource.
    pub audience: String,
}

impl AccessToken {
    fn permissions(&self) -> impl Iterator<Item = &String> {
        self.scopes.iter().chain(self.roles.iter())
    }

    /// Whether the token may read (or, with `write`, change) `mailbox`.
    pub fn may_use_mailbox(&self, mailbox: &str, write: bool) -> bool {
        let own = self
            .account
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(mailbox));
        let wanted: &[&str] = match (self.account.is_some(), own, write) {
            (false, _, false) => &["Mail.Read", "Mail.ReadWrite"],
            (false, _, true) => &["Mail.ReadWrite"],
            (true, true, false) => &[
                "Mail.Read",
                "Mail.ReadWrite",
                "Mail.Read.Shared",
                "Mail.ReadWrite.Shared",
            ],
            (true, true, true) => &["Mail.ReadWrite", "Mail.ReadWrite.Shared"],
            (true, false, false) => &["Mail.Read.Shared", "Mail.ReadWrite.Shared"],
            (true, false, true) => &["Mail.ReadWrite.Shared"],
        };
        self.permissions()
            .any(|p| wanted.iter().any(|w| w.eq_ignore_ascii_case(p)))
    }
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub account: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    Pending,
    Approved(String),
    Declined,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub interval_secs: u64,
    pub last_poll: Option<DateTime<Utc>>,
    /// Token requests made with it so far: a test approves after the
    /// client has been told `authorization_pending`, without sleeping.
    pub polls: u32,
    pub state: DeviceState,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub account: String,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

/// How `/authorize` answers: a sign-in page, or at once (set by the control API).
#[derive(Debug, Clone, Default)]
pub enum AuthorizeMode {
    #[default]
    Interactive,
    Approve(String),
    Decline,
}

#[derive(Debug, Default)]
pub struct TokenStore {
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub device: HashMap<String, DeviceCode>,
    pub codes: HashMap<String, AuthCode>,
    pub authorize_mode: AuthorizeMode,
    /// The clock device codes live by: the wall clock, unless a test froze
    /// it (`/_sim/clock/freeze`) to step it by hand.
    pub device_clock: DeviceClock,
    /// Every access token stops working after this many Graph requests
    /// (`/_sim/tokens/expire-after`): expiry mid-run at points that do not
    /// depend on timing.
    pub expire_after_uses: Option<u32>,
}

/// A clock tests can freeze and step, so polling intervals and expiry are
/// decided without depending on how fast the machine is.
#[derive(Debug, Default, Clone, Copy)]
pub struct DeviceClock {
    pub frozen_at: Option<DateTime<Utc>>,
}

impl DeviceClock {
    pub fn now(&self) -> DateTime<Utc> {
        self.frozen_at.unwrap_or_else(Utc::now)
    }
}

/// The short name of a Graph scope: `https://graph.microsoft.com/Mail.Read` → `Mail.Read`.
pub fn short_scope(scope: &str) -> String {
    scope
        .strip_prefix(GRAPH_RESOURCE)
        .map(|s| s.trim_start_matches('/'))
        .unwrap_or(scope)
        .to_string()
}

pub fn parse_scopes(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(short_scope).collect()
}

/// OpenID scopes are about the sign-in itself, not Graph.
pub fn is_oidc_scope(s: &str) -> bool {
    matches!(s, "openid" | "profile" | "email" | "offline_access")
}

fn b64json(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// Who issues a token and what the request asked for besides it.
pub struct Issuer<'a> {
    /// The directory's tenant GUID, whatever name the client used for it.
    pub tenant_id: &'a str,
    /// Signs id_tokens; made on first use.
    pub key: &'a LazyIdTokenKey,
    /// The request had `client_info=1` (MSAL always sends it).
    pub client_info: bool,
}

/// The account's object id: a GUID that stays the same for the account.
pub fn object_id(account: &str) -> String {
    ids::guid_from(&account.to_ascii_lowercase())
}

impl TokenStore {
    /// Issues an access token (and, with `offline_access`, a refresh token) and
    /// returns the token endpoint's JSON answer.
    pub fn issue(
        &mut self,
        token: AccessToken,
        issuer: &Issuer<'_>,
        ttl: Duration,
        with_refresh: bool,
    ) -> serde_json::Value {
        let tenant = issuer.tenant_id;
        let now = Utc::now();
        let mut token = token;
        token.expires_at = now + ttl;
        let graph_scopes: Vec<&String> =
            token.scopes.iter().filter(|s| !is_oidc_scope(s)).collect();
        let audience = match token.audience.as_str() {
            "outlook" => "https://outlook.office.com",
            _ => GRAPH_RESOURCE,
        };
        let claims = json!({
            "ver": "1.0",
            "aud": audience,
            "iss": format!("https://sts.windows.net/{tenant}/"),
            "iat": now.timestamp(),
            "nbf": now.timestamp(),
            "exp": token.expires_at.timestamp(),
            "appid": token.client_id,
            "tid": tenant,
            "upn": token.account,
            "oid": token.account.as_deref().map(object_id),
            "preferred_username": token.account,
            "scp": if token.account.is_some() { Some(graph_scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")) } else { None },
            "roles": if token.account.is_none() { Some(token.roles.clone()) } else { None },
            "uti": ids::opaque_token(16),
        });
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": "sim"});
        let access = format!(
            "{}.{}.{}",
            b64json(&header),
            b64json(&claims),
            ids::opaque_token(64)
        );
        let mut answer = json!({
            "token_type": "Bearer",
            "expires_in": ttl.num_seconds(),
            "ext_expires_in": ttl.num_seconds(),
            "access_token": access,
        });
        let scope_text: Vec<String> = if token.account.is_some() {
            token
                .scopes
                .iter()
                .map(|s| {
                    if is_oidc_scope(s) {
                        s.clone()
                    } else {
                        format!("{GRAPH_RESOURCE}/{s}")
                    }
                })
                .collect()
        } else {
            vec![format!("{GRAPH_RESOURCE}/.default")]
        };
        answer["scope"] = json!(scope_text.join(" "));
        if let Some(account) = token.account.clone() {
            if with_refresh && token.scopes.iter().any(|s| s == "offline_access") {
                let refresh = ids::opaque_token(48);
                self.refresh.insert(
                    refresh.clone(),
                    RefreshGrant {
                        client_id: token.client_id.clone(),
                        account: account.clone(),
                        scopes: token.scopes.clone(),
                    },
                );
                answer["refresh_token"] = json!(refresh);
            }
            let oid = object_id(&account);
            if token.scopes.iter().any(|s| s == "openid") {
                // A v2.0 id_token as Entra issues one; `sub` is pairwise
                // (per account and app), `oid` the same for every app.
                let sub = URL_SAFE_NO_PAD
                    .encode(&Sha256::digest(format!("{oid}|{}", token.client_id))[..32]);
                let id_claims = json!({
                    "ver": "2.0",
                    "aud": token.client_id,
                    "iss": format!("https://login.microsoftonline.com/{tenant}/v2.0"),
                    "iat": now.timestamp(),
                    "nbf": now.timestamp(),
                    "exp": token.expires_at.timestamp(),
                    "preferred_username": account,
                    "name": account,
                    "oid": oid,
                    "sub": sub,
                    "tid": tenant,
                    "uti": ids::opaque_token(16),
                });
                answer["id_token"] = json!(issuer.key.get().sign(&id_claims));
            }
            if issuer.client_info {
                answer["client_info"] =
                    json!(URL_SAFE_NO_PAD.encode(json!({"uid": oid, "utid": tenant}).to_string()));
            }
        }
        self.access.insert(access, token);
        answer
    }

    /// Every access token issued so far stops working.
    pub fn expire_all(&mut self) {
        let past = Utc::now() - Duration::seconds(1);
        for t in self.access.values_mut() {
            t.expires_at = past;
        }
    }

    pub fn revoke_account(&mut self, account: &str) -> usize {
        let before = self.refresh.len();
        self.refresh
            .retain(|_, g| !g.account.eq_ignore_ascii_case(account));
        before - self.refresh.len()
    }
}
