//! `emaillog run` over every mailbox of a database: one task per mailbox
//! that is enabled (or has re-log and delete requests waiting), each with
//! its own store connection, lease, mail source and job loop. Mailboxes
//! added, enabled, disabled or removed while it runs are picked up or let
//! go at the next look. Several `run` processes share the mailboxes: each
//! says it is there (`engines`), and holds at most its fair share of the
//! leases, so a process that starts later gets work too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;

use crate::stop::{Stop, StopHandle, stop_pair};
use crate::store::{Store, StoreError};

use super::events::{EngineEvent, Events, channel};
use super::runner::{SourceFactory, lease_ttl, run_jobs};

/// How often the list of mailboxes and engines is read again.
pub const LOOK_EVERY: Duration = Duration::from_secs(2);

/// The leases one process may hold: its fair share of the mailboxes.
#[derive(Debug)]
pub struct Share {
    quota: AtomicUsize,
    held: Mutex<BTreeSet<i64>>,
}

impl Default for Share {
    fn default() -> Self {
        Self::unlimited()
    }
}

impl Share {
    /// No limit: a process alone, or one run.
    pub fn unlimited() -> Self {
        Share {
            quota: AtomicUsize::new(usize::MAX),
            held: Mutex::new(BTreeSet::new()),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, BTreeSet<i64>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_quota(&self, n: usize) {
        self.quota.store(n.max(1), Ordering::SeqCst);
    }

    pub fn quota(&self) -> usize {
        self.quota.load(Ordering::SeqCst)
    }

    /// Whether mailbox `no` may be taken: it is held already, or the share
    /// has room. Taking it counts it held.
    pub fn try_take(&self, no: i64) -> bool {
        let mut held = self.held();
        if held.contains(&no) || held.len() < self.quota() {
            held.insert(no);
            true
        } else {
            false
        }
    }

    /// Whether mailbox `no` is held beyond the share (another engine
    /// joined): it is counted let go, and its lease should be released.
    pub fn let_go_if_over(&self, no: i64) -> bool {
        let mut held = self.held();
        if held.contains(&no) && held.len() > self.quota() {
            held.remove(&no);
            true
        } else {
            false
        }
    }

    pub fn forget(&self, no: i64) {
        self.held().remove(&no);
    }

    pub fn held_count(&self) -> usize {
        self.held().len()
    }
}

/// Which mailbox an event is of.
#[derive(Debug, Clone)]
pub struct Tag {
    pub no: i64,
    pub address: String,
    serving: Arc<AtomicUsize>,
}

impl Tag {
    /// Whether the process serves more than one mailbox now (its lines
    /// then say which).
    pub fn several(&self) -> bool {
        self.serving.load(Ordering::SeqCst) > 1
    }
}

/// Where a mailbox task's events go.
pub type Tap = Arc<dyn Fn(&Tag, EngineEvent) + Send + Sync>;

/// The fair share of `mailboxes` among `engines`: rounded up, at least 1.
pub fn fair_share(mailboxes: usize, engines: usize) -> usize {
    mailboxes.div_ceil(engines.max(1)).max(1)
}

struct Task {
    stop: StopHandle,
    join: tokio::task::JoinHandle<()>,
}

/// The mailboxes to serve, and how many engines serve the database, on
/// the connection kept between looks (opened again after an error).
fn look(
    kept: &mut Option<Store>,
    db: &std::path::Path,
    holder: &str,
) -> Result<(Vec<(i64, String)>, usize), StoreError> {
    let store = match kept {
        Some(s) => s,
        None => kept.insert(Store::open(db)?),
    };
    let seen = seen_by(store, holder);
    if seen.is_err() {
        *kept = None;
    }
    seen
}

fn seen_by(store: &Store, holder: &str) -> Result<(Vec<(i64, String)>, usize), StoreError> {
    let engines = store.engine_seen(holder, lease_ttl(), Utc::now())?;
    let serve = store
        .mailboxes()?
        .into_iter()
        .filter(|m| m.enabled)
        .map(|m| (m.no, m.address))
        .chain(store.mailboxes_with_requests()?)
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    Ok((serve, engines))
}

/// Serves every mailbox that needs it until `stop` fires.
pub async fn serve_mailboxes<F>(
    db: PathBuf,
    factory: Arc<F>,
    holder: String,
    tap: Tap,
    mut stop: Stop,
) where
    F: SourceFactory + 'static,
{
    let share = Arc::new(Share::unlimited());
    let serving = Arc::new(AtomicUsize::new(0));
    let mut tasks: BTreeMap<i64, Task> = BTreeMap::new();
    let mut said = String::new();
    let mut kept: Option<Store> = None;
    while !stop.is_stopped() {
        match look(&mut kept, &db, &holder) {
            Ok((serve, engines)) => {
                if serve.is_empty() {
                    say(
                        &tap,
                        &serving,
                        &mut said,
                        "the job is not enabled: run `emaillog enable` (with --shared-mailbox ADDRESS for one of several mailboxes)".into(),
                    );
                } else {
                    said.clear();
                }
                share.set_quota(fair_share(serve.len(), engines));
                serving.store(serve.len(), Ordering::SeqCst);
                let wanted: BTreeSet<i64> = serve.iter().map(|(no, _)| *no).collect();
                for (no, task) in std::mem::take(&mut tasks) {
                    if wanted.contains(&no) && !task.join.is_finished() {
                        tasks.insert(no, task);
                    } else {
                        task.stop.stop();
                        let _ = task.join.await;
                        share.forget(no);
                    }
                }
                for (no, address) in serve {
                    if tasks.contains_key(&no) {
                        continue;
                    }
                    let tag = Tag {
                        no,
                        address,
                        serving: Arc::clone(&serving),
                    };
                    tasks.insert(
                        no,
                        spawn_task(&db, Arc::clone(&factory), &holder, &tap, &share, tag),
                    );
                }
            }
            Err(e) => say(
                &tap,
                &serving,
                &mut said,
                format!("cannot read the mailboxes to serve: {e}; trying again"),
            ),
        }
        stop.sleep(LOOK_EVERY).await;
    }
    for (_, task) in tasks {
        task.stop.stop();
        let _ = task.join.await;
    }
    if let Some(store) = kept.or_else(|| Store::open(&db).ok()) {
        let _ = store.engine_gone(&holder);
    }
}

/// Tells a wait of the whole process (no mailbox), once per new reason.
fn say(tap: &Tap, serving: &Arc<AtomicUsize>, said: &mut String, why: String) {
    if why == *said {
        return;
    }
    tracing::warn!("{why}");
    let tag = Tag {
        no: 0,
        address: String::new(),
        serving: Arc::clone(serving),
    };
    tap(
        &tag,
        EngineEvent::Waiting {
            reason: why.clone(),
            routine: false,
        },
    );
    *said = why;
}

fn spawn_task<F>(
    db: &std::path::Path,
    factory: Arc<F>,
    holder: &str,
    tap: &Tap,
    share: &Arc<Share>,
    tag: Tag,
) -> Task
where
    F: SourceFactory + 'static,
{
    let (handle, task_stop) = stop_pair();
    let (events, mut rx) = channel();
    let (db, holder, tap, share) = (
        db.to_path_buf(),
        holder.to_string(),
        Arc::clone(tap),
        Arc::clone(share),
    );
    let no = tag.no;
    let forward = {
        let (tap, tag) = (Arc::clone(&tap), tag.clone());
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(e) => tap(&tag, e),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        })
    };
    let join = tokio::spawn(async move {
        match open_for(&db, no) {
            Ok(mut store) => {
                run_jobs(
                    &mut store,
                    factory.as_ref(),
                    &holder,
                    &events,
                    &share,
                    task_stop,
                )
                .await
            }
            Err(e) => {
                let _ = events.send(EngineEvent::Waiting {
                    reason: format!("cannot open the database for mailbox {}: {e}", tag.address),
                    routine: false,
                });
            }
        }
        share.forget(no);
        drop(events);
        let _ = forward.await;
    });
    Task { stop: handle, join }
}

fn open_for(db: &std::path::Path, no: i64) -> Result<Store, StoreError> {
    let mut store = Store::open(db)?;
    store.use_mailbox(no)?;
    Ok(store)
}

/// Every mailbox's events into `events` as they are (`only`: one
/// mailbox's, the one a screen shows now).
pub fn tap_into(events: Events, only: Option<Arc<AtomicI64>>) -> Tap {
    Arc::new(move |tag, e| {
        if only
            .as_ref()
            .is_none_or(|no| no.load(Ordering::SeqCst) == tag.no)
        {
            let _ = events.send(e);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_takes_its_share_and_lets_go_of_what_is_over_it() {
        assert_eq!(fair_share(6, 2), 3);
        assert_eq!(fair_share(7, 2), 4);
        assert_eq!(fair_share(1, 3), 1);
        assert_eq!(fair_share(0, 0), 1);
        let share = Share::unlimited();
        for no in 1..=6 {
            assert!(share.try_take(no), "alone, it takes every mailbox");
        }
        // A second engine joins: three each.
        share.set_quota(3);
        assert!(share.try_take(1), "one it holds stays takeable");
        assert!(!share.let_go_if_over(9), "one it does not hold");
        let let_go: Vec<i64> = (1..=6).filter(|no| share.let_go_if_over(*no)).collect();
        assert_eq!(let_go, [1, 2, 3]);
        assert_eq!(share.held_count(), 3);
        assert!(!share.try_take(1), "let go: the share is full");
        share.forget(4);
        assert!(share.try_take(1));
    }
}
