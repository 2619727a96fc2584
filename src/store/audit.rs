//! The audit trail's rows (see domain/audit.rs for the chain): appended one
//! at a time under the writers' lock, read in order to verify, newest
//! first to list. On PostgreSQL a row is appended by the schema's
//! `emaillog_audit_append` function, which takes when and who from the
//! server (the connecting role), so a user role records what it did
//! without any privilege on the table.

use chrono::{DateTime, Utc};

use super::db::{Begin, Db, params};
use super::{Result, Store, ts};
use crate::domain::audit::{AuditRow, GENESIS, PRUNED, PruneMark, row_hash};

const COLUMNS: &str = "seq, at, who, action, target, detail, prev_hash, hash";

fn audit_row(r: &super::db::Row<'_>) -> super::db::DbResult<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        who: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// One audited act: what, to what, with its detail (a JSON object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// Appends `event` inside the caller's transaction; its number. `who` and
/// `now` are used on SQLite; PostgreSQL takes its own.
pub(super) fn append(tx: &Db, who: &str, now: DateTime<Utc>, event: &AuditEvent) -> Result<i64> {
    if tx.is_postgres() {
        return Ok(tx.query_row(
            "SELECT emaillog_audit_append(?1, ?2, ?3)",
            params![event.action, event.target, event.detail],
            |r| r.get(0),
        )?);
    }
    let last: Option<(i64, String)> = tx
        .query_map(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .into_iter()
        .next();
    let (prev_seq, prev) = last.unwrap_or((0, GENESIS.to_string()));
    let seq = prev_seq + 1;
    let at = ts(now);
    let hash = row_hash(
        &prev,
        seq,
        &at,
        who,
        &event.action,
        &event.target,
        &event.detail,
    );
    tx.execute(
        &format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            seq,
            at,
            who,
            event.action,
            event.target,
            event.detail,
            prev,
            hash
        ],
    )?;
    Ok(seq)
}

impl Store {
    /// Appends `event` to the audit trail in a transaction of its own.
    pub fn audit(&mut self, who: &str, now: DateTime<Utc>, event: &AuditEvent) -> Result<i64> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let seq = append(&tx, who, now, event)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Every row, oldest first, handed to `f` as it is read.
    pub fn audit_each(&self, mut f: impl FnMut(&AuditRow)) -> Result<()> {
        self.conn.for_each(
            &format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"),
            params![],
            |r| -> Result<()> {
                f(&audit_row(r)?);
                Ok(())
            },
        )
    }

    /// The newest rows first: at or after `since`, by `who` when given, at
    /// most `limit`.
    pub fn audit_list(
        &self,
        since: Option<DateTime<Utc>>,
        who: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditRow>> {
        let since = since.map(ts).unwrap_or_default();
        Ok(self.conn.query_map(
            &format!(
                "SELECT {COLUMNS} FROM audit_log WHERE at >= ?1 AND (?2 = '' OR who = ?2)
                 ORDER BY seq DESC LIMIT ?3"
            ),
            params![since, who.unwrap_or(""), limit as i64],
            audit_row,
        )?)
    }

    /// Who did something to `target` (opened a message), each once.
    pub fn audit_who(&self, target: &str) -> Result<Vec<String>> {
        Ok(self.conn.query_map(
            "SELECT DISTINCT who FROM audit_log WHERE target = ?1 AND target <> '' ORDER BY who",
            params![target],
            |r| r.get(0),
        )?)
    }

    /// Removes the rows older than `cutoff` (the oldest ones, up to the
    /// first that is not), and records the prune in a row of its own that
    /// names the last row removed; how many went.
    pub fn audit_prune(
        &mut self,
        who: &str,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        detail: impl FnOnce(&PruneMark) -> String,
    ) -> Result<u64> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let first_kept: Option<i64> = tx.query_row(
            "SELECT min(seq) FROM audit_log WHERE at >= ?1",
            params![ts(cutoff)],
            |r| r.get(0),
        )?;
        let through: Option<(i64, String)> = tx
            .query_map(
                "SELECT seq, hash FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1",
                params![first_kept.unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .into_iter()
            .next();
        let Some((through_seq, through_hash)) = through else {
            return Ok(0);
        };
        let rows = tx.execute(
            "DELETE FROM audit_log WHERE seq <= ?1",
            params![through_seq],
        )? as u64;
        let mark = PruneMark {
            through_seq,
            through_hash,
            rows,
        };
        let event = AuditEvent {
            action: PRUNED.into(),
            target: String::new(),
            detail: detail(&mark),
        };
        append(&tx, who, now, &event)?;
        tx.commit()?;
        Ok(rows)
    }

    /// Days audit rows are kept before `audit prune` may remove them.
    pub fn audit_keep_days(&self) -> Result<u32> {
        let d: i64 = self.conn.query_row(
            "SELECT audit_keep_days FROM team_settings WHERE id = 1",
            params![],
            |r| r.get(0),
        )?;
        Ok(d.clamp(30, 3650) as u32)
    }

    pub fn set_audit_keep_days(&self, days: u32) -> Result<()> {
        self.conn.execute(
            "UPDATE team_settings SET audit_keep_days = ?1 WHERE id = 1",
            params![i64::from(days)],
        )?;
        Ok(())
    }
}
