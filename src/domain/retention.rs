//! Storage limitation (GDPR art. 5(1)(e)): how long each mailbox keeps
//! bodies, entries and skipped records, and when the engine next removes
//! what has outlived them. Plain functions of the settings and `now`; the
//! store removes, the engine decides when.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Days a retention setting may be (0: kept for ever; at most 100 years).
pub const RETAIN_DAYS: std::ops::RangeInclusive<u32> = 0..=36_500;

/// A mailbox's retention settings, in days; 0 keeps for ever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Bodies, attachment metadata and their search rows go after this
    /// many days; the entries stay.
    pub bodies_days: u32,
    /// Entries and their logged messages go after this many days.
    pub entries_days: u32,
    /// Skipped records go after this many days.
    pub skipped_days: u32,
    /// Whether the mailbox copies (Archive, Skipped) of what goes are
    /// deleted too.
    pub mailbox: bool,
}

/// The times before which each kind goes (messages dated before them), or
/// `None` where it is kept for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub bodies: Option<DateTime<Utc>>,
    pub entries: Option<DateTime<Utc>>,
    pub skipped: Option<DateTime<Utc>>,
}

impl Retention {
    /// Whether anything is ever removed.
    pub fn any(&self) -> bool {
        self.bodies_days > 0 || self.entries_days > 0 || self.skipped_days > 0
    }

    /// What is old enough to go at `now`. A body outlived by its entry goes
    /// with it, so a bodies setting longer than the entries' is moot.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> Cutoffs {
        let before = |days: u32| (days > 0).then(|| now - Duration::days(i64::from(days)));
        Cutoffs {
            bodies: before(self.bodies_days),
            entries: before(self.entries_days),
            skipped: before(self.skipped_days),
        }
    }
}

/// The day (UTC) retention is applied for, as stored.
pub fn day_of(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%d").to_string()
}

/// Whether retention is due at `now`: once a day, and again the same day
/// while the last pass ended with more left than its batches could take.
pub fn due(retention: &Retention, done_on: Option<&str>, now: DateTime<Utc>) -> bool {
    retention.any() && done_on != Some(day_of(now).as_str())
}

/// What one retention pass removed, for the run log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// Logged messages whose body and attachment metadata went.
    pub bodies: u64,
    /// Entries that went (with their messages, below).
    pub entries: u64,
    /// Logged messages that went.
    pub messages: u64,
    /// Skipped records that went.
    pub skipped: u64,
    /// Mailbox copies asked to be deleted.
    pub mailbox_deletions: u64,
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        *self == Removed::default()
    }

    pub fn add(&mut self, o: &Removed) {
        self.bodies += o.bodies;
        self.entries += o.entries;
        self.messages += o.messages;
        self.skipped += o.skipped;
        self.mailbox_deletions += o.mailbox_deletions;
    }

    /// One line for the run log and the terminal.
    pub fn summary(&self) -> String {
        format!(
            "retention removed {} bodies, {} entries ({} messages), {} skipped records; {} mailbox copies to delete",
            self.bodies, self.entries, self.messages, self.skipped, self.mailbox_deletions
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn cutoffs_are_days_before_now_and_none_when_kept() {
        let now = at("2026-12-01T10:00:00Z");
        let cases = [
            ((0, 0, 0), (None, None, None)),
            (
                (30, 0, 7),
                (
                    Some("2026-11-01T10:00:00Z"),
                    None,
                    Some("2026-11-24T10:00:00Z"),
                ),
            ),
            (
                (1, 365, 0),
                (
                    Some("2026-11-30T10:00:00Z"),
                    Some("2025-12-01T10:00:00Z"),
                    None,
                ),
            ),
        ];
        for ((b, e, s), (cb, ce, cs)) in cases {
            let r = Retention {
                bodies_days: b,
                entries_days: e,
                skipped_days: s,
                mailbox: false,
            };
            assert_eq!(
                r.cutoffs(now),
                Cutoffs {
                    bodies: cb.map(at),
                    entries: ce.map(at),
                    skipped: cs.map(at),
                },
                "{b} {e} {s}"
            );
        }
    }

    #[test]
    fn due_once_a_day_and_never_when_everything_is_kept() {
        let on = Retention {
            entries_days: 90,
            ..Retention::default()
        };
        let now = at("2026-12-01T23:59:00Z");
        let cases = [
            (on, None, true),
            (on, Some("2026-11-30"), true),
            (on, Some("2026-12-01"), false),
            (Retention::default(), None, false),
            (
                Retention {
                    mailbox: true,
                    ..Retention::default()
                },
                None,
                false,
            ),
        ];
        for (r, done, want) in cases {
            assert_eq!(due(&r, done, now), want, "{r:?} {done:?}");
        }
    }

    #[test]
    fn removed_adds_up_and_says_what_went() {
        let mut r = Removed {
            bodies: 2,
            ..Removed::default()
        };
        assert!(!r.is_empty());
        r.add(&Removed {
            bodies: 1,
            entries: 3,
            messages: 2,
            skipped: 4,
            mailbox_deletions: 5,
        });
        assert_eq!(
            r.summary(),
            "retention removed 3 bodies, 3 entries (2 messages), 4 skipped records; 5 mailbox copies to delete"
        );
        assert!(Removed::default().is_empty());
    }
}
