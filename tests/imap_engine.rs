//! The engine against a real Dovecot over IMAP: real RFC 5322 messages of
//! many shapes, STARTTLS and implicit TLS, a server without MOVE, a dropped
//! connection, a kill between a page's commit and its moves. Each loggable
//! email is logged once, moved to Archive; the rest go to Skipped.

mod common;

use std::process::Stdio;

use common::dovecot::{Dovecot, Options, PASSWORD, USER};
use common::{CONTACTS_CSV, SALESPEOPLE_CSV, emaillog_cmd};
use emaillog::app::App;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::{ImapTls, SourceKind, Unmatched};
use emaillog::engine::Stop;
use emaillog::engine::events::channel;

fn rfc822(from: &str, to: &str, subject: &str, id: Option<&str>) -> String {
    let mid = id
        .map(|i| format!("Message-ID: <{i}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Tue, 5 Mar 2024 10:15:00 +0100\r\n{mid}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAbout {subject}.\r\n"
    )
}

/// Messages of many shapes; returns (raw messages, how many are loggable).
// One push per shape, each with its comment, reads better than one vec![].
#[allow(clippy::vec_init_then_push)]
fn shapes() -> (Vec<Vec<u8>>, usize) {
    let mut v: Vec<Vec<u8>> = Vec::new();
    // Plain, inbound and outbound.
    v.push(
        rfc822(
            "Alex Berg <alex@fabrikam.example>",
            "annette@contoso.example",
            "Plain inbound",
            Some("p1@fabrikam.example"),
        )
        .into_bytes(),
    );
    v.push(
        rfc822(
            "ben@contoso.example",
            "\"Maria Costa\" <maria@northwind.example>",
            "Plain outbound",
            Some("p2@contoso.example"),
        )
        .into_bytes(),
    );
    // Encoded words, folded header, a group of recipients.
    v.push(
        concat!(
            "From: =?UTF-8?Q?Sof=C3=ADa_Ng?= <sofia@fabrikam.example>\r\n",
            "To: Sales: annette@contoso.example, ben@contoso.example;\r\n",
            "Subject: =?UTF-8?B?UHLDqWNpb3M=?= for the\r\n spring catalogue\r\n",
            "Message-ID: <enc@fabrikam.example>\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n\r\nHola\r\n"
        )
        .as_bytes()
        .to_vec(),
    );
    // Multipart alternative with HTML; 8-bit header bytes (raw UTF-8).
    v.push(
        concat!(
            "From: Grace Kim <grace@northwind.example>\r\n",
            "To: Linda Torres <linda@contoso.example>\r\n",
            "Subject: Grüße aus Köln\r\n",
            "Message-ID: <mp@northwind.example>\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/alternative; boundary=\"zz\"\r\n\r\n",
            "--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the plan.\r\n",
            "--zz\r\nContent-Type: text/html\r\n\r\n<p>See the <b>plan</b>.</p>\r\n--zz--\r\n"
        )
        .as_bytes()
        .to_vec(),
    );
    // No Message-ID at all.
    v.push(
        rfc822(
            "chen@northwind.example",
            "linda@contoso.example",
            "No message id",
            None,
        )
        .into_bytes(),
    );
    // A 20 MB attachment.
    let mut big = String::from(concat!(
        "From: omar@fabrikam.example\r\nTo: annette@contoso.example\r\nSubject: Catalogue scan\r\n",
        "Message-ID: <big@fabrikam.example>\r\nMIME-Version: 1.0\r\n",
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
        "--b\r\nContent-Type: text/plain\r\n\r\nThe scan is attached.\r\n",
        "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ));
    let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while big.len() < 20 * 1024 * 1024 {
        big.push_str(line);
    }
    big.push_str("--b--\r\n");
    v.push(big.into_bytes());
    let loggable = v.len();
    // Not loggable: a stranger, an auto-reply, a private one.
    v.push(
        rfc822(
            "stranger@elsewhere.example",
            "ben@contoso.example",
            "Cold pitch",
            Some("cold@elsewhere.example"),
        )
        .into_bytes(),
    );
    v.push(
        format!(
            "Auto-Submitted: auto-replied\r\n{}",
            rfc822(
                "alex@fabrikam.example",
                "ben@contoso.example",
                "Out of office",
                Some("ooo@fabrikam.example")
            )
        )
        .into_bytes(),
    );
    v.push(
        format!(
            "Sensitivity: Private\r\n{}",
            rfc822(
                "maria@northwind.example",
                "ben@contoso.example",
                "Dinner",
                Some("dinner@northwind.example")
            )
        )
        .into_bytes(),
    );
    (v, loggable)
}

fn imap_app(dir: &std::path::Path, d: &Dovecot, tls: ImapTls) -> App {
    let app = App::new(emaillog::store::testing::fresh_database(dir, "emaillog.db"));
    app.import_salespeople(SALESPEOPLE_CSV.as_bytes(), false)
        .unwrap();
    app.import_contacts(CONTACTS_CSV.as_bytes(), false).unwrap();
    let (host, port) = match tls {
        ImapTls::Implicit => ("localhost", d.tls_port),
        ImapTls::Starttls => ("localhost", d.port),
        ImapTls::None => ("127.0.0.1", d.port),
    };
    app.change_setup(&SetupChanges {
        source: Some(SourceKind::Imap),
        imap_host: Some(host.into()),
        imap_port: Some(port),
        imap_tls: Some(tls),
        imap_user: Some(USER.into()),
        unmatched: Some(Unmatched::SkipFolder),
        batch_size: Some(4),
        ..Default::default()
    })
    .unwrap();
    app.set_imap_password(PASSWORD).unwrap();
    emaillog::net::trust_ca_file(&d.ca_file).unwrap();
    app
}

async fn sync(app: &App) -> emaillog::engine::RunReport {
    let (events, _rx) = channel();
    app.sync_once(&events, &Stop::never()).await.unwrap()
}

fn assert_exactly_once(d: &Dovecot, app: &App, loggable: usize, skipped: usize) {
    assert_eq!(d.count("INBOX"), 0, "the INBOX is empty:\n{}", d.log());
    assert_eq!(d.count("Archive"), loggable, "logged mail in Archive");
    assert_eq!(d.count("Skipped"), skipped, "the rest in Skipped");
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    assert_eq!(logged.len(), loggable, "each email logged once");
    assert!(logged.iter().all(|m| m.location == "archive"), "{logged:?}");
}

#[tokio::test]
async fn many_shapes_of_real_mail_over_starttls_are_logged_once_and_archived() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::Starttls);
    let (msgs, loggable) = shapes();
    for m in &msgs {
        d.deliver("INBOX", m);
    }
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}\n{}", r.error, d.log());
    assert_eq!(r.counts.logged as usize, loggable, "{:?}", r.counts);
    assert_exactly_once(&d, &app, loggable, msgs.len() - loggable);
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    let by_subject = |s: &str| {
        logged
            .iter()
            .find(|m| m.subject == s)
            .unwrap_or_else(|| panic!("{s} logged: {logged:?}"))
    };
    assert!(
        by_subject("Grüße aus Köln")
            .body
            .as_deref()
            .unwrap()
            .contains("See the plan")
    );
    assert!(
        by_subject("Catalogue scan")
            .body
            .as_deref()
            .unwrap()
            .contains("its body was not read")
    );
    assert_eq!(
        by_subject("Précios for the spring catalogue").internet_message_id,
        "<enc@fabrikam.example>"
    );
    // The group's two salespeople each get an entry with Sofía.
    assert_eq!(store.count_entries().unwrap() as usize, loggable + 1);
    // A second run finds nothing new and logs nothing twice.
    let r = sync(&app).await;
    assert_eq!((r.counts.read, r.counts.logged), (0, 0));
    let log = d.log();
    assert!(log.contains("TLS"), "the connection was TLS:\n{log}");
    assert!(log.contains("copy from INBOX"), "moved:\n{log}");
    let expunges: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("expunge: box=INBOX"))
        .collect();
    assert!(!expunges.is_empty(), "moved out of the INBOX:\n{log}");
    assert!(
        expunges.iter().all(|l| !l.contains("\\Deleted")),
        "with MOVE, no \\Deleted flag was set:\n{log}"
    );
}

#[tokio::test]
async fn implicit_tls_to_a_server_without_move_copies_and_expunges() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options {
        no_move: true,
        ..Options::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::Implicit);
    for i in 0..7 {
        d.deliver(
            "INBOX",
            rfc822(
                "alex@fabrikam.example",
                "annette@contoso.example",
                &format!("Order {i}"),
                Some(&format!("o{i}@fabrikam.example")),
            )
            .as_bytes(),
        );
    }
    d.deliver(
        "INBOX",
        rfc822(
            "x@else.example",
            "ben@contoso.example",
            "Unknown",
            Some("u@else.example"),
        )
        .as_bytes(),
    );
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}\n{}", r.error, d.log());
    assert_exactly_once(&d, &app, 7, 1);
    // COPY, then \Deleted on the INBOX copy, then UID EXPUNGE.
    let log = d.log();
    let expunges: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("expunge: box=INBOX"))
        .collect();
    assert_eq!(expunges.len(), 8, "each expunged from the INBOX:\n{log}");
    assert!(
        expunges.iter().all(|l| l.contains("\\Deleted")),
        "COPY, then \\Deleted, then UID EXPUNGE:\n{log}"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_reconnected() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::None);
    d.deliver(
        "INBOX",
        rfc822(
            "alex@fabrikam.example",
            "annette@contoso.example",
            "First",
            Some("f@fabrikam.example"),
        )
        .as_bytes(),
    );
    let store = app.store().unwrap();
    let source = app.mail_source(&store.setup().unwrap(), &store).unwrap();
    let page = source.read_inbox(None, 10).await.unwrap();
    assert_eq!(page.messages.len(), 1);
    let kicked = d.doveadm(&["kick", USER]);
    assert!(
        kicked.status.success(),
        "{}",
        String::from_utf8_lossy(&kicked.stderr)
    );
    // The same source reads on: it reconnects by itself.
    let again = source.read_inbox(None, 10).await.unwrap();
    assert_eq!(again.messages.len(), 1);
    let logins = d.log().matches("Login: user=").count();
    assert_eq!(logins, 2, "signed in again after the kick:\n{}", d.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_between_a_pages_commit_and_its_moves_over_imap_doubles_and_loses_nothing() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::Starttls);
    for i in 0..10 {
        d.deliver(
            "INBOX",
            rfc822(
                "sofia@fabrikam.example",
                "ben@contoso.example",
                &format!("Kill {i}"),
                Some(&format!("k{i}@fabrikam.example")),
            )
            .as_bytes(),
        );
    }
    let log = dir.path().join("crashes");
    let run = |crash: Option<&str>| {
        common::sync_once_crashing(
            app.db_path(),
            crash,
            &log,
            &[("EMAILLOG_CA_FILE", &d.ca_file)],
        )
    };
    assert!(!run(Some("after_commit:2")), "killed");
    assert_eq!(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        ["after_commit"]
    );
    let unmoved = app
        .store()
        .unwrap()
        .logged_messages()
        .unwrap()
        .into_iter()
        .filter(|m| m.location == "inbox")
        .count();
    assert!(unmoved > 0, "the kill landed between commit and move");
    assert!(d.count("INBOX") >= unmoved, "they are still in the INBOX");
    assert!(run(None));
    assert_exactly_once(&d, &app, 10, 0);
}

#[test]
fn plaintext_imap_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = emaillog_cmd()
        .arg("--db")
        .arg(dir.path().join("e.db"))
        .args([
            "setup",
            "set",
            "--source",
            "imap",
            "--imap-host",
            "mail.contoso.com",
            "--imap-tls",
            "none",
            "--imap-user",
            USER,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only to a loopback host"), "{err}");
}

#[tokio::test]
async fn validate_checks_the_connection_the_sign_in_the_inbox_and_the_folders() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::Implicit);
    d.deliver(
        "INBOX",
        rfc822(
            "a@x.example",
            "ben@contoso.example",
            "One",
            Some("one@x.example"),
        )
        .as_bytes(),
    );
    let checks = app.validate().await.unwrap();
    let get = |name: &str| {
        checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} in {checks:?}"))
            .clone()
    };
    for name in [
        "IMAP connection",
        "IMAP sign-in",
        "queue folder",
        "storage folder",
        "Skipped folder",
    ] {
        assert!(get(name).passed, "{:?}", get(name));
    }
    assert_eq!(get("queue folder").detail, "INBOX: 1 messages");
    assert_eq!(d.count("Skipped"), 0, "created, empty");
    assert!(
        d.doveadm(&["mailbox", "status", "-u", USER, "messages", "Skipped"])
            .status
            .success(),
        "the Skipped folder exists"
    );
    // A wrong password fails the sign-in, with what to do.
    app.set_imap_password("not-the-password").unwrap();
    let checks = app.validate().await.unwrap();
    let signin = checks.iter().find(|c| c.name == "IMAP sign-in").unwrap();
    assert!(!signin.passed);
    assert!(
        signin.fix.as_deref().unwrap().contains("--imap-password"),
        "{signin:?}"
    );
    assert!(
        checks
            .iter()
            .find(|c| c.name == "IMAP connection")
            .unwrap()
            .passed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_waits_with_idle_and_logs_new_mail_at_once() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::None);
    // Ten minutes between polls: only IDLE can bring new mail in sooner.
    app.change_setup(&SetupChanges {
        job_interval_secs: Some(600),
        ..Default::default()
    })
    .unwrap();
    app.enable(0).unwrap();
    let out = dir.path().join("run.out");
    let mut runner = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .arg("run")
        .env("EMAILLOG_LOG", "debug")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(dir.path().join("run.err")).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let wait = |what: &str, f: &dyn Fn() -> bool| {
        while !f() {
            assert!(
                std::time::Instant::now() < deadline,
                "never: {what}\n{}\n{}{}",
                d.log(),
                std::fs::read_to_string(&out).unwrap_or_default(),
                std::fs::read_to_string(dir.path().join("run.err")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    // The first run over (not only begun), so the new mail is not its.
    wait("the first run", &|| {
        app.job_log(1)
            .unwrap()
            .first()
            .is_some_and(|r| r.ended_at.is_some())
    });
    let runs_before = app.job_log(10).unwrap().len();
    d.deliver(
        "INBOX",
        rfc822(
            "alex@fabrikam.example",
            "annette@contoso.example",
            "Landed now",
            Some("now@fabrikam.example"),
        )
        .as_bytes(),
    );
    wait("the new message logged and its run finished", &|| {
        app.store().unwrap().count_logged_messages().unwrap() == 1
            && app
                .job_status()
                .unwrap()
                .is_some_and(|j| j.status == emaillog::domain::job::JobStatus::Ready)
    });
    let job = app.job_status().unwrap().unwrap();
    assert!(
        job.next_run_at > chrono::Utc::now() + chrono::Duration::minutes(5),
        "the next poll is still minutes away: it was IDLE that ran it"
    );
    assert!(
        app.job_log(10).unwrap().len() > runs_before,
        "a run was started by the new mail"
    );
    let _ = runner.kill();
    let _ = runner.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_counts_new_mail() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::None);
    let store = app.store().unwrap();
    let source = app.mail_source(&store.setup().unwrap(), &store).unwrap();
    let empty = source.read_inbox(None, 10).await.unwrap();
    assert!(empty.messages.is_empty());
    let mut rx = source.inbox_changes().expect("IMAP can watch");
    tokio::time::timeout(std::time::Duration::from_secs(30), rx.changed())
        .await
        .expect("the watcher is up")
        .unwrap();
    let before = *rx.borrow_and_update();
    d.deliver(
        "INBOX",
        rfc822(
            "a@x.example",
            "ben@contoso.example",
            "Idle",
            Some("idle@x.example"),
        )
        .as_bytes(),
    );
    tokio::time::timeout(std::time::Duration::from_secs(30), rx.changed())
        .await
        .unwrap_or_else(|_| panic!("IDLE told of the new mail\n{}", d.log()))
        .unwrap();
    assert!(*rx.borrow() > before);
    // The connection that read the empty INBOX sees the new message.
    let page = source.read_inbox(Some(&empty.cursor), 10).await.unwrap();
    assert_eq!(
        page.messages.len(),
        1,
        "read after it landed (cursor {})",
        empty.cursor
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_killed_at_random_crash_points_lose_and_double_nothing() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::None);
    let mut loggable = 0;
    for i in 0..40 {
        let (from, to) = if i % 5 == 0 {
            ("stranger@elsewhere.example", "ben@contoso.example")
        } else {
            loggable += 1;
            ("alex@fabrikam.example", "annette@contoso.example")
        };
        d.deliver(
            "INBOX",
            rfc822(
                from,
                to,
                &format!("Trial {i}"),
                Some(&format!("t{i}@x.example")),
            )
            .as_bytes(),
        );
    }
    let log = dir.path().join("crashes");
    let mut kills = 0;
    for trial in 0..40 {
        let status = emaillog_cmd()
            .arg("--db")
            .arg(app.db_path())
            .args(["sync", "--once", "--json"])
            .env("EMAILLOG_CRASH_LOG", &log)
            .env("EMAILLOG_CRASH_AT", format!("random:0.2:{trial}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        if status.code().is_none() {
            kills += 1;
        } else if d.count("INBOX") == 0 {
            break;
        }
    }
    // Finish without crashes, then check.
    assert!(
        emaillog_cmd()
            .arg("--db")
            .arg(app.db_path())
            .args(["sync", "--once", "--json"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let landed = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(kills >= 3, "kills landed: {kills} ({landed})");
    assert!(
        landed
            .lines()
            .any(|l| l == "after_commit" || l == "after_move"),
        "at least one kill between a commit and its moves' outcome: {landed}"
    );
    assert_exactly_once(&d, &app, loggable, 40 - loggable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xoauth2_signs_in_with_a_token_for_exchange_online_never_graphs() {
    if !common::dovecot::available() {
        return;
    }
    let sim = common::TestSim::start(emaillog::sim::SimConfig::default()).await;
    let ca = dir_with_ca(&sim);
    // Dovecot checks each XOAUTH2 token with the simulator's identity
    // platform: active only if issued for Exchange Online (not Graph).
    let d = Dovecot::start_with(
        Options::default(),
        Some(common::dovecot::OAuth {
            url: format!("{}/_sim/tokens/introspect?user={USER}&token=", sim.base),
            ca_file: ca.path().join("ca.pem"),
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::None);
    app.change_setup(&SetupChanges {
        imap_auth: Some(emaillog::domain::setup::ImapAuth::Xoauth2),
        tenant: Some("contoso.example".into()),
        client_id: Some(sim.config.client_id.clone()),
        authority: Some(sim.base.clone()),
        graph_url: Some(sim.server.graph_url()),
        auth_flow: Some(emaillog::domain::setup::AuthFlow::ClientCredentials),
        ..Default::default()
    })
    .unwrap();
    app.set_client_secret(&sim.config.client_secret).unwrap();
    d.deliver(
        "INBOX",
        rfc822(
            "alex@fabrikam.example",
            "annette@contoso.example",
            "Over XOAUTH2",
            Some("x2@fabrikam.example"),
        )
        .as_bytes(),
    );
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}\n{}", r.error, d.log());
    assert_exactly_once(&d, &app, 1, 0);
    let log = d.log();
    assert!(
        log.contains("method=XOAUTH2"),
        "signed in with XOAUTH2:\n{log}"
    );
    // The token was asked for Exchange Online: Graph refuses it.
    let store = app.store().unwrap();
    let token = app
        .token_provider(&store.setup().unwrap(), &store)
        .unwrap()
        .token()
        .await
        .unwrap();
    let graph = common::trusting_client()
        .get(format!(
            "{}/users/{}/messages",
            sim.server.graph_url(),
            common::MAILBOX
        ))
        .bearer_auth(token.secret.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(
        graph.status(),
        401,
        "a token for IMAP is not a token for Graph"
    );
}

/// The simulator's CA certificate in a file (for Dovecot to trust).
fn dir_with_ca(sim: &common::TestSim) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ca.pem"),
        sim.server.ca_pem.clone().expect("a TLS simulator"),
    )
    .unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::set_permissions(
        dir.path().join("ca.pem"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn a_changed_uidvalidity_reads_the_inbox_again_and_logs_nothing_twice() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::None);
    let logged_mail = |i: usize| {
        rfc822(
            "alex@fabrikam.example",
            "annette@contoso.example",
            &format!("Before {i}"),
            Some(&format!("b{i}@fabrikam.example")),
        )
    };
    for i in 0..3 {
        d.deliver("INBOX", logged_mail(i).as_bytes());
    }
    assert!(sync(&app).await.error.is_none());
    assert_eq!(app.store().unwrap().count_logged_messages().unwrap(), 3);
    // The server renumbers the INBOX; a copy of a logged email comes back.
    let out = d.doveadm(&[
        "mailbox",
        "update",
        "-u",
        USER,
        "--uid-validity",
        "4242",
        "INBOX",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    d.deliver("INBOX", logged_mail(1).as_bytes());
    d.deliver(
        "INBOX",
        rfc822(
            "sofia@fabrikam.example",
            "ben@contoso.example",
            "After",
            Some("after@fabrikam.example"),
        )
        .as_bytes(),
    );
    let r = sync(&app).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.counts.logged, 1, "only the new email: {:?}", r.counts);
    assert_eq!(r.counts.read, 2, "the INBOX read from its start");
    let store = app.store().unwrap();
    assert_eq!(
        store.count_logged_messages().unwrap(),
        4,
        "nothing logged twice"
    );
    assert_eq!(d.count("INBOX"), 0);
    assert_eq!(
        d.count("Archive"),
        5,
        "the copy is archived beside the original"
    );
}

/// The older experience over IMAP: the queue and storage folders are public
/// folders (Dovecot's `public` namespace); mail is read only from the
/// queue, logged mail kept in storage, and nothing is read from the INBOX.
#[tokio::test]
async fn public_queue_and_storage_folders_are_read_and_filled_and_the_inbox_is_left_alone() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options {
        public_namespace: true,
        ..Options::default()
    });
    let made = d.doveadm(&[
        "mailbox",
        "create",
        "-u",
        USER,
        "Public/Email Logging/Queue",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let app = imap_app(dir.path(), &d, ImapTls::Implicit);
    // The folder picker lists the server's hierarchy, the public namespace
    // in it, even while the queue folder set is not there.
    app.change_setup(&SetupChanges {
        queue_folder: Some("Public/Email Logging/Not Yet".into()),
        ..Default::default()
    })
    .unwrap();
    let names = |l: Vec<emaillog::mail::FolderEntry>| {
        l.into_iter()
            .map(|e| format!("{}{}", e.name, if e.children { "/" } else { "" }))
            .collect::<Vec<_>>()
    };
    let top = names(app.browse_folders(&[]).await.unwrap());
    assert_eq!(top.first().map(String::as_str), Some("INBOX"), "{top:?}");
    assert!(top.contains(&"Public/".to_string()), "{top:?}");
    let level = ["public".to_string(), "Email Logging".to_string()];
    assert_eq!(names(app.browse_folders(&level).await.unwrap()), ["Queue"]);
    let e = app
        .browse_folders(&["Public".to_string(), "Nope".to_string()])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("no folder Public/Nope"), "{e}");
    app.change_setup(&SetupChanges {
        queue_folder: Some("public/email logging/queue".into()),
        storage_folder: Some("Public/Email Logging/Storage".into()),
        skip_folder: Some("Public/Email Logging/Skipped".into()),
        ..Default::default()
    })
    .unwrap();
    let (msgs, loggable) = shapes();
    for m in &msgs {
        d.deliver("Public/Email Logging/Queue", m);
    }
    let stray = rfc822(
        "alex@fabrikam.example",
        "annette@contoso.example",
        "Not the queue's",
        Some("stray@fabrikam.example"),
    );
    d.deliver("INBOX", stray.as_bytes());

    // The storage and Skipped folders are not there: said, with what is.
    let checks = app.validate().await.unwrap();
    let get = |name: &str| checks.iter().find(|c| c.name == name).unwrap().clone();
    assert!(get("queue folder").passed, "{:?}", get("queue folder"));
    let storage = get("storage folder");
    assert!(
        !storage.passed && storage.detail.contains("its folders: Queue"),
        "{storage:?}"
    );
    // A run before they are made stops at the first move and loses nothing.
    let r = sync(&app).await;
    assert!(r.error.is_some(), "{:?}", r.counts);
    assert_eq!(d.count("Public/Email Logging/Queue"), msgs.len());
    let checks = app.validate_with(true, |_| {}).await.unwrap();
    for c in &checks {
        assert!(c.passed || !c.name.contains("folder"), "{c:?}");
    }
    for _ in 0..5 {
        let r = sync(&app).await;
        assert!(r.error.is_none(), "{:?}", r.error);
        if d.count("Public/Email Logging/Queue") == 0 {
            break;
        }
    }
    assert_eq!(d.count("Public/Email Logging/Queue"), 0, "{}", d.log());
    assert_eq!(d.count("Public/Email Logging/Storage"), loggable);
    assert_eq!(
        d.count("Public/Email Logging/Skipped"),
        msgs.len() - loggable
    );
    assert_eq!(d.count("Archive"), 0);
    assert_eq!(d.count("INBOX"), 1, "the INBOX is left as it was");
    assert!(
        !d.log().contains("box=INBOX"),
        "nothing was moved or flagged in the INBOX:\n{}",
        d.log()
    );
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    assert_eq!(logged.len(), loggable);
    assert!(
        !logged
            .iter()
            .any(|m| m.internet_message_id.contains("stray"))
    );
}
