//! `cargo bench --bench sync`: prints `name: value` lines.
//!
//! - drain_*: a backlog drained through the simulator with 20 ms latency,
//!   concurrency 4 and a window of 200 requests per 2 s (target ratio ≥ 0.9);
//! - engine_*: engine cost per message with 100,000 contacts, the mail source
//!   in memory so only classification, the store and bookkeeping are timed
//!   (target ≤ 50 µs, at 1000 and at the default batch of 50, where each
//!   page's synced commit weighs more);
//! - engine_floor_*: beside the batch-50 figure, a bare rusqlite client
//!   writing only the rows the engine must write, on the same schema and
//!   disk: the floor a day's machine puts under it (`sync/floor.rs`), and
//!   that floor without each write that lands at a random place;
//! - latency_*: from a message landing in the Inbox to its entry committed
//!   while the job runner polls every second (target p95 ≤ 5 s);
//! - rss_*: peak RSS of `emaillog sync --once` draining 2,000 and 20,000
//!   messages from a simulator in another process (must not grow with the backlog).
//!
//! - multi_mailbox_*: one `run` serving 8 mailboxes (throughput against 8 ×
//!   one mailbox's ceiling, target ≥ 0.9) and idle at 8 and 64 mailboxes
//!   (RSS, target under 2 MiB more per mailbox): `sync/multi_mailbox.rs`.
//!
//! - engine_*_postgres: the engine's cost at batch 50 on a local PostgreSQL
//!   server (`.ci/pg-server`), beside SQLite's in the same run (target: at
//!   most 2×), and the two stores' floors beside them (`sync/floor_pg.rs`).
//!
//! - multi_engine_*: two `run` processes over 16 mailboxes of one
//!   database, on SQLite and PostgreSQL in the same run (target ≥ 0.9 of 16
//!   mailboxes' ceilings, no 429): `sync/multi_mailbox.rs`.
//!
//! Pass a name (drain, engine, enginepg, latency, rss, multi, engines) to
//! run only that part.

#[path = "sync/floor.rs"]
mod floor;
#[path = "sync/floor_pg.rs"]
mod floor_pg;
#[path = "sync/multi_mailbox.rs"]
mod multi_mailbox;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use emaillog::app::App;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::{AuthFlow, Unmatched};
use emaillog::domain::{Contact, MailMessage, Recipient, Rules, Salesperson};
use emaillog::engine::events::channel;
use emaillog::engine::run::{RunInputs, RunSettings, refresh_conversations, run_once};
use emaillog::engine::{Stop, stop_pair};
use emaillog::mail::{BadMessage, Folder, InboxPage, MailError, MailSource, Moved};
use emaillog::sim::{SimConfig, SimServer};
use futures::future::BoxFuture;
use serde_json::{Value, json};

const MAILBOX: &str = "crm-log@contoso.example";

fn salespeople(n: usize) -> Vec<Salesperson> {
    (0..n)
        .map(|i| Salesperson {
            code: format!("S{i:03}"),
            name: format!("Seller {i}"),
            email: format!("seller{i}@contoso.example"),
        })
        .collect()
}

fn contacts(n: usize) -> Vec<Contact> {
    (0..n)
        .map(|i| Contact {
            no: format!("C{i:06}"),
            name: format!("Contact {i}"),
            company: format!("Company {}", i / 10),
            email: format!("contact{i}@company{}.example", i / 10),
            alt_emails: vec![],
        })
        .collect()
}

/// Graph JSON for message `i`: contact → salesperson or back, all loggable.
fn graph_message(i: usize, contacts: usize, tag: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    let c = format!(
        "contact{}@company{}.example",
        i % contacts,
        (i % contacts) / 10
    );
    let s = format!("seller{}@contoso.example", i % 10);
    let (from, to) = if i.is_multiple_of(2) { (c, s) } else { (s, c) };
    json!({
        "subject": format!("{tag} message {i}"),
        "internetMessageId": format!("<{tag}-{i}@bench.example>"),
        "receivedDateTime": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "from": {"emailAddress": {"name": "", "address": from}},
        "toRecipients": [{"emailAddress": {"name": "", "address": to}}],
        "body": {"contentType": "text", "content": "Hello, following up on the quote. Best regards."},
    })
}

async fn fill(base: &str, n: usize, contacts: usize, tag: &str) {
    fill_mailbox(base, MAILBOX, n, contacts, tag).await;
}

/// `n` messages into `mailbox`'s Inbox (none: the mailbox is made empty).
async fn fill_mailbox(base: &str, mailbox: &str, n: usize, contacts: usize, tag: &str) {
    let http = reqwest::Client::new();
    let start = chrono::Utc::now() - chrono::Duration::days(1);
    let all: Vec<usize> = (0..n).collect();
    let chunks: Vec<&[usize]> = if n == 0 {
        vec![&[]]
    } else {
        all.chunks(1000).collect()
    };
    for chunk in chunks {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|i| {
                graph_message(
                    *i,
                    contacts,
                    tag,
                    start + chrono::Duration::milliseconds(*i as i64),
                )
            })
            .collect();
        let r = http
            .post(format!(
                "{base}/_sim/mailboxes/{mailbox}/folders/inbox/messages"
            ))
            .json(&batch)
            .send()
            .await
            .expect("simulator reachable");
        assert_eq!(r.status(), 201);
    }
}

/// A mailbox's setup against the simulator at `base`: app-only, paced to
/// `rate`, reading `batch` a page, running every second.
fn bench_setup(
    mailbox: &str,
    base: &str,
    client_id: &str,
    rate: (u32, u32),
    batch: u32,
) -> SetupChanges {
    SetupChanges {
        mailbox: Some(mailbox.into()),
        tenant: Some("contoso.example".into()),
        client_id: Some(client_id.into()),
        graph_url: Some(format!("{base}/v1.0")),
        authority: Some(base.into()),
        auth_flow: Some(AuthFlow::ClientCredentials),
        unmatched: Some(Unmatched::SkipFolder),
        batch_size: Some(batch),
        run_limit: Some(1_000_000),
        rate_limit: Some(rate),
        job_interval_secs: Some(1),
        ..Default::default()
    }
}

fn configure(app: &App, base: &str, client_id: &str, secret: &str, rate: (u32, u32), batch: u32) {
    app.store()
        .unwrap()
        .upsert_salespeople(&salespeople(10))
        .unwrap();
    app.change_setup(&bench_setup(MAILBOX, base, client_id, rate, batch))
        .unwrap();
    app.set_client_secret(secret).unwrap();
}

/// The 429s the simulator answered (window and concurrency).
async fn throttled(base: &str) -> u64 {
    let stats: Value = reqwest::get(format!("{base}/_sim/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["throttled_window"].as_u64().unwrap_or(0)
        + stats["throttled_concurrency"].as_u64().unwrap_or(0)
}

/// Messages a second one mailbox can drain at most: the window's requests
/// a second over the requests a message costs (one move, a delta page per
/// `batch`).
fn ceiling(limit: u32, window_secs: u32, batch: u32) -> f64 {
    (limit as f64 / window_secs as f64) / (1.0 + 1.0 / batch as f64)
}

/// The simulator a drain runs against: `latency_ms` a request, Graph's
/// pacing per app and mailbox (`limit` requests a `window_secs`, 4 at once).
async fn paced_sim(limit: u32, window_secs: u32, latency_ms: u64) -> SimServer {
    SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            latency: Duration::from_millis(latency_ms),
            limit: limit as usize,
            window: Duration::from_secs(window_secs as u64),
            concurrency: 4,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap()
}

async fn drain() {
    let (limit, window_secs, latency_ms, n, batch) = (200u32, 2u32, 20u64, 1500usize, 50u32);
    let sim = paced_sim(limit, window_secs, latency_ms).await;
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(dir.path().join("b.db"));
    app.store()
        .unwrap()
        .upsert_contacts(&contacts(100))
        .unwrap();
    configure(
        &app,
        &sim.base_url(),
        &sim.sim.config.client_id,
        &sim.sim.config.client_secret,
        (limit, window_secs),
        batch,
    );
    fill(&sim.base_url(), n, 100, "drain").await;
    let (events, _rx) = channel();
    let started = Instant::now();
    let report = app.sync_once(&events, &Stop::never()).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.counts.logged as usize, n);
    let throttled = throttled(&sim.base_url()).await;
    let ceiling = ceiling(limit, window_secs, batch);
    let achieved = n as f64 / secs;
    println!("drain_messages: {n}");
    println!("drain_seconds: {secs:.2}");
    println!("drain_messages_per_s: {achieved:.1}");
    println!("drain_ceiling_messages_per_s: {ceiling:.1}");
    println!("drain_ratio: {:.3}", achieved / ceiling);
    println!("drain_429s: {throttled}");
    sim.stop().await;
}

/// An Inbox in memory, so the engine's own cost is what gets timed.
struct MemorySource {
    inbox: Mutex<BTreeMap<usize, MailMessage>>,
    ids: Mutex<std::collections::HashMap<String, usize>>,
}

impl MemorySource {
    fn take(&self, id: &str) {
        if let Some(seq) = self.ids.lock().unwrap().remove(id) {
            self.inbox.lock().unwrap().remove(&seq);
        }
    }
}

/// Reads by keyset on the message's number: the cursor is the last one read.
impl MailSource for MemorySource {
    fn read_inbox<'a>(
        &'a self,
        cursor: Option<&'a str>,
        top: usize,
    ) -> BoxFuture<'a, Result<InboxPage, MailError>> {
        let after: Option<usize> = cursor.and_then(|c| c.parse().ok());
        let inbox = self.inbox.lock().unwrap();
        let from = after.map_or(0, |a| a + 1);
        let page: Vec<(usize, MailMessage)> = inbox
            .range(from..)
            .take(top)
            .map(|(k, m)| (*k, m.clone()))
            .collect();
        let last = page.last().map(|(k, _)| *k).or(after);
        let more = last.is_some_and(|l| inbox.range(l + 1..).next().is_some());
        let messages = page.into_iter().map(|(_, m)| Ok(m)).collect();
        let cursor = last.map(|l| l.to_string()).unwrap_or_default();
        Box::pin(async move {
            Ok(InboxPage {
                messages,
                cursor,
                more,
            })
        })
    }
    fn fetch<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>> {
        let found = self
            .ids
            .lock()
            .unwrap()
            .get(id)
            .and_then(|seq| self.inbox.lock().unwrap().get(seq).cloned());
        Box::pin(async move { found.map(Ok).ok_or_else(|| MailError::Gone(id.to_string())) })
    }
    /// Moved messages are dropped from memory: only the Inbox is anywhere.
    fn fetch_anywhere<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Result<MailMessage, BadMessage>, MailError>> {
        self.fetch(id)
    }
    fn move_to<'a>(&'a self, id: &'a str, _: Folder) -> BoxFuture<'a, Result<Moved, MailError>> {
        self.take(id);
        Box::pin(async move {
            Ok(Moved {
                new_id: id.to_string(),
                web_link: String::new(),
            })
        })
    }
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), MailError>> {
        self.take(id);
        Box::pin(async move { Ok(()) })
    }
    fn locate<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move { Ok(()) })
    }
    fn inbox_count(&self) -> BoxFuture<'_, Result<Option<u64>, MailError>> {
        let n = self.inbox.lock().unwrap().len() as u64;
        Box::pin(async move { Ok(Some(n)) })
    }
    fn account(&self) -> String {
        "bench".into()
    }
}

/// Engine cost per message at `batch`, the median of three fresh databases
/// (fsync times vary on a shared machine).
async fn engine(batch: usize) -> f64 {
    let mut runs = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        runs.push(engine_once(batch, &dir.path().join("e.db")).await);
    }
    runs.sort_by(f64::total_cmp);
    let median = runs[1];
    if batch == 1000 {
        println!("engine_contacts: 100000");
        println!("engine_messages: 20000");
        println!("engine_us_per_message: {median:.1}");
    } else {
        println!("engine_us_per_message_batch_{batch}: {median:.1}");
    }
    median
}

/// The engine's cost at the default batch beside the floor of its writes
/// (`sync/floor.rs`), alternating fresh databases so a slow spell of the
/// disk falls on both alike; medians of three.
async fn engine_beside_floor() {
    let (mut engine, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        engine.push(engine_once(50, &dir.path().join("e.db")).await);
        let dir = tempfile::tempdir().unwrap();
        floor.push(floor_once(&dir, floor::Without::default()));
    }
    engine.sort_by(f64::total_cmp);
    floor.sort_by(f64::total_cmp);
    println!("engine_us_per_message_batch_50: {:.1}", engine[1]);
    println!("engine_floor_us_per_message_batch_50: {:.1}", floor[1]);
    println!(
        "engine_to_floor_ratio_batch_50: {:.2}",
        engine[1] / floor[1]
    );
    for (name, without) in floor::Without::VARIANTS {
        let mut runs: Vec<f64> = (0..3)
            .map(|_| floor_once(&tempfile::tempdir().unwrap(), without))
            .collect();
        runs.sort_by(f64::total_cmp);
        println!(
            "engine_floor_{name}_us_per_message_batch_50: {:.1}",
            runs[1]
        );
    }
}

/// The floor's drain (`sync/floor.rs`) at the engine's figures: 20,000
/// messages over 100,000 contacts, pages of 50.
fn floor_once(dir: &tempfile::TempDir, without: floor::Without) -> f64 {
    floor::floor_once(&dir.path().join("f.db"), 100_000, 20_000, 50, without)
}

/// The engine's cost at the default batch on PostgreSQL (a local server,
/// loopback, fsync off as in the tests) beside SQLite's in the same run,
/// and each store's floor (`sync/floor.rs`, `sync/floor_pg.rs`) beside
/// them; the four alternate, medians of three.
async fn engine_postgres() {
    let Some(server) = emaillog::store::testing::PgServer::start() else {
        println!("engine_postgres: skipped (no PostgreSQL server binaries)");
        return;
    };
    let [
        mut sqlite,
        mut postgres,
        mut sqlite_floor,
        mut postgres_floor,
    ] = [(); 4].map(|_| Vec::new());
    for i in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        sqlite.push(engine_once(50, &dir.path().join("e.db")).await);
        let url = server.database(&format!("engine{i}"));
        postgres.push(engine_once(50, std::path::Path::new(&url)).await);
        sqlite_floor.push(floor_once(
            &tempfile::tempdir().unwrap(),
            floor::Without::default(),
        ));
        let url = server.database(&format!("floor{i}"));
        postgres_floor.push(floor_pg::floor_once(&url, 100_000, 20_000, 50).await);
    }
    let [sqlite, postgres, sqlite_floor, postgres_floor] =
        [sqlite, postgres, sqlite_floor, postgres_floor].map(|mut runs| {
            runs.sort_by(f64::total_cmp);
            runs[1]
        });
    println!("engine_us_per_message_batch_50: {sqlite:.1}");
    println!("engine_us_per_message_batch_50_postgres: {postgres:.1}");
    println!("engine_postgres_to_sqlite_ratio: {:.2}", postgres / sqlite);
    println!("engine_floor_us_per_message_batch_50: {sqlite_floor:.1}");
    println!("engine_floor_us_per_message_batch_50_postgres: {postgres_floor:.1}");
    println!(
        "engine_floor_postgres_to_sqlite_ratio: {:.2}",
        postgres_floor / sqlite_floor
    );
}

/// The store at `db`, made if new, holding the engine benches' 10
/// salespeople and `n_contacts` contacts (the engine's drain and both
/// floors start from it).
fn seeded_store(db: &std::path::Path, n_contacts: usize) -> emaillog::store::Store {
    let mut store = App::new(db).store().unwrap();
    store.upsert_salespeople(&salespeople(10)).unwrap();
    store.upsert_contacts(&contacts(n_contacts)).unwrap();
    store
}

/// One drain of 20,000 messages from memory at 100,000 contacts; µs per message.
async fn engine_once(batch: usize, db: &std::path::Path) -> f64 {
    let (n_contacts, n) = (100_000usize, 20_000usize);
    let mut store = seeded_store(db, n_contacts);
    let mut inbox = BTreeMap::new();
    let mut ids = std::collections::HashMap::new();
    let at = chrono::Utc::now();
    for i in 0..n {
        let c = format!(
            "contact{}@company{}.example",
            (i * 7919) % n_contacts,
            ((i * 7919) % n_contacts) / 10
        );
        let s = format!("seller{}@contoso.example", i % 10);
        let (from, to) = if i.is_multiple_of(2) { (c, s) } else { (s, c) };
        let m = MailMessage {
            mailbox_id: format!("id-{i}"),
            internet_message_id: format!("<e-{i}@bench.example>"),
            subject: format!("Quote {i}"),
            sender: Some(Recipient {
                name: String::new(),
                address: from,
            }),
            to: vec![Recipient {
                name: String::new(),
                address: to,
            }],
            sent_at: Some(at),
            received_at: Some(at),
            body_text: "Hello, following up on the quote. Best regards.".into(),
            ..Default::default()
        };
        ids.insert(m.mailbox_id.clone(), i);
        inbox.insert(i, m);
    }
    let source = MemorySource {
        inbox: Mutex::new(inbox),
        ids: Mutex::new(ids),
    };
    let t = Instant::now();
    let dir_people = store.directory().unwrap();
    let directory_ms = t.elapsed().as_secs_f64() * 1000.0;
    let settings = RunSettings {
        batch_size: batch,
        run_limit: usize::MAX,
        unmatched: Unmatched::SkipFolder,
        store_body: true,
        max_attempts: 3,
        retain_bodies_days: 0,
    };
    let (events, _rx) = channel();
    let t = Instant::now();
    let (rules, stop) = (Rules::default(), Stop::never());
    let log_id = store
        .start_job_log(chrono::Utc::now(), "bench", "bench")
        .unwrap();
    let inputs = RunInputs {
        source: &source,
        directory: &dir_people,
        rules: &rules,
        settings: &settings,
        lease: None,
        mailbox_key: "bench",
        log_id,
        events: &events,
        stop: &stop,
    };
    let report = run_once(&mut store, &inputs).await;
    // The contacts' conversations recomputed, as the runner does after
    // each run: part of the engine's cost.
    refresh_conversations(&mut store);
    let secs = t.elapsed().as_secs_f64();
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.counts.logged as usize, n);
    if batch == 1000 {
        println!("engine_directory_build_ms: {directory_ms:.1}");
    }
    secs * 1e6 / n as f64
}

async fn latency() {
    let sim = SimServer::start("127.0.0.1:0".parse().unwrap(), SimConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(dir.path().join("l.db"));
    app.store()
        .unwrap()
        .upsert_contacts(&contacts(100))
        .unwrap();
    configure(
        &app,
        &sim.base_url(),
        &sim.sim.config.client_id,
        &sim.sim.config.client_secret,
        (10_000, 600),
        50,
    );
    // The mailbox exists before the job starts (a missing mailbox is a setup error).
    reqwest::Client::new()
        .post(format!(
            "{}/_sim/mailboxes/{MAILBOX}/folders/sentitems/messages",
            sim.base_url()
        ))
        .json(&json!({"subject": "hello"}))
        .send()
        .await
        .unwrap();
    app.enable(0).unwrap();
    let (events, mut rx) = channel();
    if std::env::var_os("BENCH_DEBUG").is_some() {
        tokio::spawn(async move {
            while let Ok(e) = rx.recv().await {
                eprintln!("{e:?}");
            }
        });
    }
    let (handle, stop) = stop_pair();
    let runner_app = app.clone();
    let runner = tokio::spawn(async move { runner_app.run_jobs(&events, stop).await });
    let http = reqwest::Client::new();
    let watcher = app.store().unwrap();
    let samples = 30;
    let mut latencies = Vec::with_capacity(samples);
    for i in 0..samples {
        tokio::time::sleep(Duration::from_millis(200 + (i as u64 * 137) % 900)).await;
        let msg = graph_message(i, 100, "lat", chrono::Utc::now());
        let landed = Instant::now();
        http.post(format!(
            "{}/_sim/mailboxes/{MAILBOX}/folders/inbox/messages",
            sim.base_url()
        ))
        .json(&msg)
        .send()
        .await
        .unwrap();
        let imid = msg["internetMessageId"].as_str().unwrap().to_string();
        loop {
            if watcher
                .logged_messages()
                .unwrap()
                .iter()
                .any(|m| m.internet_message_id == imid)
            {
                latencies.push(landed.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    handle.stop();
    let _ = runner.await;
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!("latency_samples: {samples}");
    println!("latency_poll_interval_s: 1");
    println!("latency_p50_s: {:.2}", pct(0.5));
    println!("latency_p95_s: {:.2}", pct(0.95));
    sim.stop().await;
}

/// Peak RSS (VmHWM) of a child process, sampled until it exits.
fn peak_rss_kib(mut child: std::process::Child) -> (u64, bool) {
    let path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&path)
            && let Some(line) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(
                line.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            );
        }
        if let Ok(Some(status)) = child.try_wait() {
            return (peak, status.success());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn rss() {
    let exe = env!("CARGO_BIN_EXE_emaillog");
    for n in [2_000usize, 20_000] {
        let mut sim = Command::new(exe)
            .args([
                "sim",
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--limit",
                "100000000/1",
                "--concurrency",
                "8",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut lines = std::io::BufReader::new(sim.stdout.take().unwrap());
        std::io::BufRead::read_line(&mut lines, &mut first).unwrap();
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_string();
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(dir.path().join("r.db"));
        app.store()
            .unwrap()
            .upsert_contacts(&contacts(1000))
            .unwrap();
        let d = emaillog::sim::state::SimConfig::default();
        configure(
            &app,
            &base,
            &d.client_id,
            &d.client_secret,
            (100_000_000, 1),
            100,
        );
        fill(&base, n, 1000, "rss").await;
        let started = Instant::now();
        let child = Command::new(exe)
            .arg("--db")
            .arg(app.db_path())
            .args(["sync", "--once", "--json"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let (peak, ok) = tokio::task::spawn_blocking(move || peak_rss_kib(child))
            .await
            .unwrap();
        assert!(ok, "sync --once failed");
        println!("rss_backlog_{n}_peak_mib: {:.1}", peak as f64 / 1024.0);
        println!(
            "rss_backlog_{n}_seconds: {:.1}",
            started.elapsed().as_secs_f64()
        );
        let _ = sim.kill();
        let _ = sim.wait();
    }
}

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    rt.block_on(async {
        if want("drain") {
            drain().await;
        }
        if only.iter().any(|o| o == "engine50") {
            engine_beside_floor().await;
        }
        if want("enginepg") {
            engine_postgres().await;
        }
        if want("engine") {
            engine(1000).await;
            engine_beside_floor().await;
        }
        if want("latency") {
            latency().await;
        }
        if want("rss") {
            rss().await;
        }
        if want("multi") {
            multi_mailbox::drain().await;
            multi_mailbox::rss().await;
        }
        if want("engines") {
            multi_mailbox::engines().await;
        }
    });
}
