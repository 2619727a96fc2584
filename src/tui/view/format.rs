//! Times as people read them, one style across the UI, in the viewer's
//! time zone: `13:49` today, `29 Nov 13:49` this year, `2025-11-29` before
//! (lists and lines), the whole date and time in detail views, and "in 4
//! min" / "2 h ago" beside a time that is near. Machine-readable output
//! (`--json`, CSV) is ISO 8601 with its offset and never comes from here.

use chrono::{DateTime, Datelike, FixedOffset, Utc};

/// `13:49` today, `29 Nov 13:49` this year, `2025-11-29` before.
pub fn local_time(t: DateTime<Utc>, now: DateTime<Utc>, tz: FixedOffset) -> String {
    let lt = t.with_timezone(&tz);
    let today = now.with_timezone(&tz).date_naive();
    if lt.date_naive() == today {
        lt.format("%H:%M").to_string()
    } else if lt.year() == today.year() {
        lt.format("%-d %b %H:%M").to_string()
    } else {
        lt.format("%Y-%m-%d").to_string()
    }
}

/// The shortest form of [`local_time`]: `13:49` today, `29 Nov` this
/// year, `2025-11-29` before (a narrow column).
pub fn local_day(t: DateTime<Utc>, now: DateTime<Utc>, tz: FixedOffset) -> String {
    let lt = t.with_timezone(&tz);
    let today = now.with_timezone(&tz).date_naive();
    if lt.date_naive() == today {
        lt.format("%H:%M").to_string()
    } else if lt.year() == today.year() {
        lt.format("%-d %b").to_string()
    } else {
        lt.format("%Y-%m-%d").to_string()
    }
}

/// The whole date and time, for a detail view: `Sun 29 Nov 2026 13:49:21`.
pub fn full_time(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y %H:%M:%S")
        .to_string()
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

/// "no entries found", "1 entry found", "1,000+ entries found".
pub fn hits_text(n: usize) -> String {
    let most = crate::tui::log_window::HITS_COUNTED;
    if n > most {
        format!(
            "{}+ entries found",
            crate::domain::text::grouped(most as u64)
        )
    } else {
        format!(
            "{} found",
            crate::domain::text::count(n, "entry", "entries")
        )
    }
}

/// A stored time text, shown like [`local_time`] (as is if it does not parse).
pub fn stored_time(text: &str, now: DateTime<Utc>, tz: FixedOffset) -> String {
    crate::store::parse_ts(text)
        .map(|t| local_time(t, now, tz))
        .unwrap_or_else(|| crate::domain::text::one_line(text))
}

/// A stored time text, shown like [`full_time`].
pub fn stored_full_time(text: &str, tz: FixedOffset) -> String {
    crate::store::parse_ts(text)
        .map(|t| full_time(t, tz))
        .unwrap_or_else(|| crate::domain::text::one_line(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_style_of_time_by_how_long_ago() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let now: DateTime<Utc> = "2026-11-29T12:49:00Z".parse().unwrap();
        let cases: &[(&str, &str, &str)] = &[
            ("2026-11-29T12:49:00Z", "13:49", "13:49"),
            // 23:30 UTC on the 28th is 00:30 on the 29th here: today.
            ("2026-11-28T23:30:00Z", "00:30", "00:30"),
            ("2026-11-28T22:30:00Z", "28 Nov 23:30", "28 Nov"),
            ("2026-01-02T08:00:00Z", "2 Jan 09:00", "2 Jan"),
            ("2025-11-29T12:49:00Z", "2025-11-29", "2025-11-29"),
        ];
        for (at, list, day) in cases {
            let t: DateTime<Utc> = at.parse().unwrap();
            assert_eq!(local_time(t, now, tz), *list, "{at}");
            assert_eq!(local_day(t, now, tz), *day, "{at}");
        }
        let t: DateTime<Utc> = "2026-11-29T12:49:21Z".parse().unwrap();
        assert_eq!(full_time(t, tz), "Sun 29 Nov 2026 13:49:21");
    }

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
