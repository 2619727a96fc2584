//! Email addresses as emaillog compares them: the whole address,
//! case-insensitive, with display names and surrounding space ignored, and
//! internationalised domains in their ASCII (punycode) form so both spellings
//! match. Plus-addressing is kept exact: `jane+crm@x.org` is not `jane@x.org`.

/// The comparable form of an address, or `None` when it is not a valid address.
///
/// Accepts `jane@x.org`, ` Jane@X.org `, `"Jane" <jane@x.org>`, `<jane@x.org>`.
pub fn normalize_address(raw: &str) -> Option<String> {
    // Zero-width characters are invisible: an address with one is the
    // address without it, for matching and display alike.
    let cleaned: String;
    let raw = if raw.chars().any(crate::domain::text::is_zero_width) {
        cleaned = raw
            .chars()
            .filter(|c| !crate::domain::text::is_zero_width(*c))
            .collect();
        cleaned.as_str()
    } else {
        raw
    };
    let mut s = raw.trim();
    if let (Some(open), Some(close)) = (s.rfind('<'), s.rfind('>'))
        && open < close
    {
        s = s[open + 1..close].trim();
    }
    // Quotes around the whole address go; a quoted local part stays for below.
    let s = if s.starts_with('"') && s.contains("\"@") {
        s
    } else {
        // Quotes and space together, till none is left at either end
        // (`"  "a@x.org` is a@x.org; found by fuzzing).
        s.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace())
    };
    let (local, domain) = s.rsplit_once('@')?;
    // A quoted local part that needs no quoting ("alex"@x.org) is the
    // same mailbox as the bare one.
    let local = match local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(inner)
            if !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)) =>
        {
            inner
        }
        _ => local,
    };
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return None;
    }
    if local.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || crate::domain::text::is_bidi_control(c)
            || c == '<'
            || c == '>'
            || c == ','
            // A quote belongs only around the whole local part (above).
            || c == '"'
    }) {
        return None;
    }
    let domain = normalize_domain(domain)?;
    Some(format!("{}@{}", local.to_lowercase(), domain))
}

/// A domain in lower-case ASCII (IDN labels as punycode), or `None` if invalid.
pub fn normalize_domain(domain: &str) -> Option<String> {
    // Ideographic and full-width full stops are dots in IDNA (RFC 3490 §3.1).
    let dotted = domain.replace(['\u{3002}', '\u{ff0e}', '\u{ff61}'], ".");
    let d = dotted.trim().trim_end_matches('.');
    if d.is_empty() || d.starts_with('.') || d.contains("..") || !d.contains('.') {
        return None;
    }
    if d.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || crate::domain::text::is_bidi_control(c)
            // `?`, `#` and `%` would end or decode the host in the URL
            // below (a@x?.org read as a@x): found by fuzzing.
            || "<>()[]\\,;:@\"/?#%".contains(c)
    }) {
        return None;
    }
    if let Some(plain) = plain_ascii(d) {
        return plain;
    }
    via_url(d)
}

/// What a URL's host parser would make of `d`, without parsing a URL, when
/// `d` is plain ASCII (letters, digits, `.`, `-`, `_`) with no IDN label to
/// check (`xn--`) and a last label that is no number (a URL reads those as
/// IPv4): the parser would only lower-case it. Nearly every address is
/// such, and the engine normalizes each one of every message.
fn plain_ascii(d: &str) -> Option<Option<String>> {
    let plain = d
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    let last = d.rsplit('.').next().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    let idn = d
        .split('.')
        .any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")));
    if !plain || numeric || idn {
        return None;
    }
    Some(checked_host(d.to_ascii_lowercase()))
}

/// The host of `http://{d}/` as a URL parses it (IDN labels as punycode).
fn via_url(d: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://{d}/")).ok()?;
    match url.host() {
        Some(url::Host::Domain(h)) => checked_host(h.to_ascii_lowercase()),
        _ => None,
    }
}

/// Letters, digits and hyphens (IDN labels are punycode by now): a URL
/// host also takes ' = ! and more, which no mail domain has and which
/// trimming would take off the next time (found by fuzzing).
fn checked_host(h: String) -> Option<String> {
    let ok = h.contains('.')
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    ok.then_some(h)
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
            // Zero-width characters are invisible: removed, not matched around.
            (
                "annette@contoso.example\u{200b}",
                Some("annette@contoso.example"),
            ),
            (
                "an\u{feff}nette@contoso.example",
                Some("annette@contoso.example"),
            ),
            // A quoted local part that needs no quotes.
            ("\"alex\"@fabrikam.example", Some("alex@fabrikam.example")),
            ("\"a b\"@fabrikam.example", None),
            // Ideographic and full-width full stops are dots.
            (
                "alex@fabrikam\u{3002}example",
                Some("alex@fabrikam.example"),
            ),
            (
                "alex@fabrikam\u{ff0e}example",
                Some("alex@fabrikam.example"),
            ),
            // A bidi override is refused, never matched.
            ("al\u{202e}ex@fabrikam.example", None),
            ("alex@fabri\u{202e}kam.example", None),
            // What a URL would cut off or decode is no part of a domain
            // (found by fuzzing: a@x?.example was a@x).
            ("a@x?.example", None),
            ("a@x#y.example", None),
            ("a@x%2eexample", None),
            ("a@x.example?", None),
            ("a@x\u{3002}example.'.", None),
            ("a@x.exa=mple", None),
            ("a@under_score.example", Some("a@under_score.example")),
            // Quotes and space at the ends go together; a stray quote
            // inside the local part is no address.
            ("\"   \"N@m2Mp.example", Some("n@m2mp.example")),
            ("' 'a@x.example", Some("a@x.example")),
            ("a\"b@x.example", None),
            ("o'brien@x.example", Some("o'brien@x.example")),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_address(raw).as_deref(), *want, "{raw:?}");
        }
    }

    proptest::proptest! {
        /// The plain-ASCII shortcut decides every domain it takes as the
        /// URL parser would (labels biased to what it must get right:
        /// numbers, hex, `xn--`, hyphens, empty labels, upper case).
        #[test]
        fn the_ascii_shortcut_agrees_with_the_url_parser(
            labels in proptest::collection::vec(
                "(xn--[a-z0-9]{0,6}|0[xX][0-9a-fA-F]{0,3}|[0-9]{1,4}|[A-Za-z0-9_-]{0,8})",
                1..5,
            )
        ) {
            let d = labels.join(".");
            if let Some(fast) = plain_ascii(&d) {
                proptest::prop_assert_eq!(fast, via_url(&d), "{}", d);
            }
        }
    }

    #[test]
    fn the_ascii_shortcut_leaves_numbers_and_idn_to_the_url_parser() {
        for d in [
            "x.123",
            "x.0x1f",
            "1.2.3.4",
            "xn--bcher-kva.example",
            "a.XN--p1ai",
            "bücher.example",
        ] {
            assert_eq!(plain_ascii(d), None, "{d}");
        }
        assert_eq!(
            plain_ascii("Contoso.Example"),
            Some(Some("contoso.example".into()))
        );
        assert_eq!(plain_ascii("a.b-"), Some(via_url("a.b-")));
    }
}
