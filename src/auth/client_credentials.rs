//! App-only sign-in (client credentials) with the `oauth2` crate, for
//! unattended servers. The token is cached until shortly before it expires.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

use super::{APP_ONLY_SCOPE, AccessToken, AuthError, Secret, TokenProvider};

pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    secret: Secret,
    http: reqwest::Client,
    cache: std::sync::Mutex<Option<AccessToken>>,
    /// The resource's `/.default` (Graph's unless told otherwise).
    scope: &'static str,
}

/// `{authority}/{tenant}/oauth2/v2.0/token`.
pub fn token_url(authority: &str, tenant: &str) -> String {
    format!(
        "{}/{}/oauth2/v2.0/token",
        authority.trim_end_matches('/'),
        tenant
    )
}

/// The HTTP client for the identity platform: no redirects (as OAuth2 requires), rustls.
pub fn http_client() -> Result<reqwest::Client, AuthError> {
    crate::net::http_client(Duration::from_secs(30))
        .map_err(|e| AuthError::Permanent(format!("cannot set up HTTPS: {e}")))
}

impl ClientCredentials {
    pub fn new(
        authority: &str,
        tenant: &str,
        client_id: &str,
        secret: Secret,
    ) -> Result<Self, AuthError> {
        Ok(Self {
            token_url: token_url(authority, tenant),
            client_id: client_id.to_string(),
            secret,
            http: http_client()?,
            cache: std::sync::Mutex::new(None),
            scope: APP_ONLY_SCOPE,
        })
    }

    /// Tokens for another resource (Exchange Online's IMAP).
    pub fn with_scope(mut self, scope: &'static str) -> Self {
        self.scope = scope;
        self
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let url = TokenUrl::new(self.token_url.clone()).map_err(|e| {
            AuthError::Permanent(format!("token URL {} is not valid: {e}", self.token_url))
        })?;
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.secret.expose().to_string()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(url);
        let started = Instant::now();
        let resp = client
            .exchange_client_credentials()
            .add_scope(Scope::new(self.scope.to_string()))
            .request_async(&self.http)
            .await;
        match resp {
            Ok(t) => {
                let lifetime = t.expires_in().unwrap_or(Duration::from_secs(3600));
                Ok(AccessToken::new(
                    Secret::new(t.access_token().secret().clone()),
                    started,
                    lifetime,
                ))
            }
            Err(e) => Err(super::oauth::token_error(e)),
        }
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let cached = self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(t) = cached
                && t.is_fresh()
            {
                return Ok(t);
            }
            let fresh = self.fetch().await?;
            *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh.clone());
            Ok(fresh)
        })
    }

    fn invalidate(&self) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    fn account(&self) -> String {
        format!("app:{}", self.client_id)
    }
}
