//! `emaillog migrate --to`: the whole database copied into another store
//! (a SQLite file into an empty PostgreSQL database when a team outgrows
//! one machine; PostgreSQL into a new file for a backup): setup, sealed
//! secrets with their key, directory, every entry, logged message and
//! body, opportunity, skipped record and run. Each table in one
//! transaction; then each table counted and summed on both sides.

use std::path::{Path, PathBuf};

use crate::auth::secrets::{KeyCopy, copy_key, key_path_for};
use crate::store::Store;
use crate::store::copy::{COPIED, TableSum};

use super::{App, AppError, Result};

/// One table after the copy: its rows and sum on both sides.
#[derive(Debug, Clone)]
pub struct TableCompared {
    pub table: &'static str,
    pub from: TableSum,
    pub to: TableSum,
}

impl TableCompared {
    pub fn matches(&self) -> bool {
        self.from == self.to
    }
}

/// What a migration did.
#[derive(Debug, Clone)]
pub struct Migrated {
    pub tables: Vec<TableCompared>,
    pub key: KeyCopy,
    pub key_file: PathBuf,
}

/// The columns a table is copied and compared with: those both stores have.
fn shared_columns(from: &Store, to: &Store, table: &str) -> Result<Vec<String>> {
    let theirs = to.copy_columns(table)?;
    Ok(from
        .copy_columns(table)?
        .into_iter()
        .filter(|c| theirs.contains(c))
        .collect())
}

impl App {
    /// Copies this database into the empty store at `to`; `progress`
    /// hears (table, rows copied, rows in the table) as it goes. Fails,
    /// saying which, when a table's count or sum differs afterwards.
    pub fn migrate_to(
        &self,
        to: &Path,
        progress: &mut dyn FnMut(&str, u64, u64),
    ) -> Result<Migrated> {
        self.require_admin()?;
        let (here, there) = (Store::shown(self.db_path()), Store::shown(to));
        if here == there {
            return Err(AppError::Invalid(format!(
                "--to names the database copied from ({here}): give another"
            )));
        }
        if Store::exists(to)? {
            return Err(AppError::Invalid(format!(
                "there is an emaillog database at {there} already: migrate copies into a new one only (a file that does not exist, or an empty PostgreSQL database: CREATE DATABASE …)"
            )));
        }
        let from = self.store()?;
        from.check_integrity()?;
        let key_file = key_path_for(to);
        let key = copy_key(&key_path_for(self.db_path()), &key_file).map_err(AppError::Invalid)?;
        let mut target = Store::open(to)?;
        let mut columns = Vec::new();
        for table in COPIED {
            let cols = shared_columns(&from, &target, table)?;
            let total = from.row_count(table)?;
            progress(table, 0, total);
            from.copy_table_to(&mut target, table, &cols, &mut |n| {
                progress(table, n, total)
            })?;
            columns.push((*table, cols));
        }
        target.after_copy()?;
        let tables = compare(&from, &target, &columns)?;
        let differ: Vec<String> = tables
            .iter()
            .filter(|t| !t.matches())
            .map(|t| {
                format!(
                    "{} ({} rows here, {} there)",
                    t.table, t.from.rows, t.to.rows
                )
            })
            .collect();
        if !differ.is_empty() {
            return Err(AppError::Invalid(format!(
                "the copy at {there} differs from {here} in {}: it is incomplete; drop it and migrate again",
                differ.join(", ")
            )));
        }
        Ok(Migrated {
            tables,
            key,
            key_file,
        })
    }

    /// Each copied table of this database counted and summed beside the
    /// same table of the store at `other` (what `migrate_to` checks).
    pub fn compare_with(&self, other: &Path) -> Result<Vec<TableCompared>> {
        let (from, to) = (self.store()?, Store::open(other)?);
        let columns = COPIED
            .iter()
            .map(|t| Ok((*t, shared_columns(&from, &to, t)?)))
            .collect::<Result<Vec<_>>>()?;
        compare(&from, &to, &columns)
    }
}

fn compare(
    from: &Store,
    to: &Store,
    columns: &[(&'static str, Vec<String>)],
) -> Result<Vec<TableCompared>> {
    columns
        .iter()
        .map(|(table, cols)| {
            Ok(TableCompared {
                table,
                from: from.table_sum(table, cols)?,
                to: to.table_sum(table, cols)?,
            })
        })
        .collect()
}
