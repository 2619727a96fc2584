//! The command line as scripts use it: exit codes, refusals with reasons,
//! JSON shapes, secrets never printed.

mod common;

use common::*;
use serde_json::Value;
use std::process::{Command, Output, Stdio};

/// Kills a spawned `emaillog` if the test fails before it stops it, so no
/// runner outlives its test.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-9", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

use common::emaillog_on as emaillog;

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
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
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
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    let csv = dir.path().join("c.csv");
    std::fs::write(&csv, "no,name,company,email,alt_emails\nC1,Alex,Fabrikam,alex@fabrikam.example,\nC2,Sofia,Fabrikam,not-an-email,\nC3,,Fabrikam,c3@fabrikam.example,\n").unwrap();
    assert!(emaillog(&db, &["init"]).status.success());
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
    assert!(text(&o).contains("imported 1 contact (read as UTF-8, ','-separated)"));
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
    assert!(emaillog(&db, &["init"]).status.success());
    let stored = common::store_secret(&db, b"Sup3r-Secret-Value\n");
    assert!(stored.status.success());
    assert!(!text(&stored).contains("Sup3r-Secret-Value"));
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
    // A new authority cleared the secret: it is entered again for it.
    assert!(
        common::store_secret(&db, b"Sup3r-Secret-Value\n")
            .status
            .success()
    );
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dir.path().join("other.key"))
            .unwrap()
            .write_all(&[7u8; 32])
            .unwrap();
    }
    let o = emaillog_cmd()
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
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    assert!(emaillog(&db, &["init"]).status.success());
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
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    assert!(emaillog(&db, &["init"]).status.success());
    assert_eq!(
        emaillog(&db, &["never-log", "add", "Private@Fabrikam.example"])
            .status
            .code(),
        Some(0)
    );
    // Whose mail a domain stops logging is said before it is added.
    let csv = dir.path().join("c.csv");
    std::fs::write(
        &csv,
        "no,name,company,email,alt_emails\nC1,Maria Costa,Northwind,maria@northwind.example,\nC2,Ivan Silva,Northwind,ivan@eu.northwind.example,\nC3,Alex,Fabrikam,alex@fabrikam.example,\n",
    )
    .unwrap();
    assert!(
        emaillog(&db, &["import", "contacts", csv.to_str().unwrap()])
            .status
            .success()
    );
    let o = emaillog(&db, &["never-log", "add", "northwind.example"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "note: 2 contacts (Maria Costa, Ivan Silva) use northwind.example: their mail will no longer be logged"
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
    // A contact's report counts what the export shows of that contact.
    let no = rows[0]["contact_no"].as_str().unwrap().to_string();
    let mine: Vec<&Value> = rows
        .iter()
        .filter(|r| r["contact_no"] == no.as_str())
        .collect();
    let o = emaillog(&db, &["report", "contact", &no, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    for (direction, total, last) in [
        ("inbound", "inbound_total", "last_inbound_at"),
        ("outbound", "outbound_total", "last_outbound_at"),
    ] {
        let messages: std::collections::BTreeSet<&str> = mine
            .iter()
            .filter(|r| r["direction"] == direction)
            .map(|r| r["internet_message_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            report[total].as_u64().unwrap() as usize,
            messages.len(),
            "{report}"
        );
        let newest = mine
            .iter()
            .filter(|r| r["direction"] == direction)
            .map(|r| r["datetime"].as_str().unwrap())
            .max();
        assert_eq!(report[last].as_str(), newest, "{report}");
    }
    assert_eq!(report["contact_no"], no.as_str());
    assert_eq!(
        report["timeline"].as_array().unwrap().len(),
        mine.len().min(20)
    );
    let o = emaillog(&db, &["report", "contact", &no]);
    assert!(text(&o).contains("last from them"), "{}", text(&o));
    // No opportunity yet: nobody is going cold; a day count of 0 is no count.
    let o = emaillog(&db, &["report", "going-cold", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).unwrap(),
        serde_json::json!([])
    );
    assert_eq!(
        emaillog(&db, &["report", "going-cold", "--days", "0"])
            .status
            .code(),
        Some(2)
    );
    // Reply times: a JSON array whose rows carry their figures.
    let o = emaillog(
        &db,
        &[
            "report",
            "reply-times",
            "--by",
            "contact",
            "--since",
            "2000-01-01",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for r in serde_json::from_slice::<Vec<Value>>(&o.stdout).unwrap() {
        for k in [
            "contact_no",
            "answered_by",
            "median_reply_secs",
            "p90_reply_secs",
            "replies",
        ] {
            assert!(!r[k].is_null(), "{k} in {r}");
        }
    }
    let o = emaillog(
        &db,
        &[
            "report",
            "reply-times",
            "--by",
            "contact",
            "--since",
            "2026-12-02",
            "--until",
            "2026-12-01",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("--until must not be before --since"),
        "{}",
        text(&o)
    );
    assert_eq!(
        emaillog(&db, &["report", "reply-times", "--by", "team"])
            .status
            .code(),
        Some(2)
    );
    let o = emaillog(
        &db,
        &[
            "report",
            "reply-times",
            "--by",
            "salesperson",
            "--working-hours",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        emaillog(
            &db,
            &[
                "report",
                "reply-times",
                "--by",
                "contact",
                "--time-zone",
                "Mars/Olympus"
            ]
        )
        .status
        .code(),
        Some(2)
    );
    // Follow-ups: a JSON array whose rows carry their fields.
    let o = emaillog(
        &db,
        &["report", "follow-ups", "--working-days", "0", "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for r in serde_json::from_slice::<Vec<Value>>(&o.stdout).unwrap() {
        for k in [
            "contact_no",
            "salesperson_code",
            "entry_no",
            "received_at",
            "waiting_since",
            "due_at",
        ] {
            assert!(!r[k].is_null(), "{k} in {r}");
        }
    }
    let o = emaillog(&db, &["report", "follow-ups", "--working-days", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The team's settings: shown, refused when wrong, and the reports'
    // defaults once set.
    let o = emaillog(&db, &["setup", "signals"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for line in ["Europe/Oslo", "2 working days", "21 days"] {
        assert!(text(&o).contains(line), "{line}: {}", text(&o));
    }
    let o = emaillog(&db, &["setup", "signals", "--time-zone", "Mars/Olympus"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("'Mars/Olympus' is not a time zone"),
        "{}",
        text(&o)
    );
    let o = emaillog(&db, &["setup", "signals", "--follow-up-days", "31"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let zero_days = emaillog(
        &db,
        &["report", "follow-ups", "--working-days", "0", "--json"],
    );
    let due: Vec<Value> = serde_json::from_slice(&zero_days.stdout).unwrap();
    assert!(!due.is_empty(), "with no grace, the unanswered mail is due");
    let o = emaillog(
        &db,
        &[
            "setup",
            "signals",
            "--follow-up-days",
            "0",
            "--time-zone",
            "Europe/Berlin",
        ],
    );
    assert!(text(&o).contains("Europe/Berlin"), "{}", text(&o));
    let o = emaillog(&db, &["report", "follow-ups", "--json"]);
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&o.stdout).unwrap(),
        due,
        "the report counts with the team's follow-up days"
    );
    let o = emaillog(&db, &["report", "contact", "CT9999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("there is no contact CT9999"),
        "{}",
        text(&o)
    );

    let o = emaillog(&db, &["export", "interactions", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        csv.starts_with("\u{feff}entry_no,datetime,direction,initiated_by,salesperson_code,salesperson_name,contact_no,contact_name,"),
        "{csv}"
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
async fn run_stops_on_sigterm_mid_run_after_the_page_in_hand() {
    let sim = TestSim::start(emaillog::sim::SimConfig {
        latency: std::time::Duration::from_millis(40),
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        batch_size: Some(5),
        ..Default::default()
    })
    .unwrap();
    app.enable(0).unwrap();
    let (msgs, loggable) = mixed_messages(60, "run");
    sim.add(MAILBOX, "inbox", msgs).await;
    let log_file = dir.path().join("run.log");
    let child = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .arg("--log-file")
        .arg(&log_file)
        .arg("run")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _guard = KillOnDrop(child.id());
    // Wait until the run is under way: its progress is in the database.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let log = app.job_log(1).unwrap();
        if log
            .first()
            .is_some_and(|l| l.pages >= 2 && l.ended_at.is_none())
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // One line per run on standard error, and the same in the log file.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run finished"), "{stderr}");
    let logged = std::fs::read_to_string(&log_file).unwrap();
    assert!(logged.contains("run finished"), "{logged}");
    // It stopped mid-run, with the page in hand finished: nothing committed
    // is left unmoved, and the run's counts are what it did.
    let run = app.job_log(1).unwrap().remove(0);
    assert_eq!(run.status, "Success");
    assert!(
        run.counts.read < 60,
        "stopped before the Inbox was drained: {run:?}"
    );
    let left = sim.folder_messages(MAILBOX, "inbox").await.len();
    assert_eq!(left, 60 - run.counts.read as usize);
    let logged = app.store().unwrap().logged_messages().unwrap();
    assert!(
        logged.iter().all(|m| m.location == "archive"),
        "the page in hand was finished"
    );
    assert_eq!(logged.len(), run.counts.logged as usize);
    // The next run does the rest, exactly once.
    let o = emaillog(app.db_path(), &["sync", "--once"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_exactly_once(&sim, &app, 60, loggable).await;
}

#[test]
fn setup_show_says_a_secret_command_is_set_and_never_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    let cmd = "vault read -field=secret kv/emaillog --token s.hunter2";
    let o = emaillog(&db, &["setup", "set", "--secret-command", cmd]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("hunter2"), "{}", text(&o));
    let o = emaillog(&db, &["setup", "show"]);
    assert!(text(&o).contains("set (not shown)"), "{}", text(&o));
    assert!(!text(&o).contains("hunter2"));
    let o = emaillog(&db, &["setup", "show", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["secret_command_set"], true);
    assert!(!text(&o).contains("hunter2"));
}

/// `emaillog run` never ends on trouble that passes: a failing secret
/// command, a token endpoint that is down, a database locked for longer than
/// its busy timeout. It says why, retries by its schedule, and logs the mail
/// once the trouble is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_survives_a_failing_secret_command_a_token_endpoint_down_and_a_locked_database()
{
    use emaillog::app::setup_edit::SetupChanges;
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        job_interval_secs: Some(1),
        max_attempts: Some(50),
        secret_command: Some("echo vault sealed >&2; exit 2".into()),
        ..Default::default()
    })
    .unwrap();
    app.enable(0).unwrap();
    let (msgs, loggable) = mixed_messages(10, "surv");
    sim.add(MAILBOX, "inbox", msgs).await;
    let mut child = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .arg("--log-file")
        .arg(dir.path().join("run.log"))
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _guard = KillOnDrop(child.id());
    // What the runner prints on stderr, line by line, as it prints it.
    let printed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let printed = std::sync::Arc::clone(&printed);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let mut p = printed.lock().unwrap();
                p.push_str(&line);
                p.push('\n');
            }
        })
    };
    let said = |needle: &str| printed.lock().unwrap().contains(needle);
    let wait_for = |what: &str, f: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !f() {
            assert!(
                std::time::Instant::now() < deadline,
                "waited in vain for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let job_error = |app: &emaillog::app::App, needle: &str| {
        app.job_status()
            .ok()
            .flatten()
            .and_then(|j| j.last_error)
            .is_some_and(|e| e.contains(needle))
    };
    // 1. The secret command fails: the job says so and tries again.
    wait_for("a secret-command failure", &|| {
        job_error(&app, "secret command failed")
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "the runner is still running"
    );
    // 2. The token endpoint is down (the secret is the sealed one again).
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(serde_json::json!({"path_prefix": "/contoso.example/", "status_rates": {"503": 1.0}})),
    )
    .await;
    app.change_setup(&SetupChanges {
        secret_command: Some(String::new()),
        ..Default::default()
    })
    .unwrap();
    wait_for("a token endpoint failure", &|| {
        job_error(&app, "temporarily_unavailable")
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "the runner is still running"
    );
    assert_eq!(app.store().unwrap().count_logged_messages().unwrap(), 0);
    // 3. The database is locked for longer than the busy timeout: held
    // until the runner says it met the lock.
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    if !sqlite_only("step 3 holds SQLite's file lock") {
        let conn = rusqlite::Connection::open(app.db_path()).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        wait_for("the runner to meet the lock", &|| {
            said("database is locked")
        });
        assert!(
            child.try_wait().unwrap().is_none(),
            "the runner outlived the lock"
        );
        conn.execute_batch("COMMIT").unwrap();
    }
    // Every message dealt with (pages can be short: the last ones may hold
    // only unmatched mail).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !sim.folder_messages(MAILBOX, "inbox").await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the Inbox was never drained"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
    let printed = printed.lock().unwrap().clone();
    assert!(printed.contains("secret command failed"), "{printed}");
    assert!(
        !printed.contains("vault sealed"),
        "the command's own output is never shown"
    );
    assert_exactly_once(&sim, &app, 10, loggable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_and_printed_lines_are_safe_to_open_and_to_show() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    // ESC, BEL, C1 CSI and OSC, DEL, a bidi override, a zero-width space.
    let evil = "=HYPERLINK(\"http://evil.example\",\"open\")\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{9d}x\u{7f}\u{202e}\u{200b}";
    sim.add(
        MAILBOX,
        "inbox",
        serde_json::json!([message(
            "alex@fabrikam.example",
            &["annette@contoso.example"],
            evil
        )]),
    )
    .await;
    let o = emaillog(app.db_path(), &["sync", "--once"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!o.stdout.contains(&0x1b), "no escape reaches the terminal");
    let o = emaillog(
        app.db_path(),
        &["export", "interactions", "--format", "csv"],
    );
    assert!(!o.stdout.contains(&0x1b));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    let mut r = ::csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let subject = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "subject")
        .unwrap();
    let row = r.records().next().unwrap().unwrap();
    assert!(row[subject].starts_with("'=HYPERLINK"), "{}", &row[subject]);
    let o = emaillog(
        app.db_path(),
        &["export", "interactions", "--format", "json"],
    );
    assert!(!o.stdout.contains(&0x1b), "JSON escapes control characters");
    let json = String::from_utf8(o.stdout.clone()).unwrap();
    for c in ['\u{9b}', '\u{9d}', '\u{7f}', '\u{202e}', '\u{200b}'] {
        assert!(!json.contains(c), "{c:?} written raw in JSON: {json}");
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v[0]["subject"].as_str().unwrap().contains('\u{202e}'),
        "escaped, not lost: the JSON value is the stored subject"
    );
}

#[test]
fn a_ca_file_that_cannot_be_used_is_a_usage_error_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    let missing = dir.path().join("nope.pem");
    let o = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .arg("--ca-file")
        .arg(&missing)
        .args(["setup", "show"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("cannot read the CA file"), "{}", text(&o));
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let o = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .args(["setup", "show"])
        .env("EMAILLOG_CA_FILE", &junk)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no certificate"), "{}", text(&o));
}

#[test]
fn a_setting_out_of_range_names_its_range_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    assert!(emaillog(&db, &["init"]).status.success());
    for (flag, value, says) in [
        ("--interval", "0", "between 1 and 86,400 seconds"),
        ("--interval", "100000", "between 1 and 86,400 seconds"),
        ("--batch-size", "5000", "between 1 and 1,000 messages"),
        (
            "--max-attempts",
            "many",
            "'many' is not a whole number: give one between 1 and 100 attempts",
        ),
        ("--run-history-days", "0", "between 1 and 3,650 days"),
    ] {
        let o = emaillog(&db, &["setup", "set", flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(text(&o).contains(says), "{flag} {value}: {}", text(&o));
    }
    let o = emaillog(&db, &["setup", "set", "--interval", "3,600"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// `--db postgres://…` is never taken for a file path: a mistake in the URL
/// is named (a usage error), a server that cannot be reached is said as
/// such, a password is never shown, and no file or folder is made.
#[test]
fn a_postgres_url_as_db_is_checked_and_never_made_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            "postgres://crm:hunter2@db.example/log?sslmode=disable",
            "only a loopback address may go without TLS",
        ),
        (
            "postgresql://crm@db.example/log?sslmode=maybe",
            "is not one of",
        ),
        (
            "postgres://crm:hunter2@127.0.0.1:1/log?sslmode=disable",
            "cannot connect to postgres://crm@127.0.0.1:1/log",
        ),
    ] {
        for args in [&["init"][..], &["setup", "set", "--batch-size", "10"][..]] {
            let o = emaillog_cmd()
                .current_dir(dir.path())
                .arg("--db")
                .arg(url)
                .args(args)
                .output()
                .unwrap();
            let usage = if url.contains(":1/") { 1 } else { 2 };
            assert_eq!(o.status.code(), Some(usage), "{url} {args:?}: {}", text(&o));
            assert!(text(&o).contains(says), "{url}: {}", text(&o));
            assert!(!text(&o).contains("hunter2"), "{}", text(&o));
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was made"
    );
}
