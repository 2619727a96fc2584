//! Everything needed to connect to the shared mailbox, and the checks on
//! each field that can be made without the network.

use serde::Serialize;

pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthFlow {
    DeviceCode,
    AuthCode,
    ClientCredentials,
}

impl AuthFlow {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFlow::DeviceCode => "device-code",
            AuthFlow::AuthCode => "auth-code",
            AuthFlow::ClientCredentials => "client-credentials",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            AuthFlow::DeviceCode,
            AuthFlow::AuthCode,
            AuthFlow::ClientCredentials,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }
}

/// What happens to a message that is not logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unmatched {
    /// Moved to the Skipped folder (created if missing), reason recorded.
    SkipFolder,
    /// Deleted (to Deleted Items), reason recorded; what the reference system does.
    Delete,
    /// Left in the Inbox, reason recorded; it is not read again while recorded.
    Leave,
}

impl Unmatched {
    pub fn as_str(self) -> &'static str {
        match self {
            Unmatched::SkipFolder => "skip-folder",
            Unmatched::Delete => "delete",
            Unmatched::Leave => "leave",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Unmatched::SkipFolder, Unmatched::Delete, Unmatched::Leave]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

/// Where mail is read: Microsoft Graph, or an IMAP server (Exchange
/// on-premises, Gmail, any other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Graph,
    Imap,
}

/// How an IMAP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImapTls {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain, then STARTTLS before anything else is said (port 143).
    Starttls,
    /// No TLS: only to a loopback address.
    None,
}

/// How emaillog signs in to the IMAP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImapAuth {
    /// LOGIN / AUTHENTICATE PLAIN with the sealed password.
    Password,
    /// AUTHENTICATE XOAUTH2 with the sign-in's access token.
    Xoauth2,
}

/// Names for the three enums above, both ways.
macro_rules! named {
    ($t:ty, $($v:path => $n:literal),+) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $($v => $n),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($n => Some($v),)+ _ => None }
            }
            /// Every name, for messages that say what is allowed.
            pub fn names() -> &'static str {
                concat!($($n, " "),+).trim_ascii_end()
            }
        }
    };
}
named!(SourceKind, SourceKind::Graph => "graph", SourceKind::Imap => "imap");
named!(ImapTls, ImapTls::Implicit => "implicit", ImapTls::Starttls => "starttls", ImapTls::None => "none");
named!(ImapAuth, ImapAuth::Password => "password", ImapAuth::Xoauth2 => "xoauth2");

/// Whether `host` is a loopback address (plaintext IMAP is allowed only there).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An IMAP host name or address.
pub fn check_imap_host(host: &str) -> Result<(), String> {
    let h = host.trim();
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "IMAP host '{host}' is not a host name or address (like mail.contoso.com)"
        ))
    }
}

/// The TLS mode for a host: `none` only on loopback.
pub fn check_imap_tls(host: &str, tls: ImapTls) -> Result<(), String> {
    if tls == ImapTls::None && !is_loopback_host(host) {
        return Err(format!(
            "--imap-tls none sends the password in the clear; it is allowed only to a loopback host, not '{host}'; use implicit (993) or starttls (143)"
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setup {
    pub mailbox: String,
    pub tenant: String,
    pub client_id: String,
    pub redirect_url: String,
    pub auth_flow: AuthFlow,
    /// Messages per page read from the Inbox (1–1000).
    pub batch_size: u32,
    /// Messages handled in one run at most.
    pub run_limit: u32,
    pub graph_url: String,
    pub authority: String,
    pub enabled: bool,
    pub consent_given: bool,
    pub account: Option<String>,
    pub unmatched: Unmatched,
    pub store_body: bool,
    pub skip_sensitive: bool,
    pub skip_auto_generated: bool,
    pub domain_matching: bool,
    /// Client-side pacing: requests per window, as Graph allows per app and mailbox.
    pub rate_limit: u32,
    pub rate_window_secs: u32,
    pub job_interval_secs: u32,
    pub max_attempts: u32,
    /// Whether a client secret is stored (never the secret itself).
    pub has_client_secret: bool,
    /// A command whose standard output is the client secret (a vault CLI).
    /// It may hold a
    /// token or a path an admin would rather not show: output says only
    /// whether one is set.
    #[serde(rename = "secret_command_set", serialize_with = "is_set")]
    pub secret_command: String,
    pub source: SourceKind,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_tls: ImapTls,
    pub imap_user: String,
    pub imap_auth: ImapAuth,
    /// Whether an IMAP password is stored (never the password itself).
    pub has_imap_password: bool,
    /// Days of runs the job queue log keeps (older ones are deleted by the
    /// engine, a batch after each run).
    pub run_history_days: u32,
    /// The folder mail is read from, as a path (`CRM/Queue`) or a Graph
    /// well-known name; empty: the Inbox.
    pub queue_folder: String,
    /// The folder logged mail is moved to; empty: Archive.
    pub storage_folder: String,
    /// The folder skipped mail is moved to; empty: `Skipped` beside the Inbox.
    pub skip_folder: String,
    /// Days bodies (and attachment metadata) are kept; 0: for ever.
    pub retain_bodies_days: u32,
    /// Days entries and their logged messages are kept; 0: for ever.
    pub retain_entries_days: u32,
    /// Days skipped records are kept; 0: for ever.
    pub retain_skipped_days: u32,
    /// Whether retention deletes the mailbox copies of what it removes.
    pub retain_mailbox: bool,
}

impl Setup {
    /// The retention settings (see `domain::retention`).
    pub fn retention(&self) -> crate::domain::retention::Retention {
        crate::domain::retention::Retention {
            bodies_days: self.retain_bodies_days,
            entries_days: self.retain_entries_days,
            skipped_days: self.retain_skipped_days,
            mailbox: self.retain_mailbox,
        }
    }
}

/// The run history kept at most and at least, in days.
pub const RUN_HISTORY_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

impl Default for Setup {
    fn default() -> Self {
        Self {
            mailbox: String::new(),
            tenant: String::new(),
            client_id: String::new(),
            redirect_url: "http://localhost:8400/".into(),
            auth_flow: AuthFlow::DeviceCode,
            batch_size: 50,
            run_limit: 5000,
            graph_url: DEFAULT_GRAPH_URL.into(),
            authority: DEFAULT_AUTHORITY.into(),
            enabled: false,
            consent_given: false,
            account: None,
            unmatched: Unmatched::SkipFolder,
            store_body: true,
            skip_sensitive: true,
            skip_auto_generated: true,
            domain_matching: false,
            rate_limit: 10_000,
            rate_window_secs: 600,
            job_interval_secs: 600,
            max_attempts: 3,
            has_client_secret: false,
            secret_command: String::new(),
            source: SourceKind::Graph,
            imap_host: String::new(),
            imap_port: 993,
            imap_tls: ImapTls::Implicit,
            imap_user: String::new(),
            imap_auth: ImapAuth::Password,
            has_imap_password: false,
            run_history_days: 30,
            queue_folder: String::new(),
            storage_folder: String::new(),
            skip_folder: String::new(),
            retain_bodies_days: 0,
            retain_entries_days: 0,
            retain_skipped_days: 0,
            retain_mailbox: false,
        }
    }
}

/// An endpoint must be `https`, or `http` on a loopback address (the simulator).
pub fn check_endpoint(name: &str, value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| {
        format!("{name} '{value}' is not a URL ({e}); give e.g. https://graph.microsoft.com/v1.0")
    })?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "{name} '{value}' uses http on a non-loopback host; only https is allowed (http only for 127.0.0.1/localhost)"
                ))
            }
        }
        other => Err(format!("{name} '{value}' has scheme '{other}'; use https")),
    }
}

/// A rate limit as `REQUESTS/SECONDS` (both at least 1), e.g. `10000/600`.
pub fn parse_rate(s: &str) -> Result<(u32, u32), String> {
    let (n, secs) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not REQUESTS/SECONDS, e.g. 10000/600"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("'{n}' is not a whole number of requests"))?;
    let secs: u32 = secs
        .trim()
        .parse()
        .map_err(|_| format!("'{secs}' is not a whole number of seconds"))?;
    if n == 0 || secs == 0 {
        return Err("both numbers must be at least 1".into());
    }
    Ok((n, secs))
}

/// An auth flow by its name, or why it is none.
pub fn parse_auth_flow(s: &str) -> Result<AuthFlow, String> {
    AuthFlow::parse(s)
        .ok_or_else(|| format!("'{s}' is not one of device-code, auth-code, client-credentials"))
}

/// What to do with unmatched mail, by its name, or why it is none.
pub fn parse_unmatched(s: &str) -> Result<Unmatched, String> {
    Unmatched::parse(s).ok_or_else(|| format!("'{s}' is not one of skip-folder, delete, leave"))
}

/// A tenant id (GUID), a domain, or `organizations`/`common`.
pub fn check_tenant(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 256
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "tenant '{value}' is not a tenant id, a domain, 'organizations' or 'common'"
        ))
    }
}

impl Setup {
    /// The account emaillog signs in as, when it is a person's (delegated
    /// sign-in): the one the Exchange script gives FullAccess.
    pub fn logging_account(&self) -> Option<String> {
        self.account
            .clone()
            .filter(|a| a.contains('@') && self.auth_flow != AuthFlow::ClientCredentials)
    }

    /// The fields still missing before the job can run, each with how to set it.
    pub fn missing_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.source == SourceKind::Imap {
            if self.imap_host.is_empty() {
                out.push("IMAP server: emaillog setup set --imap-host HOST".into());
            }
            if self.imap_user.is_empty() {
                out.push("IMAP user: emaillog setup set --imap-user USER".into());
            }
            if self.imap_auth == ImapAuth::Password && !self.has_imap_password {
                out.push("IMAP password: emaillog setup secret --imap-password --stdin".into());
            }
            if self.imap_auth == ImapAuth::Password {
                return out;
            }
        }
        // Over IMAP the user names the mailbox; the sign-in needs the rest.
        if self.mailbox.is_empty() && self.source == SourceKind::Graph {
            out.push("shared mailbox address: emaillog setup set --mailbox ADDRESS".into());
        }
        if self.tenant.is_empty() {
            out.push("tenant: emaillog setup set --tenant TENANT_ID_OR_DOMAIN".into());
        }
        if self.client_id.is_empty() {
            out.push(
                "client id: emaillog setup set --client-id APP_ID (or EMAILLOG_CLIENT_ID)".into(),
            );
        }
        out
    }
}

fn is_set<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(!v.is_empty())
}

/// `8-4-4-4-12` hex digits, as Entra ID writes a tenant or application id.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_except_loopback() {
        assert!(check_endpoint("graph", "https://graph.microsoft.com/v1.0").is_ok());
        assert!(check_endpoint("graph", "http://127.0.0.1:8080/v1.0").is_ok());
        assert!(check_endpoint("graph", "http://localhost:8080/v1.0").is_ok());
        assert!(check_endpoint("graph", "http://[::1]:8080/v1.0").is_ok());
        assert!(check_endpoint("graph", "http://graph.microsoft.com/v1.0").is_err());
        assert!(check_endpoint("graph", "http://10.0.0.1/v1.0").is_err());
        assert!(check_endpoint("graph", "ftp://x").is_err());
        assert!(check_endpoint("graph", "not a url").is_err());
    }
}
