//! Attachments as the UI and the command line reach them: a message's
//! list, a contact's, and one saved to a file — fetched from the mailbox
//! with the mailbox's own sign-in (so only where the admin's key file can
//! open it), written new and 0600, never opened or run.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::domain::text::one_line;
use crate::store::{ContactAttachment, StoredAttachment};

use super::{App, AppError, Result};

/// A file name for an attachment's name: no folders, no control
/// characters, no leading dot (not hidden, not `..`), at most 200 bytes;
/// "attachment" when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = one_line(name)
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut out = String::new();
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > 200 {
            break;
        }
        out.push(c);
    }
    if out.is_empty() {
        "attachment".into()
    } else {
        out
    }
}

/// Where an attachment is offered to be saved: `~/Downloads` when there
/// is one, else the current folder.
pub fn suggested_path(name: &str) -> PathBuf {
    let file = safe_file_name(name);
    std::env::var_os("HOME")
        .map(|h| Path::new(&h).join("Downloads"))
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("."))
        .join(file)
}

/// `~/x` as the home folder's `x`.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// "1.2 MB", "14 KB", "312 bytes".
pub fn size_text(bytes: i64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1_000_000.0),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        1 => "1 byte".into(),
        b => format!("{b} bytes"),
    }
}

impl App {
    /// The attachments of entry `entry_no`'s message.
    pub fn entry_attachments(&self, entry_no: i64) -> Result<Vec<StoredAttachment>> {
        let store = self.store()?;
        let entry = store.entry(entry_no)?.ok_or_else(|| {
            AppError::Invalid(format!(
                "there is no entry {entry_no}: give an entry number as the interaction log shows it"
            ))
        })?;
        Ok(store.message_attachments(entry.logged_message_id)?)
    }

    /// Every attachment exchanged with contact `no`, newest first.
    pub fn contact_attachments(&self, no: &str) -> Result<Vec<ContactAttachment>> {
        Ok(self.store()?.contact_attachments(no.trim())?)
    }

    /// Fetches attachment `seq` of logged message `message` from its
    /// mailbox and writes it to `path` (a new file, 0600; `~/` is the home
    /// folder); says what it did. An existing file, a link or a folder at
    /// `path` is refused, and a failed write leaves no partial file.
    pub async fn save_attachment(&self, message: i64, seq: i64, path: &str) -> Result<String> {
        let path = expand_home(path.trim());
        if path.as_os_str().is_empty() {
            return Err(AppError::Invalid("give a file to save it to".into()));
        }
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(AppError::Invalid(format!(
                "{} exists: choose another name (nothing is overwritten)",
                path.display()
            )));
        }
        let mut store = self.store()?;
        let (att, mailbox_id, mailbox_no) =
            store.attachment_source(message, seq)?.ok_or_else(|| {
                AppError::Invalid(
                    "that attachment is no longer in the log (deleted or logged again)".into(),
                )
            })?;
        store.use_mailbox(mailbox_no)?;
        let setup = store.setup()?;
        let source = self.mail_source(&setup, &store)?;
        let bytes = source
            .attachment(&mailbox_id, &att.source_id)
            .await
            .map_err(|e| AppError::Invalid(format!("cannot fetch {}: {e}", one_line(&att.name))))?;
        let write = || -> std::io::Result<()> {
            let mut f = crate::private_file::create_new(&path)?;
            f.write_all(&bytes)?;
            f.sync_all()
        };
        if let Err(e) = write() {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(&path);
            }
            return Err(AppError::Invalid(format!(
                "cannot write {}: {e}",
                path.display()
            )));
        }
        Ok(format!(
            "saved {} ({}) to {}",
            one_line(&att.name),
            size_text(bytes.len() as i64),
            path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachment_name_never_becomes_a_path() {
        for (name, file) in [
            ("report.pdf", "report.pdf"),
            ("../../.bashrc", "_.._.bashrc"),
            ("/etc/passwd", "_etc_passwd"),
            (".hidden", "hidden"),
            ("..", "attachment"),
            ("", "attachment"),
            ("a\u{202e}fdp.exe", "afdp.exe"),
            ("Prisliste Æ Ø Å.xlsx", "Prisliste Æ Ø Å.xlsx"),
            ("C:\\x\\y.doc", "C__x_y.doc"),
        ] {
            assert_eq!(safe_file_name(name), file, "{name:?}");
        }
        assert!(safe_file_name(&"é".repeat(300)).len() <= 200);
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(312), "312 bytes");
        assert_eq!(size_text(14_200), "14 KB");
        assert_eq!(size_text(20_971_520), "21.0 MB");
    }
}
