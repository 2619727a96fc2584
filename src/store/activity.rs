//! What the status screen shows at a glance: mail handled in the last day,
//! hour by hour, who holds the mailbox lease, and whether anything changed
//! since the last look.

use super::db::{OptionalExtension, params};
use chrono::{DateTime, Duration, Timelike, Utc};

use super::{Result, Store, parse_ts, ts};

/// Mail handled since a moment, and logged messages per hour over the last 24 hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub logged: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Oldest hour first; the last bucket is the current hour.
    pub logged_per_hour: Vec<u64>,
    /// Skipped messages per hour, the same hours.
    pub skipped_per_hour: Vec<u64>,
    /// The start of the oldest hour counted.
    pub first_hour: Option<DateTime<Utc>>,
    /// Logged messages per day over the last [`DAYS`] days, oldest first;
    /// the last is the day that began at `since`.
    pub logged_per_day: Vec<u64>,
    /// Skipped messages per day, the same days.
    pub skipped_per_day: Vec<u64>,
    /// Where the oldest day counted begins.
    pub first_day: Option<DateTime<Utc>>,
}

/// How many days the per-day counts cover.
pub const DAYS: usize = 14;

/// Counts per hour (start of the hour, count) spread into `n` buckets of
/// `width` from `first`; what falls outside is left out.
fn buckets(
    hourly: &[(DateTime<Utc>, u64)],
    first: DateTime<Utc>,
    width: Duration,
    n: usize,
) -> Vec<u64> {
    let mut counts = vec![0u64; n];
    for (t, c) in hourly {
        if *t < first {
            continue;
        }
        let i = ((*t - first).num_seconds() / width.num_seconds()) as usize;
        if let Some(b) = counts.get_mut(i) {
            *b += c;
        }
    }
    counts
}

/// Who holds a mailbox's lease and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub holder: String,
    pub until: DateTime<Utc>,
}

impl Store {
    /// Changes whenever another connection commits (SQLite's `data_version`):
    /// a cheap poll for "is there anything new to show".
    /// On PostgreSQL it is the count of changes the process's listener
    /// heard (no round trip), or while that is not connected the server's
    /// next transaction id.
    pub fn data_version(&self) -> Result<i64> {
        if let Some(heard) = self.changes_heard() {
            return Ok(heard as i64);
        }
        Ok(self.conn.query_row(
            self.conn.pick(
                "PRAGMA data_version",
                // The next transaction id: moves when anyone writes.
                "SELECT CAST(CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) AS BIGINT)",
            ),
            params![],
            |r| r.get(0),
        )?)
    }

    /// Whether changes are heard as they are committed (PostgreSQL, its
    /// listener connected) rather than asked for.
    pub fn hears_changes(&self) -> bool {
        self.changes_heard().is_some()
    }

    fn changes_heard(&self) -> Option<u64> {
        let url = super::pg::target::postgres_url(self.path())?;
        super::db::pg_listen::changes(url)?.version()
    }

    /// Logged, skipped and failed since `since`; logged and skipped per
    /// hour for the 24 hours up to `now`, and per day for the [`DAYS`] days
    /// that end with the one beginning at `since` (a local midnight).
    pub fn activity(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<Activity> {
        let logged: i64 = self.conn.query_row(
            "SELECT count(*) FROM logged_messages WHERE logged_at >= ?1",
            params![ts(since)],
            |r| r.get(0),
        )?;
        let skipped: i64 = self.conn.query_row(
            "SELECT count(*) FROM skipped_messages WHERE skipped_at >= ?1",
            params![ts(since)],
            |r| r.get(0),
        )?;
        // From the runs, which a PostgreSQL role with the users' share may
        // not read: for it, none are counted failed.
        let failed: i64 = match self.conn.query_row(
            "SELECT coalesce(sum(messages_failed), 0) FROM job_queue_log_entries WHERE started_at >= ?1",
            params![ts(since)],
            |r| r.get(0),
        ) {
            Err(e) if e.is_forbidden() => 0,
            failed => failed?,
        };
        let this_hour = now
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now);
        let first = this_hour - Duration::hours(23);
        let first_day = since - Duration::days(DAYS as i64 - 1);
        let from = first.min(first_day);
        // One read per table, by the hour, serves both charts.
        let hourly = |sql: &str| -> Result<Vec<(DateTime<Utc>, u64)>> {
            let rows = self.conn.query_map(sql, params![ts(from)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut out = Vec::new();
            for (hour, n) in rows {
                if let Some(t) = parse_ts(&format!("{hour}:00:00Z")) {
                    out.push((t, n.max(0) as u64));
                }
            }
            Ok(out)
        };
        let logged_hourly = hourly(self.conn.pick(
            "SELECT substr(logged_at, 1, 13), count(*) FROM logged_messages WHERE logged_at >= ?1 GROUP BY 1",
            "SELECT to_char(logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24'), count(*) FROM logged_messages WHERE logged_at >= ?1 GROUP BY 1",
        ))?;
        let skipped_hourly = hourly(self.conn.pick(
            "SELECT substr(skipped_at, 1, 13), count(*) FROM skipped_messages WHERE skipped_at >= ?1 GROUP BY 1",
            "SELECT to_char(skipped_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24'), count(*) FROM skipped_messages WHERE skipped_at >= ?1 GROUP BY 1",
        ))?;
        let (hour, day) = (Duration::hours(1), Duration::days(1));
        Ok(Activity {
            logged: logged as u64,
            skipped: skipped as u64,
            failed: failed.max(0) as u64,
            logged_per_hour: buckets(&logged_hourly, first, hour, 24),
            skipped_per_hour: buckets(&skipped_hourly, first, hour, 24),
            first_hour: Some(first),
            logged_per_day: buckets(&logged_hourly, first_day, day, DAYS),
            skipped_per_day: buckets(&skipped_hourly, first_day, day, DAYS),
            first_day: Some(first_day),
        })
    }

    /// The current holder of a mailbox's lease, if it has not expired.
    pub fn lease_holder(&self, mailbox: &str, now: DateTime<Utc>) -> Result<Option<LeaseHolder>> {
        let now = self.conn.lease_clock(now)?;
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT holder, expires_at FROM engine_lease WHERE mailbox = ?1",
                params![mailbox],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(holder, exp)| {
            let until = parse_ts(&exp)?;
            (until > now).then_some(LeaseHolder { holder, until })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_counts_the_last_day_hour_by_hour() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "a.db")).unwrap();
        let now: DateTime<Utc> = "2024-05-02T10:30:00Z".parse().unwrap();
        for (id, at) in [
            ("a", "2024-05-02T10:05:00.000Z"),
            ("b", "2024-05-02T10:25:00.000Z"),
            ("c", "2024-05-01T11:59:00.000Z"),
            ("d", "2024-05-01T10:29:00.000Z"),
        ] {
            store.conn.execute(
                "INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender, recipients, logged_at) VALUES (?1, ?1, 's', 'x@y', '[]', ?2)",
                params![id, at],
            ).unwrap();
        }
        let a = store.activity(now - Duration::hours(24), now).unwrap();
        assert_eq!(a.logged, 3, "10:29 yesterday is more than a day ago");
        assert_eq!(a.logged_per_hour.len(), 24);
        assert_eq!(a.logged_per_hour[23], 2, "this hour");
        assert_eq!(
            a.logged_per_hour[0], 1,
            "11:00 yesterday is the first bucket"
        );
        assert_eq!(a.logged_per_hour.iter().sum::<u64>(), 3);
        // Skipped mail is counted by the hour it was skipped, beside it.
        for (id, at) in [
            ("s1", "2024-05-02T09:10:00.000Z"),
            ("s2", "2024-05-01T08:00:00.000Z"),
        ] {
            store.conn.execute(
                "INSERT INTO skipped_messages (mailbox_id, internet_message_id, subject, sender, recipients, reason, detail, skipped_at) VALUES (?1, ?1, 's', 'x@y', '[]', 'no_match', '', ?2)",
                params![id, at],
            ).unwrap();
        }
        let a = store.activity(now - Duration::hours(24), now).unwrap();
        assert_eq!(a.skipped_per_hour[22], 1, "09:00 today");
        assert_eq!(
            a.skipped_per_hour.iter().sum::<u64>(),
            1,
            "08:00 yesterday is too old"
        );
        assert_eq!(a.first_hour, Some("2024-05-01T11:00:00Z".parse().unwrap()));
    }

    #[test]
    fn activity_counts_the_last_two_weeks_day_by_day() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "d.db")).unwrap();
        let now: DateTime<Utc> = "2024-05-20T10:30:00Z".parse().unwrap();
        // Local midnight at UTC+2 is 22:00 UTC the day before.
        let since: DateTime<Utc> = "2024-05-19T22:00:00Z".parse().unwrap();
        for (id, at) in [
            ("today1", "2024-05-20T09:00:00.000Z"),
            ("today2", "2024-05-19T22:10:00.000Z"),
            ("yesterday", "2024-05-19T21:50:00.000Z"),
            ("first", "2024-05-06T22:00:00.000Z"),
            ("too-old", "2024-05-06T21:59:00.000Z"),
        ] {
            store.conn.execute(
                "INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender, recipients, logged_at) VALUES (?1, ?1, 's', 'x@y', '[]', ?2)",
                params![id, at],
            ).unwrap();
        }
        store.conn.execute(
            "INSERT INTO skipped_messages (mailbox_id, internet_message_id, subject, sender, recipients, reason, detail, skipped_at) VALUES ('s', 's', 's', 'x@y', '[]', 'no_match', '', '2024-05-12T08:00:00.000Z')",
            params![],
        ).unwrap();
        let a = store.activity(since, now).unwrap();
        assert_eq!(a.logged_per_day.len(), DAYS);
        assert_eq!(a.logged_per_day[13], 2, "today began at 22:00 UTC");
        assert_eq!(a.logged_per_day[12], 1, "21:50 UTC was yesterday");
        assert_eq!(
            a.logged_per_day[0], 1,
            "the first day begins 13 days before today"
        );
        assert_eq!(a.logged_per_day.iter().sum::<u64>(), 4, "one is too old");
        assert_eq!(a.skipped_per_day[5], 1, "12 May, local");
        assert_eq!(a.first_day, Some("2024-05-06T22:00:00Z".parse().unwrap()));
        // The per-hour counts come from the same read.
        assert_eq!(a.logged_per_hour[22], 1, "09:00 today");
    }

    #[test]
    fn people_are_counted_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "p.db")).unwrap();
        assert_eq!(store.people_counts().unwrap(), (0, 0));
        store.conn.execute_batch(
            "INSERT INTO salespeople (code, name, email) VALUES ('AH', 'Annette', 'a@contoso.example');
             INSERT INTO contacts (no, name, company, email) VALUES ('C1', 'Alex', 'Fabrikam', 'alex@fabrikam.example'),
                                                             ('C2', 'Sofia', 'Fabrikam', 'sofia@fabrikam.example');",
        ).unwrap();
        assert_eq!(store.people_counts().unwrap(), (1, 2));
    }

    #[test]
    fn data_version_moves_when_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::testing::fresh_database(dir.path(), "v.db");
        let watcher = Store::open(&path).unwrap();
        let writer = Store::open(&path).unwrap();
        // On PostgreSQL what moves it is a notification of this database's
        // writes, once the listener is there (before, any transaction on
        // the server does, other tests' too); it arrives a moment after
        // the commit.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let wait = |what: &str, done: &dyn Fn() -> bool| {
            while !done() {
                assert!(std::time::Instant::now() < deadline, "{what}");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        };
        watcher.data_version().unwrap();
        if watcher.conn.is_postgres() {
            wait("the listener", &|| watcher.hears_changes());
        }
        let before = watcher.data_version().unwrap();
        assert_eq!(watcher.data_version().unwrap(), before);
        writer.never_log_add("x@y.example").unwrap();
        wait("the commit seen", &|| {
            watcher.data_version().unwrap() != before
        });
    }
}
