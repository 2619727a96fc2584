//! Storage limitation applied by the engine: once a day, after a run,
//! under the mailbox's lease, what has outlived its mailbox's retention
//! settings goes in bounded batches (each a short transaction), and the
//! run's log row counts what went. A backlog larger than one pass takes
//! goes on at the next run the same day; the day is done only when nothing
//! before the cutoffs is left.

use chrono::{DateTime, Utc};

use crate::domain::retention::{Removed, day_of, due};
use crate::domain::setup::Setup;
use crate::store::{RetentionBatch, Store, StoreError};

/// Rows one batch takes at most: a few milliseconds of writing.
pub const RETENTION_BATCH: usize = 500;

/// Batches of each kind one pass takes at most, so a first pass over years
/// of mail does not hold up the next run for long.
pub const MAX_BATCHES: usize = 40;

/// Runs `batch` until nothing is left or [`MAX_BATCHES`] ran; returns
/// whether it finished.
fn drain(
    removed: &mut Removed,
    mut batch: impl FnMut() -> Result<RetentionBatch, StoreError>,
) -> Result<bool, StoreError> {
    for _ in 0..MAX_BATCHES {
        let b = batch()?;
        removed.add(&b.removed);
        if !b.more {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Applies the retention of `setup`'s mailbox as of `now`, when due;
/// `None` when it was not (already done today, or nothing is ever removed).
pub fn apply(
    store: &mut Store,
    setup: &Setup,
    now: DateTime<Utc>,
) -> Result<Option<Removed>, StoreError> {
    let retention = setup.retention();
    if !due(&retention, store.retention_done_on()?.as_deref(), now) {
        return Ok(None);
    }
    store.secure_delete()?;
    let cut = retention.cutoffs(now);
    let copies = retention.mailbox;
    let mut removed = Removed::default();
    let mut finished = true;
    // Entries first: a message that goes whole is not stripped first.
    if let Some(before) = cut.entries {
        finished &= drain(&mut removed, || {
            store.remove_old_messages(before, RETENTION_BATCH, copies, now)
        })?;
    }
    if let Some(before) = cut.bodies {
        finished &= drain(&mut removed, || {
            store.strip_old_bodies(before, RETENTION_BATCH)
        })?;
    }
    if let Some(before) = cut.skipped {
        finished &= drain(&mut removed, || {
            store.remove_old_skipped(before, RETENTION_BATCH, copies, now)
        })?;
    }
    if !removed.is_empty() {
        store.scrub_deleted()?;
    }
    if finished {
        store.set_retention_done_on(&day_of(now))?;
    }
    Ok(Some(removed))
}

/// Applies retention after a run and records it on the run's log row; a
/// failure is only noted (the next run tries again).
pub fn after_run(store: &mut Store, setup: &Setup, log_id: i64, now: DateTime<Utc>) {
    match apply(store, setup, now) {
        Ok(None) => {}
        Ok(Some(removed)) => {
            if !removed.is_empty() {
                tracing::info!("{}", removed.summary());
            }
            if let Err(e) = store.record_retention(log_id, &removed) {
                tracing::warn!("could not record what retention removed in the job log: {e}");
            }
        }
        Err(e) => tracing::warn!("retention could not finish, the next run goes on: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pass_takes_batches_until_none_is_left_and_at_most_its_share() {
        // (batches with more after them, then one without; calls, finished)
        let cases = [
            (0, 1, true),
            (3, 4, true),
            (MAX_BATCHES - 1, MAX_BATCHES, true),
            (MAX_BATCHES, MAX_BATCHES, false),
            (usize::MAX, MAX_BATCHES, false),
        ];
        for (full, calls, finished) in cases {
            let (mut n, mut removed) = (0, Removed::default());
            let done = drain(&mut removed, || {
                n += 1;
                Ok(RetentionBatch {
                    removed: Removed {
                        skipped: 1,
                        ..Removed::default()
                    },
                    more: n <= full,
                })
            })
            .unwrap();
            assert_eq!((n, done), (calls, finished), "{full}");
            assert_eq!(removed.skipped, calls as u64);
        }
    }
}
