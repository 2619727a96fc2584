//! The database's roles, where it has them: on PostgreSQL the server
//! enforces who may do what ([`super::pg::grants`]); a SQLite file has none
//! (whoever may read the file reads all of it, and the key file keeps the
//! secrets the admin's).

use super::pg::grants::{self, Access};
use super::{Result, Store, StoreError};
use crate::store::db::Begin;

impl Store {
    fn postgres_only(&self, what: &str) -> Result<()> {
        if self.conn.is_postgres() {
            return Ok(());
        }
        Err(StoreError::Invalid(format!(
            "{what} is PostgreSQL's: {} is a SQLite file, where the file's permissions and the admin's key file decide who may do what",
            self.path.display()
        )))
    }

    /// Grants `role` exactly `access` (see [`grants`]).
    pub fn grant_role(&mut self, role: &str, access: Access) -> Result<()> {
        self.postgres_only("granting a role")?;
        let tx = self.conn.transaction(Begin::Immediate)?;
        grants::grant(&tx, role, access)?;
        tx.commit()?;
        Ok(())
    }

    /// The roles granted a share of the database.
    pub fn granted_roles(&self) -> Result<Vec<(String, Access)>> {
        self.postgres_only("listing roles")?;
        grants::granted(&self.conn)
    }

    /// Whether the connection is the database's owner: on PostgreSQL the
    /// role owning its tables; a SQLite file's owner is the file system's
    /// business, so `None`.
    pub fn owned_by_connection(&self) -> Result<Option<bool>> {
        if !self.conn.is_postgres() {
            return Ok(None);
        }
        grants::owns_schema(&self.conn).map(Some)
    }
}

/// The oldest PostgreSQL emaillog runs on (`pg_current_snapshot`, 13).
pub const PG_MIN_VERSION: i64 = 130000;

/// What `validate` says of a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    /// `PostgreSQL 16.4`.
    pub version: String,
    /// As `server_version_num`: 160004.
    pub version_num: i64,
    pub schema_version: i64,
    /// The connecting role.
    pub role: String,
    /// Tables and privileges the engine and the admin's screens need that
    /// the role lacks (empty: it has the admin's share).
    pub missing: Vec<String>,
}

/// What the engine and the admin's screens do to each table, beyond the
/// users' share.
const ADMIN_NEEDS: &[(&str, &str)] = &[
    ("setup", "SELECT, INSERT, UPDATE, DELETE"),
    ("never_log", "SELECT, INSERT, DELETE"),
    ("job_queue_entries", "SELECT, INSERT, UPDATE, DELETE"),
    ("job_queue_log_entries", "SELECT, INSERT, UPDATE, DELETE"),
    ("logged_messages", "SELECT, INSERT, UPDATE, DELETE"),
    ("interaction_log_entries", "SELECT, INSERT, UPDATE, DELETE"),
    ("skipped_messages", "SELECT, INSERT, UPDATE, DELETE"),
    ("message_failures", "SELECT, INSERT, UPDATE, DELETE"),
    ("review_requests", "SELECT, UPDATE"),
    ("read_cursors", "SELECT, INSERT, UPDATE, DELETE"),
    ("engine_lease", "SELECT, INSERT, UPDATE, DELETE"),
    ("engines", "SELECT, INSERT, UPDATE, DELETE"),
    ("salespeople", "SELECT, INSERT, UPDATE, DELETE"),
];

impl Store {
    /// The server's version, the schema's and what the connecting role may
    /// do; `None` on SQLite.
    pub fn server_facts(&self) -> Result<Option<ServerFacts>> {
        if !self.conn.is_postgres() {
            return Ok(None);
        }
        let (version, version_num, role): (String, String, String) = self.conn.query_row(
            "SELECT split_part(version(), ' ', 1) || ' ' || current_setting('server_version'),
                    current_setting('server_version_num'), current_user",
            crate::store::db::params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut missing = Vec::new();
        for (table, what) in ADMIN_NEEDS {
            // One at a time: with several listed, the server says whether
            // any of them is held.
            let mut lacks = Vec::new();
            for privilege in what.split(", ") {
                let has: bool = self.conn.query_row(
                    "SELECT has_table_privilege(current_user, ?1, ?2)",
                    crate::store::db::params![table, privilege],
                    |r| r.get(0),
                )?;
                if !has {
                    lacks.push(privilege);
                }
            }
            if !lacks.is_empty() {
                missing.push(format!("{} on {table}", lacks.join(", ")));
            }
        }
        Ok(Some(ServerFacts {
            version,
            version_num: version_num.parse().unwrap_or(0),
            schema_version: super::pg::migrations::version(&self.conn)?,
            role,
            missing,
        }))
    }
}
