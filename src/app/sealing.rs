//! Which endpoints each stored secret is bound to, and sealing and opening
//! them with that binding (SPEC §4). The binding is computed from the setup
//! each time a secret is opened, so a secret entered for one authority,
//! tenant, client id, Graph URL or IMAP server never opens for another —
//! whoever changed the endpoint, and however (CLI, UI, or a direct write to
//! a shared database). Secrets sealed before binding existed are sealed
//! again, bound to the setup of the time, the first time the admin opens
//! them.

use crate::auth::secrets::{Binding, SecretBox, SecretError};
use crate::domain::setup::{Setup, SourceKind};
use crate::store::Store;

use super::{App, Result};

/// The secrets kept sealed in the setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    ClientSecret,
    RefreshToken,
    AccessToken,
    ImapPassword,
}

impl Sealed {
    fn name(self) -> &'static str {
        match self {
            Sealed::ClientSecret => "client secret",
            Sealed::RefreshToken => "sign-in",
            Sealed::AccessToken => "access token",
            Sealed::ImapPassword => "IMAP password",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            Sealed::ClientSecret => "emaillog setup secret --stdin",
            Sealed::RefreshToken | Sealed::AccessToken => "emaillog login",
            Sealed::ImapPassword => "emaillog setup secret --imap-password --stdin",
        }
    }

    fn stored(self, store: &Store) -> crate::store::Result<Option<Vec<u8>>> {
        match self {
            Sealed::ClientSecret => store.client_secret_sealed(),
            Sealed::RefreshToken => store.refresh_token_sealed(),
            Sealed::AccessToken => Ok(store.access_token_sealed()?.map(|(a, _)| a)),
            Sealed::ImapPassword => store.imap_password_sealed(),
        }
    }

    /// Whether a secret of this kind is stored.
    pub fn is_stored(self, store: &Store) -> crate::store::Result<bool> {
        Ok(self.stored(store)?.is_some())
    }

    fn store(self, store: &Store, sealed: &[u8]) -> crate::store::Result<()> {
        match self {
            Sealed::ClientSecret => store.set_client_secret_sealed(Some(sealed)),
            Sealed::RefreshToken => store.set_refresh_token_sealed(Some(sealed)),
            Sealed::AccessToken => store.set_access_token_sealed(sealed),
            Sealed::ImapPassword => store.set_imap_password_sealed(Some(sealed)),
        }
    }

    pub const ALL: [Sealed; 4] = [
        Sealed::ClientSecret,
        Sealed::RefreshToken,
        Sealed::AccessToken,
        Sealed::ImapPassword,
    ];
}

/// Where the client secret and the tokens obtained with it may go: the
/// authority's token endpoint for this tenant and app, and the service
/// the tokens are spent at (Graph, or the IMAP server for XOAUTH2).
pub fn oauth_binding(setup: &Setup, client_id: &str) -> Binding {
    let b = Binding::new()
        .with("authority", setup.authority.as_str())
        .with("tenant", setup.tenant.as_str())
        .with("client id", client_id);
    match setup.source {
        SourceKind::Graph => b.with("Graph URL", setup.graph_url.as_str()),
        SourceKind::Imap => imap_fields(b, setup),
    }
}

/// Where the IMAP password may go.
pub fn imap_binding(setup: &Setup) -> Binding {
    imap_fields(Binding::new(), setup)
}

fn imap_fields(b: Binding, setup: &Setup) -> Binding {
    b.with("IMAP host", setup.imap_host.as_str())
        .with("IMAP port", setup.imap_port.to_string())
        .with("IMAP user", setup.imap_user.as_str())
}

impl App {
    /// The binding a secret of `kind` has under `setup` now.
    pub fn binding(&self, setup: &Setup, kind: Sealed) -> Binding {
        match kind {
            Sealed::ImapPassword => imap_binding(setup),
            _ => oauth_binding(setup, &self.client_id(setup).unwrap_or_default()),
        }
    }

    /// Seals a secret of `kind` for the endpoints `setup` names.
    pub fn seal(&self, setup: &Setup, kind: Sealed, plaintext: &str) -> Result<Vec<u8>> {
        Ok(self
            .secret_box(true)?
            .seal(plaintext, &self.binding(setup, kind)))
    }

    /// Opens a stored secret of `kind` for the endpoints `setup` names now;
    /// one sealed before secrets were bound is sealed again, bound to them.
    pub fn open_sealed(
        &self,
        store: &Store,
        setup: &Setup,
        kind: Sealed,
        sealed: &[u8],
    ) -> Result<String> {
        let key = self.secret_box(false)?;
        let binding = self.binding(setup, kind);
        if SecretBox::is_unbound(sealed) {
            let plain = key.open_unbound(sealed)?;
            kind.store(store, &key.seal(&plain, &binding))?;
            tracing::info!(
                "the stored {} was sealed again, bound to its endpoints",
                kind.name()
            );
            return Ok(plain);
        }
        key.open_sealed(sealed, &binding)
            .map_err(|e| SecretError::for_secret(e, kind.name(), kind.fix()).into())
    }

    /// Opens every stored secret under the setup now: the first that does
    /// not open, or how many did.
    pub fn open_all_sealed(&self, store: &Store, setup: &Setup) -> Result<usize> {
        let mut n = 0;
        for kind in Sealed::ALL {
            if let Some(sealed) = kind.stored(store)? {
                self.open_sealed(store, setup, kind, &sealed)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secrets::key_path_for;
    use chacha20poly1305::aead::{Aead, KeyInit};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};

    /// A secret sealed the way emaillog did before binding (`ELS1`, no
    /// associated data) is opened once, then kept bound to the setup.
    #[test]
    fn an_unbound_secret_of_an_older_database_is_sealed_again_bound() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(dir.path().join("old.db"));
        let store = app.store().unwrap();
        let mut setup = store.setup().unwrap();
        setup.tenant = "contoso.example".into();
        setup.client_id = "app-1".into();
        store.save_setup(&setup).unwrap();
        app.secret_box(true).unwrap();
        let key = std::fs::read(key_path_for(app.db_path())).unwrap();
        let cipher = XChaCha20Poly1305::new_from_slice(&key).unwrap();
        let nonce = XNonce::from_slice(&[7u8; 24]);
        let mut old = b"ELS1".to_vec();
        old.extend_from_slice(nonce);
        old.extend(cipher.encrypt(nonce, b"legacy-secret".as_slice()).unwrap());
        store.set_client_secret_sealed(Some(&old)).unwrap();

        let opened = app
            .open_sealed(&store, &setup, Sealed::ClientSecret, &old)
            .unwrap();
        assert_eq!(opened, "legacy-secret");
        let now = store.client_secret_sealed().unwrap().unwrap();
        assert!(now.starts_with(b"ELS2"), "sealed again, bound");
        assert_eq!(
            app.open_sealed(&store, &setup, Sealed::ClientSecret, &now)
                .unwrap(),
            "legacy-secret"
        );
        setup.authority = "https://login.example.org".into();
        let e = app
            .open_sealed(&store, &setup, Sealed::ClientSecret, &now)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("the authority changed since the client secret was entered"),
            "{e}"
        );
    }
}
