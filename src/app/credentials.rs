//! Where the client id and secret come from, in this documented order: the
//! environment (`EMAILLOG_CLIENT_ID`, `EMAILLOG_CLIENT_SECRET`), then the
//! configured secret command's output, then the setup table (the secret
//! sealed). And the token providers and mail source built from them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::delegated::{DelegatedTokens, TokenVault};
use crate::auth::oauth::{ClientApp, Endpoints};
use crate::auth::{AccessToken, AuthError, ClientCredentials, Secret, TokenProvider};
use crate::domain::setup::{AuthFlow, ImapAuth, Setup, SourceKind, check_endpoint, check_imap_tls};
use crate::engine::runner::{SourceError, SourceFactory};
use crate::mail::MailSource;
use crate::mail::graph::{GraphSource, Limits};
use crate::mail::imap::{ImapConfig, ImapCredential, ImapSource};
use crate::store::Store;

use super::sealing::Sealed;
use super::{App, AppError, Result};
use crate::auth::secrets::SecretError;

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
        let setup = store.setup()?;
        if !setup.secret_command.is_empty() {
            return run_secret_command(&setup.secret_command).map(Some);
        }
        match store.client_secret_sealed()? {
            None => Ok(None),
            Some(sealed) => Ok(Some(Secret::new(self.open_sealed(
                store,
                &setup,
                Sealed::ClientSecret,
                &sealed,
            )?))),
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
                Ok(Arc::new(
                    ClientCredentials::new(&setup.authority, &setup.tenant, &client_id, secret)
                        .map_err(|e| AppError::Invalid(e.to_string()))?
                        .with_scope(crate::auth::scopes_for(setup).0),
                ))
            }
            AuthFlow::DeviceCode | AuthFlow::AuthCode => {
                if setup.account.is_some() && !setup.consent_given {
                    return Err(AppError::Invalid(
                        "sign in again: the mailbox, tenant, client id, secret, redirect URL, authority or Graph URL changed since the last sign-in (emaillog login)".into(),
                    ));
                }
                let Some(account) = setup
                    .account
                    .clone()
                    .filter(|_| store.refresh_token_sealed().ok().flatten().is_some())
                else {
                    return Err(AppError::Invalid(
                        "not signed in: sign in with `emaillog login` (Renew token)".into(),
                    ));
                };
                let cached = self.cached_access_token(store)?;
                let app = self.client_app(setup, store, setup.auth_flow == AuthFlow::AuthCode)?;
                Ok(Arc::new(
                    DelegatedTokens::new(
                        app,
                        account,
                        Box::new(StoreVault { app: self.clone() }),
                        cached,
                    )
                    .with_scopes(crate::auth::scopes_for(setup).1),
                ))
            }
        }
    }

    /// The registered app for a delegated sign-in; the secret only when asked
    /// for and configured (public clients have none).
    pub fn client_app(&self, setup: &Setup, store: &Store, with_secret: bool) -> Result<ClientApp> {
        check_endpoint("authority", &setup.authority).map_err(AppError::Invalid)?;
        let client_id = self.client_id(setup).ok_or_else(|| AppError::Invalid("no client id is set: emaillog setup set --client-id APP_ID (or EMAILLOG_CLIENT_ID)".into()))?;
        if setup.tenant.is_empty() {
            return Err(AppError::Invalid(
                "no tenant is set: emaillog setup set --tenant TENANT_ID_OR_DOMAIN".into(),
            ));
        }
        let secret = if with_secret {
            self.client_secret(store)?
        } else {
            None
        };
        Ok(ClientApp {
            endpoints: Endpoints::new(&setup.authority, &setup.tenant),
            client_id,
            secret,
        })
    }

    fn cached_access_token(&self, store: &Store) -> Result<Option<AccessToken>> {
        let Some((sealed, expires)) = store.access_token_sealed()? else {
            return Ok(None);
        };
        let Some(at) = crate::store::parse_ts(&expires) else {
            return Ok(None);
        };
        let left = (at - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO);
        // A cached token for other endpoints is not used; the refresh
        // token's own binding then says what changed.
        let secret = match self.open_sealed(store, &store.setup()?, Sealed::AccessToken, &sealed) {
            Ok(s) => s,
            Err(AppError::Secret(SecretError::Rebound { .. })) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(AccessToken::new(
            Secret::new(secret),
            Instant::now(),
            left,
        )))
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
            .map(|s| s.with_folders(crate::mail::FolderPaths::of(setup)))
            .map_err(|e| {
                if e.is_retryable() {
                    AppError::Unavailable(e.to_string())
                } else {
                    AppError::Invalid(e.to_string())
                }
            })
    }
}

impl App {
    /// The IMAP mail source in `setup`, with its sealed password.
    pub fn imap_source(&self, setup: &Setup, store: &Store) -> Result<ImapSource> {
        let missing = setup.missing_fields();
        if setup.imap_host.is_empty() || setup.imap_user.is_empty() {
            return Err(AppError::Invalid(format!(
                "the IMAP setup is not complete:\n  - {}",
                missing.join("\n  - ")
            )));
        }
        check_imap_tls(&setup.imap_host, setup.imap_tls).map_err(AppError::Invalid)?;
        let auth = match setup.imap_auth {
            ImapAuth::Password => {
                let sealed = store.imap_password_sealed()?.ok_or_else(|| {
                    AppError::Invalid(
                        "no IMAP password is stored: emaillog setup secret --imap-password --stdin"
                            .into(),
                    )
                })?;
                ImapCredential::Password(Secret::new(self.open_sealed(
                    store,
                    setup,
                    Sealed::ImapPassword,
                    &sealed,
                )?))
            }
            // The sign-in's token for Exchange Online's IMAP, fresh for
            // each connection.
            ImapAuth::Xoauth2 => ImapCredential::OAuth(self.token_provider(setup, store)?),
        };
        Ok(ImapSource::new(ImapConfig {
            host: setup.imap_host.clone(),
            port: setup.imap_port,
            tls: setup.imap_tls,
            user: setup.imap_user.clone(),
            auth,
        })
        .with_folders(crate::mail::FolderPaths::of(setup)))
    }

    /// The mail source the setup names.
    pub fn mail_source(&self, setup: &Setup, store: &Store) -> Result<Arc<dyn MailSource>> {
        Ok(match setup.source {
            SourceKind::Graph => Arc::new(self.graph_source(setup, store)?),
            SourceKind::Imap => Arc::new(self.imap_source(setup, store)?),
        })
    }
}

impl SourceFactory for App {
    fn source(
        &self,
        setup: &Setup,
        store: &Store,
    ) -> std::result::Result<Arc<dyn MailSource>, SourceError> {
        self.mail_source(setup, store).map_err(|e| SourceError {
            message: e.to_string(),
            retryable: e.is_retryable(),
        })
    }

    fn forgotten(
        &self,
        store: &Store,
    ) -> std::result::Result<crate::domain::rules::Forgotten, SourceError> {
        self.forgotten_in(store).map_err(|e| SourceError {
            message: e.to_string(),
            retryable: e.is_retryable(),
        })
    }
}

/// How long the secret command may take.
pub const SECRET_COMMAND_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the configured secret command; its output is the secret and is never
/// shown, not even in an error. On a multi-threaded runtime the wait moves
/// off the async workers; a command that outlasts the timeout is killed.
/// Its failures may pass (a vault that hiccups), so they can be retried.
fn run_secret_command(command: &str) -> Result<Secret> {
    let run = || secret_command_output(command, SECRET_COMMAND_TIMEOUT);
    let on_workers = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if on_workers {
        tokio::task::block_in_place(run)
    } else {
        run()
    }
}

fn secret_command_output(command: &str, timeout: Duration) -> Result<Secret> {
    use std::io::Read;
    let fix = "check `emaillog setup set --secret-command`";
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| AppError::Invalid(format!("cannot run the secret command: {e}; {fix}")))?;
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(64 * 1024).read_to_end(&mut out);
        }
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(AppError::Unavailable(format!(
                    "the secret command did not finish within {} s and was stopped; {fix}",
                    timeout.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                return Err(AppError::Unavailable(format!(
                    "waiting for the secret command failed: {e}"
                )));
            }
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(AppError::Unavailable(format!(
            "the secret command failed ({status}); {fix}"
        )));
    }
    let secret = String::from_utf8(out).map_err(|_| {
        AppError::Invalid("the secret command printed something that is not text".into())
    })?;
    let secret = secret.trim();
    if secret.is_empty() {
        return Err(AppError::Unavailable(format!(
            "the secret command printed nothing; {fix}"
        )));
    }
    Ok(Secret::new(secret))
}

/// Keeps rotated tokens sealed in the database.
struct StoreVault {
    app: App,
}

fn vault_error(e: impl std::fmt::Display) -> AuthError {
    AuthError::Transient(format!("cannot keep the tokens in the database: {e}"))
}

impl TokenVault for StoreVault {
    fn refresh_token(&self) -> std::result::Result<Option<Secret>, AuthError> {
        let store = self.app.store().map_err(vault_error)?;
        let Some(sealed) = store.refresh_token_sealed().map_err(vault_error)? else {
            return Ok(None);
        };
        let setup = store.setup().map_err(vault_error)?;
        self.app
            .open_sealed(&store, &setup, Sealed::RefreshToken, &sealed)
            .map(|s| Some(Secret::new(s)))
            .map_err(|e| AuthError::Permanent(e.to_string()))
    }

    fn save(
        &self,
        access: &AccessToken,
        refresh: Option<&Secret>,
    ) -> std::result::Result<(), AuthError> {
        self.app.save_tokens(access, refresh).map_err(vault_error)
    }
}

impl App {
    /// Seals and saves an access token and (if rotated) the refresh token in one transaction.
    pub fn save_tokens(&self, access: &AccessToken, refresh: Option<&Secret>) -> Result<()> {
        let mut store = self.store()?;
        let setup = store.setup()?;
        let left = access.expires_at.saturating_duration_since(Instant::now());
        let expires = crate::store::ts(
            chrono::Utc::now() + chrono::Duration::from_std(left).unwrap_or_default(),
        );
        let access_sealed = self.seal(&setup, Sealed::AccessToken, access.secret.expose())?;
        let refresh_sealed = refresh
            .map(|r| self.seal(&setup, Sealed::RefreshToken, r.expose()))
            .transpose()?;
        store.save_tokens(&access_sealed, &expires, refresh_sealed.as_deref())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_command_that_hangs_is_stopped_and_can_be_retried() {
        let e = secret_command_output("sleep 30", Duration::from_millis(300))
            .err()
            .unwrap();
        assert!(e.is_retryable(), "{e}");
        assert!(e.to_string().contains("did not finish"), "{e}");
    }

    #[test]
    fn a_failing_secret_command_never_shows_its_output() {
        let e = secret_command_output("echo hunter2; exit 3", Duration::from_secs(5))
            .err()
            .unwrap();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.is_retryable());
        let ok = secret_command_output("printf ' s3cret \\n'", Duration::from_secs(5)).unwrap();
        assert_eq!(ok.expose(), "s3cret");
    }
}
