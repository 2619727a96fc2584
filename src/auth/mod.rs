//! Signing in to the identity platform and keeping an access token at hand,
//! and the secrets that needs, sealed at rest.

pub mod account;
pub mod auth_code;
pub mod client_credentials;
pub mod delegated;
pub mod device_code;
pub mod oauth;
pub mod secrets;

use std::time::Instant;

use futures::future::BoxFuture;

pub use client_credentials::ClientCredentials;
pub use secrets::Secret;

/// Graph's scope for app-only tokens.
pub const APP_ONLY_SCOPE: &str = "https://graph.microsoft.com/.default";
/// The delegated scopes the job needs.
pub const DELEGATED_SCOPES: &[&str] = &[
    "https://graph.microsoft.com/Mail.ReadWrite.Shared",
    "offline_access",
];
/// Exchange Online's IMAP with XOAUTH2, app-only.
pub const IMAP_APP_ONLY_SCOPE: &str = "https://outlook.office365.com/.default";
/// Exchange Online's IMAP with XOAUTH2, delegated.
pub const IMAP_DELEGATED_SCOPES: &[&str] = &[
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "offline_access",
];

/// What a token is asked for: Graph's scopes, or Exchange Online IMAP's
/// when the job reads over IMAP with XOAUTH2 (a token is only ever sent to
/// the resource it was issued for).
pub fn scopes_for(setup: &crate::domain::setup::Setup) -> (&'static str, &'static [&'static str]) {
    use crate::domain::setup::{ImapAuth, SourceKind};
    if setup.source == SourceKind::Imap && setup.imap_auth == ImapAuth::Xoauth2 {
        (IMAP_APP_ONLY_SCOPE, IMAP_DELEGATED_SCOPES)
    } else {
        (APP_ONLY_SCOPE, DELEGATED_SCOPES)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// Retrying later can help (network, 5xx, a garbled answer).
    #[error("sign-in failed for now: {0}")]
    Transient(String),
    /// It cannot work until someone changes something; the text says what.
    #[error("{0}")]
    Permanent(String),
}

impl AuthError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, AuthError::Transient(_))
    }
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub secret: Secret,
    pub expires_at: Instant,
    /// When to get a new one: five minutes early, or after four fifths of a
    /// short lifetime.
    pub renew_at: Instant,
}

impl AccessToken {
    pub fn new(secret: Secret, issued: Instant, lifetime: std::time::Duration) -> Self {
        let early = std::time::Duration::from_secs(300).min(lifetime / 5);
        Self {
            secret,
            expires_at: issued + lifetime,
            renew_at: issued + lifetime - early,
        }
    }

    pub fn is_fresh(&self) -> bool {
        Instant::now() < self.renew_at
    }
}

/// Where the mail source gets its bearer token.
pub trait TokenProvider: Send + Sync {
    /// A token valid for a while yet, fetched or refreshed as needed.
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;
    /// Forget the cached token (Graph said 401), so the next call gets a new one.
    fn invalidate(&self);
    /// Who the job runs as, for the entries' account field.
    fn account(&self) -> String;
}

/// Maps the identity platform's error codes to what an admin should do.
pub fn explain_oauth_error(code: &str, description: &str) -> AuthError {
    let first_line = description.lines().next().unwrap_or_default();
    let hint = match code {
        "invalid_client" => {
            "the client secret is wrong or expired: set it again with `emaillog setup secret --stdin`"
        }
        "unauthorized_client" => {
            "the client id is not registered in this tenant: check `emaillog setup set --client-id`"
        }
        "invalid_scope" => {
            "the app registration lacks the Mail.ReadWrite permission or admin consent"
        }
        "invalid_grant" => "the sign-in is no longer valid: sign in again",
        "invalid_request" => "the tenant or request is wrong: check `emaillog setup set --tenant`",
        _ => "",
    };
    let text = if hint.is_empty() {
        format!("{code}: {first_line}")
    } else {
        format!("{code}: {first_line} — {hint}")
    };
    match code {
        "temporarily_unavailable" | "server_error" => AuthError::Transient(text),
        _ => AuthError::Permanent(text),
    }
}
