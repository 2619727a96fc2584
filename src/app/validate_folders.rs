//! Validate's checks of a Graph mailbox's folders: the queue folder is
//! there (a typo must not silently read nothing: what is at that level is
//! listed), and is not junk, deleted, draft or sent mail; the storage and
//! Skipped folders are there, or made when asked (never the queue).

use crate::domain::folders::{FolderRole, shown};
use crate::domain::setup::Setup;
use crate::mail::graph::GraphSource;
use crate::mail::{MailError, MailSource};

use super::validate::{Check, fail, mail_fix, pass};

/// The fix for a folder that is not there.
fn folder_fix(role: FolderRole, e: &MailError) -> String {
    match (role, e) {
        (FolderRole::Queue, MailError::NoSuchFolder(_)) => {
            "give the folder the mail flow rule delivers to: emaillog setup set --queue-folder PATH (names as Outlook shows them, Parent/Child)".into()
        }
        (_, MailError::NoSuchFolder(_)) => format!(
            "make it: emaillog validate --create-folders, or fix the path: emaillog setup set --{}-folder PATH",
            role.flag()
        ),
        _ => mail_fix(e),
    }
}

/// The queue folder, then the mailbox read through it.
pub(super) async fn queue_checks(source: &GraphSource, setup: &Setup) -> Vec<Check> {
    let queue = shown(FolderRole::Queue, &setup.queue_folder);
    let id = match source.queue_folder_id().await {
        Ok(id) => id,
        Err(e) => {
            let fix = folder_fix(FolderRole::Queue, &e);
            return vec![
                fail("queue folder", e.to_string(), fix),
                fail(
                    "mailbox reachable",
                    "not checked: no queue folder",
                    "fix the queue folder first",
                ),
            ];
        }
    };
    let mut checks = vec![match source.forbidden_queue(&id).await {
        Ok(None) => pass("queue folder", format!("{queue}: present")),
        Ok(Some(wk)) => fail(
            "queue folder",
            format!(
                "{queue} is the mailbox's {wk} folder: mail is never read from junk, deleted, draft or sent mail"
            ),
            "give the folder the mail flow rule delivers to: emaillog setup set --queue-folder PATH",
        ),
        Err(e) => fail("queue folder", e.to_string(), mail_fix(&e)),
    }];
    checks.push(match source.inbox_count().await {
        Ok(n) => pass(
            "mailbox reachable",
            format!(
                "read {} of {} ({} messages)",
                if setup.queue_folder.is_empty() {
                    "the Inbox".to_string()
                } else {
                    queue
                },
                setup.mailbox,
                n.map_or("?".into(), |n| n.to_string())
            ),
        ),
        Err(e) => fail("mailbox reachable", e.to_string(), mail_fix(&e)),
    });
    checks
}

/// The storage and Skipped folders; made when missing and `create` (the
/// default Skipped folder is always made, as the engine would).
pub(super) async fn destination_checks(
    source: &GraphSource,
    setup: &Setup,
    create: bool,
) -> Vec<Check> {
    let mut checks = Vec::new();
    for (role, path, name) in [
        (FolderRole::Storage, &setup.storage_folder, "storage folder"),
        (FolderRole::Skip, &setup.skip_folder, "Skipped folder"),
    ] {
        let found = if path.is_empty() {
            match role {
                FolderRole::Storage => source.check_folder("archive").await.map(|_| false),
                _ => source.skipped_folder_id().await.map(|_| false),
            }
        } else {
            match source.resolve_path(role, path, false).await {
                Ok(_) => Ok(false),
                Err(MailError::NoSuchFolder(_)) if create => {
                    source.resolve_path(role, path, true).await.map(|_| true)
                }
                Err(e) => Err(e),
            }
        };
        let what = shown(role, path);
        checks.push(match found {
            Ok(false) if path.is_empty() && role == FolderRole::Skip => {
                pass(name, format!("{what}: present (created if it was missing)"))
            }
            Ok(false) => pass(name, format!("{what}: present")),
            Ok(true) => pass(name, format!("{what}: created")),
            Err(e) => {
                let fix = folder_fix(role, &e);
                fail(name, e.to_string(), fix)
            }
        });
    }
    checks
}
