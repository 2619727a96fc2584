//! Links from the service are checked before they are kept, and every loop
//! over the service's answers is bounded. A fake Graph service on loopback
//! (plain HTTP, allowed on loopback only) answers the Inbox delta query
//! with a link that repeats itself or points at another origin.

mod common;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::routing::{get, post};
use common::*;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::AuthFlow;
use serde_json::{Value, json};

#[derive(Clone)]
struct Fake {
    base: String,
    /// What a delta query answers: "repeat", "foreign:URL" or "done".
    mode: Arc<std::sync::Mutex<String>>,
    delta_requests: Arc<AtomicUsize>,
    /// The query strings the delta endpoint was asked with.
    asked: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn delta(State(f): State<Fake>, uri: Uri) -> axum::Json<Value> {
    f.delta_requests.fetch_add(1, Ordering::SeqCst);
    f.asked
        .lock()
        .unwrap()
        .push(uri.query().unwrap_or_default().to_string());
    let here = format!("{}{}", f.base, uri);
    let mode = f.mode.lock().unwrap().clone();
    axum::Json(match mode.as_str() {
        "repeat" => json!({"value": [], "@odata.nextLink": here}),
        "done" => {
            json!({"value": [], "@odata.deltaLink": format!("{}/v1.0/users/{MAILBOX}/mailFolders/inbox/messages/delta?$deltatoken=ok", f.base)})
        }
        other => json!({"value": [], "@odata.nextLink": other.trim_start_matches("foreign:")}),
    })
}

async fn fake_graph() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let fake = Fake {
        base,
        mode: Arc::new(std::sync::Mutex::new("done".into())),
        delta_requests: Arc::new(AtomicUsize::new(0)),
        asked: Arc::new(std::sync::Mutex::new(Vec::new())),
    };
    let app = Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(|| async {
                axum::Json(json!({"access_token": "fake-token", "token_type": "Bearer", "expires_in": 3600}))
            }),
        )
        .route(
            "/v1.0/users/{mailbox}/mailFolders/inbox",
            get(|| async { axum::Json(json!({"id": "inbox", "totalItemCount": 0})) }),
        )
        .route(
            "/v1.0/users/{mailbox}/mailFolders/inbox/messages/delta",
            get(delta),
        )
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

/// `sync --once --json`, killed after 60 s: a run that loops fails the
/// test instead of hanging it.
fn sync_json(db: &std::path::Path) -> (Option<i32>, Value) {
    let mut child = emaillog_cmd()
        .arg("--db")
        .arg(db)
        .args(["sync", "--once", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("sync --once did not end within 60 s: it loops");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_that_repeat_or_leave_the_service_end_the_run_and_are_never_kept() {
    let fake = fake_graph().await;
    let dir = tempfile::tempdir().unwrap();
    let app = emaillog::app::App::new(emaillog::store::testing::fresh_database(
        dir.path(),
        "links.db",
    ));
    app.change_setup(&SetupChanges {
        mailbox: Some(MAILBOX.into()),
        tenant: Some("contoso.example".into()),
        client_id: Some("app".into()),
        graph_url: Some(format!("{}/v1.0", fake.base)),
        authority: Some(fake.base.clone()),
        auth_flow: Some(AuthFlow::ClientCredentials),
        ..Default::default()
    })
    .unwrap();
    app.set_client_secret("fake-secret").unwrap();
    let db = app.db_path().to_path_buf();
    let key = app.store().unwrap().mailbox_key();
    let cursor = || app.store().unwrap().read_cursor(&key).unwrap();

    // A nextLink that names itself: the run stops at its second sight.
    *fake.mode.lock().unwrap() = "repeat".into();
    let (code, v) = sync_json(&db);
    assert_eq!(code, Some(1));
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("same next link twice")),
        "{v}"
    );
    assert_eq!(
        fake.delta_requests.load(Ordering::SeqCst),
        2,
        "one look at the repeated link, no loop"
    );

    // A nextLink to another origin: refused, and not kept as the cursor.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let foreign = format!(
        "http://{}/v1.0/users/{MAILBOX}/mailFolders/inbox/messages/delta?$skiptoken=x",
        trap.local_addr().unwrap()
    );
    *fake.mode.lock().unwrap() = format!("foreign:{foreign}");
    let kept_before = cursor();
    let (code, v) = sync_json(&db);
    assert_eq!(code, Some(1));
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("the service pointed to") && e.contains("was not kept")),
        "{v}"
    );
    assert_eq!(cursor(), kept_before, "the foreign link was not stored");
    assert!(trap.accept().is_err(), "nothing reached the other origin");

    // A cursor of another origin kept in the database (written there by
    // someone who can write it): dropped, and the Inbox read from the start.
    *fake.mode.lock().unwrap() = "done".into();
    {
        let conn = emaillog::store::testing::connect(&db);
        conn.execute(
            "INSERT INTO read_cursors (mailbox, cursor, updated_at) VALUES (?1, ?2, '2026-01-01T00:00:00.000Z')
             ON CONFLICT(mailbox) DO UPDATE SET cursor = excluded.cursor",
            emaillog::store::db::params![key, foreign],
        )
        .unwrap();
    }
    fake.asked.lock().unwrap().clear();
    let (code, v) = sync_json(&db);
    assert_eq!(code, Some(0), "{v}");
    let asked = fake.asked.lock().unwrap().clone();
    assert!(
        asked.len() == 1 && asked[0].contains("%24select"),
        "read from the start: {asked:?}"
    );
    assert!(
        cursor().is_some_and(|c| c.starts_with(&fake.base)),
        "{:?}",
        cursor()
    );
    assert!(trap.accept().is_err(), "nothing reached the other origin");
}
