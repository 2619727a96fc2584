//! What people did about follow-ups: a follow-up dismissed ("no answer
//! needed") is recorded with who dismissed it and when, keyed by the entry
//! of the first unanswered message, with the time of their latest message
//! then: a newer message from them in the same conversation brings it
//! back. The follow-ups themselves are computed from the log
//! (`domain::follow_ups`); this is the one thing about them a person adds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::db::params;
use super::{Result, Store, parse_ts, ts};

/// A dismissal as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    /// Their latest message when it was dismissed.
    pub latest_at: DateTime<Utc>,
    pub dismissed_by: String,
    pub dismissed_at: DateTime<Utc>,
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

    /// The dismissals of follow-ups whose latest message is from `since`
    /// on (an older one can no longer hide one: their latest message is in
    /// the period read), by the entry they start at.
    pub fn follow_up_dismissals(&self, since: DateTime<Utc>) -> Result<HashMap<i64, Dismissal>> {
        let rows = self.conn.query_map(
            "SELECT entry_no, latest_at, dismissed_by, dismissed_at FROM follow_up_dismissals
              WHERE latest_at >= ?1",
            params![ts(since)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )?;
        let mut out = HashMap::new();
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
        Ok(out)
    }
}
