//! Times as people read them: local clock time, and "in 4 min" / "2 h ago".

use chrono::{DateTime, FixedOffset, Utc};

/// "14:03:21" today, "2024-05-01 14:03" another day.
pub fn local_time(t: DateTime<Utc>, now: DateTime<Utc>, tz: FixedOffset) -> String {
    let lt = t.with_timezone(&tz);
    if lt.date_naive() == now.with_timezone(&tz).date_naive() {
        lt.format("%H:%M:%S").to_string()
    } else {
        lt.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// "in 4 min", "2 h ago", "now".
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let a = secs.unsigned_abs();
    let amount = if a < 5 {
        return "now".into();
    } else if a < 90 {
        format!("{a} s")
    } else if a < 90 * 60 {
        format!("{} min", a / 60)
    } else if a < 48 * 3600 {
        format!("{} h", a / 3600)
    } else {
        format!("{} days", a / 86400)
    };
    if secs > 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// A stored time text, shown like [`local_time`] (as is if it does not parse).
pub fn stored_time(text: &str, now: DateTime<Utc>, tz: FixedOffset) -> String {
    crate::store::parse_ts(text)
        .map(|t| local_time(t, now, tz))
        .unwrap_or_else(|| crate::domain::text::one_line(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now: DateTime<Utc> = "2024-05-01T10:00:00Z".parse().unwrap();
        let at = |s: i64| now + chrono::Duration::seconds(s);
        assert_eq!(relative(at(2), now), "now");
        assert_eq!(relative(at(30), now), "in 30 s");
        assert_eq!(relative(at(-600), now), "10 min ago");
        assert_eq!(relative(at(3 * 3600), now), "in 3 h");
        assert_eq!(relative(at(-3 * 86400), now), "3 days ago");
    }
}
