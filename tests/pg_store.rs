//! The store on a real PostgreSQL server this test starts, where it differs
//! from SQLite: leases judged by the server's clock (engines on hosts whose
//! clocks disagree still agree on who holds a mailbox), and a schema made
//! once and recognised after.

mod common;

use chrono::{Duration, Utc};
use common::postgres::{Postgres, available};
use common::wait_until;
use emaillog::store::{LeaseOutcome, Renewal, Store};

#[test]
fn leases_run_out_by_the_servers_clock_not_the_callers() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("leases");
    let mut a = Store::open(std::path::Path::new(&url)).unwrap();
    let mut b = Store::open(std::path::Path::new(&url)).unwrap();
    let ttl = Duration::seconds(60);
    let here = Utc::now();
    let LeaseOutcome::Acquired(lease) = a.acquire_lease("mbx", "engine-a", ttl, here).unwrap()
    else {
        panic!("a free mailbox's lease is taken");
    };
    // B's clock runs an hour fast: by its own clock A's lease ran out long
    // ago, but the server's says it holds for another minute.
    let fast = here + Duration::hours(1);
    match b.acquire_lease("mbx", "engine-b", ttl, fast).unwrap() {
        LeaseOutcome::HeldBy { holder, until } => {
            assert_eq!(holder, "engine-a");
            assert!(until < fast, "the expiry is the server's: {until}");
        }
        other => panic!("a fast clock took a live lease: {other:?}"),
    }
    // A's clock runs an hour slow: it cannot stretch its lease by it, the
    // renewal is for a minute from the server's now.
    let slow = here - Duration::hours(1);
    assert_eq!(
        a.renew_lease("mbx", "engine-a", lease.epoch, ttl, slow)
            .unwrap(),
        Renewal::Renewed
    );
    let held = b.lease_holder("mbx", fast).unwrap().expect("held");
    assert!(
        held.until > here && held.until < here + Duration::minutes(5),
        "{}",
        held.until
    );
    // A schema made once is recognised by the next store opened.
    assert_eq!(
        Store::open(std::path::Path::new(&url))
            .unwrap()
            .schema_version()
            .unwrap(),
        emaillog::store::PG_SCHEMA_VERSION
    );
}

#[test]
fn a_commit_is_heard_by_the_listener_and_a_lost_listener_comes_back() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("listen");
    let watcher = Store::open(std::path::Path::new(&url)).unwrap();
    let writer = Store::open(std::path::Path::new(&url)).unwrap();
    watcher.data_version().unwrap();
    wait_until("the listener to connect", 30, || watcher.hears_changes());
    // A commit elsewhere is heard, without the watcher asking the server.
    let before = watcher.data_version().unwrap();
    writer.never_log_add("northwind.example").unwrap();
    wait_until("the commit to be heard", 30, || {
        watcher.data_version().unwrap() != before
    });
    // Nothing written: nothing heard.
    let quiet = watcher.data_version().unwrap();
    let _ = writer.never_log_list().unwrap();
    // The listener's connection is cut: it comes back, and what was written
    // while it was gone counts as a change.
    let admin = common::postgres::connect_admin(&pg);
    let cut: i64 = admin
        .query_row(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'emaillog-listen'",
            emaillog::store::db::params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cut, 1, "one listener per process and database");
    wait_until("the lost listener to be noticed", 30, || {
        !watcher.hears_changes()
    });
    writer.never_log_add("fabrikam.example").unwrap();
    wait_until("the listener to come back", 30, || watcher.hears_changes());
    assert_ne!(watcher.data_version().unwrap(), quiet);
    let back = watcher.data_version().unwrap();
    writer.never_log_remove("northwind.example").unwrap();
    wait_until("a commit after the return to be heard", 30, || {
        watcher.data_version().unwrap() != back
    });
}

/// Engines claim mailboxes row by row: one another engine is claiming this
/// moment (its lease row locked) is skipped at once, not waited for, and
/// the others are taken; an engine renews every lease it holds in one
/// statement, each only as the take (epoch) it holds.
#[test]
fn a_mailbox_being_claimed_is_skipped_and_leases_are_renewed_together() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("claims");
    let mut a = Store::open(std::path::Path::new(&url)).unwrap();
    let ttl = Duration::seconds(60);
    let epoch = |out: LeaseOutcome| match out {
        LeaseOutcome::Acquired(l) => l.epoch,
        other => panic!("not taken: {other:?}"),
    };
    for mb in ["1", "2", "3"] {
        assert_eq!(
            epoch(a.acquire_lease(mb, "engine-a", ttl, Utc::now()).unwrap()),
            1
        );
    }
    // Mailbox 4 was served before and let go; another engine is in the
    // middle of claiming it (its lease row locked).
    a.acquire_lease("4", "engine-a", ttl, Utc::now()).unwrap();
    a.release_lease("4", "engine-a").unwrap();
    let mut other = emaillog::store::testing::connect(std::path::Path::new(&url));
    let claiming = other
        .transaction(emaillog::store::db::Begin::Deferred)
        .unwrap();
    let locked: i64 = claiming
        .query_row(
            "SELECT epoch FROM engine_lease WHERE mailbox = '4' FOR UPDATE",
            emaillog::store::db::params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(locked, 1);
    let (tx, rx) = std::sync::mpsc::channel();
    let claimer = std::thread::spawn({
        let url = url.clone();
        move || {
            let mut b = Store::open(std::path::Path::new(&url)).unwrap();
            let four = b.acquire_lease("4", "engine-b", ttl, Utc::now()).unwrap();
            let five = b.acquire_lease("5", "engine-b", ttl, Utc::now()).unwrap();
            tx.send((four, five)).unwrap();
        }
    });
    let (four, five) = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("a claim waited for a row another engine has locked");
    claimer.join().unwrap();
    assert!(
        matches!(&four, LeaseOutcome::HeldBy { holder, .. } if holder.contains("claiming")),
        "{four:?}"
    );
    assert_eq!(epoch(five), 1);
    drop(claiming);
    let held = |e2: i64| -> Vec<(String, i64)> {
        vec![("1".into(), 1), ("2".into(), e2), ("3".into(), 1)]
    };
    assert_eq!(
        a.renew_leases("engine-a", &held(1), ttl, Utc::now())
            .unwrap(),
        [Renewal::Renewed, Renewal::Renewed, Renewal::Renewed]
    );
    // Mailbox 2 let go and taken again: the old take is not renewed.
    a.release_lease("2", "engine-a").unwrap();
    assert_eq!(
        epoch(a.acquire_lease("2", "engine-a", ttl, Utc::now()).unwrap()),
        2
    );
    let out = a
        .renew_leases("engine-a", &held(1), ttl, Utc::now())
        .unwrap();
    assert_eq!(out[0], Renewal::Renewed);
    assert!(
        matches!(&out[1], Renewal::Lost(why) if why.contains("taken again")),
        "{out:?}"
    );
    assert_eq!(
        a.renew_leases("engine-b", &held(2), ttl, Utc::now())
            .unwrap()[1],
        Renewal::Lost("another engine (engine-a) took over the mailbox lease".into()),
        "only the holder renews"
    );
}

/// A process stopped inside a transaction (SIGSTOP, a laptop lid) holds
/// the writer lock: the server ends its session once it has idled there
/// for `IDLE_IN_TRANSACTION`, the writer waiting on it goes on, and the
/// stopped one's connection, its transaction given up, is replaced.
#[test]
fn a_session_stalled_in_a_transaction_is_ended_and_its_connection_replaced() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("stalled");
    Store::open(std::path::Path::new(&url)).unwrap();
    let mut stalled = emaillog::store::testing::connect(std::path::Path::new(&url));
    let tx = stalled
        .transaction(emaillog::store::db::Begin::Immediate)
        .unwrap();
    let started = std::time::Instant::now();
    let (done, waited) = std::sync::mpsc::channel();
    let writer = std::thread::spawn({
        let url = url.clone();
        move || {
            let mut w = Store::open(std::path::Path::new(&url)).unwrap();
            let page = emaillog::store::PageCommit::default();
            let progress = emaillog::store::Progress::default();
            let r = w.commit_page(&page, None, &progress, None, Utc::now());
            done.send((r.map_err(|e| e.to_string()), started.elapsed()))
                .unwrap();
        }
    });
    let (r, after) = waited
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a writer waited for a stalled session's lock for a minute");
    writer.join().unwrap();
    r.unwrap();
    assert!(
        after >= emaillog::store::pg::pool::IDLE_IN_TRANSACTION - std::time::Duration::from_secs(1),
        "the writer went on after {after:?}: the lock was not held"
    );
    let ended = tx.query_row("SELECT 1", emaillog::store::db::params![], |r| {
        r.get::<_, i64>(0)
    });
    assert!(ended.is_err(), "the stalled session was ended");
    drop(tx);
    let one: i64 = stalled
        .query_row("SELECT 1", emaillog::store::db::params![], |r| r.get(0))
        .expect("the connection is replaced once the transaction is given up");
    assert_eq!(one, 1);
}

/// A store call made from a tokio task that has just spent its
/// cooperative budget returns: the store waits for PostgreSQL outside
/// that budget. Before, every tokio primitive inside the wait answered
/// "not yet" and the call spun at full CPU for ever (CI: pg_roles hung in
/// `prepare_cached`). The call runs on its own thread, watched with a
/// generous limit that only a hang reaches.
#[test]
fn a_store_call_from_a_task_out_of_budget_returns() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("budget");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let store = Store::open(std::path::Path::new(&url)).unwrap();
            let sem = tokio::sync::Semaphore::new(1);
            // A fresh poll has 128 units; each acquire spends one, and the
            // last leaves none (a 129th would yield and refill it).
            tokio::task::yield_now().await;
            for _ in 0..128 {
                drop(sem.acquire().await.unwrap());
            }
            let n = store.never_log_list().map(|l| l.len());
            let _ = tx.send(n.is_ok());
        });
    });
    let done = rx.recv_timeout(std::time::Duration::from_secs(120));
    assert_eq!(
        done,
        Ok(true),
        "the store call never returned (spun out of budget)"
    );
}
