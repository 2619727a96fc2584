//! Where a PostgreSQL store is: a `postgres://` or `postgresql://` URL as
//! `--db` (or `EMAILLOG_DB`) gives it, checked before anything connects.
//! Pure: parsing and the rules. A password goes only over TLS whose
//! certificate and name are verified, except to a loopback address, as an
//! endpoint must be `https` except on loopback.

use crate::auth::secrets::Secret;
use crate::domain::setup::is_loopback_host;

/// How the connection is protected (libpq's `sslmode` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP: only to a loopback address.
    Disable,
    /// TLS with the server's certificate chain and name verified. `require`
    /// and `verify-ca` are taken as this: emaillog never sends a password
    /// to a server whose certificate it could not check.
    VerifyFull,
}

/// A checked PostgreSQL location; its `Debug` and `Display` never show the
/// password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<Secret>,
    pub dbname: String,
    pub ssl: SslMode,
    /// Seconds to wait for a connection (`connect_timeout`), 10 by default.
    pub connect_timeout_secs: u64,
    /// Connections one process keeps at most (`pool_size`): each mailbox
    /// an engine serves holds one, and the heartbeat, the look at the
    /// mailboxes and the listener one each.
    pub pool_size: usize,
}

/// Connections one process keeps at most unless the URL says (enough for
/// an engine serving some 28 mailboxes).
pub const DEFAULT_POOL_SIZE: usize = 32;

/// Whether `--db` names a PostgreSQL store rather than a SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    let lower = db.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The URL `db` holds when it names a PostgreSQL store (a `--db` value
/// kept as a path), `None` for a SQLite file.
pub fn postgres_url(db: &std::path::Path) -> Option<&str> {
    db.to_str().filter(|d| is_postgres_url(d))
}

/// The query parameters a URL may carry.
const KNOWN: &[&str] = &["sslmode", "connect_timeout", "pool_size"];

/// A URL parameter that is a whole number in `range` of `unit`.
fn number(
    name: &str,
    value: &str,
    range: std::ops::RangeInclusive<usize>,
    unit: &str,
) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "{name} '{}' is not a number of {unit} from {} to {}",
                shown(value),
                range.start(),
                range.end()
            )
        })
}

impl PgTarget {
    /// Parses and checks `url`; `env_password` (`PGPASSWORD`) is used when
    /// the URL has none. The error says what is wrong and how to write it.
    pub fn parse(url: &str, env_password: Option<&str>) -> Result<PgTarget, String> {
        let example = "postgres://USER@HOST:5432/DATABASE?sslmode=verify-full";
        if !is_postgres_url(url) {
            return Err(format!(
                "'{}' is not a PostgreSQL URL: write {example}",
                shown(url)
            ));
        }
        let u = url::Url::parse(url.trim())
            .map_err(|e| format!("the PostgreSQL URL is malformed ({e}): write {example}"))?;
        let host = u.host_str().unwrap_or_default().to_string();
        if host.is_empty() {
            return Err(format!(
                "the PostgreSQL URL names no host (a Unix socket is not supported): write {example}"
            ));
        }
        let decode = |s: &str| {
            percent_decode(s).map_err(|_| {
                "the PostgreSQL URL has a %-escape that is not UTF-8 in its user, password or database".to_string()
            })
        };
        let user = decode(u.username())?;
        if user.is_empty() {
            return Err(format!("the PostgreSQL URL names no user: write {example}"));
        }
        let password = match u.password() {
            Some(p) => Some(Secret::new(decode(p)?)),
            None => env_password.filter(|p| !p.is_empty()).map(Secret::new),
        };
        let path = decode(u.path().trim_start_matches('/'))?;
        if path.contains('/') {
            return Err(format!(
                "the PostgreSQL URL's path is one database name, not '{}': write {example}",
                shown(&path)
            ));
        }
        let dbname = if path.is_empty() { user.clone() } else { path };
        let mut ssl = None;
        let mut connect_timeout_secs = 10;
        let mut pool_size = DEFAULT_POOL_SIZE;
        for (k, v) in u.query_pairs() {
            match k.as_ref() {
                "sslmode" => {
                    ssl = Some(match v.as_ref() {
                        "disable" => SslMode::Disable,
                        "require" | "verify-ca" | "verify-full" => SslMode::VerifyFull,
                        "allow" | "prefer" => {
                            return Err(format!(
                                "sslmode={v} could fall back to a connection without TLS: use sslmode=verify-full (or disable, on a loopback address only)"
                            ));
                        }
                        other => {
                            return Err(format!(
                                "sslmode '{}' is not one of disable, require, verify-ca, verify-full",
                                shown(other)
                            ));
                        }
                    })
                }
                "connect_timeout" => {
                    connect_timeout_secs = number(&k, &v, 1..=300, "seconds")? as u64
                }
                "pool_size" => pool_size = number(&k, &v, 2..=1000, "connections")?,
                other => {
                    return Err(format!(
                        "the PostgreSQL URL's parameter '{}' is not one emaillog takes ({}); a password goes in the URL's user part or PGPASSWORD",
                        shown(other),
                        KNOWN.join(", ")
                    ));
                }
            }
        }
        let loopback = is_loopback_host(&host);
        let ssl = ssl.unwrap_or(if loopback {
            SslMode::Disable
        } else {
            SslMode::VerifyFull
        });
        if ssl == SslMode::Disable && !loopback {
            return Err(format!(
                "sslmode=disable would send the password to {host} unencrypted: only a loopback address may go without TLS; use sslmode=verify-full"
            ));
        }
        Ok(PgTarget {
            host,
            port: u.port().unwrap_or(5432),
            user,
            password,
            dbname,
            ssl,
            connect_timeout_secs,
            pool_size,
        })
    }
}

impl std::fmt::Display for PgTarget {
    /// The URL without its password, for messages and the UI.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{}{}",
            shown(&self.user),
            self.host,
            self.port,
            shown(&self.dbname),
            match self.ssl {
                SslMode::Disable => "?sslmode=disable",
                SslMode::VerifyFull => "?sslmode=verify-full",
            }
        )
    }
}

/// Text from the URL as it may be shown: one line, controls stripped.
fn shown(s: &str) -> String {
    crate::domain::text::one_line(s)
}

fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(a), Some(b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push((hex(a).unwrap_or(0) * 16 + hex(b).unwrap_or(0)) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_a_password_never_travels_in_clear() {
        // (url, PGPASSWORD, what it is: Ok(host, port, user, db, ssl, has
        // password) or Err(part of the message)).
        type Want<'a> = Result<(&'a str, u16, &'a str, &'a str, SslMode, bool), &'a str>;
        let cases: &[(&str, Option<&str>, Want)] = &[
            (
                "postgres://crm@db.contoso.example/emaillog",
                None,
                Ok((
                    "db.contoso.example",
                    5432,
                    "crm",
                    "emaillog",
                    SslMode::VerifyFull,
                    false,
                )),
            ),
            (
                "postgresql://crm:p%40ss@127.0.0.1:6543/log?sslmode=disable",
                None,
                Ok(("127.0.0.1", 6543, "crm", "log", SslMode::Disable, true)),
            ),
            (
                "postgres://crm@localhost",
                Some("from-env"),
                Ok(("localhost", 5432, "crm", "crm", SslMode::Disable, true)),
            ),
            (
                "postgres://crm@db.example/x?sslmode=require",
                None,
                Ok(("db.example", 5432, "crm", "x", SslMode::VerifyFull, false)),
            ),
            (
                "postgres://crm@db.example/x?sslmode=disable",
                None,
                Err("only a loopback address"),
            ),
            (
                "postgres://crm@db.example/x?sslmode=prefer",
                None,
                Err("could fall back"),
            ),
            (
                "postgres://crm@db.example/x?sslmode=sure",
                None,
                Err("is not one of"),
            ),
            (
                "postgres://crm@db.example/x?password=hunter2",
                None,
                Err("is not one emaillog takes"),
            ),
            ("postgres://db.example/x", None, Err("names no user")),
            (
                "postgres:///x?host=/run/postgresql",
                None,
                Err("names no host"),
            ),
            (
                "postgres://crm@db.example/a/b",
                None,
                Err("one database name"),
            ),
            (
                "postgres://crm@db.example/x?connect_timeout=0",
                None,
                Err("from 1 to 300"),
            ),
            (
                "postgres://crm@db.example/x?pool_size=1",
                None,
                Err("from 2 to 1000"),
            ),
            (
                "postgres://crm@db.example/x?pool_size=lots",
                None,
                Err("from 2 to 1000"),
            ),
            (
                "mysql://crm@db.example/x",
                None,
                Err("not a PostgreSQL URL"),
            ),
        ];
        for (url, env, want) in cases {
            let got = PgTarget::parse(url, *env);
            match (want, &got) {
                (Ok((host, port, user, db, ssl, pw)), Ok(t)) => {
                    assert_eq!(
                        (
                            t.host.as_str(),
                            t.port,
                            t.user.as_str(),
                            t.dbname.as_str(),
                            t.ssl,
                            t.password.is_some()
                        ),
                        (*host, *port, *user, *db, *ssl, *pw),
                        "{url}"
                    );
                }
                (Err(part), Err(e)) => assert!(e.contains(part), "{url}: {e}"),
                _ => panic!("{url}: {got:?}"),
            }
        }
        let sizes = ["postgres://crm@h/x", "postgres://crm@h/x?pool_size=80"]
            .map(|u| PgTarget::parse(u, None).unwrap().pool_size);
        assert_eq!(sizes, [DEFAULT_POOL_SIZE, 80]);
        let t = PgTarget::parse("postgres://crm:p%40ss@127.0.0.1/log", None).unwrap();
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("p@ss"));
        for shown in [format!("{t}"), format!("{t:?}")] {
            assert!(
                !shown.contains("p@ss") && !shown.contains("p%40ss"),
                "{shown}"
            );
        }
        assert_eq!(
            t.to_string(),
            "postgres://crm@127.0.0.1:5432/log?sslmode=disable"
        );
        assert!(is_postgres_url("PostgreSQL://x@y/z"));
        assert!(!is_postgres_url("./postgres.db"));
    }
}
