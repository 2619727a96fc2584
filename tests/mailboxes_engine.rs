//! `emaillog run` over many mailboxes: two processes share six mailboxes,
//! each takes its fair share of the leases, and every mailbox is logged
//! exactly once, by one engine at a time (counted from the job logs).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::fleet::{
    Run, addresses, assert_each_logged_once, enable_all, inboxes_empty, leases, runs, start_run,
    wait_for,
};
use common::{MAILBOX, TestSim, engine_app, mixed_messages, sim_setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_run_processes_share_six_mailboxes_and_log_each_exactly_once() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let mailboxes = addresses(6);
    enable_all(&app, &sim, &mailboxes);
    let start = |name: &str| start_run(&db, &dir.path().join(name));
    // Each mailbox exists (with an empty Inbox) before the engines start.
    for address in &mailboxes {
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

    let mut loggable = Vec::new();
    for (i, address) in mailboxes.iter().enumerate() {
        let (msgs, n) = mixed_messages(20, &format!("mb{i}"));
        sim.add(address, "inbox", msgs).await;
        loggable.push(n);
    }
    wait_for("every Inbox emptied", 120, async || {
        inboxes_empty(&sim, &mailboxes).await
    })
    .await;
    first.terminate();
    second.terminate();

    // Exactly once, per mailbox.
    assert_each_logged_once(&sim, &db, &mailboxes, 20, &loggable).await;
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
