//! Keeping people data clean: an address belongs to one person. Two
//! contacts with one address, a contact with a salesperson's address, or an
//! address given twice would make the engine pick one at random (or log a
//! salesperson as a customer), so each is refused where it is typed or
//! imported, with the owner named. Addresses are compared normalised.

use std::collections::HashMap;

use super::address::normalize_address;
use super::people::{Contact, Salesperson};

/// Who an address belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Contact { no: String, name: String },
    Salesperson { code: String, name: String },
}

impl Owner {
    fn describe(&self) -> String {
        match self {
            Owner::Contact { no, name } => format!("contact {name} ({no})"),
            Owner::Salesperson { code, name } => format!("salesperson {name} ({code})"),
        }
    }
}

/// The addresses known and whose they are.
#[derive(Debug, Default, Clone)]
pub struct AddressBook {
    owners: HashMap<String, Owner>,
}

fn key(address: &str) -> String {
    normalize_address(address).unwrap_or_else(|| address.trim().to_lowercase())
}

fn contact_addresses(c: &Contact) -> impl Iterator<Item = &String> {
    std::iter::once(&c.email).chain(c.alt_emails.iter())
}

impl AddressBook {
    /// The addresses of these salespeople and contacts (the first owner of
    /// an address that is already shared keeps it).
    pub fn new<'a>(
        salespeople: impl IntoIterator<Item = &'a Salesperson>,
        contacts: impl IntoIterator<Item = &'a Contact>,
    ) -> Self {
        let mut book = AddressBook::default();
        for s in salespeople {
            book.add_salesperson(s);
        }
        for c in contacts {
            book.add_contact(c);
        }
        book
    }

    pub fn add_contact(&mut self, c: &Contact) {
        for a in contact_addresses(c) {
            self.owners.entry(key(a)).or_insert_with(|| Owner::Contact {
                no: c.no.clone(),
                name: c.name.clone(),
            });
        }
    }

    pub fn add_salesperson(&mut self, s: &Salesperson) {
        self.owners
            .entry(key(&s.email))
            .or_insert_with(|| Owner::Salesperson {
                code: s.code.clone(),
                name: s.name.clone(),
            });
    }

    /// Why `c` cannot have its addresses, if it cannot: one of them is
    /// another contact's or a salesperson's, or it gives one twice.
    pub fn contact_clash(&self, c: &Contact) -> Option<String> {
        let mut seen = Vec::new();
        for a in contact_addresses(c) {
            let k = key(a);
            if seen.contains(&k) {
                return Some(format!("{a} is given twice"));
            }
            match self.owners.get(&k) {
                Some(Owner::Contact { no, .. }) if *no == c.no => {}
                Some(o @ Owner::Contact { .. }) => {
                    return Some(format!(
                        "{a} is already the address of {}: one address, one contact",
                        o.describe()
                    ));
                }
                Some(o @ Owner::Salesperson { .. }) => {
                    return Some(format!(
                        "{a} is the address of {}: a contact cannot have it",
                        o.describe()
                    ));
                }
                None => {}
            }
            seen.push(k);
        }
        None
    }

    /// Why `s` cannot have its address, if it cannot.
    pub fn salesperson_clash(&self, s: &Salesperson) -> Option<String> {
        match self.owners.get(&key(&s.email)) {
            Some(Owner::Salesperson { code, .. }) if *code == s.code => None,
            Some(o @ Owner::Salesperson { .. }) => Some(format!(
                "{} is already the address of {}",
                s.email,
                o.describe()
            )),
            Some(o @ Owner::Contact { .. }) => Some(format!(
                "{} is the address of {}: a salesperson cannot have it",
                s.email,
                o.describe()
            )),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(no: &str, email: &str, alts: &[&str]) -> Contact {
        Contact {
            no: no.into(),
            name: format!("Name {no}"),
            company: "Fabrikam".into(),
            email: email.into(),
            alt_emails: alts.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn an_address_belongs_to_one_person() {
        let sp = Salesperson {
            code: "AH".into(),
            name: "Annette Hill".into(),
            email: "annette@contoso.example".into(),
        };
        let book = AddressBook::new(
            [&sp],
            [&contact(
                "C1",
                "alex@fabrikam.example",
                &["alex.b@fabrikam-mail.example"],
            )],
        );
        let cases: &[(Contact, Option<&str>)] = &[
            (contact("C2", "sofia@fabrikam.example", &[]), None),
            // The same contact keeps its own addresses when it changes.
            (contact("C1", "ALEX@fabrikam.example", &[]), None),
            (
                contact("C2", "Alex@Fabrikam.example", &[]),
                Some("already the address of contact Name C1 (C1)"),
            ),
            (
                contact(
                    "C2",
                    "s@fabrikam.example",
                    &["alex.b@fabrikam-mail.example"],
                ),
                Some("alex.b@fabrikam-mail.example is already the address of contact Name C1 (C1)"),
            ),
            (
                contact("C2", "annette@contoso.example", &[]),
                Some("salesperson Annette Hill (AH): a contact cannot have it"),
            ),
            (
                contact(
                    "C2",
                    "s@fabrikam.example",
                    &["s2@x.example", "S2@x.example"],
                ),
                Some("S2@x.example is given twice"),
            ),
            (
                contact("C2", "s@fabrikam.example", &["s@fabrikam.example"]),
                Some("given twice"),
            ),
        ];
        for (c, want) in cases {
            let got = book.contact_clash(c);
            match want {
                None => assert_eq!(got, None, "{c:?}"),
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.contains(w)),
                    "{c:?}: {got:?}"
                ),
            }
        }
        let clash = book.salesperson_clash(&Salesperson {
            code: "BD".into(),
            name: "Ben".into(),
            email: "alex@fabrikam.example".into(),
        });
        assert!(
            clash
                .unwrap()
                .contains("contact Name C1 (C1): a salesperson cannot have it")
        );
        assert_eq!(book.salesperson_clash(&sp), None, "its own address");
    }
}
