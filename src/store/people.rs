//! Salespeople and contacts: upserts by code/number, and the directory.

use super::db::{Begin, params};

use crate::domain::{Contact, Directory, Salesperson};

use super::{Result, Store};

impl Store {
    /// Inserts or updates (by code) all rows in one transaction.
    pub fn upsert_salespeople(&mut self, rows: &[Salesperson]) -> Result<usize> {
        let tx = self.conn.transaction(Begin::Deferred)?;
        let stmt = "INSERT INTO salespeople (code, name, email) VALUES (?1, ?2, ?3)
             ON CONFLICT(code) DO UPDATE SET name = excluded.name, email = excluded.email";
        for s in rows {
            tx.execute(stmt, params![s.code, s.name, s.email])?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// Inserts or updates (by number) all rows; alternative emails are replaced.
    pub fn upsert_contacts(&mut self, rows: &[Contact]) -> Result<usize> {
        let tx = self.conn.transaction(Begin::Deferred)?;
        let up = "INSERT INTO contacts (no, name, company, email) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(no) DO UPDATE SET name = excluded.name, company = excluded.company, email = excluded.email";
        let clear = "DELETE FROM contact_alt_emails WHERE contact_no = ?1";
        let alt = "INSERT INTO contact_alt_emails (contact_no, email) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
        for c in rows {
            tx.execute(up, params![c.no, c.name, c.company, c.email])?;
            tx.execute(clear, params![c.no])?;
            for a in &c.alt_emails {
                tx.execute(alt, params![c.no, a])?;
            }
        }
        tx.commit()?;
        Ok(rows.len())
    }

    pub fn salespeople(&self) -> Result<Vec<Salesperson>> {
        let rows = self.conn.query_map(
            "SELECT code, name, email FROM salespeople ORDER BY code",
            params![],
            |r| {
                Ok(Salesperson {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    email: r.get(2)?,
                })
            },
        )?;
        Ok(rows)
    }

    /// Every contact's name and company, by number (a list of follow-ups
    /// names its rows from one read, without the alternative addresses).
    pub fn contact_names(&self) -> Result<std::collections::HashMap<String, (String, String)>> {
        Ok(self
            .conn
            .query_map("SELECT no, name, company FROM contacts", params![], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
            })?
            .into_iter()
            .collect())
    }

    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let mut alts: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        {
            let rows = self.conn.query_map(
                "SELECT contact_no, email FROM contact_alt_emails ORDER BY contact_no, email",
                params![],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )?;
            for (no, email) in rows {
                alts.entry(no).or_default().push(email);
            }
        }
        let mut out = self.conn.query_map(
            "SELECT no, name, company, email FROM contacts ORDER BY no",
            params![],
            |r| {
                Ok(Contact {
                    no: r.get(0)?,
                    name: r.get(1)?,
                    company: r.get(2)?,
                    email: r.get(3)?,
                    alt_emails: Vec::new(),
                })
            },
        )?;
        for c in &mut out {
            c.alt_emails = alts.remove(&c.no).unwrap_or_default();
        }
        Ok(out)
    }

    /// How many salespeople and contacts there are, without reading them.
    pub fn people_counts(&self) -> Result<(usize, usize)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM salespeople), (SELECT count(*) FROM contacts)",
            params![],
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
            self.conn.pick(
                "SELECT max(CAST(substr(no, 3) AS INTEGER)) FROM contacts WHERE no GLOB 'CT[0-9]*'",
                "SELECT max(CAST(substr(no, 3) AS BIGINT)) FROM contacts WHERE no ~ '^CT[0-9]{1,18}$'",
            ),
            params![],
            |r| r.get(0),
        )?;
        Ok(format!("CT{:04}", highest.unwrap_or(0).max(0) + 1))
    }

    pub fn contact_exists(&self, no: &str) -> Result<bool> {
        Ok(self
            .conn
            .exists("SELECT 1 FROM contacts WHERE no = ?1", params![no])?)
    }

    pub fn salesperson_exists(&self, code: &str) -> Result<bool> {
        Ok(self
            .conn
            .exists("SELECT 1 FROM salespeople WHERE code = ?1", params![code])?)
    }
}
