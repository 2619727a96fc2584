//! Secrets are bound to where they may go: a client secret or IMAP password
//! opens only for the endpoints it was entered for. Whoever can write the
//! database (a group member of a shared one) and points the authority or
//! the IMAP server at a listener of theirs gets nothing: the admin's next
//! run refuses with what changed, and the listener receives no connection.

mod common;

use std::io::ErrorKind;
use std::net::TcpListener;

use common::*;

/// A listener that must receive nothing: how many connections it got.
struct Trap(TcpListener);

impl Trap {
    fn new() -> Self {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Self(l)
    }

    fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    fn connections(&self) -> usize {
        let mut n = 0;
        loop {
            match self.0.accept() {
                Ok(_) => n += 1,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return n,
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// What a group member with write access to the database file can do
/// without any emaillog command: rewrite the setup row.
fn rewrite_setup(db: &std::path::Path, set: &str) {
    emaillog::store::testing::connect(db)
        .execute(
            &format!("UPDATE setup SET {set} WHERE id = 1"),
            emaillog::store::db::params![],
        )
        .unwrap();
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_never_goes_to_an_authority_rewritten_in_the_database() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    sim.add(MAILBOX, "inbox", messages(2)).await;
    // It works for the endpoints it was entered for.
    emaillog_ok(&db, &["sync", "--once"]);

    for (field, value) in [
        ("authority", "authority = 'http://127.0.0.1:{PORT}'"),
        ("Graph URL", "graph_url = 'http://127.0.0.1:{PORT}/v1.0'"),
    ] {
        let trap = Trap::new();
        let original = app.setup().unwrap();
        rewrite_setup(&db, &value.replace("{PORT}", &trap.port().to_string()));
        let out = emaillog_on(&db, &["sync", "--once"]);
        assert!(!out.status.success(), "{field}: the run must refuse");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "the {field} changed since the client secret was entered: enter it again"
            )),
            "{field}: {err}"
        );
        assert!(!err.contains(&sim.config.client_secret), "{err}");
        // Validate says the same, and sends nothing either.
        let v = emaillog_on(&db, &["validate"]);
        let text = String::from_utf8_lossy(&v.stdout);
        assert!(!v.status.success(), "{text}");
        assert!(
            text.contains(&format!(
                "the {field} changed since the client secret was entered"
            )),
            "{text}"
        );
        assert_eq!(
            trap.connections(),
            0,
            "{field}: the listener got a connection"
        );
        // The admin puts the endpoint back: the secret opens again.
        emaillog::store::testing::connect(&db)
            .execute(
                "UPDATE setup SET authority = ?1, graph_url = ?2 WHERE id = 1",
                emaillog::store::db::params![original.authority, original.graph_url],
            )
            .unwrap();
        emaillog_ok(&db, &["sync", "--once"]);
    }
    // Changing the authority through the CLI clears the secret outright.
    let trap = Trap::new();
    emaillog_ok(
        &db,
        &[
            "setup",
            "set",
            "--authority",
            &format!("http://127.0.0.1:{}", trap.port()),
        ],
    );
    let out = emaillog_on(&db, &["sync", "--once"]);
    assert!(
        stderr(&out).contains("no client secret is set"),
        "{}",
        stderr(&out)
    );
    assert_eq!(trap.connections(), 0);
    sim.server.stop().await;
}

#[test]
fn an_imap_password_never_goes_to_a_server_rewritten_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "imap.db");
    let real = Trap::new();
    emaillog_ok(
        &db,
        &[
            "setup",
            "set",
            "--source",
            "imap",
            "--imap-host",
            "127.0.0.1",
            "--imap-port",
            &real.port().to_string(),
            "--imap-tls",
            "none",
            "--imap-user",
            "crm-log",
        ],
    );
    let mut child = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .args(["setup", "secret", "--imap-password", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"imap-pass-1\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    for (field, set) in [
        ("IMAP port", "imap_port = {PORT}"),
        ("IMAP host", "imap_host = 'localhost', imap_port = {PORT}"),
        (
            "IMAP user",
            "imap_user = 'someone-else', imap_port = {PORT}",
        ),
    ] {
        let trap = Trap::new();
        rewrite_setup(&db, &set.replace("{PORT}", &trap.port().to_string()));
        let out = emaillog_on(&db, &["sync", "--once"]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{field}: {err}");
        assert!(
            err.contains("changed since the IMAP password was entered: enter it again"),
            "{field}: {err}"
        );
        assert_eq!(trap.connections(), 0, "{field}: the trap got a connection");
        rewrite_setup(
            &db,
            &format!(
                "imap_host = '127.0.0.1', imap_user = 'crm-log', imap_port = {}",
                real.port()
            ),
        );
    }
    // Changing the server through the CLI clears the password.
    let trap = Trap::new();
    emaillog_ok(
        &db,
        &["setup", "set", "--imap-port", &trap.port().to_string()],
    );
    let out = emaillog_on(&db, &["sync", "--once"]);
    assert!(
        stderr(&out).contains("no IMAP password is stored"),
        "{}",
        stderr(&out)
    );
    assert_eq!(trap.connections(), 0);
}
