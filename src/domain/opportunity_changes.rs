//! What changed when an opportunity was made or edited, in words, for a
//! contact's timeline: a pure function of the values before and after.

use super::Money;

/// An opportunity's values as the timeline compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityValues<'a> {
    pub description: &'a str,
    pub status: &'a str,
    pub estimated_value: Option<Money>,
    pub close_date: Option<&'a str>,
}

fn value(v: Option<Money>) -> String {
    v.map(|m| m.to_string()).unwrap_or_else(|| "none".into())
}

/// "made: Spring order (In progress, 12,500.00, closes 2027-03-01)" when
/// `before` is none; else what changed ("status In progress → Won; value
/// 12,500.00 → 15,000.00"), or `None` when nothing did.
pub fn describe(
    before: Option<&OpportunityValues<'_>>,
    after: &OpportunityValues<'_>,
) -> Option<String> {
    let Some(b) = before else {
        let mut parts = vec![after.status.to_string()];
        if let Some(v) = after.estimated_value {
            parts.push(v.to_string());
        }
        if let Some(d) = after.close_date {
            parts.push(format!("closes {d}"));
        }
        return Some(format!(
            "made: {} ({})",
            after.description,
            parts.join(", ")
        ));
    };
    let mut changes = Vec::new();
    if b.status != after.status {
        changes.push(format!("status {} → {}", b.status, after.status));
    }
    if b.estimated_value != after.estimated_value {
        changes.push(format!(
            "value {} → {}",
            value(b.estimated_value),
            value(after.estimated_value)
        ));
    }
    if b.close_date != after.close_date {
        changes.push(format!(
            "close date {} → {}",
            b.close_date.unwrap_or("none"),
            after.close_date.unwrap_or("none")
        ));
    }
    if b.description != after.description {
        changes.push(format!(
            "description “{}” → “{}”",
            b.description, after.description
        ));
    }
    (!changes.is_empty()).then(|| changes.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v<'a>(status: &'a str, minor: Option<i64>, close: Option<&'a str>) -> OpportunityValues<'a> {
        OpportunityValues {
            description: "Spring order",
            status,
            estimated_value: minor.and_then(Money::from_minor),
            close_date: close,
        }
    }

    #[test]
    fn a_change_reads_as_what_changed() {
        let made = v("In progress", Some(1_250_000), Some("2027-03-01"));
        for (before, after, want) in [
            (
                None,
                made.clone(),
                Some("made: Spring order (In progress, 12,500.00, closes 2027-03-01)"),
            ),
            (Some(made.clone()), made.clone(), None),
            (
                Some(made.clone()),
                v("Won", Some(1_500_000), Some("2027-03-01")),
                Some("status In progress → Won; value 12,500.00 → 15,000.00"),
            ),
            (
                Some(made.clone()),
                v("In progress", None, None),
                Some("value 12,500.00 → none; close date 2027-03-01 → none"),
            ),
        ] {
            assert_eq!(describe(before.as_ref(), &after).as_deref(), want);
        }
        let renamed = OpportunityValues {
            description: "Autumn order",
            ..made.clone()
        };
        assert_eq!(
            describe(Some(&made), &renamed).as_deref(),
            Some("description “Spring order” → “Autumn order”")
        );
    }
}
