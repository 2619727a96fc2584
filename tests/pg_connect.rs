//! Connecting to a PostgreSQL store, against a real server this test
//! starts: TLS verified against the CA the admin trusts (and refused, with
//! how to fix it, before it is trusted), plain TCP on loopback, and a
//! wrong password or database said as such. One test: the trusted CA is
//! the process's.

mod common;

use common::postgres::{PASSWORD, Postgres, available};
use emaillog::store::pg::pool::{PoolSize, pool, server_version};
use emaillog::store::pg::target::PgTarget;

async fn version(url: &str, password: &str) -> Result<String, String> {
    let t = PgTarget::parse(url, Some(password))?;
    let p = pool(&t, PoolSize::default())?;
    server_version(&p, &t).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_is_reached_over_verified_tls_or_plain_loopback_and_mistakes_are_named() {
    if !available() {
        return;
    }
    let pg = Postgres::start();
    // Plain TCP to loopback, with the password.
    let v = version(&pg.url("postgres", "disable"), PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
    assert!(v.chars().next().is_some_and(|c| c.is_ascii_digit()), "{v}");
    // TLS before the CA is trusted: refused, saying how to trust it.
    let e = version(&pg.url("postgres", "verify-full"), PASSWORD)
        .await
        .unwrap_err();
    assert!(
        e.contains("certificate is not trusted") && e.contains("--ca-file"),
        "{e}"
    );
    assert!(!e.contains(PASSWORD), "{e}");
    emaillog::net::trust_ca_file(&pg.ca_file).unwrap();
    let tls = version(&pg.url("postgres", "verify-full"), PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
    assert_eq!(tls, v);
    // The server saw a TLS connection.
    let t = PgTarget::parse(&pg.url("postgres", "require"), Some(PASSWORD)).unwrap();
    let client = pool(&t, PoolSize::default()).unwrap().get().await.unwrap();
    let ssl: bool = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(ssl, "sslmode=require is TLS");
    // A wrong password and a missing database, each said with its fix.
    let e = version(&pg.url("postgres", "verify-full"), "wrong")
        .await
        .unwrap_err();
    assert!(e.contains("refused the user emaillog"), "{e}");
    assert!(!e.contains("wrong"), "the password is never shown: {e}");
    let e = version(&pg.url("nowhere", "verify-full"), PASSWORD)
        .await
        .unwrap_err();
    assert!(e.contains("the database nowhere does not exist"), "{e}");
    drop(pg);

    // A server (or someone in between) that offers no TLS: refused, the
    // password never sent in clear.
    let plain = Postgres::start_without_tls();
    let e = version(&plain.url("postgres", "verify-full"), PASSWORD)
        .await
        .unwrap_err();
    assert!(e.contains("cannot connect"), "{e}");
    assert!(
        !plain.log().contains("password authentication"),
        "no sign-in was tried: {}",
        plain.log()
    );
    version(&plain.url("postgres", "disable"), PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", plain.log()));
}
