//! Private messages on SQLite, through the command line, with a second
//! account on the machine (a throwaway Unix user in the group the
//! database is shared with): the admin marks a message private, once
//! (audited once); the member, with the user view, exports "(private)"
//! and cannot see its attachments or unmark it; once the admin says the
//! member's login is a salesperson on the message, they see it and may
//! unmark it (audited under their name); as another salesperson they see
//! "(private)" again. Search does not find a private message's words.
//! PostgreSQL's server-side check is tests/pg_private.rs.

mod common;

use common::member::{Member, traversable_dir};
use common::*;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_message_is_shown_only_to_its_salespeople_and_admins() {
    if sqlite_only(
        "the user view on SQLite is another account; tests/pg_private.rs is PostgreSQL's",
    ) {
        return;
    }
    let Some(member) = Member::create() else {
        return;
    };
    let sim = TestSim::default().await;
    let outer = traversable_dir();
    let app = engine_app(&sim, &outer.path().join("data"));
    let db = app.db_path().to_path_buf();
    let offer = private_offer();
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            offer,
            message(
                "maria@northwind.example",
                &["ben@contoso.example"],
                "Catalogue"
            ),
        ]),
    )
    .await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 2, "{r:?}");
    let entry = one_i64(
        &db,
        "SELECT entry_no FROM interaction_log_entries WHERE subject = 'Pricing for Fabrikam'",
    )
    .to_string();
    assert_eq!(found(&app, "tolv"), 1);

    // The admin marks it private, once.
    let o = emaillog_ok(&db, &["private", &entry, "on"]);
    assert!(text(&o).contains("is now private"), "{}", text(&o));
    let o = emaillog_ok(&db, &["private", &entry, "on"]);
    assert!(text(&o).contains("was already private"), "{}", text(&o));
    assert_eq!(private_rows(&db).len(), 1);
    // Gone from the log's text and the search index; the admin still sees it.
    assert_eq!(
        one_i64(
            &db,
            "SELECT count(*) FROM logged_messages WHERE subject = '(private)' AND body IS NULL AND attachment_names IS NULL"
        ),
        1
    );
    assert_eq!(found(&app, "tolv"), 0);
    assert_eq!(found(&app, "Tilbud"), 0);
    let admin_csv = text(&emaillog_ok(
        &db,
        &["export", "interactions", "--format", "csv"],
    ));
    assert!(admin_csv.contains("Pricing for Fabrikam"), "{admin_csv}");
    // Shared from here on: no raw connection of the test's own, whose
    // closing would leave the write-ahead log unwritable for the group.
    emaillog_ok(&db, &["setup", "share", "--group", &member.group]);

    // The member, with the user view: "(private)", no attachments, no unmarking.
    let export = |who: &Member| {
        let o = who.emaillog(&db, &["export", "interactions", "--format", "csv"], b"");
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let attachments = |who: &Member| -> usize {
        let o = who.emaillog(&db, &["attachments", "list", &entry, "--json"], b"");
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<Value>(&o.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let csv = export(&member);
    assert!(
        csv.contains("(private)") && !csv.contains("Pricing") && csv.contains("Catalogue"),
        "{csv}"
    );
    assert_eq!(attachments(&member), 0);
    let o = member.emaillog(&db, &["report", "follow-ups", "--json"], b"");
    let waits = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success() && waits.contains("(private)") && !waits.contains("Pricing"),
        "the follow-ups' copy of the subject: {}",
        text(&o)
    );
    let o = member.emaillog(&db, &["private", &entry, "off"], b"");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("only a salesperson on the message"),
        "{}",
        text(&o)
    );
    // Saying who they are is the admin's.
    let o = member.emaillog(&db, &["logins", "set", &member.user, "AH"], b"");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // As Annette, the salesperson on it, the member sees it and may unmark it.
    emaillog_ok(&db, &["logins", "set", &member.user, "AH"]);
    let o = emaillog_on(&db, &["logins", "set", &member.user, "NOBODY"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let listed = text(&emaillog_ok(&db, &["logins", "list"]));
    assert!(
        listed.contains(&member.user) && listed.contains("AH"),
        "{listed}"
    );
    let csv = export(&member);
    assert!(csv.contains("Pricing for Fabrikam"), "{csv}");
    assert_eq!(attachments(&member), 1);
    let o = member.emaillog(&db, &["private", &entry, "off"], b"");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        private_rows(&db),
        [
            ("private_set", "root".to_string()),
            ("private_cleared", member.user.clone())
        ]
    );
    assert_eq!(found(&app, "tolv"), 1, "searchable again");
    let o = member.emaillog(&db, &["private", &entry, "on"], b"");
    assert!(o.status.success(), "{}", text(&o));

    // As Ben, who is not on it, they see "(private)" again.
    emaillog_ok(&db, &["logins", "set", &member.user, "BD"]);
    let csv = export(&member);
    assert!(
        csv.contains("(private)") && !csv.contains("Pricing"),
        "{csv}"
    );
    assert_eq!(attachments(&member), 0);
    assert_eq!(private_rows(&db).len(), 3);
}

/// The audit trail's private marks, oldest first: action and who.
fn private_rows(db: &std::path::Path) -> Vec<(&'static str, String)> {
    let rows: Value =
        serde_json::from_slice(&emaillog_ok(db, &["audit", "list", "--json"]).stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let action = match r["action"].as_str()? {
                "private_set" => "private_set",
                "private_cleared" => "private_cleared",
                _ => return None,
            };
            Some((r["seq"].as_i64()?, action, r["who"].as_str()?.to_string()))
        })
        .map(|(seq, a, w)| (seq, (a, w)))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_values()
        .collect()
}
