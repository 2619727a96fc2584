//! Keeps a mailbox's requests under Graph's limits instead of meeting 429s:
//! at most `concurrency` in flight, at most `limit` per sliding `window`, and
//! a pause for everyone when the service says `Retry-After`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

pub struct Pacer {
    slots: Semaphore,
    limit: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
    paused_until: Mutex<Option<Instant>>,
}

/// Graph counts a request when it arrives; these margins keep our count on
/// the safe side of the service's.
const WINDOW_MARGIN: Duration = Duration::from_millis(60);

impl Pacer {
    pub fn new(limit: usize, window: Duration, concurrency: usize) -> Self {
        let safe_limit = limit.saturating_sub((limit / 50).max(1)).max(1);
        Self {
            slots: Semaphore::new(concurrency.max(1)),
            limit: safe_limit,
            window: window + WINDOW_MARGIN,
            sent: Mutex::new(VecDeque::new()),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits for an in-flight slot and room in the window; the slot is held
    /// until the permit is dropped.
    pub async fn acquire(&self) -> SemaphorePermit<'_> {
        let permit = self
            .slots
            .acquire()
            .await
            .expect("the pacer's semaphore is never closed");
        loop {
            let now = Instant::now();
            let paused = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(until) = paused
                && until > now
            {
                tokio::time::sleep(until - now).await;
                continue;
            }
            let wait = {
                let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    sent.pop_front();
                }
                if sent.len() < self.limit {
                    sent.push_back(now);
                    None
                } else {
                    sent.front()
                        .map(|oldest| self.window.saturating_sub(now.duration_since(*oldest)))
                }
            };
            match wait {
                None => return permit,
                Some(w) => tokio::time::sleep(w.max(Duration::from_millis(1))).await,
            }
        }
    }

    /// The service said wait: nobody sends until then.
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut p = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if p.is_none_or(|cur| cur < until) {
            *p = Some(until);
        }
    }
}
