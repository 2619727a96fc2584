//! The command line around the UI: completions and man page from the clap
//! definitions, read-only commands on a missing database, and sharing the
//! database with a group while the key file stays private.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::{
    MAILBOX, TestSim, emaillog_cmd, emaillog_ok, emaillog_on, engine_app, mixed_messages,
    store_secret,
};

fn run(args: &[&str]) -> std::process::Output {
    emaillog_cmd().args(args).output().unwrap()
}

#[test]
fn completions_and_the_man_page_come_from_the_command_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        for sub in ["setup", "never-log", "completions", "demo"] {
            assert!(text.contains(sub), "{shell} completion knows {sub}");
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let man = run(&["man"]);
    assert!(man.status.success());
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(text.starts_with(".ie") || text.contains(".TH"), "roff");
    assert!(text.contains("emaillog"));
}

#[test]
fn commands_refuse_a_missing_database_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo").join("emaillog.db");
    // Only `init`, `setup set` and `demo` create a database.
    for args in [
        vec!["setup", "show"],
        vec!["job", "status"],
        vec!["job", "log"],
        vec!["export", "interactions", "--format", "csv"],
        vec!["import", "contacts", "/dev/null"],
        vec!["never-log", "add", "x.example"],
        vec!["enable"],
        vec!["validate"],
        vec!["sync", "--once"],
        vec!["setup", "secret", "--stdin"],
        vec!["setup", "script", "app"],
        vec!["logout"],
    ] {
        let out = emaillog_on(&db, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("there is no database at"), "{args:?}: {err}");
        assert!(err.contains("--db"), "says how to fix it: {err}");
        assert!(
            !dir.path().join("typo").exists(),
            "{args:?} created folders"
        );
    }
    let out = emaillog_on(&db, &["init"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
    let again = emaillog_on(&db, &["init"]);
    assert_eq!(again.status.code(), Some(1), "init never overwrites");
}

#[test]
fn sharing_gives_the_group_the_database_but_not_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("emaillog.db");
    emaillog_ok(
        &db,
        &["setup", "set", "--mailbox", "crm-log@contoso.example"],
    );
    assert!(store_secret(&db, b"s3cret").status.success());
    let key = data.join("emaillog.db.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Our own primary group, by number: always there, always ours.
    let gid = std::fs::metadata(&db).unwrap().gid().to_string();
    let out = emaillog_ok(&db, &["setup", "share", "--group", &gid]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&db), 0o660, "the database is group read-write");
    assert_eq!(
        mode(&data),
        0o2750,
        "the group may enter the folder but never write it (it could swap the key file)"
    );
    for wal in ["emaillog.db-wal", "emaillog.db-shm"] {
        assert_eq!(
            mode(&data.join(wal)),
            0o660,
            "{wal} is kept, group read-write"
        );
    }
    assert_eq!(mode(&key), 0o600, "the key file stays the admin's");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("user view"), "{text}");

    let out = emaillog_on(
        &db,
        &["setup", "share", "--group", "no-such-group-emaillog"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("there is no group 'no-such-group-emaillog'") && err.contains("groupadd"),
        "{err}"
    );
}

/// `emaillog completions bash | head` and the like: a reader that goes away
/// ends a printing command quietly by SIGPIPE, as other Unix tools, never
/// with a panic. bash's completions are larger than a pipe holds, so the
/// write meets the closed pipe whatever the timing.
#[test]
fn a_printing_command_whose_reader_goes_away_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let mut child = emaillog_cmd()
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "{:?}: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `--log-file` is never followed through a symlink planted in a shared
/// folder, never appended to when it is another's or others may write it,
/// and is created 0600.
#[test]
fn the_log_file_is_ours_alone_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    emaillog_ok(&db, &["init"]);
    let target = dir.path().join("victim.txt");
    std::fs::write(&target, "untouched").unwrap();
    let link = dir.path().join("link.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let loose = dir.path().join("loose.log");
    std::fs::write(&loose, "").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o666)).unwrap();
    for (log, why) in [(&link, "symbolic link"), (&loose, "others may write it")] {
        let out = emaillog_on(&db, &["--log-file", log.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("cannot open the log file") && err.contains(why),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
    // A new one is made 0600 (the UI then stops: there is no terminal here).
    let fresh = dir.path().join("fresh.log");
    let _ = emaillog_on(&db, &["--log-file", fresh.to_str().unwrap()]);
    assert_eq!(
        std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// A damaged database file (junk over one of its pages) is said to be
/// damaged, the same way by each command that meets it; an export finds
/// it before writing a byte, never half a JSON array.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_is_said_to_be_damaged_and_no_half_export_is_written() {
    if common::sqlite_only("junk is written over the database file's pages") {
        return;
    }
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    sim.add(MAILBOX, "inbox", mixed_messages(60, "dmg").0).await;
    emaillog_ok(app.db_path(), &["sync", "--once"]);
    // Everything in the main file, then junk over pages 3 to 6.
    {
        let c = rusqlite::Connection::open(app.db_path()).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let mut bytes = std::fs::read(app.db_path()).unwrap();
    assert!(bytes.len() > 6 * 4096, "{}", bytes.len());
    for b in &mut bytes[2 * 4096..6 * 4096] {
        *b = 0x5a;
    }
    std::fs::write(app.db_path(), &bytes).unwrap();
    for format in ["json", "csv"] {
        let out = emaillog_on(
            app.db_path(),
            &["export", "interactions", "--format", format],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{format}: half an export was written"
        );
        assert!(err.contains("the database is damaged"), "{format}: {err}");
        assert!(err.contains("restore it from a backup"), "{err}");
    }
    sim.server.stop().await;
}
