//! The engine and the store on a real PostgreSQL server this test starts:
//! a backlog drained from the simulator is logged exactly once, a second
//! run logs nothing new, and the log reads back by page, filter and
//! search (both search plans) as on SQLite. The only test in its binary:
//! it points `EMAILLOG_KEY_FILE` at its own folder.

mod common;

use common::postgres::{Postgres, available};
use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::{LogFilter, SearchPlan, Seek};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_logs_into_postgres_as_into_sqlite() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("engine");
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary; nothing else reads the
    // environment concurrently yet.
    unsafe { std::env::set_var("EMAILLOG_KEY_FILE", dir.path().join("pg.key")) };
    let sim = TestSim::default().await;
    let app = engine_app_at(&sim, url.clone().into());
    assert_eq!(
        app.store().unwrap().schema_version().unwrap(),
        emaillog::store::PG_SCHEMA_VERSION
    );

    let (msgs, loggable) = mixed_messages(45, "pg");
    sim.add(MAILBOX, "inbox", msgs).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{:?}\n{}", r.error, pg.log());
    assert_eq!(r.counts.read, 45);
    assert_eq!(r.counts.logged as usize, loggable);
    assert_exactly_once(&sim, &app, 45, loggable).await;
    let again = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!((again.counts.read, again.counts.logged), (0, 0));
    assert_exactly_once(&sim, &app, 45, loggable).await;
    let runs = app.job_log(10).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].counts.logged as usize, loggable);

    // The log by page: newest first, the keyset continuing where a page
    // ended, and the same rows whichever way it is walked.
    let store = app.store().unwrap();
    let all = store
        .log_page(&LogFilter::default(), None, &Seek::Newest, 1000)
        .unwrap();
    assert_eq!(all.len(), loggable);
    assert!(
        all.windows(2).all(|w| w[0].key() > w[1].key()),
        "newest first"
    );
    let first = store
        .log_page(&LogFilter::default(), None, &Seek::Newest, 10)
        .unwrap();
    let next = store
        .log_page(
            &LogFilter::default(),
            None,
            &Seek::OlderThan(first.last().unwrap().key()),
            10,
        )
        .unwrap();
    let keys: Vec<_> = first.iter().chain(&next).map(|e| e.entry_no).collect();
    let want: Vec<_> = all.iter().take(20).map(|e| e.entry_no).collect();
    assert_eq!(keys, want);
    let oldest = store
        .log_page(&LogFilter::default(), None, &Seek::Oldest, 5)
        .unwrap();
    let want: Vec<_> = all.iter().rev().take(5).rev().map(|e| e.entry_no).collect();
    assert_eq!(
        oldest.iter().map(|e| e.entry_no).collect::<Vec<_>>(),
        want,
        "the oldest page, shown newest first"
    );

    // A filter by contact.
    let contact = all[0].contact_no.clone();
    let by_contact = store
        .log_page(
            &LogFilter {
                contact_no: Some(contact.clone()),
                ..Default::default()
            },
            None,
            &Seek::Newest,
            1000,
        )
        .unwrap();
    let want = all.iter().filter(|e| e.contact_no == contact).count();
    assert!(want > 0);
    assert_eq!(by_contact.len(), want);

    // Search: "outbound" is in the subject of every other logged message.
    let fts = emaillog::domain::search::fts_query("OUTBOUND").unwrap();
    let want: Vec<i64> = all
        .iter()
        .filter(|e| e.subject.contains("outbound"))
        .map(|e| e.entry_no)
        .collect();
    assert!(!want.is_empty());
    for plan in [SearchPlan::Lookup, SearchPlan::Walk] {
        let hits = store
            .log_page(
                &LogFilter {
                    search: Some(fts.clone()),
                    ..Default::default()
                },
                Some(plan),
                &Seek::Newest,
                1000,
            )
            .unwrap();
        assert_eq!(
            hits.iter().map(|e| e.entry_no).collect::<Vec<_>>(),
            want,
            "{plan:?}"
        );
    }
    // A prefix, and a word in no message.
    let prefix = emaillog::domain::search::fts_query("outb*").unwrap();
    assert_eq!(store.search_plan(&prefix).unwrap(), SearchPlan::Lookup);
    let none = emaillog::domain::search::fts_query("zeppelin").unwrap();
    let hits = store
        .log_page(
            &LogFilter {
                search: Some(none),
                ..Default::default()
            },
            None,
            &Seek::Newest,
            10,
        )
        .unwrap();
    assert!(hits.is_empty());
}
