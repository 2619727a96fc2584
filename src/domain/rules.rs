//! The privacy and noise settings that decide what is never logged.

use super::address::{domain_of, normalize_address, normalize_domain};

#[derive(Debug, Clone)]
pub struct Rules {
    /// Normalized addresses and domains; a domain also covers its subdomains.
    pub never_log: Vec<String>,
    /// Private (2) and confidential (3) mail is not logged.
    pub skip_sensitive: bool,
    /// Auto-replies, bounces, bulk mail and no-reply senders are not logged.
    pub skip_auto_generated: bool,
    /// An unknown address at a contact company's domain logs against that company.
    pub domain_matching: bool,
    /// How much of a logged message is kept, per address, domain or
    /// salesperson (see domain/capture.rs).
    pub capture: Vec<super::capture::CaptureRule>,
    /// People forgotten: their mail is skipped as `forgotten`.
    pub forgotten: Forgotten,
}

/// The tombstones of people forgotten, with the key their addresses are
/// hashed with: an address is forgotten when its HMAC is among them. The
/// addresses themselves are nowhere.
#[derive(Debug, Clone, Default)]
pub struct Forgotten {
    key: Vec<u8>,
    hashes: std::collections::HashSet<String>,
}

impl Forgotten {
    pub fn new(key: &[u8], hashes: impl IntoIterator<Item = String>) -> Self {
        Self {
            key: key.to_vec(),
            hashes: hashes.into_iter().collect(),
        }
    }

    /// The HMAC-SHA256 of normalized `address` under `key`, as hex.
    pub fn hash(key: &[u8], address: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
        let tag = ring::hmac::sign(&key, address.as_bytes());
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether no one was forgotten.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether normalized `address` was forgotten.
    pub fn covers(&self, address: &str) -> bool {
        !self.hashes.is_empty() && self.hashes.contains(&Self::hash(&self.key, address))
    }
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            never_log: Vec::new(),
            skip_sensitive: true,
            skip_auto_generated: true,
            domain_matching: false,
            capture: Vec::new(),
            forgotten: Forgotten::default(),
        }
    }
}

/// The stored form of a never-log entry: an address or a domain, normalized.
pub fn normalize_never_log(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.contains('@') {
        normalize_address(t)
    } else {
        normalize_domain(t.trim_start_matches("*."))
    }
}

impl Rules {
    /// The never-log entry that covers this normalized address, if any.
    pub fn never_log_match(&self, normalized: &str) -> Option<&str> {
        let domain = domain_of(normalized);
        self.never_log
            .iter()
            .find(|p| {
                if p.contains('@') {
                    *p == normalized
                } else {
                    domain == p.as_str() || domain.ends_with(&format!(".{p}"))
                }
            })
            .map(String::as_str)
    }
}

/// Whose mail a never-log entry would stop logging: the salespeople and
/// contacts with an address it covers (a contact by any of its addresses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Covered {
    pub salespeople: Vec<String>,
    pub contacts: Vec<String>,
}

impl Covered {
    pub fn is_empty(&self) -> bool {
        self.salespeople.is_empty() && self.contacts.is_empty()
    }

    /// "2 contacts (Maria Costa, Ivan Silva)", with at most three names
    /// a group, salespeople first; empty when nobody is covered.
    pub fn describe(&self) -> String {
        let group = |names: &[String], one: &str, many: &str| {
            if names.is_empty() {
                return None;
            }
            let mut shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            if names.len() > 3 {
                shown.push("…");
            }
            Some(format!(
                "{} ({})",
                super::text::count(names.len(), one, many),
                shown.join(", ")
            ))
        };
        [
            group(&self.salespeople, "salesperson", "salespeople"),
            group(&self.contacts, "contact", "contacts"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
    }
}

/// Who `pattern` (a normalized never-log entry) covers among these people.
pub fn covered_by(
    pattern: &str,
    salespeople: &[super::Salesperson],
    contacts: &[super::Contact],
) -> Covered {
    let rules = Rules {
        never_log: vec![pattern.to_string()],
        ..Rules::default()
    };
    let hit =
        |raw: &str| normalize_address(raw).is_some_and(|a| rules.never_log_match(&a).is_some());
    Covered {
        salespeople: salespeople
            .iter()
            .filter(|s| hit(&s.email))
            .map(|s| s.name.clone())
            .collect(),
        contacts: contacts
            .iter()
            .filter(|c| hit(&c.email) || c.alt_emails.iter().any(|a| hit(a)))
            .map(|c| c.name.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Contact, Salesperson};

    #[test]
    fn a_never_log_entry_names_whose_mail_it_stops() {
        let sp = |name: &str, email: &str| Salesperson {
            code: name[..2].to_uppercase(),
            name: name.into(),
            email: email.into(),
        };
        let c = |name: &str, email: &str, alt: &[&str]| Contact {
            no: name.into(),
            name: name.into(),
            company: String::new(),
            email: email.into(),
            alt_emails: alt.iter().map(|a| a.to_string()).collect(),
        };
        let salespeople = [sp("Annette", "annette@contoso.example")];
        let contacts = [
            c("Maria", "maria@northwind.example", &[]),
            c("Ivan", "ivan@eu.northwind.example", &[]),
            c("Kari", "kari@fabrikam.example", &["kari@northwind.example"]),
            c("Ola", "ola@northwind.example.org", &[]),
        ];
        let names = |p: &str| covered_by(p, &salespeople, &contacts);
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("northwind.example", &[], &["Maria", "Ivan", "Kari"]),
            ("maria@northwind.example", &[], &["Maria"]),
            ("contoso.example", &["Annette"], &[]),
            ("example", &["Annette"], &["Maria", "Ivan", "Kari"]),
            ("adventure-works.example", &[], &[]),
        ];
        for (p, want_sp, want_c) in cases {
            let got = names(p);
            assert_eq!(got.salespeople, *want_sp, "{p}");
            assert_eq!(got.contacts, *want_c, "{p}");
        }
        assert_eq!(
            names("northwind.example").describe(),
            "3 contacts (Maria, Ivan, Kari)"
        );
        let many = Covered {
            salespeople: vec!["Annette".into()],
            contacts: (1..=5).map(|i| format!("C{i}")).collect(),
        };
        assert_eq!(
            many.describe(),
            "1 salesperson (Annette) and 5 contacts (C1, C2, C3, …)"
        );
        assert_eq!(Covered::default().describe(), "");
    }

    #[test]
    fn a_forgotten_address_is_found_by_its_hash_alone_and_skips_before_anything_else() {
        use crate::domain::{
            Classification, Directory, MailMessage, Prior, Recipient, SkipReason, classify,
        };
        let key = b"0123456789abcdef0123456789abcdef";
        let h = Forgotten::hash(key, "maria@northwind.example");
        assert_eq!(h.len(), 64);
        assert_eq!(
            h,
            Forgotten::hash(key, "maria@northwind.example"),
            "the same each time"
        );
        assert_ne!(
            h,
            Forgotten::hash(b"another key", "maria@northwind.example")
        );
        let f = Forgotten::new(key, [h]);
        assert!(f.covers("maria@northwind.example"));
        assert!(!f.covers("jmaria@northwind.example"));
        assert!(!Forgotten::default().covers("maria@northwind.example"));
        let rules = Rules {
            forgotten: f,
            ..Rules::default()
        };
        let r = |a: &str| Recipient {
            name: String::new(),
            address: a.into(),
        };
        let cases = [
            // From her, a draft, no recipients: forgotten all the same.
            (Some(r("Maria@Northwind.Example")), vec![], true),
            // To her among others, in Cc.
            (
                Some(r("annette@contoso.example")),
                vec![r("alex@fabrikam.example"), r("maria@northwind.example")],
                false,
            ),
        ];
        for (sender, to, draft) in cases {
            let msg = MailMessage {
                sender,
                cc: to,
                is_draft: draft,
                ..Default::default()
            };
            let got = classify(
                &msg,
                &Directory::default(),
                &rules,
                Prior::New,
                chrono::Utc::now(),
            );
            assert_eq!(got, Classification::Skip(SkipReason::Forgotten));
        }
    }
}
