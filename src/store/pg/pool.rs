//! Connections to a PostgreSQL store: a pool of explicit size and timeouts
//! (deadpool's default of four, cores × 4 here, was seen to hang under the
//! engine's concurrency), TLS over the project's rustls with Mozilla's
//! roots and the admin's `--ca-file`, and errors that say what to fix.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use super::target::{PgTarget, SslMode};

/// How many connections one process keeps at most, and how long a task
/// waits for one, one is made, or a returned one is checked.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    pub max: usize,
    pub wait: Duration,
    pub create: Duration,
    pub recycle: Duration,
}

impl Default for PoolSize {
    fn default() -> Self {
        PoolSize {
            max: super::target::DEFAULT_POOL_SIZE,
            wait: Duration::from_secs(30),
            create: Duration::from_secs(15),
            recycle: Duration::from_secs(5),
        }
    }
}

/// The client settings for `t`: never a password over plain TCP to
/// anything but loopback (checked when `t` was parsed).
/// How long a session may idle inside a transaction before the server
/// ends it (and rolls the transaction back).
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(10);

pub(crate) fn client_config(t: &PgTarget) -> tokio_postgres::Config {
    let mut c = tokio_postgres::Config::new();
    c.host(&t.host)
        .port(t.port)
        .user(&t.user)
        .dbname(&t.dbname)
        .application_name("emaillog")
        // A process stopped inside a transaction (SIGSTOP, a laptop lid, a
        // hung host) would hold its locks, the writer lock among them, and
        // stall every engine; the server ends such a session instead. No
        // transaction of emaillog's waits on anything but the database.
        .options(format!(
            "-c idle_in_transaction_session_timeout={}",
            IDLE_IN_TRANSACTION.as_millis()
        ))
        .connect_timeout(Duration::from_secs(t.connect_timeout_secs))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(60))
        .ssl_mode(match t.ssl {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        });
    if let Some(p) = &t.password {
        c.password(p.expose());
    }
    c
}

/// TLS for a PostgreSQL connection: the project's rustls configuration
/// (Mozilla's roots and the admin's `--ca-file`), the server's name checked.
pub(crate) fn tls() -> tokio_postgres_rustls::MakeRustlsConnect {
    tokio_postgres_rustls::MakeRustlsConnect::new((*crate::net::tls_config()).clone())
}

/// A pool for `t`; nothing connects until a connection is asked for.
pub fn pool(t: &PgTarget, size: PoolSize) -> Result<Pool, String> {
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let config = client_config(t);
    let manager = match t.ssl {
        SslMode::Disable => Manager::from_config(config, tokio_postgres::NoTls, manager_config),
        SslMode::VerifyFull => Manager::from_config(config, tls(), manager_config),
    };
    Pool::builder(manager)
        .max_size(size.max)
        .wait_timeout(Some(size.wait))
        .create_timeout(Some(size.create))
        .recycle_timeout(Some(size.recycle))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| format!("cannot set up connections to {t}: {e}"))
}

/// The process's pool for `t` (one per URL): stores opened one after the
/// other reuse its connections instead of connecting each time.
pub fn shared_pool(t: &PgTarget, url: &str) -> Result<Pool, String> {
    static POOLS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Pool>>> =
        std::sync::OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(p) = pools.get(url) {
        return Ok(p.clone());
    }
    let size = PoolSize {
        max: t.pool_size,
        ..PoolSize::default()
    };
    let p = pool(t, size)?;
    pools.insert(url.to_string(), p.clone());
    Ok(p)
}

/// What a failed connection means to the person who asked for it.
pub fn connect_error(t: &PgTarget, e: &deadpool_postgres::PoolError) -> String {
    use deadpool_postgres::PoolError;
    match e {
        PoolError::Backend(pg) => postgres_error(t, pg),
        PoolError::Timeout(deadpool_postgres::TimeoutType::Wait) => format!(
            "every one of the {} connections this process may keep to {t} is in use: pool_size={} (or more) in the URL allows more; each mailbox an engine serves holds one",
            t.pool_size,
            t.pool_size * 2
        ),
        PoolError::Timeout(_) => format!(
            "no connection to {t} within the time allowed: is the server up and reachable? (connect_timeout in the URL waits longer)"
        ),
        other => format!("cannot connect to {t}: {other}"),
    }
}

/// A PostgreSQL error as a sentence with its fix.
pub fn postgres_error(t: &PgTarget, e: &tokio_postgres::Error) -> String {
    if let Some(why) = crate::net::untrusted_certificate(e) {
        return format!("{t}: {why}");
    }
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return match code {
            "28P01" | "28000" => format!(
                "{t} refused the user {}: check the user and password (in the URL, or PGPASSWORD)",
                t.user
            ),
            "3D000" => format!(
                "{t}: the database {} does not exist: create it (createdb {}) or name another",
                t.dbname, t.dbname
            ),
            _ => format!(
                "{t}: {} ({code})",
                crate::domain::text::one_line(db.message())
            ),
        };
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    format!(
        "cannot connect to {t}: {}",
        crate::domain::text::one_line(&text)
    )
}

/// Connects once and returns the server's version (`server_version`), to
/// check the URL, the password and the certificate.
pub async fn server_version(pool: &Pool, t: &PgTarget) -> Result<String, String> {
    let client = pool.get().await.map_err(|e| connect_error(t, &e))?;
    let row = client
        .query_one("SHOW server_version", &[])
        .await
        .map_err(|e| postgres_error(t, &e))?;
    Ok(row.get::<_, String>(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool with every connection in use says so and how to allow more;
    /// a server that does not answer says that instead.
    #[test]
    fn a_full_pool_and_an_unreachable_server_are_told_apart() {
        let t = PgTarget::parse("postgres://crm@db.example/log?pool_size=20", None).unwrap();
        let full = connect_error(
            &t,
            &deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Wait),
        );
        assert!(
            full.contains("20 connections") && full.contains("pool_size=40"),
            "{full}"
        );
        let down = connect_error(
            &t,
            &deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Create),
        );
        assert!(down.contains("reachable"), "{down}");
    }
}
