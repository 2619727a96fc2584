//! The queue, storage and Skipped folders of the older experience, as
//! paths: validate finds them (listing what is there when one is not) and
//! makes the storage and Skipped folders when asked, never the queue; the
//! engine reads only the queue folder and moves mail to the others.

mod common;

use common::{MAILBOX, TestSim, engine_app, mixed_messages};
use emaillog::app::setup_edit::SetupChanges;

fn check<'a>(
    checks: &'a [emaillog::app::validate::Check],
    name: &str,
) -> &'a emaillog::app::validate::Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_read_from_the_queue_folder_and_kept_in_the_storage_folder() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        queue_folder: Some("crm/Email Logging/Queue".into()),
        storage_folder: Some("CRM/Email Logging/Storage".into()),
        skip_folder: Some("CRM/Email Logging/Skipped".into()),
        ..Default::default()
    })
    .unwrap();
    // Mail already in the Inbox is not the queue's: it is never read.
    let (inbox_mail, _) = mixed_messages(5, "inbox");
    sim.add(MAILBOX, "inbox", inbox_mail).await;
    sim.add(MAILBOX, "CRM/Other", serde_json::json!([])).await;

    // A queue folder that is not there: said, with what is there instead.
    let checks = app.validate().await.unwrap();
    let queue = check(&checks, "queue folder");
    assert!(!queue.passed, "{queue:?}");
    assert!(
        queue.detail.contains("crm has no folder 'Email Logging'")
            && queue.detail.contains("Other"),
        "{queue:?}"
    );
    let (msgs, loggable) = mixed_messages(30, "q");
    sim.add(MAILBOX, "CRM/Email Logging/Queue", msgs).await;
    let checks = app.validate().await.unwrap();
    assert!(check(&checks, "queue folder").passed, "found in any case");
    let storage = check(&checks, "storage folder");
    assert!(
        !storage.passed && storage.detail.contains("Storage"),
        "{storage:?}"
    );
    assert!(
        storage
            .fix
            .as_deref()
            .is_some_and(|f| f.contains("--create-folders")),
        "{storage:?}"
    );
    // A run before the folders are made stops at the first move, says
    // why, and loses nothing.
    let (events, _rx) = emaillog::engine::events::channel();
    let r = app
        .sync_once(&events, &emaillog::engine::Stop::never())
        .await
        .unwrap();
    let why = r.error.expect("the run stops").to_string();
    assert!(why.contains("Storage") || why.contains("Skipped"), "{why}");
    let checks = app.validate_with(true, |_| {}).await.unwrap();
    for name in ["queue folder", "storage folder", "Skipped folder"] {
        assert!(check(&checks, name).passed, "{:?}", check(&checks, name));
    }
    assert!(check(&checks, "storage folder").detail.contains("created"));
    assert!(
        sim.folder_messages(MAILBOX, "CRM/Email Logging/Queue")
            .await
            .len()
            == 30,
        "validate made no folder it must not and moved nothing"
    );

    sync_until_done_in(&sim, &app, "CRM/Email Logging/Queue").await;
    assert_eq!(
        sim.folder_messages(MAILBOX, "CRM/Email Logging/Storage")
            .await
            .len(),
        loggable
    );
    assert_eq!(
        sim.folder_messages(MAILBOX, "CRM/Email Logging/Skipped")
            .await
            .len(),
        30 - loggable
    );
    assert_eq!(
        sim.folder_messages(MAILBOX, "inbox").await.len(),
        5,
        "the Inbox is untouched"
    );
    assert!(sim.folder_messages(MAILBOX, "archive").await.is_empty());
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    assert_eq!(logged.len(), loggable);
    assert!(
        logged
            .iter()
            .all(|m| m.location == "archive" && !m.web_link.is_empty())
    );

    // A new storage folder: mail logged before keeps its links.
    let links: Vec<String> = logged.iter().map(|m| m.web_link.clone()).collect();
    app.change_setup(&SetupChanges {
        storage_folder: Some("CRM/Logged 2027".into()),
        ..Default::default()
    })
    .unwrap();
    assert!(
        app.validate_with(true, |_| {})
            .await
            .unwrap()
            .iter()
            .all(|c| c.passed || c.name != "storage folder")
    );
    let (more, more_loggable) = mixed_messages(10, "later");
    sim.add(MAILBOX, "CRM/Email Logging/Queue", more).await;
    sync_until_done_in(&sim, &app, "CRM/Email Logging/Queue").await;
    assert_eq!(
        sim.folder_messages(MAILBOX, "CRM/Logged 2027").await.len(),
        more_loggable
    );
    let after = app.store().unwrap().logged_messages().unwrap();
    assert_eq!(
        after.len(),
        loggable + more_loggable,
        "nothing logged twice"
    );
    let kept: Vec<String> = after
        .iter()
        .take(loggable)
        .map(|m| m.web_link.clone())
        .collect();
    assert_eq!(kept, links);
    sim.server.stop().await;
}

/// Runs until `folder` (the queue) is empty, at most five runs.
async fn sync_until_done_in(sim: &TestSim, app: &emaillog::app::App, folder: &str) {
    for _ in 0..5 {
        let (events, _rx) = emaillog::engine::events::channel();
        let r = app
            .sync_once(&events, &emaillog::engine::Stop::never())
            .await
            .unwrap();
        assert!(r.error.is_none(), "{:?}", r.error);
        if sim.folder_messages(MAILBOX, folder).await.is_empty() {
            return;
        }
    }
    panic!("{folder} not emptied in five runs");
}

fn listed(entries: &[emaillog::mail::FolderEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            format!(
                "{}{} {}",
                e.name,
                if e.children { "/" } else { "" },
                e.messages.map_or("?".into(), |n| n.to_string())
            )
        })
        .collect()
}

fn steps(path: &[&str]) -> Vec<String> {
    path.iter().map(|s| s.to_string()).collect()
}

/// The Setup screen's folder picker reads the mailbox one level at a time
/// through the application API: what is under a folder (with whether it
/// has folders of its own and how many messages), past Graph's pages, a
/// first step that is a well-known name, and a step that is not there said
/// as such; a queue folder that is not there does not stop it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_picker_browses_the_mailbox_level_by_level() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        queue_folder: Some("CRM/Not Yet".into()),
        ..Default::default()
    })
    .unwrap();
    let (msgs, _) = mixed_messages(3, "q");
    sim.add(MAILBOX, "CRM/Email Logging/Queue", msgs).await;
    sim.add(MAILBOX, "inbox/Kunder", serde_json::json!([]))
        .await;
    for i in 0..120 {
        sim.add(
            MAILBOX,
            &format!("CRM/Many/Folder {i:03}"),
            serde_json::json!([]),
        )
        .await;
    }
    let top = listed(&app.browse_folders(&[]).await.unwrap());
    for want in ["Inbox/ 0", "Archive 0", "CRM/ 0"] {
        assert!(top.contains(&want.to_string()), "{want} in {top:?}");
    }
    assert_eq!(
        listed(&app.browse_folders(&steps(&["crm"])).await.unwrap()),
        ["Email Logging/ 0", "Many/ 0"]
    );
    assert_eq!(
        listed(
            &app.browse_folders(&steps(&["CRM", "email logging"]))
                .await
                .unwrap()
        ),
        ["Queue 3"]
    );
    assert_eq!(
        listed(&app.browse_folders(&steps(&["inbox"])).await.unwrap()),
        ["Kunder 0"],
        "a first step that is a well-known name"
    );
    let many = app.browse_folders(&steps(&["CRM", "Many"])).await.unwrap();
    assert_eq!(many.len(), 120, "every page read");
    assert_eq!(many[119].name, "Folder 119");
    let e = app
        .browse_folders(&steps(&["CRM", "Nope"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("CRM has no folder 'Nope'") && e.contains("go up a level"),
        "{e}"
    );
    sim.server.stop().await;
}
