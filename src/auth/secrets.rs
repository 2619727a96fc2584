//! Secrets at rest: sealed with XChaCha20-Poly1305 under a 32-byte key kept in
//! a 0600 key file beside the database (or at `EMAILLOG_KEY_FILE`). A wrong or
//! missing key is a clear error, never garbage: the AEAD tag fails.
//!
//! Each secret is sealed with a [`Binding`] — the endpoints it may be sent
//! to or spent at — as associated data. It is opened only with the binding
//! computed from the setup *now*, so a changed endpoint (by the CLI, the UI
//! or a direct write to the database) leaves it unopenable: a secret can
//! never go anywhere but where it was entered for. The binding is also kept
//! in clear beside the ciphertext, only to say *which* endpoint changed;
//! it is never used to open anything.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};

/// Sealed before secrets were bound to endpoints (no associated data).
const MAGIC_UNBOUND: &[u8; 4] = b"ELS1";
/// Sealed with a binding: magic, u16 length, the binding, nonce, ciphertext.
const MAGIC: &[u8; 4] = b"ELS2";
const NONCE_LEN: usize = 24;
/// A binding longer than this is damaged data.
const MAX_BINDING: usize = 16 * 1024;

/// The endpoints a secret belongs to, as (name, value) pairs in a fixed
/// order: e.g. authority, tenant, client id and the Graph URL its tokens
/// are spent at; or the IMAP host, port and user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Binding(Vec<(&'static str, String)>);

impl Binding {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.0.push((name, value.into()));
        self
    }

    /// One field as it is sealed: lengths first, so no value can pass for
    /// another field.
    fn field(name: &str, value: &str) -> String {
        format!("{}:{}={}:{}\n", name.len(), name, value.len(), value)
    }

    fn encode(&self) -> Vec<u8> {
        self.0
            .iter()
            .map(|(k, v)| Self::field(k, v))
            .collect::<String>()
            .into_bytes()
    }

    /// The first field whose value differs from `stored` (the encoded
    /// binding a secret was sealed with), for the error message.
    fn first_change(&self, stored: &[u8]) -> Option<&'static str> {
        let stored = String::from_utf8_lossy(stored);
        self.0
            .iter()
            .find_map(|(k, v)| (!stored.contains(&Self::field(k, v))).then_some(*k))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "cannot read the key file {path}: {source}; the secrets in the database can only be opened with the key file they were sealed with (set EMAILLOG_KEY_FILE, or enter the secrets again)"
    )]
    ReadKey {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A key file someone else could have made or swapped: never used.
    #[error(
        "the key file {path} is not trusted: {why}; nothing was decrypted or written. The key file must be a regular file of yours, mode 0600, in a folder only you (or root) can write"
    )]
    Untrusted { path: PathBuf, why: String },
    #[error("cannot create the key file {path}: {source}")]
    WriteKey {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the key file {path} is not a 32-byte key (it has {len} bytes); restore the right key file or enter the secrets again"
    )]
    BadKey { path: PathBuf, len: usize },
    #[error(
        "a stored secret cannot be opened with the key file {path}: wrong key or damaged data; restore the key file the secrets were sealed with, or enter the secrets again"
    )]
    WrongKey { path: PathBuf },
    /// The setup's endpoints are not the ones the secret was entered for:
    /// nothing is sent anywhere until a person enters it again.
    #[error(
        "the {what} changed since the {secret} was entered: enter it again ({fix}); nothing was sent"
    )]
    Rebound {
        what: &'static str,
        secret: &'static str,
        fix: &'static str,
    },
}

impl SecretError {
    /// Names the secret and how to enter it again, for a [`SecretError::Rebound`].
    pub fn for_secret(self, secret: &'static str, fix: &'static str) -> Self {
        match self {
            SecretError::Rebound { what, .. } => SecretError::Rebound { what, secret, fix },
            e => e,
        }
    }
}

/// The key that seals and opens secrets.
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    path: PathBuf,
}

/// Where the key file lives for a database: `EMAILLOG_KEY_FILE`, or `DB.key`.
pub fn key_path_for(db: &Path) -> PathBuf {
    match std::env::var_os("EMAILLOG_KEY_FILE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        // A PostgreSQL store has no folder of its own: the key lives in the
        // admin's configuration folder, named after the server and database.
        _ => match crate::store::pg::target::postgres_url(db) {
            Some(url) => postgres_key_path(url),
            None => {
                let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
                name.push(".key");
                db.with_file_name(name)
            }
        },
    }
}

/// `$XDG_CONFIG_HOME/emaillog/HOST-PORT-DATABASE.key` (or under
/// `~/.config`) for the PostgreSQL store at `url`; a URL that does not parse
/// gets a name of its own that no valid one has, so its key is never
/// another store's.
fn postgres_key_path(url: &str) -> PathBuf {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    let name = match crate::store::pg::target::PgTarget::parse(url, None) {
        Ok(t) => format!("{}-{}-{}", t.host, t.port, t.dbname),
        Err(_) => "unparsed-postgres-url".to_string(),
    };
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    config.join("emaillog").join(format!("{safe}.key"))
}

impl SecretBox {
    /// Opens the key file, creating a new random key (0600) when there is none
    /// and `create` is set.
    pub fn open(path: &Path, create: bool) -> Result<Self, SecretError> {
        let untrusted = |why: String| SecretError::Untrusted {
            path: path.to_path_buf(),
            why,
        };
        let bytes = match read_key(path) {
            Ok(b) => {
                crate::file_trust::check_key_file(path).map_err(untrusted)?;
                b
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                key_folder(path)?;
                let key = XChaCha20Poly1305::generate_key(&mut OsRng);
                write_private(path, key.as_slice()).map_err(|source| SecretError::WriteKey {
                    path: path.to_path_buf(),
                    source,
                })?;
                key.to_vec()
            }
            Err(source) => {
                return Err(SecretError::ReadKey {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        if bytes.len() != 32 {
            return Err(SecretError::BadKey {
                path: path.to_path_buf(),
                len: bytes.len(),
            });
        }
        let cipher =
            XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SecretError::BadKey {
                path: path.to_path_buf(),
                len: bytes.len(),
            })?;
        Ok(Self {
            cipher,
            path: path.to_path_buf(),
        })
    }

    /// A box on a key held in memory (the fuzzer's; no file is read).
    pub(crate) fn with_key(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
            path: PathBuf::from("(in memory)"),
        }
    }

    /// Seals `plaintext` for the endpoints in `binding`.
    pub fn seal(&self, plaintext: &str, binding: &Binding) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = binding.encode();
        let mut out = Vec::with_capacity(6 + aad.len() + NONCE_LEN + plaintext.len() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(aad.len().min(u16::MAX as usize) as u16).to_be_bytes());
        out.extend_from_slice(&aad);
        out.extend_from_slice(&nonce);
        // Encryption with a fresh nonce cannot fail for inputs of this size.
        out.extend(
            self.cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: plaintext.as_bytes(),
                        aad: &aad,
                    },
                )
                .unwrap_or_default(),
        );
        out
    }

    /// Opens a secret sealed for exactly the endpoints in `binding` (the
    /// setup's now). A secret sealed for other endpoints is refused with
    /// the first one that changed, never opened.
    pub fn open_sealed(&self, sealed: &[u8], binding: &Binding) -> Result<String, SecretError> {
        let wrong = || SecretError::WrongKey {
            path: self.path.clone(),
        };
        if sealed.len() < 6 || &sealed[..4] != MAGIC {
            return Err(wrong());
        }
        let len = u16::from_be_bytes([sealed[4], sealed[5]]) as usize;
        if len > MAX_BINDING || sealed.len() < 6 + len + NONCE_LEN + 16 {
            return Err(wrong());
        }
        let stored = &sealed[6..6 + len];
        let aad = binding.encode();
        if stored != aad.as_slice() {
            return Err(SecretError::Rebound {
                what: binding.first_change(stored).unwrap_or("setup"),
                secret: "secret",
                fix: "emaillog setup secret --stdin, or emaillog login",
            });
        }
        let rest = &sealed[6 + len..];
        let nonce = XNonce::from_slice(&rest[..NONCE_LEN]);
        let plain = self
            .cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &rest[NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| wrong())?;
        String::from_utf8(plain).map_err(|_| wrong())
    }

    /// Whether a sealed secret predates endpoint binding.
    pub fn is_unbound(sealed: &[u8]) -> bool {
        sealed.starts_with(MAGIC_UNBOUND)
    }

    /// Opens a secret sealed before secrets were bound to endpoints, only
    /// to seal it again with a binding (the one-time upgrade of an older
    /// database, done by the admin).
    pub fn open_unbound(&self, sealed: &[u8]) -> Result<String, SecretError> {
        let wrong = || SecretError::WrongKey {
            path: self.path.clone(),
        };
        if sealed.len() < 4 + NONCE_LEN + 16 || &sealed[..4] != MAGIC_UNBOUND {
            return Err(wrong());
        }
        let nonce = XNonce::from_slice(&sealed[4..4 + NONCE_LEN]);
        let plain = self
            .cipher
            .decrypt(nonce, &sealed[4 + NONCE_LEN..])
            .map_err(|_| wrong())?;
        String::from_utf8(plain).map_err(|_| wrong())
    }
}

/// Makes a key's own folder (a PostgreSQL store's, under the
/// configuration folder) for its owner only, and checks whoever made it
/// left nobody else a way in.
fn key_folder(path: &Path) -> Result<(), SecretError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        let folder = crate::file_trust::folder_of(path);
        if !folder.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(folder)
                .map_err(|source| SecretError::WriteKey {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        if let Ok(folder) = crate::file_trust::facts(folder) {
            crate::file_trust::folder_verdict(folder, crate::file_trust::euid()).map_err(
                |why| SecretError::Untrusted {
                    path: path.to_path_buf(),
                    why,
                },
            )?;
        }
    }
    Ok(())
}

/// What giving a copied database its key came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCopy {
    /// Both databases use the one key file (or the same key).
    Same,
    /// The key was copied to the new database's key file (0600).
    Copied,
    /// The database copied from has no key file: nothing sealed opens.
    NoKey,
}

/// Gives the database whose key file is `to` the key of the one whose key
/// file is `from`, so the sealed secrets copied with it open: copied
/// (0600, never through a symlink) when `to` has none; refused when `to`
/// holds another key.
pub fn copy_key(from: &Path, to: &Path) -> Result<KeyCopy, String> {
    if from == to {
        return Ok(KeyCopy::Same);
    }
    let key = match read_key(from) {
        Ok(k) => {
            crate::file_trust::check_key_file(from)
                .map_err(|why| format!("the key file {} is not trusted: {why}", from.display()))?;
            k
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyCopy::NoKey),
        Err(e) => return Err(format!("cannot read the key file {}: {e}", from.display())),
    };
    match read_key(to) {
        Ok(other) if other == key => return Ok(KeyCopy::Same),
        Ok(_) => {
            return Err(format!(
                "the new database's key file {} holds another key, which would not open the secrets copied: move it away (or set EMAILLOG_KEY_FILE to {}) and try again",
                to.display(),
                from.display()
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read the key file {}: {e}", to.display())),
    }
    key_folder(to).map_err(|e| e.to_string())?;
    write_private(to, &key)
        .map_err(|e| format!("cannot write the key file {}: {e}", to.display()))?;
    Ok(KeyCopy::Copied)
}

/// Reads at most a few bytes of the key file, never through a symlink.
fn read_key(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = match opts.open(path) {
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(std::io::Error::other(
                "it is a symbolic link; give the key file itself",
            ));
        }
        other => other?,
    };
    let mut out = Vec::new();
    f.take(4096).read_to_end(&mut out)?;
    Ok(out)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = crate::private_file::create_new(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A secret held in memory: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_store_keeps_its_key_in_the_config_folder_named_without_the_password() {
        let p =
            postgres_key_path("postgres://sales:hunter2@db.example:5433/crm?sslmode=verify-full");
        assert_eq!(p.file_name().unwrap(), "db.example-5433-crm.key");
        assert_eq!(p.parent().unwrap().file_name().unwrap(), "emaillog");
        assert!(!p.to_string_lossy().contains("hunter2"));
        let odd = postgres_key_path("postgres://");
        assert_eq!(odd.file_name().unwrap(), "unparsed-postgres-url.key");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_key_gets_a_folder_of_its_own_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/emaillog/db-5432-crm.key");
        SecretBox::open(&path, true).unwrap();
        for folder in [path.parent().unwrap(), &dir.path().join("config")] {
            let mode = std::fs::metadata(folder).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let k1 = SecretBox::open(&dir.path().join("a.key"), true).unwrap();
        let b = Binding::new().with("authority", "https://login.example");
        let sealed = k1.seal("hunter2", &b);
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(k1.open_sealed(&sealed, &b).unwrap(), "hunter2");
        let k2 = SecretBox::open(&dir.path().join("b.key"), true).unwrap();
        assert!(matches!(
            k2.open_sealed(&sealed, &b),
            Err(SecretError::WrongKey { .. })
        ));
        assert!(matches!(
            SecretBox::open(&dir.path().join("missing.key"), false),
            Err(SecretError::ReadKey { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("a.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        crate::private_file::create_new(&dir.path().join("short.key"))
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"abc"))
            .unwrap();
        assert!(matches!(
            SecretBox::open(&dir.path().join("short.key"), false),
            Err(SecretError::BadKey { .. })
        ));
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
        // Another's key file, or one others may read, is never used.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let loose = dir.path().join("loose.key");
            std::fs::write(&loose, [7u8; 32]).unwrap();
            std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                SecretBox::open(&loose, false),
                Err(SecretError::Untrusted { .. })
            ));
            let link = dir.path().join("link.key");
            std::os::unix::fs::symlink(dir.path().join("a.key"), &link).unwrap();
            assert!(
                SecretBox::open(&link, false).is_err(),
                "never through a symlink"
            );
        }
    }

    #[test]
    fn a_secret_opens_only_for_the_endpoints_it_was_sealed_for() {
        let dir = tempfile::tempdir().unwrap();
        let k = SecretBox::open(&dir.path().join("k.key"), true).unwrap();
        let bind = |authority: &str, tenant: &str| {
            Binding::new()
                .with("authority", authority)
                .with("tenant", tenant)
        };
        let sealed = k.seal("s3cret", &bind("https://login.example", "contoso"));
        let cases = [
            ("http://127.0.0.1:9/", "contoso", Some("authority")),
            ("https://login.example", "fabrikam", Some("tenant")),
            // A value that would run into the next field if lengths were not encoded.
            (
                "https://login.example\n6:tenant=7:contoso",
                "",
                Some("authority"),
            ),
            ("https://login.example", "contoso", None),
        ];
        for (authority, tenant, changed) in cases {
            let r = k.open_sealed(&sealed, &bind(authority, tenant));
            match changed {
                None => assert_eq!(r.unwrap(), "s3cret"),
                Some(what) => match r {
                    Err(SecretError::Rebound { what: w, .. }) => assert_eq!(w, what),
                    other => panic!("{authority} {tenant}: {other:?}"),
                },
            }
        }
        // The binding kept in clear rewritten to match: the tag still fails.
        let mut forged = sealed.clone();
        let at = forged.windows(7).position(|w| w == b"contoso").unwrap();
        forged[at..at + 7].copy_from_slice(b"evilcor");
        let evil = bind("https://login.example", "evilcor");
        assert!(matches!(
            k.open_sealed(&forged, &evil),
            Err(SecretError::WrongKey { .. })
        ));
        // Truncated and empty blobs are errors, never panics.
        for n in 0..sealed.len() {
            assert!(
                k.open_sealed(&sealed[..n], &bind("https://login.example", "contoso"))
                    .is_err()
            );
        }
    }
}
