//! A dialog of several fields (an opportunity, a contact, the log's
//! filters), each checked as typed by its rule; it can be saved only when
//! every field is valid. Pure: what a saved form does is the caller's.

use chrono::NaiveDate;
use tui_input::Input;

use crate::domain::address::normalize_address;

/// Opportunity statuses, in the order they are offered.
pub const STATUSES: &[&str] = &["Not started", "In progress", "Won", "Lost"];
/// Directions a log filter offers ("" for either).
pub const DIRECTIONS: &[&str] = &["", "inbound", "outbound"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Any text, not empty, at most this many characters.
    Required(usize),
    /// Any text, at most this many characters.
    Optional(usize),
    /// One email address.
    Email,
    /// Email addresses separated by commas or spaces; may be empty.
    Emails,
    /// An amount of money, 0 or more, may be empty.
    Money,
    /// `YYYY-MM-DD`, may be empty.
    Date,
    /// One of these (Space cycles through them).
    Choice(&'static [&'static str]),
}

/// Whether `text` passes `rule`; the error says what is wrong and how to
/// fix it.
pub fn check(rule: Rule, text: &str) -> Result<(), String> {
    let t = text.trim();
    match rule {
        Rule::Required(max) if t.is_empty() => Err(format!("required (up to {max} characters)")),
        Rule::Required(max) | Rule::Optional(max) if t.chars().count() > max => {
            Err(format!("{} characters; at most {max}", t.chars().count()))
        }
        Rule::Required(_) | Rule::Optional(_) => Ok(()),
        Rule::Email => match normalize_address(t) {
            Some(_) => Ok(()),
            None if t.is_empty() => Err("required: an email address like anna@fabrikam.com".into()),
            None => Err(format!(
                "'{t}' is not an email address (like anna@fabrikam.com)"
            )),
        },
        Rule::Emails => {
            for a in split_emails(t) {
                if normalize_address(a).is_none() {
                    return Err(format!(
                        "'{a}' is not an email address; separate addresses with commas"
                    ));
                }
            }
            Ok(())
        }
        Rule::Money => {
            if t.is_empty() {
                return Ok(());
            }
            crate::domain::Money::parse(t).map(|_| ())
        }
        Rule::Date => {
            if t.is_empty() {
                return Ok(());
            }
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| format!("'{t}' is not a date; write it as YYYY-MM-DD"))
        }
        Rule::Choice(options) => {
            if options.iter().any(|o| o.eq_ignore_ascii_case(t)) {
                Ok(())
            } else {
                Err(format!(
                    "one of: {} (Space cycles)",
                    options
                        .iter()
                        .map(|o| if o.is_empty() { "(any)" } else { o })
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

/// An amount typed in a form (empty: none); see [`crate::domain::money`].
pub fn parse_money(t: &str) -> Option<crate::domain::Money> {
    crate::domain::Money::parse(t).ok()
}

pub fn split_emails(t: &str) -> impl Iterator<Item = &str> {
    t.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|a| !a.is_empty())
}

/// What a form is for, and where its values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormFor {
    LogFilters,
    /// A setup field chosen from its options.
    SetupField(crate::app::setup_fields::FieldKey),
    /// Where to export the log's view, and with which separator.
    Export,
    /// A new opportunity from this entry; the message view opens again after.
    Opportunity {
        entry_no: i64,
        reopen: bool,
    },
    EditOpportunity {
        no: String,
    },
    /// A new contact, or the one with this number.
    Contact {
        no: Option<String>,
    },
    Salesperson {
        code: Option<String>,
    },
    /// A contact made from a skipped message's sender.
    ContactFromSender {
        key: crate::store::ReviewKey,
    },
}

/// One choice of a field that narrows as it is typed into: what goes into
/// the field (a number, a code, a company) and what is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub value: String,
    pub label: String,
    /// The label in lower case, matched against what is typed.
    key: String,
}

impl Pick {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        let label = label.into();
        Self {
            value: value.into(),
            key: label.to_lowercase(),
            label,
        }
    }
}

/// How many of a field's matching choices are shown at once.
pub const PICKS_SHOWN: usize = 5;

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
    pub rule: Rule,
    pub hint: &'static str,
    /// Choices that narrow as the field is typed into (empty: none).
    pub picks: Vec<Pick>,
    /// The chosen one among those shown.
    pub pick_sel: usize,
}

impl Field {
    pub fn new(label: &'static str, rule: Rule, value: &str, hint: &'static str) -> Self {
        Self {
            label,
            input: Input::new(value.to_string()),
            rule,
            hint,
            picks: Vec::new(),
            pick_sel: 0,
        }
    }

    /// The choices matching what is typed (every word of it, any case), the
    /// first [`PICKS_SHOWN`], and how many match in all. None while nothing
    /// is typed or once the text is a choice's value.
    pub fn suggestions(&self) -> (Vec<&Pick>, usize) {
        let typed = self.value().to_lowercase();
        if self.picks.is_empty()
            || typed.is_empty()
            || self.picks.iter().any(|p| p.value.to_lowercase() == typed)
        {
            return (Vec::new(), 0);
        }
        let words: Vec<&str> = typed.split_whitespace().collect();
        let mut shown = Vec::new();
        let mut total = 0;
        for p in &self.picks {
            if words.iter().all(|w| p.key.contains(w)) {
                total += 1;
                if shown.len() < PICKS_SHOWN {
                    shown.push(p);
                }
            }
        }
        (shown, total)
    }

    pub fn error(&self) -> Option<String> {
        check(self.rule, self.input.value()).err()
    }

    pub fn value(&self) -> String {
        self.input.value().trim().to_string()
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    /// Lines shown above the fields (what cannot be changed here).
    pub info: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last save failed (from the database), if it did.
    pub error: Option<String>,
}

impl Form {
    pub fn new(title: impl Into<String>, info: Vec<String>, fields: Vec<Field>) -> Self {
        Self {
            title: title.into(),
            info,
            fields,
            focus: 0,
            error: None,
        }
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub fn prev(&mut self) {
        let n = self.fields.len().max(1);
        self.focus = (self.focus + n - 1) % n;
    }

    pub fn focused(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    /// Down or up among the focused field's matching choices; false when
    /// none are shown (the key then moves between fields).
    pub fn move_pick(&mut self, down: bool) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return false;
        };
        let n = f.suggestions().0.len();
        if n == 0 {
            return false;
        }
        f.pick_sel = if down {
            (f.pick_sel + 1).min(n - 1)
        } else {
            f.pick_sel.saturating_sub(1)
        };
        true
    }

    /// Enter on a field with choices shown: the chosen one goes into it.
    /// False when none are shown (Enter then saves).
    pub fn take_pick(&mut self) -> bool {
        let Some(f) = self.fields.get_mut(self.focus) else {
            return false;
        };
        let (shown, _) = f.suggestions();
        let Some(value) = shown
            .get(f.pick_sel.min(shown.len().saturating_sub(1)))
            .map(|p| p.value.clone())
        else {
            return false;
        };
        f.input = Input::new(value);
        f.pick_sel = 0;
        true
    }

    /// Space on a choice field: the next option.
    pub fn cycle(&mut self) -> bool {
        let Some(f) = self.focused() else {
            return false;
        };
        let Rule::Choice(options) = f.rule else {
            return false;
        };
        let now = f.value();
        let i = options
            .iter()
            .position(|o| o.eq_ignore_ascii_case(&now))
            .map_or(0, |i| (i + 1) % options.len());
        f.input = Input::new(options[i].to_string());
        true
    }

    /// Every field's value when all are valid; else focuses the first bad one.
    pub fn values(&mut self) -> Option<Vec<String>> {
        if let Some(i) = self.fields.iter().position(|f| f.error().is_some()) {
            self.focus = i;
            return None;
        }
        Some(self.fields.iter().map(Field::value).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_says_what_is_wrong() {
        let cases: &[(Rule, &str, bool)] = &[
            (Rule::Required(10), "Renewal", true),
            (Rule::Required(10), "  ", false),
            (Rule::Required(3), "four", false),
            (Rule::Optional(3), "", true),
            (Rule::Email, "anna@fabrikam.com", true),
            (Rule::Email, "anna@", false),
            (Rule::Email, "", false),
            (Rule::Emails, "a@x.com, b@y.org", true),
            (Rule::Emails, "", true),
            (Rule::Emails, "a@x.com, nope", false),
            (Rule::Money, "12,500.50", true),
            (Rule::Money, "", true),
            (Rule::Money, "-3", false),
            (Rule::Money, "ten", false),
            (Rule::Money, "NaN", false),
            (Rule::Money, "99999999999999999999999", false),
            (Rule::Money, "1e9", true),
            (Rule::Money, "12 500,50", true),
            (Rule::Date, "2026-12-31", true),
            (Rule::Date, "2026-02-30", false),
            (Rule::Date, "31.12.2026", false),
            (Rule::Choice(STATUSES), "won", true),
            (Rule::Choice(STATUSES), "maybe", false),
            (Rule::Choice(DIRECTIONS), "", true),
        ];
        for (rule, text, ok) in cases {
            let r = check(*rule, text);
            assert_eq!(r.is_ok(), *ok, "{rule:?} {text:?}: {r:?}");
            if let Err(e) = r {
                assert!(!e.is_empty());
            }
        }
        assert_eq!(
            parse_money("12,500.50").map(crate::domain::Money::minor),
            Some(1_250_050)
        );
        assert_eq!(parse_money("1e23"), None, "too large: refused, not rounded");
    }

    #[test]
    fn a_form_saves_only_when_every_field_is_valid() {
        let mut f = Form::new(
            "t",
            vec![],
            vec![
                Field::new("Description", Rule::Required(50), "Renewal", ""),
                Field::new("Value", Rule::Money, "lots", ""),
                Field::new("Status", Rule::Choice(STATUSES), "In progress", ""),
            ],
        );
        assert!(f.values().is_none());
        assert_eq!(f.focus, 1, "the bad field is focused");
        f.fields[1].input = Input::new("9000".into());
        f.focus = 2;
        assert!(f.cycle());
        assert_eq!(f.fields[2].value(), "Won");
        assert_eq!(
            f.values().unwrap(),
            vec!["Renewal".to_string(), "9000".into(), "Won".into()]
        );
    }
}
