//! The engine lease: one engine per mailbox across processes sharing the
//! database. Taken in an IMMEDIATE transaction, renewed by a heartbeat, taken
//! over only after it expires — or at once when its holder is a process on
//! this machine that no longer exists.

use super::db::{Begin, Db, OptionalExtension, params};
use chrono::{DateTime, Duration, Utc};

use super::{Result, Store, parse_ts, ts};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseOutcome {
    Acquired,
    HeldBy {
        holder: String,
        until: DateTime<Utc>,
    },
}

/// This process as the machine knows it: host name, boot id, PID
/// namespace, PID and the process's start time (clock ticks after boot).
fn this_process() -> [String; 5] {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|h| h.trim().to_string())
            .unwrap_or_default()
    };
    let pidns = std::fs::read_link("/proc/self/ns/pid")
        .map(|p| p.to_string_lossy().trim_start_matches("pid:").to_string())
        .unwrap_or_default();
    let pid = std::process::id();
    [
        read("/proc/sys/kernel/hostname").replace(':', "_"),
        read("/proc/sys/kernel/random/boot_id"),
        pidns,
        pid.to_string(),
        start_time(pid).unwrap_or_default(),
    ]
}

/// A process's start time from `/proc/PID/stat` (field 22), which tells a
/// reused PID from the process that held the lease.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after it do not.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19).map(str::to_string)
}

/// A holder id: `host:boot:pidns:pid:start:nonce`.
pub fn holder_id() -> String {
    format!("{}:{:08x}", this_process().join(":"), rand::random::<u32>())
}

/// Whether a holder is provably dead: a process of this machine, this boot
/// and this PID namespace (so not another container sharing the volume and
/// the host name) that no longer exists, or whose PID now names a process
/// started at another time.
pub fn holder_is_dead(holder: &str) -> bool {
    let parts: Vec<&str> = holder.split(':').collect();
    let [host, boot, pidns, pid, start, _nonce] = parts.as_slice() else {
        return false;
    };
    let me = this_process();
    if me[1].is_empty() || me[2].is_empty() || [*host, *boot, *pidns] != [&me[0], &me[1], &me[2]] {
        return false;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    match start_time(pid) {
        None => !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        Some(now) => now != *start,
    }
}

/// What renewing a held lease came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    Renewed,
    /// It is no longer this holder's, and why.
    Lost(String),
}

/// The mailbox's lease holder and expiry (`None` if unreadable), read
/// inside the caller's write transaction.
fn current_lease(tx: &Db, mailbox: &str) -> Result<Option<(String, Option<DateTime<Utc>>)>> {
    Ok(tx
        .query_row(
            "SELECT holder, expires_at FROM engine_lease WHERE mailbox = ?1",
            params![mailbox],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .map(|(h, exp)| (h, parse_ts(&exp))))
}

impl Store {
    /// The lease for `holder` to use now, and when it runs out: one it
    /// holds with more than half of `ttl` left is kept as it is, read
    /// without a write (an idle engine looks at each of its mailboxes every
    /// second, and a synced write each time is an fsync a mailbox a
    /// second); otherwise it is taken or renewed as [`Store::acquire_lease`]
    /// does. Nobody else may take a lease that has not run out, so keeping
    /// it is as safe as writing it again.
    pub fn hold_lease(
        &mut self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<(LeaseOutcome, DateTime<Utc>)> {
        let now = self.conn.lease_clock(now)?;
        if let Some((h, Some(until))) = current_lease(&self.conn, mailbox)?
            && h == holder
            && until - now > ttl / 2
        {
            return Ok((LeaseOutcome::Acquired, until));
        }
        let out = self.acquire_lease(mailbox, holder, ttl, now)?;
        Ok((out, now + ttl))
    }

    /// Takes the lease for `ttl` (or renews it, for a holder taking it again).
    pub fn acquire_lease(
        &mut self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseOutcome> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let now = tx.lease_clock(now)?;
        let current = current_lease(&tx, mailbox)?;
        if let Some((h, until)) = current {
            let until = until.unwrap_or(now);
            if h != holder && until > now && !holder_is_dead(&h) {
                return Ok(LeaseOutcome::HeldBy { holder: h, until });
            }
        }
        tx.execute(
            "INSERT INTO engine_lease (mailbox, holder, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(mailbox) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
            params![mailbox, holder, ts(now + ttl)],
        )?;
        tx.commit()?;
        Ok(LeaseOutcome::Acquired)
    }

    /// Renews `holder`'s lease for `ttl`, only while it still holds it and
    /// it has not run out: a lease that ran out (the database was locked
    /// past it) is lost even if nobody took it, so the run that held it
    /// stops, whichever waiter the database lets in first.
    pub fn renew_lease(
        &mut self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<Renewal> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let now = tx.lease_clock(now)?;
        let current = current_lease(&tx, mailbox)?;
        let lost = match current {
            Some((h, _)) if h != holder => format!("another engine ({h}) took over the mailbox lease"),
            Some((_, until)) if until.is_some_and(|until| until > now) => {
                tx.execute(
                    "UPDATE engine_lease SET expires_at = ?3 WHERE mailbox = ?1 AND holder = ?2",
                    params![mailbox, holder, ts(now + ttl)],
                )?;
                tx.commit()?;
                return Ok(Renewal::Renewed);
            }
            Some(_) => "the mailbox lease ran out while the database was busy; the run stopped so that no two engines work at once".to_string(),
            None => "the mailbox lease was released by someone else".to_string(),
        };
        Ok(Renewal::Lost(lost))
    }

    /// The holders of leases that have not run out, less the provably dead.
    pub fn live_holders(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let now = self.conn.lease_clock(now)?;
        let all: Vec<String> = self.conn.query_map(
            "SELECT holder FROM engine_lease WHERE expires_at > ?1",
            params![ts(now)],
            |r| r.get(0),
        )?;
        Ok(all.into_iter().filter(|h| !holder_is_dead(h)).collect())
    }

    /// Says this engine serves the database until `now + ttl`; returns how
    /// many engines do (those whose presence has not run out, less the
    /// provably dead), this one included. Its presence is written again
    /// only once less than half of `ttl` is left, and others' only deleted
    /// once run out: an idle fleet looks every two seconds and writes
    /// nothing most times.
    pub fn engine_seen(&self, holder: &str, ttl: Duration, now: DateTime<Utc>) -> Result<usize> {
        let now = self.conn.lease_clock(now)?;
        let rows: Vec<(String, Option<DateTime<Utc>>)> =
            self.conn
                .query_map("SELECT holder, expires_at FROM engines", params![], |r| {
                    Ok((r.get(0)?, parse_ts(&r.get::<_, String>(1)?)))
                })?;
        let fresh = |until: &Option<DateTime<Utc>>| until.is_some_and(|u| u - now > ttl / 2);
        if !rows.iter().any(|(h, until)| h == holder && fresh(until)) {
            self.conn.execute(
                "INSERT INTO engines (holder, expires_at) VALUES (?1, ?2)
                 ON CONFLICT(holder) DO UPDATE SET expires_at = excluded.expires_at",
                params![holder, ts(now + ttl)],
            )?;
        }
        let live = |until: &Option<DateTime<Utc>>| until.is_some_and(|u| u > now);
        if rows.iter().any(|(h, until)| h != holder && !live(until)) {
            self.conn.execute(
                "DELETE FROM engines WHERE expires_at <= ?1 AND holder <> ?2",
                params![ts(now), holder],
            )?;
        }
        Ok(1 + rows
            .iter()
            .filter(|(h, until)| h != holder && live(until) && !holder_is_dead(h))
            .count())
    }

    /// This engine no longer serves the database.
    pub fn engine_gone(&self, holder: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM engines WHERE holder = ?1", params![holder])?;
        Ok(())
    }

    pub fn release_lease(&self, mailbox: &str, holder: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM engine_lease WHERE mailbox = ?1 AND holder = ?2",
            params![mailbox, holder],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_provably_dead_holder_is_dead() {
        let me = holder_id();
        let p: Vec<&str> = me.split(':').collect();
        assert!(!holder_is_dead(&me), "this very process is alive");
        let reused = format!("{}:{}:{}:{}:999999999:x", p[0], p[1], p[2], p[3]);
        assert!(
            holder_is_dead(&reused),
            "same PID, other start time: reused"
        );
        let other_ns = format!("{}:{}:4026000000:4000000:1:x", p[0], p[1]);
        assert!(
            !holder_is_dead(&other_ns),
            "another PID namespace (a container) cannot be checked"
        );
        let other_boot = format!("{}:00000000-0000:{}:4000000:1:x", p[0], p[2]);
        assert!(
            !holder_is_dead(&other_boot),
            "an earlier boot's holder is only taken after expiry"
        );
        assert!(!holder_is_dead("elsewhere:1:abc"));
    }

    /// How many times another connection has committed, as `watcher` sees.
    fn commits_seen_by(watcher: &Store) -> i64 {
        watcher
            .conn
            .query_row("PRAGMA data_version", params![], |r| r.get(0))
            .unwrap()
    }

    /// An engine looking at its mailbox every second keeps a lease with
    /// more than half its life left without writing (another connection
    /// sees no commit), and renews it once it has less; another engine
    /// cannot take it meanwhile.
    #[test]
    fn a_lease_held_with_time_left_is_kept_without_a_write() {
        if crate::store::testing::sqlite_only("commits are counted by SQLite's data_version") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::testing::fresh_database(dir.path(), "l.db");
        let mut s = Store::open(&path).unwrap();
        let watcher = Store::open(&path).unwrap();
        let commits = || commits_seen_by(&watcher);
        // Whole milliseconds: times are stored to the millisecond.
        let t0 = chrono::SubsecRound::trunc_subsecs(Utc::now(), 3);
        let (ttl, me) = (Duration::seconds(30), "elsewhere:1:me");
        let mut last = commits();
        // (seconds after t0, whether it writes, when the lease runs out).
        for (secs, writes, until) in [
            (0, true, 30),
            (1, false, 30),
            (14, false, 30),
            (16, true, 46),
            (17, false, 46),
        ] {
            let now = t0 + Duration::seconds(secs);
            let (out, held_until) = s.hold_lease("mb", me, ttl, now).unwrap();
            assert_eq!(out, LeaseOutcome::Acquired, "at {secs} s");
            assert_eq!(held_until, t0 + Duration::seconds(until), "at {secs} s");
            let now_commits = commits();
            assert_eq!(now_commits != last, writes, "a write at {secs} s?");
            last = now_commits;
            assert!(
                matches!(
                    s.acquire_lease("mb", "elsewhere:2:rival", ttl, now)
                        .unwrap(),
                    LeaseOutcome::HeldBy { .. }
                ),
                "at {secs} s"
            );
        }
    }

    /// The engines serving a database count themselves in; one's presence
    /// is written again only once it is half gone, and an engine whose
    /// presence ran out is no longer counted (and its row goes).
    #[test]
    fn engines_are_counted_and_an_idle_one_writes_its_presence_seldom() {
        if crate::store::testing::sqlite_only("commits are counted by SQLite's data_version") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::testing::fresh_database(dir.path(), "e.db");
        let s = Store::open(&path).unwrap();
        let watcher = Store::open(&path).unwrap();
        let commits = || commits_seen_by(&watcher);
        let t0 = chrono::SubsecRound::trunc_subsecs(Utc::now(), 3);
        let ttl = Duration::seconds(30);
        let at = |secs| t0 + Duration::seconds(secs);
        assert_eq!(s.engine_seen("elsewhere:1:a", ttl, at(0)).unwrap(), 1);
        assert_eq!(s.engine_seen("elsewhere:2:b", ttl, at(1)).unwrap(), 2);
        let before = commits();
        assert_eq!(s.engine_seen("elsewhere:1:a", ttl, at(2)).unwrap(), 2);
        assert_eq!(commits(), before, "fresh: nothing written");
        assert_eq!(s.engine_seen("elsewhere:1:a", ttl, at(16)).unwrap(), 2);
        assert_ne!(commits(), before, "half gone: written again");
        // b was last seen at 1 s: gone at 31 s.
        assert_eq!(s.engine_seen("elsewhere:1:a", ttl, at(32)).unwrap(), 1);
        let rows: i64 = watcher
            .conn
            .query_row("SELECT count(*) FROM engines", params![], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_live_lease_is_not_taken_over_until_it_expires() {
        if crate::store::testing::sqlite_only(
            "the test sets the lease clock; PostgreSQL's is the server's (tests/pg_store.rs)",
        ) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut s =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "l.db")).unwrap();
        let now = Utc::now();
        let me = holder_id();
        // A holder on another host cannot be checked for liveness.
        let other = "elsewhere:1:abc";
        assert_eq!(
            s.acquire_lease("mb", other, Duration::seconds(30), now)
                .unwrap(),
            LeaseOutcome::Acquired
        );
        assert!(matches!(
            s.acquire_lease("mb", &me, Duration::seconds(30), now)
                .unwrap(),
            LeaseOutcome::HeldBy { .. }
        ));
        assert_eq!(
            s.acquire_lease(
                "mb",
                &me,
                Duration::seconds(30),
                now + Duration::seconds(31)
            )
            .unwrap(),
            LeaseOutcome::Acquired
        );
        assert_eq!(
            s.acquire_lease(
                "mb",
                &me,
                Duration::seconds(30),
                now + Duration::seconds(32)
            )
            .unwrap(),
            LeaseOutcome::Acquired,
            "renewal"
        );
    }

    #[test]
    fn a_lease_of_a_dead_local_process_is_taken_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut s =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "l.db")).unwrap();
        let me = holder_id();
        let parts: Vec<&str> = me.split(':').collect();
        let dead = format!("{}:{}:{}:4000000:1:dead", parts[0], parts[1], parts[2]);
        let now = Utc::now();
        s.acquire_lease("mb", &dead, Duration::seconds(300), now)
            .unwrap();
        assert_eq!(
            s.acquire_lease("mb", &holder_id(), Duration::seconds(30), now)
                .unwrap(),
            LeaseOutcome::Acquired
        );
    }

    #[test]
    fn a_held_lease_is_renewed_only_while_it_runs_and_is_this_holders() {
        if crate::store::testing::sqlite_only(
            "the test sets the lease clock; PostgreSQL's is the server's (tests/pg_store.rs)",
        ) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut s =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "l.db")).unwrap();
        let now = Utc::now();
        let ttl = Duration::seconds(3);
        let me = holder_id();
        s.acquire_lease("mb", &me, ttl, now).unwrap();
        let at = |secs: i64| now + Duration::seconds(secs);
        assert_eq!(
            s.renew_lease("mb", &me, ttl, at(2)).unwrap(),
            Renewal::Renewed
        );
        assert_eq!(
            s.renew_lease("mb", &me, ttl, at(4)).unwrap(),
            Renewal::Renewed
        );
        // The database was locked past the lease: lost, though nobody took it.
        let ran_out = s.renew_lease("mb", &me, ttl, at(8)).unwrap();
        assert!(
            matches!(&ran_out, Renewal::Lost(why) if why.contains("ran out")),
            "{ran_out:?}"
        );
        // Taken by another engine.
        s.acquire_lease("mb", "elsewhere:1:other", ttl, at(9))
            .unwrap();
        let taken = s.renew_lease("mb", &me, ttl, at(10)).unwrap();
        assert!(
            matches!(&taken, Renewal::Lost(why) if why.contains("elsewhere:1:other")),
            "{taken:?}"
        );
        s.release_lease("mb", "elsewhere:1:other").unwrap();
        assert!(matches!(
            s.renew_lease("mb", &me, ttl, at(11)).unwrap(),
            Renewal::Lost(_)
        ));
    }
}
