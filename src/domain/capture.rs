//! Capture levels: how much of a logged message is kept, set per address,
//! domain or salesperson. `full` keeps everything (the default), `subject`
//! keeps no body (nor the attachments' names, which are part of what was
//! said), `metadata` keeps neither subject nor body: who, when, which way.
//! Where several rules apply to one message (its people, their domains,
//! its salespeople) the strictest wins: a rule is there to keep something
//! out, and no other rule lets it back in.

use super::address::{domain_of, normalize_address, normalize_domain};
use super::message::Attachment;

/// How much is kept, from most to least.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaptureLevel {
    #[default]
    Full,
    Subject,
    Metadata,
}

impl CaptureLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureLevel::Full => "full",
            CaptureLevel::Subject => "subject",
            CaptureLevel::Metadata => "metadata",
        }
    }

    pub fn parse(s: &str) -> Option<CaptureLevel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Some(CaptureLevel::Full),
            "subject" => Some(CaptureLevel::Subject),
            "metadata" => Some(CaptureLevel::Metadata),
            _ => None,
        }
    }

    /// What the level keeps, in words.
    pub fn describe(self) -> &'static str {
        match self {
            CaptureLevel::Full => "everything is kept",
            CaptureLevel::Subject => "the subject is kept, no body or attachment names",
            CaptureLevel::Metadata => {
                "only who, when and which way: no subject, body or attachment names"
            }
        }
    }
}

/// What a rule is set on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaptureTarget {
    /// A normalized address.
    Address(String),
    /// A normalized domain; covers its subdomains.
    Domain(String),
    /// A salesperson's code, as in the directory.
    Salesperson(String),
}

impl CaptureTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            CaptureTarget::Address(_) => "address",
            CaptureTarget::Domain(_) => "domain",
            CaptureTarget::Salesperson(_) => "salesperson",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            CaptureTarget::Address(v)
            | CaptureTarget::Domain(v)
            | CaptureTarget::Salesperson(v) => v,
        }
    }

    /// A target as stored: its kind and value.
    pub fn from_stored(kind: &str, value: &str) -> Option<CaptureTarget> {
        match kind {
            "address" => Some(CaptureTarget::Address(value.into())),
            "domain" => Some(CaptureTarget::Domain(value.into())),
            "salesperson" => Some(CaptureTarget::Salesperson(value.into())),
            _ => None,
        }
    }

    /// A target as typed: an address (with @), a salesperson's code (one
    /// of `codes`, in any case), else a domain.
    pub fn parse(raw: &str, codes: &[String]) -> Result<CaptureTarget, String> {
        let t = raw.trim();
        if t.contains('@') {
            return normalize_address(t)
                .map(CaptureTarget::Address)
                .ok_or_else(|| {
                    format!("'{t}' is not an email address: type one like jane@northwind.example")
                });
        }
        if let Some(code) = codes.iter().find(|c| c.eq_ignore_ascii_case(t)) {
            return Ok(CaptureTarget::Salesperson(code.clone()));
        }
        normalize_domain(t.trim_start_matches("*."))
            .filter(|d| d.contains('.'))
            .map(CaptureTarget::Domain)
            .ok_or_else(|| {
                format!(
                    "'{t}' is neither an email address, a domain nor a salesperson's code: type one like jane@northwind.example, northwind.example or AH"
                )
            })
    }

    /// Whether the rule reaches a message with these people (normalized
    /// addresses) and salespeople.
    fn reaches(&self, addresses: &[String], salespeople: &[&str]) -> bool {
        match self {
            CaptureTarget::Address(a) => addresses.iter().any(|x| x == a),
            CaptureTarget::Domain(d) => addresses.iter().any(|x| {
                let dom = domain_of(x);
                dom == d || dom.ends_with(&format!(".{d}"))
            }),
            CaptureTarget::Salesperson(code) => salespeople.iter().any(|s| s == code),
        }
    }
}

/// One rule: a target and the level its mail is kept at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRule {
    pub target: CaptureTarget,
    pub level: CaptureLevel,
}

/// The level for a message with these people (normalized addresses) and
/// salespeople: the strictest of the rules that reach it.
pub fn level_for(
    rules: &[CaptureRule],
    addresses: &[String],
    salespeople: &[&str],
) -> CaptureLevel {
    rules
        .iter()
        .filter(|r| r.target.reaches(addresses, salespeople))
        .map(|r| r.level)
        .max()
        .unwrap_or_default()
}

/// What of a message is kept at `level`: its subject, body and attachments
/// cut to what the level allows.
pub fn keep(
    level: CaptureLevel,
    subject: String,
    body: Option<String>,
    attachments: Vec<Attachment>,
) -> (String, Option<String>, Vec<Attachment>) {
    match level {
        CaptureLevel::Full => (subject, body, attachments),
        CaptureLevel::Subject => (subject, None, Vec::new()),
        CaptureLevel::Metadata => (String::new(), None, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(target: CaptureTarget, level: CaptureLevel) -> CaptureRule {
        CaptureRule { target, level }
    }

    #[test]
    fn targets_are_read_as_typed() {
        let codes = vec!["AH".to_string(), "BK".to_string()];
        let cases = [
            (
                "Jane@Northwind.Example",
                Ok(CaptureTarget::Address("jane@northwind.example".into())),
            ),
            (
                "northwind.example",
                Ok(CaptureTarget::Domain("northwind.example".into())),
            ),
            (
                "*.Legal.Example",
                Ok(CaptureTarget::Domain("legal.example".into())),
            ),
            ("ah", Ok(CaptureTarget::Salesperson("AH".into()))),
            ("XY", Err(())),
            ("not an address@", Err(())),
            ("", Err(())),
        ];
        for (raw, want) in cases {
            let got = CaptureTarget::parse(raw, &codes).map_err(|_| ());
            assert_eq!(got, want, "{raw:?}");
        }
    }

    #[test]
    fn the_strictest_rule_that_reaches_a_message_wins() {
        use CaptureLevel::*;
        let rules = vec![
            rule(CaptureTarget::Domain("legal.example".into()), Subject),
            rule(
                CaptureTarget::Address("ceo@northwind.example".into()),
                Metadata,
            ),
            rule(CaptureTarget::Salesperson("HR".into()), Metadata),
        ];
        let a = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let cases: [(&[&str], &[&str], CaptureLevel); 7] = [
            (&["alex@fabrikam.example"], &["AH"], Full),
            (&["counsel@legal.example"], &["AH"], Subject),
            (&["counsel@eu.legal.example"], &["AH"], Subject),
            (&["counsel@notlegal.example"], &["AH"], Full),
            (
                &["ceo@northwind.example", "counsel@legal.example"],
                &["AH"],
                Metadata,
            ),
            (&["alex@fabrikam.example"], &["AH", "HR"], Metadata),
            (&[], &[], Full),
        ];
        for (people, sellers, want) in cases {
            assert_eq!(
                level_for(&rules, &a(people), sellers),
                want,
                "{people:?} {sellers:?}"
            );
        }
        assert_eq!(level_for(&[], &a(&["x@y.example"]), &["AH"]), Full);
    }

    #[test]
    fn each_level_keeps_what_it_says() {
        let att = vec![Attachment {
            name: "Tilbud.pdf".into(),
            ..Attachment::default()
        }];
        let full = keep(
            CaptureLevel::Full,
            "Quote".into(),
            Some("Body".into()),
            att.clone(),
        );
        assert_eq!(full, ("Quote".into(), Some("Body".into()), att.clone()));
        let subject = keep(
            CaptureLevel::Subject,
            "Quote".into(),
            Some("Body".into()),
            att.clone(),
        );
        assert_eq!(subject, ("Quote".into(), None, vec![]));
        let meta = keep(
            CaptureLevel::Metadata,
            "Quote".into(),
            Some("Body".into()),
            att,
        );
        assert_eq!(meta, (String::new(), None, vec![]));
    }
}
