//! The team's working week: Monday to Friday, working hours, in the
//! configured time zone. When a follow-up falls due ("2 working days") and
//! how much of a reply time was working time are counted on the team's
//! wall clock, so a message on a Friday is due on the Tuesday, and a DST
//! change moves nothing by an hour.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;

/// Past this span, working time is not counted further (a reply time of
/// ten years says all there is to say).
const MAX_DAYS: i64 = 3660;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkWeek {
    pub tz: Tz,
    /// Working hours, each working day: from `start` to `end`.
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for WorkWeek {
    /// Oslo, 08:00–16:00: a Norwegian office day.
    fn default() -> Self {
        WorkWeek {
            tz: chrono_tz::Europe::Oslo,
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
        }
    }
}

fn is_working(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl WorkWeek {
    /// The instant of the team's wall-clock time `t`: the earlier one when
    /// the clock is turned back, the first after the gap when it jumps.
    pub fn instant(&self, t: NaiveDateTime) -> DateTime<Utc> {
        let mut t = t;
        // Gaps are an hour or less; a few steps of half an hour find the
        // other side.
        for _ in 0..6 {
            match self.tz.from_local_datetime(&t) {
                LocalResult::Single(x) => return x.with_timezone(&Utc),
                LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
                LocalResult::None => t += Duration::minutes(30),
            }
        }
        Utc.from_utc_datetime(&t)
    }

    /// The start of day `d` on the team's clock (the first instant of it
    /// when a clock change skips midnight).
    pub fn midnight(&self, d: NaiveDate) -> DateTime<Utc> {
        self.instant(d.and_time(NaiveTime::MIN))
    }

    /// When a message received at `at` is due for an answer: `days` working
    /// days later, at the same wall-clock time. A message received on a
    /// Saturday or Sunday counts from the start of the Monday.
    pub fn due_at(&self, at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let local = at.with_timezone(&self.tz).naive_local();
        let mut date = local.date();
        let mut time = local.time();
        if !is_working(date) {
            while !is_working(date) {
                date = date.succ_opt().unwrap_or(date);
            }
            time = NaiveTime::MIN;
        }
        let mut left = days;
        // Each step passes a day; at most `days` working days and the
        // weekends between them.
        while left > 0 {
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
            if is_working(date) {
                left -= 1;
            }
        }
        self.instant(date.and_time(time))
    }

    /// The working time between `from` and `to`, in seconds: the parts of
    /// it inside working hours on working days (0 when `to` is not later).
    pub fn working_secs(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let to = to.min(from + Duration::days(MAX_DAYS));
        let first = from.with_timezone(&self.tz).date_naive();
        let last = to.with_timezone(&self.tz).date_naive();
        let mut total = 0;
        let mut date = first;
        while date <= last {
            if is_working(date) && self.start < self.end {
                let open = self.instant(date.and_time(self.start)).max(from);
                let close = self.instant(date.and_time(self.end)).min(to);
                if close > open {
                    total += (close - open).num_seconds();
                }
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oslo(s: &str) -> DateTime<Utc> {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        WorkWeek::default().instant(t)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_follow_up_falls_due_in_working_days_on_the_teams_clock() {
        let w = WorkWeek::default();
        for (received, days, due) in [
            // Monday → Wednesday, same time.
            ("2026-11-30 10:00", 2, "2026-12-02 10:00"),
            // Thursday → Monday; Friday → Tuesday: the weekend is skipped.
            ("2026-12-03 10:00", 2, "2026-12-07 10:00"),
            ("2026-12-04 15:30", 2, "2026-12-08 15:30"),
            // Saturday and Sunday count from Monday morning.
            ("2026-12-05 10:00", 2, "2026-12-09 00:00"),
            ("2026-12-06 23:59", 2, "2026-12-09 00:00"),
            // Zero days: due at once (on a weekend, on Monday morning).
            ("2026-12-02 09:00", 0, "2026-12-02 09:00"),
            ("2026-12-05 09:00", 0, "2026-12-07 00:00"),
            // Ten working days: two weeks.
            ("2026-11-30 08:00", 10, "2026-12-14 08:00"),
            // Across the change to summer time (Sunday 29 March 2026):
            // Friday 10:00 CET is due Tuesday 10:00 CEST.
            ("2026-03-27 10:00", 2, "2026-03-31 10:00"),
            // And back to winter time (Sunday 25 October 2026).
            ("2026-10-23 10:00", 2, "2026-10-27 10:00"),
        ] {
            assert_eq!(
                w.due_at(oslo(received), days),
                oslo(due),
                "{received} + {days}"
            );
        }
        // The wall clock is kept, not the hours: 4 days less an hour in UTC.
        assert_eq!(
            w.due_at(utc("2026-03-27T09:00:00Z"), 2),
            utc("2026-03-31T08:00:00Z")
        );
        assert_eq!(
            w.due_at(utc("2026-10-23T08:00:00Z"), 2),
            utc("2026-10-27T09:00:00Z")
        );
    }

    #[test]
    fn working_time_counts_working_hours_on_working_days_only() {
        let w = WorkWeek::default();
        for (from, to, hours) in [
            // Inside one day.
            ("2026-11-30 09:00", "2026-11-30 11:30", 2.5),
            // Before and after hours count nothing.
            ("2026-11-30 06:00", "2026-11-30 08:00", 0.0),
            ("2026-11-30 16:00", "2026-12-01 08:00", 0.0),
            ("2026-11-30 15:00", "2026-12-01 09:00", 2.0),
            // Friday afternoon to Monday morning: the weekend is not work.
            ("2026-12-04 14:00", "2026-12-07 10:00", 4.0),
            ("2026-12-05 10:00", "2026-12-06 15:00", 0.0),
            // A full week: 5 × 8 hours.
            ("2026-11-30 00:00", "2026-12-07 00:00", 40.0),
            // Across DST changes, a working day is still 8 hours.
            ("2026-03-27 00:00", "2026-03-31 00:00", 16.0),
            ("2026-10-23 00:00", "2026-10-27 00:00", 16.0),
            // Backwards or nothing: 0.
            ("2026-11-30 11:00", "2026-11-30 10:00", 0.0),
            ("2026-11-30 11:00", "2026-11-30 11:00", 0.0),
        ] {
            assert_eq!(
                w.working_secs(oslo(from), oslo(to)),
                (hours * 3600.0) as i64,
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn the_teams_zone_decides_where_a_day_begins() {
        let ny = WorkWeek {
            tz: chrono_tz::America::New_York,
            ..WorkWeek::default()
        };
        // Friday 23:00 in New York is Saturday 04:00 UTC: still Friday there.
        assert_eq!(
            ny.due_at(utc("2026-12-05T04:00:00Z"), 1),
            utc("2026-12-08T04:00:00Z")
        );
        // Saturday 10:00 in Oslo is a working Friday evening nowhere.
        assert_eq!(
            WorkWeek::default()
                .working_secs(utc("2026-12-05T09:00:00Z"), utc("2026-12-05T15:00:00Z")),
            0
        );
    }

    #[test]
    fn a_wall_time_the_clock_skips_or_repeats_has_one_instant() {
        let w = WorkWeek::default();
        let t = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        // 02:30 on 29 March does not exist in Oslo: the first time after
        // the gap (03:00 CEST).
        assert_eq!(
            w.instant(t("2026-03-29 02:30")),
            utc("2026-03-29T01:00:00Z")
        );
        // 02:30 on 25 October happens twice: the first (CEST).
        assert_eq!(
            w.instant(t("2026-10-25 02:30")),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn a_span_of_centuries_is_counted_to_ten_years_and_stops() {
        let w = WorkWeek::default();
        let secs = w.working_secs(utc("2000-01-03T00:00:00Z"), utc("2400-01-01T00:00:00Z"));
        // 3660 days is 522 weeks and 6 days: at most 2615 working days.
        assert!(secs > 2600 * 8 * 3600 && secs <= 2615 * 8 * 3600, "{secs}");
    }
}
