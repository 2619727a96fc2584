//! Graph's throttling per (app, mailbox): a sliding window of requests and a
//! cap on requests in flight, each answered with 429 and `Retry-After`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// (client id, mailbox address in lower case).
pub type ThrottleKey = (String, String);

#[derive(Debug)]
pub struct Throttle {
    limit: usize,
    window: Duration,
    concurrency: usize,
    windows: HashMap<ThrottleKey, VecDeque<Instant>>,
    in_flight: HashMap<ThrottleKey, usize>,
    pub stats: ThrottleStats,
}

#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct ThrottleStats {
    pub requests: u64,
    pub throttled_window: u64,
    pub throttled_concurrency: u64,
    pub max_in_flight: usize,
}

/// Why a request was refused, and how long the client should wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Concurrency { retry_after_secs: u64 },
    Window { retry_after_secs: u64 },
}

impl Refusal {
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Refusal::Concurrency { retry_after_secs } | Refusal::Window { retry_after_secs } => {
                retry_after_secs
            }
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::Concurrency { .. } => "Application is over its MailboxConcurrency limit.",
            Refusal::Window { .. } => {
                "Application is over its request limit for this mailbox. Retry after the time in Retry-After."
            }
        }
    }
}

impl Throttle {
    pub fn new(limit: usize, window: Duration, concurrency: usize) -> Self {
        Self {
            limit: limit.max(1),
            window,
            concurrency: concurrency.max(1),
            windows: HashMap::new(),
            in_flight: HashMap::new(),
            stats: ThrottleStats::default(),
        }
    }

    /// Counts one request against the window, or says how long to wait.
    pub fn count(&mut self, key: &ThrottleKey, now: Instant) -> Result<(), Refusal> {
        let q = self.windows.entry(key.clone()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.limit {
            let oldest = *q.front().expect("limit is at least one");
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            self.stats.throttled_window += 1;
            return Err(Refusal::Window {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            });
        }
        q.push_back(now);
        self.stats.requests += 1;
        Ok(())
    }

    pub fn clear(&mut self) {
        self.windows.clear();
        self.stats = ThrottleStats::default();
    }
}

/// A slot among the requests in flight; freed when dropped.
pub struct Permit {
    throttle: Arc<Mutex<Throttle>>,
    key: ThrottleKey,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut t) = self.throttle.lock()
            && let Some(n) = t.in_flight.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
        }
    }
}

/// Takes an in-flight slot and counts the request, or refuses it.
pub fn acquire(
    throttle: &Arc<Mutex<Throttle>>,
    key: ThrottleKey,
    now: Instant,
) -> Result<Permit, Refusal> {
    let mut t = throttle.lock().unwrap_or_else(|p| p.into_inner());
    let in_flight = t.in_flight.get(&key).copied().unwrap_or(0);
    if in_flight >= t.concurrency {
        t.stats.throttled_concurrency += 1;
        return Err(Refusal::Concurrency {
            retry_after_secs: 1,
        });
    }
    t.count(&key, now)?;
    let n = t.in_flight.entry(key.clone()).or_insert(0);
    *n += 1;
    let n = *n;
    t.stats.max_in_flight = t.stats.max_in_flight.max(n);
    drop(t);
    Ok(Permit {
        throttle: Arc::clone(throttle),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ThrottleKey {
        ("app".into(), "box@x".into())
    }

    #[test]
    fn window_refuses_past_the_limit_and_says_when() {
        let mut t = Throttle::new(2, Duration::from_secs(10), 4);
        let t0 = Instant::now();
        assert!(t.count(&key(), t0).is_ok());
        assert!(t.count(&key(), t0 + Duration::from_secs(1)).is_ok());
        let r = t.count(&key(), t0 + Duration::from_secs(2)).unwrap_err();
        assert_eq!(
            r,
            Refusal::Window {
                retry_after_secs: 8
            }
        );
        assert!(t.count(&key(), t0 + Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn concurrency_slot_is_freed_on_drop() {
        let t = Arc::new(Mutex::new(Throttle::new(100, Duration::from_secs(10), 1)));
        let now = Instant::now();
        let p = acquire(&t, key(), now).unwrap();
        assert!(matches!(
            acquire(&t, key(), now),
            Err(Refusal::Concurrency { .. })
        ));
        drop(p);
        assert!(acquire(&t, key(), now).is_ok());
    }
}
