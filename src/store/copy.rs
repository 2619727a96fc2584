//! A whole database copied into another store (`emaillog migrate --to`):
//! SQLite into PostgreSQL when a team outgrows one machine, and back into a
//! file for a backup. Table by table in an order that keeps every
//! reference whole, each in one transaction, rows in batches; then each
//! table's rows counted and summed on both sides.

use sha2::Digest;

use super::db::{Begin, Value, params};
use super::{Result, Store};

/// The tables copied, in an order that satisfies their references. The
/// engines' leases and presence are the running engines' own, and the
/// schema's version and search index are each store's own: not copied.
pub const COPIED: &[&str] = &[
    "salespeople",
    "salesperson_logins",
    "contacts",
    "contact_alt_emails",
    "interaction_templates",
    "setup",
    "never_log",
    "capture_rules",
    "privacy_keys",
    "tombstones",
    "job_queue_entries",
    "job_queue_log_entries",
    "logged_messages",
    "message_attachments",
    "private_messages",
    "opportunities",
    "opportunity_changes",
    "interaction_log_entries",
    "contact_days",
    "contact_waits",
    "contact_replies",
    "signals_dirty",
    "follow_up_dismissals",
    "skipped_messages",
    "message_failures",
    "review_requests",
    "read_cursors",
    "team_settings",
    "audit_log",
];

/// A table's rows as counted and summed: the same rows in any order give
/// the same sum (SQLite and PostgreSQL sort text differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSum {
    pub rows: u64,
    pub checksum: u128,
}

/// Parameters in one statement at most (SQLite allows 32,766).
const MAX_PARAMS: usize = 30_000;
/// Rows in one INSERT at most.
const MAX_BATCH: usize = 500;

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// One row's share of the checksum: SHA-256 of its values, each tagged
/// with its kind and (text, bytes) length, so no two rows encode alike.
fn row_digest(values: &[Value<'_>]) -> u128 {
    let mut h = sha2::Sha256::new();
    for v in values {
        match v {
            Value::Null => h.update(b"N"),
            Value::Int(i) => {
                h.update(b"I");
                h.update(i.to_le_bytes());
            }
            Value::Real(r) => {
                h.update(b"R");
                h.update(r.to_bits().to_le_bytes());
            }
            Value::Text(t) => {
                h.update(b"T");
                h.update((t.len() as u64).to_le_bytes());
                h.update(t.as_bytes());
            }
            Value::Blob(b) => {
                h.update(b"B");
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        }
    }
    let d = h.finalize();
    u128::from_le_bytes(d[..16].try_into().unwrap_or([0; 16]))
}

impl Store {
    /// `table`'s columns a row is written with (not generated ones), in order.
    pub fn copy_columns(&self, table: &str) -> Result<Vec<String>> {
        let sql = self.conn.pick(
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = ?1 AND is_generated = 'NEVER'
              ORDER BY ordinal_position",
        );
        Ok(self.conn.query_map(sql, params![table], |r| r.get(0))?)
    }

    /// How many rows `table` holds.
    pub fn row_count(&self, table: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM {}", quoted(table)),
            params![],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Each row of `table`'s `columns` to `f`, in no particular order.
    fn each_row(
        &self,
        table: &str,
        columns: &[String],
        mut f: impl FnMut(Vec<Value<'static>>) -> Result<()>,
    ) -> Result<()> {
        let list: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let sql = format!("SELECT {} FROM {}", list.join(", "), quoted(table));
        self.conn.for_each(&sql, params![], |r| {
            let row = (0..columns.len())
                .map(|i| r.get::<_, Value<'static>>(i))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            f(row)
        })
    }

    /// The count and the sum of `table`'s rows over `columns`.
    pub fn table_sum(&self, table: &str, columns: &[String]) -> Result<TableSum> {
        let mut sum = TableSum {
            rows: 0,
            checksum: 0,
        };
        self.each_row(table, columns, |row| {
            sum.rows += 1;
            sum.checksum = sum.checksum.wrapping_add(row_digest(&row));
            Ok(())
        })?;
        Ok(sum)
    }

    /// Copies `table`'s `columns` into `to`, replacing what it held there,
    /// in one transaction; `progress` hears the rows copied so far.
    pub fn copy_table_to(
        &self,
        to: &mut Store,
        table: &str,
        columns: &[String],
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let per_row = columns.len().max(1);
        let batch = (MAX_PARAMS / per_row).clamp(1, MAX_BATCH);
        let list: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let insert = |n: usize| {
            let rows: Vec<String> = (0..n)
                .map(|r| {
                    let ps: Vec<String> = (1..=per_row)
                        .map(|c| format!("?{}", r * per_row + c))
                        .collect();
                    format!("({})", ps.join(", "))
                })
                .collect();
            format!(
                "INSERT INTO {} ({}) VALUES {}",
                quoted(table),
                list.join(", "),
                rows.join(", ")
            )
        };
        let tx = to.conn.transaction(Begin::Immediate)?;
        tx.execute(&format!("DELETE FROM {}", quoted(table)), params![])?;
        let mut pending: Vec<Value<'static>> = Vec::with_capacity(batch * per_row);
        let mut copied = 0u64;
        let mut flush = |pending: &mut Vec<Value<'static>>| -> Result<()> {
            let n = pending.len() / per_row;
            if n > 0 {
                tx.execute(&insert(n), pending.as_slice())?;
                copied += n as u64;
                progress(copied);
                pending.clear();
            }
            Ok(())
        };
        self.each_row(table, columns, |row| {
            pending.extend(row);
            if pending.len() >= batch * per_row {
                flush(&mut pending)?;
            }
            Ok(())
        })?;
        flush(&mut pending)?;
        tx.commit()?;
        Ok(copied)
    }

    /// What a store needs once every table is copied into it: on
    /// PostgreSQL each identity column's sequence moved past the ids
    /// copied; on SQLite the search index filled.
    pub fn after_copy(&mut self) -> Result<()> {
        if !self.conn.is_postgres() {
            while self.index_for_search(10_000)? > 0 {}
            return Ok(());
        }
        let identities: Vec<(String, String)> = self.conn.query_map(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND is_identity = 'YES'",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for (table, column) in identities {
            self.conn.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence(?1, ?2), coalesce(max({c}), 0) + 1, false) FROM {t}",
                    c = quoted(&column),
                    t = quoted(&table)
                ),
                params![table, column],
                |r| r.get::<_, i64>(0),
            )?;
        }
        Ok(())
    }
}
