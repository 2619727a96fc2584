//! A delegated (signed-in account) token provider: keeps the access token
//! until shortly before it expires, then uses the refresh token. Refresh
//! tokens rotate, so every refresh saves the new refresh token together with
//! the new access token through the [`TokenVault`] in one transaction. A
//! refresh token the service rejects is a permanent error: the job goes to
//! Error asking for a new sign-in, and never loops.

use std::sync::Mutex;
use std::time::Instant;

use futures::future::BoxFuture;
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, RefreshToken, Scope, TokenUrl};

use super::oauth::{ClientApp, SignedIn, signed_in, token_error};
use super::{AccessToken, AuthError, DELEGATED_SCOPES, Secret, TokenProvider};

/// Where rotated tokens are kept (the app layer seals them into the database).
pub trait TokenVault: Send + Sync {
    fn refresh_token(&self) -> Result<Option<Secret>, AuthError>;
    /// Saves both in one transaction; `refresh` is `None` when not rotated.
    fn save(&self, access: &AccessToken, refresh: Option<&Secret>) -> Result<(), AuthError>;
}

pub struct DelegatedTokens {
    app: ClientApp,
    account: String,
    vault: Box<dyn TokenVault>,
    cache: Mutex<Option<AccessToken>>,
    /// Serializes refreshes so a rotated token is never used twice.
    refreshing: tokio::sync::Mutex<()>,
    /// What a refresh asks for (Graph's unless told otherwise).
    scopes: &'static [&'static str],
}

impl DelegatedTokens {
    pub fn new(
        app: ClientApp,
        account: String,
        vault: Box<dyn TokenVault>,
        cached: Option<AccessToken>,
    ) -> Self {
        Self {
            app,
            account,
            vault,
            cache: Mutex::new(cached),
            refreshing: tokio::sync::Mutex::new(()),
            scopes: DELEGATED_SCOPES,
        }
    }

    fn cached(&self) -> Option<AccessToken> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .filter(AccessToken::is_fresh)
    }

    async fn refresh(&self) -> Result<SignedIn, AuthError> {
        let Some(rt) = self.vault.refresh_token()? else {
            return Err(AuthError::Permanent(
                "not signed in: sign in again (Renew token): emaillog login".into(),
            ));
        };
        refresh_scoped(&self.app, &rt, self.scopes).await
    }

    /// Tokens for another resource (Exchange Online's IMAP).
    pub fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }
}

/// One refresh-token grant for Graph's scopes.
pub async fn refresh_with(app: &ClientApp, refresh_token: &Secret) -> Result<SignedIn, AuthError> {
    refresh_scoped(app, refresh_token, DELEGATED_SCOPES).await
}

/// One refresh-token grant for `scopes`.
pub async fn refresh_scoped(
    app: &ClientApp,
    refresh_token: &Secret,
    scopes: &[&str],
) -> Result<SignedIn, AuthError> {
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone())).set_token_uri(
        TokenUrl::new(app.endpoints.token.clone())
            .map_err(|e| AuthError::Permanent(format!("the token URL is not valid: {e}")))?,
    );
    if let Some(s) = &app.secret {
        client = client
            .set_client_secret(ClientSecret::new(s.expose().to_string()))
            .set_auth_type(oauth2::AuthType::RequestBody);
    }
    let started = Instant::now();
    let rt = RefreshToken::new(refresh_token.expose().to_string());
    let t = client
        .exchange_refresh_token(&rt)
        .add_scopes(scopes.iter().map(|s| Scope::new(s.to_string())))
        .request_async(&super::client_credentials::http_client()?)
        .await
        .map_err(|e| {
            // The refresh token itself was refused: only a new sign-in helps.
            let refused = matches!(
                &e,
                oauth2::RequestTokenError::ServerResponse(r) if r.error().as_ref() == "invalid_grant"
            );
            match token_error(e) {
                AuthError::Permanent(m) if refused => {
                    AuthError::Permanent(format!("{m} (Renew token): emaillog login"))
                }
                other => other,
            }
        })?;
    Ok(signed_in(&t, started, None))
}

impl TokenProvider for DelegatedTokens {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            if let Some(t) = self.cached() {
                return Ok(t);
            }
            let _one_at_a_time = self.refreshing.lock().await;
            if let Some(t) = self.cached() {
                return Ok(t);
            }
            let fresh = self.refresh().await?;
            self.vault.save(&fresh.access, fresh.refresh.as_ref())?;
            *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh.access.clone());
            Ok(fresh.access)
        })
    }

    fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn account(&self) -> String {
        self.account.clone()
    }
}
