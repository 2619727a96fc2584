//! What every sign-in shares: the identity platform's endpoints for a setup,
//! the tokens a sign-in yields, and turning the `oauth2` crate's errors into
//! ones that say what to do.

use std::time::{Duration, Instant};

use oauth2::{ErrorResponseType, RequestTokenError, StandardErrorResponse, TokenResponse};

use super::{AccessToken, AuthError, Secret, explain_oauth_error};

/// The v2.0 endpoints under `{authority}/{tenant}`.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub device: String,
}

impl Endpoints {
    pub fn new(authority: &str, tenant: &str) -> Self {
        let base = format!("{}/{}/oauth2/v2.0", authority.trim_end_matches('/'), tenant);
        Self {
            authorize: format!("{base}/authorize"),
            token: format!("{base}/token"),
            device: format!("{base}/devicecode"),
        }
    }
}

/// The app registration a delegated sign-in uses.
#[derive(Debug, Clone)]
pub struct ClientApp {
    pub endpoints: Endpoints,
    pub client_id: String,
    /// Confidential apps send it; public clients (device code) need none.
    pub secret: Option<Secret>,
}

/// What a delegated sign-in or refresh gives.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub access: AccessToken,
    /// A new refresh token, when the service rotated it.
    pub refresh: Option<Secret>,
    /// The account read from the id token or the access token, if it says.
    pub account: Option<String>,
}

pub fn signed_in<T: TokenResponse>(t: &T, started: Instant, id_token: Option<&str>) -> SignedIn {
    let lifetime = t.expires_in().unwrap_or(Duration::from_secs(3600));
    let access = t.access_token().secret().clone();
    let account = id_token
        .and_then(super::account::from_jwt)
        .or_else(|| super::account::from_jwt(&access));
    SignedIn {
        access: AccessToken::new(Secret::new(access), started, lifetime),
        refresh: t.refresh_token().map(|r| Secret::new(r.secret().clone())),
        account,
    }
}

/// Maps a token-endpoint failure (of any grant, the device flow's included);
/// the identity platform's code decides whether retrying can help.
pub fn token_error<RE, T>(e: RequestTokenError<RE, StandardErrorResponse<T>>) -> AuthError
where
    RE: std::error::Error + 'static,
    T: ErrorResponseType + AsRef<str> + std::fmt::Display,
{
    match e {
        RequestTokenError::ServerResponse(r) => explain_oauth_error(
            r.error().as_ref(),
            r.error_description()
                .map(String::as_str)
                .unwrap_or_default(),
        ),
        RequestTokenError::Request(e) => match crate::net::untrusted_certificate(&e) {
            Some(why) => AuthError::Permanent(format!("the token endpoint: {why}")),
            None => AuthError::Transient(format!("cannot reach the token endpoint: {e}")),
        },
        RequestTokenError::Parse(e, _) => AuthError::Transient(format!(
            "the token endpoint's answer was not understood: {e}"
        )),
        RequestTokenError::Other(e) => AuthError::Transient(format!("token request failed: {e}")),
    }
}
