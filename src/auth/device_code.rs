//! Device-code sign-in: works over SSH with no browser on the server. Shows
//! the service's own message (with `verification_uri` and `user_code`), polls
//! at the interval the service asks for (`authorization_pending`, `slow_down`
//! handled by the `oauth2` crate), and can be cancelled.

use std::time::Instant;

use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, ClientSecret, DeviceAuthorizationResponse, DeviceAuthorizationUrl,
    DeviceCodeErrorResponseType, ExtraDeviceAuthorizationFields, RequestTokenError, Scope,
    TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::oauth::{ClientApp, SignedIn, signed_in};
use super::{AuthError, explain_oauth_error};
use crate::stop::Stop;

/// Entra adds a ready-to-show `message` to the device authorization answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MicrosoftDeviceFields {
    #[serde(default)]
    pub message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for MicrosoftDeviceFields {}

/// What the person signing in must see.
#[derive(Debug, Clone)]
pub struct DevicePrompt {
    pub verification_uri: String,
    pub user_code: String,
    /// The service's own instructions.
    pub message: String,
    pub expires_in_secs: u64,
}

fn url_error(what: &str, e: impl std::fmt::Display) -> AuthError {
    AuthError::Permanent(format!("the {what} URL is not valid: {e}"))
}

/// Runs the device flow to the end: `show` is called once with the prompt.
pub async fn sign_in(
    app: &ClientApp,
    scopes: &[&str],
    show: impl FnOnce(&DevicePrompt),
    stop: &Stop,
) -> Result<SignedIn, AuthError> {
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_token_uri(
            TokenUrl::new(app.endpoints.token.clone()).map_err(|e| url_error("token", e))?,
        )
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(app.endpoints.device.clone())
                .map_err(|e| url_error("device code", e))?,
        );
    if let Some(s) = &app.secret {
        client = client
            .set_client_secret(ClientSecret::new(s.expose().to_string()))
            .set_auth_type(oauth2::AuthType::RequestBody);
    }
    let http = super::client_credentials::http_client()?;
    let details: DeviceAuthorizationResponse<MicrosoftDeviceFields> = client
        .exchange_device_code()
        .add_scopes(scopes.iter().map(|s| Scope::new(s.to_string())))
        .request_async(&http)
        .await
        .map_err(super::oauth::token_error)?;
    let prompt = DevicePrompt {
        verification_uri: details.verification_uri().to_string(),
        user_code: details.user_code().secret().clone(),
        message: details.extra_fields().message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, open {} and enter the code {}.",
                details.verification_uri().as_str(),
                details.user_code().secret()
            )
        }),
        expires_in_secs: details.expires_in().as_secs(),
    };
    show(&prompt);
    let started = Instant::now();
    let poll = client.exchange_device_access_token(&details).request_async(
        &http,
        tokio::time::sleep,
        None,
    );
    let mut stop = stop.clone();
    let result = tokio::select! {
        r = poll => r,
        _ = stop.sleep(details.expires_in() + std::time::Duration::from_secs(5)) => {
            return Err(AuthError::Permanent("sign-in cancelled".into()));
        }
    };
    match result {
        Ok(t) => Ok(signed_in(&t, started, None)),
        Err(RequestTokenError::ServerResponse(r)) => Err(match r.error() {
            DeviceCodeErrorResponseType::ExpiredToken => AuthError::Permanent(
                "expired_token: the code was not entered in time; sign in again and enter the code within its lifetime".into(),
            ),
            DeviceCodeErrorResponseType::AccessDenied => AuthError::Permanent("access_denied: the sign-in was declined".into()),
            other => {
                let code = other.as_ref();
                let desc = r.error_description().map(String::as_str).unwrap_or_default();
                match code {
                    "authorization_declined" => AuthError::Permanent("authorization_declined: the person signing in declined; sign in again to retry".into()),
                    "bad_verification_code" => AuthError::Permanent("bad_verification_code: the service does not know this code; sign in again".into()),
                    _ => explain_oauth_error(code, desc),
                }
            }
        }),
        Err(e) => Err(super::oauth::token_error(e)),
    }
}
