//! A model-based randomized test of the engine: generated mailbox histories
//! (copies on one page and across pages, empty internetMessageIds, mail
//! arriving during a run, messages whose move always fails, messages whose
//! every request fails (GET and move alike: a corrupt item), a deleted
//! Skipped folder, 5xx, 429, resets and garbled answers) run against the
//! simulator, and the outcome is checked against an oracle: every loggable
//! email logged exactly once with the right entries, every message out of
//! the Inbox except the stuck ones, the job log's counts equal to what
//! happened. Half the cases have two logging mailboxes in one database —
//! the second read from `CRM/Queue` and kept in `CRM/Logged`, the older
//! experience's folders — whose runs go on at the same time, as `emaillog
//! run` serves them, with copies of one email BCC'd into both; the oracle
//! holds per mailbox (its queue, its stuck messages, its job log) and over
//! both (each email logged once). Seeded and reproducible:
//! `EMAILLOG_MODEL_SEED` picks the seed, `EMAILLOG_MODEL_CASES` the number
//! of cases.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};

use common::*;
use emaillog::app::App;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::Unmatched;
use emaillog::engine::events::channel;
use emaillog::engine::{EngineEvent, Stop};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{Value, json};

/// One email of the history; copies share `email`.
#[derive(Debug, Clone)]
struct Msg {
    /// Which email this is a copy of; `None`: its own email without an
    /// internetMessageId.
    email: Option<u8>,
    own: u8,
    /// Its move always fails.
    stuck: bool,
    /// Every request that names it fails (a corrupt item in Exchange): it
    /// must never make the service look down to the engine.
    poison: bool,
    /// It arrives in the second mailbox (when the case has two).
    second: bool,
}

#[derive(Debug, Clone)]
struct History {
    batch: u32,
    unmatched: Unmatched,
    /// Messages added before each run group; the flag: added while the
    /// group's first run is in progress.
    waves: Vec<(Vec<Msg>, bool)>,
    rate_5xx: f64,
    rate_429: f64,
    rate_reset: f64,
    rate_garbled: f64,
    delete_skipped_after_first: bool,
    /// A second logging mailbox, its runs beside the first's.
    two: bool,
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        prop::option::weighted(0.8, 0u8..10),
        any::<u8>(),
        prop::bool::weighted(0.06),
        prop::bool::weighted(0.04),
        prop::bool::ANY,
    )
        .prop_map(|(email, own, stuck, poison, second)| Msg {
            email,
            own,
            stuck,
            poison,
            second,
        })
}

fn history() -> impl Strategy<Value = History> {
    (
        1u32..8,
        prop::bool::ANY,
        prop::collection::vec((prop::collection::vec(msg(), 1..10), prop::bool::ANY), 1..4),
        0.0..0.12f64,
        0.0..0.06f64,
        0.0..0.08f64,
        0.0..0.08f64,
        (prop::bool::weighted(0.3), prop::bool::ANY),
    )
        .prop_map(
            |(batch, delete, waves, rate_5xx, rate_429, rate_reset, rate_garbled, (del, two))| {
                History {
                    batch,
                    unmatched: if delete {
                        Unmatched::Delete
                    } else {
                        Unmatched::SkipFolder
                    },
                    waves,
                    rate_5xx,
                    rate_429,
                    rate_reset,
                    rate_garbled,
                    delete_skipped_after_first: del,
                    two,
                }
            },
        )
}

/// What an email is, from its number: who writes to whom. Emails 0–6 are
/// loggable (one entry each), 7–9 come from strangers.
fn content(key: u32) -> (String, String, bool) {
    let c = CONTACT_ADDRESSES[key as usize % CONTACT_ADDRESSES.len()];
    let s = SALES_ADDRESSES[key as usize % SALES_ADDRESSES.len()];
    match key % 10 {
        0..=3 => (c.to_string(), s.to_string(), true),
        4..=6 => (s.to_string(), c.to_string(), true),
        _ => (format!("stranger{key}@else.example"), s.to_string(), false),
    }
}

/// The Graph JSON of a message, and its email's key for the oracle.
fn graph_message(m: &Msg, serial: usize) -> (Value, String, bool) {
    let (key, imid) = match m.email {
        Some(e) => (e as u32, format!("<email-{e}@model.example>")),
        None => (1000 + serial as u32, String::new()),
    };
    let (from, to, loggable) = content(key);
    let mut v = message(&from, &[&to], &format!("email {key}"));
    v["internetMessageId"] = json!(imid);
    v["receivedDateTime"] = json!(format!("2024-05-01T10:{:02}:00Z", m.own % 60));
    let oracle_key = if imid.is_empty() {
        format!("own-{serial}")
    } else {
        imid
    };
    (v, oracle_key, loggable)
}

/// Where a case's mail arrives and goes: each mailbox's address, queue
/// and storage folder (as the simulator's control API names them).
type Place = (&'static str, &'static str, &'static str);
const FIRST: Place = (MAILBOX, "inbox", "archive");
const OTHER: Place = (SECOND, "CRM/Queue", "CRM/Logged");

/// A message to add: its JSON, whether it is stuck or poisoned, where.
type Arrival = (Value, (bool, bool), Place);

/// One run of each mailbox, at the same time; whether both came to rest
/// (no error, nothing done).
async fn sync(apps: &[App], events: &emaillog::engine::events::Events) -> bool {
    let runs = futures::future::join_all(
        apps.iter()
            .map(|app| async move { app.sync_once(events, &Stop::never()).await.unwrap() }),
    )
    .await;
    runs.iter()
        .all(|r| r.error.is_none() && r.counts == Default::default())
}

async fn check(h: History) {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    app.change_setup(&SetupChanges {
        batch_size: Some(h.batch),
        unmatched: Some(h.unmatched),
        ..Default::default()
    })
    .unwrap();
    // Both mailboxes are there, with or without mail.
    sim.add(MAILBOX, FIRST.1, json!([])).await;
    let mut apps = vec![app.clone()];
    if h.two {
        let second = add_second_mailbox(&sim, &app, Some(OTHER.1)).await;
        second
            .change_setup(&SetupChanges {
                batch_size: Some(h.batch),
                unmatched: Some(h.unmatched),
                ..Default::default()
            })
            .unwrap();
        sim.add(SECOND, OTHER.1, json!([])).await;
        apps.push(second);
    }
    let token = sim.app_token().await;

    // The oracle: email key → loggable; the stuck messages' subjects.
    let mut emails: HashMap<String, bool> = HashMap::new();
    let mut total = 0usize;
    let mut fail_paths = BTreeMap::new();
    let mut stuck_ids = HashSet::new();
    let faults = |fail_paths: &BTreeMap<String, u16>, on: bool| {
        let mut status = serde_json::Map::new();
        if on {
            status.insert("503".into(), json!(h.rate_5xx));
            status.insert("429".into(), json!(h.rate_429));
        }
        json!({
            "path_prefix": "/v1.0/",
            "status_rates": status,
            "reset_rate": if on { h.rate_reset } else { 0.0 },
            "malformed_rate": if on { h.rate_garbled } else { 0.0 },
            "fail_paths": fail_paths,
        })
    };
    let (events, _keep) = channel();
    for (w, (wave, during)) in h.waves.iter().enumerate() {
        let mut batch = Vec::new();
        for m in wave {
            let (v, key, loggable) = graph_message(m, total);
            total += 1;
            emails.insert(key, loggable);
            let to = if h.two && m.second { OTHER } else { FIRST };
            batch.push((v, (m.stuck, m.poison), to));
        }
        let add = |sim: &TestSim, batch: Vec<Arrival>| {
            let (control, base) = (sim.http.clone(), sim.base.clone());
            async move {
                let mut hurt = Vec::new();
                for to in [FIRST, OTHER] {
                    let mine: Vec<_> = batch.iter().filter(|(_, _, t)| *t == to).collect();
                    if mine.is_empty() {
                        continue;
                    }
                    let msgs: Vec<Value> = mine.iter().map(|(v, _, _)| v.clone()).collect();
                    let r = control
                        .post(format!(
                            "{base}/_sim/mailboxes/{}/folders/{}/messages",
                            to.0, to.1
                        ))
                        .header("Prefer", "IdType=\"ImmutableId\"")
                        .json(&msgs)
                        .send()
                        .await
                        .unwrap();
                    let stored: Value = r.json().await.unwrap();
                    let stored = match stored {
                        Value::Array(a) => a,
                        other => other["value"].as_array().cloned().unwrap_or_default(),
                    };
                    assert_eq!(stored.len(), mine.len(), "every message stored");
                    hurt.extend(
                        mine.iter()
                            .zip(stored)
                            .filter(|((_, (stuck, poison), _), _)| *stuck || *poison)
                            .map(|((_, (_, poison), _), s)| {
                                (s["id"].as_str().unwrap().to_string(), *poison)
                            }),
                    );
                }
                hurt
            }
        };
        let added = if *during && w > 0 {
            // Mail arrives while the run is going: after its first page.
            let mut rx = events.subscribe();
            let later = add(&sim, batch);
            let task = tokio::spawn(async move {
                while let Ok(e) = rx.recv().await {
                    if matches!(
                        e,
                        EngineEvent::Page { .. } | EngineEvent::RunFinished { .. }
                    ) {
                        break;
                    }
                }
                later.await
            });
            sync(&apps, &events).await;
            task.await.unwrap()
        } else {
            add(&sim, batch).await
        };
        for (id, poison) in added {
            // A poisoned message fails on every path that names it.
            let path = if poison {
                id.clone()
            } else {
                format!("{id}/move")
            };
            fail_paths.insert(path, 500u16);
            stuck_ids.insert(id);
        }
        sim.control(
            reqwest::Method::POST,
            "/_sim/faults",
            Some(faults(&fail_paths, true)),
        )
        .await;
        for _ in 0..3 {
            sync(&apps, &events).await;
        }
        if w == 0 && h.delete_skipped_after_first {
            // A person deletes the Skipped folder (the engine's cached id
            // goes stale); the test's own requests are not faulted.
            sim.control(
                reqwest::Method::POST,
                "/_sim/faults",
                Some(faults(&fail_paths, false)),
            )
            .await;
            let folders = sim
                .get(
                    &token,
                    &format!("/v1.0/users/{MAILBOX}/mailFolders?$filter=displayName eq 'Skipped'"),
                )
                .await;
            if let Some(id) = folders.body["value"][0]["id"].as_str() {
                let url = sim.url(&format!("/v1.0/users/{MAILBOX}/mailFolders/{id}"));
                let r = sim
                    .http
                    .delete(url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 204);
            }
        }
    }
    // The service recovers (the stuck moves still fail): runs go on until
    // one finds nothing to do in every mailbox.
    sim.control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(faults(&fail_paths, false)),
    )
    .await;
    let mut quiet = false;
    for _ in 0..12 {
        if sync(&apps, &events).await {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "the runs never came to rest: {h:?}");

    // The oracle, over every mailbox: each loggable email logged once
    // (copies BCC'd into both mailboxes too), one entry each.
    let store = app.store().unwrap();
    let logged = store.logged_messages().unwrap();
    let loggable: HashSet<&String> = emails.iter().filter(|(_, l)| **l).map(|(k, _)| k).collect();
    let with_imid: Vec<&str> = logged
        .iter()
        .map(|m| m.internet_message_id.as_str())
        .filter(|i| !i.is_empty())
        .collect();
    let distinct: HashSet<&str> = with_imid.iter().copied().collect();
    assert_eq!(
        with_imid.len(),
        distinct.len(),
        "an email was logged twice: {h:?}"
    );
    assert_eq!(
        logged.len(),
        loggable.len(),
        "every loggable email logged once: {h:?}"
    );
    assert_eq!(
        store.count_entries().unwrap() as usize,
        loggable.len(),
        "one entry each"
    );
    // Per mailbox: its queue holds only stuck messages, what it says is
    // stuck is, a logged message is where the store says, in its own
    // mailbox's folders.
    let mut runs = Vec::new();
    for (app, (address, queue, storage)) in apps.iter().zip([FIRST, OTHER]) {
        let no = app.store().unwrap().mailbox_no();
        for m in &sim.folder_messages_immutable(address, queue).await {
            let id = m["id"].as_str().unwrap();
            assert!(
                stuck_ids.contains(id),
                "a message that is not stuck stayed in {address}'s {queue}: {m} {h:?}"
            );
        }
        let stuck = app.store().unwrap().stuck_messages().unwrap();
        for s in &stuck {
            assert!(
                stuck_ids.contains(&s.mailbox_id),
                "stuck in {address} but its moves work: {s:?}"
            );
        }
        for l in logged.iter().filter(|l| l.mailbox_no == no) {
            let want = match l.location.as_str() {
                "archive" => storage,
                "inbox" => queue,
                "skipped" | "gone" => continue,
                other => panic!("location {other}"),
            };
            let there = sim.folder_messages_immutable(address, want).await;
            assert!(
                there
                    .iter()
                    .any(|m| m["id"].as_str() == Some(l.mailbox_id.as_str())),
                "the store says {address}'s {want} but the message is not there: {l:?}"
            );
        }
        runs.extend(app.job_log(1000).unwrap());
    }
    // The job logs count what happened, summed over the mailboxes.
    let sum = |f: fn(&emaillog::store::RunCounts) -> u32| {
        runs.iter().map(|e| f(&e.counts) as usize).sum::<usize>()
    };
    assert_eq!(sum(|c| c.logged), loggable.len(), "logged in the job log");
    assert_eq!(sum(|c| c.entries), loggable.len(), "entries in the job log");
    assert_eq!(
        sum(|c| c.skipped),
        store.count_skipped().unwrap() as usize,
        "skipped in the job log"
    );
    let copies = total - emails.len();
    assert!(sum(|c| c.skipped) >= copies, "each copy recorded");
    sim.server.stop().await;
}

#[test]
fn generated_mailbox_histories_match_the_oracle() {
    let cases = std::env::var("EMAILLOG_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed = std::env::var("EMAILLOG_MODEL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261127);
    // Failing requests give up in milliseconds, not seconds (the retry
    // schedule's shape is the same).
    // SAFETY of set_var: before any thread of this test binary reads it.
    unsafe { std::env::set_var("EMAILLOG_RETRY_BASE_MS", "2") };
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = runner.run(&history(), |h| {
        rt.block_on(check(h));
        Ok(())
    });
    if let Err(e) = result {
        panic!("seed {seed}: {e}");
    }
}
