//! Email addresses as emaillog compares them: the whole address,
//! case-insensitive, with display names and surrounding space ignored, and
//! internationalised domains in their ASCII (punycode) form so both spellings
//! match. Plus-addressing is kept exact: `jane+crm@x.org` is not `jane@x.org`.

/// The comparable form of an address, or `None` when it is not a valid address.
///
/// Accepts `jane@x.org`, ` Jane@X.org `, `"Jane" <jane@x.org>`, `<jane@x.org>`.
pub fn normalize_address(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    if let (Some(open), Some(close)) = (s.rfind('<'), s.rfind('>'))
        && open < close
    {
        s = s[open + 1..close].trim();
    }
    let s = s.trim_matches(|c| c == '"' || c == '\'').trim();
    let (local, domain) = s.rsplit_once('@')?;
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return None;
    }
    if local
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
    {
        return None;
    }
    let domain = normalize_domain(domain)?;
    Some(format!("{}@{}", local.to_lowercase(), domain))
}

/// A domain in lower-case ASCII (IDN labels as punycode), or `None` if invalid.
pub fn normalize_domain(domain: &str) -> Option<String> {
    let d = domain.trim().trim_end_matches('.');
    if d.is_empty() || d.starts_with('.') || d.contains("..") || !d.contains('.') {
        return None;
    }
    if d.chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:@\"/".contains(c))
    {
        return None;
    }
    let url = url::Url::parse(&format!("http://{d}/")).ok()?;
    match url.host() {
        Some(url::Host::Domain(h)) if h.split('.').all(|l| !l.is_empty() && l.len() <= 63) => {
            Some(h.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// The domain part of a normalized address.
pub fn domain_of(normalized: &str) -> &str {
    normalized
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("jane@x.org", Some("jane@x.org")),
            ("  Jane@X.Org  ", Some("jane@x.org")),
            ("\"Jane Doe\" <Jane@x.org>", Some("jane@x.org")),
            ("Jane Doe <jane@x.org>", Some("jane@x.org")),
            ("<jane@x.org>", Some("jane@x.org")),
            ("jane+crm@x.org", Some("jane+crm@x.org")),
            ("anna@bücher.example", Some("anna@xn--bcher-kva.example")),
            (
                "anna@xn--bcher-kva.example",
                Some("anna@xn--bcher-kva.example"),
            ),
            ("", None),
            ("jane", None),
            ("@x.org", None),
            ("jane@", None),
            ("jane@localhost", None),
            ("ja ne@x.org", None),
            ("jane@x..org", None),
            ("jane@x.org>", None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_address(raw).as_deref(), *want, "{raw:?}");
        }
    }
}
