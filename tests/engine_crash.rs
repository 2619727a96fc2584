//! Crash safety: `emaillog sync --once` killed with SIGKILL at random points
//! during a run of a few hundred messages, restarted until done, leaves every
//! message logged exactly once or skipped — none lost, none doubled.

mod common;

use common::*;
use emaillog::sim::SimConfig;
use rand::{Rng, SeedableRng};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRIALS: u64 = 10;
const MESSAGES: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_runs_restarted_until_done_lose_and_double_nothing() {
    let mut kills_total = 0;
    for trial in 0..TRIALS {
        let sim = TestSim::start(SimConfig {
            latency: Duration::from_millis(3),
            ..SimConfig::default()
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let app = engine_app(&sim, dir.path());
        let (msgs, loggable) = mixed_messages(MESSAGES, &format!("k{trial}"));
        sim.add(MAILBOX, "inbox", msgs).await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(trial);
        let db = app.db_path().to_path_buf();
        let mut finished = false;
        for attempt in 0..60 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_emaillog"))
                .arg("--db")
                .arg(&db)
                .args(["sync", "--once", "--json"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            // Early attempts are killed at a random point; later ones may finish.
            let kill_after = Duration::from_millis(rng.random_range(5..250));
            let started = Instant::now();
            let exited = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break Some(status);
                }
                if attempt < 40 && started.elapsed() >= kill_after {
                    break None;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            match exited {
                None => {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    kills_total += 1;
                }
                Some(status) => {
                    if status.success() && sim.folder_messages(MAILBOX, "inbox").await.is_empty() {
                        finished = true;
                        break;
                    }
                }
            }
        }
        eprintln!("trial {trial}: finished after {kills_total} kills so far");
        assert!(finished, "trial {trial} never finished");
        assert_exactly_once(&sim, &app, MESSAGES, loggable).await;
        sim.server.stop().await;
    }
    assert!(
        kills_total >= TRIALS as usize * 3,
        "the runs were really interrupted ({kills_total} kills)"
    );
}
