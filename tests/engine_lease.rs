//! One engine per mailbox, really: the heartbeat keeps a run's lease while
//! the run outlasts it, a run whose lease another engine took stops, and two
//! engines on one database never work at once even while a third connection
//! holds the write lock for longer than the lease.
//! (Its own test binary: it sets `EMAILLOG_LEASE_SECS` for the process.)

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use emaillog::engine::events::channel;
use emaillog::engine::{EngineEvent, RunError, Stop, stop_pair};
use emaillog::sim::SimConfig;
use emaillog::store::{LeaseOutcome, Store};

fn short_lease() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY of set_var: every test of this binary calls this first, so the
    // others wait on the Once while it runs and nothing reads the environment.
    ONCE.call_once(|| unsafe { std::env::set_var("EMAILLOG_LEASE_SECS", "3") });
}

async fn slow_sim() -> TestSim {
    TestSim::start(SimConfig {
        latency: Duration::from_millis(60),
        ..SimConfig::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_longer_than_its_lease_keeps_it_by_the_heartbeat() {
    short_lease();
    let sim = slow_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        batch_size: Some(200),
        ..Default::default()
    })
    .unwrap();
    let (msgs, loggable) = mixed_messages(300, "hb");
    sim.add(MAILBOX, "inbox", msgs).await;

    // Another engine asks for the lease all through the run, from its start.
    let db = app.db_path().to_path_buf();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let go = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (events, mut rx) = channel();
    {
        let go = Arc::clone(&go);
        tokio::spawn(async move {
            while let Ok(e) = rx.recv().await {
                if matches!(e, EngineEvent::RunStarted { .. }) {
                    go.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
        });
    }
    let asks = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut s = Store::open(&db).unwrap();
            let mut asks = Vec::new();
            while !go.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let out = s.acquire_lease(
                    &s.mailbox_key(),
                    "elsewhere:boot:ns:1:1:rival",
                    chrono::Duration::seconds(3),
                    chrono::Utc::now(),
                );
                asks.push((Instant::now(), out.ok()));
                std::thread::sleep(Duration::from_millis(100));
            }
            asks
        })
    };
    let started = Instant::now();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    let ended = Instant::now();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let asks = asks.join().unwrap();
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_exactly_once(&sim, &app, 300, loggable).await;
    // The scenario happened: the rival asked after the first lease would
    // have run out, while the run was still going, and was refused. (Had
    // it got the lease then, the run's next renewal or fenced commit would
    // have ended it with LeaseLost: `r.error` above. An ask that got it
    // after the run let it go, before `ended` was read, is no overlap.)
    let refused_late = asks
        .iter()
        .filter(|(t, out)| {
            *t > started + Duration::from_millis(3500)
                && *t < ended
                && matches!(out, Some(LeaseOutcome::HeldBy { .. }))
        })
        .count();
    assert!(
        refused_late >= 3,
        "the run must outlast its lease, the rival refused meanwhile, for this test to mean anything ({refused_late} refused late asks)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_lease_another_engine_took_stops_and_doubles_nothing() {
    if sqlite_only(
        "the thief's clock runs an hour ahead; PostgreSQL judges leases by its own clock (tests/pg_store.rs)",
    ) {
        return;
    }
    short_lease();
    let sim = slow_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let (msgs, loggable) = mixed_messages(300, "t");
    sim.add(MAILBOX, "inbox", msgs).await;
    let (events, mut rx) = channel();
    let thief_db = app.db_path().to_path_buf();
    // After the first page, another engine takes the lease (as after an expiry).
    let thief = tokio::spawn(async move {
        while let Ok(e) = rx.recv().await {
            if matches!(e, EngineEvent::Page { .. }) {
                break;
            }
        }
        let mut s = Store::open(&thief_db).unwrap();
        let later = chrono::Utc::now() + chrono::Duration::hours(1);
        s.acquire_lease(
            &s.mailbox_key(),
            "elsewhere:1:thief",
            chrono::Duration::seconds(3),
            later,
        )
        .unwrap()
    });
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(matches!(thief.await.unwrap(), LeaseOutcome::Acquired(_)));
    assert!(
        matches!(r.error, Some(RunError::LeaseLost(ref h)) if h.contains("thief")),
        "{:?}",
        r.error
    );
    let left = sim.folder_messages(MAILBOX, "inbox").await.len();
    assert!(left > 0, "the run stopped before the Inbox was empty");
    // What it committed is finished by the next engine, exactly once.
    let store = app.store().unwrap();
    store
        .release_lease(&store.mailbox_key(), "elsewhere:1:thief")
        .unwrap();
    sync_until_done(&sim, &app, 5).await;
    assert_exactly_once(&sim, &app, 300, loggable).await;
}

#[derive(Debug, Clone)]
struct PageSpan {
    holder: String,
    started: chrono::DateTime<chrono::Utc>,
    ended: chrono::DateTime<chrono::Utc>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_never_work_at_once_while_a_third_connection_holds_the_lock_past_the_lease() {
    if sqlite_only("the third connection holds SQLite's file lock") {
        return;
    }
    short_lease();
    let sim = slow_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        job_interval_secs: Some(1),
        ..Default::default()
    })
    .unwrap();
    app.enable(0).unwrap();
    let (msgs, loggable) = mixed_messages(400, "two");
    sim.add(MAILBOX, "inbox", msgs).await;

    let spans: Arc<Mutex<Vec<PageSpan>>> = Arc::default();
    let lease_runs_out = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (first_page_tx, first_page) = tokio::sync::watch::channel(false);
    let mut engines = Vec::new();
    let mut stops = Vec::new();
    for _ in 0..2 {
        let app = emaillog::app::App::new(app.db_path());
        let (events, mut rx) = channel();
        let (handle, stop) = stop_pair();
        stops.push(handle);
        let spans = Arc::clone(&spans);
        let runs_out = Arc::clone(&lease_runs_out);
        let first = first_page_tx.clone();
        tokio::spawn(async move {
            loop {
                // A listener that fell behind skips what it missed and goes
                // on (the run's last events are the newest, so they are kept).
                let e = match rx.recv().await {
                    Ok(e) => e,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                };
                match e {
                    EngineEvent::Page {
                        holder,
                        started,
                        ended,
                        ..
                    } => {
                        spans.lock().unwrap().push(PageSpan {
                            holder,
                            started,
                            ended,
                        });
                        let _ = first.send(true);
                    }
                    EngineEvent::RunFinished { error: Some(e), .. } if e.contains("lease") => {
                        runs_out.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => {}
                }
            }
        });
        engines.push(tokio::spawn(async move {
            app.run_jobs(&events, stop).await.unwrap();
        }));
    }

    // Mid-run, a third connection holds the write lock for 5 s (> the 3 s lease).
    let mut first_page = first_page;
    first_page.wait_for(|v| *v).await.unwrap();
    let db = app.db_path().to_path_buf();
    let lock_held = tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let from = chrono::Utc::now();
        std::thread::sleep(Duration::from_secs(5));
        conn.execute_batch("COMMIT").unwrap();
        (from, chrono::Utc::now())
    })
    .await
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(120);
    while !sim.folder_messages(MAILBOX, "inbox").await.is_empty() {
        assert!(Instant::now() < deadline, "the Inbox was not drained");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for s in &stops {
        s.stop();
    }
    for e in engines {
        e.await.unwrap();
    }
    assert_exactly_once(&sim, &app, 400, loggable).await;

    let spans = spans.lock().unwrap().clone();
    let holders: std::collections::HashSet<_> = spans.iter().map(|s| s.holder.clone()).collect();
    assert!(!spans.is_empty() && holders.iter().all(|h| !h.is_empty()));
    for (i, a) in spans.iter().enumerate() {
        for b in &spans[i + 1..] {
            if a.holder != b.holder {
                assert!(
                    a.ended <= b.started || b.ended <= a.started,
                    "two engines worked at once: {a:?} and {b:?}"
                );
            }
        }
    }
    // The scenario happened: pages went on after the lock, and the run that
    // was going when the lock was taken had to stop when its lease ran out.
    assert!(
        spans.iter().any(|s| s.started >= lock_held.1),
        "no page after the lock was released"
    );
    assert!(
        lease_runs_out.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "no run stopped for its lease while the lock outlasted it"
    );
}
