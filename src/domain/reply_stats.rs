//! Reply times as a sales manager reads them: the median, the 90th
//! percentile and how many replies they rest on (a median of two replies
//! says little, and the count says so).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReplyStats {
    pub median_reply_secs: i64,
    pub p90_reply_secs: i64,
    pub replies: usize,
}

impl ReplyStats {
    /// The figures of `secs` (any order); `None` when there are none. The
    /// median of an even count is the mean of the middle two (rounded
    /// down); the 90th percentile is the nearest rank (the smallest time
    /// that at least 90% of the replies took at most).
    pub fn of(mut secs: Vec<i64>) -> Option<ReplyStats> {
        if secs.is_empty() {
            return None;
        }
        secs.sort_unstable();
        let n = secs.len();
        let median = if n % 2 == 1 {
            secs[n / 2]
        } else {
            // Halved before adding: no overflow, whatever the times.
            let (a, b) = (secs[n / 2 - 1], secs[n / 2]);
            a / 2 + b / 2 + (a % 2 + b % 2) / 2
        };
        // Nearest rank: ceil(0.9 n), 1-based.
        let rank = (9 * n).div_ceil(10).max(1);
        Some(ReplyStats {
            median_reply_secs: median,
            p90_reply_secs: secs[rank - 1],
            replies: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_90th_percentile_with_few_and_many_replies() {
        for (secs, median, p90) in [
            (vec![60], 60, 60),
            (vec![60, 120], 90, 120),
            (vec![300, 60, 120], 120, 300),
            (vec![10, 20, 30, 40], 25, 40),
            (vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 9),
            (vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 6, 10),
            ((1..=100).collect(), 50, 90),
            ((1..=101).collect(), 51, 91),
            // One slow reply in ten does not move the median.
            (vec![60, 60, 60, 60, 60, 60, 60, 60, 60, 86_400], 60, 60),
            (
                vec![60, 60, 60, 60, 60, 60, 60, 60, 86_400, 86_400],
                60,
                86_400,
            ),
            // Odd sums round down.
            (vec![1, 2], 1, 2),
            (vec![i64::MAX, i64::MAX], i64::MAX, i64::MAX),
        ] {
            let n = secs.len();
            let s = ReplyStats::of(secs.clone()).unwrap();
            assert_eq!(
                (s.median_reply_secs, s.p90_reply_secs, s.replies),
                (median, p90, n),
                "{secs:?}"
            );
        }
        assert_eq!(ReplyStats::of(Vec::new()), None);
    }
}
