//! Opportunities: made from an interaction log entry, which then carries
//! the opportunity's number; listed with the entries they came from.

use super::db::{Begin, OptionalExtension, params};
use chrono::{DateTime, Utc};

use crate::domain::Money;
use crate::domain::opportunity_changes::{OpportunityValues, describe};

use super::interactions::{ENTRY_COLUMNS, EntryRow, entry_row};
use super::{Result, Store, StoreError, ts};

#[derive(Debug, Clone, PartialEq)]
pub struct NewOpportunity {
    pub description: String,
    pub status: String,
    pub estimated_value: Option<Money>,
    /// `YYYY-MM-DD`.
    pub close_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityRow {
    pub no: String,
    pub contact_no: String,
    pub contact_name: String,
    pub company: String,
    pub salesperson_code: String,
    pub salesperson_name: String,
    pub description: String,
    pub status: String,
    pub estimated_value: Option<Money>,
    pub close_date: Option<String>,
    pub created_at: String,
    /// Entries that point at it.
    pub entries: i64,
}

/// One change to an opportunity, as a contact's timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpportunityChange {
    pub opportunity_no: String,
    /// RFC 3339, to the second.
    pub changed_at: String,
    pub what: String,
}

/// An opportunity's contact and values as stored: contact, description,
/// status, estimated value (minor units), close date.
type Stored = (String, String, String, Option<i64>, Option<String>);

fn values_of(o: &NewOpportunity) -> OpportunityValues<'_> {
    OpportunityValues {
        description: &o.description,
        status: &o.status,
        estimated_value: o.estimated_value,
        close_date: o.close_date.as_deref(),
    }
}

fn record_change(
    tx: &super::db::Db,
    no: &str,
    contact: &str,
    now: DateTime<Utc>,
    what: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO opportunity_changes (opportunity_no, contact_no, changed_at, what) VALUES (?1, ?2, ?3, ?4)",
        params![no, contact, ts(now), what],
    )?;
    Ok(())
}

/// The number after the highest `OPnnnnn` there is.
fn next_number(highest: Option<i64>) -> String {
    format!("OP{:05}", highest.unwrap_or(0).max(0) + 1)
}

impl Store {
    /// Creates an opportunity for the entry's contact and salesperson and
    /// links the entry to it, in one transaction; returns its number. An
    /// entry that already has one keeps it (the error says which).
    pub fn create_opportunity(
        &mut self,
        entry_no: i64,
        o: &NewOpportunity,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let entry: Option<(String, String, Option<String>)> = tx
            .query_row(
                "SELECT contact_no, salesperson_code, opportunity_no FROM interaction_log_entries WHERE entry_no = ?1",
                params![entry_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((contact, salesperson, existing)) = entry else {
            return Err(StoreError::Invalid(format!(
                "there is no interaction log entry {entry_no}"
            )));
        };
        if let Some(no) = existing {
            return Err(StoreError::Invalid(format!(
                "entry {entry_no} already has opportunity {no}"
            )));
        }
        let highest: Option<i64> = tx.query_row(
            tx.pick(
                "SELECT max(CAST(substr(no, 3) AS INTEGER)) FROM opportunities WHERE no GLOB 'OP[0-9]*'",
                "SELECT max(CAST(substr(no, 3) AS BIGINT)) FROM opportunities WHERE no ~ '^OP[0-9]{1,18}$'",
            ),
            params![],
            |r| r.get(0),
        )?;
        let no = next_number(highest);
        tx.execute(
            "INSERT INTO opportunities (no, contact_no, salesperson_code, description, status, estimated_minor, close_date, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![no, contact, salesperson, o.description, o.status, o.estimated_value.map(Money::minor), o.close_date, ts(now)],
        )?;
        tx.execute(
            "UPDATE interaction_log_entries SET opportunity_no = ?1 WHERE entry_no = ?2",
            params![no, entry_no],
        )?;
        if let Some(what) = describe(None, &values_of(o)) {
            record_change(&tx, &no, &contact, now, &what)?;
        }
        tx.commit()?;
        Ok(no)
    }

    /// Changes what may change after creation, and records what changed
    /// for the contact's timeline (as of `now`), in one transaction.
    pub fn update_opportunity(
        &mut self,
        no: &str,
        o: &NewOpportunity,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction(Begin::Immediate)?;
        let before: Option<Stored> = tx
            .query_row(
                "SELECT coalesce(contact_no, ''), description, status, estimated_minor, close_date FROM opportunities WHERE no = ?1",
                params![no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((contact, description, status, minor, close)) = before else {
            return Err(StoreError::Invalid(format!("there is no opportunity {no}")));
        };
        tx.execute(
            "UPDATE opportunities SET description = ?2, status = ?3, estimated_minor = ?4, close_date = ?5 WHERE no = ?1",
            params![no, o.description, o.status, o.estimated_value.map(Money::minor), o.close_date],
        )?;
        let old = OpportunityValues {
            description: &description,
            status: &status,
            estimated_value: minor.and_then(Money::from_minor),
            close_date: close.as_deref(),
        };
        if let Some(what) = describe(Some(&old), &values_of(o)) {
            record_change(&tx, no, &contact, now, &what)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// What happened to contact `contact_no`'s opportunities, newest
    /// first, at most `limit`.
    pub fn opportunity_changes(
        &self,
        contact_no: &str,
        limit: usize,
    ) -> Result<Vec<OpportunityChange>> {
        Ok(self.conn.query_map(
            "SELECT opportunity_no, changed_at, what FROM opportunity_changes
              WHERE contact_no = ?1 ORDER BY changed_at DESC LIMIT ?2",
            params![contact_no, limit],
            |r| {
                Ok(OpportunityChange {
                    opportunity_no: r.get(0)?,
                    changed_at: r.get::<_, String>(1).map(|t| super::display_ts(&t))?,
                    what: r.get(2)?,
                })
            },
        )?)
    }

    /// Every opportunity, newest first.
    pub fn opportunities(&self) -> Result<Vec<OpportunityRow>> {
        let rows = self.conn.query_map(
            "SELECT o.no, coalesce(o.contact_no, ''), coalesce(c.name, ''), coalesce(c.company, ''), o.salesperson_code, coalesce(s.name, ''),
                    o.description, o.status, o.estimated_minor, o.close_date, o.created_at,
                    (SELECT count(*) FROM interaction_log_entries e WHERE e.opportunity_no = o.no)
             FROM opportunities o LEFT JOIN contacts c ON c.no = o.contact_no LEFT JOIN salespeople s ON s.code = o.salesperson_code
             ORDER BY o.created_at DESC, o.no DESC",
            params![], |r| {
            Ok(OpportunityRow {
                no: r.get(0)?,
                contact_no: r.get(1)?,
                contact_name: r.get(2)?,
                company: r.get(3)?,
                salesperson_code: r.get(4)?,
                salesperson_name: r.get(5)?,
                description: r.get(6)?,
                status: r.get(7)?,
                estimated_value: r.get::<_, Option<i64>>(8)?.and_then(Money::from_minor),
                close_date: r.get(9)?,
                created_at: r.get(10)?,
                entries: r.get(11)?,
            })
        })?;
        Ok(rows)
    }

    /// The entries an opportunity came from, oldest first.
    pub fn opportunity_entries(&self, no: &str) -> Result<Vec<EntryRow>> {
        // PostgreSQL has no index hints; its planner takes the partial index.
        let indexed = self.conn.pick("INDEXED BY entries_by_opportunity", "");
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e {indexed}
             JOIN logged_messages m ON m.id = e.logged_message_id
             LEFT JOIN contacts c ON c.no = e.contact_no LEFT JOIN salespeople s ON s.code = e.salesperson_code
             WHERE e.opportunity_no = ?1 ORDER BY e.occurred_at, e.entry_no"
        );
        Ok(self.conn.query_map(&sql, params![no], entry_row)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_highest() {
        assert_eq!(next_number(None), "OP00001");
        assert_eq!(next_number(Some(41)), "OP00042");
        assert_eq!(next_number(Some(99_999)), "OP100000");
    }
}
