//! Each mailbox's setup row (the store's picked mailbox), and the encrypted
//! secrets beside it.

use super::db::{Begin, OptionalExtension, params};

use crate::domain::setup::{AuthFlow, ImapAuth, ImapTls, Setup, SourceKind, Unmatched};

use super::{Result, Store, StoreError};

impl Store {
    pub fn setup(&self) -> Result<Setup> {
        self.conn
            .query_row(
                "SELECT mailbox, tenant, client_id, redirect_url, auth_flow, batch_size, run_limit, graph_url, authority,
                        enabled, consent_given, account, unmatched, store_body, skip_sensitive, skip_auto_generated,
                        domain_matching, rate_limit, rate_window_secs, job_interval_secs, max_attempts,
                        client_secret_enc IS NOT NULL, secret_command,
                        source, imap_host, imap_port, imap_tls, imap_user, imap_auth, imap_password_enc IS NOT NULL,
                        run_history_days, queue_folder, storage_folder, skip_folder,
                        retain_bodies_days, retain_entries_days, retain_skipped_days, retain_mailbox
                 FROM setup WHERE id = ?1",
                params![self.mailbox],
                |r| {
                    let flow: String = r.get(4)?;
                    let unmatched: String = r.get(12)?;
                    Ok(Setup {
                        mailbox: r.get(0)?,
                        tenant: r.get(1)?,
                        client_id: r.get(2)?,
                        redirect_url: r.get(3)?,
                        auth_flow: AuthFlow::parse(&flow).unwrap_or(AuthFlow::DeviceCode),
                        batch_size: r.get(5)?,
                        run_limit: r.get(6)?,
                        graph_url: r.get(7)?,
                        authority: r.get(8)?,
                        enabled: r.get(9)?,
                        consent_given: r.get(10)?,
                        account: r.get(11)?,
                        unmatched: Unmatched::parse(&unmatched).unwrap_or(Unmatched::SkipFolder),
                        store_body: r.get(13)?,
                        skip_sensitive: r.get(14)?,
                        skip_auto_generated: r.get(15)?,
                        domain_matching: r.get(16)?,
                        rate_limit: r.get(17)?,
                        rate_window_secs: r.get(18)?,
                        job_interval_secs: r.get(19)?,
                        max_attempts: r.get(20)?,
                        has_client_secret: r.get(21)?,
                        secret_command: r.get(22)?,
                        source: SourceKind::parse(&r.get::<_, String>(23)?)
                            .unwrap_or(SourceKind::Graph),
                        imap_host: r.get(24)?,
                        imap_port: r.get(25)?,
                        imap_tls: ImapTls::parse(&r.get::<_, String>(26)?)
                            .unwrap_or(ImapTls::Implicit),
                        imap_user: r.get(27)?,
                        imap_auth: ImapAuth::parse(&r.get::<_, String>(28)?)
                            .unwrap_or(ImapAuth::Password),
                        has_imap_password: r.get(29)?,
                        run_history_days: r.get(30)?,
                        queue_folder: r.get(31)?,
                        storage_folder: r.get(32)?,
                        skip_folder: r.get(33)?,
                        retain_bodies_days: r.get(34)?,
                        retain_entries_days: r.get(35)?,
                        retain_skipped_days: r.get(36)?,
                        retain_mailbox: r.get(37)?,
                    })
                },
            )
            .map_err(StoreError::from)
    }

    /// Writes every field but the secrets.
    pub fn save_setup(&self, s: &Setup) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET mailbox = ?1, tenant = ?2, client_id = ?3, redirect_url = ?4, auth_flow = ?5, batch_size = ?6,
                    run_limit = ?7, graph_url = ?8, authority = ?9, enabled = ?10, consent_given = ?11, account = ?12,
                    unmatched = ?13, store_body = ?14, skip_sensitive = ?15, skip_auto_generated = ?16, domain_matching = ?17,
                    rate_limit = ?18, rate_window_secs = ?19, job_interval_secs = ?20, max_attempts = ?21,
                    secret_command = ?22, source = ?23, imap_host = ?24, imap_port = ?25, imap_tls = ?26,
                    imap_user = ?27, imap_auth = ?28, run_history_days = ?29,
                    queue_folder = ?30, storage_folder = ?31, skip_folder = ?32,
                    retain_bodies_days = ?34, retain_entries_days = ?35, retain_skipped_days = ?36, retain_mailbox = ?37
             WHERE id = ?33",
            params![
                s.mailbox,
                s.tenant,
                s.client_id,
                s.redirect_url,
                s.auth_flow.as_str(),
                s.batch_size,
                s.run_limit,
                s.graph_url,
                s.authority,
                s.enabled,
                s.consent_given,
                s.account,
                s.unmatched.as_str(),
                s.store_body,
                s.skip_sensitive,
                s.skip_auto_generated,
                s.domain_matching,
                s.rate_limit,
                s.rate_window_secs,
                s.job_interval_secs,
                s.max_attempts,
                s.secret_command,
                s.source.as_str(),
                s.imap_host,
                s.imap_port,
                s.imap_tls.as_str(),
                s.imap_user,
                s.imap_auth.as_str(),
                s.run_history_days,
                s.queue_folder,
                s.storage_folder,
                s.skip_folder,
                self.mailbox,
                s.retain_bodies_days,
                s.retain_entries_days,
                s.retain_skipped_days,
                s.retain_mailbox
            ],
        )?;
        Ok(())
    }

    /// The client secret as stored: sealed, never plain.
    pub fn client_secret_sealed(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT client_secret_enc FROM setup WHERE id = ?1",
                params![self.mailbox],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_client_secret_sealed(&self, sealed: Option<&[u8]>) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET client_secret_enc = ?1 WHERE id = ?2",
            params![sealed, self.mailbox],
        )?;
        Ok(())
    }

    /// The IMAP password as stored: sealed, never plain.
    pub fn imap_password_sealed(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT imap_password_enc FROM setup WHERE id = ?1",
                params![self.mailbox],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_imap_password_sealed(&self, sealed: Option<&[u8]>) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET imap_password_enc = ?1 WHERE id = ?2",
            params![sealed, self.mailbox],
        )?;
        Ok(())
    }

    pub fn refresh_token_sealed(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT refresh_token_enc FROM setup WHERE id = ?1",
                params![self.mailbox],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_refresh_token_sealed(&self, sealed: Option<&[u8]>) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET refresh_token_enc = ?1 WHERE id = ?2",
            params![sealed, self.mailbox],
        )?;
        Ok(())
    }

    /// The sealed access token and when it expires.
    pub fn access_token_sealed(&self) -> Result<Option<(Vec<u8>, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT access_token_enc, access_token_expires_at FROM setup WHERE id = ?1",
                params![self.mailbox],
                |r| {
                    Ok(
                        match (
                            r.get::<_, Option<Vec<u8>>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                        ) {
                            (Some(a), Some(e)) => Some((a, e)),
                            _ => None,
                        },
                    )
                },
            )
            .optional()?
            .flatten())
    }

    /// Replaces the sealed access token, keeping its expiry (sealed again).
    pub fn set_access_token_sealed(&self, sealed: &[u8]) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET access_token_enc = ?1 WHERE id = ?2",
            params![sealed, self.mailbox],
        )?;
        Ok(())
    }

    /// Saves a new access token and, when the service rotated it, the new
    /// refresh token, in one transaction.
    pub fn save_tokens(
        &mut self,
        access_sealed: &[u8],
        expires_at: &str,
        refresh_sealed: Option<&[u8]>,
    ) -> Result<()> {
        let tx = self.conn.transaction(Begin::Deferred)?;
        tx.execute(
            "UPDATE setup SET access_token_enc = ?1, access_token_expires_at = ?2 WHERE id = ?3",
            params![access_sealed, expires_at, self.mailbox],
        )?;
        if let Some(r) = refresh_sealed {
            tx.execute(
                "UPDATE setup SET refresh_token_enc = ?1 WHERE id = ?2",
                params![r, self.mailbox],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes the stored tokens, keeping who was signed in (so the user is
    /// told to sign in again as them): after a change of mailbox, tenant or
    /// endpoint they must never be sent anywhere.
    pub fn forget_tokens(&self) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET refresh_token_enc = NULL, access_token_enc = NULL, access_token_expires_at = NULL, consent_given = 0 WHERE id = ?1",
            params![self.mailbox],
        )?;
        Ok(())
    }

    /// Forgets the signed-in account and its tokens.
    pub fn clear_sign_in(&self) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET refresh_token_enc = NULL, access_token_enc = NULL, access_token_expires_at = NULL, account = NULL, consent_given = 0 WHERE id = ?1",
            params![self.mailbox],
        )?;
        Ok(())
    }

    pub fn template_exists(&self, code: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM interaction_templates WHERE code = ?1)",
            params![code],
            |r| r.get(0),
        )?)
    }
}
