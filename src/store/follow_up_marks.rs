//! What people did about follow-ups: a follow-up dismissed ("no answer
//! needed") is recorded with who dismissed it and when, keyed by the entry
//! of the first unanswered message, with the time of their latest message
//! then: a newer message from them in the same conversation brings it
//! back. The follow-ups themselves are computed from the log
//! (`domain::follow_ups`); this is the one thing about them a person adds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::db::{Value, params};
use super::interactions::{ENTRY_COLUMNS, EntryRow, entry_row};
use super::{Result, Store, parse_ts, ts};

/// A dismissal as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    /// Their latest message when it was dismissed.
    pub latest_at: DateTime<Utc>,
    pub dismissed_by: String,
    pub dismissed_at: DateTime<Utc>,
}

/// Numbers in one `IN (…)` list at most.
const CHUNK: usize = 500;

/// `IN (?1, …, ?n)` for `n` numbers.
fn in_list(n: usize) -> String {
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!("({})", marks.join(", "))
}

impl Store {
    /// Records that the follow-up whose first unanswered message is entry
    /// `entry_no`, their latest message at `latest_at`, needs no answer;
    /// by `who` at `now`. Dismissing it again records the newer one.
    pub fn dismiss_follow_up(
        &self,
        entry_no: i64,
        latest_at: DateTime<Utc>,
        who: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO follow_up_dismissals (entry_no, latest_at, dismissed_by, dismissed_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (entry_no) DO UPDATE SET latest_at = excluded.latest_at,
                dismissed_by = excluded.dismissed_by, dismissed_at = excluded.dismissed_at",
            params![entry_no, ts(latest_at), who, ts(now)],
        )?;
        Ok(())
    }

    /// The dismissals of the follow-ups starting at `entries`.
    pub fn follow_up_dismissals(&self, entries: &[i64]) -> Result<HashMap<i64, Dismissal>> {
        let mut out = HashMap::new();
        for chunk in entries.chunks(CHUNK) {
            let values: Vec<Value<'_>> = chunk.iter().map(|n| Value::Int(*n)).collect();
            let rows = self.conn.query_map(
                &format!(
                    "SELECT entry_no, latest_at, dismissed_by, dismissed_at FROM follow_up_dismissals
                      WHERE entry_no IN {}",
                    in_list(chunk.len())
                ),
                values,
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )?;
            for (no, latest, by, at) in rows {
                if let (Some(latest_at), Some(dismissed_at)) = (parse_ts(&latest), parse_ts(&at)) {
                    out.insert(
                        no,
                        Dismissal {
                            latest_at,
                            dismissed_by: by,
                            dismissed_at,
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    /// The entries numbered `entries` that exist, in no particular order.
    pub fn entries_numbered(&self, entries: &[i64]) -> Result<Vec<EntryRow>> {
        let mut out = Vec::with_capacity(entries.len());
        for chunk in entries.chunks(CHUNK) {
            let values: Vec<Value<'_>> = chunk.iter().map(|n| Value::Int(*n)).collect();
            out.extend(self.conn.query_map(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e JOIN logged_messages m ON m.id = e.logged_message_id
                     LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
                     WHERE e.entry_no IN {}",
                    in_list(chunk.len())
                ),
                values,
                entry_row,
            )?);
        }
        Ok(out)
    }
}
