//! The simulator's control API, injected faults, and the `sim serve` command.

mod common;

use common::{MAILBOX, TestSim, error_code, message, messages};
use emaillog::sim::{Seed, SimConfig};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const INBOX: &str = "/v1.0/users/crm-log@contoso.example/mailFolders/inbox/messages";

#[tokio::test]
async fn add_fills_ids_and_dates_and_keeps_an_empty_message_id() {
    let sim = TestSim::default().await;
    let one = sim
        .add(
            MAILBOX,
            "inbox",
            message("a@x.example", &["b@contoso.example"], "s"),
        )
        .await;
    assert!(one.is_object(), "one object in, one object out");
    for f in [
        "id",
        "internetMessageId",
        "conversationId",
        "receivedDateTime",
        "sentDateTime",
    ] {
        assert!(
            one[f].as_str().is_some_and(|s| !s.is_empty()),
            "{f} filled in"
        );
    }
    let mut m = message("a@x.example", &["b@contoso.example"], "no id");
    m["internetMessageId"] = json!("");
    let many = sim.add(MAILBOX, "inbox", json!([m])).await;
    assert_eq!(
        many[0]["internetMessageId"], "",
        "a present but empty internetMessageId stays empty"
    );
    assert_eq!(
        sim.folder_messages(MAILBOX, "Inbox").await.len(),
        2,
        "folders by display name too"
    );
}

#[tokio::test]
async fn bad_messages_are_refused_whole_with_the_reason() {
    let sim = TestSim::default().await;
    let a = sim
        .control(
            reqwest::Method::POST,
            &format!("/_sim/mailboxes/{MAILBOX}/folders/inbox/messages"),
            Some(json!([message("a@x.example", &[], "ok"), {"toRecipients": "bob"}])),
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Message 1:"),
        "{}",
        a.body
    );
    let a = sim
        .control(
            reqwest::Method::POST,
            &format!("/_sim/mailboxes/{MAILBOX}/folders/inbox/messages"),
            Some(json!({"receivedDateTime": "yesterday"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = sim
        .control(
            reqwest::Method::POST,
            &format!("/_sim/mailboxes/{MAILBOX}/folders/inbox/messages"),
            Some(json!(42)),
        )
        .await;
    assert_eq!(a.status, 400);
    let missing = sim
        .control(
            reqwest::Method::GET,
            "/_sim/mailboxes/nobody@x.example/folders/inbox/messages",
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn reset_empties_mailboxes_tokens_and_faults() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(3)).await;
    let token = sim.app_token().await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"status_rates": {"503": 1.0}})),
    )
    .await;
    let a = sim
        .control(reqwest::Method::POST, "/_sim/reset", None)
        .await;
    assert_eq!(a.status, 200);
    let a = sim.get(&token, INBOX).await;
    assert_eq!(
        a.status, 401,
        "tokens are gone, and the 503 fault with them"
    );
    let a = sim.get(&sim.app_token().await, INBOX).await;
    assert_eq!((a.status, error_code(&a)), (404, "ErrorInvalidUser"));
}

#[tokio::test]
async fn status_faults_answer_before_the_request_runs() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    let set = sim
        .control(
            reqwest::Method::POST,
            "/_sim/faults",
            Some(json!({"path_prefix": "/v1.0", "status_rates": {"503": 1.0}})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let a = sim.get(&token, INBOX).await;
    assert_eq!((a.status, error_code(&a)), (503, "ServiceUnavailable"));
    assert!(
        sim.app_token().await.len() > 10,
        "the identity endpoints are outside the prefix"
    );
    sim.control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    assert_eq!(sim.get(&token, INBOX).await.status, 200);
}

#[tokio::test]
async fn a_reset_connection_loses_the_answer_but_the_move_happened() {
    let sim = TestSim::default().await;
    let stored = sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/v1.0", "reset_rate": 1.0})),
    )
    .await;
    let id = stored[0]["id"].as_str().unwrap();
    let sent = sim
        .http
        .post(sim.url(&format!("/v1.0/users/{MAILBOX}/messages/{id}/move")))
        .bearer_auth(&token)
        .json(&json!({"destinationId": "archive"}))
        .send()
        .await;
    let failed = match sent {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "the client never sees the answer");
    assert_eq!(
        sim.folder_messages(MAILBOX, "archive").await.len(),
        1,
        "yet the move was done"
    );
}

#[tokio::test]
async fn malformed_faults_garble_the_json() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(2)).await;
    let token = sim.app_token().await;
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({"path_prefix": "/v1.0", "malformed_rate": 1.0})),
    )
    .await;
    let resp = sim
        .http
        .get(sim.url(INBOX))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<serde_json::Value>().await.is_err());
}

#[tokio::test]
async fn invalid_fault_settings_are_refused() {
    let sim = TestSim::default().await;
    for bad in [
        json!({"status_rates": {"503": 1.5}}),
        json!({"status_rates": {"200": 0.1}}),
        json!({"status_rates": {"503": 0.6, "500": 0.6}}),
        json!({"reset_rate": -1}),
        json!({"surprise": 1}),
        json!({"path_prefix": "v1.0"}),
    ] {
        let a = sim
            .control(reqwest::Method::POST, "/_sim/faults", Some(bad.clone()))
            .await;
        assert_eq!(a.status, 400, "{bad}");
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Invalid faults")
        );
    }
}

#[tokio::test]
async fn demo_seed_has_a_backlog_and_writes_people_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let sim = TestSim::start(SimConfig {
        seed: Seed::Demo,
        people_dir: Some(dir.path().to_path_buf()),
        ..SimConfig::default()
    })
    .await;
    let inbox = sim.folder_messages(MAILBOX, "inbox").await;
    assert!(inbox.len() >= 40);
    let salespeople = std::fs::read_to_string(dir.path().join("salespeople.csv")).unwrap();
    assert!(salespeople.starts_with("code,name,email\n"));
    let contacts = std::fs::read_to_string(dir.path().join("contacts.csv")).unwrap();
    assert!(contacts.starts_with("no,name,company,email,alt_emails\n"));
    assert!(contacts.lines().count() > 30);
    assert!(inbox.iter().any(|m| m["isDraft"] == true), "some drafts");
    assert!(
        inbox
            .iter()
            .any(|m| m.get("singleValueExtendedProperties").is_some()),
        "some private mail"
    );
}

#[test]
fn sim_serve_prints_its_address_first_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emaillog"))
        .args(["sim", "serve", "--addr", "127.0.0.1:0", "--seed", "demo"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // What a client needs to be set up against it, each said once.
    let mut said = String::new();
    for _ in 0..4 {
        out.read_line(&mut said).unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    for what in [
        "client id: ",
        "client secret: ",
        "shared mailbox: crm-log@contoso.example",
        "control API: http://127.0.0.1:",
    ] {
        assert!(said.contains(what), "{what} in {said}");
    }
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("first line names the address");
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
}

/// `--mailbox`, repeated: each mailbox is there from the start, named on
/// start, and Graph answers for it (an unknown one stays 404).
#[test]
fn sim_serve_serves_each_mailbox_it_is_given() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emaillog"))
        .args(["sim", "serve", "--addr", "127.0.0.1:0"])
        .args([
            "--mailbox",
            "EMEA-log@contoso.example",
            "--mailbox",
            "apac-log@contoso.example",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    // Stopped even when an assertion fails first.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let child = Kill(child);
    let mut said = String::new();
    while !said.contains("control API: ") {
        let before = said.len();
        out.read_line(&mut said).unwrap();
        assert!(said.len() > before, "the output ended: {said}");
    }
    let base = said
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("listening on "))
        .unwrap()
        .to_string();
    for what in [
        "shared mailbox: emea-log@contoso.example",
        "shared mailbox: apac-log@contoso.example",
    ] {
        assert!(said.contains(what), "{what} in {said}");
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let statuses = rt.block_on(async {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!(
                "{base}/{}/oauth2/v2.0/token",
                emaillog::sim::state::DEFAULT_TENANT_ID
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", emaillog::sim::state::DEFAULT_CLIENT_ID),
                ("client_secret", emaillog::sim::state::DEFAULT_CLIENT_SECRET),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_string();
        let mut statuses = Vec::new();
        for mb in [
            "emea-log@contoso.example",
            "apac-log@contoso.example",
            "nobody@contoso.example",
        ] {
            let r = http
                .get(format!("{base}/v1.0/users/{mb}/mailFolders/inbox"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            statuses.push(r.status().as_u16());
        }
        statuses
    });
    drop(child);
    assert_eq!(statuses, vec![200, 200, 404]);
}

#[test]
fn sim_serve_rejects_bad_flags_with_usage_exit_code() {
    for args in [
        vec!["--limit", "10"],
        vec!["--limit", "0/5"],
        vec!["--concurrency", "0"],
        vec!["--addr", "nowhere"],
        vec!["--tenant-id", "contoso.example"],
        vec!["--tenant-id", "b4f1d1c7-3e5a-4c2e-9f6d-2a8e51c0d7a"],
        vec!["--mailbox", "sales-log"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_emaillog"))
            .args(["sim", "serve"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}
