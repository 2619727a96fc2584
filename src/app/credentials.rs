//! Where the client id and secret come from, in this documented order: the
//! environment (`EMAILLOG_CLIENT_ID`, `EMAILLOG_CLIENT_SECRET`), then the
//! setup table (the secret sealed). And the mail source built from them.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{ClientCredentials, Secret, TokenProvider};
use crate::domain::setup::{AuthFlow, Setup, check_endpoint};
use crate::engine::runner::SourceFactory;
use crate::mail::MailSource;
use crate::mail::graph::{GraphSource, Limits};
use crate::store::Store;

use super::{App, AppError, Result};

pub const ENV_CLIENT_ID: &str = "EMAILLOG_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "EMAILLOG_CLIENT_SECRET";

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl App {
    pub fn client_id(&self, setup: &Setup) -> Option<String> {
        env_nonempty(ENV_CLIENT_ID)
            .or_else(|| (!setup.client_id.is_empty()).then(|| setup.client_id.clone()))
    }

    /// The client secret, unsealed, or `None` when none is configured.
    pub fn client_secret(&self, store: &Store) -> Result<Option<Secret>> {
        if let Some(s) = env_nonempty(ENV_CLIENT_SECRET) {
            return Ok(Some(Secret::new(s)));
        }
        match store.client_secret_sealed()? {
            None => Ok(None),
            Some(sealed) => Ok(Some(Secret::new(
                self.secret_box(false)?.open_sealed(&sealed)?,
            ))),
        }
    }

    pub fn token_provider(&self, setup: &Setup, store: &Store) -> Result<Arc<dyn TokenProvider>> {
        check_endpoint("authority", &setup.authority).map_err(AppError::Invalid)?;
        if setup.tenant.is_empty() {
            return Err(AppError::Invalid(
                "no tenant is set: emaillog setup set --tenant TENANT_ID_OR_DOMAIN".into(),
            ));
        }
        let client_id = self.client_id(setup).ok_or_else(|| AppError::Invalid("no client id is set: emaillog setup set --client-id APP_ID (or EMAILLOG_CLIENT_ID)".into()))?;
        match setup.auth_flow {
            AuthFlow::ClientCredentials => {
                let secret = self.client_secret(store)?.ok_or_else(|| {
                    AppError::Invalid("no client secret is set: emaillog setup secret --stdin (or EMAILLOG_CLIENT_SECRET)".into())
                })?;
                Ok(Arc::new(ClientCredentials::new(
                    &setup.authority,
                    &setup.tenant,
                    &client_id,
                    secret,
                )))
            }
            other => Err(AppError::Invalid(format!(
                "the auth flow is {}, which needs an interactive sign-in this version cannot do yet; use app-only sign-in: emaillog setup set --auth-flow client-credentials",
                other.as_str()
            ))),
        }
    }

    /// The Graph mail source for the shared mailbox in `setup`.
    pub fn graph_source(&self, setup: &Setup, store: &Store) -> Result<GraphSource> {
        if setup.mailbox.is_empty() {
            return Err(AppError::Invalid(
                "no shared mailbox is set: emaillog setup set --mailbox ADDRESS".into(),
            ));
        }
        check_endpoint("Graph URL", &setup.graph_url).map_err(AppError::Invalid)?;
        let tokens = self.token_provider(setup, store)?;
        let limits = Limits {
            requests: setup.rate_limit as usize,
            window: Duration::from_secs(setup.rate_window_secs as u64),
            concurrency: 4,
        };
        GraphSource::new(&setup.graph_url, &setup.mailbox, tokens, limits)
            .map_err(|e| AppError::Invalid(e.to_string()))
    }
}

impl SourceFactory for App {
    fn source(
        &self,
        setup: &Setup,
        store: &Store,
    ) -> std::result::Result<Arc<dyn MailSource>, String> {
        self.graph_source(setup, store)
            .map(|s| Arc::new(s) as Arc<dyn MailSource>)
            .map_err(|e| e.to_string())
    }
}
