//! A real Dovecot for the IMAP tests: its own configuration in a temporary
//! folder, unprivileged loopback ports (plain with STARTTLS, and implicit
//! TLS), a passwd-file user, and a self-signed certificate made here.
//! Without Dovecot the tests say so and skip, except under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const USER: &str = "crm-log@contoso.example";
pub const PASSWORD: &str = "s3cret-imap-pass";

pub struct Dovecot {
    pub dir: tempfile::TempDir,
    /// Plain (and STARTTLS) port.
    pub port: u16,
    /// Implicit TLS port.
    pub tls_port: u16,
    /// The certificate to trust (PEM).
    pub ca_file: PathBuf,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Advertise no MOVE (and so COPY + \Deleted + UID EXPUNGE is used).
    pub no_move: bool,
    /// A public namespace (`Public/`, listed), as the older experience's
    /// queue and storage folders often are.
    pub public_namespace: bool,
}

/// XOAUTH2 checked by token introspection at `url` (the token is appended),
/// over https trusting `ca_file`.
#[derive(Debug, Clone)]
pub struct OAuth {
    pub url: String,
    pub ca_file: PathBuf,
}

/// Whether Dovecot is installed; under CI it must be.
pub fn available() -> bool {
    let ok = Path::new("/usr/sbin/dovecot").exists();
    if !ok {
        super::services::skip_without(
            "the IMAP test",
            "Dovecot is not installed (apt-get install dovecot-imapd)",
        );
    }
    ok
}

impl Dovecot {
    pub fn start(opts: Options) -> Dovecot {
        Self::start_with(opts, None)
    }

    pub fn start_with(opts: Options, oauth: Option<OAuth>) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        for sub in ["run", "state", "mail", "public"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let status = Command::new("chown")
            .args(["-R", "dovecot:dovecot"])
            .arg(d.join("mail"))
            .arg(d.join("public"))
            .status()
            .unwrap();
        assert!(status.success(), "chown the mail folder to dovecot");
        std::fs::write(d.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        std::fs::write(d.join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(d.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
        let port = super::services::free_port();
        let tls_port = super::services::free_port();
        let caps = if opts.no_move {
            "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS\n"
        } else {
            ""
        };
        let oauth_conf = match &oauth {
            None => String::new(),
            Some(o) => {
                std::fs::write(
                    d.join("oauth2.conf.ext"),
                    format!(
                        "introspection_mode = get\nintrospection_url = {}\nusername_attribute = username\nactive_attribute = active\nactive_value = true\ntls_ca_cert_file = {}\n",
                        o.url,
                        o.ca_file.display()
                    ),
                )
                .unwrap();
                format!(
                    "ssl_client_ca_file = {}\npassdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}/oauth2.conf.ext\n}}\n",
                    o.ca_file.display(),
                    d.display()
                )
            }
        };
        let public = if opts.public_namespace {
            format!(
                "namespace public {{\n  type = public\n  separator = /\n  prefix = Public/\n  location = maildir:{}/public\n  subscriptions = no\n  list = yes\n}}\n",
                d.display()
            )
        } else {
            String::new()
        };
        let mechanisms = if oauth.is_some() {
            "plain login xoauth2 oauthbearer"
        } else {
            "plain login"
        };
        let conf = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
mail_location = maildir:{d}/mail/%u
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 100
# What happens to mail, in the log: tests tell MOVE from COPY + \Deleted.
mail_plugins = $mail_plugins mail_log notify
plugin {{
  mail_log_events = flag_change expunge copy
  mail_log_fields = uid box msgid flags
}}
{caps}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
{oauth_conf}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Archive {{
    special_use = \Archive
  }}
}}
{public}"#,
            d = d.display()
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        // It daemonizes: its children would hold captured pipes open, so
        // what it says goes to its log file.
        let status = Command::new("/usr/sbin/dovecot")
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "dovecot starts: {}",
            std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default()
        );
        // Ready when it accepts connections (a deadline, not a timing).
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
            || std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_err()
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "dovecot never listened: {}",
                std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let ca_file = d.join("cert.pem");
        Dovecot {
            dir,
            port,
            tls_port,
            ca_file,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// Runs doveadm against this instance (kick users, count, etc.).
    pub fn doveadm(&self, args: &[&str]) -> std::process::Output {
        Command::new("doveadm")
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .args(args)
            .output()
            .unwrap()
    }

    /// Messages in a folder, by doveadm (independent of emaillog's client).
    pub fn count(&self, folder: &str) -> usize {
        let out = self.doveadm(&["search", "-u", USER, "mailbox", folder, "ALL"]);
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    /// The Message-IDs in a folder.
    pub fn message_ids(&self, folder: &str) -> Vec<String> {
        let out = self.doveadm(&[
            "fetch",
            "-u",
            USER,
            "hdr.message-id",
            "mailbox",
            folder,
            "ALL",
        ]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.strip_prefix("hdr.message-id: ")
                    .map(|v| v.trim().to_string())
            })
            .collect()
    }

    /// Puts a message in a folder as a mail server would deliver it.
    pub fn deliver(&self, folder: &str, raw: &[u8]) {
        let mut child = Command::new("doveadm")
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .args(["save", "-u", USER, "-m", folder])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(raw).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "doveadm save: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let pid =
            std::fs::read_to_string(self.dir.path().join("run/master.pid")).unwrap_or_default();
        if let Ok(pid) = pid.trim().parse::<i32>() {
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            // Its children exit with it; wait so the folder can be removed.
            let start = Instant::now();
            while unsafe { libc::kill(pid, 0) } == 0 && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Dovecot {
    /// Puts many messages in the INBOX at once, written into its maildir as
    /// a delivery agent would (one `doveadm save` a message is slow).
    pub fn deliver_many(&self, raws: &[Vec<u8>]) {
        // The first message through doveadm makes the maildir.
        let Some((first, rest)) = raws.split_first() else {
            return;
        };
        self.deliver("INBOX", first);
        let new = self.dir.path().join("mail").join(USER).join("new");
        assert!(new.is_dir(), "the INBOX's maildir is at {}", new.display());
        for (i, raw) in rest.iter().enumerate() {
            let name = format!(
                "1700000000.M{i}P{}.bench,S={}",
                std::process::id(),
                raw.len()
            );
            std::fs::write(new.join(name), raw).unwrap();
        }
        let status = Command::new("chown")
            .args(["-R", "dovecot:dovecot"])
            .arg(self.dir.path().join("mail"))
            .status()
            .unwrap();
        assert!(status.success());
    }
}
