//! The logging engine against the simulator over loopback: paging, every skip
//! reason, idempotent reruns, unmatched-mail dispositions, and faults.

mod common;

use common::*;
use emaillog::domain::setup::Unmatched;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::sim::SimConfig;
use serde_json::json;
use std::time::Duration;

async fn sync(app: &emaillog::app::App) -> emaillog::engine::RunReport {
    let (events, _rx) = channel();
    app.sync_once(&events, &Stop::never()).await.unwrap()
}

#[tokio::test]
async fn one_run_follows_many_pages_and_a_second_run_logs_nothing_new() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let (msgs, loggable) = mixed_messages(95, "p");
    sim.add(MAILBOX, "inbox", msgs).await;
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.counts.read, 95, "ten pages of ten in one run");
    assert_eq!(r.counts.logged as usize, loggable);
    assert_eq!(r.counts.skipped as usize, 95 - loggable);
    assert_eq!(
        r.counts.skipped_by_reason["no_match"] as usize,
        95 - loggable
    );
    assert_exactly_once(&sim, &app, 95, loggable).await;
    let again = sync(&app).await;
    assert_eq!(
        (again.counts.read, again.counts.logged, again.counts.entries),
        (0, 0, 0)
    );
    assert_exactly_once(&sim, &app, 95, loggable).await;
    let log = app.job_log(10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].counts.logged as usize, loggable);
}

#[tokio::test]
async fn every_skip_reason_is_recorded_and_the_message_moved_to_skipped() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.store()
        .unwrap()
        .never_log_add("northwind.example")
        .unwrap();
    let good = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "good",
    );
    let mut draft = good.clone();
    draft["isDraft"] = json!(true);
    draft["subject"] = json!("draft");
    let mut no_sender = json!({"subject": "no sender", "toRecipients": [{"emailAddress": {"address": "annette@contoso.example"}}]});
    no_sender["internetMessageId"] = json!("<nosender@x>");
    let no_recipients = message("alex@fabrikam.example", &[], "no recipients");
    let mut copy = good.clone();
    copy["internetMessageId"] = json!("<same@x>");
    let mut copy2 = copy.clone();
    copy2["subject"] = json!("second copy");
    let no_match = message(
        "stranger@else.example",
        &["annette@contoso.example"],
        "no match",
    );
    let never = message(
        "maria@northwind.example",
        &["annette@contoso.example"],
        "never log",
    );
    let mut private = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "private",
    );
    private["singleValueExtendedProperties"] = json!([{"id": "Integer 0x36", "value": "2"}]);
    let mut auto = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "Automatic reply",
    );
    auto["internetMessageHeaders"] = json!([{"name": "Auto-Submitted", "value": "auto-replied"}]);
    let mut broken = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "broken",
    );
    broken["toRecipients"] = json!([{"emailAddress": {"address": "annette@contoso.example"}}]);
    broken["isDraft"] = json!(false);
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            draft,
            no_sender,
            no_recipients,
            copy,
            no_match,
            never,
            private,
            auto
        ]),
    )
    .await;
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    // The second copy of an already logged email arrives later.
    sim.add(MAILBOX, "inbox", json!([copy2])).await;
    let r2 = sync(&app).await;
    let mut reasons = r.counts.skipped_by_reason.clone();
    for (k, v) in r2.counts.skipped_by_reason {
        *reasons.entry(k).or_default() += v;
    }
    for code in [
        "draft",
        "no_sender",
        "no_recipients",
        "already_logged",
        "no_match",
        "never_log",
        "sensitive",
        "auto_generated",
    ] {
        assert_eq!(reasons.get(code), Some(&1), "{code} in {reasons:?}");
    }
    assert_eq!(r.counts.logged, 1);
    let skipped = sim.folder_messages(MAILBOX, "Skipped").await;
    assert_eq!(skipped.len(), 7, "every skipped message but the copy");
    assert_eq!(
        sim.folder_messages(MAILBOX, "archive").await.len(),
        2,
        "the copy of a logged email is in Archive beside the original"
    );
    let rows = app.store().unwrap().skipped(100).unwrap();
    for r in &rows {
        let want = if r.reason == "already_logged" {
            "archived"
        } else {
            "moved"
        };
        assert_eq!(r.disposition, want, "{r:?}");
    }
    assert!(
        rows.iter()
            .find(|r| r.reason == "no_match")
            .unwrap()
            .detail
            .contains("add the sender")
    );
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_quarantined_after_max_attempts() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    // A subject that is not a string: the message cannot be read.
    let mut odd = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "bad shape",
    );
    odd["subject"] = json!({"not": "a string"});
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            odd,
            message(
                "alex@fabrikam.example",
                &["annette@contoso.example"],
                "fine"
            )
        ]),
    )
    .await;
    let r1 = sync(&app).await;
    assert_eq!(
        (r1.counts.logged, r1.counts.failed),
        (1, 1),
        "one bad message never stops the others"
    );
    let r2 = sync(&app).await;
    assert_eq!(r2.counts.failed, 1);
    let r3 = sync(&app).await;
    assert_eq!(
        r3.counts.skipped_by_reason.get("failed"),
        Some(&1),
        "third attempt: moved aside"
    );
    assert!(sim.folder_messages(MAILBOX, "inbox").await.is_empty());
    assert_eq!(sim.folder_messages(MAILBOX, "Skipped").await.len(), 1);
}

#[tokio::test]
async fn unmatched_mail_can_be_deleted_or_left() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        unmatched: Some(Unmatched::Leave),
        ..Default::default()
    })
    .unwrap();
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            message(
                "stranger@else.example",
                &["annette@contoso.example"],
                "left"
            ),
            message(
                "alex@fabrikam.example",
                &["annette@contoso.example"],
                "logged"
            )
        ]),
    )
    .await;
    let r = sync(&app).await;
    assert_eq!((r.counts.logged, r.counts.skipped), (1, 1));
    assert_eq!(
        sim.folder_messages(MAILBOX, "inbox").await.len(),
        1,
        "left in the Inbox"
    );
    let r = sync(&app).await;
    assert_eq!(
        (r.counts.read, r.counts.skipped),
        (0, 0),
        "a left message is not read again"
    );

    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        unmatched: Some(Unmatched::Delete),
        ..Default::default()
    })
    .unwrap();
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "other@else.example",
            &["annette@contoso.example"],
            "deleted"
        )]),
    )
    .await;
    let r = sync(&app).await;
    assert_eq!(r.counts.skipped, 1, "one new skip record");
    assert_eq!(
        sim.folder_messages(MAILBOX, "deleteditems").await.len(),
        2,
        "the message left before is now deleted too"
    );
    assert_eq!(
        app.store().unwrap().count_skipped().unwrap(),
        2,
        "recorded once each"
    );
}

#[tokio::test]
async fn a_move_that_fails_after_the_commit_is_finished_next_run_without_duplicates() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        batch_size: Some(50),
        ..Default::default()
    })
    .unwrap();
    let (msgs, loggable) = mixed_messages(20, "m");
    sim.add(MAILBOX, "inbox", msgs).await;
    // Every move fails: the entries are committed, the messages stay.
    sim.control(reqwest::Method::POST, "/_sim/faults", Some(json!({"path_prefix": format!("/v1.0/users/{MAILBOX}/messages"), "status_rates": {"503": 1.0}}))).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(
        r.counts.logged as usize, loggable,
        "committed before the moves"
    );
    assert!(
        r.error.as_ref().is_some_and(|e| e.is_retryable()),
        "the run stops when the service is down: {:?}",
        r.error
    );
    assert_eq!(sim.folder_messages(MAILBOX, "inbox").await.len(), 20);
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(
        r.counts.archived_only as usize, loggable,
        "already logged: only moved"
    );
    assert_eq!(r.counts.logged, 0);
    assert_exactly_once(&sim, &app, 20, loggable).await;
}

#[tokio::test]
async fn throttling_server_errors_resets_garbled_json_and_expired_tokens_lose_and_double_nothing() {
    let sim = TestSim::start(SimConfig {
        limit: 60,
        window: Duration::from_secs(2),
        concurrency: 2,
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    // Our pacer assumes Graph's real limits; the simulator's are far lower, so 429s come.
    let (msgs, loggable) = mixed_messages(150, "f");
    sim.add(MAILBOX, "inbox", msgs).await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/", "status_rates": {"503": 0.1, "500": 0.05}, "reset_rate": 0.05, "malformed_rate": 0.05})),
    )
    .await;
    let base = sim.base.clone();
    let expirer = tokio::spawn(async move {
        let http = reqwest::Client::new();
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let _ = http.post(format!("{base}/_sim/tokens/expire")).send().await;
        }
    });
    let runs = sync_until_done(&sim, &app, 30).await;
    expirer.abort();
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    let stats = sim.control(reqwest::Method::GET, "/_sim/stats", None).await;
    assert!(
        stats.body["throttled_window"].as_u64().unwrap()
            + stats.body["throttled_concurrency"].as_u64().unwrap()
            > 0,
        "429s were met: {}",
        stats.body
    );
    assert!(runs.len() < 30, "finished: {runs:?}");
    assert_exactly_once(&sim, &app, 150, loggable).await;
}
