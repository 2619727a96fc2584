//! A subject access (GDPR art. 15) through the command line: everything
//! held about one address in a new 0600 JSON file, checked field by
//! field; a look-alike address left out; an existing file refused; the
//! audit trail records it with a hash, never the address. On both stores.

mod common;

use std::os::unix::fs::PermissionsExt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::NewOpportunity;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_held_about_a_person_is_written_and_nothing_about_anyone_else() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let mut visit = message(
        "maria@northwind.example",
        &["annette@contoso.example"],
        "Visit on Tuesday",
    );
    visit["attachments"] = json!([{"name": "Agenda.pdf", "contentType": "application/pdf",
                                   "contentBytes": STANDARD.encode(b"%PDF-1.4 agenda")}]);
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            visit,
            // Someone else whose address holds hers: not hers.
            message(
                "jmaria@northwind.example",
                &["annette@contoso.example"],
                "Not Maria"
            ),
            // Hers, to no salesperson: skipped, and still held.
            message(
                "maria@northwind.example",
                &["bob@partner.example"],
                "Private note"
            ),
            // Nothing to do with her.
            message("alex@fabrikam.example", &["ben@contoso.example"], "Samples"),
        ]),
    )
    .await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 2, "{r:?}");
    let entry = app
        .log_reader()
        .unwrap()
        .page(
            &emaillog::app::log::LogView {
                contact_no: Some("C4".into()),
                ..Default::default()
            },
            &emaillog::store::Seek::Newest,
            10,
        )
        .unwrap();
    assert_eq!(entry.len(), 1);
    let op = app
        .create_opportunity(
            entry[0].entry_no,
            &NewOpportunity {
                description: "Spring visit".into(),
                status: "In progress".into(),
                estimated_value: None,
                close_date: None,
            },
        )
        .unwrap();
    emaillog_ok(&db, &["capture", "set", "northwind.example", "subject"]);

    let out = dir.path().join("maria.json");
    let o = emaillog_ok(
        &db,
        &[
            "subject-access",
            "Maria@Northwind.example",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(text(&o).contains("1 entries"), "{}", text(&o));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "only its owner may read it");
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["schema"], "emaillog.subject-access/1");
    assert_eq!(doc["address"], "maria@northwind.example");
    let contacts = doc["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["no"], "C4");
    assert_eq!(contacts[0]["name"], "Maria Costa");
    assert_eq!(contacts[0]["company"], "Northwind");
    assert_eq!(contacts[0]["email"], "maria@northwind.example");
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["subject"], "Visit on Tuesday");
    assert_eq!(entries[0]["salesperson_code"], "AH");
    assert_eq!(entries[0]["opportunity_no"], op.as_str());
    let messages = doc["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["subject"], "Visit on Tuesday");
    assert!(
        messages[0]["body"]
            .as_str()
            .unwrap()
            .contains("About Visit on Tuesday"),
        "{}",
        messages[0]["body"]
    );
    assert_eq!(
        messages[0]["recipients"][0]["address"],
        "annette@contoso.example"
    );
    assert_eq!(messages[0]["attachments"][0]["name"], "Agenda.pdf");
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "hers only, not jmaria's: {skipped:?}");
    assert_eq!(skipped[0]["subject"], "Private note");
    let opportunities = doc["opportunities"].as_array().unwrap();
    assert_eq!(opportunities.len(), 1);
    assert_eq!(opportunities[0]["no"], op.as_str());
    assert_eq!(opportunities[0]["description"], "Spring visit");
    assert_eq!(
        doc["capture_rules"],
        json!([{"kind": "domain", "target": "northwind.example", "level": "subject"}])
    );
    assert_eq!(doc["forgotten"], false);
    assert_eq!(
        doc["counts"],
        json!({"contacts": 1, "entries": 1, "messages": 1, "attachments": 1, "skipped": 1, "opportunities": 1})
    );
    let text_out = std::fs::read_to_string(&out).unwrap();
    assert!(!text_out.contains("jmaria") && !text_out.contains("Samples"));

    // An existing file is never overwritten; a non-address is refused.
    let before = std::fs::read(&out).unwrap();
    let o = emaillog_on(
        &db,
        &[
            "subject-access",
            "maria@northwind.example",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    assert_eq!(std::fs::read(&out).unwrap(), before);
    let o = emaillog_on(
        &db,
        &[
            "subject-access",
            "maria",
            "--out",
            dir.path().join("x.json").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not an email address"), "{}", text(&o));

    // The audit trail says it was done, and for whom only as a hash: the
    // same person hashes the same, another differently.
    let second = dir.path().join("maria2.json");
    emaillog_ok(
        &db,
        &[
            "subject-access",
            "maria@northwind.example",
            "--out",
            second.to_str().unwrap(),
        ],
    );
    let other = dir.path().join("alex.json");
    emaillog_ok(
        &db,
        &[
            "subject-access",
            "alex@fabrikam.example",
            "--out",
            other.to_str().unwrap(),
        ],
    );
    let o = emaillog_ok(&db, &["audit", "list", "--json"]);
    let rows: Vec<Value> = serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let accesses: Vec<&Value> = rows
        .iter()
        .filter(|r| r["action"] == "subject_access")
        .collect();
    assert_eq!(accesses.len(), 3);
    let person = |r: &Value| r["detail"]["person"].as_str().unwrap().to_string();
    let (alex, maria2, maria1) = (
        person(accesses[0]),
        person(accesses[1]),
        person(accesses[2]),
    );
    assert_eq!(maria1.len(), 64);
    assert!(maria1.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(maria1, maria2);
    assert_ne!(maria1, alex);
    assert_eq!(accesses[2]["detail"]["counts"]["entries"], 1);
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("maria@"),
        "no address in the trail"
    );
}
