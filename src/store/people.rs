//! Salespeople and contacts: upserts by code/number, and the directory.

use rusqlite::params;

use crate::domain::{Contact, Directory, Salesperson};

use super::{Result, Store};

impl Store {
    /// Inserts or updates (by code) all rows in one transaction.
    pub fn upsert_salespeople(&mut self, rows: &[Salesperson]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO salespeople (code, name, email) VALUES (?1, ?2, ?3)
                 ON CONFLICT(code) DO UPDATE SET name = excluded.name, email = excluded.email",
            )?;
            for s in rows {
                stmt.execute(params![s.code, s.name, s.email])?;
            }
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// Inserts or updates (by number) all rows; alternative emails are replaced.
    pub fn upsert_contacts(&mut self, rows: &[Contact]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        {
            let mut up = tx.prepare(
                "INSERT INTO contacts (no, name, company, email) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(no) DO UPDATE SET name = excluded.name, company = excluded.company, email = excluded.email",
            )?;
            let mut clear = tx.prepare("DELETE FROM contact_alt_emails WHERE contact_no = ?1")?;
            let mut alt = tx.prepare(
                "INSERT OR IGNORE INTO contact_alt_emails (contact_no, email) VALUES (?1, ?2)",
            )?;
            for c in rows {
                up.execute(params![c.no, c.name, c.company, c.email])?;
                clear.execute(params![c.no])?;
                for a in &c.alt_emails {
                    alt.execute(params![c.no, a])?;
                }
            }
        }
        tx.commit()?;
        Ok(rows.len())
    }

    pub fn salespeople(&self) -> Result<Vec<Salesperson>> {
        let mut stmt = self
            .conn
            .prepare("SELECT code, name, email FROM salespeople ORDER BY code")?;
        let rows = stmt.query_map([], |r| {
            Ok(Salesperson {
                code: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let mut alts: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT contact_no, email FROM contact_alt_emails ORDER BY contact_no, email",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (no, email) = row?;
                alts.entry(no).or_default().push(email);
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT no, name, company, email FROM contacts ORDER BY no")?;
        let rows = stmt.query_map([], |r| {
            Ok(Contact {
                no: r.get(0)?,
                name: r.get(1)?,
                company: r.get(2)?,
                email: r.get(3)?,
                alt_emails: Vec::new(),
            })
        })?;
        let mut out: Vec<Contact> = rows.collect::<rusqlite::Result<_>>()?;
        for c in &mut out {
            c.alt_emails = alts.remove(&c.no).unwrap_or_default();
        }
        Ok(out)
    }

    /// How many salespeople and contacts there are, without reading them.
    pub fn people_counts(&self) -> Result<(usize, usize)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM salespeople), (SELECT count(*) FROM contacts)",
            [],
            |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
        )?)
    }

    /// Everyone, indexed by address, for one run.
    pub fn directory(&self) -> Result<Directory> {
        Ok(Directory::new(self.salespeople()?, self.contacts()?))
    }
}

impl Store {
    /// The number after the highest `CTnnnn` contact number.
    pub fn next_contact_no(&self) -> Result<String> {
        let highest: Option<i64> = self.conn.query_row(
            "SELECT max(CAST(substr(no, 3) AS INTEGER)) FROM contacts WHERE no GLOB 'CT[0-9]*'",
            [],
            |r| r.get(0),
        )?;
        Ok(format!("CT{:04}", highest.unwrap_or(0).max(0) + 1))
    }

    pub fn contact_exists(&self, no: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM contacts WHERE no = ?1")?
            .exists(params![no])?)
    }

    pub fn salesperson_exists(&self, code: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM salespeople WHERE code = ?1")?
            .exists(params![code])?)
    }
}
