//! PostgreSQL's schema, versioned like SQLite's: `schema_version` holds the
//! version, each migration runs in the transaction that records it, under
//! the writer lock, so two processes starting on an empty database never
//! both create the schema.

use crate::store::db::{Begin, Db, params};
use crate::store::{Result, StoreError};

/// The migrations in order; version N is `MIGRATIONS[N - 1]`.
const MIGRATIONS: &[&str] = &[
    include_str!("schema_1.sql"),
    // 2: the lease's epoch, as SQLite's migration 16.
    "ALTER TABLE engine_lease ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;",
    include_str!("schema_3.sql"),
    include_str!("schema_4.sql"),
    include_str!("schema_5.sql"),
    include_str!("schema_6.sql"),
    include_str!("schema_7.sql"),
    include_str!("schema_8.sql"),
    include_str!("schema_9.sql"),
    include_str!("schema_10.sql"),
    include_str!("schema_11.sql"),
    include_str!("schema_12.sql"),
    include_str!("schema_13.sql"),
    include_str!("schema_14.sql"),
    include_str!("schema_15.sql"),
    include_str!("schema_16.sql"),
];

/// The schema version this emaillog writes on PostgreSQL.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The version recorded in the database (0 when it has no schema yet).
pub fn version(db: &Db) -> Result<i64> {
    let exists: bool = db.query_row(
        "SELECT to_regclass('schema_version') IS NOT NULL",
        params![],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(0);
    }
    Ok(
        db.query_row("SELECT version FROM schema_version", params![], |r| {
            r.get(0)
        })?,
    )
}

/// Brings the schema of the database `shown` up to this version.
pub fn migrate(db: &mut Db, shown: &str) -> Result<()> {
    // Up to date (every open but the first after an upgrade): nothing to
    // lock, so opening a store never waits for a writer.
    if version(db)? == PG_SCHEMA_VERSION {
        return Ok(());
    }
    let tx = db.transaction(Begin::Immediate)?;
    let found = version(&tx)?;
    if found > PG_SCHEMA_VERSION {
        return Err(StoreError::Invalid(format!(
            "the database {shown} was written by a newer emaillog (schema {found}, this one knows {PG_SCHEMA_VERSION}); upgrade emaillog"
        )));
    }
    if found == PG_SCHEMA_VERSION {
        return Ok(());
    }
    if found > 0 && !super::grants::owns_schema(&tx)? {
        return Err(StoreError::Invalid(format!(
            "the database {shown} has schema {found} and this emaillog needs {PG_SCHEMA_VERSION}: run it once as the database's owner (the role that made it with `emaillog init`) to upgrade the schema"
        )));
    }
    for m in &MIGRATIONS[found as usize..] {
        tx.execute_batch(m)?;
    }
    tx.execute(
        "UPDATE schema_version SET version = ?1",
        params![PG_SCHEMA_VERSION],
    )?;
    super::grants::grant_again(&tx)?;
    tx.commit()?;
    Ok(())
}
