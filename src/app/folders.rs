//! The picked mailbox's folder hierarchy, one level at a time, for the
//! Setup screen's folder picker: the admin browses to the queue, storage or
//! Skipped folder instead of typing its path (a typo would read nothing).

use crate::domain::setup::SourceKind;
use crate::mail::{FolderEntry, FolderPaths, MailError};

use super::validate::mail_fix;
use super::{App, AppError, Result};

/// A mail error as the picker shows it: what went wrong and what to do.
fn picker_error(e: MailError) -> AppError {
    let text = match &e {
        MailError::NoSuchFolder(_) => format!("{e}; go up a level (←) and choose again"),
        _ => format!("{e}; {}", mail_fix(&e)),
    };
    if e.is_retryable() {
        AppError::Unavailable(text)
    } else {
        AppError::Invalid(text)
    }
}

impl App {
    /// The folders right under the folder `path` names (its steps, as the
    /// picker walked them; none: the top of the mailbox) in the picked
    /// mailbox, read from the mail service with the stored sign-in.
    pub async fn browse_folders(&self, path: &[String]) -> Result<Vec<FolderEntry>> {
        let store = self.store()?;
        let setup = store.setup()?;
        match setup.source {
            SourceKind::Graph => {
                let source = self.graph_source(&setup, &store)?;
                source.browse(path).await.map_err(picker_error)
            }
            SourceKind::Imap => {
                // Without the setup's folders: a queue folder that is not
                // there (what the picker is for) must not stop the listing.
                let source = self
                    .imap_source(&setup, &store)?
                    .with_folders(FolderPaths::default());
                source.browse(path).await.map_err(picker_error)
            }
        }
    }
}
