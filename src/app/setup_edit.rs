//! Changing the setup: each field checked, consent cleared when the mailbox,
//! client id, secret or redirect URL changes, and the job entry created or
//! removed as the setup is enabled or disabled.

use chrono::Utc;

use crate::domain::folders::{FolderRole, check_folder};
use crate::domain::job::JobEntry;
use crate::domain::normalize_address;
use crate::domain::setup::{
    AuthFlow, ImapAuth, ImapTls, Setup, SourceKind, Unmatched, check_endpoint, check_imap_host,
    check_imap_tls, check_tenant,
};

use super::sealing::Sealed;
use super::{App, AppError, Result};

/// The fields a `setup set` may change; `None` leaves one as it is.
#[derive(Debug, Default, Clone)]
pub struct SetupChanges {
    pub mailbox: Option<String>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub redirect_url: Option<String>,
    pub graph_url: Option<String>,
    pub authority: Option<String>,
    pub auth_flow: Option<AuthFlow>,
    pub batch_size: Option<u32>,
    pub run_limit: Option<u32>,
    pub unmatched: Option<Unmatched>,
    pub store_body: Option<bool>,
    pub skip_sensitive: Option<bool>,
    pub skip_auto_generated: Option<bool>,
    pub domain_matching: Option<bool>,
    pub rate_limit: Option<(u32, u32)>,
    pub job_interval_secs: Option<u32>,
    pub max_attempts: Option<u32>,
    /// Days of runs the job queue log keeps.
    pub run_history_days: Option<u32>,
    /// Retention in days (0: for ever), and whether the mailbox copies go.
    pub retain_bodies_days: Option<u32>,
    pub retain_entries_days: Option<u32>,
    pub retain_skipped_days: Option<u32>,
    pub retain_mailbox: Option<bool>,
    pub secret_command: Option<String>,
    pub source: Option<SourceKind>,
    pub imap_host: Option<String>,
    pub imap_port: Option<u16>,
    pub imap_tls: Option<ImapTls>,
    pub imap_user: Option<String>,
    pub imap_auth: Option<ImapAuth>,
    /// Folder paths (empty: the default).
    pub queue_folder: Option<String>,
    pub storage_folder: Option<String>,
    pub skip_folder: Option<String>,
}

/// Checks and applies changes to a setup; returns whether consent must be given again.
pub fn apply_changes(s: &mut Setup, c: &SetupChanges) -> std::result::Result<bool, String> {
    let mut clears_consent = false;
    if let Some(m) = &c.mailbox {
        let n =
            normalize_address(m).ok_or_else(|| format!("mailbox '{m}' is not an email address"))?;
        clears_consent |= n != s.mailbox;
        s.mailbox = n;
    }
    if let Some(t) = &c.tenant {
        check_tenant(t)?;
        clears_consent |= *t != s.tenant;
        s.tenant = t.clone();
    }
    if let Some(id) = &c.client_id {
        let id = id.trim();
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(format!(
                "client id '{id}' is not an application (client) id"
            ));
        }
        clears_consent |= id != s.client_id;
        s.client_id = id.to_string();
    }
    if let Some(r) = &c.redirect_url {
        check_endpoint("redirect URL", r)?;
        clears_consent |= *r != s.redirect_url;
        s.redirect_url = r.clone();
    }
    // A token is only ever sent where it was issued: a new endpoint needs a
    // new sign-in.
    if let Some(g) = &c.graph_url {
        check_endpoint("Graph URL", g)?;
        let g = g.trim_end_matches('/').to_string();
        clears_consent |= g != s.graph_url;
        s.graph_url = g;
    }
    if let Some(a) = &c.authority {
        check_endpoint("authority", a)?;
        let a = a.trim_end_matches('/').to_string();
        clears_consent |= a != s.authority;
        s.authority = a;
    }
    if let Some(f) = c.auth_flow {
        s.auth_flow = f;
    }
    if let Some(b) = c.batch_size {
        if !(1..=1000).contains(&b) {
            return Err(format!("batch size {b} is outside 1–1000"));
        }
        s.batch_size = b;
    }
    if let Some(l) = c.run_limit {
        s.run_limit = l.max(1);
    }
    if let Some(u) = c.unmatched {
        s.unmatched = u;
    }
    if let Some(v) = c.store_body {
        s.store_body = v;
    }
    if let Some(v) = c.skip_sensitive {
        s.skip_sensitive = v;
    }
    if let Some(v) = c.skip_auto_generated {
        s.skip_auto_generated = v;
    }
    if let Some(v) = c.domain_matching {
        s.domain_matching = v;
    }
    if let Some((n, secs)) = c.rate_limit {
        s.rate_limit = n.max(1);
        s.rate_window_secs = secs.max(1);
    }
    if let Some(i) = c.job_interval_secs {
        s.job_interval_secs = i.max(1);
    }
    if let Some(m) = c.max_attempts {
        s.max_attempts = m.max(1);
    }
    if let Some(d) = c.run_history_days {
        if !crate::domain::setup::RUN_HISTORY_DAYS.contains(&d) {
            return Err(format!(
                "the run history must be between 1 and 3,650 days, not {d}"
            ));
        }
        s.run_history_days = d;
    }
    for (given, kept, what) in [
        (c.retain_bodies_days, &mut s.retain_bodies_days, "bodies"),
        (c.retain_entries_days, &mut s.retain_entries_days, "entries"),
        (
            c.retain_skipped_days,
            &mut s.retain_skipped_days,
            "skipped records",
        ),
    ] {
        if let Some(d) = given {
            if !crate::domain::retention::RETAIN_DAYS.contains(&d) {
                return Err(format!(
                    "{what} are kept between 0 (for ever) and 36,500 days, not {d}"
                ));
            }
            *kept = d;
        }
    }
    if let Some(v) = c.retain_mailbox {
        s.retain_mailbox = v;
    }
    if let Some(c) = &c.secret_command {
        if c.chars().any(|ch| ch == '\n' || ch == '\r') {
            return Err("the secret command must be one line".into());
        }
        s.secret_command = c.trim().to_string();
    }
    if let Some(k) = c.source {
        s.source = k;
    }
    if let Some(h) = &c.imap_host {
        let h = h.trim().to_ascii_lowercase();
        check_imap_host(&h)?;
        // An XOAUTH2 token goes only to the server it was asked for.
        clears_consent |= s.imap_auth == ImapAuth::Xoauth2 && h != s.imap_host;
        s.imap_host = h;
    }
    if let Some(p) = c.imap_port {
        if p == 0 {
            return Err(
                "IMAP port 0 is not a port; use 993 (implicit TLS) or 143 (STARTTLS)".into(),
            );
        }
        s.imap_port = p;
    }
    if let Some(t) = c.imap_tls {
        s.imap_tls = t;
    }
    if let Some(u) = &c.imap_user {
        let u = u.trim();
        if u.chars().any(char::is_control) {
            return Err("the IMAP user name has control characters".into());
        }
        clears_consent |= s.imap_auth == ImapAuth::Xoauth2 && u != s.imap_user;
        s.imap_user = u.to_string();
    }
    if let Some(a) = c.imap_auth {
        clears_consent |= a != s.imap_auth && a == ImapAuth::Xoauth2;
        s.imap_auth = a;
    }
    if !s.imap_host.is_empty() {
        check_imap_tls(&s.imap_host, s.imap_tls)?;
    }
    for (role, given, kept) in [
        (FolderRole::Queue, &c.queue_folder, &mut s.queue_folder),
        (
            FolderRole::Storage,
            &c.storage_folder,
            &mut s.storage_folder,
        ),
        (FolderRole::Skip, &c.skip_folder, &mut s.skip_folder),
    ] {
        if let Some(path) = given {
            *kept = check_folder(role, path)?;
        }
    }
    // Microsoft Entra ID names an app by a GUID; another identity provider
    // (an OIDC test server) may not.
    if c.client_id.is_some()
        && s.authority.contains("login.microsoftonline.com")
        && !crate::domain::setup::is_guid(&s.client_id)
    {
        return Err(format!(
            "client id '{}' is not a GUID: give the app registration's Application (client) ID, like 5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
            crate::domain::text::one_line(&s.client_id)
        ));
    }
    if clears_consent {
        s.consent_given = false;
    }
    Ok(clears_consent)
}

impl App {
    pub fn setup(&self) -> Result<Setup> {
        Ok(self.store()?.setup()?)
    }

    /// Applies and saves changes; the job entry follows the new interval and attempts.
    /// A change that clears consent also deletes the stored tokens and the
    /// read cursor (both belong to the old mailbox or endpoint); leaving
    /// `--unmatched leave` puts the messages left so far back in line for
    /// the new setting.
    pub fn change_setup(&self, changes: &SetupChanges) -> Result<Setup> {
        self.require_admin()?;
        let store = self.store()?;
        let mut s = store.setup()?;
        let before = s.clone();
        let clears_consent = apply_changes(&mut s, changes).map_err(AppError::Invalid)?;
        if s.mailbox != before.mailbox
            && store
                .mailbox_numbered(&s.mailbox)?
                .is_some_and(|no| no != store.mailbox_no())
        {
            return Err(AppError::Invalid(format!(
                "another logging mailbox is already {}: `emaillog mailbox list` shows them",
                s.mailbox
            )));
        }
        store.save_setup(&s)?;
        // The read position belongs to the mailbox and folder it was read in.
        if clears_consent || s.queue_folder != before.queue_folder {
            store.clear_read_cursors()?;
        }
        if clears_consent {
            store.forget_tokens()?;
        }
        // A secret goes only where it was entered for: a new authority or
        // IMAP server needs it entered again (it could not be opened for
        // them anyway: see `sealing`).
        if s.authority != before.authority {
            store.set_client_secret_sealed(None)?;
        }
        if (&s.imap_host, s.imap_port, &s.imap_user)
            != (&before.imap_host, before.imap_port, &before.imap_user)
        {
            store.set_imap_password_sealed(None)?;
        }
        if before.unmatched == Unmatched::Leave && s.unmatched != Unmatched::Leave {
            store.requeue_left()?;
        }
        if let Some(mut job) = store.job_entry()? {
            job.interval_secs = s.job_interval_secs as i64;
            job.max_attempts = s.max_attempts;
            store.save_job_entry(&job)?;
        }
        Ok(s)
    }

    /// Seals and stores the client secret; a changed secret clears consent.
    pub fn set_client_secret(&self, secret: &str) -> Result<()> {
        self.require_admin()?;
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(AppError::Invalid("the client secret is empty; pipe the secret's value into `emaillog setup secret --stdin`".into()));
        }
        let store = self.store()?;
        let mut s = store.setup()?;
        let sealed = self.seal(&s, Sealed::ClientSecret, secret)?;
        store.set_client_secret_sealed(Some(&sealed))?;
        s.consent_given = false;
        store.save_setup(&s)?;
        store.forget_tokens()?;
        Ok(())
    }

    /// Seals and stores the IMAP password.
    pub fn set_imap_password(&self, password: &str) -> Result<()> {
        self.require_admin()?;
        let password = password.trim_end_matches(['\n', '\r']);
        if password.is_empty() {
            return Err(AppError::Invalid("the IMAP password is empty; pipe it into `emaillog setup secret --imap-password --stdin`".into()));
        }
        let store = self.store()?;
        let sealed = self.seal(&store.setup()?, Sealed::ImapPassword, password)?;
        store.set_imap_password_sealed(Some(&sealed))?;
        Ok(())
    }

    /// Enables the setup and creates the job entry (first run after `first_delay_secs`).
    pub fn enable(&self, first_delay_secs: i64) -> Result<()> {
        self.require_admin()?;
        let store = self.store()?;
        let mut s = store.setup()?;
        let missing = s.missing_fields();
        if !missing.is_empty() {
            return Err(AppError::Invalid(format!(
                "the setup is not complete:\n  - {}",
                missing.join("\n  - ")
            )));
        }
        s.enabled = true;
        store.save_setup(&s)?;
        if store.job_entry()?.is_none() {
            let job = JobEntry::new(
                Utc::now(),
                s.job_interval_secs as i64,
                s.max_attempts,
                chrono::Duration::seconds(first_delay_secs.max(0)),
            );
            store.save_job_entry(&job)?;
        }
        Ok(())
    }

    /// Disables the setup and removes the job entry.
    pub fn disable(&self) -> Result<()> {
        self.require_admin()?;
        let store = self.store()?;
        let mut s = store.setup()?;
        s.enabled = false;
        store.save_setup(&s)?;
        store.delete_job_entry()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entra_client_id_must_be_a_guid() {
        let mut s = Setup::default();
        let set = |s: &mut Setup, id: &str| {
            apply_changes(
                s,
                &SetupChanges {
                    client_id: Some(id.into()),
                    ..Default::default()
                },
            )
        };
        let e = set(&mut s, "my-app").unwrap_err();
        assert!(
            e.contains("not a GUID") && e.contains("Application (client) ID"),
            "{e}"
        );
        assert!(set(&mut s, "5e3ce6c0-2b1f-4285-8d4b-75ee78787346").is_ok());
        assert!(
            set(&mut s, "5E3CE6C0-2B1F-4285-8D4B-75EE7878734").is_err(),
            "one digit short"
        );
        // Another identity provider names its clients as it likes.
        s.authority = "https://127.0.0.1:8443/realms/crm".into();
        assert!(set(&mut s, "emaillog-public").is_ok());
    }

    #[test]
    fn changing_mailbox_or_client_id_clears_consent() {
        let mut s = Setup {
            consent_given: true,
            mailbox: "a@x.example".into(),
            ..Setup::default()
        };
        assert!(
            !apply_changes(
                &mut s,
                &SetupChanges {
                    batch_size: Some(10),
                    ..Default::default()
                }
            )
            .unwrap()
        );
        assert!(s.consent_given);
        assert!(
            apply_changes(
                &mut s,
                &SetupChanges {
                    mailbox: Some("B@x.example".into()),
                    ..Default::default()
                }
            )
            .unwrap()
        );
        assert!(!s.consent_given);
        assert_eq!(s.mailbox, "b@x.example");
    }

    #[test]
    fn changing_the_tenant_the_authority_or_the_graph_url_clears_consent() {
        for c in [
            SetupChanges {
                tenant: Some("fabrikam.example".into()),
                ..Default::default()
            },
            SetupChanges {
                authority: Some("https://login.example.org".into()),
                ..Default::default()
            },
            SetupChanges {
                graph_url: Some("https://graph.example.org/v1.0".into()),
                ..Default::default()
            },
        ] {
            let mut s = Setup {
                consent_given: true,
                tenant: "contoso.example".into(),
                ..Setup::default()
            };
            assert!(apply_changes(&mut s, &c).unwrap(), "{c:?}");
            assert!(!s.consent_given, "{c:?}");
        }
        let mut s = Setup {
            consent_given: true,
            tenant: "contoso.example".into(),
            ..Setup::default()
        };
        let same = SetupChanges {
            tenant: Some("contoso.example".into()),
            graph_url: Some(format!("{}/", s.graph_url)),
            ..Default::default()
        };
        assert!(
            !apply_changes(&mut s, &same).unwrap(),
            "an unchanged value keeps consent"
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let mut s = Setup::default();
        for c in [
            SetupChanges {
                mailbox: Some("nope".into()),
                ..Default::default()
            },
            SetupChanges {
                graph_url: Some("http://graph.microsoft.com/v1.0".into()),
                ..Default::default()
            },
            SetupChanges {
                batch_size: Some(0),
                ..Default::default()
            },
            SetupChanges {
                tenant: Some("bad tenant!".into()),
                ..Default::default()
            },
        ] {
            assert!(apply_changes(&mut s, &c).is_err(), "{c:?}");
        }
    }
}
