//! The command line as scripts use it: exit codes, refusals with reasons,
//! JSON shapes, secrets never printed.

mod common;

use common::*;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn emaillog(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emaillog"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("EMAILLOG_CLIENT_SECRET")
        .env_remove("EMAILLOG_CLIENT_ID")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn bad_flags_and_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    for args in [
        vec!["setup", "set", "--mailbox", "not-an-address"],
        vec![
            "setup",
            "set",
            "--graph-url",
            "http://graph.microsoft.com/v1.0",
        ],
        vec!["setup", "set", "--authority", "http://login.example.com"],
        vec!["setup", "set", "--batch-size", "0"],
        vec!["setup", "set", "--batch-size", "1001"],
        vec!["setup", "set", "--unmatched", "shred"],
        vec!["setup", "set", "--auth-flow", "password"],
        vec!["export", "interactions", "--format", "xml"],
        vec!["frobnicate"],
    ] {
        let o = emaillog(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(!o.stderr.is_empty());
    }
}

#[test]
fn an_import_with_bad_rows_is_refused_whole_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let csv = dir.path().join("c.csv");
    std::fs::write(&csv, "no,name,company,email,alt_emails\nC1,Alex,Fabrikam,alex@fabrikam.example,\nC2,Sofia,Fabrikam,not-an-email,\nC3,,Fabrikam,c3@fabrikam.example,\n").unwrap();
    let o = emaillog(&db, &["import", "contacts", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains("line 3") && t.contains("line 4") && t.contains("nothing was imported"),
        "{t}"
    );
    let o = emaillog(
        &db,
        &[
            "import",
            "contacts",
            csv.to_str().unwrap(),
            "--skip-invalid",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("imported 1 contacts"));
    // Importing again updates by number.
    std::fs::write(
        &csv,
        "no,name,company,email,alt_emails\nC1,Alex Berg,Fabrikam,alex@fabrikam.example,\n",
    )
    .unwrap();
    assert_eq!(
        emaillog(&db, &["import", "contacts", csv.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let missing = emaillog(&db, &["import", "salespeople", "/no/such/file.csv"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("cannot open"));
}

#[test]
fn the_secret_is_stored_sealed_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_emaillog"))
        .arg("--db")
        .arg(&db)
        .args(["setup", "secret", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Sup3r-Secret-Value\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let show = emaillog(&db, &["setup", "show", "--json"]);
    let v: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["has_client_secret"], true);
    assert!(!text(&show).contains("Sup3r-Secret-Value"));
    assert!(!text(&emaillog(&db, &["setup", "show"])).contains("Sup3r-Secret-Value"));
    let bytes = std::fs::read(&db).unwrap();
    assert!(
        !bytes.windows(18).any(|w| w == b"Sup3r-Secret-Value"),
        "not in the database file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [db.clone(), dir.path().join("e.db.key")] {
            assert_eq!(
                std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
                0o600,
                "{}",
                f.display()
            );
        }
    }
    // A wrong key file is a clear error, never garbage.
    let set = emaillog(
        &db,
        &[
            "setup",
            "set",
            "--mailbox",
            "crm@contoso.example",
            "--tenant",
            "contoso.example",
            "--client-id",
            "app",
            "--auth-flow",
            "client-credentials",
            "--graph-url",
            "http://127.0.0.1:9/v1.0",
            "--authority",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(set.status.code(), Some(0), "{}", text(&set));
    std::fs::write(dir.path().join("other.key"), [7u8; 32]).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_emaillog"))
        .arg("--db")
        .arg(&db)
        .args(["sync", "--once"])
        .env("EMAILLOG_KEY_FILE", dir.path().join("other.key"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("cannot be opened with the key file"),
        "{}",
        text(&o)
    );
}

#[test]
fn enabling_an_incomplete_setup_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let o = emaillog(&db, &["enable"]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains("--mailbox") && t.contains("--tenant") && t.contains("--client-id"),
        "{t}"
    );
    let o = emaillog(&db, &["job", "restart"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not enabled"));
    let o = emaillog(&db, &["job", "status", "--json"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "null");
}

#[test]
fn never_log_add_list_remove() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    assert_eq!(
        emaillog(&db, &["never-log", "add", "Private@Fabrikam.example"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        emaillog(&db, &["never-log", "add", "northwind.example"])
            .status
            .code(),
        Some(0)
    );
    let list = emaillog(&db, &["never-log", "list"]);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "northwind.example\nprivate@fabrikam.example\n"
    );
    assert_eq!(
        emaillog(&db, &["never-log", "add", "not valid"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        emaillog(&db, &["never-log", "remove", "northwind.example"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        emaillog(&db, &["never-log", "remove", "northwind.example"])
            .status
            .code(),
        Some(1)
    );
}

/// Multi-threaded: the simulator keeps serving while the test waits on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_job_and_export_through_the_binary() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let (msgs, loggable) = mixed_messages(12, "cli");
    sim.add(MAILBOX, "inbox", msgs).await;
    let o = emaillog(&db, &["sync", "--once", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["logged"].as_u64().unwrap() as usize, loggable);
    assert_eq!(
        v["skipped_by_reason"]["no_match"].as_u64().unwrap() as usize,
        12 - loggable
    );
    assert!(v["error"].is_null());

    let o = emaillog(&db, &["export", "interactions", "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.len(), loggable);
    for r in &rows {
        for k in [
            "entry_no",
            "datetime",
            "direction",
            "initiated_by",
            "salesperson_code",
            "contact_no",
            "subject",
            "internet_message_id",
        ] {
            assert!(!r[k].is_null(), "{k} in {r}");
        }
        assert!(chrono::DateTime::parse_from_rfc3339(r["datetime"].as_str().unwrap()).is_ok());
        assert!(["inbound", "outbound"].contains(&r["direction"].as_str().unwrap()));
        assert!(["us", "them"].contains(&r["initiated_by"].as_str().unwrap()));
    }
    let o = emaillog(&db, &["export", "interactions", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        csv.starts_with("entry_no,datetime,direction,initiated_by,salesperson_code,contact_no,")
    );
    assert_eq!(csv.lines().count(), loggable + 1);

    assert_eq!(emaillog(&db, &["enable"]).status.code(), Some(0));
    let s: Value =
        serde_json::from_slice(&emaillog(&db, &["job", "status", "--json"]).stdout).unwrap();
    assert_eq!(s["status"], "Ready");
    let h: Value =
        serde_json::from_slice(&emaillog(&db, &["job", "hold", "--json"]).stdout).unwrap();
    assert_eq!(h["status"], "On hold");
    let r: Value =
        serde_json::from_slice(&emaillog(&db, &["job", "restart", "--json"]).stdout).unwrap();
    assert_eq!(
        (r["status"].as_str(), r["attempts"].as_u64()),
        (Some("Ready"), Some(0))
    );
    let log: Vec<Value> =
        serde_json::from_slice(&emaillog(&db, &["job", "log", "--json"]).stdout).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "Success");
    assert_eq!(emaillog(&db, &["disable"]).status.code(), Some(0));
    let s = emaillog(&db, &["job", "status", "--json"]);
    assert_eq!(
        String::from_utf8_lossy(&s.stdout).trim(),
        "null",
        "disabling removes the job entry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stops_on_sigterm_after_the_message_in_hand() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.enable(0).unwrap();
    let (msgs, loggable) = mixed_messages(30, "run");
    sim.add(MAILBOX, "inbox", msgs).await;
    let child = Command::new(env!("CARGO_BIN_EXE_emaillog"))
        .arg("--db")
        .arg(app.db_path())
        .arg("run")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sim.folder_messages(MAILBOX, "inbox").await.is_empty()
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("run finished"));
    assert_exactly_once(&sim, &app, 30, loggable).await;
}
