//! Moving up without losing history: `emaillog migrate --to` copies a
//! SQLite database (setup and its sealed secret, directory, entries,
//! logged messages with bodies, an opportunity, skipped records, never-log
//! rules, runs) into an empty PostgreSQL database, the key file along,
//! and back into a new file; counts and checksums agree each way, the
//! copy works as the original did (the log, search, the secret opens),
//! and a row changed after the copy shows in the comparison. The only
//! test in its binary: it sets the configuration folder.

mod common;

use std::path::Path;

use common::postgres::{Postgres, available};
use common::{TestSim, emaillog_on, engine_app, mixed_messages};
use emaillog::app::App;
use emaillog::app::log::LogView;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::db::params;
use emaillog::store::{NewOpportunity, Seek};

/// The whole log as (entry number, subject, mailbox), newest first.
fn log_of(app: &App, search: Option<&str>) -> Vec<(i64, String, String)> {
    let view = LogView {
        search: search.map(str::to_string),
        ..LogView::default()
    };
    app.log_reader()
        .unwrap()
        .page(&view, &Seek::Newest, 10_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.entry_no, e.subject, e.mailbox))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_moves_to_postgres_and_back_with_nothing_lost() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary; nothing reads the environment
    // concurrently yet. The key file of a PostgreSQL store lives here.
    unsafe { std::env::set_var("XDG_CONFIG_HOME", dir.path().join("config")) };
    let sim = TestSim::default().await;
    let app = engine_app(&sim, dir.path());
    if app.db_path().to_string_lossy().starts_with("postgres") {
        // The PostgreSQL pass hands out PostgreSQL stores: this test's
        // own is the SQLite file it moves up.
        return;
    }
    let (msgs, loggable) = mixed_messages(40, "m");
    sim.add(common::MAILBOX, "inbox", msgs).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged as usize, loggable);
    let first = log_of(&app, None);
    let op = app
        .create_opportunity(
            first[0].0,
            &NewOpportunity {
                description: "Rammeavtale Ærø".into(),
                status: "In progress".into(),
                estimated_value: None,
                close_date: Some("2027-01-31".into()),
            },
        )
        .unwrap();
    app.never_log("bergen.example").unwrap();
    let secret = app
        .client_secret(&app.store().unwrap())
        .unwrap()
        .expect("a sealed client secret");

    let url = pg.database("moved");
    let src = app.db_path().to_path_buf();
    let out = emaillog_on(&src, &["migrate", "--to", &url, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tables = report["tables"].as_array().unwrap();
    assert_eq!(tables.len(), emaillog::store::copy::COPIED.len());
    assert!(tables.iter().all(|t| t["matches"] == true), "{report}");
    let rows = |name: &str| {
        tables.iter().find(|t| t["table"] == name).unwrap()["rows"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(rows("logged_messages") as usize, loggable);
    assert_eq!(rows("interaction_log_entries"), u64::from(r.counts.entries));
    assert_eq!(rows("opportunities"), 1);
    assert!(rows("skipped_messages") > 0 && rows("job_queue_log_entries") == 1);

    // The copy works as the original did.
    let moved = App::new(url.clone());
    assert_eq!(log_of(&moved, None), first);
    let word = first[0].1.split_whitespace().last().unwrap().to_string();
    assert_eq!(log_of(&moved, Some(&word)), log_of(&app, Some(&word)));
    assert_eq!(moved.opportunity_entries(&op).unwrap().len(), 1);
    assert_eq!(
        moved.never_log_rules().unwrap(),
        app.never_log_rules().unwrap()
    );
    let opened = moved.client_secret(&moved.store().unwrap()).unwrap();
    assert_eq!(
        opened.map(|s| s.expose().to_string()),
        Some(secret.expose().to_string()),
        "the key went along"
    );
    let detail = moved.log_reader().unwrap().message(first[0].0).unwrap();
    assert!(
        !detail.message.body.as_deref().unwrap_or("").is_empty(),
        "bodies copied"
    );
    // New rows get new numbers after the copied ones.
    let op2 = moved
        .create_opportunity(
            first[1].0,
            &NewOpportunity {
                description: "Second".into(),
                status: "In progress".into(),
                estimated_value: None,
                close_date: None,
            },
        )
        .unwrap();
    assert_ne!(op2, op);

    // Refused: into a database that has the schema, or onto itself.
    let again = emaillog_on(&src, &["migrate", "--to", &url]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already"));

    // And back into a new file: a backup is a file again.
    let back = dir.path().join("back.db");
    let out = emaillog_on(
        Path::new(&url),
        &["migrate", "--to", back.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("every count and checksum matches"));
    let restored = App::new(back.clone());
    assert_eq!(log_of(&restored, None), first);
    assert_eq!(
        log_of(&restored, Some(&word)),
        log_of(&app, Some(&word)),
        "searchable again"
    );
    assert!(
        restored
            .client_secret(&restored.store().unwrap())
            .unwrap()
            .is_some()
    );
    // Beside the original: only what was done on PostgreSQL differs (the
    // second opportunity, its making in the contact's timeline, its
    // entry's link to it, and the message opened there, in the audit
    // trail); and a row changed behind the comparison's back shows.
    let differ = |app: &App| -> Vec<&'static str> {
        app.compare_with(&back)
            .unwrap()
            .iter()
            .filter(|t| !t.matches())
            .map(|t| t.table)
            .collect()
    };
    assert_eq!(
        differ(&app),
        [
            "opportunities",
            "opportunity_changes",
            "interaction_log_entries",
            "audit_log"
        ]
    );
    // The trail's row written on PostgreSQL (by its server's function)
    // chains on from the one copied from SQLite (the never-log entry
    // added), and the two verify in the file they came back to.
    let verified = emaillog_on(&back, &["audit", "verify"]);
    assert!(
        verified.status.success()
            && String::from_utf8_lossy(&verified.stdout).contains("2 rows checked"),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let changed = emaillog::store::testing::connect(&back)
        .execute(
            "UPDATE contacts SET name = upper(name) WHERE no = (SELECT min(no) FROM contacts) AND name <> upper(name)",
            params![],
        )
        .unwrap();
    assert_eq!(changed, 1, "one name changed, its length kept");
    assert_eq!(
        differ(&app),
        [
            "contacts",
            "opportunities",
            "opportunity_changes",
            "interaction_log_entries",
            "audit_log"
        ]
    );
    sim.server.stop().await;
}
