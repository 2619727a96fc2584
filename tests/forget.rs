//! Erasure that sticks, through the command line and the engine: a dry
//! run that changes nothing; a forget with a message shared by two
//! contacts (one forgotten, one kept); the mailbox copies deleted by the
//! engine at its next turn, not before (a kill between the forget's
//! commit and the deletion loses nothing), once; new mail from and to the
//! forgotten address skipped as `forgotten` with nothing of them kept;
//! the audit trail holding a hash, never the address; on SQLite, no trace
//! of them left in the database file. On both stores.

mod common;

use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::NewOpportunity;
use emaillog::store::db::params;
use serde_json::{Value, json};

fn mail(from: &str, to: &[&str], subject: &str, imid: &str) -> Value {
    let mut m = message(from, to, subject);
    m["internetMessageId"] = json!(imid);
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_person_is_gone_from_the_log_the_mailbox_and_future_mail() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            mail(
                "maria@northwind.example",
                &["annette@contoso.example"],
                "Visit on Tuesday",
                "<m1@x>"
            ),
            mail(
                "annette@contoso.example",
                &["maria@northwind.example", "alex@fabrikam.example"],
                "Spring catalogue",
                "<m2@x>"
            ),
            mail(
                "maria@northwind.example",
                &["bob@partner.example"],
                "Private note",
                "<m3@x>"
            ),
            mail(
                "alex@fabrikam.example",
                &["ben@contoso.example"],
                "Samples",
                "<m4@x>"
            ),
        ]),
    )
    .await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!((r.counts.logged, r.counts.entries), (3, 4), "{r:?}");
    let visit = one_i64(
        &db,
        "SELECT min(e.entry_no) FROM interaction_log_entries e WHERE e.contact_no = 'C4'",
    );
    let op = app
        .create_opportunity(
            visit,
            &NewOpportunity {
                description: "Spring visit".into(),
                status: "In progress".into(),
                estimated_value: None,
                close_date: None,
            },
        )
        .unwrap();
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "archive").await),
        ["Samples", "Spring catalogue", "Visit on Tuesday"]
    );
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "Skipped").await),
        ["Private note"]
    );

    // One of our own salespeople is not forgotten this way.
    let o = emaillog_on(&db, &["forget", "annette@contoso.example", "--dry-run"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("salesperson AH"), "{}", text(&o));

    let o = emaillog_on(&db, &["forget", MAILBOX, "--dry-run"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("logging mailbox"), "{}", text(&o));

    // The dry run counts and changes nothing.
    let entries_before = one_i64(&db, "SELECT count(*) FROM interaction_log_entries");
    let o = emaillog_ok(
        &db,
        &["forget", "maria@northwind.example", "--dry-run", "--json"],
    );
    let dry: Value = serde_json::from_slice(&o.stdout).unwrap();
    let want = json!({
        "contacts": 1, "other_addresses": 0, "entries": 2, "messages_removed": 1,
        "messages_kept_without_them": 1, "attachments": 0, "skipped": 1,
        "opportunities_unlinked": 1, "mailbox_deletions": 2, "tombstones": 1
    });
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["counts"], want);
    assert_eq!(dry["contacts"], json!(["C4"]));
    assert_eq!(
        one_i64(&db, "SELECT count(*) FROM interaction_log_entries"),
        entries_before
    );
    assert_eq!(
        one_i64(&db, "SELECT count(*) FROM contacts WHERE no = 'C4'"),
        1
    );
    assert_eq!(one_i64(&db, "SELECT count(*) FROM tombstones"), 0);
    assert_eq!(one_i64(&db, "SELECT count(*) FROM review_requests"), 0);
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'forget'"
        ),
        0
    );

    // For real it asks first; with no terminal to ask on, --yes must say it.
    let o = emaillog_on(&db, &["forget", "--contact", "C4"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("add --yes") && text(&o).contains("2 entries"),
        "{}",
        text(&o)
    );
    assert_eq!(
        one_i64(&db, "SELECT count(*) FROM contacts WHERE no = 'C4'"),
        1
    );

    // Forgotten, by contact record: the same counts.
    let o = emaillog_ok(&db, &["forget", "--contact", "C4", "--yes", "--json"]);
    let done: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(done["counts"], want);
    assert_eq!(
        one_i64(&db, "SELECT count(*) FROM contacts WHERE no = 'C4'"),
        0
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM interaction_log_entries WHERE contact_no = 'C4'"
        ),
        0
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM logged_messages WHERE internet_message_id = '<m1@x>'"
        ),
        0
    );
    assert_eq!(one_i64(&db, "SELECT count(*) FROM skipped_messages"), 0);
    // The shared message stays for Alex, without its body and without her.
    let conn = emaillog::store::testing::connect(&db);
    let (body_null, recipients): (bool, String) = conn
        .query_row(
            "SELECT body IS NULL, recipients FROM logged_messages WHERE internet_message_id = '<m2@x>'",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(body_null);
    assert!(
        !recipients.contains("maria") && recipients.contains("alex@fabrikam.example"),
        "{recipients}"
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id WHERE m.internet_message_id = '<m2@x>' AND e.contact_no = 'C1'"
        ),
        1
    );
    // The opportunity keeps its number, not its contact.
    let op_contact: Option<String> = conn
        .query_row(
            "SELECT contact_no FROM opportunities WHERE no = ?1",
            params![op],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(op_contact, None);
    drop(conn);
    assert_eq!(one_i64(&db, "SELECT count(*) FROM tombstones"), 1);
    // The audit trail says a forget happened, with its counts, whom only as a hash.
    let o = emaillog_ok(&db, &["audit", "list", "--json"]);
    let trail = String::from_utf8_lossy(&o.stdout).to_string();
    let rows: Value = serde_json::from_str(&trail).unwrap();
    let forget = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "forget")
        .unwrap();
    assert_eq!(forget["detail"]["counts"]["entries"], 2);
    assert_eq!(forget["detail"]["people"].as_array().unwrap().len(), 1);
    assert!(
        !trail.contains("maria") && !trail.contains("Maria"),
        "{trail}"
    );

    // Until the engine's next turn the copies are where they were: a
    // forget killed after its commit loses nothing; the requests wait.
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM review_requests WHERE state = 'pending' AND action = 'delete'"
        ),
        2
    );
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "Skipped").await),
        ["Private note"]
    );
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{r:?}");
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "archive").await),
        ["Samples", "Spring catalogue"],
        "her own message's copy deleted, the shared one kept"
    );
    assert!(sim.folder_messages(MAILBOX, "Skipped").await.is_empty());
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM review_requests WHERE state = 'done'"
        ),
        2
    );
    // Nothing is asked twice.
    app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM review_requests WHERE state <> 'done'"
        ),
        0
    );

    // She does not come back: mail from her and to her is skipped as
    // forgotten, and its record keeps nothing of her.
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            mail(
                "maria@northwind.example",
                &["annette@contoso.example"],
                "Are you there?",
                "<m5@x>"
            ),
            mail(
                "annette@contoso.example",
                &["Maria@Northwind.Example"],
                "Re: your visit",
                "<m6@x>"
            ),
        ]),
    )
    .await;
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 0, "{r:?}");
    let conn = emaillog::store::testing::connect(&db);
    let kept: Vec<(String, String, String, String)> = conn
        .query_map(
            "SELECT reason, subject, sender, recipients FROM skipped_messages ORDER BY id",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        kept,
        vec![
            (
                "forgotten".into(),
                String::new(),
                String::new(),
                "[]".into()
            ),
            (
                "forgotten".into(),
                String::new(),
                String::new(),
                "[]".into()
            ),
        ]
    );
    drop(conn);
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "Skipped").await),
        ["Are you there?", "Re: your visit"],
        "moved as the unmatched setting says"
    );

    // Asked what is held about her now: nothing, and that she was forgotten.
    let access = dir.path().join("maria.json");
    emaillog_ok(
        &db,
        &[
            "subject-access",
            "maria@northwind.example",
            "--out",
            access.to_str().unwrap(),
        ],
    );
    let held: Value = serde_json::from_slice(&std::fs::read(&access).unwrap()).unwrap();
    assert_eq!(held["forgotten"], true);
    assert_eq!(
        held["counts"],
        json!({"contacts": 0, "entries": 0, "messages": 0, "attachments": 0, "skipped": 0, "opportunities": 0})
    );
    std::fs::remove_file(&access).unwrap();

    // She is not typed back in either (by the admin, who can tell):
    // the row is refused by its line, without repeating her address.
    let csv = dir.path().join("again.csv");
    std::fs::write(
        &csv,
        "no,name,company,email\nC9,Maria C.,Northwind,MARIA@northwind.example\nC10,Ivan Silva,Northwind,ivan@northwind.example\n",
    )
    .unwrap();
    let o = emaillog_on(&db, &["import", "contacts", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("line 2") && said.contains("forgotten"),
        "{said}"
    );
    assert!(!said.to_lowercase().contains("maria@"), "{said}");
    emaillog_ok(
        &db,
        &[
            "import",
            "contacts",
            csv.to_str().unwrap(),
            "--skip-invalid",
        ],
    );
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM contacts WHERE no IN ('C9', 'C10')"
        ),
        1
    );

    // No trace of her in the database file (SQLite: deleted content
    // overwritten, the search index merged, the log emptied).
    if !emaillog::store::testing::on_postgres() {
        let mut bytes = std::fs::read(&db).unwrap();
        if let Ok(wal) = std::fs::read(db.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for gone in [
            "maria@northwind.example",
            "maria costa",
            "about visit on tuesday",
            "private note",
        ] {
            assert!(
                !text.contains(gone),
                "{gone:?} is still in the database file"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_is_no_contact_is_taken_out_of_the_messages_others_need() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let mut m = mail(
        "annette@contoso.example",
        &["alex@fabrikam.example"],
        "Quote with counsel",
        "<cc@x>",
    );
    m["ccRecipients"] =
        json!([{"emailAddress": {"name": "Counsel", "address": "counsel@legal.example"}}]);
    sim.add(MAILBOX, "inbox", json!([m])).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 1, "{r:?}");
    let o = emaillog_ok(&db, &["forget", "counsel@legal.example", "--yes", "--json"]);
    let done: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(done["contacts"], json!([]));
    assert_eq!(done["counts"]["messages_removed"], 0, "{done}");
    assert_eq!(done["counts"]["messages_kept_without_them"], 1, "{done}");
    assert_eq!(done["counts"]["mailbox_deletions"], 0);
    // Alex's entry and the message stay; the counsel is gone from it.
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM interaction_log_entries WHERE contact_no = 'C1'"
        ),
        1
    );
    let recipients: String = emaillog::store::testing::connect(&db)
        .query_row(
            "SELECT recipients FROM logged_messages WHERE internet_message_id = '<cc@x>'",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !recipients.contains("counsel") && recipients.contains("alex@fabrikam.example"),
        "{recipients}"
    );
    assert_eq!(
        subjects(&sim.folder_messages(MAILBOX, "archive").await),
        ["Quote with counsel"]
    );
}
