//! Storage limitation through the command line and the engine, on a
//! mailbox whose mail is dated in the past: the settings set and shown,
//! bad values refused; the engine's next run strips old bodies (and their
//! attachments and search rows), removes old entries with their messages
//! (the contact's figures counted again) and old skipped records, counts it
//! all in its run log row, and deletes the mailbox copies at its next turn,
//! once; retention runs once a day; bodies are stripped in bounded batches
//! that go on where the last stopped (the engine's clock passed in). On
//! both stores.

mod common;

use chrono::{Duration, Utc};
use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use serde_json::{Value, json};

fn dated(from: &str, to: &str, subject: &str, days_ago: i64) -> Value {
    let mut m = message(from, &[to], subject);
    m["internetMessageId"] = json!(format!("<{}@x>", subject.replace(' ', ".")));
    m["receivedDateTime"] = json!(
        (Utc::now() - Duration::days(days_ago))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_mail_goes_by_the_mailboxs_retention_once_a_day_with_its_copies() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let mut offer = dated(
        "sofia@fabrikam.example",
        "ben@contoso.example",
        "Spring offer",
        100,
    );
    offer["body"] = json!({"contentType": "text", "content": "Rabatt på vårkatalogen"});
    offer["attachments"] = json!([
        {"name": "Tilbud.pdf", "contentType": "application/pdf", "contentBytes": "JVBERi0xLjQK"},
    ]);
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            dated(
                "alex@fabrikam.example",
                "annette@contoso.example",
                "Old order",
                400
            ),
            offer,
            dated(
                "maria@northwind.example",
                "annette@contoso.example",
                "This week",
                5
            ),
            dated(
                "news@elsewhere.example",
                "annette@contoso.example",
                "Old newsletter",
                100
            ),
            dated(
                "news@elsewhere.example",
                "ben@contoso.example",
                "New newsletter",
                5
            ),
        ]),
    )
    .await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!((r.counts.logged, r.counts.skipped), (3, 2), "{r:?}");
    // Nothing is removed while everything is kept for ever (the default).
    let log: Value =
        serde_json::from_slice(&emaillog_ok(&db, &["job", "log", "--json"]).stdout).unwrap();
    assert_eq!(log[0]["retention"], Value::Null, "{log}");
    assert_eq!(found(&app, "vårkatalogen"), 1);
    assert_eq!(found(&app, "Tilbud"), 1);
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM contact_days WHERE contact_no = 'C1'"
        ),
        1
    );

    // Bad values are refused, with what is allowed.
    let o = emaillog_on(&db, &["setup", "set", "--retain-bodies-days", "40000"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("between 0 and 36,500 days"),
        "{}",
        text(&o)
    );
    let o = emaillog_on(&db, &["setup", "set", "--retain-mailbox", "maybe"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));

    emaillog_ok(
        &db,
        &[
            "setup",
            "set",
            "--retain-bodies-days",
            "30",
            "--retain-entries-days",
            "365",
            "--retain-skipped-days",
            "60",
            "--retain-mailbox",
            "true",
        ],
    );
    let shown = text(&emaillog_ok(&db, &["setup", "show"]));
    for line in [
        "keep bodies         30 days",
        "keep entries        365 days",
        "keep skipped        60 days",
        "mailbox copies      deleted with what retention removes",
    ] {
        assert!(shown.contains(line), "{line}: {shown}");
    }
    let json: Value =
        serde_json::from_slice(&emaillog_ok(&db, &["setup", "show", "--json"]).stdout).unwrap();
    assert_eq!(json["retain_entries_days"], 365, "{json}");

    // The next run applies it and counts it.
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{r:?}");
    let log: Value =
        serde_json::from_slice(&emaillog_ok(&db, &["job", "log", "--json"]).stdout).unwrap();
    assert_eq!(
        log[0]["retention"],
        json!({"bodies": 1, "entries": 1, "messages": 1, "skipped": 1, "mailbox_deletions": 2}),
        "{log}"
    );
    let printed = text(&emaillog_ok(&db, &["job", "log"]));
    assert!(
        printed.contains(
            "retention removed 1 bodies, 1 entries (1 messages), 1 skipped records; 2 mailbox copies to delete"
        ),
        "{printed}"
    );
    // The old order is gone with its entry and its figures.
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM logged_messages WHERE subject = 'Old order'"
        ),
        0
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM interaction_log_entries WHERE contact_no = 'C1'"
        ),
        0
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM contact_days WHERE contact_no = 'C1'"
        ),
        0
    );
    // The offer keeps its entry, not its body or its attachment.
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM logged_messages WHERE subject = 'Spring offer' AND body IS NULL AND attachment_names IS NULL"
        ),
        1
    );
    assert_eq!(one_i64(&db, "SELECT count(*) FROM message_attachments"), 0);
    assert_eq!(found(&app, "vårkatalogen"), 0);
    assert_eq!(found(&app, "Tilbud"), 0);
    assert_eq!(found(&app, "Spring"), 1, "the subject stays searchable");
    // This week's mail is untouched.
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM logged_messages WHERE subject = 'This week' AND body IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM skipped_messages WHERE subject = 'New newsletter'"
        ),
        1
    );
    assert_eq!(one_i64(&db, "SELECT count(*) FROM skipped_messages"), 1);

    // The copies wait for the engine's next turn (a kill now loses
    // nothing), then go, once.
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "archive").await),
        ["Old order", "Spring offer", "This week"]
    );
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "archive").await),
        ["Spring offer", "This week"]
    );
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "Skipped").await),
        ["New newsletter"]
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM review_requests WHERE state = 'done' AND action = 'delete'"
        ),
        2
    );
    // Once a day: this run did not apply it again.
    let log: Value =
        serde_json::from_slice(&emaillog_ok(&db, &["job", "log", "--json"]).stdout).unwrap();
    assert_eq!(log[0]["retention"], Value::Null, "{log}");
    assert_eq!(
        one_i64(&db, "SELECT count(*) FROM review_requests"),
        2,
        "nothing asked twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_go_in_batches_that_go_on_where_the_last_stopped_and_the_clock_decides() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    // Five messages received in the same second: the batches' order must
    // not stop at a tie.
    let same = (Utc::now() - Duration::days(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mail: Vec<Value> = (0..5)
        .map(|i| {
            let mut m = dated(
                "alex@fabrikam.example",
                "annette@contoso.example",
                &format!("Tie {i}"),
                3,
            );
            m["receivedDateTime"] = json!(same);
            m
        })
        .collect();
    sim.add(MAILBOX, "inbox", Value::Array(mail)).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 5, "{r:?}");

    let mut store = app.store().unwrap();
    let cut = Utc::now() - Duration::days(1);
    let mut taken = Vec::new();
    for _ in 0..5 {
        let b = store.strip_old_bodies(cut, 2).unwrap();
        taken.push((b.removed.bodies, b.more));
    }
    assert_eq!(
        taken,
        [(2, true), (2, true), (1, false), (0, false), (0, false)]
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM logged_messages WHERE body IS NOT NULL"
        ),
        0
    );

    // The engine's clock: a year and a month on, the entries are a year
    // old and go; the same day again nothing is due; the next day the
    // pass runs and finds nothing.
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        retain_entries_days: Some(365),
        ..Default::default()
    })
    .unwrap();
    let setup = store.setup().unwrap();
    let later = Utc::now() + Duration::days(400);
    let removed = emaillog::engine::retention::apply(&mut store, &setup, later)
        .unwrap()
        .expect("due");
    assert_eq!((removed.entries, removed.messages), (5, 5), "{removed:?}");
    assert_eq!(removed.mailbox_deletions, 0, "the copies stay unless asked");
    assert_eq!(
        emaillog::engine::retention::apply(&mut store, &setup, later).unwrap(),
        None
    );
    let next = emaillog::engine::retention::apply(&mut store, &setup, later + Duration::days(1))
        .unwrap()
        .expect("due the next day");
    assert!(next.is_empty(), "{next:?}");
    assert_eq!(
        one_i64(&db, "SELECT count(*) FROM interaction_log_entries"),
        0
    );
    assert_eq!(one_i64(&db, "SELECT count(*) FROM review_requests"), 0);
}
