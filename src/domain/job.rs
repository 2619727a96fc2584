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
    /// The first of the failed runs in a row whose errors retrying can
    /// fix (the service down, throttled, a busy database): the job waits
    /// and retries by itself, and says since when.
    pub waiting_since: Option<DateTime<Utc>>,
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
            waiting_since: None,
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
        self.waiting_since = None;
        self.next_run_at = now + Duration::seconds(self.interval_secs);
    }

    /// A failed run. What a person must fix (refused credentials, a
    /// missing Archive folder, revoked consent) goes to Error at once: a
    /// retry cannot help. What retrying can fix (the service down, 5xx,
    /// 429, a busy database) never needs a person: the job waits with
    /// capped backoff for as long as it lasts and says since when
    /// ([BC] 3 failed runs → Error, whatever the cause).
    pub fn failed(&mut self, now: DateTime<Utc>, error: &str, retryable: bool) {
        self.attempts = self.attempts.saturating_add(1);
        self.last_error = Some(error.to_string());
        if retryable {
            self.status = JobStatus::Ready;
            self.waiting_since.get_or_insert(now);
            self.next_run_at = now + retry_delay(self.attempts, self.interval_secs);
        } else {
            self.status = JobStatus::Error;
            self.waiting_since = None;
        }
    }

    /// How long the job waits between retries now.
    pub fn retry_every(&self) -> Duration {
        retry_delay(self.attempts, self.interval_secs)
    }

    /// "Waiting: …" while runs keep failing with errors retrying can fix;
    /// `None` otherwise. `since` is how the caller shows a time.
    pub fn waiting_text(&self, since: impl Fn(DateTime<Utc>) -> String) -> Option<String> {
        let at = self.waiting_since?;
        // Ready between tries, In process during one: waiting either way.
        matches!(self.status, JobStatus::Ready | JobStatus::InProcess).then(|| {
            format!(
                "Waiting: the mail service has been unreachable since {} (retrying every {})",
                since(at),
                human_span(self.retry_every())
            )
        })
    }

    /// Back to Ready with attempts reset, due now.
    pub fn restart(&mut self, now: DateTime<Utc>) {
        self.status = JobStatus::Ready;
        self.attempts = 0;
        self.last_error = None;
        self.waiting_since = None;
        self.next_run_at = now;
    }

    pub fn hold(&mut self) {
        self.status = JobStatus::OnHold;
    }
}

/// The longest wait between retries of a job that keeps failing with
/// errors retrying can fix: a service back after an outage is used within
/// five minutes, whatever the interval.
pub const RETRY_CAP_SECS: i64 = 300;

/// Wait before retrying after `attempt` failures in a row: 10 s doubling, at
/// most the job's interval and at most [`RETRY_CAP_SECS`].
pub fn retry_delay(attempt: u32, interval_secs: i64) -> Duration {
    let secs = 10i64.saturating_mul(1i64 << attempt.saturating_sub(1).min(20));
    Duration::seconds(secs.min(interval_secs.max(1)).min(RETRY_CAP_SECS))
}

/// "5 min", "40 s", "1 h": a span as a person reads it.
pub fn human_span(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 if s % 60 == 0 => format!("{} min", s / 60),
        120..=7199 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h", s / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2024-05-01T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn failures_retrying_can_fix_never_put_the_entry_in_error() {
        let mut j = JobEntry::new(t0(), 600, 3, Duration::zero());
        let at = |s| t0() + Duration::seconds(s);
        let cases = [
            // (run fails at, next run expected at, retry every)
            (0, 10, "10 s"),
            (10, 30, "20 s"),
            (30, 70, "40 s"),
            (70, 150, "80 s"),
            (150, 310, "2 min 40 s"),
            (310, 610, "5 min"),
            (610, 910, "5 min"),
        ];
        for (fails, next, every) in cases {
            j.failed(at(fails), "503 Service Unavailable", true);
            assert_eq!(j.status, JobStatus::Ready, "at {fails} s");
            assert_eq!(j.next_run_at, at(next), "at {fails} s");
            assert_eq!(j.waiting_since, Some(t0()), "since the first failure");
            let text = j.waiting_text(|t| t.format("%H:%M").to_string()).unwrap();
            assert_eq!(
                text,
                format!(
                    "Waiting: the mail service has been unreachable since 10:00 (retrying every {every})"
                )
            );
        }
        assert_eq!(j.attempts, 7, "more than max attempts, still Ready");
        assert!(j.is_due(at(910)), "it runs again by itself");
        j.succeeded(at(910));
        assert_eq!((j.waiting_since, j.attempts), (None, 0));
        assert!(j.waiting_text(|t| t.to_string()).is_none());
    }

    #[test]
    fn a_failure_a_person_must_fix_goes_to_error_at_once() {
        let mut j = JobEntry::new(t0(), 600, 3, Duration::zero());
        j.failed(t0(), "503", true);
        j.failed(t0(), "invalid_client", false);
        assert_eq!(j.status, JobStatus::Error);
        assert_eq!(j.waiting_since, None, "not waiting: stopped");
        assert!(
            !j.is_due(t0() + Duration::days(1)),
            "Error never runs by itself"
        );
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
        j.failed(t0(), "x", false);
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
        assert_eq!(retry_delay(10, 600), Duration::seconds(300));
        assert_eq!(retry_delay(10, 3600), Duration::seconds(300));
        assert_eq!(retry_delay(3, 5), Duration::seconds(5));
    }
}
