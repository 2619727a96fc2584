//! `emaillog run` over many mailboxes: two processes share six mailboxes,
//! each takes its fair share of the leases, and every mailbox is logged
//! exactly once, by one engine at a time (counted from the job logs).

mod common;

use emaillog::store::db::params;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{MAILBOX, TestSim, emaillog_cmd, engine_app, mixed_messages, sim_setup};
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::Unmatched;

const MAILBOXES: [&str; 6] = [
    MAILBOX,
    "crm-2@contoso.example",
    "crm-3@contoso.example",
    "crm-4@contoso.example",
    "crm-5@contoso.example",
    "crm-6@contoso.example",
];

/// Waits for `ok`, polling what the processes wrote; fails after `secs`.
async fn wait_for(what: &str, secs: u64, mut ok: impl AsyncFnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !ok().await {
        assert!(Instant::now() < end, "{what} within {secs} s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Live leases per holder, read from the database the engines share.
fn leases(db: &std::path::Path) -> BTreeMap<String, usize> {
    let store = emaillog::store::Store::open(db).unwrap();
    let mut by_holder = BTreeMap::new();
    for h in store.live_holders(chrono::Utc::now()).unwrap() {
        *by_holder.entry(h).or_insert(0) += 1;
    }
    by_holder
}

/// A run of the job log: (mailbox, holder, started, ended, messages read).
type Run = (i64, String, String, Option<String>, i64);

fn runs(db: &std::path::Path) -> Vec<Run> {
    emaillog::store::testing::connect(db)
        .query_map(
            "SELECT mailbox_no, holder, started_at, ended_at, messages_read FROM job_queue_log_entries ORDER BY started_at",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
}

fn terminate(child: &mut std::process::Child) {
    // SAFETY: a signal to a child process this test started and still owns.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "a run process ended with {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_run_processes_share_six_mailboxes_and_log_each_exactly_once() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    for (i, address) in MAILBOXES.iter().enumerate() {
        let mb = if i == 0 {
            app.one_mailbox().unwrap()
        } else {
            app.add_mailbox(address).unwrap()
        };
        mb.change_setup(&SetupChanges {
            unmatched: Some(Unmatched::SkipFolder),
            batch_size: Some(10),
            job_interval_secs: Some(1),
            ..sim_setup(&sim)
        })
        .unwrap();
        mb.set_client_secret(&sim.config.client_secret).unwrap();
        mb.enable(0).unwrap();
    }
    let start = |name: &str| {
        emaillog_cmd()
            .arg("--db")
            .arg(&db)
            .arg("run")
            .env_remove("EMAILLOG_CLIENT_SECRET")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join(name)).unwrap())
            .spawn()
            .unwrap()
    };
    // Each mailbox exists (with an empty Inbox) before the engines start.
    for address in MAILBOXES {
        sim.add(address, "inbox", serde_json::json!([])).await;
    }
    let mut first = start("first.err");
    // The first takes every mailbox; the second, started once it has,
    // gets its share as the first lets go of what is over its own.
    wait_for("the first engine holds all six", 60, async || {
        leases(&db).values().sum::<usize>() == 6
    })
    .await;
    let mut second = start("second.err");
    wait_for("three leases each", 60, async || {
        let l = leases(&db);
        l.len() == 2 && l.values().all(|n| *n == 3)
    })
    .await;
    let split = leases(&db);

    let mut loggable = BTreeMap::new();
    for (i, address) in MAILBOXES.iter().enumerate() {
        let (msgs, n) = mixed_messages(20, &format!("mb{i}"));
        sim.add(address, "inbox", msgs).await;
        loggable.insert(i as i64 + 1, n);
    }
    wait_for("every Inbox emptied", 120, async || {
        for address in MAILBOXES {
            if !sim.folder_messages(address, "inbox").await.is_empty() {
                return false;
            }
        }
        true
    })
    .await;
    terminate(&mut first);
    terminate(&mut second);

    // Exactly once, per mailbox.
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    assert_eq!(logged.len(), loggable.values().sum::<usize>());
    let c = emaillog::store::testing::connect(&db);
    for (i, address) in MAILBOXES.iter().enumerate() {
        let no = i as i64 + 1;
        let n: i64 = c
            .query_row(
                "SELECT count(DISTINCT internet_message_id) FROM logged_messages WHERE mailbox_no = ?1 AND internet_message_id LIKE ?2",
                params![no, format!("<mb{i}-%")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, loggable[&no], "{address}");
        assert_eq!(
            sim.folder_messages(address, "archive").await.len(),
            loggable[&no],
            "{address}: logged mail is in its Archive"
        );
        assert_eq!(
            sim.folder_messages(address, "Skipped").await.len(),
            20 - loggable[&no],
            "{address}: the rest is in its Skipped"
        );
    }
    // Both did work, and no two runs of a mailbox overlapped.
    let runs = runs(&db);
    let workers: BTreeSet<&str> = runs
        .iter()
        .filter(|r| r.4 > 0)
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(workers.len(), 2, "both engines read mail: {split:?}");
    for no in 1..=6i64 {
        let mine: Vec<&Run> = runs.iter().filter(|r| r.0 == no).collect();
        assert!(!mine.is_empty());
        // Once shared, a mailbox stays with the engine that took it.
        let readers: BTreeSet<&str> = mine
            .iter()
            .filter(|r| r.4 > 0)
            .map(|r| r.1.as_str())
            .collect();
        assert_eq!(readers.len(), 1, "mailbox {no} changed hands: {mine:?}");
        for pair in mine.windows(2) {
            let ended = pair[0].3.as_deref().expect("every run ended");
            assert!(
                pair[1].2.as_str() >= ended,
                "mailbox {no}: a run by {} began at {} before the run by {} ended at {ended}",
                pair[1].1,
                pair[1].2,
                pair[0].1
            );
        }
    }
    sim.server.stop().await;
}

/// Two mailboxes enabled: `sync --once` runs both with a summary each;
/// exports say which mailbox each entry came from, and `--shared-mailbox`
/// exports one mailbox's entries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_runs_every_enabled_mailbox_and_exports_name_the_mailbox() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let second = app.add_mailbox("crm-2@contoso.example").unwrap();
    second.change_setup(&sim_setup(&sim)).unwrap();
    second.set_client_secret(&sim.config.client_secret).unwrap();
    assert!(
        app.one_mailbox().is_err(),
        "two mailboxes: one must be picked"
    );
    app.with_mailbox(1).enable(0).unwrap();
    second.enable(0).unwrap();
    let (a, a_n) = mixed_messages(10, "a");
    let (b, b_n) = mixed_messages(15, "b");
    sim.add(MAILBOX, "inbox", a).await;
    sim.add("crm-2@contoso.example", "inbox", b).await;

    let out = common::emaillog_ok(&db, &["sync", "--once", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, u64)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["mailbox"].as_str().unwrap().to_string(),
                r["logged"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (MAILBOX.to_string(), a_n as u64),
            ("crm-2@contoso.example".to_string(), b_n as u64)
        ]
    );
    let text = common::emaillog_ok(&db, &["sync", "--once"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("── {MAILBOX} ──")) && text.contains("── crm-2@contoso.example ──"),
        "{text}"
    );

    let all = common::emaillog_ok(&db, &["export", "interactions", "--format", "json"]);
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for e in all.as_array().unwrap() {
        *per.entry(e["mailbox"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(per[MAILBOX], a_n);
    assert_eq!(per["crm-2@contoso.example"], b_n);
    let one = common::emaillog_ok(
        &db,
        &[
            "--shared-mailbox",
            "crm-2@contoso.example",
            "export",
            "interactions",
            "--format",
            "json",
        ],
    );
    let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(one.as_array().unwrap().len(), b_n);
    let csv = common::emaillog_ok(&db, &["export", "interactions"]);
    let header = String::from_utf8_lossy(&csv.stdout)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(header.ends_with(",mailbox"), "{header}");
    sim.server.stop().await;
}
