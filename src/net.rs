//! The one way emaillog builds an HTTP client: rustls, no redirects (a
//! redirect could carry a token or a secret to another host), and timeouts.
//! Where a request may go is checked by its caller against the setup
//! (`https` only, `http` only on loopback).

use std::time::Duration;

/// An HTTP client that follows no redirects; fails instead of silently
/// dropping these settings.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(8)
        .build()
}
