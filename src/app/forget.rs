//! Forgetting a person (GDPR art. 17) as the command line and the UI ask
//! it: by address or by contact record, a dry run first if wanted. Who
//! they are is worked out here (their contact records and every address
//! of theirs); what goes is the store's one transaction (store/forget.rs);
//! the audit trail and the tombstones hold only HMACs of their addresses.

use serde_json::json;

use crate::domain::normalize_address;
use crate::domain::rules::Forgotten;
use crate::domain::text::one_line;
use crate::store::{AuditEvent, Forget, ForgetCounts};

use super::audit::os_user;
use super::log::participants_in;
use super::privacy::person_address;
use super::{App, AppError, Result};

/// Whom to forget, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgetWho {
    Address(String),
    Contact(String),
}

/// What a forget did (or would do), and whom it reached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ForgetReport {
    pub dry_run: bool,
    /// Their contact records' numbers.
    pub contacts: Vec<String>,
    /// How many addresses of theirs became tombstones.
    pub addresses: usize,
    pub counts: ForgetCounts,
}

/// `recipients` (stored JSON) without the addresses in `gone`.
fn without(recipients: &str, gone: &[String]) -> String {
    let list: Vec<serde_json::Value> = serde_json::from_str(recipients).unwrap_or_default();
    let kept: Vec<serde_json::Value> = list
        .into_iter()
        .filter(|r| {
            let a = r["address"].as_str().and_then(normalize_address);
            !a.is_some_and(|a| gone.contains(&a))
        })
        .collect();
    serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into())
}

/// Why `c` is refused when an address of theirs was forgotten; the
/// address itself is not repeated (it is in no message of ours).
pub fn forgotten_reason(f: &Forgotten, c: &crate::domain::Contact) -> Option<String> {
    std::iter::once(&c.email)
        .chain(&c.alt_emails)
        .filter_map(|a| normalize_address(a))
        .any(|a| f.covers(&a))
        .then(|| {
            format!(
                "contact {}: an address of a person who was forgotten (erased) is not taken back in; their mail stays skipped",
                one_line(&c.no)
            )
        })
}

impl App {
    /// The people forgotten, where this process can tell (the admin's key
    /// file opens the person key); empty for the user view.
    pub fn forgotten_guard(&self, store: &crate::store::Store) -> Result<Forgotten> {
        if self.role() != super::overview::Role::Admin {
            return Ok(Forgotten::default());
        }
        self.forgotten_in(store)
    }

    /// Forgets `who`: their contact records, entries, the messages only
    /// they are in (and those messages' mailbox copies, by the engine),
    /// their skipped records; shared messages lose their body and them.
    /// `dry` counts it all and changes nothing. The admin's.
    pub fn forget(&self, who: &ForgetWho, dry: bool) -> Result<ForgetReport> {
        self.require_admin()?;
        let mut store = self.store()?;
        let contacts = store.contacts()?;
        let is = |a: &str, set: &[String]| normalize_address(a).is_some_and(|a| set.contains(&a));
        let (theirs, mut addresses): (Vec<_>, Vec<String>) = match who {
            ForgetWho::Address(raw) => {
                let a = person_address(raw)?;
                let set = vec![a.clone()];
                let mine: Vec<_> = contacts
                    .into_iter()
                    .filter(|c| is(&c.email, &set) || c.alt_emails.iter().any(|x| is(x, &set)))
                    .collect();
                (mine, set)
            }
            ForgetWho::Contact(no) => {
                let Some(c) = contacts.into_iter().find(|c| c.no == no.trim()) else {
                    return Err(AppError::Invalid(format!(
                        "there is no contact {}: emaillog report contact NO shows one, or forget them by address",
                        one_line(no)
                    )));
                };
                (vec![c], Vec::new())
            }
        };
        for c in &theirs {
            addresses.extend(
                std::iter::once(&c.email)
                    .chain(&c.alt_emails)
                    .filter_map(|a| normalize_address(a)),
            );
        }
        addresses.sort();
        addresses.dedup();
        // Our own people are not erased this way: every message of theirs
        // would lose its body, and their mail would stop being logged.
        if let Some(s) = store
            .salespeople()?
            .into_iter()
            .find(|s| is(&s.email, &addresses))
        {
            return Err(AppError::Invalid(format!(
                "that address is salesperson {}'s: a salesperson is not forgotten this way (take them out of the salespeople first; their mail then stops being logged)",
                one_line(&s.code)
            )));
        }
        if store
            .mailboxes()?
            .iter()
            .any(|m| is(&m.address, &addresses))
        {
            return Err(AppError::Invalid(
                "that address is a logging mailbox's own: it is not a person to forget (emaillog mailbox remove takes a mailbox away)".into(),
            ));
        }
        // One key for all their addresses (opened once, not per address).
        let key = self.person_key(&store)?;
        let tombstones: Vec<String> = addresses
            .iter()
            .map(|a| Forgotten::hash(key.as_bytes(), a))
            .collect();
        let in_it = |sender: &str, recipients: &str| {
            participants_in(sender, recipients)
                .iter()
                .any(|(_, _, a)| is(a, &addresses))
        };
        let redact = |sender: &str, recipients: &str| {
            let (_, from) = super::log::participants_of_sender(sender);
            let sender = if is(&from, &addresses) {
                String::new()
            } else {
                sender.to_string()
            };
            (sender, without(recipients, &addresses))
        };
        let forget = Forget {
            contacts: theirs.iter().map(|c| c.no.clone()).collect(),
            addresses: addresses.clone(),
            theirs: &in_it,
            redact: &redact,
            tombstones: tombstones.clone(),
        };
        let audit = |c: &ForgetCounts| AuditEvent {
            action: "forget".into(),
            target: String::new(),
            detail: json!({ "people": tombstones, "counts": c }).to_string(),
        };
        let counts = store.forget(&forget, dry, &os_user(), chrono::Utc::now(), audit)?;
        Ok(ForgetReport {
            dry_run: dry,
            contacts: forget.contacts,
            addresses: addresses.len(),
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_address_leaves_the_recipients_and_nothing_else_does() {
        let r = r#"[{"address":"Maria@Northwind.example","kind":"to","name":"Maria"},{"address":"alex@fabrikam.example","kind":"cc","name":""}]"#;
        let got = without(r, &["maria@northwind.example".to_string()]);
        assert_eq!(
            got,
            r#"[{"address":"alex@fabrikam.example","kind":"cc","name":""}]"#
        );
        assert_eq!(
            without(r, &[]),
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(r).unwrap()).unwrap()
        );
        assert_eq!(without("not json", &[]), "[]");
    }
}
