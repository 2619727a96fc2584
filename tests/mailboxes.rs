//! Many logging mailboxes in one database: a database made by the previous
//! release becomes one mailbox with its data unchanged, and the command
//! line adds, lists, picks and removes mailboxes.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{emaillog_ok, emaillog_on};
use serde_json::Value;

/// `tests/fixtures/v13-demo.db` (and its key file), made by emaillog at
/// cba4690 (schema 13) with `emaillog demo --headless` for 45 s: 117
/// logged messages, 141 entries, 53 skip records, 9 runs, a delta link.
fn previous_release_db(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("prev.db");
    for (from, to) in [
        ("tests/fixtures/v13-demo.db", db.clone()),
        ("tests/fixtures/v13-demo.db.key", dir.join("prev.db.key")),
    ] {
        std::fs::copy(from, &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    db
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_database_of_the_previous_release_becomes_one_mailbox_with_its_data_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = previous_release_db(dir.path());
    let count = |sql: &str| -> i64 {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let before = [
        count("SELECT count(*) FROM logged_messages"),
        count("SELECT count(*) FROM interaction_log_entries"),
        count("SELECT count(*) FROM skipped_messages"),
        count("SELECT count(*) FROM job_queue_log_entries"),
    ];
    assert_eq!(before, [117, 141, 53, 9], "the fixture as made");
    assert_eq!(count("PRAGMA user_version"), 13);
    let cursor: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT cursor FROM read_cursors", [], |r| r.get(0))
        .unwrap();

    let last_backlog = count("SELECT backlog FROM job_queue_log_entries ORDER BY id DESC LIMIT 1");
    let app = emaillog::app::App::new(&db);
    let store = app.store().unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        emaillog::store::SCHEMA_VERSION
    );
    assert_eq!(
        [
            store.count_logged_messages().unwrap(),
            store.count_entries().unwrap(),
            store.count_skipped().unwrap(),
            count("SELECT count(*) FROM job_queue_log_entries WHERE mailbox_no = 1"),
        ],
        before
    );
    assert_eq!(
        count("SELECT count(*) FROM logged_messages WHERE mailbox_no <> 1"),
        0
    );
    // The read position is kept, under the mailbox's number.
    assert_eq!(
        store.read_cursor(&store.mailbox_key()).unwrap(),
        Some(cursor)
    );
    let rows = app.mailboxes().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].address, "crm-log@contoso.example");
    assert!(rows[0].enabled);
    assert_eq!(rows[0].job_status.as_deref(), Some("Ready"));
    assert_eq!(
        rows[0].backlog,
        Some(last_backlog),
        "the last run's backlog"
    );
    // The sealed client secret still opens (same endpoints, same key).
    let setup = app.setup().unwrap();
    assert_eq!(app.open_all_sealed(&store, &setup).unwrap(), 1);
    assert_eq!(setup.queue_folder, "");
    // The log reads and searches as before.
    let out = emaillog_ok(&db, &["export", "interactions", "--format", "json"]);
    let entries = json(&out);
    assert_eq!(entries.as_array().unwrap().len(), 141);
    let integrity = count("SELECT count(*) FROM pragma_foreign_key_check");
    assert_eq!(integrity, 0);
}

#[test]
fn mailboxes_are_added_listed_picked_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "m.db");
    emaillog_ok(&db, &["init"]);
    emaillog_ok(&db, &["setup", "set", "--mailbox", "crm-a@contoso.example"]);
    let out = emaillog_ok(&db, &["mailbox", "add", "CRM-B@contoso.example"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("crm-b@contoso.example"),
        "{out:?}"
    );
    let again = emaillog_on(&db, &["mailbox", "add", "crm-b@contoso.example"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already"));
    let bad = emaillog_on(&db, &["mailbox", "add", "not an address"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an email address"));

    // Several mailboxes: a per-mailbox command must be told which.
    let refused = emaillog_on(&db, &["setup", "show"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--shared-mailbox")
            && err.contains("crm-a@contoso.example, crm-b@contoso.example"),
        "{err}"
    );
    emaillog_ok(
        &db,
        &[
            "--shared-mailbox",
            "crm-b@contoso.example",
            "setup",
            "set",
            "--queue-folder",
            "CRM/Queue",
            "--storage-folder",
            "CRM/Logged",
            "--batch-size",
            "7",
        ],
    );
    let b = json(&emaillog_ok(
        &db,
        &[
            "--shared-mailbox",
            "crm-b@contoso.example",
            "setup",
            "show",
            "--json",
        ],
    ));
    assert_eq!(
        (
            b["queue_folder"].as_str(),
            b["storage_folder"].as_str(),
            b["batch_size"].as_u64()
        ),
        (Some("CRM/Queue"), Some("CRM/Logged"), Some(7))
    );
    let mut env_pick = common::emaillog_cmd();
    let a = env_pick
        .arg("--db")
        .arg(&db)
        .args(["setup", "show", "--json"])
        .env("EMAILLOG_SHARED_MAILBOX", "CRM-A@contoso.example")
        .output()
        .unwrap();
    let a = json(&a);
    assert_eq!(
        (a["mailbox"].as_str(), a["batch_size"].as_u64()),
        (Some("crm-a@contoso.example"), Some(50))
    );
    let junk = emaillog_on(
        &db,
        &[
            "--shared-mailbox",
            "crm-a@contoso.example",
            "setup",
            "set",
            "--queue-folder",
            "Junk Email",
        ],
    );
    assert!(
        String::from_utf8_lossy(&junk.stderr).contains("never read"),
        "{junk:?}"
    );
    let unknown = emaillog_on(
        &db,
        &[
            "--shared-mailbox",
            "nobody@contoso.example",
            "setup",
            "show",
        ],
    );
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no logging mailbox nobody@contoso.example")
    );
    let taken = emaillog_on(
        &db,
        &[
            "--shared-mailbox",
            "crm-a@contoso.example",
            "setup",
            "set",
            "--mailbox",
            "crm-b@contoso.example",
        ],
    );
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains("already"),
        "{taken:?}"
    );

    let list = json(&emaillog_ok(&db, &["mailbox", "list", "--json"]));
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mailbox"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["crm-a@contoso.example", "crm-b@contoso.example"]);

    // Removing asks; without a terminal it needs --yes.
    let asked = emaillog_on(&db, &["mailbox", "remove", "crm-b@contoso.example"]);
    assert!(String::from_utf8_lossy(&asked.stderr).contains("--yes"));
    emaillog_ok(
        &db,
        &["mailbox", "remove", "crm-b@contoso.example", "--yes"],
    );
    let last = emaillog_on(
        &db,
        &["mailbox", "remove", "crm-a@contoso.example", "--yes"],
    );
    assert!(String::from_utf8_lossy(&last.stderr).contains("only mailbox"));
    // One mailbox again: implied.
    emaillog_ok(&db, &["setup", "show"]);
}
