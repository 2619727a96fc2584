//! The PostgreSQL half of the database layer: one pooled connection per
//! store, driven synchronously like SQLite's. The store's callers are
//! synchronous (the UI's threads) or async code that already treats a
//! store call as a short blocking step (the engine), so a call waits here
//! with `futures`' executor; the connections' own tasks run on a small
//! private runtime that every store shares, so waiting never needs (or
//! blocks) the caller's runtime.

use std::future::Future;
use std::sync::OnceLock;

use deadpool_postgres::{Object, Pool};
use tokio_postgres::types::ToSql;

use super::Value;
use super::pg_value::{Column, placeholders};
use crate::store::pg::target::PgTarget;

/// The runtime the PostgreSQL connections' tasks live on.
pub(super) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("emaillog-pg")
            .enable_all()
            .build()
            // Without a thread for the connections nothing can work: as
            // fatal as failing to allocate.
            .expect("cannot start the PostgreSQL connection thread")
    })
}

/// Waits for `f` on this thread. `f` only talks to a connection's task
/// over channels, so it needs no runtime of its own. It is polled outside
/// tokio's cooperative budget: called from a task of the caller's runtime
/// that had spent its budget, every tokio primitive inside `f` (the
/// statement cache's semaphore) answered "not yet, poll again" and this
/// loop spun at full CPU for ever (seen in CI: pg_roles at 99% CPU for 10
/// minutes, stuck in `prepare_cached`).
fn wait<F: Future>(f: F) -> F::Output {
    futures::executor::block_on(tokio::task::unconstrained(f))
}

/// One connection, taken from the pool for as long as the store lives. A
/// connection the server closed (a restart, a failover, a session killed
/// for idling in a transaction) is replaced from the pool before the next
/// statement, unless a transaction was open on it: then every statement
/// fails until the caller has given the transaction up, so nothing of it
/// is ever run outside it.
pub struct PgConn {
    client: std::sync::Mutex<Object>,
    /// Where a replacement comes from.
    origin: Box<(Pool, PgTarget)>,
    in_tx: std::sync::atomic::AtomicBool,
}

/// Takes a connection from `pool` (made on the private runtime, where its
/// task then runs).
fn take(pool: &Pool, target: &PgTarget) -> Result<Object, String> {
    let pool2 = pool.clone();
    let got = wait(runtime().spawn(async move { pool2.get().await }))
        .map_err(|e| format!("the PostgreSQL connection thread failed: {e}"))?;
    got.map_err(|e| crate::store::pg::pool::connect_error(target, &e))
}

/// A connection from `pool`.
pub fn connect(pool: &Pool, target: &PgTarget) -> Result<PgConn, String> {
    Ok(PgConn {
        client: std::sync::Mutex::new(take(pool, target)?),
        origin: Box::new((pool.clone(), target.clone())),
        in_tx: std::sync::atomic::AtomicBool::new(false),
    })
}

/// A connection to the database at `url` (its password in the URL or
/// `PGPASSWORD`) from the process's pool for that URL, and where it is.
pub fn open(url: &str) -> Result<(PgConn, PgTarget), String> {
    let password = std::env::var("PGPASSWORD").ok();
    let target = PgTarget::parse(url, password.as_deref())?;
    let pool = crate::store::pg::pool::shared_pool(&target, url)?;
    Ok((connect(&pool, &target)?, target))
}

/// Reads a query's rows into `f` as they arrive (or the first only).
fn read_rows<E>(
    stream: tokio_postgres::RowStream,
    first_only: bool,
    mut f: impl FnMut(&[Value<'static>]) -> Result<(), E>,
    pg_error: impl Fn(tokio_postgres::Error) -> E,
) -> Result<(), E> {
    use futures::StreamExt;
    let mut rows = Box::pin(stream);
    let mut values = Vec::new();
    // Each row waited for as `wait` waits: outside tokio's budget.
    while let Some(row) = wait(rows.next()) {
        let row = row.map_err(&pg_error)?;
        values.clear();
        for i in 0..row.len() {
            let Column(v) = row.try_get::<_, Column>(i).map_err(&pg_error)?;
            values.push(v);
        }
        f(&values)?;
        if first_only {
            break;
        }
    }
    Ok(())
}

/// The parameters as the client wants them.
fn refs<'a>(params: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl PgConn {
    /// The connection to use now: a closed one is replaced when no
    /// transaction is open on it (if the pool cannot give another, the
    /// statement fails on the closed one, as a lost connection: busy).
    fn client(&self) -> std::sync::MutexGuard<'_, Object> {
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        if client.is_closed()
            && !self.in_tx.load(std::sync::atomic::Ordering::SeqCst)
            && let Ok(fresh) = take(&self.origin.0, &self.origin.1)
        {
            *client = fresh;
        }
        client
    }

    fn statement(
        client: &Object,
        sql: &str,
    ) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        wait(client.prepare_cached(&placeholders(sql)))
    }

    pub fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, tokio_postgres::Error> {
        let client = self.client();
        let st = Self::statement(&client, sql)?;
        wait(client.execute(&st, &refs(params)))
    }

    /// Hands each row (or the first only) to `f` as it arrives; an error
    /// from `f` stops the query.
    pub fn each_row<E>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        first_only: bool,
        f: impl FnMut(&[Value<'static>]) -> Result<(), E>,
        pg_error: impl Fn(tokio_postgres::Error) -> E,
    ) -> Result<(), E> {
        let client = self.client();
        let st = Self::statement(&client, sql).map_err(&pg_error)?;
        let stream = wait(client.query_raw(&st, refs(params))).map_err(&pg_error)?;
        read_rows(stream, first_only, f, pg_error)
    }

    /// Like [`PgConn::each_row`] (all rows), as an unnamed statement with
    /// the parameters' types given: parsed, planned for these very values
    /// and run in one round trip. For the statements over a page's rows
    /// (see `Db::query_at_once`): a named statement's cached generic plan,
    /// made while a table was small, kept scanning it whole as it grew
    /// (measured: the archive update of a page took 3 ms at 12,000
    /// messages), and the session-wide alternative (`plan_cache_mode`)
    /// re-planned every foreign key check too (the entries' insert took
    /// twice as long).
    pub fn each_row_typed<E>(
        &self,
        sql: &str,
        params: Vec<(&(dyn ToSql + Sync), tokio_postgres::types::Type)>,
        f: impl FnMut(&[Value<'static>]) -> Result<(), E>,
        pg_error: impl Fn(tokio_postgres::Error) -> E,
    ) -> Result<(), E> {
        let client = self.client();
        let stream = wait(client.query_typed_raw(&placeholders(sql), params)).map_err(&pg_error)?;
        read_rows(stream, false, f, pg_error)
    }

    /// Runs one statement once per parameter list, every one sent before
    /// the first answer is awaited (tokio-postgres pipelines requests in
    /// flight on one connection, in order): one round trip for the lot
    /// instead of one each. Returns the rows changed in all.
    pub fn execute_each(
        &self,
        sql: &str,
        batch: &[&[Value<'_>]],
    ) -> Result<u64, tokio_postgres::Error> {
        let client = self.client();
        let st = Self::statement(&client, sql)?;
        let all: Vec<Vec<&(dyn ToSql + Sync)>> = batch.iter().map(|p| refs(p)).collect();
        let sent = all.iter().map(|p| client.execute(&st, p));
        Ok(wait(futures::future::try_join_all(sent))?.iter().sum())
    }

    /// The first row of one query per parameter list (`None` where it
    /// found none), pipelined as [`PgConn::execute_each`].
    pub fn first_row_each(
        &self,
        sql: &str,
        batch: &[&[Value<'_>]],
    ) -> Result<Vec<Option<Vec<Value<'static>>>>, tokio_postgres::Error> {
        let client = self.client();
        let st = Self::statement(&client, sql)?;
        let all: Vec<Vec<&(dyn ToSql + Sync)>> = batch.iter().map(|p| refs(p)).collect();
        let sent = all.iter().map(|p| client.query(&st, p));
        let answers = wait(futures::future::try_join_all(sent))?;
        answers
            .into_iter()
            .map(|rows| {
                rows.first()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.try_get::<_, Column>(i).map(|Column(v)| v))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()
            })
            .collect()
    }

    /// Runs statements without parameters; `BEGIN`, `COMMIT` and
    /// `ROLLBACK` (as `Db::transaction` sends them) say whether a
    /// transaction is open.
    pub fn batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        let client = self.client();
        let result = wait(client.batch_execute(sql));
        match sql {
            "COMMIT" | "ROLLBACK" => self.in_tx.store(false, std::sync::atomic::Ordering::SeqCst),
            // Open even when what followed BEGIN failed (the transaction is
            // aborted then): the caller's ROLLBACK closes it.
            begin if begin.starts_with("BEGIN") => {
                self.in_tx.store(true, std::sync::atomic::Ordering::SeqCst)
            }
            _ => {}
        }
        result
    }
}
