//! Sign-in against the simulator: device code with its errors and
//! cancellation, authorization code with PKCE and state, app-only, refresh
//! tokens rotating through a long run, a revoked refresh token, secrets at
//! rest, validate, and the setup scripts.

mod common;

use common::*;
use emaillog::app::App;
use emaillog::app::login::LoginPrompt;
use emaillog::app::sealing::Sealed;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::job::JobStatus;
use emaillog::domain::setup::AuthFlow;
use emaillog::engine::events::channel;
use emaillog::engine::{Stop, stop_pair};
use emaillog::sim::SimConfig;
use serde_json::json;
use std::time::Duration;

const ADMIN: &str = "admin@contoso.example";

fn fast(ttl_secs: u64) -> SimConfig {
    SimConfig {
        device_interval_secs: 1,
        device_code_ttl: Duration::from_secs(4),
        token_ttl: Duration::from_secs(ttl_secs),
        ..SimConfig::default()
    }
}

/// Signs in by device code; a helper task approves (or declines) the code.
async fn device_login(
    sim: &TestSim,
    app: &App,
    approve: Option<&str>,
    stop: &Stop,
) -> Result<emaillog::app::login::LoginOutcome, String> {
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let base = sim.base.clone();
    let approve = approve.map(str::to_string);
    let helper = tokio::spawn(async move {
        let Ok(code) = rx.await else { return };
        let http = trusting_client();
        match approve {
            Some(account) => http
                .post(format!("{base}/_sim/device/approve"))
                .json(&json!({"user_code": code, "account": account}))
                .send()
                .await
                .unwrap(),
            None => http
                .post(format!("{base}/_sim/device/decline"))
                .json(&json!({"user_code": code}))
                .send()
                .await
                .unwrap(),
        };
    });
    let mut tx = Some(tx);
    let r = app
        .login(
            Some(AuthFlow::DeviceCode),
            |p| {
                if let LoginPrompt::Device(p) = p {
                    assert!(
                        p.message.contains(&p.user_code),
                        "the service's own message is shown"
                    );
                    let _ = tx.take().unwrap().send(p.user_code);
                }
            },
            stop,
        )
        .await
        .map_err(|e| e.to_string());
    helper.abort();
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_sign_in_then_logging_runs_as_that_account() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let out = device_login(&sim, &app, Some(ADMIN), &Stop::never())
        .await
        .unwrap();
    assert_eq!(out.account, ADMIN);
    let setup = app.setup().unwrap();
    assert_eq!(
        (
            setup.account.as_deref(),
            setup.consent_given,
            setup.auth_flow
        ),
        (Some(ADMIN), true, AuthFlow::DeviceCode)
    );
    let (msgs, loggable) = mixed_messages(10, "dc");
    sim.add(MAILBOX, "inbox", msgs).await;
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.counts.logged as usize, loggable);
    let rows = app
        .store()
        .unwrap()
        .log_page(
            &Default::default(),
            None,
            &emaillog::store::Seek::Newest,
            100,
        )
        .unwrap();
    assert!(
        rows.iter().all(|e| e.account == ADMIN),
        "entries carry the account the job ran as"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_declined_expired_and_cancelled_say_so() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let declined = device_login(&sim, &app, None, &Stop::never())
        .await
        .unwrap_err();
    assert!(declined.contains("authorization_declined"), "{declined}");
    let expired = device_login(&sim, &app, Some("nobody-approves"), &Stop::never()).await;
    // The helper's approval is refused (not an address), so the code expires.
    let expired = expired.unwrap_err();
    assert!(expired.contains("expired_token"), "{expired}");
    let (handle, stop) = stop_pair();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        handle.stop();
    });
    let app2 = app.clone();
    let cancelled = app2
        .login(Some(AuthFlow::DeviceCode), |_| {}, &stop)
        .await
        .unwrap_err()
        .to_string();
    canceller.await.unwrap();
    assert!(cancelled.contains("cancelled"), "{cancelled}");
    assert!(
        app.setup().unwrap().account.is_none(),
        "a failed sign-in changes nothing"
    );
}

/// Signs in with the browser flow; the "browser" follows the authorize URL
/// and, if `tamper`, changes the state on the way back.
async fn browser_login(
    sim: &TestSim,
    app: &App,
    tamper: bool,
) -> Result<emaillog::app::login::LoginOutcome, String> {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    app.change_setup(&SetupChanges {
        redirect_url: Some(redirect),
        ..Default::default()
    })
    .unwrap();
    sim.control(
        reqwest::Method::POST,
        "/_sim/authorize/approve",
        Some(json!({"account": ADMIN})),
    )
    .await;
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let browser = tokio::spawn(async move {
        let url = rx.await.unwrap();
        let http = trusting_client();
        let resp = http.get(&url).send().await.unwrap();
        let mut back = reqwest::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        if tamper {
            let pairs: Vec<(String, String)> = back
                .query_pairs()
                .map(|(k, v)| {
                    let forged = k == "state";
                    (
                        k.into_owned(),
                        if forged {
                            "forged".into()
                        } else {
                            v.into_owned()
                        },
                    )
                })
                .collect();
            back.query_pairs_mut().clear().extend_pairs(pairs);
        }
        http.get(back).send().await.unwrap().status()
    });
    let mut tx = Some(tx);
    let r = app
        .login(
            Some(AuthFlow::AuthCode),
            |p| {
                if let LoginPrompt::OpenUrl(u) = p {
                    assert!(
                        u.contains("code_challenge_method=S256") && u.contains("state="),
                        "{u}"
                    );
                    let _ = tx.take().unwrap().send(u);
                }
            },
            &Stop::never(),
        )
        .await
        .map_err(|e| e.to_string());
    let _ = browser.await;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_code_with_pkce_and_a_checked_state() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let forged = browser_login(&sim, &app, true).await.unwrap_err();
    assert!(forged.contains("state"), "{forged}");
    let ok = browser_login(&sim, &app, false).await.unwrap();
    assert_eq!(ok.account, ADMIN);
    let (events, _rx) = channel();
    sim.add(MAILBOX, "inbox", mixed_messages(3, "ac").0).await;
    assert!(
        app.sync_once(&events, &Stop::never())
            .await
            .unwrap()
            .error
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_through_a_long_run_and_tokens_expiring_mid_run_cost_nothing() {
    // Access tokens live 2 s; the run takes several seconds.
    let sim = TestSim::start(SimConfig {
        latency: Duration::from_millis(50),
        ..fast(2)
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    device_login(&sim, &app, Some(ADMIN), &Stop::never())
        .await
        .unwrap();
    let first_refresh = app
        .store()
        .unwrap()
        .refresh_token_sealed()
        .unwrap()
        .unwrap();
    let (msgs, loggable) = mixed_messages(200, "rot");
    sim.add(MAILBOX, "inbox", msgs).await;
    // Every access token stops working after 7 Graph requests: a run of 200
    // messages (200 moves and more) meets expired tokens again and again and
    // renews them with rotating refresh tokens, at points that do not depend
    // on timing.
    let a = sim
        .control(
            reqwest::Method::POST,
            "/_sim/tokens/expire-after",
            Some(json!({"requests": 7})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let (events, _rx) = channel();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(
        r.counts.read, 200,
        "the whole run, well past one token's 7 requests"
    );
    assert_ne!(
        app.store()
            .unwrap()
            .refresh_token_sealed()
            .unwrap()
            .unwrap(),
        first_refresh,
        "the rotated refresh token was stored"
    );
    assert_exactly_once(&sim, &app, 200, loggable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_puts_the_job_in_error_asking_for_a_new_sign_in_and_never_loops() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        job_interval_secs: Some(1),
        ..Default::default()
    })
    .unwrap();
    device_login(&sim, &app, Some(ADMIN), &Stop::never())
        .await
        .unwrap();
    app.enable(0).unwrap();
    sim.control(
        reqwest::Method::POST,
        "/_sim/refresh-tokens/revoke",
        Some(json!({"account": ADMIN})),
    )
    .await;
    sim.control(reqwest::Method::POST, "/_sim/tokens/expire", None)
        .await;
    // The stored access token is still fresh in our eyes; make it stale too.
    let now = std::time::Instant::now();
    app.save_tokens(
        &emaillog::auth::AccessToken {
            secret: emaillog::auth::Secret::new("stale"),
            expires_at: now,
            renew_at: now,
        },
        None,
    )
    .unwrap();
    let (events, _rx) = channel();
    let (handle, stop) = stop_pair();
    let runner_app = app.clone();
    let runner = tokio::spawn(async move { runner_app.run_jobs(&events, stop).await });
    // Until the job leaves Ready/In process: a loop would show as more than
    // one run before it gets to Error.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while app.job_status().unwrap().unwrap().status != JobStatus::Error {
        assert!(
            std::time::Instant::now() < deadline,
            "the job never went to Error"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.stop();
    runner.await.unwrap().unwrap();
    let job = app.job_status().unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Error);
    assert!(
        job.last_error
            .as_deref()
            .unwrap()
            .contains("sign in again (Renew token)"),
        "{:?}",
        job.last_error
    );
    assert_eq!(app.job_log(10).unwrap().len(), 1, "one failed run, no loop");
    // Renew token: sign in again, and the job is Ready again.
    device_login(&sim, &app, Some(ADMIN), &Stop::never())
        .await
        .unwrap();
    assert_eq!(app.job_status().unwrap().unwrap().status, JobStatus::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_as_another_account_changes_the_jobs_account_and_logout_forgets_it() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    device_login(&sim, &app, Some(ADMIN), &Stop::never())
        .await
        .unwrap();
    app.enable(0).unwrap();
    app.job_hold().unwrap();
    let out = device_login(
        &sim,
        &app,
        Some("other.admin@contoso.example"),
        &Stop::never(),
    )
    .await
    .unwrap();
    assert_eq!(out.previous_account.as_deref(), Some(ADMIN));
    assert_eq!(
        app.setup().unwrap().account.as_deref(),
        Some("other.admin@contoso.example")
    );
    assert_eq!(
        app.job_status().unwrap().unwrap().status,
        JobStatus::Ready,
        "the job was restarted"
    );
    // Changing the client id clears consent.
    app.change_setup(&SetupChanges {
        client_id: Some("another-app".into()),
        ..Default::default()
    })
    .unwrap();
    assert!(!app.setup().unwrap().consent_given);
    assert_eq!(
        app.logout().unwrap().as_deref(),
        Some("other.admin@contoso.example")
    );
    let store = app.store().unwrap();
    assert!(
        store.refresh_token_sealed().unwrap().is_none()
            && store.access_token_sealed().unwrap().is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_the_database_nor_any_output_holds_a_secret_or_token() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    device_login(&sim, &app, Some(ADMIN), &Stop::never())
        .await
        .unwrap();
    sim.add(MAILBOX, "inbox", mixed_messages(5, "sec").0).await;
    let db = app.db_path().to_path_buf();
    let run = |args: &[&str]| {
        emaillog_cmd()
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let mut outputs = Vec::new();
    for args in [
        vec!["sync", "--once"],
        vec!["sync", "--once", "--json"],
        vec!["setup", "show", "--json"],
        vec!["setup", "show"],
        vec!["validate", "--json"],
        vec!["job", "log", "--json"],
        vec!["export", "interactions", "--format", "json"],
    ] {
        let o = run(&args);
        outputs.push(o.stdout);
        outputs.push(o.stderr);
    }
    let store = app.store().unwrap();
    let setup = store.setup().unwrap();
    let open = |kind, sealed: Vec<u8>| app.open_sealed(&store, &setup, kind, &sealed).unwrap();
    let refresh = open(
        Sealed::RefreshToken,
        store.refresh_token_sealed().unwrap().unwrap(),
    );
    let access = open(
        Sealed::AccessToken,
        store.access_token_sealed().unwrap().unwrap().0,
    );
    let secrets = [
        sim.config.client_secret.clone(),
        refresh,
        access.clone(),
        access.split('.').nth(2).unwrap_or("x").to_string(),
    ];
    let mut files: Vec<Vec<u8>> = Vec::new();
    if emaillog::store::testing::on_postgres() {
        // Every row of every table, as the server prints it.
        use emaillog::store::db::params;
        let c = emaillog::store::testing::connect(&db);
        let tables: Vec<String> = c
            .query_map(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                params![],
                |r| r.get(0),
            )
            .unwrap();
        assert!(tables.len() > 10, "{tables:?}");
        for t in tables {
            let rows: Vec<String> = c
                .query_map(
                    &format!("SELECT CAST(t AS TEXT) FROM {t} t"),
                    params![],
                    |r| r.get(0),
                )
                .unwrap();
            files.push(rows.join("\n").into_bytes());
        }
    } else {
        files.push(std::fs::read(&db).unwrap());
        for suffix in ["-wal", "-shm"] {
            if let Ok(b) = std::fs::read(format!("{}{suffix}", db.display())) {
                files.push(b);
            }
        }
    }
    for s in &secrets {
        assert!(s.len() >= 16);
        for (i, bytes) in files.iter().chain(outputs.iter()).enumerate() {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "a secret appears in file/output #{i}"
            );
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut private = vec![emaillog::auth::secrets::key_path_for(&db)];
        if !emaillog::store::testing::on_postgres() {
            private.push(db.clone());
        }
        for f in private {
            assert_eq!(
                std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
                0o600,
                "{}",
                f.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_every_check_with_a_fix() {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    sim.add(MAILBOX, "drafts", json!({"subject": "mailbox exists"}))
        .await;
    let checks = app.validate().await.unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
    for n in [
        "fields complete",
        "secrets decryptable",
        "endpoints",
        "token obtainable",
        "queue folder",
        "mailbox reachable",
        "storage folder",
        "Skipped folder",
        "interaction template",
        "salespeople",
        "job entry",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name)
        .collect();
    // Before the first enable the job entry is "not yet", not a failure.
    assert!(failed.is_empty(), "{checks:?}");
    assert!(
        checks
            .iter()
            .find(|c| c.name == "job entry")
            .unwrap()
            .detail
            .starts_with("not yet: enable logging")
    );
    app.enable(0).unwrap();
    assert!(app.validate().await.unwrap().iter().all(|c| c.passed));
    let o = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .args(["validate"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A wrong secret: the token check fails with what to do; exit 1.
    app.set_client_secret("wrong").unwrap();
    let o = emaillog_cmd()
        .arg("--db")
        .arg(app.db_path())
        .args(["validate", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let token = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "token obtainable")
        .unwrap();
    assert_eq!(token["passed"], false);
    assert!(token["detail"].as_str().unwrap().contains("invalid_client"));
}

#[test]
fn setup_scripts_print_the_rules_and_refuse_injection() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    let run = |args: &[&str]| {
        emaillog_cmd()
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["init"]).status.success());
    let o = run(&[
        "setup",
        "script",
        "exchange",
        "--mailbox",
        "crm-log@contoso.example",
        "--account",
        "admin@contoso.example",
        "--reader",
        "jane@contoso.example",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("New-TransportRule -Name 'Log email sent to this organization'"));
    assert!(s.contains("New-TransportRule -Name 'Log email sent from this organization'"));
    assert!(
        s.contains("FullAccess")
            && s.contains("Reviewer")
            && s.contains("'crm-log@contoso.example'")
    );
    let o = run(&[
        "setup",
        "script",
        "exchange",
        "--mailbox",
        "x@y.example'; Remove-Mailbox -Identity *; '",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["setup", "script", "app", "--name", "emaillog"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("--is-fallback-public-client true")
            && s.contains("5df07973-7d5d-46ed-9847-1271055cbd51=Scope")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_secret_can_come_from_a_command_and_a_failing_command_says_so_without_its_output()
 {
    let sim = TestSim::start(fast(3600)).await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.set_client_secret("wrong-stored-secret").unwrap();
    // The command comes before the stored secret.
    let cmd = format!("printf %s {}", sim.config.client_secret);
    app.change_setup(&SetupChanges {
        secret_command: Some(cmd),
        ..Default::default()
    })
    .unwrap();
    let setup = app.setup().unwrap();
    let provider = app.token_provider(&setup, &app.store().unwrap()).unwrap();
    assert!(
        provider.token().await.is_ok(),
        "the command's secret was used"
    );
    app.change_setup(&SetupChanges {
        secret_command: Some("echo leaked-output; exit 3".into()),
        ..Default::default()
    })
    .unwrap();
    let e = app
        .token_provider(&app.setup().unwrap(), &app.store().unwrap())
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("secret command failed") && !e.contains("leaked-output"),
        "{e}"
    );
}
