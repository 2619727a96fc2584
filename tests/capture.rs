//! Capture levels through the command line and the engine: a domain at
//! `subject`, an address and a salesperson at `metadata`, and what the
//! store holds of each message afterwards (subject, body, attachments,
//! the entries' subjects); every change in the audit trail. On both
//! stores.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::db::params;
use serde_json::json;

/// What the store kept of the message with `imid`: its subject, whether
/// it has a body, its attachments, its entries' subjects.
fn kept(db: &std::path::Path, imid: &str) -> (String, bool, i64, Vec<String>) {
    let conn = emaillog::store::testing::connect(db);
    let (id, subject, has_body): (i64, String, bool) = conn
        .query_row(
            "SELECT id, subject, body IS NOT NULL FROM logged_messages WHERE internet_message_id = ?1",
            params![imid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let attachments: i64 = conn
        .query_row(
            "SELECT count(*) FROM message_attachments WHERE logged_message_id = ?1",
            params![id],
            |r| r.get(0),
        )
        .unwrap();
    let entries: Vec<String> = conn
        .query_map(
            "SELECT subject FROM interaction_log_entries WHERE logged_message_id = ?1",
            params![id],
            |r| r.get(0),
        )
        .unwrap();
    (subject, has_body, attachments, entries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_capture_level_keeps_what_it_says_for_domains_addresses_and_salespeople() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();

    // Typed wrong: said so, nothing set.
    for (args, says) in [
        (
            vec!["capture", "set", "northwind.example", "most"],
            "full, subject or metadata",
        ),
        (
            vec!["capture", "set", "XX", "subject"],
            "salesperson's code",
        ),
    ] {
        let o = emaillog_on(&db, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(says), "{args:?}: {}", text(&o));
    }
    for (target, level) in [
        ("Northwind.Example", "subject"),
        ("alex@fabrikam.example", "metadata"),
        ("lt", "metadata"),
        // Set and taken back: no rule left for it.
        ("sofia@fabrikam.example", "subject"),
        ("sofia@fabrikam.example", "full"),
    ] {
        emaillog_ok(&db, &["capture", "set", target, level]);
    }
    let o = emaillog_ok(&db, &["capture", "list", "--json"]);
    let rules: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<(String, String, String)> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().into(),
                r["target"].as_str().unwrap().into(),
                r["level"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (
                "address".into(),
                "alex@fabrikam.example".into(),
                "metadata".into()
            ),
            (
                "domain".into(),
                "northwind.example".into(),
                "subject".into()
            ),
            ("salesperson".into(), "LT".into(), "metadata".into()),
        ]
    );

    let pdf = json!([{"name": "Tilbud.pdf", "contentType": "application/pdf",
                      "contentBytes": STANDARD.encode(b"%PDF-1.4 offer")}]);
    let mail = |from: &str, to: &str, subject: &str, imid: &str| {
        let mut m = message(from, &[to], subject);
        m["internetMessageId"] = json!(imid);
        m["attachments"] = pdf.clone();
        m
    };
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            // Northwind's domain is at subject.
            mail(
                "maria@northwind.example",
                "annette@contoso.example",
                "Visit on Tuesday",
                "<dom@x>"
            ),
            // Alex's address is at metadata.
            mail(
                "annette@contoso.example",
                "alex@fabrikam.example",
                "Quote for Alex",
                "<addr@x>"
            ),
            // Linda's (LT) mail is at metadata, whoever she writes to.
            mail(
                "linda@contoso.example",
                "omar@fabrikam.example",
                "Contract draft",
                "<sp@x>"
            ),
            // Nothing reaches this one: kept whole (Sofia's rule is gone).
            mail(
                "sofia@fabrikam.example",
                "ben@contoso.example",
                "Samples",
                "<full@x>"
            ),
        ]),
    )
    .await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 4, "{r:?}");

    assert_eq!(
        kept(&db, "<dom@x>"),
        (
            "Visit on Tuesday".into(),
            false,
            0,
            vec!["Visit on Tuesday".into()]
        )
    );
    assert_eq!(
        kept(&db, "<addr@x>"),
        (String::new(), false, 0, vec![String::new()])
    );
    assert_eq!(
        kept(&db, "<sp@x>"),
        (String::new(), false, 0, vec![String::new()])
    );
    assert_eq!(
        kept(&db, "<full@x>"),
        ("Samples".into(), true, 1, vec!["Samples".into()])
    );

    // Each change is in the audit trail; the two refused ones are not.
    let o = emaillog_ok(&db, &["audit", "list", "--json"]);
    let audit: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut acts: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["action"].as_str().unwrap(),
                r["detail"]["target"].as_str().unwrap_or_default(),
                r["detail"]["level"].as_str().unwrap_or_default()
            )
        })
        .collect();
    acts.reverse();
    assert_eq!(
        acts,
        [
            "capture_set northwind.example subject",
            "capture_set alex@fabrikam.example metadata",
            "capture_set LT metadata",
            "capture_set sofia@fabrikam.example subject",
            "capture_removed sofia@fabrikam.example full",
        ]
    );
}
