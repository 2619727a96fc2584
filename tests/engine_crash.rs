//! Crash safety with the kill landing exactly where it hurts: between a
//! page's commit and its moves, and after a move succeeded but before its
//! outcome was stored; then many runs killed at random crash points,
//! restarted until done. Every message is logged exactly once or skipped —
//! none lost, none doubled. The binary is the test build, which has the
//! crash points (`src/crash.rs`).

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use emaillog::sim::SimConfig;
use serde_json::{Value, json};

/// Runs `sync --once` with a crash point armed; returns whether it exited
/// by itself (true) or was killed (false).
fn sync_once(db: &Path, crash_at: Option<&str>, log: &Path) -> bool {
    sync_once_crashing(db, crash_at, log, &[])
}

fn crashes(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Messages with copies (same internetMessageId, one in seven) and runs of
/// equal received times; returns (messages, loggable originals, copies of them).
fn messages_with_copies(n: usize, tag: &str) -> (Value, usize, usize) {
    let (msgs, loggable) = mixed_messages(n, tag);
    let mut all: Vec<Value> = msgs.as_array().unwrap().clone();
    let mut copies = 0;
    for i in (1..n).step_by(7) {
        if !i.is_multiple_of(5) {
            let mut c = all[i].clone();
            c["receivedDateTime"] = all[(i + 3).min(n - 1)]["receivedDateTime"].clone();
            all.push(c);
            copies += 1;
        }
    }
    for m in all.iter_mut().step_by(4) {
        m["receivedDateTime"] = json!("2024-05-01T10:00:00Z");
    }
    (Value::Array(all), loggable, copies)
}

async fn assert_done(
    sim: &TestSim,
    app: &emaillog::app::App,
    loggable: usize,
    copies: usize,
    unloggable: usize,
) {
    assert!(
        sim.folder_messages(MAILBOX, "inbox").await.is_empty(),
        "the Inbox is empty"
    );
    let archive = sim.folder_messages(MAILBOX, "archive").await;
    let skipped = sim.folder_messages(MAILBOX, "Skipped").await;
    assert_eq!(
        archive.len(),
        loggable + copies,
        "logged messages and their copies in Archive"
    );
    assert_eq!(skipped.len(), unloggable, "the rest in Skipped");
    assert_stored_once(app, loggable, unloggable + copies);
}

/// What the store holds when done: `logged` emails logged once each (one
/// entry each, every one archived) and `skipped` skip records.
fn assert_stored_once(app: &emaillog::app::App, logged_n: usize, skipped: usize) {
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    let ids: std::collections::HashSet<&str> = logged
        .iter()
        .map(|m| m.internet_message_id.as_str())
        .collect();
    assert_eq!(logged.len(), logged_n, "each email logged once");
    assert_eq!(ids.len(), logged_n, "no email logged twice");
    assert!(
        logged.iter().all(|m| m.location == "archive"),
        "every logged message archived"
    );
    assert_eq!(store.count_entries().unwrap() as usize, logged_n);
    assert_eq!(
        store.count_skipped().unwrap() as usize,
        skipped,
        "the rest skipped once in its mailbox (a message in two mailboxes is a copy in one)"
    );
}

async fn setup(tag: &str, n: usize) -> (TestSim, tempfile::TempDir, emaillog::app::App, usize) {
    let sim = TestSim::start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let (msgs, loggable) = mixed_messages(n, tag);
    sim.add(MAILBOX, "inbox", msgs).await;
    (sim, dir, app, loggable)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_between_a_pages_commit_and_its_moves_doubles_and_loses_nothing() {
    let (sim, dir, app, loggable) = setup("c", 40).await;
    let log = dir.path().join("crashes");
    assert!(
        !sync_once(app.db_path(), Some("after_commit:2"), &log),
        "killed"
    );
    assert_eq!(crashes(&log), ["after_commit"]);
    // The kill landed there: the second page is committed, its messages unmoved.
    let logged = app.store().unwrap().logged_messages().unwrap();
    let unmoved: Vec<_> = logged.iter().filter(|m| m.location == "inbox").collect();
    assert!(!unmoved.is_empty(), "committed but not moved");
    for m in &unmoved {
        assert!(
            sim.folder_messages(MAILBOX, "inbox")
                .await
                .iter()
                .any(|x| x["internetMessageId"] == m.internet_message_id.as_str()),
            "still in the Inbox"
        );
    }
    assert!(sync_once(app.db_path(), None, &log));
    assert_exactly_once(&sim, &app, 40, loggable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_a_move_before_its_outcome_is_stored_doubles_and_loses_nothing() {
    let (sim, dir, app, loggable) = setup("m", 40).await;
    let log = dir.path().join("crashes");
    assert!(
        !sync_once(app.db_path(), Some("after_move:3"), &log),
        "killed"
    );
    assert_eq!(crashes(&log), ["after_move"]);
    // The kill landed there: a message is in Archive while the store still
    // has it in the Inbox.
    let archived: Vec<String> = sim
        .folder_messages(MAILBOX, "archive")
        .await
        .iter()
        .map(|m| m["internetMessageId"].as_str().unwrap().to_string())
        .collect();
    let logged = app.store().unwrap().logged_messages().unwrap();
    assert!(
        logged
            .iter()
            .any(|m| m.location == "inbox" && archived.contains(&m.internet_message_id)),
        "a move done but not stored"
    );
    assert!(sync_once(app.db_path(), None, &log));
    assert_exactly_once(&sim, &app, 40, loggable).await;
}

/// How many random-kill trials: `EMAILLOG_CRASH_TRIALS`, else `default`.
fn trials(default: u64) -> u64 {
    std::env::var("EMAILLOG_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A simulator quick enough for many killed runs.
async fn quick_sim() -> TestSim {
    TestSim::start(SimConfig {
        latency: Duration::from_millis(2),
        ..SimConfig::default()
    })
    .await
}

/// Every crash point was hit at least once over the trials.
fn assert_every_point_hit(phases: &std::collections::BTreeMap<String, usize>) {
    eprintln!("kills per crash point: {phases:?}");
    for p in ["after_commit", "after_move", "before_commit"] {
        assert!(
            phases.get(p).copied().unwrap_or(0) > 0,
            "no kill landed at {p}: {phases:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_killed_at_random_crash_points_restarted_until_done_lose_and_double_nothing() {
    let trials = trials(6);
    let n = 150;
    let mut phases: std::collections::BTreeMap<String, usize> = Default::default();
    for trial in 0..trials {
        let sim = quick_sim().await;
        let dir = tempfile::tempdir().unwrap();
        let app = engine_app(&sim, dir.path());
        let (msgs, loggable, copies) = messages_with_copies(n, &format!("r{trial}"));
        sim.add(MAILBOX, "inbox", msgs).await;
        let log = dir.path().join("crashes");
        let mut finished = false;
        for attempt in 0..200u64 {
            let spec = format!("random:0.04:{}", trial * 1000 + attempt);
            let armed = attempt < 150;
            let exited = sync_once(app.db_path(), armed.then_some(spec.as_str()), &log);
            if exited && sim.folder_messages(MAILBOX, "inbox").await.is_empty() {
                finished = true;
                break;
            }
        }
        assert!(finished, "trial {trial} never finished");
        for p in crashes(&log) {
            *phases.entry(p).or_default() += 1;
        }
        assert_done(&sim, &app, loggable, copies, n - loggable).await;
        sim.server.stop().await;
    }
    assert_every_point_hit(&phases);
}

/// Two mailboxes in one database — the second reading a queue folder and
/// keeping logged mail in a storage folder — with ten messages BCC'd into
/// both, and `sync --once` (both mailboxes in turn) killed at random crash
/// points until done: per mailbox nothing lost or doubled, and a message in
/// both logged once and archived in both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_mailboxes_with_queue_folders_killed_at_random_lose_and_double_nothing() {
    let n = 80;
    let mut phases: std::collections::BTreeMap<String, usize> = Default::default();
    for trial in 0..trials(3) {
        let sim = quick_sim().await;
        let dir = tempfile::tempdir().unwrap();
        let app = engine_app(&sim, dir.path());
        let second = add_second_mailbox(&sim, &app, Some("CRM/Queue")).await;
        app.with_mailbox(1).enable(0).unwrap();
        second.enable(0).unwrap();
        let (a, loggable_a, copies_a) = messages_with_copies(n, &format!("a{trial}"));
        let (b, loggable_b, copies_b) = messages_with_copies(n, &format!("b{trial}"));
        let (shared, loggable_s) = mixed_messages(10, &format!("s{trial}"));
        let (unl_a, unl_b, unl_s) = (n - loggable_a, n - loggable_b, 10 - loggable_s);
        sim.add(MAILBOX, "inbox", a).await;
        sim.add(MAILBOX, "inbox", shared.clone()).await;
        sim.add(SECOND, "CRM/Queue", b).await;
        sim.add(SECOND, "CRM/Queue", shared).await;
        let log = dir.path().join("crashes");
        let mut finished = false;
        for attempt in 0..300u64 {
            let spec = format!("random:0.04:{}", 50_000 + trial * 1000 + attempt);
            let armed = attempt < 200;
            let exited = sync_once(app.db_path(), armed.then_some(spec.as_str()), &log);
            if exited
                && sim.folder_messages(MAILBOX, "inbox").await.is_empty()
                && sim.folder_messages(SECOND, "CRM/Queue").await.is_empty()
            {
                finished = true;
                break;
            }
        }
        assert!(finished, "trial {trial} never finished");
        for p in crashes(&log) {
            *phases.entry(p).or_default() += 1;
        }
        let count = |mailbox: &'static str, folder: &'static str| {
            let sim = &sim;
            async move { sim.folder_messages(mailbox, folder).await.len() }
        };
        assert_eq!(
            count(MAILBOX, "archive").await,
            loggable_a + copies_a + loggable_s
        );
        assert_eq!(count(MAILBOX, "Skipped").await, unl_a + unl_s);
        assert_eq!(
            count(SECOND, "CRM/Logged").await,
            loggable_b + copies_b + loggable_s
        );
        assert_eq!(count(SECOND, "CRM/Skipped").await, unl_b + unl_s);
        assert_eq!(count(SECOND, "inbox").await, 0);
        assert_eq!(
            count(SECOND, "archive").await,
            0,
            "nothing in the default folders"
        );
        assert_stored_once(
            &app,
            loggable_a + loggable_b + loggable_s,
            unl_a + copies_a + unl_b + copies_b + 2 * unl_s + loggable_s,
        );
        sim.server.stop().await;
    }
    assert_every_point_hit(&phases);
}
