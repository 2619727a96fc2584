//! A message as the engine sees it, whichever mail source it came from.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    /// As the source gave it; normalized only when matched.
    pub address: String,
}

#[derive(Debug, Clone, Default)]
pub struct MailMessage {
    /// The source's id for the message (Graph immutable id, or IMAP UID key).
    pub mailbox_id: String,
    pub internet_message_id: String,
    pub conversation_id: String,
    pub subject: String,
    pub is_draft: bool,
    /// Who sent it: `from` (on whose behalf), else `sender` (SPEC §2.3).
    pub sender: Option<Recipient>,
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    /// Graph's PR_SENSITIVITY: 0 normal, 1 personal, 2 private, 3 confidential.
    pub sensitivity: Option<i64>,
    /// Internet headers that decide whether mail was auto-generated.
    pub headers: Vec<(String, String)>,
    pub body_text: String,
    pub web_link: String,
}

impl MailMessage {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
