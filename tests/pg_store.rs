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
    assert_eq!(
        a.acquire_lease("mbx", "engine-a", ttl, here).unwrap(),
        LeaseOutcome::Acquired
    );
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
        a.renew_lease("mbx", "engine-a", ttl, slow).unwrap(),
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
        1
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
