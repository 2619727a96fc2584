//! Crash points for tests: named places in the engine where a test can have
//! the process killed (`SIGKILL`, as a real crash would land) exactly there.
//! They are compiled in only with the `crash-points` feature, which only the
//! test build enables; in a normal build [`point`] is an empty inline call.
//!
//! `EMAILLOG_CRASH_AT` says where: `NAME` (the first time NAME is reached),
//! `NAME:N` (the Nth time), or `random:P:SEED` (at any point, each time with
//! probability P, from a seeded generator). Before dying the process appends
//! the point's name as a line to `EMAILLOG_CRASH_LOG`, so a test can count
//! where its kills landed.

/// Between a page's commit and the first of its moves.
pub const AFTER_COMMIT: &str = "after_commit";
/// After a move succeeded, before its outcome was stored.
pub const AFTER_MOVE: &str = "after_move";
/// After a page's move outcomes were stored.
pub const AFTER_FINISH: &str = "after_finish";
/// Before a page is committed (nothing of it written yet).
pub const BEFORE_COMMIT: &str = "before_commit";

#[cfg(feature = "crash-points")]
mod armed {
    use std::io::Write;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use rand::{Rng, SeedableRng};

    static HITS: AtomicU64 = AtomicU64::new(0);
    static RNG: Mutex<Option<rand::rngs::StdRng>> = Mutex::new(None);

    fn die(name: &str) -> ! {
        if let Some(path) = std::env::var_os("EMAILLOG_CRASH_LOG")
            && let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        {
            let _ = writeln!(f, "{name}");
            let _ = f.sync_all();
        }
        let _ = std::process::Command::new("kill")
            .args(["-9", &std::process::id().to_string()])
            .status();
        std::process::abort()
    }

    pub fn point(name: &str) {
        let Ok(spec) = std::env::var("EMAILLOG_CRASH_AT") else {
            return;
        };
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.as_slice() {
            ["random", p, seed] => {
                let p: f64 = p.parse().unwrap_or(0.0);
                let mut rng = RNG.lock().unwrap_or_else(|e| e.into_inner());
                let rng = rng.get_or_insert_with(|| {
                    rand::rngs::StdRng::seed_from_u64(seed.parse().unwrap_or(0))
                });
                if rng.random_bool(p.clamp(0.0, 1.0)) {
                    die(name);
                }
            }
            [at] if *at == name => die(name),
            [at, n] if *at == name => {
                let hit = HITS.fetch_add(1, Ordering::SeqCst) + 1;
                if n.parse::<u64>().is_ok_and(|n| hit >= n) {
                    die(name);
                }
            }
            _ => {}
        }
    }
}

/// Kills the process here when a test asked for it (see the module docs).
#[cfg(feature = "crash-points")]
pub fn point(name: &str) {
    armed::point(name)
}

/// Crash points are not compiled into normal builds.
#[cfg(not(feature = "crash-points"))]
#[inline(always)]
pub fn point(_name: &str) {}
