//! The key file is the admin's, and only the admin's. A member of the group
//! a database is shared with (a throwaway Unix user this test creates and
//! removes) has the user view on the command line too: every command that
//! changes the setup, the rules, the job or sign-in is refused; reading
//! works. What the member can write straight into the database (the
//! authority, the IMAP server) makes the admin's secrets unopenable, and a
//! listener of the member's receives nothing. The member can neither swap
//! the key file nor plant files beside the database.

mod common;

use std::io::ErrorKind;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Command, Output};

use common::member::{Member, traversable_dir};
use common::*;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A listener that must receive nothing.
fn trap() -> TcpListener {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    l
}

fn connections(l: &TcpListener) -> usize {
    let mut n = 0;
    loop {
        match l.accept() {
            Ok(_) => n += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return n,
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_member_has_the_user_view_and_cannot_reach_the_admins_secrets() {
    if sqlite_only(
        "`setup share` shares the database file with a Unix group; PostgreSQL's roles take its place",
    ) {
        return;
    }
    let Some(member) = Member::create() else {
        return;
    };
    let sim = TestSim::default().await;
    let outer = traversable_dir();
    let app = engine_app(&sim, &outer.path().join("data"));
    let db: PathBuf = app.db_path().to_path_buf();
    let data = db.parent().unwrap().to_path_buf();
    sim.add(MAILBOX, "inbox", messages(2)).await;
    emaillog_ok(&db, &["enable"]);
    emaillog_ok(&db, &["sync", "--once"]);
    emaillog_ok(&db, &["setup", "share", "--group", &member.group]);

    // Reading works for the member: the user view.
    for args in [
        vec!["setup", "show"],
        vec!["job", "status"],
        vec!["job", "log"],
        vec!["never-log", "list"],
        vec!["export", "interactions", "--format", "csv"],
    ] {
        let o = member.emaillog(&db, &args, b"");
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    // Every write command is refused, and names the key file.
    let t = trap();
    let port = t.local_addr().unwrap().port().to_string();
    let authority = format!("http://127.0.0.1:{port}");
    let refused: Vec<(Vec<&str>, &[u8])> = vec![
        (vec!["setup", "set", "--authority", &authority], b""),
        (vec!["setup", "set", "--imap-host", "127.0.0.1"], b""),
        (vec!["setup", "set", "--unmatched", "delete"], b""),
        (vec!["setup", "secret", "--stdin"], b"member-secret\n"),
        (vec!["setup", "share", "--group", &member.group], b""),
        (vec!["never-log", "add", "contoso.example"], b""),
        (vec!["enable"], b""),
        (vec!["disable"], b""),
        (vec!["job", "restart"], b""),
        (vec!["job", "hold"], b""),
        (vec!["job", "retry", "--all"], b""),
        (vec!["login", "--app-only"], b""),
        (vec!["logout"], b""),
        (vec!["sync", "--once"], b""),
        // The audit trail is the admin's to read, check and prune.
        (vec!["audit", "list"], b""),
        (vec!["audit", "verify"], b""),
        (vec!["audit", "prune"], b""),
        (vec!["audit", "keep-days", "60"], b""),
    ];
    let before = std::fs::read(&db).unwrap();
    for (args, stdin) in &refused {
        let o = member.emaillog(&db, args, stdin);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?} was not refused: {t}");
        assert!(
            t.contains("this needs the admin's key file") && t.contains("you have the user view"),
            "{args:?}: {t}"
        );
    }
    let setup = app.setup().unwrap();
    assert_eq!(setup.authority, sim.base, "the setup is unchanged");
    assert!(
        app.job_status().unwrap().is_some(),
        "the job is still there"
    );
    assert!(std::fs::read(&db).unwrap().len() >= before.len());

    // The member cannot swap the key file or plant files beside the database.
    let key = data.join("emaillog.db.key");
    let planted = member.run(
        Command::new("mv").arg(&key).arg(data.join("moved.key")),
        b"",
    );
    assert!(!planted.status.success(), "the key file was moved");
    let planted = member.run(
        Command::new("touch").arg(data.join("emaillog.db-journal")),
        b"",
    );
    assert!(!planted.status.success(), "a file was planted");

    // What the member can do without emaillog: rewrite the setup row.
    let mut python = Command::new("python3");
    python
        .arg("-c")
        .arg("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()")
        .arg(&db)
        .arg(format!("UPDATE setup SET authority = '{authority}' WHERE id = 1"));
    let o = member.run(&python, b"");
    if !o.status.success() {
        // Python is installed by .ci/run; without it this part cannot run.
        skip_without("rewriting the database as the member", &text(&o));
    } else {
        let out = emaillog_on(&db, &["sync", "--once"]);
        let err = text(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("the authority changed since the client secret was entered"),
            "{err}"
        );
    }
    assert_eq!(connections(&t), 0, "the member's listener got a connection");

    // A key file of another owner is never used, even by the admin.
    std::os::unix::fs::chown(&key, Some(member.uid()), None).unwrap();
    let out = emaillog_on(&db, &["validate"]);
    let t2 = text(&out);
    assert!(
        t2.contains("is not trusted") && t2.contains("belongs to user"),
        "{t2}"
    );
    let out = emaillog_on(&db, &["sync", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        std::fs::metadata(&key).unwrap().uid(),
        member.uid(),
        "left as it was"
    );
    sim.server.stop().await;
}
