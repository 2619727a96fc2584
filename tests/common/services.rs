//! What a test that starts or needs a service shares: a free port, and
//! the rule for a missing service (a failure under `CI=true`, else a skip).
//! Also compiled into `benches/imap.rs`, beside `dovecot.rs`.
#![allow(dead_code)]

/// A free TCP port on loopback (for a server a test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A test that needs what is missing (`why`, with how to install it): a
/// failure under `CI=true`, where `.ci/run` installs everything; elsewhere
/// it says so on stderr and the caller skips.
pub fn skip_without(what: &str, why: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(!ci, "CI=true and {what} cannot run: {why}");
    eprintln!("skipping {what}: {why}");
}
