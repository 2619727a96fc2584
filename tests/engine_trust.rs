//! A mailbox never stalls: a message whose every request fails (Exchange's
//! `500 ErrorInternalServerError` for a corrupt item, on GET and move
//! alike) is counted, quarantined after max attempts, and never keeps the
//! rest of the mailbox from being logged in the same runs. Driven through
//! the public CLI (`emaillog sync --once --json`), as an admin would.

mod common;

use common::*;
use emaillog::app::setup_edit::SetupChanges;
use serde_json::{Value, json};

/// `emaillog sync --once --json` with fast retries; its summary.
fn sync_json(db: &std::path::Path) -> Value {
    let out = emaillog_cmd()
        .arg("--db")
        .arg(db)
        .args(["sync", "--once", "--json"])
        .env("EMAILLOG_RETRY_BASE_MS", "2")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

fn subject_id(list: &[Value], subject: &str) -> String {
    list.iter()
        .find(|m| m["subject"] == subject)
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("no message '{subject}'"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_every_request_fails_never_holds_back_the_others() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        batch_size: Some(2),
        max_attempts: Some(3),
        ..Default::default()
    })
    .unwrap();
    let db = app.db_path().to_path_buf();
    // One message Exchange cannot serve, one it cannot even list properly
    // (read again by id later), and one that is fine.
    let mut unreadable = message(
        "sofia@fabrikam.example",
        &["annette@contoso.example"],
        "unreadable",
    );
    unreadable["subject"] = json!({"not": "a string"});
    unreadable["bodyPreview"] = json!("unreadable");
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            message(
                "alex@fabrikam.example",
                &["annette@contoso.example"],
                "corrupt"
            ),
            unreadable,
            message("omar@fabrikam.example", &["ben@contoso.example"], "fine 0"),
        ]),
    )
    .await;
    let inbox = sim.folder_messages_immutable(MAILBOX, "inbox").await;
    let corrupt = subject_id(&inbox, "corrupt");
    let unreadable = inbox
        .iter()
        .find(|m| m["bodyPreview"] == "unreadable")
        .and_then(|m| m["id"].as_str())
        .unwrap()
        .to_string();
    // Every request whose path names either message fails, GET and move alike.
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"fail_paths": {corrupt.clone(): 500, unreadable.clone(): 500}})),
    )
    .await;

    let mut failed = 0;
    for run in 0..6 {
        let s = sync_json(&db);
        assert!(
            s["error"].is_null(),
            "run {run}: one message's trouble never stops the run: {s}"
        );
        failed += s["failed"].as_u64().unwrap();
        // New mail of this run is logged in this run, behind the failing ones.
        let archive = sim.folder_messages(MAILBOX, "archive").await;
        assert!(
            archive
                .iter()
                .any(|m| m["subject"] == format!("fine {run}")),
            "run {run}: new mail was not logged: {s}"
        );
        sim.add(
            MAILBOX,
            "inbox",
            json!([message(
                "maria@northwind.example",
                &["linda@contoso.example"],
                &format!("fine {}", run + 1)
            )]),
        )
        .await;
    }
    // Both were tried max attempts (3 each) and then could not even be
    // moved to Skipped: stuck, shown, never read again.
    assert!(failed >= 6, "each failure was counted: {failed}");
    let stuck: Vec<String> = app
        .stuck_messages()
        .unwrap()
        .into_iter()
        .map(|s| s.mailbox_id)
        .collect();
    assert!(
        stuck.contains(&corrupt) && stuck.contains(&unreadable),
        "both quarantined as stuck: {stuck:?}"
    );
    let s = sync_json(&db);
    assert_eq!(
        (s["logged"].as_u64(), s["failed"].as_u64()),
        (Some(1), Some(0)),
        "a stuck message is never read again: {s}"
    );
    let status = emaillog_ok(&db, &["job", "status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("need attention") && text.contains(&corrupt),
        "{text}"
    );
    assert_eq!(
        app.store().unwrap().count_entries().unwrap(),
        8,
        "the corrupt one logged once (its entries are committed before its move), seven fine ones"
    );
    sim.server.stop().await;
}

/// The mail service and its token endpoint down for longer than max
/// attempts × the interval, then back: `emaillog run` waits (the job shows
/// "Waiting", never Error) and logs the mail by itself, with no `job
/// restart`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_longer_than_max_attempts_never_needs_a_person() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        job_interval_secs: Some(1),
        max_attempts: Some(2),
        ..Default::default()
    })
    .unwrap();
    app.enable(0).unwrap();
    let db = app.db_path().to_path_buf();
    // Everything answers 503: Graph and the token endpoint alike.
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/", "status_rates": {"503": 1.0}})),
    )
    .await;
    let mut runner = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .arg("run")
        .env("EMAILLOG_RETRY_BASE_MS", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    // Twice max attempts of failed runs (or the job stopped trying).
    wait_for("the runs never failed", &|| {
        let job = app.job_status().unwrap().unwrap();
        job.attempts >= 4 || job.status == emaillog::domain::job::JobStatus::Error
    });
    // Ready between tries, In process during one: never Error.
    let job = app.job_status().unwrap().unwrap();
    assert_ne!(
        job.status,
        emaillog::domain::job::JobStatus::Error,
        "failures retrying can fix never put the job in Error: {job:?}"
    );
    assert!(job.attempts >= 4 && job.waiting_since.is_some(), "{job:?}");
    let status = emaillog_ok(&db, &["job", "status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("Waiting: the mail service has been unreachable since"),
        "{text}"
    );
    // The service is back; mail arrives.
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    let (msgs, loggable) = mixed_messages(6, "after");
    sim.add(MAILBOX, "inbox", msgs).await;
    let rt = tokio::runtime::Handle::current();
    let inbox_empty = || {
        let inbox =
            tokio::task::block_in_place(|| rt.block_on(sim.folder_messages(MAILBOX, "inbox")));
        inbox.is_empty()
    };
    wait_for("the mail was never logged after the outage", &inbox_empty);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &runner.id().to_string()])
        .status();
    runner.wait().unwrap();
    assert_eq!(
        app.store().unwrap().logged_messages().unwrap().len(),
        loggable
    );
    let job = app.job_status().unwrap().unwrap();
    assert_eq!((job.attempts, job.waiting_since), (0, None), "{job:?}");
    sim.server.stop().await;
}

/// A slow mailbox: 200 messages, pages of 10, every Graph request 40 ms.
async fn slow_mailbox() -> (TestSim, tempfile::TempDir, emaillog::app::App, usize) {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        batch_size: Some(10),
        ..Default::default()
    })
    .unwrap();
    let (msgs, loggable) = mixed_messages(200, "slow");
    sim.add(MAILBOX, "inbox", msgs).await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/v1.0/", "latency_ms": 40})),
    )
    .await;
    (sim, dir, app, loggable)
}

/// Ctrl-C during `sync --once`: the page in hand is finished and
/// committed, the summary printed, exit 130; the run is recorded as it
/// ended, never "In process"; the next run goes on, nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_on_sync_once_finishes_the_page_prints_its_summary_and_exits_130() {
    let (sim, _dir, app, loggable) = slow_mailbox().await;
    let db = app.db_path().to_path_buf();
    let child = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .args(["sync", "--once", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Mid-run: a page or more committed, the Inbox not drained.
    wait_until("the run never committed a page", 60, || {
        app.job_log(1)
            .unwrap()
            .first()
            .is_some_and(|r| r.pages >= 2)
    });
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let run = app.job_log(1).unwrap().remove(0);
    assert_eq!(run.status, "Success", "{run:?}");
    assert!(run.ended_at.is_some());
    let logged = summary["logged"].as_u64().unwrap() as usize;
    assert!(
        logged > 0 && logged < loggable,
        "stopped mid-run: {summary}"
    );
    assert_eq!(
        app.store().unwrap().logged_messages().unwrap().len(),
        logged,
        "what it printed is what it committed"
    );
    // The next runs go on from there: nothing lost, nothing twice.
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    sync_until_done(&sim, &app, 5).await;
    assert_exactly_once(&sim, &app, 200, loggable).await;
    sim.server.stop().await;
}

/// A run whose process died (SIGKILL) is "Interrupted" in `job log`, and
/// the job entry it left In process is Ready again in `job status`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_is_shown_interrupted_never_in_process_for_good() {
    let (sim, _dir, app, _) = slow_mailbox().await;
    let db = app.db_path().to_path_buf();
    app.enable(0).unwrap();
    let mut child = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the run never started", 60, || {
        app.job_log(1)
            .unwrap()
            .first()
            .is_some_and(|r| r.pages >= 1)
    });
    assert_eq!(app.job_log(1).unwrap()[0].status, "In process");
    child.kill().unwrap();
    child.wait().unwrap();
    let log: Value =
        serde_json::from_slice(&emaillog_ok(&db, &["job", "log", "--json"]).stdout).unwrap();
    assert_eq!(log[0]["status"], "Interrupted", "{log}");
    let status: Value =
        serde_json::from_slice(&emaillog_ok(&db, &["job", "status", "--json"]).stdout).unwrap();
    assert_eq!(status["status"], "Ready", "{status}");
    assert!(
        status["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("interrupted")),
        "{status}"
    );
    sim.server.stop().await;
}

/// A small tmpfs mounted for a test, unmounted when it ends.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, size: &str) -> Option<Self> {
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip_without(
                "the full-disk test",
                "it mounts a small tmpfs, which needs root (or CAP_SYS_ADMIN)",
            );
            return None;
        }
        Some(Self(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// "database or disk is full" mid-run: what the job log counts is what
/// was committed (a rolled-back page is not counted), and nothing is lost
/// once there is room again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_counts_only_committed_pages() {
    if sqlite_only("the database file sits on a small tmpfs that fills") {
        return;
    }
    let outer = tempfile::tempdir().unwrap();
    let disk = outer.path().join("small");
    std::fs::create_dir(&disk).unwrap();
    let Some(_mounted) = Tmpfs::mount(&disk, "2m") else {
        return;
    };
    let sim = TestSim::default().await;
    let app = engine_app(&sim, &disk);
    let (mut msgs, loggable) = mixed_messages(1500, "full");
    for m in msgs.as_array_mut().unwrap() {
        m["body"]["content"] = json!("quarterly pricing and volumes ".repeat(60));
    }
    sim.add(MAILBOX, "inbox", msgs).await;
    let report = app
        .sync_once(
            &emaillog::engine::events::channel().0,
            &emaillog::engine::Stop::never(),
        )
        .await
        .unwrap();
    let error = report.error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        error.contains("full"),
        "the disk never filled, so the test proves nothing: {error:?} {:?}",
        report.counts
    );
    let store = app.store().unwrap();
    let stored = store.logged_messages().unwrap().len();
    assert!(stored > 0 && stored < loggable, "{stored} of {loggable}");
    assert_eq!(
        report.counts.logged as usize, stored,
        "the run reports only what it committed"
    );
    let log = app.job_log(10).unwrap();
    let counted: u32 = log.iter().map(|r| r.counts.logged).sum();
    assert_eq!(
        counted as usize, stored,
        "the job log counts what exists: {log:?}"
    );
    sim.server.stop().await;
}

/// While Graph throttles (429), `sync` says so and what is left, instead
/// of going silent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_sync_says_graph_asked_it_to_wait() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let (msgs, loggable) = mixed_messages(40, "thr");
    sim.add(MAILBOX, "inbox", msgs).await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/v1.0/", "status_rates": {"429": 0.3}})),
    )
    .await;
    let out = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .args(["sync", "--once"])
        .env("EMAILLOG_RETRY_BASE_MS", "2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stats = sim.control(reqwest::Method::GET, "/_sim/stats", None).await;
    let injected = stats.body["injected"]["429"].as_u64().unwrap_or(0);
    assert!(injected > 0, "no 429 was injected: {}", stats.body);
    let said = stdout.matches("Graph asked us to wait").count();
    assert!(said > 0, "{injected} × 429 and not a word: {stdout}");
    sync_until_done(&sim, &app, 5).await;
    assert_eq!(
        app.store().unwrap().logged_messages().unwrap().len(),
        loggable
    );
    sim.server.stop().await;
}

/// Two logging mailboxes in one database, the second read from a queue
/// folder: while every request about the first fails (its mailbox down in
/// Exchange; it is the first `sync --once` runs) and every request naming
/// one message of the second fails (a corrupt item), the same `sync
/// --once` still logs the whole second (the corrupt message too, moved
/// once it can be); the first's run fails, in its own run log only; once
/// it is back, its mail is logged, each email once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_that_fails_never_holds_back_another() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.enable(0).unwrap();
    let second = add_second_mailbox(&sim, &app, Some("CRM/Queue")).await;
    second.enable(0).unwrap();
    let db = app.db_path().to_path_buf();
    let (first_mail, first_loggable) = mixed_messages(12, "first");
    sim.add(MAILBOX, "inbox", first_mail).await;
    let (second_mail, second_loggable) = mixed_messages(9, "second");
    sim.add(SECOND, "CRM/Queue", second_mail).await;
    sim.add(
        SECOND,
        "CRM/Queue",
        json!([message(
            "sofia@fabrikam.example",
            &["annette@contoso.example"],
            "corrupt"
        )]),
    )
    .await;
    let corrupt = subject_id(
        &sim.folder_messages_immutable(SECOND, "CRM/Queue").await,
        "corrupt",
    );
    let mut fail_paths = serde_json::Map::new();
    fail_paths.insert(MAILBOX.into(), json!(503));
    fail_paths.insert(corrupt.clone(), json!(500));
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/v1.0/", "fail_paths": fail_paths})),
    )
    .await;

    let runs = sync_json(&db);
    let runs = runs.as_array().expect("one summary per mailbox").clone();
    assert_eq!(runs[0]["mailbox"], MAILBOX, "the first is run first");
    let of = |runs: &[Value], address: &str| {
        runs.iter()
            .find(|r| r["mailbox"] == address)
            .unwrap_or_else(|| panic!("no summary for {address}: {runs:?}"))
            .clone()
    };
    let (first, other) = (of(&runs, MAILBOX), of(&runs, SECOND));
    assert!(first["error"].is_string(), "{first}");
    assert_eq!(first["logged"], json!(0), "{first}");
    assert_eq!(other["error"], Value::Null, "{other}");
    // The corrupt message is listed whole: logged, its move failing.
    assert_eq!(other["logged"], json!(second_loggable + 1), "{other}");
    assert_eq!(other["failed"], json!(1), "{other}");
    let queue = sim.folder_messages_immutable(SECOND, "CRM/Queue").await;
    assert_eq!(
        queue.iter().map(|m| m["id"].clone()).collect::<Vec<_>>(),
        [json!(corrupt)],
        "all but the corrupt message out of the second's queue"
    );
    // Each mailbox's run log says how its own run went.
    let last = |a: &emaillog::app::App| a.job_log(10).unwrap().remove(0);
    let (first_run, other_run) = (last(&app), last(&second));
    assert!(first_run.error.is_some(), "{first_run:?}");
    assert_eq!(first_run.counts.logged, 0, "{first_run:?}");
    assert!(other_run.error.is_none(), "{other_run:?}");
    assert_eq!(other_run.counts.logged as usize, second_loggable + 1);

    // The first mailbox is back, the corrupt item repaired.
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    let runs = sync_json(&db);
    let first = of(runs.as_array().unwrap(), MAILBOX);
    assert_eq!(first["error"], Value::Null, "{first}");
    assert_eq!(first["logged"], json!(first_loggable), "{first}");
    assert!(sim.folder_messages(MAILBOX, "inbox").await.is_empty());
    assert!(
        sim.folder_messages(SECOND, "CRM/Queue").await.is_empty(),
        "the corrupt message, moved once it could be"
    );
    assert_eq!(
        sim.folder_messages(SECOND, "CRM/Logged").await.len(),
        second_loggable + 1
    );
    assert_eq!(
        app.store().unwrap().count_logged_messages().unwrap() as usize,
        first_loggable + second_loggable + 1,
        "each email logged once"
    );
    assert!(last(&app).error.is_none());
    sim.server.stop().await;
}
