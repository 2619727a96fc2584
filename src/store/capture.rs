//! The capture rules (see domain/capture.rs): set, removed, listed. A
//! rule at `full` is no rule: setting it removes the target's row.

use chrono::{DateTime, Utc};

use super::db::params;
use super::{Result, Store, parse_ts, ts};
use crate::domain::capture::{CaptureLevel, CaptureRule, CaptureTarget};

impl Store {
    /// Sets `target`'s level (`full` removes its rule); whether anything
    /// changed.
    pub fn capture_set(
        &self,
        target: &CaptureTarget,
        level: CaptureLevel,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if level == CaptureLevel::Full {
            return self.capture_remove(target);
        }
        let n = self.conn.execute(
            "INSERT INTO capture_rules (kind, target, level, set_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, target) DO UPDATE SET level = excluded.level, set_at = excluded.set_at
             WHERE capture_rules.level <> excluded.level",
            params![target.kind(), target.value(), level.as_str(), ts(now)],
        )?;
        Ok(n == 1)
    }

    /// Removes `target`'s rule; whether there was one.
    pub fn capture_remove(&self, target: &CaptureTarget) -> Result<bool> {
        Ok(self.conn.execute(
            "DELETE FROM capture_rules WHERE kind = ?1 AND target = ?2",
            params![target.kind(), target.value()],
        )? == 1)
    }

    /// Every rule with when it was set, by kind and target.
    pub fn capture_rules(&self) -> Result<Vec<(CaptureRule, Option<DateTime<Utc>>)>> {
        let rows: Vec<(String, String, String, String)> = self.conn.query_map(
            "SELECT kind, target, level, set_at FROM capture_rules ORDER BY kind, target",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, target, level, at)| {
                Some((
                    CaptureRule {
                        target: CaptureTarget::from_stored(&kind, &target)?,
                        level: CaptureLevel::parse(&level)?,
                    },
                    parse_ts(&at),
                ))
            })
            .collect())
    }
}
