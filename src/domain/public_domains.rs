//! Public mail domains (gmail.com, outlook.com, web.de, …): addresses there
//! say nothing about the company behind them, so domain matching never
//! matches on them. The list is a maintained one, vendored with its source
//! and version in its first line (`scripts/update-public-mail-domains`).

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("public_mail_domains.txt");

fn domains() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `domain` (lowercase, as normalized addresses have it) is a
/// public mail provider's.
pub fn is_public_mail_domain(domain: &str) -> bool {
    domains().contains(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_public_providers_are_public_and_companies_are_not() {
        for d in [
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "yahoo.com",
            "icloud.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "t-online.de",
        ] {
            assert!(is_public_mail_domain(d), "{d}");
        }
        for d in ["fabrikam.example", "contoso.com", "northwind.example"] {
            assert!(!is_public_mail_domain(d), "{d}");
        }
    }
}
