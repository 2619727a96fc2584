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
