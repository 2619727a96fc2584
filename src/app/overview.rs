//! Everything the status and job queue screens show, read in one go, and
//! the cheap "has anything changed" check that tells a screen to read again.

use chrono::{DateTime, Utc};

use crate::domain::job::JobEntry;
use crate::domain::setup::Setup;
use crate::store::{Activity, JobLogEntry, LeaseHolder, Store, StuckMessage, parse_ts};

use super::{App, Result};

/// Who is looking: the admin holds the key file; anyone else who can open
/// the database gets the user view (no secrets, no sign-in, no engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    User,
}

/// One consistent look at the job, its runs and the day's mail.
#[derive(Debug, Clone)]
pub struct Overview {
    pub setup: Setup,
    pub job: Option<JobEntry>,
    /// When the stored access token expires (delegated sign-in).
    pub token_expires: Option<DateTime<Utc>>,
    /// Since local midnight.
    pub today: Activity,
    /// Newest first.
    pub runs: Vec<JobLogEntry>,
    pub stuck: Vec<StuckMessage>,
    /// The engine processing the mailbox now, if any.
    pub lease: Option<LeaseHolder>,
    pub salespeople: usize,
    pub contacts: usize,
    /// Every logging mailbox, and which of them this overview is of.
    pub mailboxes: Vec<crate::store::MailboxRow>,
    pub mailbox_no: i64,
    /// The database's roles keep the setup, the job and its runs from this
    /// connection (a PostgreSQL role with the users' share): only the
    /// day's mail, the directory's counts and the mailboxes' names are read.
    pub restricted: bool,
}

impl Overview {
    /// The run still in progress (no end yet), if the newest one is.
    pub fn current_run(&self) -> Option<&JobLogEntry> {
        self.runs.first().filter(|r| r.ended_at.is_none())
    }

    /// The newest finished run.
    pub fn last_finished_run(&self) -> Option<&JobLogEntry> {
        self.runs.iter().find(|r| r.ended_at.is_some())
    }
}

/// Tells whether another connection wrote to the database since the last call.
pub struct DataWatch {
    store: Store,
    last: Option<i64>,
}

impl DataWatch {
    /// True on the first call and whenever something was committed since.
    pub fn changed(&mut self) -> Result<bool> {
        let v = self.store.data_version()?;
        let changed = self.last != Some(v);
        self.last = Some(v);
        Ok(changed)
    }
}

impl App {
    /// Reads the overview; `since` is where "today" starts, `runs` how many runs to list.
    pub fn overview(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        runs: usize,
    ) -> Result<Overview> {
        match self.full_overview(since, now, runs) {
            Err(super::AppError::Store(crate::store::StoreError::Forbidden(_))) => {
                self.restricted_overview(since, now)
            }
            other => other,
        }
    }

    /// What a role with the users' share may see of the overview.
    fn restricted_overview(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<Overview> {
        let store = self.store()?;
        let (salespeople, contacts) = store.people_counts()?;
        let mailboxes = store.mailbox_names()?;
        let no = store.mailbox_no();
        let setup = Setup {
            mailbox: mailboxes
                .iter()
                .find(|m| m.no == no)
                .map(|m| m.address.clone())
                .unwrap_or_default(),
            ..Setup::default()
        };
        Ok(Overview {
            setup,
            job: None,
            token_expires: None,
            today: store.activity(since, now)?,
            runs: Vec::new(),
            stuck: Vec::new(),
            lease: None,
            salespeople,
            contacts,
            mailboxes,
            mailbox_no: no,
            restricted: true,
        })
    }

    fn full_overview(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        runs: usize,
    ) -> Result<Overview> {
        let mut store = self.store()?;
        store.settle_interrupted_job(now)?;
        let setup = store.setup()?;
        let (salespeople, contacts) = store.people_counts()?;
        let token_expires = store
            .access_token_sealed()?
            .and_then(|(_, exp)| parse_ts(&exp));
        Ok(Overview {
            job: store.job_entry()?,
            token_expires,
            today: store.activity(since, now)?,
            runs: store.job_log(runs)?,
            stuck: store.stuck_messages()?,
            lease: store.lease_holder(&store.mailbox_key(), now)?,
            salespeople,
            contacts,
            mailboxes: store.mailboxes()?,
            mailbox_no: store.mailbox_no(),
            setup,
            restricted: false,
        })
    }

    pub fn data_watch(&self) -> Result<DataWatch> {
        Ok(DataWatch {
            store: self.store()?,
            last: None,
        })
    }

    /// Admin when the key file can be read and is trusted (this user's,
    /// 0600, in a folder nobody else can write), or when there is none yet
    /// and this account owns the database; otherwise the user view.
    pub fn role(&self) -> Role {
        let key = crate::auth::secrets::key_path_for(self.db_path());
        match std::fs::File::open(&key) {
            Ok(_) if crate::file_trust::check_key_file(&key).is_ok() => Role::Admin,
            Ok(_) => Role::User,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.owns_database() {
                    Role::Admin
                } else {
                    Role::User
                }
            }
            Err(_) => Role::User,
        }
    }

    /// Whether this account owns the database: the SQLite file's owner, or
    /// on PostgreSQL the role owning its tables (a user role connecting
    /// without the key file has the user view, as a team member does).
    fn owns_database(&self) -> bool {
        if crate::store::pg::target::postgres_url(self.db_path()).is_none() {
            return owns(self.db_path());
        }
        self.store()
            .and_then(|s| Ok(s.owned_by_connection()?))
            .is_ok_and(|o| o == Some(true))
    }

    /// Gives a PostgreSQL role the users' or the admin's share of the
    /// database (the admin's command; the server checks it comes from the
    /// database's owner).
    pub fn grant_role(&self, role: &str, access: crate::store::pg::grants::Access) -> Result<()> {
        self.require_admin()?;
        self.store()?.grant_role(role, access)?;
        Ok(())
    }

    /// The PostgreSQL roles granted a share of the database.
    pub fn granted_roles(&self) -> Result<Vec<(String, crate::store::pg::grants::Access)>> {
        Ok(self.store()?.granted_roles()?)
    }

    /// Refuses what only the admin may do (change the setup, the rules, the
    /// job or sign-in, share the database) to whoever has the user view,
    /// in the UI and on the command line alike.
    pub fn require_admin(&self) -> Result<()> {
        match self.role() {
            Role::Admin => Ok(()),
            Role::User => Err(crate::app::AppError::Invalid(format!(
                "this needs the admin's key file ({}): you have the user view",
                crate::auth::secrets::key_path_for(self.db_path()).display()
            ))),
        }
    }

    /// Whether this process may run the engine: the admin, with a key file
    /// that opens the secrets stored. Checked before the mailbox lease is
    /// taken, so a process that could not run the job never holds it.
    pub fn can_run_engine(&self) -> Result<()> {
        self.require_admin()?;
        let store = self.store()?;
        let any_sealed = crate::app::sealing::Sealed::ALL
            .iter()
            .any(|k| k.is_stored(&store).unwrap_or(false));
        if any_sealed {
            self.secret_box(false)?;
        }
        Ok(())
    }

    /// Starts a run at once in whichever process holds the lease: the job
    /// becomes due now (an Error or On hold entry is made Ready first).
    pub fn job_run_now(&self) -> Result<JobEntry> {
        self.require_admin()?;
        self.with_job(|j| {
            if j.status != crate::domain::job::JobStatus::InProcess {
                j.status = crate::domain::job::JobStatus::Ready;
                j.next_run_at = Utc::now();
            }
        })
    }
}

#[cfg(unix)]
fn owns(path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        // SAFETY: geteuid has no preconditions and cannot fail.
        Ok(m) => m.uid() == unsafe { libc::geteuid() },
        Err(_) => true,
    }
}

#[cfg(not(unix))]
fn owns(_: &std::path::Path) -> bool {
    true
}
