//! The engine lease: one engine per mailbox across processes sharing the
//! database. Taken in an IMMEDIATE transaction, renewed by a heartbeat, taken
//! over only after it expires — or at once when its holder is a process on
//! this machine that no longer exists.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store, parse_ts, ts};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseOutcome {
    Acquired,
    HeldBy {
        holder: String,
        until: DateTime<Utc>,
    },
}

/// A holder id: `host:pid:nonce`.
pub fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Whether a holder is a process of this machine that has exited.
fn holder_is_dead(holder: &str) -> bool {
    let mut parts = holder.splitn(3, ':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let this_host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    if host != this_host || !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    pid.parse::<u32>()
        .is_ok_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
}

impl Store {
    /// Takes or renews the lease for `ttl`.
    pub fn acquire_lease(
        &mut self,
        mailbox: &str,
        holder: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<LeaseOutcome> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<(String, String)> = tx
            .query_row(
                "SELECT holder, expires_at FROM engine_lease WHERE mailbox = ?1",
                params![mailbox],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((h, exp)) = current {
            let until = parse_ts(&exp).unwrap_or(now);
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
    fn a_live_lease_is_not_taken_over_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("l.db")).unwrap();
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
        let mut s = Store::open(&dir.path().join("l.db")).unwrap();
        let host = holder_id().split(':').next().unwrap().to_string();
        let dead = format!("{host}:4000000:dead");
        let now = Utc::now();
        s.acquire_lease("mb", &dead, Duration::seconds(300), now)
            .unwrap();
        assert_eq!(
            s.acquire_lease("mb", &holder_id(), Duration::seconds(30), now)
                .unwrap(),
            LeaseOutcome::Acquired
        );
    }
}
