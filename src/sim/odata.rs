//! The OData query options the mail endpoints accept, parsed and checked.
//!
//! Unknown `$` options and malformed values are refused with a 400 in Graph's
//! shape, as the real service does, so a client bug shows up in tests.

use chrono::{DateTime, Utc};

use super::filter::Filter;
use super::http::{SimRequest, SimResponse, graph_error};

/// The message properties `$select` may name.
pub const MESSAGE_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "internetMessageHeaders",
    "flag",
    "uniqueBody",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" => Cmp::Eq,
            "ne" => Cmp::Ne,
            "gt" => Cmp::Gt,
            "ge" => Cmp::Ge,
            "lt" => Cmp::Lt,
            "le" => Cmp::Le,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Cmp::Eq => "eq",
            Cmp::Ne => "ne",
            Cmp::Gt => "gt",
            Cmp::Ge => "ge",
            Cmp::Lt => "lt",
            Cmp::Le => "le",
        }
    }

    pub fn holds<T: PartialOrd>(self, left: &T, right: &T) -> bool {
        match self {
            Cmp::Eq => left == right,
            Cmp::Ne => left != right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
        }
    }
}

/// Options for listing messages.
#[derive(Debug, Default, Clone)]
pub struct MessageQuery {
    pub top: Option<usize>,
    pub skip: usize,
    pub select: Option<Vec<String>>,
    pub descending: bool,
    pub filter: Option<Filter>,
    /// Delta's `changeType`: only messages that arrived (`created`), that
    /// changed in place (`updated`), or that left (`deleted`).
    pub change_type: Option<ChangeType>,
    /// `Some(ids)` when `$expand=singleValueExtendedProperties(...)` was asked;
    /// an empty list means every extended property.
    pub expand_props: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Created,
    Updated,
    Deleted,
}

fn bad(message: &str) -> SimResponse {
    graph_error(400, "BadRequest", message)
}

/// Checks that only the given `$` options appear.
pub fn allow_options(req: &SimRequest, allowed: &[&str]) -> Result<(), SimResponse> {
    for (k, _) in &req.query {
        if k.starts_with('$') && !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)) {
            return Err(bad(&format!("Query option '{}' is not allowed.", &k[1..])));
        }
    }
    Ok(())
}

pub fn parse_top(req: &SimRequest) -> Result<Option<usize>, SimResponse> {
    match req.query_value("$top") {
        None => Ok(None),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(Some(n)),
            _ => Err(bad(&format!(
                "Invalid value '{v}' for $top: expected an integer from 1 to 1000."
            ))),
        },
    }
}

pub fn parse_skip(req: &SimRequest) -> Result<usize, SimResponse> {
    match req.query_value("$skip") {
        None => Ok(0),
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            bad(&format!(
                "Invalid value '{v}' for $skip: expected a non-negative integer."
            ))
        }),
    }
}

pub fn parse_select(req: &SimRequest) -> Result<Option<Vec<String>>, SimResponse> {
    let Some(v) = req.query_value("$select") else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match MESSAGE_PROPERTIES
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
        {
            Some(p) => out.push((*p).to_string()),
            None => {
                return Err(bad(&format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.message'."
                )));
            }
        }
    }
    Ok(Some(out))
}

pub fn parse_datetime(v: &str) -> Option<DateTime<Utc>> {
    let v = v.trim().trim_matches('\'');
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
}

/// `displayName eq 'Skipped'` for the folder list.
pub fn parse_display_name_filter(filter: &str) -> Result<String, SimResponse> {
    let f = filter.trim();
    let rest = f
        .strip_prefix("displayName")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("eq").or_else(|| r.strip_prefix("EQ")))
        .map(str::trim);
    match rest {
        Some(v) if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') => {
            Ok(v[1..v.len() - 1].replace("''", "'"))
        }
        _ => Err(bad(&format!(
            "Invalid filter clause: '{filter}'. Folders can be filtered by displayName eq 'Name'."
        ))),
    }
}

fn parse_orderby(v: &str) -> Result<bool, SimResponse> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    match parts.as_slice() {
        [p] if p.eq_ignore_ascii_case("receivedDateTime") => Ok(false),
        [p, d] if p.eq_ignore_ascii_case("receivedDateTime") && d.eq_ignore_ascii_case("asc") => {
            Ok(false)
        }
        [p, d] if p.eq_ignore_ascii_case("receivedDateTime") && d.eq_ignore_ascii_case("desc") => {
            Ok(true)
        }
        _ => Err(bad(&format!(
            "Invalid $orderby: '{v}'. Messages can be ordered by receivedDateTime asc|desc."
        ))),
    }
}

/// `singleValueExtendedProperties($filter=id eq 'Integer 0x0036')`.
fn parse_expand(v: &str) -> Result<Vec<String>, SimResponse> {
    let v = v.trim();
    let Some(rest) = v.strip_prefix("singleValueExtendedProperties") else {
        return Err(bad(&format!(
            "Parsing OData Select and Expand failed: could not expand '{v}'; only singleValueExtendedProperties is supported."
        )));
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|r| r.trim().strip_prefix("$filter="))
        .ok_or_else(|| bad(&format!("Invalid $expand: '{v}'.")))?;
    let mut ids = Vec::new();
    for clause in inner.split(" or ") {
        let c = clause.trim();
        let value = c
            .strip_prefix("id eq ")
            .map(str::trim)
            .filter(|s| s.len() >= 2 && s.starts_with('\'') && s.ends_with('\''))
            .ok_or_else(|| {
                bad(&format!(
                    "Invalid $expand filter: '{c}'. Use id eq 'Integer 0x0036'."
                ))
            })?;
        ids.push(normalize_prop_id(&value[1..value.len() - 1]));
    }
    Ok(ids)
}

/// `Integer 0x0036` and `integer 0x36` name the same property.
pub fn normalize_prop_id(id: &str) -> String {
    let mut parts = id.split_whitespace();
    let ty = parts.next().unwrap_or_default();
    let tag = parts.next().unwrap_or_default();
    let tag = tag
        .strip_prefix("0x")
        .or_else(|| tag.strip_prefix("0X"))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .map(|n| format!("0x{n:x}"))
        .unwrap_or_else(|| tag.to_ascii_lowercase());
    let mut ty_norm = ty.to_ascii_lowercase();
    if let Some(first) = ty_norm.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("{ty_norm} {tag}")
}

impl MessageQuery {
    pub fn parse(req: &SimRequest, delta: bool) -> Result<Self, SimResponse> {
        let allowed: &[&str] = if delta {
            &[
                "$select",
                "$top",
                "$filter",
                "$orderby",
                "$expand",
                "$skiptoken",
                "$deltatoken",
            ]
        } else {
            &[
                "$select",
                "$top",
                "$skip",
                "$filter",
                "$orderby",
                "$expand",
                "$count",
                "$skiptoken",
            ]
        };
        allow_options(req, allowed)?;
        let mut q = MessageQuery {
            top: parse_top(req)?,
            skip: parse_skip(req)?,
            select: parse_select(req)?,
            descending: true,
            ..Default::default()
        };
        if let Some(f) = req.query_value("$filter") {
            let filter =
                Filter::parse(f).map_err(|e| bad(&format!("Invalid filter clause: {e}.")))?;
            if delta && !filter.is_delta_received_since() {
                return Err(bad(&format!(
                    "Invalid filter clause for delta: '{f}'. The only filter a message delta query supports is receivedDateTime ge|gt {{value}}."
                )));
            }
            q.filter = Some(filter);
        }
        if let Some(o) = req.query_value("$orderby") {
            q.descending = parse_orderby(o)?;
            if delta && !q.descending {
                return Err(bad(&format!(
                    "Invalid $orderby for delta: '{o}'. The only order a message delta query supports is receivedDateTime desc."
                )));
            }
        }
        if let Some(e) = req.query_value("$expand") {
            q.expand_props = Some(parse_expand(e)?);
        }
        // A custom option of delta; elsewhere, as Graph, ignored.
        if let Some(c) = req.query_value("changeType").filter(|_| delta) {
            q.change_type = Some(match c.to_ascii_lowercase().as_str() {
                "created" => ChangeType::Created,
                "updated" => ChangeType::Updated,
                "deleted" => ChangeType::Deleted,
                _ => {
                    return Err(bad(&format!(
                        "Invalid changeType '{c}': use created, updated or deleted."
                    )));
                }
            });
        }
        Ok(q)
    }

    /// Whether a message passes the `$filter` (every message, without one).
    pub fn matches(
        &self,
        fields: &serde_json::Map<String, serde_json::Value>,
        received: &DateTime<Utc>,
    ) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.matches(fields, received))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_property_ids_normalize() {
        assert_eq!(normalize_prop_id("Integer 0x0036"), "Integer 0x36");
        assert_eq!(normalize_prop_id("integer 0x36"), "Integer 0x36");
    }

    #[test]
    fn display_name_filter_unquotes() {
        assert_eq!(
            parse_display_name_filter("displayName eq 'It''s'").unwrap(),
            "It's"
        );
        assert!(parse_display_name_filter("displayName eq Skipped").is_err());
    }
}
