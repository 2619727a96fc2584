//! Helpers shared by the integration tests: a simulator on loopback and a
//! small HTTP client for it.
#![allow(dead_code)]

use emaillog::sim::{SimConfig, SimServer};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const MAILBOX: &str = "crm-log@contoso.example";

pub struct TestSim {
    pub server: SimServer,
    pub http: reqwest::Client,
    pub base: String,
    pub config: SimConfig,
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestSim {
    pub async fn start(config: SimConfig) -> Self {
        let server = SimServer::start("127.0.0.1:0".parse().unwrap(), config.clone())
            .await
            .expect("simulator starts");
        let base = server.base_url();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            server,
            http,
            base,
            config,
        }
    }

    pub async fn default() -> Self {
        Self::start(SimConfig::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body arrives");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn token_form(&self, tenant: &str, form: &[(&str, &str)]) -> Answer {
        let resp = self
            .http
            .post(self.url(&format!("/{tenant}/oauth2/v2.0/token")))
            .form(form)
            .send()
            .await
            .unwrap();
        Self::answer(resp).await
    }

    /// An app-only token for the registered app.
    pub async fn app_token(&self) -> String {
        let a = self
            .token_form(
                "contoso.example",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &self.config.client_id),
                    ("client_secret", &self.config.client_secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn get(&self, token: &str, path_or_url: &str) -> Answer {
        self.get_with(token, path_or_url, &[]).await
    }

    pub async fn get_with(
        &self,
        token: &str,
        path_or_url: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            self.url(path_or_url)
        };
        let mut req = self.http.get(url).bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    /// Adds messages to a folder through the control API; returns what was stored.
    pub async fn add(&self, mailbox: &str, folder: &str, messages: Value) -> Value {
        let a = self
            .control(
                reqwest::Method::POST,
                &format!("/_sim/mailboxes/{mailbox}/folders/{folder}/messages"),
                Some(messages),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body
    }

    pub async fn folder_messages(&self, mailbox: &str, folder: &str) -> Vec<Value> {
        let a = self
            .control(
                reqwest::Method::GET,
                &format!("/_sim/mailboxes/{mailbox}/folders/{folder}/messages"),
                None,
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["value"].as_array().cloned().unwrap_or_default()
    }
}

/// A minimal Graph message from `from` to `to`.
pub fn message(from: &str, to: &[&str], subject: &str) -> Value {
    json!({
        "subject": subject,
        "from": {"emailAddress": {"name": from.split('@').next().unwrap(), "address": from}},
        "toRecipients": to.iter().map(|a| json!({"emailAddress": {"name": "", "address": a}})).collect::<Vec<_>>(),
        "body": {"contentType": "html", "content": format!("<p>About {subject}</p>")},
    })
}

/// `n` messages received one minute apart, oldest first.
pub fn messages(n: usize) -> Value {
    let start = chrono::Utc::now() - chrono::Duration::days(1);
    Value::Array(
        (0..n)
            .map(|i| {
                let mut m = message(
                    "alex.berg@fabrikam.example",
                    &["annette.hill@contoso.example"],
                    &format!("Message {i}"),
                );
                m["receivedDateTime"] = json!(
                    (start + chrono::Duration::minutes(i as i64))
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string()
                );
                m
            })
            .collect(),
    )
}

pub fn error_code(a: &Answer) -> &str {
    a.body["error"]["code"].as_str().unwrap_or_default()
}
