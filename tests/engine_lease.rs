//! The lease heartbeat: a run that outlives its lease keeps it, and a run
//! whose lease another engine took stops at once, having doubled nothing.
//! (Its own test binary: it sets `EMAILLOG_LEASE_SECS` for the process.)

mod common;

use common::*;
use emaillog::engine::events::channel;
use emaillog::engine::{RunError, Stop};
use emaillog::sim::SimConfig;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_run_keeps_its_lease_and_stops_when_another_engine_takes_it() {
    // SAFETY of set_var: this test binary has this one test, set before any thread reads it.
    unsafe { std::env::set_var("EMAILLOG_LEASE_SECS", "3") };
    let sim = TestSim::start(SimConfig {
        latency: Duration::from_millis(60),
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        batch_size: Some(200),
        ..Default::default()
    })
    .unwrap();

    // 1. One page whose moves take ~5 s, longer than the 3 s lease: the heartbeat keeps it.
    let (msgs, loggable) = mixed_messages(300, "hb");
    sim.add(MAILBOX, "inbox", msgs).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_exactly_once(&sim, &app, 300, loggable).await;

    // 2. Another engine takes the lease mid-run (as after an expiry): this run stops.
    let (more, _) = mixed_messages(300, "hb2");
    sim.add(MAILBOX, "inbox", more).await;
    let thief_db = app.db_path().to_path_buf();
    let thief = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mut s = emaillog::store::Store::open(&thief_db).unwrap();
        let later = chrono::Utc::now() + chrono::Duration::hours(1);
        s.acquire_lease(
            MAILBOX,
            "elsewhere:1:thief",
            chrono::Duration::seconds(3),
            later,
        )
        .unwrap()
    });
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    thief.await.unwrap();
    assert!(
        matches!(r.error, Some(RunError::LeaseLost(ref h)) if h.contains("thief")),
        "{:?}",
        r.error
    );
    // Whatever it did before stopping was committed before any move: nothing doubled.
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    let ids: std::collections::HashSet<&str> = logged
        .iter()
        .map(|m| m.internet_message_id.as_str())
        .collect();
    assert_eq!(ids.len(), logged.len());
    assert_eq!(store.count_entries().unwrap() as usize, logged.len());
}
