//! Who may do what on PostgreSQL, enforced by the server: `pg grant-user`
//! gives a role the users' share and `pg grant-admin` the admin's. A user
//! role reads the log and writes opportunities, contacts and review
//! requests through the same application API as anyone; every statement on
//! the setup (and its secret columns), the rules, the job, its runs and the
//! leases is refused by the server; a role moved from admin to user loses
//! what it had. The only test in its binary: it sets the key file.

mod common;

use common::postgres::{Postgres, available, connect_admin};
use common::{TestSim, emaillog_on, engine_app_at, mixed_messages};
use emaillog::app::App;
use emaillog::app::log::LogView;
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use emaillog::store::db::params;
use emaillog::store::{NewOpportunity, ReviewAction, ReviewKey, Seek, StoreError};

/// `url` with another role and password in it.
fn as_role(url: &str, role: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, host) = rest.split_once('@').unwrap();
    format!("{scheme}://{role}:{password}@{host}")
}

/// Statements only the admin may run, each with what it reaches for.
const FORBIDDEN: &[&str] = &[
    "SELECT client_secret_enc FROM setup",
    "SELECT refresh_token_enc FROM setup",
    "SELECT imap_password_enc FROM setup",
    "SELECT mailbox FROM setup",
    "UPDATE setup SET batch_size = 1",
    "INSERT INTO setup (mailbox) VALUES ('x@contoso.example')",
    "SELECT * FROM never_log",
    "INSERT INTO never_log (pattern, added_at) VALUES ('x.example', now())",
    "DELETE FROM never_log",
    "SELECT * FROM job_queue_entries",
    "UPDATE job_queue_entries SET status = 'Ready'",
    "SELECT * FROM job_queue_log_entries",
    "DELETE FROM job_queue_log_entries",
    "SELECT * FROM engine_lease",
    "INSERT INTO engine_lease (mailbox, holder, expires_at) VALUES ('9', 'me', now())",
    "SELECT * FROM engines",
    "SELECT * FROM message_failures",
    "SELECT * FROM read_cursors",
    "SELECT * FROM role_grants",
    "DELETE FROM logged_messages",
    "UPDATE logged_messages SET subject = 'x'",
    "UPDATE interaction_log_entries SET subject = 'x'",
    "DELETE FROM interaction_log_entries",
    "INSERT INTO salespeople (code, name, email) VALUES ('X', 'X', 'x@contoso.example')",
    "UPDATE skipped_messages SET disposition = 'deleted'",
    "DELETE FROM opportunities",
    // The key people's addresses are hashed with is the admin's.
    "SELECT * FROM privacy_keys",
    "SELECT * FROM tombstones",
    "DELETE FROM tombstones",
    // Capture levels are the admin's.
    "SELECT * FROM capture_rules",
    "INSERT INTO capture_rules (kind, target, level, set_at) VALUES ('domain', 'x.example', 'subject', now())",
    // A private message's contents: read through row security, written
    // only through their function; who each login is is the admin's.
    "UPDATE private_messages SET body = 'x'",
    "DELETE FROM private_messages",
    "INSERT INTO private_messages (logged_message_id, subject, entry_subject, marked_by, marked_at) VALUES (1, 'x', 'x', 'x', now())",
    "SELECT * FROM salesperson_logins",
    "INSERT INTO salesperson_logins (login, salesperson_code) VALUES ('me', 'AH')",
    // The audit trail: appended only through its function, read by the admin.
    "SELECT * FROM audit_log",
    "UPDATE audit_log SET who = 'x'",
    "DELETE FROM audit_log",
    "INSERT INTO audit_log (seq, at, who, action, detail, prev_hash, hash) VALUES (99, '', 'x', 'x', '{}', '', '')",
];

/// Which of `FORBIDDEN` the role at `url` may run (each in a transaction
/// rolled back, so nothing it could run changes anything).
fn allowed(url: &str) -> Vec<&'static str> {
    let mut db = emaillog::store::testing::connect(std::path::Path::new(url));
    FORBIDDEN
        .iter()
        .filter(|sql| {
            let tx = db
                .transaction(emaillog::store::db::Begin::Deferred)
                .unwrap();
            // Refused for another reason (a foreign key) is past the
            // privilege check: allowed.
            !matches!(tx.execute(sql, params![]), Err(e) if e.is_forbidden())
        })
        .copied()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_role_reads_the_log_and_writes_its_share_and_nothing_else() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("roles");
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary; nothing reads the environment
    // concurrently yet.
    unsafe { std::env::set_var("EMAILLOG_KEY_FILE", dir.path().join("pg.key")) };
    let sim = TestSim::default().await;
    let app = engine_app_at(&sim, url.clone().into());
    let (msgs, loggable) = mixed_messages(30, "r");
    sim.add(common::MAILBOX, "inbox", msgs).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert_eq!(r.counts.logged as usize, loggable);
    let admin = connect_admin(&pg);
    admin
        .execute_batch(
            "CREATE ROLE sales LOGIN PASSWORD 'sales-pw'; CREATE ROLE ops LOGIN PASSWORD 'ops-pw';",
        )
        .unwrap();
    let db = std::path::Path::new(&url);
    let grant = |what: &str, role: &str| emaillog_on(db, &["pg", what, role]);
    let out = grant("grant-user", "sales");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = grant("grant-user", "nobody");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no database role nobody") && err.contains("CREATE ROLE"),
        "{err}"
    );

    // The user's share, through the application API the UI uses, without
    // the key file: the user view.
    let user_url = as_role(&url, "sales", "sales-pw");
    // SAFETY: as above; the test's own processes only.
    unsafe { std::env::set_var("EMAILLOG_KEY_FILE", dir.path().join("absent.key")) };
    let user = App::new(user_url.clone());
    assert_eq!(user.role(), emaillog::app::overview::Role::User);
    let mut log = user.log_reader().unwrap();
    let page = log.page(&LogView::default(), &Seek::Newest, 100).unwrap();
    assert_eq!(page.len(), r.counts.entries as usize);
    assert_eq!(
        page[0].mailbox,
        common::MAILBOX,
        "the mailbox's name is shown"
    );
    let detail = log.message(page[0].entry_no).unwrap();
    assert!(!detail.participants.is_empty());
    assert_eq!(
        detail.opened_by, None,
        "who opened it is the admin's to see"
    );
    // The opening is in the audit trail under the role's own name, which
    // the server gave (the function runs as the owner, who is the caller
    // as the session's login).
    let who: Vec<(String, String)> = emaillog::store::testing::connect(db)
        .query_map(
            "SELECT who, target FROM audit_log WHERE action = 'message_opened'",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        who,
        vec![(
            "sales".to_string(),
            format!("message {}", page[0].logged_message_id)
        )]
    );
    let no = user
        .create_opportunity(
            page[0].entry_no,
            &NewOpportunity {
                description: "Ærlig tilbud".into(),
                status: "In progress".into(),
                estimated_value: None,
                close_date: None,
            },
        )
        .unwrap();
    assert_eq!(user.opportunity_entries(&no).unwrap().len(), 1);
    let (_, contacts) = user.people().unwrap();
    let mut c = contacts[0].clone();
    c.name = "Åse Øvergård".into();
    user.save_contact(&c, false).unwrap();
    let queue = user.review_queue().unwrap();
    assert!(!queue.is_empty(), "skipped messages are there to review");
    let key = ReviewKey {
        mailbox_no: queue[0].mailbox_no,
        mailbox_id: queue[0].mailbox_id.clone(),
    };
    assert_eq!(user.request_review(&[key], ReviewAction::Relog).unwrap(), 1);
    // The status screen's overview: what the role may read, said so.
    let now = chrono::Utc::now();
    let o = user
        .overview(now - chrono::Duration::days(1), now, 10)
        .unwrap();
    assert!(o.restricted && o.job.is_none() && o.runs.is_empty());
    let names: Vec<&str> = o.mailboxes.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(names, [common::MAILBOX]);
    assert_eq!(o.setup.mailbox, common::MAILBOX);
    assert_eq!(o.today.logged as usize, loggable);
    // validate says what the role is and what it lacks, and stops there.
    let checks = user.validate().await.unwrap();
    let names: Vec<(&str, bool)> = checks.iter().map(|c| (c.name, c.passed)).collect();
    assert_eq!(
        names,
        [
            ("database server", true),
            ("database schema", true),
            ("database role", false)
        ]
    );
    assert!(checks[2].detail.contains("sales lacks") && checks[2].detail.contains("on setup"));
    assert!(
        checks[2]
            .fix
            .as_deref()
            .unwrap()
            .contains("pg grant-admin sales")
    );
    // The admin's part is refused by the server, with a clear error.
    match user.store().unwrap().setup() {
        Err(StoreError::Forbidden(why)) => assert!(why.contains("setup"), "{why}"),
        other => panic!("a user role read the setup: {other:?}"),
    }
    assert_eq!(
        allowed(&user_url),
        Vec::<&str>::new(),
        "a user role may run none"
    );
    // And the command line says the user view cannot grant.
    let out = emaillog_on(
        std::path::Path::new(&user_url),
        &["pg", "grant-admin", "sales"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("user view"));

    // An admin role may do all of it; moved back to the users' share, it
    // keeps nothing of the admin's.
    unsafe { std::env::set_var("EMAILLOG_KEY_FILE", dir.path().join("pg.key")) };
    let o = app
        .overview(now - chrono::Duration::days(1), now, 10)
        .unwrap();
    assert!(!o.restricted && !o.runs.is_empty(), "the owner's is whole");
    let checks = app.validate().await.unwrap();
    assert!(checks[..3].iter().all(|c| c.passed), "{:?}", &checks[..3]);
    assert!(
        checks[2].detail.ends_with("the admin's share"),
        "{:?}",
        checks[2]
    );
    assert!(grant("grant-admin", "ops").status.success());
    let ops_url = as_role(&url, "ops", "ops-pw");
    assert_eq!(
        allowed(&ops_url).len(),
        FORBIDDEN.len(),
        "an admin role may run all"
    );
    // An engine host's role, not the owner, with the key file runs the job.
    let (more, more_loggable) = mixed_messages(12, "ops");
    sim.add(common::MAILBOX, "inbox", more).await;
    let engine = App::new(ops_url.clone());
    assert_eq!(engine.role(), emaillog::app::overview::Role::Admin);
    let run = engine.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(run.counts.logged as usize, more_loggable);
    assert!(grant("grant-user", "ops").status.success());
    assert_eq!(allowed(&ops_url), Vec::<&str>::new(), "admin taken back");
    let listed = emaillog_on(db, &["pg", "roles", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        listed,
        serde_json::json!([{"role": "ops", "access": "user"}, {"role": "sales", "access": "user"}])
    );
    sim.server.stop().await;
}
