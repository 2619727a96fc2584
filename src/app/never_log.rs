//! The never-log list as the UI and the command line keep it: the entries,
//! what one would stop logging before it is added, adding and removing.
//! Changing it is the admin's; reading it is anyone's.

use crate::domain::rules::{Covered, covered_by, normalize_never_log};

use super::{App, AppError, Result};

/// An entry about to be added: its stored form and whose mail it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeverLogCheck {
    pub pattern: String,
    /// It is on the list already.
    pub listed: bool,
    pub covered: Covered,
}

impl NeverLogCheck {
    /// Whose mail it would stop logging, when anyone's:
    /// "2 contacts (Maria Costa, Ivan Silva) use northwind.example: …".
    pub fn warning(&self) -> Option<String> {
        if self.covered.is_empty() {
            return None;
        }
        let one = self.covered.salespeople.len() + self.covered.contacts.len() == 1;
        Some(format!(
            "{} {} {}: their mail will no longer be logged",
            self.covered.describe(),
            if one { "uses" } else { "use" },
            self.pattern
        ))
    }

    /// The question asked before adding it, the warning first.
    pub fn question(&self) -> String {
        let undo = "(the never-log list, n on Setup, undoes it)";
        match self.warning() {
            None => format!("Never log mail from or to {}? {undo}", self.pattern),
            Some(w) => format!("{w}. Never log {} anyway? {undo}", self.pattern),
        }
    }
}

fn normalized(pattern: &str) -> Result<String> {
    normalize_never_log(pattern).ok_or_else(|| {
        AppError::Invalid(format!(
            "'{pattern}' is neither an email address nor a domain: type one like \
             jane@northwind.example or northwind.example"
        ))
    })
}

impl App {
    /// The never-log entries, in order.
    pub fn never_log_rules(&self) -> Result<Vec<String>> {
        Ok(self.store()?.never_log_list()?)
    }

    /// What adding `pattern` would do: its stored form, whether it is
    /// listed already, and the salespeople and contacts it would cover.
    pub fn never_log_check(&self, pattern: &str) -> Result<NeverLogCheck> {
        let pattern = normalized(pattern)?;
        let store = self.store()?;
        let listed = store.never_log_list()?.contains(&pattern);
        let covered = covered_by(&pattern, &store.salespeople()?, &store.contacts()?);
        Ok(NeverLogCheck {
            pattern,
            listed,
            covered,
        })
    }

    /// Adds an address or a domain to the never-log list; false when it
    /// was there already.
    pub fn never_log(&self, pattern: &str) -> Result<(String, bool)> {
        self.require_admin()?;
        let p = normalized(pattern)?;
        let added = self.store()?.never_log_add(&p)?;
        if added {
            self.audit(&super::audit::Audited::NeverLogAdded { pattern: p.clone() })?;
        }
        Ok((p, added))
    }

    /// Takes an entry off the list; an error names it when it was not there.
    pub fn never_log_remove(&self, pattern: &str) -> Result<String> {
        self.require_admin()?;
        let p = normalized(pattern)?;
        if !self.store()?.never_log_remove(&p)? {
            return Err(AppError::Invalid(format!(
                "{p} is not on the never-log list (emaillog never-log list shows it)"
            )));
        }
        self.audit(&super::audit::Audited::NeverLogRemoved { pattern: p.clone() })?;
        Ok(p)
    }
}
