//! Secrets at rest: sealed with XChaCha20-Poly1305 under a 32-byte key kept in
//! a 0600 key file beside the database (or at `EMAILLOG_KEY_FILE`). A wrong or
//! missing key is a clear error, never garbage: the AEAD tag fails.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, OsRng};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};

const MAGIC: &[u8; 4] = b"ELS1";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "cannot read the key file {path}: {source}; the secrets in the database can only be opened with the key file they were sealed with (set EMAILLOG_KEY_FILE, or enter the secrets again)"
    )]
    ReadKey {
        path: PathBuf,
        source: std::io::Error,
    },
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
        _ => {
            let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
            name.push(".key");
            db.with_file_name(name)
        }
    }
}

impl SecretBox {
    /// Opens the key file, creating a new random key (0600) when there is none
    /// and `create` is set.
    pub fn open(path: &Path, create: bool) -> Result<Self, SecretError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
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

    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = Vec::with_capacity(4 + NONCE_LEN + plaintext.len() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        // Encryption with a fresh nonce cannot fail for inputs of this size.
        out.extend(
            self.cipher
                .encrypt(&nonce, plaintext.as_bytes())
                .unwrap_or_default(),
        );
        out
    }

    pub fn open_sealed(&self, sealed: &[u8]) -> Result<String, SecretError> {
        let wrong = || SecretError::WrongKey {
            path: self.path.clone(),
        };
        if sealed.len() < 4 + NONCE_LEN + 16 || &sealed[..4] != MAGIC {
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
    fn sealed_secrets_open_only_with_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let k1 = SecretBox::open(&dir.path().join("a.key"), true).unwrap();
        let sealed = k1.seal("hunter2");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(k1.open_sealed(&sealed).unwrap(), "hunter2");
        let k2 = SecretBox::open(&dir.path().join("b.key"), true).unwrap();
        assert!(matches!(
            k2.open_sealed(&sealed),
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
        std::fs::write(dir.path().join("short.key"), b"abc").unwrap();
        assert!(matches!(
            SecretBox::open(&dir.path().join("short.key"), false),
            Err(SecretError::BadKey { .. })
        ));
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
