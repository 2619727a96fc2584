//! Salespeople and contacts as the contacts screen edits them: one at a
//! time, checked like an import row, or a CSV file previewed (what it would
//! add and change, every bad row named) before anything is written.

use std::collections::HashMap;
use std::path::Path;

use crate::domain::address::normalize_address;
use crate::domain::people_clean::AddressBook;
use crate::domain::{Contact, Salesperson};

use super::csv_in::CsvFormat;
use super::import::{
    Parsed, RowError, parse_contacts, parse_salespeople, refuse_contact_clashes,
    refuse_salesperson_clashes,
};
use super::{App, AppError, Result};

/// What a preview compares a file with: the people stored now.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub salespeople: Vec<Salesperson>,
    pub contacts: Vec<Contact>,
    /// People forgotten, whose addresses are not taken back in (empty
    /// where this process cannot tell: the user view).
    pub forgotten: crate::domain::rules::Forgotten,
}

/// What importing `input` (salespeople or contacts) would change against
/// `existing` (a pure function of the two: the UI's preview, and the
/// fuzzer's target). Rows whose addresses are someone else's are bad rows.
pub fn preview_from(
    input: impl std::io::Read,
    salespeople: bool,
    existing: Existing,
) -> Result<ImportPreview> {
    Ok(if salespeople {
        let mut p = parse_salespeople(input)?;
        refuse_salesperson_clashes(&mut p, &existing.salespeople, &existing.contacts);
        ImportPreview::Salespeople(compare(p, existing.salespeople, |s| s.code.clone()))
    } else {
        {
            let mut p = parse_contacts(input)?;
            refuse_contact_clashes(&mut p, &existing.contacts, &existing.salespeople);
            p.refuse_clashes(|c| super::forget::forgotten_reason(&existing.forgotten, c));
            // Stored alternatives come back sorted: compare them so.
            for c in &mut p.rows {
                c.alt_emails.sort();
                c.alt_emails.dedup();
            }
            ImportPreview::Contacts(compare(p, existing.contacts, |c| c.no.clone()))
        }
    })
}

/// What importing a file would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview<T> {
    pub added: Vec<T>,
    /// (as it is, as the file has it)
    pub changed: Vec<(T, T)>,
    pub unchanged: usize,
    /// Bad rows: while there are any, nothing is imported.
    pub errors: Vec<RowError>,
    /// How the file was read (encoding, separator, ignored columns).
    pub format: CsvFormat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportPreview {
    Salespeople(Preview<Salesperson>),
    Contacts(Preview<Contact>),
}

impl ImportPreview {
    pub fn errors(&self) -> &[RowError] {
        match self {
            ImportPreview::Salespeople(p) => &p.errors,
            ImportPreview::Contacts(p) => &p.errors,
        }
    }

    pub fn format(&self) -> &CsvFormat {
        match self {
            ImportPreview::Salespeople(p) => &p.format,
            ImportPreview::Contacts(p) => &p.format,
        }
    }

    /// The same preview with its bad rows left out: applying it writes the
    /// good rows only.
    pub fn without_bad_rows(&self) -> ImportPreview {
        let mut p = self.clone();
        match &mut p {
            ImportPreview::Salespeople(p) => p.errors.clear(),
            ImportPreview::Contacts(p) => p.errors.clear(),
        }
        p
    }

    /// (added, changed, unchanged)
    pub fn counts(&self) -> (usize, usize, usize) {
        match self {
            ImportPreview::Salespeople(p) => (p.added.len(), p.changed.len(), p.unchanged),
            ImportPreview::Contacts(p) => (p.added.len(), p.changed.len(), p.unchanged),
        }
    }
}

/// Sorts the file's rows against what is stored, by key.
fn compare<T: Clone + PartialEq>(
    parsed: Parsed<T>,
    existing: Vec<T>,
    key: impl Fn(&T) -> String,
) -> Preview<T> {
    let by_key: HashMap<String, T> = existing.into_iter().map(|t| (key(&t), t)).collect();
    let mut p = Preview {
        added: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        errors: parsed.errors,
        format: parsed.format,
    };
    for row in parsed.rows {
        match by_key.get(&key(&row)) {
            None => p.added.push(row),
            Some(old) if *old == row => p.unchanged += 1,
            Some(old) => p.changed.push((old.clone(), row)),
        }
    }
    p
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        AppError::Invalid(format!(
            "cannot open {}: {e}; give the path of a CSV file",
            path.display()
        ))
    })
}

fn check_contact(c: &Contact) -> Result<Contact> {
    let text = |v: &str, name: &str, max: usize| -> Result<String> {
        let v = v.trim();
        if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
            return Err(AppError::Invalid(format!(
                "{name} must be 1 to {max} characters, without control characters"
            )));
        }
        Ok(v.to_string())
    };
    let email = |v: &str| {
        normalize_address(v)
            .ok_or_else(|| AppError::Invalid(format!("'{v}' is not a valid email address")))
    };
    Ok(Contact {
        no: text(&c.no, "the number", 20)?,
        name: text(&c.name, "the name", 100)?,
        company: text(&c.company, "the company", 100)?,
        email: email(&c.email)?,
        alt_emails: c
            .alt_emails
            .iter()
            .map(|a| email(a))
            .collect::<Result<Vec<_>>>()?,
    })
}

impl App {
    pub fn people(&self) -> Result<(Vec<Salesperson>, Vec<Contact>)> {
        let store = self.store()?;
        Ok((store.salespeople()?, store.contacts()?))
    }

    /// Adds (`new`) or changes one contact; a new one may not take an
    /// existing number, a change must name one.
    pub fn save_contact(&self, c: &Contact, new: bool) -> Result<()> {
        let c = check_contact(c)?;
        let mut store = self.store()?;
        if let Some(why) = super::forget::forgotten_reason(&self.forgotten_guard(&store)?, &c) {
            return Err(AppError::Invalid(why));
        }
        let book = AddressBook::new(&store.salespeople()?, &store.contacts()?);
        if let Some(clash) = book.contact_clash(&c) {
            return Err(AppError::Invalid(clash));
        }
        match (new, store.contact_exists(&c.no)?) {
            (true, true) => Err(AppError::Invalid(format!(
                "there is a contact {} already; choose another number",
                c.no
            ))),
            (false, false) => Err(AppError::Invalid(format!(
                "there is no contact {} any more",
                c.no
            ))),
            _ => {
                store.upsert_contacts(std::slice::from_ref(&c))?;
                Ok(())
            }
        }
    }

    pub fn save_salesperson(&self, s: &Salesperson, new: bool) -> Result<()> {
        let code = s.code.trim().to_uppercase();
        if code.is_empty() || code.chars().count() > 20 {
            return Err(AppError::Invalid(
                "the code must be 1 to 20 characters".into(),
            ));
        }
        let name = s.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::Invalid(
                "the name must be 1 to 100 characters".into(),
            ));
        }
        let email = normalize_address(&s.email).ok_or_else(|| {
            AppError::Invalid(format!("'{}' is not a valid email address", s.email))
        })?;
        let mut store = self.store()?;
        let candidate = Salesperson {
            code: code.clone(),
            name: name.to_string(),
            email: email.clone(),
        };
        let book = AddressBook::new(&store.salespeople()?, &store.contacts()?);
        if let Some(clash) = book.salesperson_clash(&candidate) {
            return Err(AppError::Invalid(clash));
        }
        match (new, store.salesperson_exists(&code)?) {
            (true, true) => Err(AppError::Invalid(format!(
                "there is a salesperson {code} already; choose another code"
            ))),
            (false, false) => Err(AppError::Invalid(format!(
                "there is no salesperson {code} any more"
            ))),
            _ => {
                store.upsert_salespeople(&[Salesperson {
                    code,
                    name: name.to_string(),
                    email,
                }])?;
                Ok(())
            }
        }
    }

    /// What importing `path` would add and change; writes nothing.
    ///
    /// `stop` gives the read up between two reads of the file (Esc in the
    /// UI): then it is [`AppError::Cancelled`] and nothing was read in.
    pub fn preview_import(
        &self,
        path: &Path,
        salespeople: bool,
        stop: &crate::stop::Stop,
    ) -> Result<ImportPreview> {
        let file = crate::bounded::Stoppable::new(open(path)?, stop.clone());
        let store = self.store()?;
        let existing = Existing {
            salespeople: store.salespeople()?,
            contacts: store.contacts()?,
            forgotten: self.forgotten_guard(&store)?,
        };
        preview_from(file, salespeople, existing)
    }

    /// Writes a previewed import (only one without bad rows); returns how
    /// many rows were added or changed.
    pub fn apply_import(&self, p: &ImportPreview) -> Result<usize> {
        let rows = p.writes()?;
        let mut store = self.store()?;
        Ok(match rows {
            ImportRows::Salespeople(rows) => store.upsert_salespeople(&rows)?,
            ImportRows::Contacts(rows) => store.upsert_contacts(&rows)?,
        })
    }
}

/// The rows an import writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRows {
    Salespeople(Vec<Salesperson>),
    Contacts(Vec<Contact>),
}

impl ImportPreview {
    /// What applying the preview writes: the added and changed rows, or
    /// nothing at all while the file has a bad row.
    pub fn writes(&self) -> Result<ImportRows> {
        if !self.errors().is_empty() {
            return Err(AppError::Invalid(format!(
                "the file has {}; fix them and preview again",
                crate::domain::text::count(self.errors().len(), "bad row", "bad rows")
            )));
        }
        fn rows<T: Clone>(p: &Preview<T>) -> Vec<T> {
            p.added
                .iter()
                .cloned()
                .chain(p.changed.iter().map(|(_, n)| n.clone()))
                .collect()
        }
        Ok(match self {
            ImportPreview::Salespeople(p) => ImportRows::Salespeople(rows(p)),
            ImportPreview::Contacts(p) => ImportRows::Contacts(rows(p)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::people::test_salesperson as sp;

    #[test]
    fn a_preview_sorts_rows_into_added_changed_and_unchanged() {
        let p = compare(
            Parsed {
                rows: vec![sp("AH", "Annette"), sp("BD", "Ben Dee"), sp("CX", "New")],
                lines: vec![2, 3, 4],
                errors: vec![],
                format: CsvFormat::default(),
            },
            vec![sp("AH", "Annette"), sp("BD", "Ben")],
            |s| s.code.clone(),
        );
        assert_eq!(p.added, vec![sp("CX", "New")]);
        assert_eq!(p.changed, vec![(sp("BD", "Ben"), sp("BD", "Ben Dee"))]);
        assert_eq!(p.unchanged, 1);
    }

    #[test]
    fn a_contact_or_salesperson_saved_with_someone_elses_address_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(dir.path().join("p.db"));
        app.save_salesperson(&sp("AH", "Annette"), true).unwrap();
        let c = |no: &str, email: &str| Contact {
            no: no.into(),
            name: format!("Name {no}"),
            company: "Fabrikam".into(),
            email: email.into(),
            alt_emails: vec![],
        };
        app.save_contact(&c("C1", "alex@fabrikam.example"), true)
            .unwrap();
        let e = app
            .save_contact(&c("C2", "Alex@Fabrikam.example"), true)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("already the address of contact Name C1 (C1)"),
            "{e}"
        );
        let e = app
            .save_contact(&c("C2", "ah@contoso.example"), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("salesperson Annette (AH)"), "{e}");
        // Changing its own name keeps its address.
        app.save_contact(&c("C1", "alex@fabrikam.example"), false)
            .unwrap();
        let e = app
            .save_salesperson(&sp_with("BD", "alex@fabrikam.example"), true)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("contact Name C1 (C1): a salesperson cannot have it"),
            "{e}"
        );
    }

    fn sp_with(code: &str, email: &str) -> Salesperson {
        Salesperson {
            code: code.into(),
            name: code.into(),
            email: email.into(),
        }
    }
}
