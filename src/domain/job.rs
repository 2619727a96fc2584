//! The recurring logging job's queue entry: its states and how a run's
//! outcome moves it between them (SPEC §3). Time is passed in.

use chrono::{DateTime, Duration, Utc};

pub const JOB_DESCRIPTION: &str = "Log email interactions between salespeople and contacts.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum JobStatus {
    Ready,
    #[serde(rename = "In process")]
    InProcess,
    Error,
    #[serde(rename = "On hold")]
    OnHold,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Ready => "Ready",
            JobStatus::InProcess => "In process",
            JobStatus::Error => "Error",
            JobStatus::OnHold => "On hold",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            JobStatus::Ready,
            JobStatus::InProcess,
            JobStatus::Error,
            JobStatus::OnHold,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobEntry {
    pub status: JobStatus,
    pub interval_secs: i64,
    pub max_attempts: u32,
    /// Failed runs in a row.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_run_at: DateTime<Utc>,
    pub last_run_at: Option<DateTime<Utc>>,
}

impl JobEntry {
    /// The entry enabling the setup creates; the first run is `first_delay` away.
    pub fn new(
        now: DateTime<Utc>,
        interval_secs: i64,
        max_attempts: u32,
        first_delay: Duration,
    ) -> Self {
        Self {
            status: JobStatus::Ready,
            interval_secs: interval_secs.max(1),
            max_attempts: max_attempts.max(1),
            attempts: 0,
            last_error: None,
            next_run_at: now + first_delay,
            last_run_at: None,
        }
    }

    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.status == JobStatus::Ready && self.next_run_at <= now
    }

    pub fn started(&mut self, now: DateTime<Utc>) {
        self.status = JobStatus::InProcess;
        self.last_run_at = Some(now);
    }

    pub fn succeeded(&mut self, now: DateTime<Utc>) {
        self.status = JobStatus::Ready;
        self.attempts = 0;
        self.last_error = None;
        self.next_run_at = now + Duration::seconds(self.interval_secs);
    }

    /// A failed run: retried soon while attempts remain, else Error.
    /// A permanent failure (bad credentials, bad setup) goes to Error at once.
    pub fn failed(&mut self, now: DateTime<Utc>, error: &str, retryable: bool) {
        self.attempts += 1;
        self.last_error = Some(error.to_string());
        if !retryable || self.attempts >= self.max_attempts {
            self.status = JobStatus::Error;
        } else {
            self.status = JobStatus::Ready;
            self.next_run_at = now + retry_delay(self.attempts, self.interval_secs);
        }
    }

    /// Back to Ready with attempts reset, due now.
    pub fn restart(&mut self, now: DateTime<Utc>) {
        self.status = JobStatus::Ready;
        self.attempts = 0;
        self.last_error = None;
        self.next_run_at = now;
    }

    pub fn hold(&mut self) {
        self.status = JobStatus::OnHold;
    }
}

/// Wait before retrying after `attempt` failures in a row: 10 s doubling, at
/// most the job's interval.
pub fn retry_delay(attempt: u32, interval_secs: i64) -> Duration {
    let secs = 10i64.saturating_mul(1i64 << attempt.saturating_sub(1).min(20));
    Duration::seconds(secs.min(interval_secs.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2024-05-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn three_failures_in_a_row_put_the_entry_in_error() {
        let mut j = JobEntry::new(t0(), 600, 3, Duration::zero());
        j.failed(t0(), "timeout", true);
        assert_eq!((j.status, j.attempts), (JobStatus::Ready, 1));
        assert_eq!(j.next_run_at, t0() + Duration::seconds(10));
        j.failed(t0(), "timeout", true);
        assert_eq!(j.next_run_at, t0() + Duration::seconds(20));
        j.failed(t0(), "timeout again", true);
        assert_eq!(j.status, JobStatus::Error);
        assert_eq!(j.last_error.as_deref(), Some("timeout again"));
        assert!(
            !j.is_due(t0() + Duration::days(1)),
            "Error never runs by itself"
        );
    }

    #[test]
    fn a_permanent_failure_goes_to_error_at_once() {
        let mut j = JobEntry::new(t0(), 600, 3, Duration::zero());
        j.failed(t0(), "invalid_client", false);
        assert_eq!(j.status, JobStatus::Error);
    }

    #[test]
    fn success_resets_attempts_and_schedules_the_next_run() {
        let mut j = JobEntry::new(t0(), 60, 3, Duration::seconds(60));
        assert!(!j.is_due(t0()));
        assert!(j.is_due(t0() + Duration::seconds(60)));
        j.failed(t0(), "x", true);
        j.succeeded(t0());
        assert_eq!(
            (j.status, j.attempts, j.last_error.clone()),
            (JobStatus::Ready, 0, None)
        );
        assert_eq!(j.next_run_at, t0() + Duration::seconds(60));
    }

    #[test]
    fn restart_and_hold() {
        let mut j = JobEntry::new(t0(), 600, 1, Duration::seconds(60));
        j.failed(t0(), "x", true);
        assert_eq!(j.status, JobStatus::Error);
        j.restart(t0());
        assert!(j.is_due(t0()));
        assert_eq!(j.attempts, 0);
        j.hold();
        assert!(!j.is_due(t0()));
    }

    #[test]
    fn retry_delay_is_capped_by_the_interval() {
        assert_eq!(retry_delay(1, 600), Duration::seconds(10));
        assert_eq!(retry_delay(10, 600), Duration::seconds(600));
        assert_eq!(retry_delay(3, 5), Duration::seconds(5));
    }
}
