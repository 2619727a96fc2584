//! The review queue of skipped messages against the simulator over TLS:
//! a contact made from a sender, then re-log (the engine classifies again,
//! logs once, moves to Archive), a re-log that still does not match, a
//! delete, and faults in the middle of a re-log (a move that fails, a kill
//! between its commit and its move) that lose and double nothing.

mod common;

use std::path::Path;

use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::sim::SimConfig;
use emaillog::store::ReviewAction;
use serde_json::json;

async fn sync(app: &emaillog::app::App) {
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{:?}", r.error);
}

/// A message from someone nobody knows yet to a salesperson, skipped into
/// the Skipped folder; returns the app and the queue's row.
async fn skipped_stranger(
    sim: &TestSim,
    dir: &Path,
) -> (emaillog::app::App, emaillog::store::ReviewRow) {
    let app = engine_app(sim, dir);
    let mut m = message(
        "Nadia Okafor <nadia.okafor@blue-yonder.example>",
        &["annette@contoso.example"],
        "Can we talk about pricing?",
    );
    m["from"] = json!({"emailAddress": {"name": "Nadia Okafor", "address": "nadia.okafor@blue-yonder.example"}});
    m["internetMessageId"] = json!("<nadia-1@blue-yonder.example>");
    sim.add(MAILBOX, "inbox", json!([m])).await;
    sync(&app).await;
    assert_eq!(sim.folder_messages(MAILBOX, "Skipped").await.len(), 1);
    let queue = app.review_queue().unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].reason, "no_match");
    (app, queue[0].clone())
}

#[tokio::test]
async fn a_contact_from_the_sender_then_re_log_logs_once_and_archives() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let (app, row) = skipped_stranger(&sim, dir.path()).await;
    let c = app.suggest_contact(&row).unwrap();
    assert_eq!(c.email, "nadia.okafor@blue-yonder.example");
    assert_eq!(c.name, "Nadia Okafor");
    assert_eq!(c.company, "Blue Yonder");
    app.save_contact(
        &emaillog::domain::Contact {
            no: c.no.clone(),
            name: c.name,
            company: c.company,
            email: c.email,
            alt_emails: vec![],
        },
        true,
    )
    .unwrap();
    assert_eq!(
        app.request_review(&[row.key()], ReviewAction::Relog)
            .unwrap(),
        1
    );
    // Nothing happens until the engine holding the mailbox does it.
    assert_eq!(sim.folder_messages(MAILBOX, "Skipped").await.len(), 1);
    sync(&app).await;
    assert!(sim.folder_messages(MAILBOX, "Skipped").await.is_empty());
    let archive = sim.folder_messages(MAILBOX, "archive").await;
    assert_eq!(archive.len(), 1, "moved to Archive");
    let store = app.store().unwrap();
    assert_eq!(store.count_logged_messages().unwrap(), 1);
    assert_eq!(store.count_entries().unwrap(), 1);
    let logged = store.logged_messages().unwrap();
    assert_eq!(logged[0].location, "archive");
    assert!(
        app.review_queue().unwrap().is_empty(),
        "no longer to review"
    );
    // Asking again changes nothing: it is not skipped any more.
    assert_eq!(
        app.request_review(&[row.key()], ReviewAction::Relog)
            .unwrap(),
        0
    );
    sync(&app).await;
    assert_eq!(store.count_entries().unwrap(), 1, "logged once");
}

#[tokio::test]
async fn a_re_log_that_still_does_not_match_stays_in_skipped_and_says_why() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let (app, row) = skipped_stranger(&sim, dir.path()).await;
    app.request_review(&[row.key()], ReviewAction::Relog)
        .unwrap();
    sync(&app).await;
    assert_eq!(sim.folder_messages(MAILBOX, "Skipped").await.len(), 1);
    let queue = app.review_queue().unwrap();
    let (action, state, result) = queue[0].request.clone().unwrap();
    assert_eq!((action.as_str(), state.as_str()), ("relog", "done"));
    assert!(result.starts_with("still not logged"), "{result}");
    assert_eq!(queue[0].disposition, "moved", "still in Skipped");
    assert_eq!(app.store().unwrap().count_entries().unwrap(), 0);
}

#[tokio::test]
async fn delete_moves_it_out_of_the_mailbox_and_the_queue() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let (app, row) = skipped_stranger(&sim, dir.path()).await;
    app.request_review(&[row.key()], ReviewAction::Delete)
        .unwrap();
    sync(&app).await;
    assert!(sim.folder_messages(MAILBOX, "Skipped").await.is_empty());
    assert_eq!(sim.folder_messages(MAILBOX, "deleteditems").await.len(), 1);
    assert!(app.review_queue().unwrap().is_empty());
}

async fn add_the_contact(app: &emaillog::app::App, row: &emaillog::store::ReviewRow) {
    let c = app.suggest_contact(row).unwrap();
    app.save_contact(
        &emaillog::domain::Contact {
            no: c.no,
            name: c.name,
            company: c.company,
            email: c.email,
            alt_emails: vec![],
        },
        true,
    )
    .unwrap();
    app.request_review(&[row.key()], ReviewAction::Relog)
        .unwrap();
}

#[tokio::test]
async fn a_re_log_whose_move_fails_is_logged_once_and_archived_by_a_later_run() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let (app, row) = skipped_stranger(&sim, dir.path()).await;
    add_the_contact(&app, &row).await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"fail_paths": {format!("{}/move", row.mailbox_id): 503}})),
    )
    .await;
    let (events, _rx) = channel();
    let _ = app.sync_once(&events, &Stop::never()).await.unwrap();
    let stats = sim.control(reqwest::Method::GET, "/_sim/stats", None).await;
    assert!(
        stats.body["injected"]["503"].as_u64().unwrap_or(0) == 0,
        "fail_paths are not counted as random faults"
    );
    let store = app.store().unwrap();
    assert_eq!(
        store.count_entries().unwrap(),
        1,
        "committed before the move"
    );
    assert_eq!(
        sim.folder_messages(MAILBOX, "Skipped").await.len(),
        1,
        "move failed"
    );
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    sync(&app).await;
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 1);
    assert!(sim.folder_messages(MAILBOX, "Skipped").await.is_empty());
    assert_eq!(store.count_entries().unwrap(), 1, "still logged once");
    assert_eq!(store.logged_messages().unwrap()[0].location, "archive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_between_a_re_logs_commit_and_its_move_doubles_and_loses_nothing() {
    let sim = TestSim::start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (app, row) = skipped_stranger(&sim, dir.path()).await;
    add_the_contact(&app, &row).await;
    let log = dir.path().join("crashes");
    let run = |crash: Option<&str>| sync_once_crashing(app.db_path(), crash, &log, &[]);
    assert!(!run(Some("after_commit")), "killed");
    assert_eq!(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        ["after_commit"],
        "the kill landed between the re-log's commit and its move"
    );
    let store = app.store().unwrap();
    assert_eq!(store.count_entries().unwrap(), 1, "committed");
    assert_eq!(
        sim.folder_messages(MAILBOX, "Skipped").await.len(),
        1,
        "not moved"
    );
    assert!(run(None));
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 1);
    assert!(sim.folder_messages(MAILBOX, "Skipped").await.is_empty());
    assert_eq!(store.count_entries().unwrap(), 1, "logged once");
    assert_eq!(store.count_logged_messages().unwrap(), 1);
    assert!(app.review_queue().unwrap().is_empty());
}

/// Two mailboxes: a message skipped in the second one's Skipped folder (a
/// path) is in the one review queue, named by its mailbox; re-logging it
/// from a window on the first mailbox is done by the engine serving the
/// second, which logs it once and moves it to the second's storage folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_log_asked_from_another_mailbox_is_done_in_the_messages_own() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let second = add_second_mailbox(&sim, &app, None).await;
    sim.add(MAILBOX, "inbox", json!([])).await;
    let mut m = message(
        "Nadia Okafor <nadia.okafor@blue-yonder.example>",
        &["annette@contoso.example"],
        "Pricing for the Oslo office",
    );
    m["internetMessageId"] = json!("<nadia-oslo@blue-yonder.example>");
    sim.add(SECOND, "inbox", json!([m])).await;
    sync(&second).await;
    assert_eq!(sim.folder_messages(SECOND, "CRM/Skipped").await.len(), 1);
    // The first mailbox's window sees it, named by its mailbox.
    let first = app.with_mailbox(1);
    let queue = first.review_queue().unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].mailbox, SECOND);
    first
        .save_contact(
            &emaillog::domain::Contact {
                no: "C9".into(),
                name: "Nadia Okafor".into(),
                company: "Blue Yonder".into(),
                email: "nadia.okafor@blue-yonder.example".into(),
                alt_emails: vec![],
            },
            true,
        )
        .unwrap();
    first
        .request_review(&[queue[0].key()], ReviewAction::Relog)
        .unwrap();
    // The first mailbox's run leaves it alone; the second's does it.
    sync(&first).await;
    assert_eq!(sim.folder_messages(SECOND, "CRM/Skipped").await.len(), 1);
    sync(&second).await;
    assert!(sim.folder_messages(SECOND, "CRM/Skipped").await.is_empty());
    assert_eq!(sim.folder_messages(SECOND, "CRM/Logged").await.len(), 1);
    let logged = app.store().unwrap().logged_messages().unwrap();
    assert_eq!(logged.len(), 1, "logged once");
    assert!(first.review_queue().unwrap().is_empty());
    sim.server.stop().await;
}
