//! "Validate setup": every check, each passed or failed with how to fix it —
//! fields, secrets, endpoints, a token, the mailbox with the granted scope,
//! the Archive and Skipped folders, the interaction template, salespeople,
//! and the job entry.

use crate::domain::job::JobStatus;
use crate::domain::normalize_address;
use crate::domain::setup::{AuthFlow, SourceKind, check_endpoint};
use crate::mail::{Folder, MailError};

use super::{App, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
    /// What to do when it failed.
    pub fix: Option<String>,
}

pub(super) fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        passed: true,
        detail: detail.into(),
        fix: None,
    }
}

pub(super) fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        passed: false,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

pub(super) fn mail_fix(e: &MailError) -> String {
    match e {
        MailError::NotFound(_) => "check the shared mailbox address: emaillog setup set --mailbox ADDRESS".into(),
        MailError::Auth(_) => "sign in again: emaillog login".into(),
        MailError::Permanent(_) => "grant the app Mail.ReadWrite (app-only) or the account FullAccess and Mail.ReadWrite.Shared (delegated); see `emaillog setup script exchange` and `setup script app`".into(),
        MailError::Transient(_) | MailError::CursorExpired(_) => "the service could not be reached; check the network and the Graph URL, then validate again".into(),
        MailError::Gone(_) | MailError::Conflict(_) => "validate again".into(),
        MailError::FolderMissing { folder, .. } => format!("create the {} folder of the shared mailbox", folder.name()),
        MailError::NoSuchFolder(_) => "fix the folder path: emaillog setup set --queue-folder/--storage-folder/--skip-folder PATH".into(),
    }
}

/// The checks so far, each also handed to the watcher as it is made.
struct Checks<F: FnMut(&Check)> {
    list: Vec<Check>,
    on_check: F,
}

impl<F: FnMut(&Check)> Checks<F> {
    fn push(&mut self, c: Check) {
        (self.on_check)(&c);
        self.list.push(c);
    }
}

impl App {
    pub async fn validate(&self) -> Result<Vec<Check>> {
        self.validate_each(|_| {}).await
    }

    /// Every check, each handed to `on_check` as soon as it is made (the
    /// setup screen shows a progress line per check).
    pub async fn validate_each(&self, on_check: impl FnMut(&Check)) -> Result<Vec<Check>> {
        self.validate_with(false, on_check).await
    }

    /// Every check; the storage and Skipped folders the setup names are
    /// made when missing and `create_folders` (never the queue folder).
    pub async fn validate_with(
        &self,
        create_folders: bool,
        on_check: impl FnMut(&Check),
    ) -> Result<Vec<Check>> {
        let mut store = self.store()?;
        let mut checks = Checks {
            list: Vec::new(),
            on_check,
        };
        if let Some(facts) = store.server_facts()?
            && !database_checks(
                &facts,
                &crate::store::Store::shown(self.db_path()),
                &mut checks,
            )
        {
            // The rest reads the setup, which the role may not.
            return Ok(checks.list);
        }
        let setup = store.setup()?;

        let mut missing = setup.missing_fields();
        if setup.auth_flow == AuthFlow::ClientCredentials
            && matches!(self.client_secret(&store), Ok(None))
        {
            missing.push("client secret: emaillog setup secret --stdin (or EMAILLOG_CLIENT_SECRET, or --secret-command)".into());
        }
        checks.push(if missing.is_empty() {
            pass(
                "fields complete",
                "mailbox, tenant, client id and credentials are set",
            )
        } else {
            fail(
                "fields complete",
                format!("missing: {}", missing.len()),
                missing.join("; "),
            )
        });

        let sealed = [
            store.imap_password_sealed()?,
            store.client_secret_sealed()?,
            store.refresh_token_sealed()?,
            store.access_token_sealed()?.map(|(a, _)| a),
        ];
        let stored: Vec<&Vec<u8>> = sealed.iter().flatten().collect();
        checks.push(if stored.is_empty() {
            pass("secrets decryptable", "no sealed secret stored")
        } else {
            match self.open_all_sealed(&store, &setup) {
                Err(e) => fail(
                    "secrets decryptable",
                    e.to_string(),
                    "restore the key file the secrets were sealed with, or enter them again for the endpoints set now",
                ),
                Ok(n) => pass(
                    "secrets decryptable",
                    format!("{} open with the key file, for the endpoints set now", crate::domain::text::count(n, "sealed secret", "sealed secrets")),
                ),
            }
        });

        if setup.source == SourceKind::Imap {
            self.imap_checks(&setup, &mut store, create_folders, &mut checks)
                .await;
        } else {
            self.graph_checks(&setup, &mut store, create_folders, &mut checks)
                .await;
        }

        checks.push(if store.template_exists("EMAIL")? {
            pass("interaction template", "EMAIL present")
        } else {
            fail(
                "interaction template",
                "EMAIL is missing",
                "the database is damaged; restore it from a backup",
            )
        });

        let salespeople = store.salespeople()?;
        let bad: Vec<String> = salespeople
            .iter()
            .filter(|s| normalize_address(&s.email).is_none())
            .map(|s| format!("{} ({})", s.code, s.email))
            .collect();
        checks.push(if salespeople.is_empty() {
            fail(
                "salespeople",
                "none imported",
                "emaillog import salespeople FILE.csv",
            )
        } else if bad.is_empty() {
            pass(
                "salespeople",
                format!("{} with valid emails", salespeople.len()),
            )
        } else {
            fail(
                "salespeople",
                format!("invalid emails: {}", bad.join(", ")),
                "correct them in the CSV and import again",
            )
        });

        checks.push(match store.job_entry()? {
            // Before the first enable there is none to check: not a failure.
            None if !setup.enabled => pass(
                "job entry",
                "not yet: enable logging (emaillog enable, or e) once the other checks pass",
            ),
            None => fail(
                "job entry",
                "absent although logging is enabled",
                "emaillog disable, then emaillog enable",
            ),
            Some(j) if matches!(j.status, JobStatus::Ready | JobStatus::InProcess) => pass(
                "job entry",
                format!(
                    "{}; next run {}",
                    j.status.as_str(),
                    j.next_run_at.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            ),
            Some(j) => fail(
                "job entry",
                format!(
                    "{}{}",
                    j.status.as_str(),
                    j.last_error.map(|e| format!(": {e}")).unwrap_or_default()
                ),
                "emaillog job restart",
            ),
        });
        Ok(checks.list)
    }

    async fn graph_checks<F: FnMut(&Check)>(
        &self,
        setup: &crate::domain::setup::Setup,
        store: &mut crate::store::Store,
        create_folders: bool,
        checks: &mut Checks<F>,
    ) {
        let setup = setup.clone();
        let endpoints: Vec<String> = [
            ("Graph URL", &setup.graph_url),
            ("authority", &setup.authority),
        ]
        .iter()
        .filter_map(|(n, v)| check_endpoint(n, v).err())
        .collect();
        checks.push(if endpoints.is_empty() { pass("endpoints", format!("{} and {}", setup.graph_url, setup.authority)) } else { fail("endpoints", endpoints.join("; "), "use https URLs (http only for 127.0.0.1/localhost): emaillog setup set --graph-url URL --authority URL") });

        let token = match self.token_provider(&setup, store) {
            Err(e) => Err(e.to_string()),
            Ok(p) => p
                .token()
                .await
                .map(|_| p.account())
                .map_err(|e| e.to_string()),
        };
        let token_ok = token.is_ok();
        checks.push(match token {
            Ok(account) => pass("token obtainable", format!("signed in as {account}")),
            Err(e) => fail("token obtainable", e, match setup.auth_flow {
                AuthFlow::ClientCredentials => "check the client id, secret and tenant; the app needs a client secret that has not expired",
                _ => "sign in: emaillog login",
            }),
        });

        if token_ok {
            match self.graph_source(&setup, store) {
                Err(e) => checks.push(fail(
                    "mailbox reachable",
                    e.to_string(),
                    "fix the setup fields above",
                )),
                Ok(source) => {
                    for c in super::validate_folders::queue_checks(&source, &setup).await {
                        checks.push(c);
                    }
                    for c in
                        super::validate_folders::destination_checks(&source, &setup, create_folders)
                            .await
                    {
                        checks.push(c);
                    }
                }
            }
        } else {
            for name in [
                "queue folder",
                "mailbox reachable",
                "storage folder",
                "Skipped folder",
            ] {
                checks.push(fail(
                    name,
                    "not checked: no token",
                    "fix the token check first",
                ));
            }
        }
    }

    /// The IMAP server: reached (with TLS as set), signed in, the queue
    /// folder read, the storage and Skipped folders there (the default
    /// ones created if missing, the ones the setup names when asked).
    async fn imap_checks<F: FnMut(&Check)>(
        &self,
        setup: &crate::domain::setup::Setup,
        store: &mut crate::store::Store,
        create_folders: bool,
        checks: &mut Checks<F>,
    ) {
        let names = [
            "IMAP connection",
            "IMAP sign-in",
            "queue folder",
            "storage folder",
            "Skipped folder",
        ];
        let source = match self.imap_source(setup, store) {
            Ok(s) => s,
            Err(e) => {
                for name in names {
                    checks.push(fail(name, format!("not checked: {e}"), "complete the IMAP setup: emaillog setup set --source imap --imap-host HOST --imap-user USER, and emaillog setup secret --imap-password --stdin"));
                }
                return;
            }
        };
        let server = format!(
            "{}:{} ({})",
            setup.imap_host,
            setup.imap_port,
            setup.imap_tls.as_str()
        );
        match source.inbox_messages().await {
            Ok(n) => {
                checks.push(pass("IMAP connection", server));
                checks.push(pass(
                    "IMAP sign-in",
                    format!("signed in as {}", setup.imap_user),
                ));
                let queue = source.queue_name().await.unwrap_or_default();
                checks.push(pass("queue folder", format!("{queue}: {n} messages")));
            }
            Err(MailError::NoSuchFolder(e)) => {
                checks.push(pass("IMAP connection", server));
                checks.push(pass(
                    "IMAP sign-in",
                    format!("signed in as {}", setup.imap_user),
                ));
                checks.push(fail("queue folder", e, "give the folder the mail flow rule delivers to: emaillog setup set --queue-folder PATH (the server's folders, / between levels)"));
            }
            Err(MailError::Auth(e)) => {
                checks.push(pass("IMAP connection", server));
                checks.push(fail("IMAP sign-in", e, "check the user and the password: emaillog setup set --imap-user USER; emaillog setup secret --imap-password --stdin"));
                checks.push(fail(
                    "queue folder",
                    "not checked: not signed in",
                    "fix the sign-in first",
                ));
            }
            Err(e) => {
                checks.push(fail("IMAP connection", format!("{server}: {e}"), "check the host, the port and the TLS mode (993 implicit, 143 starttls); a private CA's certificate goes in --ca-file"));
                for name in ["IMAP sign-in", "queue folder"] {
                    checks.push(fail(
                        name,
                        "not checked: no connection",
                        "fix the connection first",
                    ));
                }
            }
        }
        for (name, folder, path) in [
            ("storage folder", Folder::Archive, &setup.storage_folder),
            ("Skipped folder", Folder::Skipped, &setup.skip_folder),
        ] {
            let r = match source.folder_name(folder).await {
                Ok(f) => source
                    .ensure_folder(&f, create_folders || path.is_empty())
                    .await
                    .map(|created| (f, created)),
                Err(e) => Err(e),
            };
            checks.push(match r {
                Ok((f, _)) if path.is_empty() => {
                    pass(name, format!("{f} present (created if it was missing)"))
                }
                Ok((f, true)) => pass(name, format!("{f}: created")),
                Ok((f, false)) => pass(name, format!("{f}: present")),
                Err(MailError::NoSuchFolder(e)) => fail(
                    name,
                    e,
                    "make it: emaillog validate --create-folders, or fix the path with emaillog setup set",
                ),
                Err(e) => fail(
                    name,
                    e.to_string(),
                    "the IMAP user must be allowed to create folders in the mailbox",
                ),
            });
        }
    }
}

/// The PostgreSQL server's checks: its version, the schema's, and whether
/// the role has the admin's share; false when the rest cannot be checked.
fn database_checks<F: FnMut(&Check)>(
    facts: &crate::store::ServerFacts,
    shown: &str,
    checks: &mut Checks<F>,
) -> bool {
    checks.push(if facts.version_num >= crate::store::PG_MIN_VERSION {
        pass("database server", format!("{} at {shown}", facts.version))
    } else {
        fail(
            "database server",
            format!("{} at {shown} is older than PostgreSQL 13", facts.version),
            "emaillog needs PostgreSQL 13 or newer: upgrade the server, or use a managed PostgreSQL of a supported version",
        )
    });
    let known = crate::store::PG_SCHEMA_VERSION;
    checks.push(if facts.schema_version == known {
        pass("database schema", format!("version {known}, this emaillog's"))
    } else {
        fail(
            "database schema",
            format!("version {}, this emaillog knows {known}", facts.schema_version),
            "run emaillog once as the database's owner to bring the schema up to date, or upgrade emaillog",
        )
    });
    let admin = facts.missing.is_empty();
    checks.push(if admin {
        pass("database role", format!("{}: the admin's share", facts.role))
    } else {
        fail(
            "database role",
            format!("{} lacks {}", facts.role, facts.missing.join("; ")),
            format!("the engine and the setup need the admin's share: the database's owner runs emaillog pg grant-admin {}", facts.role),
        )
    });
    admin
}
