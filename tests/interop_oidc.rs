//! Interop: emaillog's device-code sign-in, refresh-token rotation and client
//! credentials against a real, independent OpenID Connect server
//! (`oidc-provider` from the npm registry, in `tests/interop/`), started here
//! on loopback. Without Node or its packages the test says so and skips,
//! except under `CI=true`, where that is a failure.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use emaillog::app::App;
use emaillog::app::login::LoginPrompt;
use emaillog::app::sealing::Sealed;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::auth::delegated::refresh_with;
use emaillog::auth::oauth::{ClientApp, Endpoints};
use emaillog::auth::{ClientCredentials, Secret, TokenProvider};
use emaillog::domain::setup::AuthFlow;
use emaillog::engine::Stop;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Option<Server> {
    let dir = match common::interop_node("oidc-provider") {
        Ok(dir) => dir,
        Err(why) => {
            common::skip_without("the oidc-provider interop test", &why);
            return None;
        }
    };
    let port = common::free_port();
    let mut child = Command::new("node")
        .arg("oidc-server.mjs")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while line.trim() != "listening" {
        line.clear();
        assert!(
            lines.read_line(&mut line).unwrap() > 0,
            "the OIDC server exited before listening"
        );
    }
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    Some(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_refresh_rotation_and_client_credentials_against_oidc_provider() {
    let Some(server) = start_server() else { return };
    let base = server.base.clone();

    // Device code through the app, as `emaillog login --device-code` does.
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(emaillog::store::testing::fresh_database(
        dir.path(),
        "interop.db",
    ));
    app.change_setup(&SetupChanges {
        mailbox: Some("crm-log@contoso.example".into()),
        tenant: Some("tenant".into()),
        client_id: Some("emaillog-public".into()),
        authority: Some(base.clone()),
        auth_flow: Some(AuthFlow::DeviceCode),
        ..Default::default()
    })
    .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    let approver_base = base.clone();
    let approver = tokio::spawn(async move {
        let code = rx.await.unwrap();
        // Approve only after the client has polled at least once (pending).
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let r = reqwest::Client::new()
            .get(format!("{approver_base}/test/approve"))
            .query(&[
                ("user_code", code.as_str()),
                ("account", "admin@contoso.example"),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    });
    let mut tx = Some(tx);
    let out = app
        .login(
            None,
            |p| {
                if let LoginPrompt::Device(p) = p {
                    assert!(p.verification_uri.starts_with(&base));
                    let _ = tx.take().unwrap().send(p.user_code);
                }
            },
            &Stop::never(),
        )
        .await
        .unwrap();
    approver.await.unwrap();
    assert_eq!(out.flow, AuthFlow::DeviceCode);
    let refresh_token = || {
        let store = app.store().unwrap();
        let sealed = store.refresh_token_sealed().unwrap().unwrap();
        app.open_sealed(
            &store,
            &store.setup().unwrap(),
            Sealed::RefreshToken,
            &sealed,
        )
        .unwrap()
    };
    let first = Secret::new(refresh_token());

    // Refresh: the server rotates the refresh token; the old one stops working.
    let client = ClientApp {
        endpoints: Endpoints::new(&base, "tenant"),
        client_id: "emaillog-public".into(),
        secret: None,
    };
    let refreshed = refresh_with(&client, &first).await.unwrap();
    let second = refreshed.refresh.clone().expect("a rotated refresh token");
    assert_ne!(second.expose(), first.expose());
    // The app's provider refreshes through the vault and stores the rotation.
    app.save_tokens(&refreshed.access, Some(&second)).unwrap();
    let now = std::time::Instant::now();
    app.save_tokens(
        &emaillog::auth::AccessToken {
            secret: Secret::new("stale"),
            expires_at: now,
            renew_at: now,
        },
        None,
    )
    .unwrap();
    let setup = app.setup().unwrap();
    let provider = app.token_provider(&setup, &app.store().unwrap()).unwrap();
    let token = provider.token().await.unwrap();
    assert_ne!(token.secret.expose(), "stale");
    let third = refresh_token();
    assert_ne!(
        third,
        second.expose(),
        "the provider stored the next rotation"
    );
    // Reusing a rotated refresh token is refused (and the server revokes the grant).
    let reuse = refresh_with(&client, &first).await.unwrap_err().to_string();
    assert!(
        reuse.contains("invalid_grant") && reuse.contains("sign in again"),
        "{reuse}"
    );

    // Client credentials.
    let app_only = ClientCredentials::new(
        &base,
        "tenant",
        "emaillog-app",
        Secret::new("interop-client-secret-0123456789"),
    )
    .unwrap();
    assert!(!app_only.token().await.unwrap().secret.expose().is_empty());
    let wrong =
        ClientCredentials::new(&base, "tenant", "emaillog-app", Secret::new("wrong")).unwrap();
    let e = wrong.token().await.unwrap_err().to_string();
    assert!(e.contains("invalid_client"), "{e}");
}
