//! `$filter` on messages, as mail clients use it: `isRead`, `isDraft`,
//! `hasAttachments`, `importance`, `receivedDateTime` and
//! `from/emailAddress/address`, compared with `eq ne gt ge lt le`, joined
//! with `and` / `or`, negated with `not`, grouped with parentheses.
//!
//! A filter is parsed once into a tree ([`Filter`]) and then evaluated on
//! each message's JSON, so a listing and a delta round decide the same way.
//! Whatever Graph would refuse (an unknown property, a string compared with a
//! date, `gt` on a boolean, an unbalanced parenthesis) is a 400 with the
//! reason, so a client's malformed filter fails here as it would there.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::odata::{Cmp, parse_datetime};

/// The message properties `$filter` may compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prop {
    IsRead,
    IsDraft,
    HasAttachments,
    Importance,
    ReceivedDateTime,
    FromAddress,
}

const PATHS: &[(&str, Prop)] = &[
    ("isRead", Prop::IsRead),
    ("isDraft", Prop::IsDraft),
    ("hasAttachments", Prop::HasAttachments),
    ("importance", Prop::Importance),
    ("receivedDateTime", Prop::ReceivedDateTime),
    ("from/emailAddress/address", Prop::FromAddress),
];

impl Prop {
    fn parse(path: &str) -> Option<Self> {
        PATHS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, prop)| *prop)
    }

    /// The property's path, as a filter names it.
    fn path(self) -> &'static str {
        PATHS
            .iter()
            .find(|(_, p)| *p == self)
            .map(|(path, _)| *path)
            .expect("every property has a path")
    }

    fn edm_type(self) -> &'static str {
        match self {
            Prop::IsRead | Prop::IsDraft | Prop::HasAttachments => "Edm.Boolean",
            Prop::Importance => "microsoft.graph.importance",
            Prop::ReceivedDateTime => "Edm.DateTimeOffset",
            Prop::FromAddress => "Edm.String",
        }
    }
}

/// A literal on the right of a comparison, typed by the property.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    Text(String),
    At(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(Prop, Cmp, Literal),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    /// A quoted string, unescaped (`''` → `'`).
    Quoted(String),
    Word(String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => s.push(c),
                        None => return Err(format!("unterminated string literal '{s}")),
                    }
                }
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '\'' {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// `operand (word operand)*`, joined left to right: `or` over `and`
    /// over `unary` gives `and` the tighter binding, as in OData.
    fn joined(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Filter, String>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, String> {
        let mut left = operand(self)?;
        while self.peek_word(word) {
            self.at += 1;
            left = join(Box::new(left), Box::new(operand(self)?));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Filter, String> {
        self.joined("or", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, String> {
        self.joined("and", Self::unary, Filter::And)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.tokens.get(self.at) == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            return match self.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err("a '(' is not closed".into()),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, String> {
        let path = match self.next() {
            Some(Token::Word(w)) => w,
            Some(other) => return Err(format!("expected a property, found {other:?}")),
            None => return Err("the expression ends where a property was expected".into()),
        };
        let Some(prop) = Prop::parse(&path) else {
            let known: Vec<&str> = PATHS.iter().map(|(p, _)| *p).collect();
            return Err(format!(
                "Could not find a property named '{path}' on type 'microsoft.graph.message' that the simulator filters by ({})",
                known.join(", ")
            ));
        };
        let op = match self.next() {
            Some(Token::Word(w)) => {
                Cmp::parse(&w).ok_or_else(|| format!("'{w}' is not a comparison operator"))?
            }
            _ => {
                return Err(format!(
                    "'{path}' must be followed by eq, ne, gt, ge, lt or le"
                ));
            }
        };
        let value = self
            .next()
            .ok_or_else(|| format!("'{path}' is compared with nothing"))?;
        let literal = literal_for(prop, op, value)?;
        Ok(Filter::Compare(prop, op, literal))
    }
}

fn literal_for(prop: Prop, op: Cmp, value: Token) -> Result<Literal, String> {
    let ordered = !matches!(op, Cmp::Eq | Cmp::Ne);
    let mismatch = |found: &str| {
        format!(
            "A binary operator with incompatible types was detected. Found operand types '{}' and '{found}'.",
            prop.edm_type()
        )
    };
    match (prop, value) {
        (Prop::IsRead | Prop::IsDraft | Prop::HasAttachments, Token::Word(w)) => {
            if ordered {
                return Err(format!(
                    "'{}' is not defined for Edm.Boolean: use eq or ne",
                    op.name()
                ));
            }
            match w.as_str() {
                "true" => Ok(Literal::Bool(true)),
                "false" => Ok(Literal::Bool(false)),
                _ => Err(mismatch("Edm.Untyped")),
            }
        }
        (Prop::Importance, Token::Quoted(s)) => {
            if ordered {
                return Err(format!(
                    "'{}' is not defined for microsoft.graph.importance: use eq or ne",
                    op.name()
                ));
            }
            match s.to_ascii_lowercase().as_str() {
                v @ ("low" | "normal" | "high") => Ok(Literal::Text(v.to_string())),
                _ => Err(format!(
                    "The string '{s}' is not a valid enumeration type constant: importance is 'low', 'normal' or 'high'"
                )),
            }
        }
        (Prop::ReceivedDateTime, Token::Word(w)) => parse_datetime(&w)
            .map(Literal::At)
            .ok_or_else(|| format!("'{w}' is not a valid DateTimeOffset (2024-05-01T08:00:00Z)")),
        (Prop::FromAddress, Token::Quoted(s)) => Ok(Literal::Text(s)),
        (_, Token::Quoted(_)) => Err(mismatch("Edm.String")),
        (_, other) => Err(format!(
            "{other:?} cannot be compared with {}",
            prop.edm_type()
        )),
    }
}

impl Filter {
    /// Parses a `$filter` value; the error says what is wrong in it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut p = Parser {
            tokens: tokens(text)?,
            at: 0,
        };
        if p.tokens.is_empty() {
            return Err("the $filter is empty".into());
        }
        let f = p.or()?;
        match p.tokens.get(p.at) {
            None => Ok(f),
            Some(t) => Err(format!("unexpected {t:?} after a complete expression")),
        }
    }

    /// Whether a message (its Graph JSON and received time) passes.
    pub fn matches(&self, fields: &Map<String, Value>, received: &DateTime<Utc>) -> bool {
        match self {
            Filter::And(a, b) => a.matches(fields, received) && b.matches(fields, received),
            Filter::Or(a, b) => a.matches(fields, received) || b.matches(fields, received),
            Filter::Not(a) => !a.matches(fields, received),
            Filter::Compare(prop, op, lit) => match (prop, lit) {
                (Prop::ReceivedDateTime, Literal::At(at)) => op.holds(received, at),
                (Prop::IsRead | Prop::IsDraft | Prop::HasAttachments, Literal::Bool(b)) => {
                    let v = fields
                        .get(prop.path())
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    op.holds(&v, b)
                }
                (Prop::Importance, Literal::Text(t)) => {
                    let v = fields
                        .get("importance")
                        .and_then(Value::as_str)
                        .unwrap_or("normal")
                        .to_ascii_lowercase();
                    op.holds(&v, t)
                }
                (Prop::FromAddress, Literal::Text(t)) => {
                    // Exchange compares addresses without regard to case.
                    let v = fields
                        .get("from")
                        .and_then(|f| f.pointer("/emailAddress/address"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    op.holds(&v, &t.to_ascii_lowercase())
                }
                _ => false,
            },
        }
    }

    /// The one filter delta accepts: `receivedDateTime ge|gt <time>`.
    pub fn is_delta_received_since(&self) -> bool {
        matches!(
            self,
            Filter::Compare(Prop::ReceivedDateTime, Cmp::Ge | Cmp::Gt, _)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn filters_decide_as_graph_would() {
        let received: DateTime<Utc> = "2024-05-01T08:00:00Z".parse().unwrap();
        let m = msg(json!({
            "isRead": false, "isDraft": false, "hasAttachments": true,
            "importance": "high",
            "from": {"emailAddress": {"address": "Buyer@Fabrikam.example"}},
        }));
        let cases: &[(&str, bool)] = &[
            ("isRead eq false", true),
            ("isRead ne false", false),
            ("hasAttachments eq true and isDraft eq false", true),
            ("isRead eq true or importance eq 'high'", true),
            ("isRead eq true or importance eq 'low'", false),
            ("importance eq 'HIGH'", true),
            (
                "from/emailAddress/address eq 'buyer@fabrikam.example'",
                true,
            ),
            (
                "from/emailAddress/address ne 'buyer@fabrikam.example'",
                false,
            ),
            ("receivedDateTime ge 2024-05-01T08:00:00Z", true),
            ("receivedDateTime gt 2024-05-01T08:00:00Z", false),
            ("receivedDateTime lt 2024-05-02", true),
            ("receivedDateTime le 2024-04-30T23:59:59Z", false),
            ("not (isRead eq false)", false),
            (
                "(isRead eq true or hasAttachments eq true) and receivedDateTime ge 2024-01-01T00:00:00Z",
                true,
            ),
            (
                "isRead eq true and hasAttachments eq true or isDraft eq false",
                true,
            ),
            (
                "isRead eq true and (hasAttachments eq true or isDraft eq false)",
                false,
            ),
            ("isRead EQ false AND isDraft eq false", true),
        ];
        for (text, want) in cases {
            let f = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(f.matches(&m, &received), *want, "{text}");
        }
        // Missing properties take Graph's defaults.
        let bare = msg(json!({}));
        assert!(
            Filter::parse("importance eq 'normal' and isRead eq false")
                .unwrap()
                .matches(&bare, &received)
        );
    }

    #[test]
    fn what_graph_refuses_is_refused_with_the_reason() {
        let cases: &[(&str, &str)] = &[
            (
                "subject eq 'x'",
                "Could not find a property named 'subject'",
            ),
            ("isRead gt false", "use eq or ne"),
            ("isRead eq 'false'", "incompatible types"),
            ("receivedDateTime ge '2024-01-01'", "incompatible types"),
            (
                "receivedDateTime ge yesterday",
                "not a valid DateTimeOffset",
            ),
            ("importance eq 'urgent'", "not a valid enumeration"),
            ("importance gt 'low'", "use eq or ne"),
            ("(isRead eq true", "not closed"),
            ("isRead eq true)", "unexpected"),
            ("isRead eq", "compared with nothing"),
            ("isRead is true", "not a comparison operator"),
            ("from/emailAddress/address eq 'it''s", "unterminated"),
            ("", "empty"),
            ("isRead eq true and", "ends where a property was expected"),
        ];
        for (text, want) in cases {
            let e = Filter::parse(text).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
        }
        assert_eq!(
            Filter::parse("from/emailAddress/address eq 'o''brien@x.example'").unwrap(),
            Filter::Compare(
                Prop::FromAddress,
                Cmp::Eq,
                Literal::Text("o'brien@x.example".into())
            )
        );
    }

    #[test]
    fn delta_takes_only_received_since() {
        for (text, ok) in [
            ("receivedDateTime ge 2024-01-01T00:00:00Z", true),
            ("receivedDateTime gt 2024-01-01T00:00:00Z", true),
            ("receivedDateTime lt 2024-01-01T00:00:00Z", false),
            ("isRead eq false", false),
            (
                "receivedDateTime ge 2024-01-01T00:00:00Z and isRead eq false",
                false,
            ),
        ] {
            assert_eq!(
                Filter::parse(text).unwrap().is_delta_received_since(),
                ok,
                "{text}"
            );
        }
    }
}
