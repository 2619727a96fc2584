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
    // The Inbox folder answers: the service is up, these moves failed
    // (one attempt each), and the run went on.
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.counts.failed, 20);
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
        Some(json!({"path_prefix": "/", "status_rates": {"429": 0.05, "503": 0.1, "500": 0.05}, "reset_rate": 0.05, "malformed_rate": 0.05})),
    )
    .await;
    let base = sim.base.clone();
    let expirer = tokio::spawn(async move {
        let http = trusting_client();
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
    // The window throttle fires only when requests come fast enough, which a
    // loaded machine may not do; injected 429s come whatever the pace.
    // Count every fault that landed.
    let count = |k: &str| stats.body["injected"][k].as_u64().unwrap_or(0);
    assert!(
        stats.body["throttled_window"].as_u64().unwrap()
            + stats.body["throttled_concurrency"].as_u64().unwrap()
            + count("429")
            > 0,
        "429s were met: {}",
        stats.body
    );
    for fault in ["503", "500", "reset", "malformed"] {
        assert!(count(fault) > 0, "{fault} faults landed: {}", stats.body);
    }
    assert!(runs.len() < 30, "finished: {runs:?}");
    assert_exactly_once(&sim, &app, 150, loggable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_thousand_messages_left_at_the_head_of_the_inbox_never_keep_new_mail_from_being_logged()
{
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        unmatched: Some(Unmatched::Leave),
        batch_size: Some(1000),
        ..Default::default()
    })
    .unwrap();
    // 6,000 unmatched messages, the oldest in the Inbox, are left there.
    let old: Vec<serde_json::Value> = (0..6000)
        .map(|i| {
            let mut m = message(
                &format!("stranger{i}@else.example"),
                &["annette@contoso.example"],
                &format!("left {i}"),
            );
            m["receivedDateTime"] = json!("2024-01-01T00:00:00Z");
            m
        })
        .collect();
    sim.add(MAILBOX, "inbox", serde_json::Value::Array(old))
        .await;
    let mut runs = 0;
    loop {
        let r = sync(&app).await;
        assert!(r.error.is_none(), "{:?}", r.error);
        runs += 1;
        if r.counts.read == 0 || runs > 3 {
            break;
        }
    }
    assert_eq!(app.store().unwrap().count_skipped().unwrap(), 6000);
    assert_eq!(sim.folder_messages(MAILBOX, "inbox").await.len(), 6000);

    // New mail after them is logged by the next run, which reads only it.
    let (new, loggable) = mixed_messages(20, "new");
    sim.add(MAILBOX, "inbox", new).await;
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.counts.read, 20, "the messages left behind cost nothing");
    assert_eq!(r.counts.logged as usize, loggable);
    assert_eq!(
        sim.folder_messages(MAILBOX, "inbox").await.len(),
        6000 + (20 - loggable),
        "only the left ones stay"
    );
}

#[tokio::test]
async fn an_expired_read_cursor_reads_the_inbox_again_and_logs_nothing_twice() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let (msgs, loggable) = mixed_messages(30, "x");
    sim.add(MAILBOX, "inbox", msgs).await;
    // Every move fails: the messages are logged and stay in the Inbox.
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"fail_paths": {"/move": 500}})),
    )
    .await;
    let r = sync(&app).await;
    assert_eq!(r.counts.logged as usize, loggable);
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    // The service forgets the delta state (410 syncStateNotFound).
    sim.control(reqwest::Method::POST, "/_sim/delta/expire", None)
        .await;
    let (more, more_loggable) = mixed_messages(10, "y");
    sim.add(MAILBOX, "inbox", more).await;
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(
        r.counts.logged as usize, more_loggable,
        "only the new mail is logged"
    );
    assert_eq!(
        r.counts.archived_only as usize, loggable,
        "the rest only moved"
    );
    assert_exactly_once(&sim, &app, 40, loggable + more_loggable).await;
}

#[tokio::test]
async fn a_deleted_skipped_folder_is_made_again() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let token = sim.app_token().await;
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "who@else.example",
            &["annette@contoso.example"],
            "one"
        )]),
    )
    .await;
    sync(&app).await;
    let f = sim
        .get(
            &token,
            &format!("/v1.0/users/{MAILBOX}/mailFolders?$filter=displayName eq 'Skipped'"),
        )
        .await;
    let id = f.body["value"][0]["id"].as_str().unwrap().to_string();
    let del = sim
        .http
        .delete(sim.url(&format!("/v1.0/users/{MAILBOX}/mailFolders/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status().as_u16(), 204);
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "who2@else.example",
            &["annette@contoso.example"],
            "two"
        )]),
    )
    .await;
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(
        sim.folder_messages(MAILBOX, "Skipped").await.len(),
        1,
        "the new Skipped folder holds the new message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_move_always_fails_is_marked_stuck_shown_and_retried_on_request() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            message(
                "alex@fabrikam.example",
                &["annette@contoso.example"],
                "cursed"
            ),
            message(
                "sofia@fabrikam.example",
                &["annette@contoso.example"],
                "fine"
            )
        ]),
    )
    .await;
    let subject_id = |subject: &str, list: &[serde_json::Value]| {
        list.iter()
            .find(|m| m["subject"] == subject)
            .map(|m| m["id"].as_str().unwrap().to_string())
    };
    // The engine moves by immutable id; the control API names both.
    let immutable = sim.folder_messages_immutable(MAILBOX, "inbox").await;
    let cursed = subject_id("cursed", &immutable).unwrap();
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"fail_paths": {format!("{cursed}/move"): 500}})),
    )
    .await;
    let mut runs = 0;
    while app.stuck_messages().unwrap().is_empty() {
        let r = sync(&app).await;
        assert!(
            r.error.is_none(),
            "one message's trouble never fails the run: {:?}",
            r.error
        );
        runs += 1;
        assert!(runs <= 5, "never marked stuck");
    }
    assert_eq!(
        runs, 4,
        "three failed moves, then the quarantine move fails too"
    );
    assert_eq!(
        app.store().unwrap().count_entries().unwrap(),
        2,
        "both logged"
    );
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 1);
    // Never read or retried again: a run has nothing to do.
    let r = sync(&app).await;
    assert_eq!((r.counts.read, r.counts.failed), (0, 0));
    // `job status` shows it with what to do.
    let out = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .args(["job", "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("need attention") && text.contains(&cursed),
        "{text}"
    );
    assert!(text.contains("emaillog job retry"), "{text}");
    // Fixed, and retried on request: archived.
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    let out = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .args(["job", "retry", &cursed])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = sync(&app).await;
    assert_eq!(r.counts.archived_only, 1);
    assert!(app.stuck_messages().unwrap().is_empty());
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 2);
    assert!(sim.folder_messages(MAILBOX, "inbox").await.is_empty());
}

/// The certificate is checked: a simulator whose CA nobody trusts is never
/// talked to (the run fails, retryably, and nothing is logged or moved).
#[tokio::test]
async fn a_service_whose_certificate_is_not_trusted_is_refused() {
    let trusted = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&trusted, dir.path());
    let stranger = emaillog::sim::SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            tls: true,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap();
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        graph_url: Some(stranger.graph_url()),
        authority: Some(stranger.base_url()),
        ..Default::default()
    })
    .unwrap();
    app.set_client_secret(&trusted.config.client_secret)
        .unwrap();
    let r = sync(&app).await;
    let e = r.error.expect("refused");
    // Said as it is, and not retried as if the network were down.
    assert!(!e.is_retryable(), "{e}");
    assert!(
        e.to_string().contains(
            "the server's certificate is not trusted (UnknownIssuer): pass its CA with --ca-file or EMAILLOG_CA_FILE"
        ),
        "{e}"
    );
    assert_eq!(app.store().unwrap().count_logged_messages().unwrap(), 0);
    stranger.stop().await;
}

/// The job queue log keeps a bounded history: after a run, runs older than
/// the setup's run history are deleted (a run in progress never is), the
/// recent ones and the run itself stay.
#[tokio::test]
async fn a_run_deletes_runs_older_than_the_run_history() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        run_history_days: Some(2),
        ..Default::default()
    })
    .unwrap();
    let store = app.store().unwrap();
    let now = chrono::Utc::now();
    let counts = emaillog::store::RunCounts::default();
    for days in [40, 3, 1] {
        let at = now - chrono::Duration::days(days);
        let id = store.start_job_log(at, "old", "old-host").unwrap();
        store
            .finish_job_log(
                id,
                at + chrono::Duration::seconds(2),
                "Success",
                &counts,
                None,
            )
            .unwrap();
    }
    // Left In process by a dead engine: kept for a person to see.
    store
        .start_job_log(now - chrono::Duration::days(10), "old", "dead-host")
        .unwrap();
    assert_eq!(app.job_log(100).unwrap().len(), 4);
    sim.add(MAILBOX, "inbox", mixed_messages(3, "h").0).await;
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    let left: Vec<String> = app
        .job_log(100)
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {}", r.run_by, r.status))
        .collect();
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(
        left.iter().any(|r| r.starts_with("old Interrupted")),
        "{left:?}"
    );
    assert_eq!(
        left.iter().filter(|r| r.ends_with("Success")).count(),
        2,
        "{left:?}"
    );
    let e = app
        .change_setup(&emaillog::app::setup_edit::SetupChanges {
            run_history_days: Some(0),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
    assert!(e.contains("between 1 and 3,650 days"), "{e}");
}
