//! Helpers shared by the integration tests: a simulator on loopback and a
//! small HTTP client for it.
#![allow(dead_code)]

pub mod dovecot;
pub mod fleet;
pub mod member;
pub mod postgres;
pub mod services;

// Not every test binary uses both.
#[allow(unused_imports)]
pub use services::{free_port, skip_without};

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

/// Every simulator CA this test process made, in one PEM file that the
/// `emaillog` processes the tests start are told to trust.
static BUNDLE: std::sync::Mutex<Option<(tempfile::TempDir, String)>> = std::sync::Mutex::new(None);

fn add_to_bundle(pem: &str) {
    let mut b = BUNDLE.lock().unwrap_or_else(|e| e.into_inner());
    let (dir, all) = b.get_or_insert_with(|| (tempfile::tempdir().unwrap(), String::new()));
    all.push_str(pem);
    let tmp = dir.path().join("bundle.pem.tmp");
    std::fs::write(&tmp, all.as_bytes()).unwrap();
    std::fs::rename(&tmp, dir.path().join("bundle.pem")).unwrap();
}

/// An HTTP client for the test itself that trusts every simulator's CA.
pub fn trusting_client() -> reqwest::Client {
    let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some((_, pem)) = BUNDLE.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        for c in reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap() {
            b = b.add_root_certificate(c);
        }
    }
    b.build().unwrap()
}

/// The `emaillog` binary, trusting the simulators' CAs (`EMAILLOG_CA_FILE`).
pub fn emaillog_cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_emaillog"));
    if let Some((dir, _)) = BUNDLE.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        cmd.env("EMAILLOG_CA_FILE", dir.path().join("bundle.pem"));
    }
    cmd
}

/// `emaillog --db DB ARGS...`, with no client id or secret from the
/// environment, run to its end.
pub fn emaillog_on(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    emaillog_cmd()
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("EMAILLOG_CLIENT_SECRET")
        .env_remove("EMAILLOG_CLIENT_ID")
        .output()
        .unwrap()
}

/// What a command printed, standard output then standard error.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Like [`emaillog_on`], and it must succeed.
pub fn emaillog_ok(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = emaillog_on(db, args);
    assert!(
        out.status.success(),
        "emaillog {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `emaillog setup secret --stdin` with `secret` on its standard input.
pub fn store_secret(db: &std::path::Path, secret: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = emaillog_cmd()
        .arg("--db")
        .arg(db)
        .args(["setup", "secret", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(secret).unwrap();
    child.wait_with_output().unwrap()
}

/// `tests/interop`, when Node.js and the npm `package` are installed there
/// (`cd tests/interop && npm ci`); else why not.
pub fn interop_node(package: &str) -> Result<std::path::PathBuf, String> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        return Err("node is not installed".into());
    }
    if !dir
        .join("node_modules")
        .join(package)
        .join("package.json")
        .exists()
    {
        return Err(format!(
            "tests/interop has no {package} (run: cd tests/interop && npm ci)"
        ));
    }
    Ok(dir)
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestSim {
    /// A simulator on loopback, over https with a CA of its own that this
    /// process (the engine under test and the test's own client) and the
    /// `emaillog` processes it starts trust.
    pub async fn start(config: SimConfig) -> Self {
        let config = SimConfig {
            tls: true,
            ..config
        };
        let server = SimServer::start("127.0.0.1:0".parse().unwrap(), config.clone())
            .await
            .expect("simulator starts");
        let base = server.base_url();
        let ca = server.ca_pem.clone().expect("a TLS simulator has a CA");
        emaillog::net::trust_ca_pem(ca.as_bytes()).unwrap();
        add_to_bundle(&ca);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
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

    /// `POST /v1.0/users/{MAILBOX}/messages/{id}/move` to `folder`, the id
    /// percent-encoded as a client must (Graph's ids carry `=` padding).
    pub async fn move_message(&self, token: &str, id: &str, folder: &str) -> Answer {
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        self.post(
            token,
            &format!("/v1.0/users/{MAILBOX}/messages/{id}/move"),
            json!({ "destinationId": folder }),
            &[],
        )
        .await
    }

    /// Follows nextLinks from `first` to the last page: every item, and
    /// the round's deltaLink (`None` for a listing).
    pub async fn follow(&self, token: &str, first: &str) -> (Vec<Value>, Option<String>) {
        let mut url = first.to_string();
        let mut items = Vec::new();
        loop {
            let a = self.get(token, &url).await;
            assert_eq!(a.status, 200, "{url}: {}", a.body);
            items.extend(a.body["value"].as_array().unwrap().iter().cloned());
            match a.body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => {
                    let delta = a.body["@odata.deltaLink"].as_str().map(str::to_string);
                    return (items, delta);
                }
            }
        }
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

    /// As [`Self::folder_messages`], with the immutable ids the engine uses.
    pub async fn folder_messages_immutable(&self, mailbox: &str, folder: &str) -> Vec<Value> {
        let resp = self
            .http
            .get(self.url(&format!(
                "/_sim/mailboxes/{mailbox}/folders/{folder}/messages"
            )))
            .header("Prefer", "IdType=\"ImmutableId\"")
            .send()
            .await
            .unwrap();
        let a = Self::answer(resp).await;
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

/// The private-message tests' offer: a body and a PDF worth hiding, and
/// unanswered for ten days, so the follow-ups list (which keeps the
/// subject) shows it too.
pub fn private_offer() -> Value {
    let mut offer = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "Pricing for Fabrikam",
    );
    offer["body"] = json!({"contentType": "text", "content": "Rabatt tolv prosent"});
    offer["receivedDateTime"] = json!(
        (chrono::Utc::now() - chrono::Duration::days(10))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );
    // "%PDF-1.4\n"
    offer["attachments"] = json!([{"name": "Tilbud.pdf", "contentType": "application/pdf", "contentBytes": "JVBERi0xLjQK"}]);
    offer
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

/// People the engine tests use: 3 salespeople at contoso, 6 contacts at two companies.
pub const SALESPEOPLE_CSV: &str = "code,name,email\nAH,Annette Hill,annette@contoso.example\nBD,Ben Diaz,ben@contoso.example\nLT,Linda Torres,linda@contoso.example\n";
pub const CONTACTS_CSV: &str = "no,name,company,email,alt_emails\nC1,Alex Berg,Fabrikam,alex@fabrikam.example,alex.b@fabrikam-mail.example\nC2,Sofia Ng,Fabrikam,sofia@fabrikam.example,\nC3,Omar Haddad,Fabrikam,omar@fabrikam.example,\nC4,Maria Costa,Northwind,maria@northwind.example,\nC5,Chen Larsen,Northwind,chen@northwind.example,\nC6,Grace Kim,Northwind,grace@northwind.example,\n";

/// The setup fields that point a mailbox at the simulator, signing in
/// with client credentials.
pub fn sim_setup(sim: &TestSim) -> emaillog::app::setup_edit::SetupChanges {
    emaillog::app::setup_edit::SetupChanges {
        tenant: Some("contoso.example".into()),
        client_id: Some(sim.config.client_id.clone()),
        graph_url: Some(sim.server.graph_url()),
        authority: Some(sim.base.clone()),
        auth_flow: Some(emaillog::domain::setup::AuthFlow::ClientCredentials),
        ..Default::default()
    }
}

/// The many-mailbox tests' second logging mailbox.
pub const SECOND: &str = "crm-2@contoso.example";

/// Adds [`SECOND`] against the simulator, the older experience's way: its
/// queue (`None`: the Inbox), storage `CRM/Logged` and Skipped `CRM/Skipped`
/// folders, made in the simulator (the queue with the mail put there).
pub async fn add_second_mailbox(
    sim: &TestSim,
    app: &emaillog::app::App,
    queue: Option<&str>,
) -> emaillog::app::App {
    let second = app.add_mailbox(SECOND).unwrap();
    second
        .change_setup(&emaillog::app::setup_edit::SetupChanges {
            unmatched: Some(emaillog::domain::setup::Unmatched::SkipFolder),
            batch_size: Some(10),
            queue_folder: queue.map(str::to_string),
            storage_folder: Some("CRM/Logged".into()),
            skip_folder: Some("CRM/Skipped".into()),
            ..sim_setup(sim)
        })
        .unwrap();
    second.set_client_secret(&sim.config.client_secret).unwrap();
    for folder in ["CRM/Logged", "CRM/Skipped"] {
        sim.add(SECOND, folder, json!([])).await;
    }
    second
}

/// A fresh database set up against the simulator with client credentials.
pub fn engine_app(sim: &TestSim, dir: &std::path::Path) -> emaillog::app::App {
    engine_app_at(
        sim,
        emaillog::store::testing::fresh_database(dir, "emaillog.db"),
    )
}

/// `engine_app` on the database at `db` (a file, or a `postgres://` URL).
pub fn engine_app_at(sim: &TestSim, db: std::path::PathBuf) -> emaillog::app::App {
    use emaillog::app::setup_edit::SetupChanges;
    use emaillog::domain::setup::Unmatched;
    let app = emaillog::app::App::new(db);
    app.import_salespeople(SALESPEOPLE_CSV.as_bytes(), false)
        .unwrap();
    app.import_contacts(CONTACTS_CSV.as_bytes(), false).unwrap();
    app.change_setup(&SetupChanges {
        mailbox: Some(MAILBOX.into()),
        unmatched: Some(Unmatched::SkipFolder),
        batch_size: Some(10),
        ..sim_setup(sim)
    })
    .unwrap();
    app.set_client_secret(&sim.config.client_secret).unwrap();
    app
}

pub const CONTACT_ADDRESSES: &[&str] = &[
    "alex@fabrikam.example",
    "sofia@fabrikam.example",
    "omar@fabrikam.example",
    "maria@northwind.example",
    "chen@northwind.example",
    "grace@northwind.example",
];
pub const SALES_ADDRESSES: &[&str] = &[
    "annette@contoso.example",
    "ben@contoso.example",
    "linda@contoso.example",
];

/// `n` messages with unique internetMessageIds: every fifth from an unknown
/// sender (not logged), the rest one contact to one salesperson or back
/// (one entry each). Returns (messages, how many are loggable).
pub fn mixed_messages(n: usize, tag: &str) -> (Value, usize) {
    let start = chrono::Utc::now() - chrono::Duration::days(2);
    let mut loggable = 0;
    let v: Vec<Value> = (0..n)
        .map(|i| {
            let c = CONTACT_ADDRESSES[i % CONTACT_ADDRESSES.len()];
            let s = SALES_ADDRESSES[i % SALES_ADDRESSES.len()];
            let mut m = if i.is_multiple_of(5) {
                message(
                    &format!("stranger{i}@else.example"),
                    &[s],
                    &format!("{tag} unknown {i}"),
                )
            } else if i.is_multiple_of(2) {
                loggable += 1;
                message(c, &[s], &format!("{tag} inbound {i}"))
            } else {
                loggable += 1;
                message(s, &[c], &format!("{tag} outbound {i}"))
            };
            m["internetMessageId"] = json!(format!("<{tag}-{i}@test.example>"));
            m["receivedDateTime"] = json!(
                (start + chrono::Duration::seconds(i as i64))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            );
            m
        })
        .collect();
    (Value::Array(v), loggable)
}

/// Nothing lost, nothing doubled: the Inbox is empty, every loggable message
/// is in Archive and logged once with one entry, every other is in Skipped
/// and recorded once.
pub async fn assert_exactly_once(
    sim: &TestSim,
    app: &emaillog::app::App,
    total: usize,
    loggable: usize,
) {
    let inbox = sim.folder_messages(MAILBOX, "inbox").await;
    assert!(
        inbox.is_empty(),
        "{} messages left in the Inbox",
        inbox.len()
    );
    let archive = sim.folder_messages(MAILBOX, "archive").await;
    let skipped = sim.folder_messages(MAILBOX, "Skipped").await;
    assert_eq!(
        archive.len() + skipped.len(),
        total,
        "every message is in Archive or Skipped"
    );
    assert_eq!(archive.len(), loggable);
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    assert_eq!(logged.len(), loggable, "each loggable message logged once");
    let ids: std::collections::HashSet<&str> = logged
        .iter()
        .map(|m| m.internet_message_id.as_str())
        .collect();
    assert_eq!(ids.len(), loggable, "no message logged twice");
    for m in &archive {
        assert!(
            ids.contains(m["internetMessageId"].as_str().unwrap()),
            "archived but not logged: {}",
            m["subject"]
        );
    }
    assert_eq!(
        store.count_entries().unwrap() as usize,
        loggable,
        "one entry per logged message"
    );
    assert_eq!(
        store.count_skipped().unwrap() as usize,
        total - loggable,
        "each skipped message recorded once"
    );
}

/// Runs `sync_once` until the Inbox is empty (at most `max` runs).
pub async fn sync_until_done(
    sim: &TestSim,
    app: &emaillog::app::App,
    max: usize,
) -> Vec<emaillog::store::RunCounts> {
    let (events, _rx) = emaillog::engine::events::channel();
    let mut out = Vec::new();
    for _ in 0..max {
        let r = app
            .sync_once(&events, &emaillog::engine::Stop::never())
            .await
            .unwrap();
        out.push(r.counts.clone());
        if sim.folder_messages(MAILBOX, "inbox").await.is_empty() {
            break;
        }
    }
    out
}

/// Runs `emaillog sync --once` on `db` with a crash point armed (or none);
/// returns whether it exited by itself (true) or was killed (false). Where
/// kills land is appended to `log`.
pub fn sync_once_crashing(
    db: &std::path::Path,
    crash_at: Option<&str>,
    log: &std::path::Path,
    env: &[(&str, &std::path::Path)],
) -> bool {
    let mut cmd = emaillog_cmd();
    cmd.arg("--db")
        .arg(db)
        .args(["sync", "--once", "--json"])
        .env("EMAILLOG_CRASH_LOG", log)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(at) = crash_at {
        cmd.env("EMAILLOG_CRASH_AT", at);
    }
    cmd.status().unwrap().code().is_some()
}

/// For a test of something only SQLite has (its file, its locks, a clock
/// the caller sets): true, after saying so, when the suite runs on
/// PostgreSQL, where the test returns at once.
#[allow(dead_code)]
pub fn sqlite_only(why: &str) -> bool {
    emaillog::store::testing::sqlite_only(why)
}

/// Waits until `done` holds, checking every 10 ms, failing with `what`
/// after `secs` seconds.
#[allow(dead_code)]
pub fn wait_until(what: &str, secs: u64, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} within {secs} s"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// One number from `sql` on the database at `db` (a path or a URL).
pub fn one_i64(db: &std::path::Path, sql: &str) -> i64 {
    emaillog::store::testing::connect(db)
        .query_row(sql, emaillog::store::db::params![], |r| r.get(0))
        .unwrap()
}

/// The subjects of a simulator folder's messages, sorted.
pub fn subjects(folder: &[Value]) -> Vec<String> {
    let mut s: Vec<String> = folder
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect();
    s.sort();
    s
}

/// The entries a search for `words` finds (the search index brought up
/// to date first), as `app`'s viewer sees them.
pub fn found(app: &emaillog::app::App, words: &str) -> usize {
    let mut store = app.store().unwrap();
    while store.index_for_search(1000).unwrap() > 0 {}
    store
        .log_page(
            &emaillog::store::LogFilter {
                search: emaillog::domain::search::fts_query(words),
                ..Default::default()
            },
            None,
            &emaillog::store::Seek::Newest,
            100,
        )
        .unwrap()
        .len()
}
