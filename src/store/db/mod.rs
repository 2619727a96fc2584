//! The one door the store's SQL goes through: statements with `?N`
//! parameters, rows read by column number, transactions that roll back
//! unless committed. The store's code is written once against this; the
//! backend behind it (the embedded SQLite file, or a PostgreSQL server)
//! answers. Where the two speak differently the store writes both
//! statements side by side (`pick`, `dialect`); what only SQLite has (its
//! PRAGMAs at open, its file controls, its migrations) is done on the
//! rusqlite connection before it is handed to `from_sqlite`.

pub mod pg;
pub mod pg_listen;
mod pg_value;
mod value;

use std::ops::Deref;

pub use crate::db_params as params;
pub use crate::db_row as row;
pub use value::{ColumnIndex, FromValue, IntoParam, Params, Row, ToParam, Value, ValueRef};

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_text(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// A query for one row found none (`optional()` turns it into `None`).
    #[error("the query returned no rows")]
    NoRows,
    #[error("expected {expected}, found {found}")]
    Type {
        expected: &'static str,
        found: &'static str,
    },
    #[error("the number {0} does not fit the field it is read into")]
    Range(i64),
    #[error("no column {0} in the row")]
    NoColumn(usize),
    /// What this database cannot do (a programming error, said plainly).
    #[error("{0}")]
    Unsupported(String),
    #[error("column {index}: {source}")]
    Column { index: usize, source: Box<DbError> },
}

impl DbError {
    /// Whether another connection held the database (busy or locked; on
    /// PostgreSQL also a serialization failure, a deadlock, a lock not
    /// available or a lost connection), so trying again later can help.
    pub fn is_busy(&self) -> bool {
        match self {
            DbError::Postgres(e) => {
                e.is_closed()
                    || matches!(
                        e.code().map(|c| c.code()),
                        Some("40001" | "40P01" | "55P03" | "57P01" | "57P03" | "08006" | "08003")
                    )
            }
            _ => matches!(
                self.sqlite_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
        }
    }

    /// Whether the database refused for want of a privilege (PostgreSQL's
    /// roles: a user role reaching for what is the admin's).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, DbError::Postgres(e) if e.code().map(|c| c.code()) == Some("42501"))
    }

    /// Whether the database itself is damaged (or is not a database).
    pub fn is_damaged(&self) -> bool {
        match self {
            DbError::Postgres(e) => matches!(e.code().map(|c| c.code()), Some("XX001" | "XX002")),
            _ => matches!(
                self.sqlite_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ),
        }
    }

    fn sqlite_code(&self) -> Option<rusqlite::ErrorCode> {
        match self {
            DbError::Sqlite(e) => e.sqlite_error_code(),
            _ => None,
        }
    }
}

/// A PostgreSQL error in one line: the server's own message (and its
/// code) where there is one, the client's otherwise.
fn pg_text(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} ({})",
            crate::domain::text::one_line(db.message()),
            db.code().code()
        ),
        None => crate::domain::text::one_line(&e.to_string()),
    }
}

pub type DbResult<T> = std::result::Result<T, DbError>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> DbResult<Option<T>>;
}

impl<T> OptionalExtension<T> for DbResult<T> {
    fn optional(self) -> DbResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Which SQL the connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// How a transaction takes its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// Reads first; takes the write lock at its first write.
    Deferred,
    /// Takes the write lock at once: for read-then-write transactions that
    /// must not be overtaken between the two.
    Immediate,
}

/// Prepared statements kept per connection: the engine's page commit alone
/// runs a dozen, the UI's screens a few dozen more.
const STATEMENT_CACHE: usize = 128;

/// A transaction-scoped advisory lock every `Begin::Immediate` transaction
/// on PostgreSQL takes first: the writers that must not be overtaken
/// between a read and a write queue for it one at a time, as SQLite's
/// single writer does. (The key is "emaillog" in ASCII.)
const WRITER_LOCK: i64 = 0x656d_6169_6c6c_6f67;

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(pg::PgConn),
}

/// One connection to the database.
pub struct Db {
    conn: Conn,
    /// Whether commits wait for the disk ([`Db::set_durable`]).
    durable: std::cell::Cell<bool>,
}

impl Db {
    pub fn from_sqlite(conn: rusqlite::Connection) -> Db {
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Db {
            conn: Conn::Sqlite(conn),
            durable: std::cell::Cell::new(true),
        }
    }

    pub fn from_postgres(conn: pg::PgConn) -> Db {
        Db {
            conn: Conn::Postgres(conn),
            durable: std::cell::Cell::new(true),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.dialect() == Dialect::Postgres
    }

    /// The statement for this backend, where the two differ: both are
    /// written side by side at the call.
    pub fn pick<'s>(&self, sqlite: &'s str, postgres: &'s str) -> &'s str {
        match self.dialect() {
            Dialect::Sqlite => sqlite,
            Dialect::Postgres => postgres,
        }
    }

    /// Runs one statement; returns the rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> DbResult<usize> {
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.values()))?)
            }
            Conn::Postgres(c) => Ok(c.execute(sql, params.values())? as usize),
        }
    }

    /// Runs an INSERT of one row into a table whose key is `id` and
    /// returns the new row's `id` (SQLite's rowid, read without the cost
    /// of `RETURNING`; PostgreSQL's identity, through `RETURNING id`).
    pub fn insert(&self, sql: &str, params: impl Params) -> DbResult<i64> {
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                stmt.execute(rusqlite::params_from_iter(params.values()))?;
                Ok(c.last_insert_rowid())
            }
            Conn::Postgres(_) => {
                self.query_row(&format!("{sql} RETURNING id"), params, |r| r.get(0))
            }
        }
    }

    /// Runs one statement once per parameter list, in order; returns the
    /// rows changed in all. On PostgreSQL they go in one pipeline (one
    /// round trip for the lot, in the open transaction); on SQLite, where
    /// a statement costs no round trip, one after another.
    pub fn execute_each<P: Params>(&self, sql: &str, batch: &[P]) -> DbResult<usize> {
        match &self.conn {
            Conn::Postgres(c) if batch.len() > 1 => {
                let all: Vec<&[Value<'_>]> = batch.iter().map(|p| p.values()).collect();
                Ok(c.execute_each(sql, &all)? as usize)
            }
            _ => batch.iter().map(|p| self.execute(sql, p)).sum(),
        }
    }

    /// [`Db::insert`] once per parameter list; the new ids in order
    /// (pipelined on PostgreSQL as [`Db::execute_each`]).
    pub fn insert_each<P: Params>(&self, sql: &str, batch: &[P]) -> DbResult<Vec<i64>> {
        match &self.conn {
            Conn::Postgres(c) if batch.len() > 1 => {
                let all: Vec<&[Value<'_>]> = batch.iter().map(|p| p.values()).collect();
                c.first_row_each(&format!("{sql} RETURNING id"), &all)?
                    .into_iter()
                    .map(|row| Row::Values(&row.ok_or(DbError::NoRows)?).get(0))
                    .collect()
            }
            _ => batch.iter().map(|p| self.insert(sql, p)).collect(),
        }
    }

    /// [`Db::query_row`] once per parameter list, through `f`; the results
    /// in order (pipelined on PostgreSQL as [`Db::execute_each`]).
    pub fn query_row_each<P: Params, T>(
        &self,
        sql: &str,
        batch: &[P],
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        match &self.conn {
            Conn::Postgres(c) if batch.len() > 1 => {
                let all: Vec<&[Value<'_>]> = batch.iter().map(|p| p.values()).collect();
                c.first_row_each(sql, &all)?
                    .into_iter()
                    .map(|row| f(&Row::Values(&row.ok_or(DbError::NoRows)?)))
                    .collect()
            }
            _ => batch
                .iter()
                .map(|p| self.query_row(sql, p, &mut f))
                .collect(),
        }
    }

    /// One statement for many rows on PostgreSQL (where each statement
    /// costs the server more than a row does): `sql` is given a
    /// set-returning `unnest(?1::text[], ?2::bigint[], …)`, one array per
    /// column as `casts` says, to use as a `FROM` item (`FROM {rows} AS
    /// v(a, b)`, `INSERT … SELECT * FROM {rows}`). Sent unnamed with its
    /// types: one round trip, a short statement to parse whatever the
    /// number of rows, planned for these rows (see
    /// `PgConn::each_row_typed`). The rows the statement returns, through
    /// `f`. SQLite has no arrays, and no need: a statement there costs a
    /// function call.
    pub fn query_at_once<P: Params, T>(
        &self,
        sql: impl Fn(&str) -> String,
        casts: &[&str],
        rows: &[P],
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        let Conn::Postgres(c) = &self.conn else {
            return Err(DbError::Unsupported(
                "a statement over arrays of rows is PostgreSQL's".into(),
            ));
        };
        let types = casts
            .iter()
            .map(|cast| {
                pg_value::array_type(cast)
                    .ok_or_else(|| DbError::Unsupported(format!("no array type for {cast}")))
            })
            .collect::<DbResult<Vec<_>>>()?;
        let from = format!(
            "unnest({})",
            casts
                .iter()
                .enumerate()
                .map(|(i, cast)| format!("?{}::{cast}[]", i + 1))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let sql = sql(&from);
        let mut out = Vec::with_capacity(rows.len());
        // Bounded memory per statement, not a parameter limit (there is one
        // parameter a column).
        for chunk in rows.chunks(10_000) {
            let columns: Vec<Vec<Value<'_>>> = (0..casts.len())
                .map(|i| {
                    chunk
                        .iter()
                        .map(|r| r.values().get(i).cloned().unwrap_or(Value::Null))
                        .collect()
                })
                .collect();
            let params = columns
                .iter()
                .map(|c| c as &(dyn tokio_postgres::types::ToSql + Sync))
                .zip(types.iter().cloned())
                .collect();
            c.each_row_typed(
                &sql,
                params,
                |vals| {
                    out.push(f(&Row::Values(vals))?);
                    Ok(())
                },
                DbError::from,
            )?;
        }
        Ok(out)
    }

    /// Writes `rows`: on SQLite one statement each (`each`, `?N` for a
    /// row's values), on PostgreSQL one statement over arrays of them
    /// (`at_once`, given the `unnest(…)` to read them from, as
    /// [`Db::query_at_once`] does).
    pub fn execute_rows<P: Params>(
        &self,
        each: &str,
        at_once: impl Fn(&str) -> String,
        casts: &[&str],
        rows: &[P],
    ) -> DbResult<()> {
        if self.is_postgres() {
            self.query_at_once(at_once, casts, rows, |_| Ok(()))?;
        } else {
            self.execute_each(each, rows)?;
        }
        Ok(())
    }

    /// Every row `each` finds for each of `keys` (`?1` one key): on SQLite
    /// one statement per key, on PostgreSQL one over the array of them
    /// (`at_once`, given the `unnest(?1::text[])` to read them from), so
    /// a batch of keys costs one round trip instead of one a key.
    pub fn query_keys<T>(
        &self,
        each: &str,
        at_once: impl Fn(&str) -> String,
        keys: &[&str],
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        if self.is_postgres() {
            let rows: Vec<_> = keys.iter().map(|k| row![*k]).collect();
            return self.query_at_once(at_once, &["text"], &rows, f);
        }
        let mut out = Vec::new();
        for k in keys {
            out.extend(self.query_map(each, params![*k], &mut f)?);
        }
        Ok(out)
    }

    /// The first row of a query, through `f`; `DbError::NoRows` when none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        let mut f = Some(f);
        let mut out = None;
        self.scan(sql, params, true, |r| -> DbResult<()> {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        out.ok_or(DbError::NoRows)
    }

    /// Whether a query finds a row.
    pub fn exists(&self, sql: &str, params: impl Params) -> DbResult<bool> {
        self.query_row(sql, params, |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
    }

    /// Every row of a query, each through `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        let mut out = Vec::new();
        self.for_each(sql, params, |r| -> DbResult<()> {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Hands every row to `f` as it is read (for results too large to hold,
    /// such as an export); `f`'s error (of its own kind) stops the query.
    pub fn for_each<E: From<DbError>>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.scan(sql, params, false, f)
    }

    /// The rows of a query through `f`: all, or the first only.
    fn scan<E: From<DbError>>(
        &self,
        sql: &str,
        params: impl Params,
        first_only: bool,
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match &self.conn {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql).map_err(DbError::from)?;
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(params.values()))
                    .map_err(DbError::from)?;
                while let Some(r) = rows.next().map_err(DbError::from)? {
                    f(&Row::Sqlite(r))?;
                    if first_only {
                        break;
                    }
                }
                Ok(())
            }
            Conn::Postgres(c) => c.each_row(
                sql,
                params.values(),
                first_only,
                |values| f(&Row::Values(values)),
                |e| DbError::from(e).into(),
            ),
        }
    }

    /// The time leases are judged by: the caller's clock on SQLite (one
    /// machine), the server's on PostgreSQL, so engines on hosts whose
    /// clocks differ agree on when a lease runs out.
    pub fn lease_clock(
        &self,
        here: chrono::DateTime<chrono::Utc>,
    ) -> DbResult<chrono::DateTime<chrono::Utc>> {
        match &self.conn {
            Conn::Sqlite(_) => Ok(here),
            Conn::Postgres(_) => {
                let t: String =
                    self.query_row("SELECT clock_timestamp()", params![], |r| r.get(0))?;
                crate::store::parse_ts(&t).ok_or(DbError::Type {
                    expected: "the server's time",
                    found: "text that is not a time",
                })
            }
        }
    }

    /// Runs statements without parameters, one after the other.
    pub fn execute_batch(&self, sql: &str) -> DbResult<()> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.batch(sql)?),
        }
    }

    /// Whether a commit waits until it is on disk (the default; the page
    /// commit before a move must). Off, a crash may lose the last commits
    /// but never corrupts: for writes that are safe to repeat. Each
    /// transaction is begun with it, so no failure to set it back can
    /// leave a page commit undurable; on PostgreSQL it is the
    /// transaction's own (`SET LOCAL`), so a pooled connection hands
    /// nothing on and a server whose default is off still waits.
    pub fn set_durable(&self, durable: bool) -> DbResult<()> {
        self.durable.set(durable);
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.pragma_update(None, "synchronous", sqlite_sync(durable))?),
            Conn::Postgres(_) => Ok(()),
        }
    }

    /// How long a statement waits for another connection's lock before it
    /// fails as busy.
    pub fn set_busy_timeout(&self, d: std::time::Duration) -> DbResult<()> {
        match &self.conn {
            Conn::Sqlite(c) => Ok(c.busy_timeout(d)?),
            Conn::Postgres(c) => Ok(c.batch(&format!("SET lock_timeout = {}", d.as_millis()))?),
        }
    }

    /// Starts a transaction; it rolls back unless committed.
    pub fn transaction(&mut self, how: Begin) -> DbResult<Tx<'_>> {
        let dialect = self.dialect();
        let durable = self.durable.get();
        if let Conn::Sqlite(c) = &self.conn {
            c.pragma_update(None, "synchronous", sqlite_sync(durable))?;
        }
        // PostgreSQL's durability and writer lock are set and taken in the
        // same round trip as BEGIN.
        let pg_begin = format!(
            "BEGIN; SET LOCAL synchronous_commit TO {}",
            if durable { "on" } else { "off" }
        );
        let writer = format!("{pg_begin}; SELECT pg_advisory_xact_lock({WRITER_LOCK})");
        let begun = self.execute_batch(match (dialect, how) {
            (Dialect::Sqlite, Begin::Deferred) => "BEGIN DEFERRED",
            (Dialect::Sqlite, Begin::Immediate) => "BEGIN IMMEDIATE",
            (Dialect::Postgres, Begin::Deferred) => &pg_begin,
            (Dialect::Postgres, Begin::Immediate) => &writer,
        });
        if let Err(e) = begun {
            if dialect == Dialect::Postgres {
                // BEGIN went through and the lock did not: give it up.
                let _ = self.execute_batch("ROLLBACK");
            }
            return Err(e);
        }
        Ok(Tx {
            db: self,
            open: true,
        })
    }
}

/// SQLite's `synchronous` level for commits that wait for the disk or not.
fn sqlite_sync(durable: bool) -> &'static str {
    if durable { "FULL" } else { "NORMAL" }
}

/// An open transaction: statements run through it (it derefs to the
/// connection); `commit` ends it, dropping it rolls it back.
pub struct Tx<'a> {
    db: &'a mut Db,
    open: bool,
}

impl Tx<'_> {
    /// Commits; on failure (a busy or full database) the transaction is
    /// rolled back as it is dropped.
    pub fn commit(mut self) -> DbResult<()> {
        self.db.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        let still_open = match &self.db.conn {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres(_) => true,
        };
        if self.open && still_open {
            // Nothing to report to: the caller is already returning the
            // error that made it drop the transaction.
            let _ = self.db.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        let db = Db::from_sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER)")
            .unwrap();
        db
    }

    fn count(db: &Db) -> i64 {
        db.query_row("SELECT count(*) FROM t", params![], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_transaction_is_as_durable_as_asked_whatever_the_connection_was_left_with() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::from_sqlite(rusqlite::Connection::open(dir.path().join("d.db")).unwrap());
        db.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        let level = |db: &Db| -> i64 {
            db.query_row("PRAGMA synchronous", params![], |r| r.get(0))
                .unwrap()
        };
        db.set_durable(false).unwrap();
        let tx = db.transaction(Begin::Immediate).unwrap();
        assert_eq!(level(&tx), 1, "NORMAL while not durable");
        drop(tx);
        db.set_durable(true).unwrap();
        // As if setting it back had failed: the connection left at NORMAL.
        db.execute_batch("PRAGMA synchronous = NORMAL").unwrap();
        for how in [Begin::Deferred, Begin::Immediate] {
            let tx = db.transaction(how).unwrap();
            assert_eq!(level(&tx), 2, "a durable transaction runs with FULL");
        }
    }

    #[test]
    fn a_transaction_dropped_uncommitted_leaves_nothing() {
        let mut db = db();
        {
            let tx = db.transaction(Begin::Immediate).unwrap();
            tx.execute("INSERT INTO t (name) VALUES (?1)", params!["Åse"])
                .unwrap();
            assert_eq!(count(&tx), 1);
        }
        assert_eq!(count(&db), 0);
        let tx = db.transaction(Begin::Deferred).unwrap();
        tx.execute("INSERT INTO t (name) VALUES (?1)", params!["Øystein"])
            .unwrap();
        tx.commit().unwrap();
        assert_eq!(count(&db), 1);
    }

    #[test]
    fn rows_read_by_number_and_none_is_not_an_error_when_optional() {
        let db = db();
        db.execute(
            "INSERT INTO t (name, n) VALUES (?1, ?2), (?3, NULL)",
            params!["a", 7i64, String::from("b")],
        )
        .unwrap();
        let rows = db
            .query_map("SELECT name, n FROM t ORDER BY id", params![], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<u32>>(1)?))
            })
            .unwrap();
        assert_eq!(rows, vec![("a".into(), Some(7)), ("b".into(), None)]);
        let none = db
            .query_row("SELECT name FROM t WHERE id = ?1", params![99], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(none, None);
        let wrong = db
            .query_row("SELECT name FROM t WHERE id = 1", params![], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "column 0: expected an integer, found text"
        );
    }
}
