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
/// over channels, so it needs no runtime of its own.
fn wait<F: Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// One connection, taken from the pool for as long as the store lives.
pub struct PgConn {
    client: Object,
}

/// Takes a connection from `pool` (made on the private runtime, where its
/// task then runs).
pub fn connect(pool: &Pool, target: &PgTarget) -> Result<PgConn, String> {
    let pool = pool.clone();
    let got = wait(runtime().spawn(async move { pool.get().await }))
        .map_err(|e| format!("the PostgreSQL connection thread failed: {e}"))?;
    match got {
        Ok(client) => Ok(PgConn { client }),
        Err(e) => Err(crate::store::pg::pool::connect_error(target, &e)),
    }
}

/// A connection to the database at `url` (its password in the URL or
/// `PGPASSWORD`) from the process's pool for that URL, and where it is.
pub fn open(url: &str) -> Result<(PgConn, PgTarget), String> {
    let password = std::env::var("PGPASSWORD").ok();
    let target = PgTarget::parse(url, password.as_deref())?;
    let pool = crate::store::pg::pool::shared_pool(&target, url)?;
    Ok((connect(&pool, &target)?, target))
}

/// The parameters as the client wants them.
fn refs<'a>(params: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl PgConn {
    fn statement(&self, sql: &str) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        wait(self.client.prepare_cached(&placeholders(sql)))
    }

    pub fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, tokio_postgres::Error> {
        let st = self.statement(sql)?;
        wait(self.client.execute(&st, &refs(params)))
    }

    /// Hands each row (or the first only) to `f` as it arrives; an error
    /// from `f` stops the query.
    pub fn each_row<E>(
        &self,
        sql: &str,
        params: &[Value<'_>],
        first_only: bool,
        mut f: impl FnMut(&[Value<'static>]) -> Result<(), E>,
        pg_error: impl Fn(tokio_postgres::Error) -> E,
    ) -> Result<(), E> {
        let st = self.statement(sql).map_err(&pg_error)?;
        let stream = wait(self.client.query_raw(&st, refs(params))).map_err(&pg_error)?;
        let mut rows = futures::executor::block_on_stream(Box::pin(stream));
        let mut values = Vec::new();
        for row in &mut rows {
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

    pub fn batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        wait(self.client.batch_execute(sql))
    }
}
