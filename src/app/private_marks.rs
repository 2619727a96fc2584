//! Private messages (see store/private.rs): a salesperson on a message, or
//! an admin, marks it private through one of its entries, audited; and
//! which salesperson each login is, the admin's to say.

use chrono::Utc;

use super::audit::{Audited, os_user};
use super::{App, AppError, Result};

/// The longest login kept (an OS account or a database role name).
const LOGIN_MAX: usize = 64;

impl App {
    /// Marks the message of entry `entry_no` private (`on`) or not; whether
    /// it changed. Refused unless this process is an admin or the
    /// salesperson of an entry of that message.
    pub fn set_private(&self, entry_no: i64, on: bool) -> Result<bool> {
        let event = Audited::Private { entry_no, on }.event();
        Ok(self
            .store()?
            .set_private(entry_no, on, &os_user(), Utc::now(), &event)?)
    }

    /// Says that `login` (an OS account; on PostgreSQL a database role) is
    /// salesperson `code`: they then see their private messages.
    pub fn set_login(&self, login: &str, code: &str) -> Result<()> {
        self.require_admin()?;
        let login = login.trim();
        if login.is_empty()
            || login.chars().count() > LOGIN_MAX
            || login.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(AppError::Invalid(format!(
                "'{}' is not a login: give the account's name as `id -un` prints it (or the database role), at most {LOGIN_MAX} characters",
                crate::domain::text::one_line(login)
            )));
        }
        let store = self.store()?;
        if !store.salespeople()?.iter().any(|s| s.code == code) {
            return Err(AppError::Invalid(format!(
                "there is no salesperson {}: salespeople come from `emaillog import salespeople`",
                crate::domain::text::one_line(code)
            )));
        }
        store.set_login(login, code)?;
        Ok(())
    }

    /// Forgets which salesperson `login` is; whether it was known.
    pub fn remove_login(&self, login: &str) -> Result<bool> {
        self.require_admin()?;
        Ok(self.store()?.remove_login(login.trim())?)
    }

    /// Every login and its salesperson's code.
    pub fn logins(&self) -> Result<Vec<(String, String)>> {
        self.require_admin()?;
        Ok(self.store()?.logins()?)
    }
}
