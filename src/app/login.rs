//! Signing in (and "Renew token"), signing out. A delegated sign-in stores
//! the refresh and access tokens sealed, records the account and consent,
//! and restarts the job so it runs as that account at once.

use chrono::Utc;

use crate::auth::device_code::DevicePrompt;
use crate::auth::{auth_code, device_code};
use crate::domain::setup::AuthFlow;
use crate::engine::Stop;

use super::{App, AppError, Result};

/// What the person signing in has to do.
#[derive(Debug, Clone)]
pub enum LoginPrompt {
    Device(DevicePrompt),
    OpenUrl(String),
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LoginOutcome {
    pub account: String,
    pub previous_account: Option<String>,
    pub flow: AuthFlow,
}

impl App {
    /// Signs in with `flow` (default: the setup's), calling `show` with what
    /// the person must do. Cancel with `stop`.
    pub async fn login(
        &self,
        flow: Option<AuthFlow>,
        show: impl FnOnce(LoginPrompt),
        stop: &Stop,
    ) -> Result<LoginOutcome> {
        self.require_admin()?;
        let store = self.store()?;
        let mut setup = store.setup()?;
        let flow = flow.unwrap_or(setup.auth_flow);
        let previous = setup.account.clone();
        let account = match flow {
            AuthFlow::ClientCredentials => {
                let provider = self.token_provider(
                    &crate::domain::setup::Setup {
                        auth_flow: AuthFlow::ClientCredentials,
                        ..setup.clone()
                    },
                    &store,
                )?;
                provider
                    .token()
                    .await
                    .map_err(|e| AppError::Invalid(format!("app-only sign-in failed: {e}")))?;
                provider.account()
            }
            AuthFlow::DeviceCode | AuthFlow::AuthCode => {
                let app = self.client_app(&setup, &store, flow == AuthFlow::AuthCode)?;
                let signed = if flow == AuthFlow::DeviceCode {
                    device_code::sign_in(
                        &app,
                        crate::auth::scopes_for(&setup).1,
                        |p| show(LoginPrompt::Device(p.clone())),
                        stop,
                    )
                    .await
                } else {
                    auth_code::sign_in(
                        &app,
                        &setup.redirect_url,
                        crate::auth::scopes_for(&setup).1,
                        |u| show(LoginPrompt::OpenUrl(u.to_string())),
                        stop,
                    )
                    .await
                }
                .map_err(|e| AppError::Invalid(format!("sign-in failed: {e}")))?;
                let Some(refresh) = signed.refresh.clone() else {
                    return Err(AppError::Invalid("the service returned no refresh token: the app registration must allow offline_access".into()));
                };
                self.save_tokens(&signed.access, Some(&refresh))?;
                signed.account.unwrap_or_else(|| "unknown account".into())
            }
        };
        let store = self.store()?;
        setup = store.setup()?;
        setup.auth_flow = flow;
        setup.account = Some(account.clone());
        setup.consent_given = true;
        store.save_setup(&setup)?;
        if let Some(mut job) = store.job_entry()? {
            job.restart(Utc::now());
            store.save_job_entry(&job)?;
        }
        Ok(LoginOutcome {
            account,
            previous_account: previous,
            flow,
        })
    }

    /// Forgets the account and its tokens; the job cannot run until the next sign-in.
    pub fn logout(&self) -> Result<Option<String>> {
        self.require_admin()?;
        let store = self.store()?;
        let was = store.setup()?.account;
        store.clear_sign_in()?;
        Ok(was)
    }
}
