//! One Graph request, done properly: paced under the limits, authenticated,
//! retried with jittered backoff on 5xx, resets, timeouts and garbled JSON,
//! `Retry-After` honoured on 429, and the token refreshed once on 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use reqwest::Method;
use serde_json::Value;

use crate::auth::TokenProvider;
use crate::mail::MailError;

use super::pacer::Pacer;

/// Tries per request; with the backoff below a failing request gives up in about 3 s.
const MAX_TRIES: u32 = 5;

pub struct GraphClient {
    http: reqwest::Client,
    /// The only origin the bearer token is sent to: a nextLink or deltaLink
    /// that points anywhere else is refused, never followed.
    origin: url::Origin,
    tokens: Arc<dyn TokenProvider>,
    pacer: Pacer,
    /// 429s met, for the benchmark and the run log.
    pub throttled: AtomicU64,
    /// The latest wait asked for (ms), for whoever shows a run's progress;
    /// `send_replace` marks every 429 as a change, even an equal wait.
    pub notes: tokio::sync::watch::Sender<u64>,
}

/// Graph's error body: `{"error":{"code","message"}}`.
fn graph_error_text(status: u16, body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = v["error"]["code"].as_str().unwrap_or("").to_string();
    let msg = v["error"]["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    (code, msg)
}

/// The first retry's wait in ms: 100, or `EMAILLOG_RETRY_BASE_MS` (1–1000)
/// where tests against the simulator want failing requests to give up fast.
fn retry_base_ms() -> u64 {
    static BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| {
        std::env::var("EMAILLOG_RETRY_BASE_MS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|v| (1..=1000).contains(v))
            .unwrap_or(100)
    })
}

fn backoff(attempt: u32) -> Duration {
    let base = retry_base_ms();
    let cap = base.saturating_mul(1 << attempt.min(5)).min(base * 30);
    Duration::from_millis(rand::rng().random_range(cap / 2..=cap))
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()?;
    (v.is_finite() && v >= 0.0).then(|| Duration::from_secs_f64(v.min(600.0)))
}

impl GraphClient {
    /// A client for the Graph service at `base`, which must be https (or
    /// http on a loopback address).
    pub fn new(
        base: &url::Url,
        tokens: Arc<dyn TokenProvider>,
        pacer: Pacer,
    ) -> Result<Self, MailError> {
        crate::domain::setup::check_endpoint("Graph URL", base.as_str())
            .map_err(MailError::Permanent)?;
        let http = crate::net::http_client(Duration::from_secs(60))
            .map_err(|e| MailError::Permanent(format!("cannot set up HTTPS: {e}")))?;
        Ok(Self {
            http,
            origin: base.origin(),
            tokens,
            pacer,
            throttled: AtomicU64::new(0),
            notes: tokio::sync::watch::Sender::new(0),
        })
    }

    /// Refuses a URL of another origin than the configured Graph service.
    pub fn check_origin(&self, url: &str) -> Result<(), MailError> {
        let parsed = url::Url::parse(url)
            .map_err(|e| MailError::Permanent(format!("'{}' is not a URL: {e}", redact(url))))?;
        if parsed.origin() != self.origin {
            return Err(MailError::Permanent(format!(
                "the service pointed to {}, which is not the configured Graph URL; the token is not sent there",
                redact(url)
            )));
        }
        Ok(())
    }

    pub fn account(&self) -> String {
        self.tokens.account()
    }

    /// Sends a request and returns the status and JSON body (`Null` when empty).
    pub async fn request(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        prefer: &[&str],
    ) -> Result<(u16, Value), MailError> {
        self.send(method, url, body, prefer, MAX_JSON_BYTES, |b| {
            if b.is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_slice(b).map_err(|e| format!("the answer was not valid JSON ({e})"))
        })
        .await
    }

    /// The raw bytes at `url` (an attachment's `$value`), at most `max`:
    /// a larger answer is refused, not read.
    pub async fn download(
        &self,
        url: &str,
        prefer: &[&str],
        max: usize,
    ) -> Result<Vec<u8>, MailError> {
        self.send(Method::GET, url, None, prefer, max, |b| Ok(b.to_vec()))
            .await
            .map(|(_, b)| b)
    }

    /// One request with its retries; `accept` turns a 2xx body into the
    /// answer (an `Err` is retried like a garbled answer). A body longer
    /// than `max` bytes is a permanent error.
    async fn send<T>(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        prefer: &[&str],
        max: usize,
        accept: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<(u16, T), MailError> {
        self.check_origin(url)?;
        let mut refreshed = false;
        let mut last = String::new();
        for attempt in 0..MAX_TRIES {
            let permit = self.pacer.acquire().await;
            let token = match self.tokens.token().await {
                Ok(t) => t,
                Err(e) if e.is_retryable() => {
                    drop(permit);
                    last = e.to_string();
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                Err(e) => return Err(MailError::Auth(e.to_string())),
            };
            let mut req = self
                .http
                .request(method.clone(), url)
                .bearer_auth(token.secret.expose());
            // One header with every preference, as Graph's documentation combines them.
            if !prefer.is_empty() {
                req = req.header("Prefer", prefer.join(", "));
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    drop(permit);
                    if let Some(why) = crate::net::untrusted_certificate(&e) {
                        return Err(MailError::Permanent(format!(
                            "{method} {}: {why}",
                            redact(url)
                        )));
                    }
                    last = format!("{method} {}: {}", redact(url), e.without_url());
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
            };
            let status = resp.status().as_u16();
            let wait = retry_after(&resp);
            let bytes = match read_bounded(resp, max).await {
                Ok(b) => b,
                Err(Read::TooLarge) => {
                    return Err(MailError::Permanent(format!(
                        "{method} {}: the answer is larger than {} MB",
                        redact(url),
                        max / 1_000_000
                    )));
                }
                Err(Read::Cut(e)) => {
                    drop(permit);
                    last = format!(
                        "{method} {}: the answer was cut off ({})",
                        redact(url),
                        e.without_url()
                    );
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
            };
            drop(permit);
            match status {
                200..=299 => match accept(&bytes) {
                    Ok(v) => return Ok((status, v)),
                    Err(e) => {
                        last = format!("{method} {}: {e}", redact(url));
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                },
                401 if !refreshed => {
                    refreshed = true;
                    self.tokens.invalidate();
                }
                401 => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    return Err(MailError::Auth(format!("{code}: {msg}")));
                }
                429 => {
                    self.throttled.fetch_add(1, Ordering::Relaxed);
                    let w = wait.unwrap_or_else(|| backoff(attempt));
                    self.notes.send_replace(w.as_millis() as u64);
                    self.pacer.pause_for(w);
                    last = format!("throttled (429), asked to wait {} s", w.as_secs_f64());
                }
                500 | 502 | 503 | 504 => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    last = format!("{method} {}: {status} {code} {msg}", redact(url));
                    tokio::time::sleep(wait.unwrap_or_else(|| backoff(attempt))).await;
                }
                404 => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    return Err(MailError::NotFound(format!("{code}: {msg}")));
                }
                409 => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    return Err(MailError::Conflict(format!("{code}: {msg}")));
                }
                410 => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    return Err(MailError::CursorExpired(format!("{code}: {msg}")));
                }
                403 => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    return Err(MailError::Permanent(format!(
                        "{code}: {msg} — the app or account lacks access to the shared mailbox (Mail.ReadWrite / FullAccess)"
                    )));
                }
                _ => {
                    let (code, msg) = graph_error_text(status, &bytes);
                    return Err(MailError::Permanent(format!(
                        "{method} {}: {status} {code}: {msg}",
                        redact(url)
                    )));
                }
            }
        }
        Err(MailError::Transient(format!(
            "gave up after {MAX_TRIES} tries: {last}"
        )))
    }
}

/// The largest JSON answer read (a page of 1,000 messages with their
/// bodies is far less).
const MAX_JSON_BYTES: usize = 256 * 1024 * 1024;

enum Read {
    TooLarge,
    Cut(reqwest::Error),
}

/// A response's body, chunk by chunk, refused past `max` bytes (a
/// declared length past it is refused before reading).
async fn read_bounded(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, Read> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(Read::TooLarge);
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Read::Cut)? {
        if out.len() + chunk.len() > max {
            return Err(Read::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A URL without its query string, for error text.
fn redact(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
