//! The leases a process's runs hold on their mailboxes, renewed by one
//! heartbeat per database and holder: a thread of its own with its own
//! database connection, so a blocking store call (a busy database, a slow
//! disk) in a run never keeps it from ticking, and one statement renews
//! every lease the process holds there, however many mailboxes it serves.
//! A run asks [`HeldLease::check`] before each page and each move: once its
//! lease was lost, or could not be renewed before it ran out locally, the
//! run stops before another engine can have taken over.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::store::{Fence, Renewal, Store};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One held lease, as its run and the heartbeat see it.
struct Held {
    epoch: i64,
    /// Until when it certainly lasts, by this process's clock.
    valid_until: Mutex<Instant>,
    /// Why the lease is no longer this run's, once it is not.
    lost: Mutex<Option<String>>,
}

/// The heartbeat of one holder on one database.
struct Beat {
    state: Mutex<BeatState>,
    wake: Condvar,
}

struct BeatState {
    held: BTreeMap<String, Arc<Held>>,
    /// Set once the last lease was let go: the thread ends.
    stopped: bool,
}

type BeatKey = (PathBuf, String);

/// The heartbeats running in this process.
fn beats() -> &'static Mutex<HashMap<BeatKey, Arc<Beat>>> {
    static BEATS: OnceLock<Mutex<HashMap<BeatKey, Arc<Beat>>>> = OnceLock::new();
    BEATS.get_or_init(Default::default)
}

pub struct HeldLease {
    mailbox: String,
    holder: String,
    ttl: Duration,
    held: Arc<Held>,
    key: BeatKey,
}

impl HeldLease {
    /// Joins the heartbeat for a lease, taken as `epoch`, valid until
    /// `valid_until` by this process's clock (counted from an instant read
    /// before the lease was read or taken), renewed for `ttl` at a time.
    pub fn start(
        db: PathBuf,
        mailbox: &str,
        holder: &str,
        epoch: i64,
        ttl: chrono::Duration,
        valid_until: Instant,
    ) -> Self {
        let ttl = ttl.to_std().unwrap_or(Duration::from_secs(30));
        let held = Arc::new(Held {
            epoch,
            valid_until: Mutex::new(valid_until),
            lost: Mutex::new(None),
        });
        let key = (db, holder.to_string());
        let mut all = lock(beats());
        let beat = all.entry(key.clone()).or_insert_with(|| {
            let beat = Arc::new(Beat {
                state: Mutex::new(BeatState {
                    held: BTreeMap::new(),
                    stopped: false,
                }),
                wake: Condvar::new(),
            });
            let (beat2, key2) = (Arc::clone(&beat), key.clone());
            let spawned = std::thread::Builder::new()
                .name("lease-heartbeat".into())
                .spawn(move || heartbeat(&key2.0, &key2.1, ttl, &beat2));
            if let Err(e) = spawned {
                tracing::warn!("cannot start the lease heartbeat: {e}");
            }
            beat
        });
        lock(&beat.state)
            .held
            .insert(mailbox.to_string(), Arc::clone(&held));
        beat.wake.notify_all();
        Self {
            mailbox: mailbox.to_string(),
            holder: holder.to_string(),
            ttl,
            held,
            key,
        }
    }

    /// `Err(why)` once the lease is lost or about to run out unrenewed.
    pub fn check(&self) -> Result<(), String> {
        if let Some(why) = lock(&self.held.lost).clone() {
            return Err(why);
        }
        if self.remaining().is_zero() {
            return Err("the mailbox lease could not be renewed in time (the database was busy); the run stopped so that no two engines work at once".into());
        }
        Ok(())
    }

    /// How long the lease certainly lasts, less a safety margin.
    pub fn remaining(&self) -> Duration {
        let until = *lock(&self.held.valid_until);
        (until - self.ttl / 6).saturating_duration_since(Instant::now())
    }

    pub fn fence(&self) -> Fence {
        Fence {
            mailbox: self.mailbox.clone(),
            holder: self.holder.clone(),
            epoch: self.held.epoch,
        }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }
}

impl Drop for HeldLease {
    /// Leaves the heartbeat; the last lease to leave ends it.
    fn drop(&mut self) {
        let mut all = lock(beats());
        let Some(beat) = all.get(&self.key).cloned() else {
            return;
        };
        let mut state = lock(&beat.state);
        if state
            .held
            .get(&self.mailbox)
            .is_some_and(|h| Arc::ptr_eq(h, &self.held))
        {
            state.held.remove(&self.mailbox);
        }
        if state.held.is_empty() {
            state.stopped = true;
            all.remove(&self.key);
            beat.wake.notify_all();
        }
    }
}

/// The leases to renew once the one closest to its end has had a third
/// of its life since its last renewal (at once for one that joined with
/// little left); `None` once the heartbeat is over.
fn due(beat: &Beat, ttl: Duration, not_before: Instant) -> Option<Vec<(String, Arc<Held>)>> {
    let mut state = lock(&beat.state);
    loop {
        if state.stopped {
            return None;
        }
        let live = || state.held.values().filter(|h| lock(&h.lost).is_none());
        let next = live()
            .map(|h| *lock(&h.valid_until) - ttl * 2 / 3)
            .min()
            .map(|at| at.max(not_before));
        let now = Instant::now();
        match next {
            Some(at) if at <= now => {
                let live = state.held.iter().filter(|(_, h)| lock(&h.lost).is_none());
                return Some(live.map(|(m, h)| (m.clone(), Arc::clone(h))).collect());
            }
            _ => {
                let wait = next.map_or(ttl, |at| at - now);
                state = beat
                    .wake
                    .wait_timeout(state, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}

fn heartbeat(db: &std::path::Path, holder: &str, ttl: Duration, beat: &Beat) {
    let chrono_ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(30));
    let mut store: Option<Store> = None;
    let mut not_before = Instant::now();
    while let Some(held) = due(beat, ttl, not_before) {
        let started = Instant::now();
        // After a failure, the next try waits a little (the lease still runs).
        not_before = started + ttl / 10;
        if store.is_none() {
            store = Store::open(db).ok();
            if let Some(s) = &store {
                let _ = s.set_busy_timeout(ttl / 3);
            }
        }
        let Some(s) = store.as_ref() else { continue };
        let leases: Vec<(String, i64)> = held.iter().map(|(m, h)| (m.clone(), h.epoch)).collect();
        match s.renew_leases(holder, &leases, chrono_ttl, Utc::now()) {
            Ok(renewals) => {
                for ((_, h), renewal) in held.iter().zip(renewals) {
                    match renewal {
                        Renewal::Renewed => *lock(&h.valid_until) = started + ttl,
                        Renewal::Lost(why) => *lock(&h.lost) = Some(why),
                    }
                }
            }
            // Tried again shortly, on a connection opened again (one
            // PostgreSQL closed stays closed).
            Err(_) => store = None,
        }
    }
}
