//! One IMAP connection: TCP, then TLS from the first byte or after
//! STARTTLS (rustls, certificates checked), or plaintext to a loopback
//! address only; then LOGIN or AUTHENTICATE XOAUTH2.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::{Client, Session};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;

use crate::auth::Secret;
use crate::domain::setup::{ImapTls, is_loopback_host};
use crate::mail::MailError;

/// Where and how to connect, and as whom.
#[derive(Clone)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub user: String,
    pub auth: ImapCredential,
}

impl std::fmt::Debug for ImapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{}:{} ({})",
            self.user,
            self.host,
            self.port,
            self.tls.as_str()
        )
    }
}

#[derive(Clone)]
pub enum ImapCredential {
    Password(Secret),
    /// XOAUTH2 with a token from the sign-in, asked for at each connection.
    OAuth(std::sync::Arc<dyn crate::auth::TokenProvider>),
}

/// A plain or TLS stream, as async-imap takes it.
#[derive(Debug)]
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(&mut **s).poll_shutdown(cx),
        }
    }
}

pub type ImapSession = Session<Stream>;

/// How long connecting and signing in may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

fn transient(what: &str, e: impl std::fmt::Display) -> MailError {
    MailError::Transient(format!("IMAP {what}: {e}"))
}

async fn tls(host: &str, tcp: TcpStream) -> Result<Stream, MailError> {
    let name = rustls_pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| MailError::Permanent(format!("IMAP host '{host}' is not a TLS name: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(crate::net::tls_config());
    let s = connector.connect(name, tcp).await.map_err(|e| {
        // A certificate the roots do not vouch for will not get better.
        if e.to_string().contains("certificate") {
            MailError::Permanent(format!(
                "the IMAP server's certificate is not trusted ({e}); if a private CA signed it, give its PEM with --ca-file"
            ))
        } else {
            transient("TLS handshake", e)
        }
    })?;
    Ok(Stream::Tls(Box::new(s)))
}

/// Reads plaintext lines until the tagged answer to `tag`.
async fn expect_ok(r: &mut BufReader<TcpStream>, tag: &str, what: &str) -> Result<(), MailError> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)
            .await
            .map_err(|e| transient(what, e))?
            == 0
        {
            return Err(transient(what, "the server closed the connection"));
        }
        if let Some(rest) = line.strip_prefix(tag) {
            let rest = rest.trim();
            return if rest.starts_with("OK") {
                Ok(())
            } else {
                Err(MailError::Permanent(format!(
                    "the IMAP server refused {what}: {}",
                    crate::domain::text::one_line(rest)
                )))
            };
        }
    }
}

/// Plaintext greeting, STARTTLS, then TLS on the same connection.
async fn starttls(host: &str, tcp: TcpStream) -> Result<Stream, MailError> {
    let mut r = BufReader::new(tcp);
    let mut greeting = String::new();
    r.read_line(&mut greeting)
        .await
        .map_err(|e| transient("greeting", e))?;
    if !greeting.starts_with("* OK") {
        return Err(MailError::Permanent(format!(
            "the IMAP server did not greet: {}",
            crate::domain::text::one_line(&greeting)
        )));
    }
    r.get_mut()
        .write_all(b"s0 STARTTLS\r\n")
        .await
        .map_err(|e| transient("STARTTLS", e))?;
    expect_ok(&mut r, "s0 ", "STARTTLS").await?;
    // Nothing may be buffered past the OK: it would be plaintext injected
    // before the handshake.
    if !r.buffer().is_empty() {
        return Err(MailError::Permanent(
            "the IMAP server sent data after STARTTLS's OK; refusing the connection".into(),
        ));
    }
    tls(host, r.into_inner()).await
}

struct XOAuth2 {
    user: String,
    token: String,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;
    fn process(&mut self, _: &[u8]) -> Self::Response {
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}

/// Connects and signs in; the error says what failed and whether trying
/// again later can help.
pub async fn connect(c: &ImapConfig) -> Result<ImapSession, MailError> {
    tokio::time::timeout(CONNECT_TIMEOUT, connect_inner(c))
        .await
        .map_err(|_| {
            transient(
                "connect",
                format!(
                    "no answer from {}:{} within {} s",
                    c.host,
                    c.port,
                    CONNECT_TIMEOUT.as_secs()
                ),
            )
        })?
}

async fn connect_inner(c: &ImapConfig) -> Result<ImapSession, MailError> {
    if c.tls == ImapTls::None && !is_loopback_host(&c.host) {
        return Err(MailError::Permanent(format!(
            "plaintext IMAP is allowed only to a loopback host, not {}",
            c.host
        )));
    }
    let tcp = TcpStream::connect((c.host.as_str(), c.port))
        .await
        .map_err(|e| transient(&format!("connect to {}:{}", c.host, c.port), e))?;
    let _ = tcp.set_nodelay(true);
    let (stream, greeted) = match c.tls {
        ImapTls::Implicit => (tls(&c.host, tcp).await?, false),
        ImapTls::Starttls => (starttls(&c.host, tcp).await?, true),
        ImapTls::None => (Stream::Plain(tcp), false),
    };
    let mut client = Client::new(stream);
    if !greeted {
        match client.read_response().await {
            Ok(Some(_)) => {}
            Ok(None) => return Err(transient("greeting", "the server closed the connection")),
            Err(e) => return Err(transient("greeting", e)),
        }
    }
    let session = match &c.auth {
        ImapCredential::Password(p) => client
            .login(&c.user, p.expose())
            .await
            .map_err(|(e, _)| login_error(&c.user, e))?,
        ImapCredential::OAuth(tokens) => {
            let token = tokens.token().await.map_err(|e| match e {
                crate::auth::AuthError::Transient(m) => MailError::Transient(m),
                crate::auth::AuthError::Permanent(m) => MailError::Auth(m),
            })?;
            match client
                .authenticate(
                    "XOAUTH2",
                    XOAuth2 {
                        user: c.user.clone(),
                        token: token.secret.expose().to_string(),
                    },
                )
                .await
            {
                Ok(s) => s,
                Err((e, _)) => {
                    // A token the server refused is not used again.
                    tokens.invalidate();
                    return Err(login_error(&c.user, e));
                }
            }
        }
    };
    Ok(session)
}

fn login_error(user: &str, e: async_imap::error::Error) -> MailError {
    match e {
        // RFC 5530: the server could not check the credentials just now.
        async_imap::error::Error::No(text) if text.contains("[UNAVAILABLE]") => {
            MailError::Transient(format!(
                "the IMAP server could not sign {user} in just now: {}",
                crate::domain::text::one_line(&text)
            ))
        }
        async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
            MailError::Auth(format!(
                "the IMAP server refused the sign-in of {user}: {}; check the user and the password (emaillog setup secret --imap-password --stdin)",
                crate::domain::text::one_line(&text)
            ))
        }
        other => transient("sign-in", other),
    }
}
