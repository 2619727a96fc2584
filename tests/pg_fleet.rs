//! Engines on several hosts, as PostgreSQL serves them: three `emaillog
//! run` processes share ten mailboxes; one is paused (SIGSTOP) in the
//! middle of a run for longer than its lease, the other two take its
//! mailboxes over and drain them, and when it is resumed it is fenced out:
//! its run stops without writing, and every message is logged exactly once.
//! The only test in its binary: it sets the lease and key file for the
//! processes it starts.

mod common;

use std::collections::BTreeSet;

use common::fleet::{
    addresses, assert_each_logged_once, enable_all, inboxes_empty, leases, runs, start_run,
    wait_for,
};
use common::postgres::{Postgres, available};
use common::{TestSim, engine_app_at, mixed_messages};
use emaillog::sim::SimConfig;

/// The PID in a lease holder's id (`host:boot:pidns:pid:start:nonce`).
fn pid_of(holder: &str) -> Option<u32> {
    holder.split(':').nth(3)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_paused_past_its_lease_is_fenced_out_and_nothing_is_logged_twice() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("fleet");
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary; nothing reads the environment
    // concurrently yet. The run processes inherit both.
    unsafe {
        std::env::set_var("EMAILLOG_KEY_FILE", dir.path().join("pg.key"));
        std::env::set_var("EMAILLOG_LEASE_SECS", "3");
    }
    let sim = TestSim::start(SimConfig {
        latency: std::time::Duration::from_millis(40),
        ..SimConfig::default()
    })
    .await;
    let app = engine_app_at(&sim, url.clone().into());
    let db = std::path::PathBuf::from(&url);
    let mailboxes = addresses(10);
    enable_all(&app, &sim, &mailboxes);
    for address in &mailboxes {
        sim.add(address, "inbox", serde_json::json!([])).await;
    }
    let mut engines: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| start_run(&db, &dir.path().join(format!("{n}.err"))))
        .collect();
    wait_for("three engines sharing the ten mailboxes", 90, async || {
        let l = leases(&db);
        l.len() == 3 && l.values().sum::<usize>() == 10 && l.values().all(|n| *n <= 4)
    })
    .await;

    let sent = 60;
    let mut loggable = Vec::new();
    for (i, address) in mailboxes.iter().enumerate() {
        let (msgs, n) = mixed_messages(sent, &format!("mb{i}"));
        sim.add(address, "inbox", msgs).await;
        loggable.push(n);
    }
    // The third engine is paused in the middle of a run that has work left.
    let paused_pid = engines[2].id();
    let in_flight = |runs: &[common::fleet::Run]| -> BTreeSet<i64> {
        runs.iter()
            .filter(|r| pid_of(&r.1) == Some(paused_pid) && r.3.is_none() && r.4 > 0)
            .map(|r| r.0)
            .collect()
    };
    wait_for("a run of the third engine under way", 60, async || {
        !in_flight(&runs(&db)).is_empty()
    })
    .await;
    engines[2].signal(libc::SIGSTOP);
    let interrupted = in_flight(&runs(&db));
    let at_pause = runs(&db).len();
    // Its leases run out; the other two take its mailboxes and drain all.
    wait_for("the two others holding all ten", 60, async || {
        let l = leases(&db);
        l.len() == 2 && l.values().sum::<usize>() == 10
    })
    .await;
    wait_for("every Inbox emptied by the two", 180, async || {
        inboxes_empty(&sim, &mailboxes).await
    })
    .await;
    let after = runs(&db);
    for no in &interrupted {
        assert!(
            after[at_pause..]
                .iter()
                .any(|r| r.0 == *no && pid_of(&r.1) != Some(paused_pid) && r.4 > 0),
            "mailbox {no} was taken over and read by another engine"
        );
    }
    // Resumed: its interrupted runs end, for the lease, without a write.
    engines[2].signal(libc::SIGCONT);
    wait_for("the paused engine's runs to end", 60, async || {
        in_flight(&runs(&db)).is_empty()
    })
    .await;
    let ended: Vec<_> = runs(&db)
        .into_iter()
        .filter(|r| pid_of(&r.1) == Some(paused_pid) && interrupted.contains(&r.0))
        .filter(|r| r.5.as_deref().is_some_and(|e| e.contains("lease")))
        .collect();
    let paused: Vec<_> = runs(&db)
        .into_iter()
        .filter(|r| pid_of(&r.1) == Some(paused_pid))
        .collect();
    assert!(
        !ended.is_empty(),
        "the resumed engine stopped for its lost lease: {paused:?}"
    );
    for engine in &mut engines {
        engine.terminate();
    }
    assert_each_logged_once(&sim, &db, &mailboxes, sent, &loggable).await;
    sim.server.stop().await;
}
