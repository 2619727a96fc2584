//! The lease a run holds on its mailbox, renewed by a heartbeat on a thread
//! of its own with its own database connection, so a blocking store call
//! (a busy database, a slow disk) in the run never keeps it from ticking.
//! The run asks [`HeldLease::check`] before each page and each move: once
//! the lease was lost, or could not be renewed before it ran out locally,
//! the run stops before another engine can have taken over.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::store::{Fence, Renewal, Store};

struct Shared {
    valid_until: Mutex<Instant>,
    /// Why the lease is no longer this run's, once it is not.
    lost: Mutex<Option<String>>,
    /// Set (under its lock, with `wake` notified) when the run is over; the
    /// heartbeat waits on it, so a stop is never missed.
    stop: Mutex<bool>,
    wake: Condvar,
}

pub struct HeldLease {
    mailbox: String,
    holder: String,
    ttl: Duration,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HeldLease {
    /// Starts the heartbeat for a lease valid until `valid_until` by this
    /// process's clock (counted from an instant read before the lease was
    /// read or taken), renewed for `ttl` at a time.
    pub fn start(
        db: PathBuf,
        mailbox: &str,
        holder: &str,
        ttl: chrono::Duration,
        valid_until: Instant,
    ) -> Self {
        let ttl = ttl.to_std().unwrap_or(Duration::from_secs(30));
        let shared = Arc::new(Shared {
            valid_until: Mutex::new(valid_until),
            lost: Mutex::new(None),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            let (mailbox, holder) = (mailbox.to_string(), holder.to_string());
            std::thread::Builder::new()
                .name("lease-heartbeat".into())
                .spawn(move || heartbeat(db, &mailbox, &holder, ttl, &shared))
                .ok()
        };
        Self {
            mailbox: mailbox.to_string(),
            holder: holder.to_string(),
            ttl,
            shared,
            thread,
        }
    }

    /// `Err(why)` once the lease is lost or about to run out unrenewed.
    pub fn check(&self) -> Result<(), String> {
        if let Some(why) = self.lost() {
            return Err(why);
        }
        if self.remaining().is_zero() {
            return Err("the mailbox lease could not be renewed in time (the database was busy); the run stopped so that no two engines work at once".into());
        }
        Ok(())
    }

    /// How long the lease certainly lasts, less a safety margin.
    pub fn remaining(&self) -> Duration {
        let until = *self
            .shared
            .valid_until
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        (until - self.ttl / 6).saturating_duration_since(Instant::now())
    }

    fn lost(&self) -> Option<String> {
        self.shared
            .lost
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn fence(&self) -> Fence {
        Fence {
            mailbox: self.mailbox.clone(),
            holder: self.holder.clone(),
        }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        *self.shared.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn heartbeat(db: PathBuf, mailbox: &str, holder: &str, ttl: Duration, shared: &Shared) {
    let every = ttl / 3;
    let mut store: Option<Store> = None;
    loop {
        {
            let guard = shared.stop.lock().unwrap_or_else(|e| e.into_inner());
            let (stopped, _) = shared
                .wake
                .wait_timeout_while(guard, every, |stop| !*stop)
                .unwrap_or_else(|e| e.into_inner());
            if *stopped {
                return;
            }
        }
        let started = Instant::now();
        if store.is_none() {
            store = Store::open(&db).ok();
            if let Some(s) = &store {
                let _ = s.set_busy_timeout(every);
            }
        }
        let Some(s) = store.as_mut() else { continue };
        let chrono_ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(30));
        match s.renew_lease(mailbox, holder, chrono_ttl, Utc::now()) {
            Ok(Renewal::Renewed) => {
                *shared.valid_until.lock().unwrap_or_else(|e| e.into_inner()) = started + ttl;
            }
            Ok(Renewal::Lost(why)) => {
                *shared.lost.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
                return;
            }
            // Busy: try again at the next tick; the lease still runs.
            Err(_) => {}
        }
    }
}
