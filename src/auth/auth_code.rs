//! Authorization-code sign-in with PKCE and a loopback redirect listener, for
//! an admin who forwards the port over SSH (`ssh -L 8400:localhost:8400`).
//! The `state` coming back must be the one sent, or the answer is refused.

use std::time::{Duration, Instant};

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    Scope, TokenUrl,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::AuthError;
use super::oauth::{ClientApp, SignedIn, signed_in, token_error};
use crate::stop::Stop;

/// How long to wait for the browser to come back.
const WAIT: Duration = Duration::from_secs(600);

fn bad(what: &str, e: impl std::fmt::Display) -> AuthError {
    AuthError::Permanent(format!("{what}: {e}"))
}

/// Listens on the redirect URL (which must be http on loopback), calls `show`
/// with the URL to open, and waits for the redirect.
pub async fn sign_in(
    app: &ClientApp,
    redirect_url: &str,
    scopes: &[&str],
    show: impl FnOnce(&str),
    stop: &Stop,
) -> Result<SignedIn, AuthError> {
    let redirect =
        url::Url::parse(redirect_url).map_err(|e| bad("the redirect URL is not valid", e))?;
    let loopback = matches!(redirect.host(), Some(url::Host::Domain("localhost")))
        || matches!(redirect.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(redirect.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    if redirect.scheme() != "http" || !loopback {
        return Err(AuthError::Permanent(format!(
            "the redirect URL {redirect_url} must be http on localhost or 127.0.0.1 so emaillog can listen on it"
        )));
    }
    let port = redirect.port().unwrap_or(80);
    let host = if matches!(redirect.host(), Some(url::Host::Ipv6(_))) {
        "[::1]"
    } else {
        "127.0.0.1"
    };
    let listener = TcpListener::bind(format!("{host}:{port}"))
        .await
        .map_err(|e| {
            bad(
                &format!("cannot listen on {host}:{port} for the redirect"),
                e,
            )
        })?;

    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_uri(
            AuthUrl::new(app.endpoints.authorize.clone())
                .map_err(|e| bad("the authorize URL is not valid", e))?,
        )
        .set_token_uri(
            TokenUrl::new(app.endpoints.token.clone())
                .map_err(|e| bad("the token URL is not valid", e))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect_url.to_string())
                .map_err(|e| bad("the redirect URL is not valid", e))?,
        );
    if let Some(s) = &app.secret {
        client = client
            .set_client_secret(ClientSecret::new(s.expose().to_string()))
            .set_auth_type(oauth2::AuthType::RequestBody);
    }
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|s| Scope::new(s.to_string())))
        .set_pkce_challenge(challenge)
        .url();
    show(auth_url.as_str());

    let mut stop = stop.clone();
    let (code, state) = tokio::select! {
        r = wait_for_redirect(&listener, redirect.path()) => r?,
        _ = stop.sleep(WAIT) => return Err(AuthError::Permanent("sign-in cancelled or timed out waiting for the browser".into())),
    };
    if state.as_deref() != Some(csrf.secret().as_str()) {
        return Err(AuthError::Permanent("the state returned with the code does not match the one sent; the answer was refused (possible cross-site request forgery)".into()));
    }
    let started = Instant::now();
    let t = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&super::client_credentials::http_client()?)
        .await
        .map_err(token_error)?;
    Ok(signed_in(&t, started, None))
}

/// Accepts connections until one comes to the redirect path; answers it with
/// a short page and returns (code, state), or the error the service sent.
async fn wait_for_redirect(
    listener: &TcpListener,
    path: &str,
) -> Result<(String, Option<String>), AuthError> {
    loop {
        let (mut sock, _) = listener
            .accept()
            .await
            .map_err(|e| bad("the redirect listener failed", e))?;
        let mut buf = vec![0u8; 16 * 1024];
        let mut len = 0;
        while len < buf.len() {
            let n = match tokio::time::timeout(Duration::from_secs(10), sock.read(&mut buf[len..]))
                .await
            {
                Ok(Ok(n)) => n,
                _ => 0,
            };
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]).to_string();
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .to_string();
        let Ok(url) = url::Url::parse(&format!("http://localhost{target}")) else {
            continue;
        };
        if url.path() != path {
            let _ = sock
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        let (status, body, result) = match (get("code"), get("error")) {
            (Some(code), _) => (
                "200 OK",
                "Signed in. You can close this window and go back to emaillog.",
                Ok((code, get("state"))),
            ),
            (None, Some(err)) => {
                let desc = get("error_description").unwrap_or_default();
                (
                    "400 Bad Request",
                    "Sign-in failed. Go back to emaillog for the reason.",
                    Err(AuthError::Permanent(format!(
                        "{err}: {}",
                        desc.lines().next().unwrap_or_default()
                    ))),
                )
            }
            (None, None) => (
                "400 Bad Request",
                "No code in the redirect.",
                Err(AuthError::Permanent(
                    "the redirect carried neither a code nor an error".into(),
                )),
            ),
        };
        let page = format!("<html><body><p>{body}</p></body></html>");
        let _ = sock.write_all(format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}", page.len()).as_bytes()).await;
        return result;
    }
}
