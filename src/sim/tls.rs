//! https for the simulator, as the real service is reached: a certificate
//! authority made at start, a server certificate it signs for `localhost`,
//! `127.0.0.1` and `::1`, and a connection loop that serves the same router
//! over TLS. Clients trust the CA from the PEM file the simulator writes
//! (`emaillog --ca-file`, `EMAILLOG_CA_FILE`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

/// The simulator's certificate authority and the acceptor for its server.
pub struct SimTls {
    /// The CA certificate, PEM: what a client must trust.
    pub ca_pem: String,
    acceptor: TlsAcceptor,
}

fn tls_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("cannot make the simulator's certificate: {e}"))
}

impl SimTls {
    /// A new CA and a server certificate it signs, valid for a day around now.
    pub fn generate() -> std::io::Result<Self> {
        let now = time::OffsetDateTime::now_utc();
        let day = time::Duration::days(1);
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A name of its own: a client trusting many simulators' CAs finds
        // the right one by name (certificate path building goes by subject).
        ca.distinguished_name.push(
            DnType::CommonName,
            format!("emaillog simulator CA {:016x}", rand::random::<u64>()),
        );
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = now - day;
        ca.not_after = now + day;
        let ca_key = KeyPair::generate().map_err(tls_error)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(tls_error)?;
        let issuer = Issuer::new(ca, ca_key);

        let mut leaf = CertificateParams::new(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ])
        .map_err(tls_error)?;
        leaf.distinguished_name
            .push(DnType::CommonName, "emaillog simulator");
        leaf.use_authority_key_identifier_extension = true;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.not_before = now - day;
        leaf.not_after = now + day;
        let leaf_key = KeyPair::generate().map_err(tls_error)?;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(tls_error)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf_cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .map_err(tls_error)?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Serves `app` over TLS on `listener` until `shutdown` fires.
    pub async fn serve(self, listener: TcpListener, app: Router, shutdown: oneshot::Receiver<()>) {
        let mut shutdown = shutdown;
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = &mut shutdown => return,
            };
            let Ok((stream, _peer)): std::io::Result<(tokio::net::TcpStream, SocketAddr)> =
                accepted
            else {
                continue;
            };
            let acceptor = self.acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                // A client that fails the handshake (one that does not trust
                // the CA) is simply dropped.
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = TowerToHyperService::new(app);
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    }
}
