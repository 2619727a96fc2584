//! The review queue of skipped messages: what people see and ask for. The
//! asking is recorded; the engine holding the mailbox does it.

use chrono::Utc;

use crate::domain::address::{domain_of, normalize_address};
use crate::store::{ReviewAction, ReviewRow};

use super::log::participants_of_sender;
use super::{App, AppError, Result};

/// A contact as a skipped message's sender suggests it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedContact {
    pub no: String,
    pub name: String,
    pub company: String,
    pub email: String,
}

/// "fabrikam-inc.example.co.uk" → "Fabrikam Inc": the domain's first label,
/// words capitalised. A guess for a person to correct.
pub fn company_from_domain(domain: &str) -> String {
    let label = domain.split('.').next().unwrap_or(domain);
    label
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Ana Ruiz", or from "ana.ruiz@…" when the message gave no name.
fn name_from(display: &str, address: &str) -> String {
    let d = display.trim().trim_matches('"').trim();
    if !d.is_empty() {
        return d.to_string();
    }
    let local = address.split('@').next().unwrap_or(address);
    company_from_domain(&local.replace('.', "-"))
}

impl App {
    pub fn review_queue(&self) -> Result<Vec<ReviewRow>> {
        Ok(self.store()?.review_queue()?)
    }

    /// Asks the engine to re-log or delete these skipped messages; returns
    /// how many requests wait.
    pub fn request_review(
        &self,
        ids: &[crate::store::ReviewKey],
        action: ReviewAction,
    ) -> Result<usize> {
        if ids.is_empty() {
            return Err(AppError::Invalid("choose a message first".into()));
        }
        Ok(self.store()?.request_review(ids, action, Utc::now())?)
    }

    /// The contact a skipped message's sender suggests: name and email from
    /// the message, company from its domain, the next free number.
    pub fn suggest_contact(&self, row: &ReviewRow) -> Result<SuggestedContact> {
        let (display, raw) = participants_of_sender(&row.sender);
        let email = normalize_address(&raw).ok_or_else(|| {
            AppError::Invalid(format!(
                "the sender '{raw}' is not an email address; add the contact by hand (screen 7, a)"
            ))
        })?;
        let store = self.store()?;
        Ok(SuggestedContact {
            no: store.next_contact_no()?,
            name: name_from(&display, &email),
            company: company_from_domain(domain_of(&email)),
            email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_suggests_a_company_and_a_name() {
        let cases = [
            ("fabrikam.example", "Fabrikam"),
            ("fabrikam-inc.example.co.uk", "Fabrikam Inc"),
            ("northwind_traders.com", "Northwind Traders"),
        ];
        for (domain, company) in cases {
            assert_eq!(company_from_domain(domain), company);
        }
        assert_eq!(name_from("\"Ana Ruiz\"", "x@y.example"), "Ana Ruiz");
        assert_eq!(name_from("", "ana.ruiz@y.example"), "Ana Ruiz");
    }
}
