//! multi_mailbox_*: one `run` serving many mailboxes.
//!
//! - drain: 8 mailboxes of 500 messages, the simulator at 20 ms latency and
//!   each mailbox paced to its own Graph limit (200 requests per 2 s, as
//!   Graph counts per app and mailbox): total throughput ÷ 8 × one
//!   mailbox's ceiling (target ≥ 0.9, no 429);
//! - rss: the resident memory of an idle `emaillog run` polling 8 and 64
//!   mailboxes every second (target: under 2 MiB more per mailbox).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use emaillog::app::App;
use emaillog::engine::events::channel;
use emaillog::engine::stop_pair;
use emaillog::sim::{SimConfig, SimServer};

use super::{
    MAILBOX, bench_setup, ceiling, contacts, fill_mailbox, paced_sim, salespeople, throttled,
};

/// Mailbox `i` of a bench's set (the first is the usual one).
fn address(i: usize) -> String {
    if i == 0 {
        MAILBOX.to_string()
    } else {
        format!("crm-{i}@contoso.example")
    }
}

/// `n` mailboxes against the simulator at `base`, each enabled.
fn mailboxes(
    app: &App,
    n: usize,
    base: &str,
    id: &str,
    secret: &str,
    rate: (u32, u32),
    batch: u32,
) {
    let mut store = app.store().unwrap();
    store.upsert_salespeople(&salespeople(10)).unwrap();
    store.upsert_contacts(&contacts(100)).unwrap();
    for i in 0..n {
        let mb = if i == 0 {
            app.one_mailbox().unwrap()
        } else {
            app.add_mailbox(&address(i)).unwrap()
        };
        mb.change_setup(&bench_setup(&address(i), base, id, rate, batch))
            .unwrap();
        mb.set_client_secret(secret).unwrap();
        mb.enable(0).unwrap();
    }
}

/// The drains' pacing: Graph's 200 requests per 2 s per mailbox, 20 ms a
/// request, 500 messages a mailbox, pages of 50.
const LIMIT: u32 = 200;
const WINDOW_SECS: u32 = 2;
const PER_MAILBOX: usize = 500;
const BATCH: u32 = 50;

/// A paced simulator and `boxes` mailboxes of the database at `db`, each
/// enabled and holding `PER_MAILBOX` messages tagged `tag`.
async fn filled(boxes: usize, db: std::path::PathBuf, tag: &str) -> (SimServer, App) {
    let sim = paced_sim(LIMIT, WINDOW_SECS, 20).await;
    let app = App::new(db);
    mailboxes(
        &app,
        boxes,
        &sim.base_url(),
        &sim.sim.config.client_id,
        &sim.sim.config.client_secret,
        (LIMIT, WINDOW_SECS),
        BATCH,
    );
    for i in 0..boxes {
        fill_mailbox(
            &sim.base_url(),
            &address(i),
            PER_MAILBOX,
            100,
            &format!("{tag}{i}"),
        )
        .await;
    }
    (sim, app)
}

/// Seconds from `started` until `total` messages are logged (at most 5
/// minutes).
async fn drained(app: &App, total: usize, started: Instant, label: &str) -> f64 {
    let store = app.store().unwrap();
    while (store.count_logged_messages().unwrap() as usize) < total {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{label}: not drained in 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed().as_secs_f64()
}

pub async fn drain() {
    let (limit, window_secs, per_mailbox, boxes, batch) =
        (LIMIT, WINDOW_SECS, PER_MAILBOX, 8usize, BATCH);
    let dir = tempfile::tempdir().unwrap();
    let (sim, app) = filled(boxes, dir.path().join("m.db"), "m").await;
    let total = per_mailbox * boxes;
    let (events, _rx) = channel();
    let (handle, stop) = stop_pair();
    let started = Instant::now();
    let runner = {
        let app = app.clone();
        tokio::spawn(async move { app.run_jobs(&events, stop).await })
    };
    let secs = drained(&app, total, started, "").await;
    handle.stop();
    runner.await.unwrap().unwrap();
    let throttled = throttled(&sim.base_url()).await;
    let ceiling = ceiling(limit, window_secs, batch);
    let achieved = total as f64 / secs;
    println!("multi_mailbox_mailboxes: {boxes}");
    println!("multi_mailbox_messages: {total}");
    println!("multi_mailbox_seconds: {secs:.2}");
    println!("multi_mailbox_messages_per_s: {achieved:.1}");
    println!(
        "multi_mailbox_ceiling_messages_per_s: {:.1}",
        ceiling * boxes as f64
    );
    println!(
        "multi_mailbox_drain_ratio: {:.3}",
        achieved / (ceiling * boxes as f64)
    );
    println!("multi_mailbox_429s: {throttled}");
    sim.stop().await;
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The RSS of an idle `emaillog run` serving `n` mailboxes, once each has
/// polled three times.
async fn idle_rss_mib(base: &str, n: usize) -> f64 {
    let exe = env!("CARGO_BIN_EXE_emaillog");
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(dir.path().join("i.db"));
    let d = emaillog::sim::state::SimConfig::default();
    mailboxes(
        &app,
        n,
        base,
        &d.client_id,
        &d.client_secret,
        (100_000, 1),
        50,
    );
    for i in 0..n {
        fill_mailbox(base, &address(i), 0, 100, "idle").await;
    }
    let mut child = Command::new(exe)
        .arg("--db")
        .arg(app.db_path())
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let c = rusqlite::Connection::open(app.db_path()).unwrap();
    let started = Instant::now();
    loop {
        let polled: i64 = c
            .query_row(
                "SELECT count(*) FROM (SELECT mailbox_no FROM job_queue_log_entries
                  WHERE ended_at IS NOT NULL GROUP BY mailbox_no HAVING count(*) >= 3)",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        if polled as usize == n {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{n} mailboxes did not poll three times in 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kib = rss_kib(child.id());
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let _ = child.wait();
    kib as f64 / 1024.0
}

pub async fn rss() {
    let sim = SimServer::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            limit: 100_000_000,
            concurrency: 64,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap();
    let few = idle_rss_mib(&sim.base_url(), 8).await;
    let many = idle_rss_mib(&sim.base_url(), 64).await;
    println!("multi_mailbox_rss_mib_8: {few:.1}");
    println!("multi_mailbox_rss_mib_64: {many:.1}");
    println!(
        "multi_mailbox_rss_mib_per_mailbox: {:.2}",
        (many - few) / 56.0
    );
    sim.stop().await;
}

/// multi_engine_*: two `emaillog run` processes over 16 mailboxes of one
/// database, on SQLite and then PostgreSQL (a throwaway local server) in
/// the same run: total throughput ÷ 16 × one mailbox's ceiling (target
/// ≥ 0.9, no 429).
pub async fn engines() {
    let dir = tempfile::tempdir().unwrap();
    engines_drain("sqlite", dir.path().join("engines.db")).await;
    match emaillog::store::testing::PgServer::start() {
        Some(server) => engines_drain("postgres", server.database("engines").into()).await,
        None => println!("multi_engine_postgres: skipped (no PostgreSQL server binaries)"),
    }
}

async fn engines_drain(label: &str, db: std::path::PathBuf) {
    let (limit, window_secs, per_mailbox, boxes, batch, processes) =
        (LIMIT, WINDOW_SECS, PER_MAILBOX, 16usize, BATCH, 2usize);
    let (sim, app) = filled(boxes, db, "e").await;
    let total = per_mailbox * boxes;
    let started = Instant::now();
    let mut children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_emaillog"))
                .arg("--db")
                .arg(app.db_path())
                .arg("run")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let secs = drained(&app, total, started, label).await;
    for child in &mut children {
        // SAFETY: a child this bench started and has not waited for.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        let _ = child.wait();
    }
    let throttled = throttled(&sim.base_url()).await;
    let ceiling = ceiling(limit, window_secs, batch) * boxes as f64;
    let achieved = total as f64 / secs;
    println!("multi_engine_{label}_processes: {processes}");
    println!("multi_engine_{label}_mailboxes: {boxes}");
    println!("multi_engine_{label}_messages_per_s: {achieved:.1}");
    println!("multi_engine_{label}_ceiling_messages_per_s: {ceiling:.1}");
    println!(
        "multi_engine_drain_ratio_{label}: {:.3}",
        achieved / ceiling
    );
    println!("multi_engine_429s_{label}: {throttled}");
    sim.stop().await;
}
