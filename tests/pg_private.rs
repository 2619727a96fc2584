//! Private messages on PostgreSQL, enforced by the server: once the admin
//! marks a message private, a user role finds "(private)" in the log, no
//! row of its contents and none of its attachments, even with SQL of its
//! own, and may neither unmark it nor write the contents; once the admin
//! says the role is a salesperson on the message, it reads them and may
//! unmark it (audited under the role's name); a role that is another
//! salesperson sees nothing. The only test in its binary: it sets the key
//! file.

mod common;

use common::postgres::{Postgres, available, connect_admin};
use common::{TestSim, emaillog_cmd, emaillog_on, engine_app_at, one_i64, private_offer, text};
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::db::params;
use serde_json::json;

/// `url` with another role and password in it.
fn as_role(url: &str, role: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, host) = rest.split_once('@').unwrap();
    format!("{scheme}://{role}:{password}@{host}")
}

/// `emaillog --db URL ARGS` without the key file: the user view.
fn as_user(url: &str, absent_key: &std::path::Path, args: &[&str]) -> std::process::Output {
    emaillog_cmd()
        .arg("--db")
        .arg(url)
        .args(args)
        .env("EMAILLOG_KEY_FILE", absent_key)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_a_private_message_from_every_role_not_on_it() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("private");
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary; nothing reads the environment
    // concurrently yet.
    unsafe { std::env::set_var("EMAILLOG_KEY_FILE", dir.path().join("pg.key")) };
    let absent = dir.path().join("absent.key");
    let sim = TestSim::default().await;
    let app = engine_app_at(&sim, url.clone().into());
    let offer = private_offer();
    sim.add(common::MAILBOX, "inbox", json!([offer])).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged, 1, "{r:?}");
    connect_admin(&pg)
        .execute_batch(
            "CREATE ROLE kari LOGIN PASSWORD 'kari-pw'; CREATE ROLE ola LOGIN PASSWORD 'ola-pw';",
        )
        .unwrap();
    let db = std::path::Path::new(&url);
    for role in ["kari", "ola"] {
        let o = emaillog_on(db, &["pg", "grant-user", role]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let (entry, message_id) = {
        let c = emaillog::store::testing::connect(db);
        c.query_row(
            "SELECT entry_no, logged_message_id FROM interaction_log_entries",
            params![],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .unwrap()
    };
    let entry_arg = entry.to_string();
    let o = emaillog_on(db, &["private", &entry_arg, "on"]);
    assert!(o.status.success(), "{}", text(&o));

    let kari = as_role(&url, "kari", "kari-pw");
    let ola = as_role(&url, "ola", "ola-pw");
    // What a role not on it reads, with SQL of its own.
    let hidden = |role_url: &str| {
        let c = emaillog::store::testing::connect(std::path::Path::new(role_url));
        let (subject, body): (String, Option<String>) = c
            .query_row(
                "SELECT subject, body FROM logged_messages WHERE id = ?1",
                params![message_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((subject.as_str(), body), ("(private)", None));
        assert_eq!(
            one_i64(
                std::path::Path::new(role_url),
                "SELECT count(*) FROM private_messages"
            ),
            0
        );
        assert_eq!(
            one_i64(
                std::path::Path::new(role_url),
                "SELECT count(*) FROM message_attachments"
            ),
            0
        );
        let csv = text(&as_user(
            role_url,
            &absent,
            &["export", "interactions", "--format", "csv"],
        ));
        assert!(
            csv.contains("(private)") && !csv.contains("Pricing"),
            "{csv}"
        );
        // The follow-ups keep a copy of the subject: it follows.
        let waits = text(&as_user(
            role_url,
            &absent,
            &["report", "follow-ups", "--json"],
        ));
        assert!(
            waits.contains("(private)") && !waits.contains("Pricing"),
            "{waits}"
        );
    };
    hidden(&kari);
    // Nor may it write them or unmark the message.
    let mut c = emaillog::store::testing::connect(std::path::Path::new(&kari));
    for sql in [
        "UPDATE private_messages SET body = 'x'",
        "DELETE FROM private_messages",
        "INSERT INTO salesperson_logins (login, salesperson_code) VALUES ('kari', 'AH')",
    ] {
        let tx = c.transaction(emaillog::store::db::Begin::Deferred).unwrap();
        let e = tx.execute(sql, params![]).unwrap_err();
        assert!(e.is_forbidden(), "{sql}: {e}");
    }
    drop(c);
    let o = as_user(&kari, &absent, &["private", &entry_arg, "off"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("only a salesperson on the message"),
        "{}",
        text(&o)
    );

    // Kari is Annette, on the message: she reads it, and may unmark it.
    let o = emaillog_on(db, &["logins", "set", "kari", "AH"]);
    assert!(o.status.success(), "{}", text(&o));
    let subject: String = emaillog::store::testing::connect(std::path::Path::new(&kari))
        .query_row("SELECT subject FROM private_messages", params![], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(subject, "Pricing for Fabrikam");
    assert_eq!(
        one_i64(
            std::path::Path::new(&kari),
            "SELECT count(*) FROM message_attachments"
        ),
        1
    );
    let csv = text(&as_user(
        &kari,
        &absent,
        &["export", "interactions", "--format", "csv"],
    ));
    assert!(csv.contains("Pricing for Fabrikam"), "{csv}");
    hidden(&ola);
    let o = as_user(&kari, &absent, &["private", &entry_arg, "off"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        one_i64(
            db,
            "SELECT count(*) FROM logged_messages WHERE subject = 'Pricing for Fabrikam' AND body IS NOT NULL"
        ),
        1
    );
    let o = as_user(&kari, &absent, &["private", &entry_arg, "on"]);
    assert!(o.status.success(), "{}", text(&o));
    hidden(&ola);
    let who: Vec<(String, String)> = emaillog::store::testing::connect(db)
        .query_map(
            "SELECT action, who FROM audit_log WHERE action LIKE 'private%' ORDER BY seq",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let owner = who[0].1.clone();
    assert_eq!(
        who,
        [
            ("private_set".to_string(), owner),
            ("private_cleared".to_string(), "kari".to_string()),
            ("private_set".to_string(), "kari".to_string()),
        ]
    );
    sim.server.stop().await;
}
