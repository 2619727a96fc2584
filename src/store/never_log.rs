//! The never-log list of addresses and domains.

use super::db::params;

use super::{Result, Store, ts};

impl Store {
    /// Adds a normalized pattern; returns false when it was already there.
    pub fn never_log_add(&self, pattern: &str) -> Result<bool> {
        let n = self.conn.execute(
            "INSERT INTO never_log (pattern, added_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![pattern, ts(chrono::Utc::now())],
        )?;
        Ok(n == 1)
    }

    pub fn never_log_remove(&self, pattern: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM never_log WHERE pattern = ?1", params![pattern])?
            == 1)
    }

    pub fn never_log_list(&self) -> Result<Vec<String>> {
        let rows = self.conn.query_map(
            "SELECT pattern FROM never_log ORDER BY pattern",
            params![],
            |r| r.get(0),
        )?;
        Ok(rows)
    }
}
