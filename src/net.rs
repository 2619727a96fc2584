//! The one way emaillog builds an HTTP client: rustls, no redirects (a
//! redirect could carry a token or a secret to another host), timeouts, the
//! proxy from `HTTPS_PROXY` / `NO_PROXY`, and any extra root certificates
//! the admin trusts (`--ca-file`, `EMAILLOG_CA_FILE`: a TLS-inspecting
//! proxy's CA, or the simulator's). Where a request may go is checked by
//! its caller against the setup (`https` only, `http` only on loopback).

use std::path::Path;
use std::sync::RwLock;
use std::time::Duration;

static EXTRA_ROOTS: RwLock<Vec<reqwest::Certificate>> = RwLock::new(Vec::new());
/// The same certificates, DER, for connections that are not HTTP (IMAP).
static EXTRA_ROOTS_DER: RwLock<Vec<Vec<u8>>> = RwLock::new(Vec::new());

/// Trusts the certificates of a PEM bundle, for every client built after.
pub fn trust_ca_pem(pem: &[u8]) -> Result<usize, String> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| format!("the CA file is not PEM certificates ({e})"))?;
    if certs.is_empty() {
        return Err("the CA file holds no certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    let n = certs.len();
    {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let mut der = EXTRA_ROOTS_DER.write().unwrap_or_else(|e| e.into_inner());
        for c in CertificateDer::pem_slice_iter(pem).flatten() {
            der.push(c.to_vec());
        }
    }
    EXTRA_ROOTS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .extend(certs);
    Ok(n)
}

/// Trusts the certificates in a PEM file; the error says what is wrong.
/// What to tell a person whose connection failed on the server's
/// certificate, found anywhere in the error's chain of causes; `None`
/// when it failed for another reason. Retrying cannot help.
pub fn untrusted_certificate(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(rustls::Error::InvalidCertificate(why)) = c.downcast_ref::<rustls::Error>() {
            return Some(format!(
                "the server's certificate is not trusted ({why:?}): pass its CA with --ca-file or EMAILLOG_CA_FILE"
            ));
        }
        cause = match c.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static))
                .or_else(|| c.source()),
            None => c.source(),
        };
    }
    None
}

pub fn trust_ca_file(path: &Path) -> Result<usize, String> {
    use std::io::Read;
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| crate::bounded::Bounded::new(f, 4 << 20, 64 << 10).read_to_end(&mut pem))
        .map_err(|e| match crate::bounded::too_large(&e) {
            Some(t) => format!("the CA file {} is refused: {t}", path.display()),
            None => format!("cannot read the CA file {}: {e}", path.display()),
        })?;
    trust_ca_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))
}

/// The TLS settings of a connection that is not HTTP (IMAP): Mozilla's
/// roots, as reqwest uses, and the admin's extra ones.
pub fn tls_config() -> std::sync::Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in EXTRA_ROOTS_DER
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = roots.add(rustls_pki_types::CertificateDer::from(der.clone()));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    std::sync::Arc::new(config)
}

/// An HTTP client that follows no redirects; fails instead of silently
/// dropping these settings.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(8);
    for cert in EXTRA_ROOTS.read().unwrap_or_else(|e| e.into_inner()).iter() {
        b = b.add_root_certificate(cert.clone());
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_that_is_not_pem_or_holds_nothing_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        assert!(trust_ca_file(&missing).unwrap_err().contains("cannot read"));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "just text\n").unwrap();
        assert!(
            trust_ca_file(&empty)
                .unwrap_err()
                .contains("no certificate")
        );
    }
}
