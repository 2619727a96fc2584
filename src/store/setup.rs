//! The one setup row, and the encrypted secrets beside it.

use rusqlite::{OptionalExtension, params};

use crate::domain::setup::{AuthFlow, Setup, Unmatched};

use super::{Result, Store, StoreError};

impl Store {
    pub fn setup(&self) -> Result<Setup> {
        self.conn
            .query_row(
                "SELECT mailbox, tenant, client_id, redirect_url, auth_flow, batch_size, run_limit, graph_url, authority,
                        enabled, consent_given, account, unmatched, store_body, skip_sensitive, skip_auto_generated,
                        domain_matching, rate_limit, rate_window_secs, job_interval_secs, max_attempts,
                        client_secret_enc IS NOT NULL
                 FROM setup WHERE id = 1",
                [],
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
                    rate_limit = ?18, rate_window_secs = ?19, job_interval_secs = ?20, max_attempts = ?21
             WHERE id = 1",
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
                s.max_attempts
            ],
        )?;
        Ok(())
    }

    /// The client secret as stored: sealed, never plain.
    pub fn client_secret_sealed(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT client_secret_enc FROM setup WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_client_secret_sealed(&self, sealed: Option<&[u8]>) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET client_secret_enc = ?1 WHERE id = 1",
            params![sealed],
        )?;
        Ok(())
    }

    pub fn refresh_token_sealed(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT refresh_token_enc FROM setup WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn set_refresh_token_sealed(&self, sealed: Option<&[u8]>) -> Result<()> {
        self.conn.execute(
            "UPDATE setup SET refresh_token_enc = ?1 WHERE id = 1",
            params![sealed],
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
