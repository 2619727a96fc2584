//! Injected faults: server errors, dropped connections, garbled JSON, latency.
//!
//! A server error is answered *before* the request runs; a dropped connection
//! and garbled JSON happen *after* it ran, which is the hard case for a client:
//! the move happened but the answer was lost.

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Only requests whose path starts with this are affected.
    #[serde(default = "default_prefix")]
    pub path_prefix: String,
    /// HTTP status → probability (0–1) of answering with it.
    #[serde(default)]
    pub status_rates: BTreeMap<String, f64>,
    /// Probability of dropping the connection after the request ran.
    #[serde(default)]
    pub reset_rate: f64,
    /// Probability of answering with truncated JSON after the request ran.
    #[serde(default)]
    pub malformed_rate: f64,
    /// Extra latency on every affected request.
    #[serde(default)]
    pub latency_ms: u64,
    /// Path substring → status: every request whose path contains it fails
    /// with that status before it runs, whatever `path_prefix` says (a
    /// message whose move always fails: `"<id>/move": 500`).
    #[serde(default)]
    pub fail_paths: BTreeMap<String, u16>,
}

fn default_prefix() -> String {
    "/".to_string()
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    Proceed,
    Fail(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Deliver,
    Reset,
    Malformed,
}

impl Faults {
    /// Checks rates and statuses; the error says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let mut sum = 0.0;
        for (status, rate) in &self.status_rates {
            let code: u16 = status
                .parse()
                .map_err(|_| format!("status_rates key '{status}' is not an HTTP status"))?;
            if !(400..=599).contains(&code) {
                return Err(format!(
                    "status_rates key '{status}' must be a 4xx or 5xx status"
                ));
            }
            check_rate(&format!("status_rates[{status}]"), *rate)?;
            sum += rate;
        }
        if sum > 1.0 {
            return Err(format!("status_rates add up to {sum}, more than 1"));
        }
        check_rate("reset_rate", self.reset_rate)?;
        check_rate("malformed_rate", self.malformed_rate)?;
        for (part, status) in &self.fail_paths {
            if part.is_empty() || !(400..=599).contains(status) {
                return Err(format!(
                    "fail_paths entry '{part}': {status} needs a non-empty path part and a 4xx or 5xx status"
                ));
            }
        }
        if !self.path_prefix.starts_with('/') {
            return Err("path_prefix must start with '/'".into());
        }
        Ok(())
    }

    /// The status a request to `path` always fails with, if any.
    pub fn fixed_failure(&self, path: &str) -> Option<u16> {
        self.fail_paths
            .iter()
            .find(|(part, _)| path.contains(part.as_str()))
            .map(|(_, s)| *s)
    }

    pub fn applies_to(&self, path: &str) -> bool {
        path.starts_with(&self.path_prefix)
    }

    pub fn before(&self, rng: &mut impl Rng) -> Before {
        let roll: f64 = rng.random();
        let mut acc = 0.0;
        for (status, rate) in &self.status_rates {
            acc += rate;
            if roll < acc {
                return Before::Fail(status.parse().unwrap_or(500));
            }
        }
        Before::Proceed
    }

    pub fn after(&self, rng: &mut impl Rng) -> After {
        if rng.random::<f64>() < self.reset_rate {
            After::Reset
        } else if rng.random::<f64>() < self.malformed_rate {
            After::Malformed
        } else {
            After::Deliver
        }
    }
}

fn check_rate(name: &str, rate: f64) -> Result<(), String> {
    if rate.is_finite() && (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(format!(
            "{name} is {rate}; a rate is a probability from 0 to 1"
        ))
    }
}

pub fn status_code_name(status: u16) -> &'static str {
    match status {
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        429 => "TooManyRequests",
        _ => "UnknownError",
    }
}
