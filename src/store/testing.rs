//! Fresh databases for tests, on the store `EMAILLOG_TEST_BACKEND` names:
//! a file in the test's folder (SQLite, the default), or with `postgres` a
//! new empty database on the server whose admin URL `EMAILLOG_TEST_PG`
//! gives (`.ci/run` starts one), so the same tests run on both stores.
//! Not for production use: it creates databases.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::db::{Db, pg};

/// Whether tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("EMAILLOG_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// Where a test's database `name` is: `dir/name`, or the URL of a new
/// database on the test server.
pub fn fresh_database(dir: &Path, name: &str) -> PathBuf {
    if !on_postgres() {
        return dir.join(name);
    }
    let admin = std::env::var("EMAILLOG_TEST_PG").unwrap_or_else(|_| {
        panic!("EMAILLOG_TEST_BACKEND=postgres needs EMAILLOG_TEST_PG: the URL of a server the tests may create databases on, as its superuser (.ci/run starts one)")
    });
    static N: AtomicUsize = AtomicUsize::new(0);
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    let db = format!(
        "t{}_{}_{stem}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    PathBuf::from(create_database(&admin, &db))
}

/// Creates the empty database `name` on the server the superuser's URL
/// `admin` reaches, and returns the same URL naming it.
pub fn create_database(admin: &str, name: &str) -> String {
    connect(Path::new(admin))
        .execute_batch(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let mut url = url::Url::parse(admin).unwrap_or_else(|e| panic!("{e}"));
    url.set_path(name);
    url.to_string()
}

/// A plain connection to the test database at `path`, for a test that
/// checks what was stored with SQL of its own (written for both stores).
pub fn connect(path: &Path) -> Db {
    match super::pg::target::postgres_url(path) {
        Some(url) => Db::from_postgres(pg::open(url).unwrap_or_else(|e| panic!("{e}")).0),
        None => Db::from_sqlite(
            rusqlite::Connection::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        ),
    }
}

/// For a test of something only SQLite has (its file, its locks, a clock
/// the caller sets): true, after saying so, when the suite runs on
/// PostgreSQL, where the test returns at once.
pub fn sqlite_only(why: &str) -> bool {
    let skip = on_postgres();
    if skip {
        eprintln!("skipped on PostgreSQL: {why}");
    }
    skip
}

/// A throwaway PostgreSQL server for a benchmark (`.ci/pg-server`: `initdb`
/// in a temporary folder, loopback, fsync off), stopped by its pid when
/// dropped.
pub struct PgServer {
    dir: tempfile::TempDir,
    admin: String,
}

impl PgServer {
    fn script() -> &'static str {
        concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/pg-server")
    }

    /// `None`, having said why, when no server can be started here.
    pub fn start() -> Option<PgServer> {
        let dir = tempfile::tempdir().ok()?;
        let out = std::process::Command::new(Self::script())
            .arg("start")
            .arg(dir.path().join("pg"))
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        let admin = String::from_utf8(out.stdout).ok()?.trim().to_string();
        Some(PgServer { dir, admin })
    }

    /// A new empty database's URL.
    pub fn database(&self, name: &str) -> String {
        create_database(&self.admin, name)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new(Self::script())
            .arg("stop")
            .arg(self.dir.path().join("pg"))
            .status();
    }
}
