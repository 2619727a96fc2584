//! The engine lease: one engine per mailbox across processes sharing the
//! database. Taken in an IMMEDIATE transaction, renewed by a heartbeat, taken
//! over only after it expires — or at once when its holder is a process on
//! this machine that no longer exists.

use super::db::{Begin, Db, OptionalExtension, params};
use chrono::{DateTime, Duration, Utc};

#[cfg(test)]
use super::StoreError;
use super::{Result, Store, parse_ts, ts};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseOutcome {
    Acquired(Lease),
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

/// A lease taken: which take of the mailbox it is (every page commit is
/// fenced by it) and how long it lasts by the database's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub epoch: i64,
    pub left: Duration,
}

/// When a released lease ran out: long ago.
fn released() -> String {
    ts(DateTime::UNIX_EPOCH)
}

/// A mailbox's lease row: holder, expiry (`None` if unreadable) and epoch.
type LeaseRow = (String, Option<DateTime<Utc>>, i64);

/// The mailbox's lease, read inside the caller's transaction. With
/// `claim` on PostgreSQL the row is locked for the transaction, and one
/// another engine has locked (it is claiming or renewing it this moment)
/// is skipped rather than waited for: `Err(())`.
fn current_lease(
    tx: &Db,
    mailbox: &str,
    claim: bool,
) -> Result<std::result::Result<Option<LeaseRow>, ()>> {
    let lock = claim && tx.is_postgres();
    if lock {
        // The row to lock: a mailbox never leased gets one nobody holds.
        tx.execute(
            "INSERT INTO engine_lease (mailbox, holder, expires_at) VALUES (?1, '', ?2)
             ON CONFLICT (mailbox) DO NOTHING",
            params![mailbox, released()],
        )?;
    }
    let sql = if lock {
        "SELECT holder, expires_at, epoch FROM engine_lease WHERE mailbox = ?1 FOR UPDATE SKIP LOCKED"
    } else {
        "SELECT holder, expires_at, epoch FROM engine_lease WHERE mailbox = ?1"
    };
    let row = tx
        .query_row(sql, params![mailbox], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()?
        .map(|(h, exp, epoch)| (h, parse_ts(&exp), epoch));
    Ok(match row {
        None if lock => Err(()),
        row => Ok(row),
    })
}

/// Why a lease `holder` held as `epoch` is no longer its, from the row now.
fn why_lost(row: Option<LeaseRow>, holder: &str, epoch: i64) -> String {
    match row {
        Some((h, _, _)) if h != holder && !h.is_empty() => {
            format!("another engine ({h}) took over the mailbox lease")
        }
        Some((h, _, e)) if h == holder && e != epoch => {
            "the mailbox lease ran out and was taken again since; this run stopped so that no two runs work at once".to_string()
        }
        Some((h, _, _)) if h == holder => "the mailbox lease ran out while the database was busy; the run stopped so that no two engines work at once".to_string(),
        _ => "the mailbox lease was released by someone else".to_string(),
    }
}

impl Store {
    /// The lease for `holder` to use now: one it holds with more than half
    /// of `ttl` left is kept as it is, read without a write (an idle engine
    /// looks at each of its mailboxes every second, and a synced write each
    /// time is an fsync a mailbox a second); otherwise it is taken or
    /// renewed as [`Store::acquire_lease`] does. Nobody else may take a
    /// lease that has not run out, so keeping it is as safe as writing it
    /// again.
    pub fn hold_lease(
        &mut self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseOutcome> {
        let now = self.conn.lease_clock(now)?;
        if let Ok(Some((h, Some(until), epoch))) = current_lease(&self.conn, mailbox, false)?
            && h == holder
            && until - now > ttl / 2
        {
            return Ok(LeaseOutcome::Acquired(Lease {
                epoch,
                left: until - now,
            }));
        }
        self.acquire_lease(mailbox, holder, ttl, now)
    }

    /// Takes the lease for `ttl` (or renews it, for a holder taking it
    /// again while it runs). A take that is not such a renewal counts the
    /// epoch up. On SQLite the whole database is locked for it; on
    /// PostgreSQL only the mailbox's lease row (`FOR UPDATE SKIP LOCKED`),
    /// so engines claiming different mailboxes never wait for each other,
    /// and a mailbox another engine is claiming this moment is left to it.
    pub fn acquire_lease(
        &mut self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseOutcome> {
        let how = if self.conn.is_postgres() {
            Begin::Deferred
        } else {
            Begin::Immediate
        };
        let tx = self.conn.transaction(how)?;
        let now = tx.lease_clock(now)?;
        let Ok(current) = current_lease(&tx, mailbox, true)? else {
            return Ok(LeaseOutcome::HeldBy {
                holder: "another engine, claiming it this moment".into(),
                until: now,
            });
        };
        let mut epoch = 1;
        if let Some((h, until, e)) = current {
            let until = until.unwrap_or(now);
            let live = until > now;
            if h != holder && !h.is_empty() && live && !holder_is_dead(&h) {
                return Ok(LeaseOutcome::HeldBy { holder: h, until });
            }
            epoch = if h == holder && live { e } else { e + 1 };
        }
        tx.execute(
            "INSERT INTO engine_lease (mailbox, holder, expires_at, epoch) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(mailbox) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
                 epoch = excluded.epoch",
            params![mailbox, holder, ts(now + ttl), epoch],
        )?;
        tx.commit()?;
        Ok(LeaseOutcome::Acquired(Lease { epoch, left: ttl }))
    }

    /// Renews, in one statement, those of `held` (mailbox, epoch) that are
    /// still `holder`'s, of that epoch, and have not run out, for `ttl`
    /// from the database's now; says for each whether it was. A lease that
    /// ran out (the database was locked past it) is lost even if nobody
    /// took it, so the run that held it stops, whichever waiter the
    /// database lets in first.
    pub fn renew_leases(
        &self,
        holder: &str,
        held: &[(String, i64)],
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Renewal>> {
        if held.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(held).unwrap_or_else(|_| "[]".into());
        let renewed: Vec<(String, i64)> = if self.conn.is_postgres() {
            self.conn.query_map(
                "UPDATE engine_lease SET expires_at = now() + make_interval(secs => ?2)
                  WHERE holder = ?1 AND expires_at > now()
                    AND (mailbox, epoch) IN (SELECT e->>0, (e->>1)::bigint FROM jsonb_array_elements(?3::text::jsonb) e)
                 RETURNING mailbox, epoch",
                params![holder, ttl.num_milliseconds() as f64 / 1000.0, list],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
        } else {
            self.conn.query_map(
                "UPDATE engine_lease SET expires_at = ?3
                  WHERE holder = ?1 AND expires_at > ?2
                    AND (mailbox, epoch) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?4))
                 RETURNING mailbox, epoch",
                params![holder, ts(now), ts(now + ttl), list],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
        };
        held.iter()
            .map(|lease| {
                if renewed.contains(lease) {
                    return Ok(Renewal::Renewed);
                }
                let row = current_lease(&self.conn, &lease.0, false)?.unwrap_or(None);
                Ok(Renewal::Lost(why_lost(row, holder, lease.1)))
            })
            .collect()
    }

    /// [`Store::renew_leases`] for one lease.
    pub fn renew_lease(
        &self,
        mailbox: &str,
        holder: &str,
        epoch: i64,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<Renewal> {
        let held = [(mailbox.to_string(), epoch)];
        Ok(self
            .renew_leases(holder, &held, ttl, now)?
            .pop()
            .unwrap_or(Renewal::Lost("nothing was renewed".into())))
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

    /// Lets the lease go: it runs out at once, and its row (with its epoch)
    /// stays, so the next take counts on from it.
    pub fn release_lease(&self, mailbox: &str, holder: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE engine_lease SET expires_at = ?3 WHERE mailbox = ?1 AND holder = ?2",
            params![mailbox, holder, released()],
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
            let out = s.hold_lease("mb", me, ttl, now).unwrap();
            let LeaseOutcome::Acquired(lease) = out else {
                panic!("at {secs} s: {out:?}")
            };
            assert_eq!(
                now + lease.left,
                t0 + Duration::seconds(until),
                "at {secs} s"
            );
            assert_eq!(lease.epoch, 1, "kept and renewed: the same take");
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
    fn a_live_lease_is_not_taken_over_until_it_expires_and_each_take_counts_up() {
        if crate::store::testing::sqlite_only(
            "the test sets the lease clock; PostgreSQL's is the server's (tests/pg_store.rs)",
        ) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut s =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "l.db")).unwrap();
        let now = Utc::now();
        let ttl = Duration::seconds(30);
        let me = holder_id();
        let at = |secs| now + Duration::seconds(secs);
        let epoch = |out: LeaseOutcome| match out {
            LeaseOutcome::Acquired(l) => Some(l.epoch),
            LeaseOutcome::HeldBy { .. } => None,
        };
        // A holder on another host cannot be checked for liveness.
        let other = "elsewhere:1:abc";
        let mut take = |who: &str, secs| epoch(s.acquire_lease("mb", who, ttl, at(secs)).unwrap());
        assert_eq!(take(other, 0), Some(1));
        assert_eq!(take(&me, 0), None, "live: refused");
        assert_eq!(take(&me, 31), Some(2), "ran out: taken, a new epoch");
        assert_eq!(take(&me, 32), Some(2), "taken again while it runs: renewed");
        assert_eq!(
            take(&me, 70),
            Some(3),
            "ran out, taken again by the same: a new epoch"
        );
        s.release_lease("mb", &me).unwrap();
        assert_eq!(
            epoch(s.acquire_lease("mb", &me, ttl, at(71)).unwrap()),
            Some(4),
            "released, taken again: the count goes on"
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
        assert!(matches!(
            s.acquire_lease("mb", &holder_id(), Duration::seconds(30), now)
                .unwrap(),
            LeaseOutcome::Acquired(Lease { epoch: 2, .. })
        ));
    }

    #[test]
    fn a_held_lease_is_renewed_only_while_it_runs_and_is_this_holders_and_take() {
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
        let at = |secs: i64| now + Duration::seconds(secs);
        for mb in ["a", "b", "c"] {
            s.acquire_lease(mb, &me, ttl, now).unwrap();
        }
        let held = |mbs: &[(&str, i64)]| -> Vec<(String, i64)> {
            mbs.iter().map(|(m, e)| (m.to_string(), *e)).collect()
        };
        let all = held(&[("a", 1), ("b", 1), ("c", 1)]);
        assert_eq!(
            s.renew_leases(&me, &all, ttl, at(2)).unwrap(),
            [Renewal::Renewed, Renewal::Renewed, Renewal::Renewed],
            "all three in one statement"
        );
        // b is taken by another engine after running out, c is let go, a
        // is asked for with a stale epoch.
        s.acquire_lease("b", "elsewhere:1:other", ttl, at(6))
            .unwrap();
        s.release_lease("c", &me).unwrap();
        let stale = held(&[("a", 0), ("b", 1), ("c", 1)]);
        let out = s.renew_leases(&me, &stale, ttl, at(4)).unwrap();
        assert!(
            matches!(&out[0], Renewal::Lost(why) if why.contains("taken again")),
            "{out:?}"
        );
        assert!(
            matches!(&out[1], Renewal::Lost(why) if why.contains("elsewhere:1:other")),
            "{out:?}"
        );
        assert!(
            matches!(&out[2], Renewal::Lost(why) if why.contains("ran out")),
            "{out:?}"
        );
        assert_eq!(
            s.renew_lease("a", &me, 1, ttl, at(4)).unwrap(),
            Renewal::Renewed,
            "the right epoch is renewed"
        );
        // The database was locked past the lease: lost, though nobody took it.
        let ran_out = s.renew_lease("a", &me, 1, ttl, at(8)).unwrap();
        assert!(
            matches!(&ran_out, Renewal::Lost(why) if why.contains("ran out")),
            "{ran_out:?}"
        );
        assert!(matches!(
            s.renew_lease("nowhere", &me, 1, ttl, at(8)).unwrap(),
            Renewal::Lost(why) if why.contains("released")
        ));
    }

    /// A page commit is refused unless it is fenced by the lease's holder
    /// and the take it holds now: an engine paused past its lease that
    /// took the mailbox again since writes nothing under the old take.
    #[test]
    fn a_page_commit_is_fenced_by_the_holder_and_the_take() {
        let dir = tempfile::tempdir().unwrap();
        let mut s =
            Store::open(&crate::store::testing::fresh_database(dir.path(), "f.db")).unwrap();
        let (key, me, ttl) = (s.mailbox_key(), holder_id(), Duration::seconds(30));
        let fence = |epoch| crate::store::Fence {
            mailbox: key.clone(),
            holder: me.clone(),
            epoch,
        };
        let commit = |s: &mut Store, epoch| {
            let page = crate::store::PageCommit::default();
            let progress = crate::store::Progress::default();
            s.commit_page(&page, None, &progress, Some(&fence(epoch)), Utc::now())
        };
        assert!(
            matches!(commit(&mut s, 1), Err(StoreError::LeaseLost(_))),
            "no lease yet"
        );
        s.acquire_lease(&key, &me, ttl, Utc::now()).unwrap();
        commit(&mut s, 1).expect("the holder's take");
        s.release_lease(&key, &me).unwrap();
        assert!(
            matches!(commit(&mut s, 1), Err(StoreError::LeaseLost(_))),
            "let go"
        );
        s.acquire_lease(&key, &me, ttl, Utc::now()).unwrap();
        assert!(
            matches!(commit(&mut s, 1), Err(StoreError::LeaseLost(_))),
            "the old take, though the same holder holds it again"
        );
        commit(&mut s, 2).expect("the new take");
        s.acquire_lease(
            &key,
            "elsewhere:1:other",
            ttl,
            Utc::now() + Duration::hours(1),
        )
        .unwrap();
        let taken = commit(&mut s, 2);
        if !s.conn.is_postgres() {
            // (On PostgreSQL the caller's clock cannot make the lease run out.)
            assert!(
                matches!(&taken, Err(StoreError::LeaseLost(h)) if h.contains("other")),
                "{taken:?}"
            );
        }
    }
}
