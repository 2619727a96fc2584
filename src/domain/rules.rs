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
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            never_log: Vec::new(),
            skip_sensitive: true,
            skip_auto_generated: true,
            domain_matching: false,
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
