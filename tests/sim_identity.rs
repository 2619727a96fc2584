//! The simulator's identity platform endpoints: client credentials, device
//! code with every error, authorization code with PKCE, rotating refresh.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{MAILBOX, TestSim, error_code, messages};
use emaillog::sim::SimConfig;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;

const DELEGATED: &str = "https://graph.microsoft.com/Mail.ReadWrite.Shared offline_access";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Steps the simulator's frozen device-code clock (frozen at its first step).
async fn advance(sim: &TestSim, secs: f64) {
    sim.control(reqwest::Method::POST, "/_sim/clock/freeze", None)
        .await;
    let a = sim
        .control(
            reqwest::Method::POST,
            "/_sim/clock/advance",
            Some(json!({ "secs": secs })),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

/// A device-code clock that stands still until a test steps it.
async fn frozen(sim: &TestSim) {
    sim.control(reqwest::Method::POST, "/_sim/clock/freeze", None)
        .await;
}

fn fast_device() -> SimConfig {
    SimConfig {
        device_interval_secs: 1,
        device_code_ttl: Duration::from_secs(3),
        ..SimConfig::default()
    }
}

async fn device_code(sim: &TestSim, scope: &str) -> serde_json::Value {
    let resp = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/devicecode"))
        .form(&[
            ("client_id", sim.config.client_id.as_str()),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    let a = TestSim::answer(resp).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

async fn poll(sim: &TestSim, code: &str) -> common::Answer {
    sim.token_form(
        "organizations",
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", &sim.config.client_id),
            ("device_code", code),
        ],
    )
    .await
}

#[tokio::test]
async fn client_credentials_gives_an_app_token_and_refuses_bad_clients() {
    let sim = TestSim::default().await;
    let id = sim.config.client_id.clone();
    let ok = sim
        .token_form(
            "contoso.example",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &sim.config.client_secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert!(ok.body["expires_in"].as_i64().unwrap() > 0);
    assert!(
        ok.body.get("refresh_token").is_none(),
        "app-only tokens have no refresh token"
    );
    // The secret may also come by HTTP Basic authentication.
    let basic = sim
        .http
        .post(sim.url("/contoso.example/oauth2/v2.0/token"))
        .basic_auth(&id, Some(&sim.config.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);

    let wrong_secret = sim
        .token_form(
            "contoso.example",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "nope"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(
        (
            wrong_secret.status,
            wrong_secret.body["error"].as_str().unwrap()
        ),
        (401, "invalid_client")
    );
    assert!(
        wrong_secret.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS")
    );
    let other_app = sim
        .token_form(
            "contoso.example",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "someone-else"),
                ("client_secret", "x"),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(other_app.status, 400);
    assert_eq!(other_app.body["error"], "unauthorized_client");
    let wrong_scope = sim
        .token_form(
            "contoso.example",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &sim.config.client_secret),
                ("scope", "Mail.Read"),
            ],
        )
        .await;
    assert_eq!(wrong_scope.body["error"], "invalid_scope");
    let common_tenant = sim
        .token_form(
            "common",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &sim.config.client_secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    assert_eq!(common_tenant.body["error"], "invalid_request");
    let no_grant = sim
        .token_form("contoso.example", &[("client_id", &id)])
        .await;
    assert_eq!(no_grant.body["error"], "invalid_request");
    let odd_grant = sim
        .token_form(
            "contoso.example",
            &[("grant_type", "password"), ("client_id", &id)],
        )
        .await;
    assert_eq!(odd_grant.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn device_code_pending_slow_down_then_approved() {
    let sim = TestSim::start(fast_device()).await;
    frozen(&sim).await;
    let dc = device_code(&sim, DELEGATED).await;
    for field in [
        "device_code",
        "user_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    ] {
        assert!(dc.get(field).is_some(), "{field}");
    }
    assert!(
        dc["message"]
            .as_str()
            .unwrap()
            .contains(dc["user_code"].as_str().unwrap())
    );
    let code = dc["device_code"].as_str().unwrap();
    let a = poll(&sim, code).await;
    assert_eq!(
        (a.status, a.body["error"].as_str().unwrap()),
        (400, "authorization_pending")
    );
    let a = poll(&sim, code).await;
    assert_eq!(
        a.body["error"], "slow_down",
        "polling faster than the interval (the clock stands still)"
    );
    advance(&sim, 1.1).await;
    let approve = sim
        .control(
            reqwest::Method::POST,
            "/_sim/device/approve",
            Some(json!({"user_code": dc["user_code"], "account": "admin@contoso.example"})),
        )
        .await;
    assert_eq!(approve.status, 200, "{}", approve.body);
    let a = poll(&sim, code).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.body["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    assert!(
        a.body["scope"]
            .as_str()
            .unwrap()
            .contains("https://graph.microsoft.com/Mail.ReadWrite.Shared")
    );
    // The delegated token reads the shared mailbox and knows its account.
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = a.body["access_token"].as_str().unwrap();
    assert_eq!(
        sim.get(
            token,
            "/v1.0/users/crm-log@contoso.example/mailFolders/inbox/messages"
        )
        .await
        .status,
        200
    );
    let me = sim.get(token, "/v1.0/me").await;
    assert_eq!(me.body["userPrincipalName"], "admin@contoso.example");
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["preferred_username"], "admin@contoso.example");
    // A used device code is gone.
    advance(&sim, 1.1).await;
    assert_eq!(
        poll(&sim, code).await.body["error"],
        "bad_verification_code"
    );
}

#[tokio::test]
async fn device_code_declined_expired_and_unknown() {
    let sim = TestSim::start(fast_device()).await;
    let dc = device_code(&sim, DELEGATED).await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/device/decline",
        Some(json!({"user_code": dc["user_code"]})),
    )
    .await;
    assert_eq!(
        poll(&sim, dc["device_code"].as_str().unwrap()).await.body["error"],
        "authorization_declined"
    );

    let dc = device_code(&sim, DELEGATED).await;
    advance(&sim, 3.2).await;
    assert_eq!(
        poll(&sim, dc["device_code"].as_str().unwrap()).await.body["error"],
        "expired_token"
    );

    assert_eq!(
        poll(&sim, "never-issued").await.body["error"],
        "bad_verification_code"
    );
    let approve = sim
        .control(
            reqwest::Method::POST,
            "/_sim/device/approve",
            Some(json!({"user_code": "ZZZZ-ZZZZ", "account": "a@b.example"})),
        )
        .await;
    assert_eq!(approve.status, 404);
    let no_scope = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/devicecode"))
        .form(&[("client_id", sim.config.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(no_scope.status(), 400);
}

#[tokio::test]
async fn device_login_page_approves_a_code() {
    let sim = TestSim::start(fast_device()).await;
    let dc = device_code(&sim, DELEGATED).await;
    let page = sim
        .http
        .get(dc["verification_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("<form"));
    let done = sim
        .http
        .post(dc["verification_uri"].as_str().unwrap())
        .form(&[
            ("user_code", dc["user_code"].as_str().unwrap()),
            ("account", "admin@contoso.example"),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("Done"));
    assert_eq!(
        poll(&sim, dc["device_code"].as_str().unwrap()).await.status,
        200
    );
}

fn pkce() -> (String, String) {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_string();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

async fn authorize(sim: &TestSim, challenge: &str, redirect: &str) -> reqwest::Response {
    let url = reqwest::Url::parse_with_params(
        &sim.url("/organizations/oauth2/v2.0/authorize"),
        &[
            ("client_id", sim.config.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", DELEGATED),
            ("state", "xyz"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    sim.http.get(url).send().await.unwrap()
}

fn code_from(resp: &reqwest::Response) -> (String, String) {
    assert_eq!(resp.status(), 302);
    let loc = reqwest::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let get = |n: &str| {
        loc.query_pairs()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    (get("code"), get("state"))
}

#[tokio::test]
async fn authorization_code_with_pkce_checks_the_verifier() {
    let sim = TestSim::default().await;
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:53682/callback";
    // Interactive by default: a sign-in page whose form posts back.
    let page = authorize(&sim, &challenge, redirect).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("name=\"code_challenge\"")
    );

    sim.control(
        reqwest::Method::POST,
        "/_sim/authorize/approve",
        Some(json!({"account": "admin@contoso.example"})),
    )
    .await;
    let (code, state) = code_from(&authorize(&sim, &challenge, redirect).await);
    assert_eq!(state, "xyz");
    let id = sim.config.client_id.clone();
    let bad = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", redirect),
                (
                    "code_verifier",
                    "wrong-verifier-wrong-verifier-wrong-verifier",
                ),
            ],
        )
        .await;
    assert_eq!(bad.body["error"], "invalid_grant");
    assert!(
        bad.body["error_description"]
            .as_str()
            .unwrap()
            .contains("AADSTS501481")
    );
    // The code was spent by the failed attempt; a fresh one with the right verifier works.
    let (code, _) = code_from(&authorize(&sim, &challenge, redirect).await);
    let wrong_redirect = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:1/other"),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(wrong_redirect.body["error"], "invalid_grant");
    let (code, _) = code_from(&authorize(&sim, &challenge, redirect).await);
    let ok = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body["refresh_token"].is_string());
    let again = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(
        again.body["error"], "invalid_grant",
        "a code is redeemed once"
    );

    sim.control(reqwest::Method::POST, "/_sim/authorize/decline", None)
        .await;
    let resp = authorize(&sim, &challenge, redirect).await;
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.contains("error=access_denied") && loc.contains("state=xyz"),
        "{loc}"
    );

    let not_loopback = authorize(&sim, &challenge, "https://evil.example/cb").await;
    assert_eq!(
        not_loopback.status(),
        400,
        "a non-loopback redirect is never followed"
    );
}

#[tokio::test]
async fn sign_in_form_posts_back_and_redirects_with_a_code() {
    let sim = TestSim::default().await;
    let (_, challenge) = pkce();
    let redirect = "http://localhost:8400/";
    let resp = sim
        .http
        .post(sim.url("/organizations/oauth2/v2.0/authorize"))
        .form(&[
            ("client_id", sim.config.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", DELEGATED),
            ("state", "s1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("account", "admin@contoso.example"),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    let (code, state) = code_from(&resp);
    assert!(!code.is_empty());
    assert_eq!(state, "s1");
}

async fn device_tokens(sim: &TestSim, scope: &str, account: &str) -> serde_json::Value {
    let dc = device_code(sim, scope).await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/device/approve",
        Some(json!({"user_code": dc["user_code"], "account": account})),
    )
    .await;
    let a = poll(sim, dc["device_code"].as_str().unwrap()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

#[tokio::test]
async fn refresh_tokens_are_renewed_not_revoked_by_use_and_can_be_revoked() {
    let sim = TestSim::start(fast_device()).await;
    let t = device_tokens(&sim, DELEGATED, "admin@contoso.example").await;
    let first = t["refresh_token"].as_str().unwrap().to_string();
    let id = sim.config.client_id.clone();
    let r1 = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("refresh_token", &first),
            ],
        )
        .await;
    assert_eq!(r1.status, 200, "{}", r1.body);
    let second = r1.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second, "each refresh returns a new refresh token");
    let reuse = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("refresh_token", &first),
            ],
        )
        .await;
    assert_eq!(
        reuse.status, 200,
        "as Entra: using a refresh token does not revoke it: {}",
        reuse.body
    );
    assert_ne!(reuse.body["refresh_token"], r1.body["refresh_token"]);
    let revoke = sim
        .control(
            reqwest::Method::POST,
            "/_sim/refresh-tokens/revoke",
            Some(json!({"account": "admin@contoso.example"})),
        )
        .await;
    assert_eq!(
        revoke.body["revoked"], 3,
        "the first, its renewal and the renewal from reusing the first"
    );
    let after = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("refresh_token", &second),
            ],
        )
        .await;
    assert_eq!(after.body["error"], "invalid_grant");
}

#[tokio::test]
async fn offline_access_is_needed_for_a_refresh_token_and_mail_scope_for_mail() {
    let sim = TestSim::start(fast_device()).await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let t = device_tokens(
        &sim,
        "https://graph.microsoft.com/User.Read",
        "admin@contoso.example",
    )
    .await;
    assert!(t.get("refresh_token").is_none());
    let a = sim
        .get(
            t["access_token"].as_str().unwrap(),
            "/v1.0/users/crm-log@contoso.example/mailFolders/inbox/messages",
        )
        .await;
    assert_eq!((a.status, error_code(&a)), (403, "ErrorAccessDenied"));
    // Mail.ReadWrite without .Shared reaches only the account's own mailbox.
    let t = device_tokens(
        &sim,
        "https://graph.microsoft.com/Mail.ReadWrite",
        "admin@contoso.example",
    )
    .await;
    let a = sim
        .get(
            t["access_token"].as_str().unwrap(),
            "/v1.0/users/crm-log@contoso.example/mailFolders/inbox/messages",
        )
        .await;
    assert_eq!(a.status, 403);
}

#[tokio::test]
async fn openid_configuration_names_the_endpoints() {
    let sim = TestSim::default().await;
    let a = TestSim::answer(
        sim.http
            .get(sim.url("/organizations/v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        a.body["device_authorization_endpoint"]
            .as_str()
            .unwrap()
            .ends_with("/organizations/oauth2/v2.0/devicecode")
    );
}

#[tokio::test]
async fn discovery_names_the_tenant_guid_and_keys_and_unknown_tenants_are_not_found() {
    let sim = TestSim::default().await;
    let guid = sim.config.tenant_id.clone();
    let discovery = |tenant: &str| {
        let path = format!("/{tenant}/v2.0/.well-known/openid-configuration");
        let sim = &sim;
        async move { sim.control(reqwest::Method::GET, &path, None).await }
    };
    for (tenant, issuer) in [
        (
            guid.as_str(),
            format!("https://login.microsoftonline.com/{guid}/v2.0"),
        ),
        (
            "contoso.example",
            format!("https://login.microsoftonline.com/{guid}/v2.0"),
        ),
        (
            "organizations",
            "https://login.microsoftonline.com/{tenantid}/v2.0".to_string(),
        ),
    ] {
        let d = discovery(tenant).await;
        assert_eq!(d.status, 200, "{tenant}: {}", d.body);
        assert_eq!(d.body["issuer"], issuer.as_str(), "{tenant}");
        assert_eq!(
            d.body["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
        assert_eq!(d.body["subject_types_supported"], json!(["pairwise"]));
        let keys = sim
            .http
            .get(d.body["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        assert_eq!(keys["keys"][0]["kty"], "RSA", "{keys}");
        assert_eq!(keys["keys"][0]["alg"], "RS256");
    }
    for tenant in ["00000000-1111-2222-3333-444444444444", "contoso"] {
        let d = discovery(tenant).await;
        assert_eq!(
            (d.status, d.body["error"].as_str()),
            (400, Some("invalid_tenant")),
            "{tenant}"
        );
        let t = sim
            .token_form(
                tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &sim.config.client_id),
                    ("client_secret", &sim.config.client_secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await;
        assert_eq!(t.status, 400, "{tenant}: {}", t.body);
        assert!(
            t.body["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS90002"),
            "{}",
            t.body
        );
    }
}

#[tokio::test]
async fn id_tokens_carry_guid_claims_and_client_info_comes_when_asked() {
    let sim = TestSim::start(fast_device()).await;
    let dc = device_code(
        &sim,
        "openid profile offline_access https://graph.microsoft.com/Mail.Read",
    )
    .await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/device/approve",
        Some(json!({"user_code": dc["user_code"], "account": "admin@contoso.example"})),
    )
    .await;
    let id = sim.config.client_id.clone();
    let code = dc["device_code"].as_str().unwrap();
    let t = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", DEVICE_GRANT),
                ("client_id", &id),
                ("device_code", code),
                ("client_info", "1"),
            ],
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(
                t.body["id_token"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .nth(1)
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    let guid = sim.config.tenant_id.clone();
    assert_eq!(claims["tid"], guid.as_str());
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(
        claims["iss"],
        format!("https://login.microsoftonline.com/{guid}/v2.0")
    );
    assert_eq!(claims["aud"], id.as_str());
    assert_eq!(claims["oid"].as_str().unwrap().len(), 36);
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    let info: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(t.body["client_info"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(info, json!({"uid": claims["oid"], "utid": guid}));
    // Without client_info=1, none.
    let r = sim
        .token_form(
            "organizations",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &id),
                ("refresh_token", t.body["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("client_info").is_none(), "{}", r.body);
}
