//! The logging mailboxes of a database: listing, adding and removing them,
//! and picking the one a per-mailbox command acts on (`--shared-mailbox`).

use chrono::Utc;

use crate::domain::normalize_address;
use crate::store::MailboxRow;

pub use crate::store::Removed;

use super::{App, AppError, Result};

/// "a@x, b@y" for an error that lists the mailboxes to choose from.
fn listed(rows: &[MailboxRow]) -> String {
    rows.iter()
        .map(|m| {
            if m.address.is_empty() {
                format!("#{} (no address yet)", m.no)
            } else {
                crate::domain::text::one_line(&m.address)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl App {
    /// Every logging mailbox, by number, with what its job did last.
    pub fn mailboxes(&self) -> Result<Vec<MailboxRow>> {
        Ok(self.store()?.mailboxes()?)
    }

    /// This database with the mailbox at `address` picked; an address that
    /// is none of them is an error that lists them.
    pub fn pick_mailbox(&self, address: &str) -> Result<App> {
        let store = self.store()?;
        match store.mailbox_numbered(address)? {
            Some(no) => Ok(self.with_mailbox(no)),
            None => Err(AppError::Invalid(format!(
                "there is no logging mailbox {}; the mailboxes are: {} (add one with `emaillog mailbox add ADDRESS`)",
                crate::domain::text::one_line(address),
                listed(&store.mailboxes()?)
            ))),
        }
    }

    /// The app a per-mailbox command acts on: the picked mailbox, or the
    /// only one; with several and none picked, an error that lists them.
    pub fn one_mailbox(&self) -> Result<App> {
        if self.picked_mailbox().is_some() {
            return Ok(self.clone());
        }
        let rows = self.mailboxes()?;
        match rows.as_slice() {
            [only] => Ok(self.with_mailbox(only.no)),
            _ => Err(AppError::Invalid(format!(
                "this database logs {} mailboxes: say which with --shared-mailbox ADDRESS (or EMAILLOG_SHARED_MAILBOX): {}",
                rows.len(),
                listed(&rows)
            ))),
        }
    }

    /// Adds a logging mailbox with the default setup (admin only); returns
    /// this database with it picked.
    pub fn add_mailbox(&self, address: &str) -> Result<App> {
        self.require_admin()?;
        let address = normalize_address(address).ok_or_else(|| {
            AppError::Invalid(format!(
                "'{}' is not an email address: give the shared mailbox's address, like crm-log@contoso.example",
                crate::domain::text::one_line(address)
            ))
        })?;
        let store = self.store()?;
        if store.mailbox_numbered(&address)?.is_some() {
            return Err(AppError::Invalid(format!(
                "{address} is already a logging mailbox: `emaillog mailbox list` shows them"
            )));
        }
        // A new database's first mailbox has no address yet: it becomes this one.
        let rows = store.mailboxes()?;
        if let [only] = rows.as_slice()
            && only.address.is_empty()
        {
            let app = self.with_mailbox(only.no);
            app.change_setup(&super::setup_edit::SetupChanges {
                mailbox: Some(address),
                ..Default::default()
            })?;
            return Ok(app);
        }
        Ok(self.with_mailbox(store.add_mailbox(&address)?))
    }

    /// Removes the picked mailbox (admin only): its setup, secrets, job and
    /// records go; its log entries stay unless `purge`.
    pub fn remove_mailbox(&self, purge: bool) -> Result<Removed> {
        self.require_admin()?;
        let mut store = self.store()?;
        let no = store.mailbox_no();
        let removed = store.remove_mailbox(no, purge, Utc::now())?;
        // The purged contacts' conversations, recomputed now rather than
        // at the next run.
        store.refresh_all_conversations()?;
        Ok(removed)
    }
}
