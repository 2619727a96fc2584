//! Salespeople (our side) and contacts (the customer's side), and the
//! directory that finds them by address.

use std::collections::HashMap;

use super::address::{domain_of, normalize_address};
use super::public_domains::is_public_mail_domain;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Salesperson {
    pub code: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contact {
    pub no: String,
    pub name: String,
    pub company: String,
    pub email: String,
    pub alt_emails: Vec<String>,
}

/// Who is who, by normalized address. Built once per run.
#[derive(Debug, Default)]
pub struct Directory {
    pub salespeople: Vec<Salesperson>,
    pub contacts: Vec<Contact>,
    salesperson_by_email: HashMap<String, usize>,
    contact_by_email: HashMap<String, usize>,
    /// Domain → the contact that stands for its company (lowest number), only
    /// for domains used by a single company and never for public mail
    /// domains (one gmail.com contact must not claim every gmail sender).
    company_contact_by_domain: HashMap<String, usize>,
}

impl Directory {
    pub fn new(salespeople: Vec<Salesperson>, contacts: Vec<Contact>) -> Self {
        let mut d = Directory {
            salespeople,
            contacts,
            ..Default::default()
        };
        for (i, s) in d.salespeople.iter().enumerate() {
            if let Some(a) = normalize_address(&s.email) {
                d.salesperson_by_email.entry(a).or_insert(i);
            }
        }
        let mut order: Vec<usize> = (0..d.contacts.len()).collect();
        order.sort_by(|a, b| d.contacts[*a].no.cmp(&d.contacts[*b].no));
        let mut domain_company: HashMap<String, Option<usize>> = HashMap::new();
        for i in order {
            let c = &d.contacts[i];
            for raw in std::iter::once(&c.email).chain(c.alt_emails.iter()) {
                if let Some(a) = normalize_address(raw) {
                    let domain = domain_of(&a).to_string();
                    d.contact_by_email.entry(a).or_insert(i);
                    match domain_company.get(&domain) {
                        None => {
                            domain_company.insert(domain, Some(i));
                        }
                        Some(Some(j)) if d.contacts[*j].company != c.company => {
                            domain_company.insert(domain, None);
                        }
                        _ => {}
                    }
                }
            }
        }
        d.company_contact_by_domain = domain_company
            .into_iter()
            .filter(|(k, _)| !is_public_mail_domain(k))
            .filter_map(|(k, v)| v.map(|i| (k, i)))
            .collect();
        d
    }

    pub fn salesperson(&self, normalized: &str) -> Option<&Salesperson> {
        self.salesperson_by_email
            .get(normalized)
            .map(|i| &self.salespeople[*i])
    }

    pub fn contact(&self, normalized: &str) -> Option<&Contact> {
        self.contact_by_email
            .get(normalized)
            .map(|i| &self.contacts[*i])
    }

    /// The contact standing for the company whose domain this address is at.
    pub fn company_contact(&self, normalized: &str) -> Option<&Contact> {
        self.company_contact_by_domain
            .get(domain_of(normalized))
            .map(|i| &self.contacts[*i])
    }
}

/// A salesperson for tests: `CODE`, a name, `code@contoso.example`.
#[cfg(test)]
pub fn test_salesperson(code: &str, name: &str) -> Salesperson {
    Salesperson {
        code: code.into(),
        name: name.into(),
        email: format!("{}@contoso.example", code.to_lowercase()),
    }
}
