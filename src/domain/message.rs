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
    /// What is attached (files and inline images), as the source lists
    /// them; the bytes stay in the mailbox and are fetched on demand.
    pub attachments: Vec<Attachment>,
}

/// One attachment of a message: what the log keeps of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    /// The source's id for it (Graph's attachment id; for IMAP its
    /// position among the message's attachments), to fetch it by.
    pub source_id: String,
    /// As the sender named it (decoded; untrusted: never a path).
    pub name: String,
    pub content_type: String,
    /// Bytes, as the source counts them.
    pub size: i64,
    /// Shown in the body (an image the body refers to by Content-ID)
    /// rather than attached.
    pub inline: bool,
}

/// Attachments kept per message at most: more are left out of the list
/// (a message with thousands of parts is hostile, not correspondence).
pub const MAX_ATTACHMENTS: usize = 250;
/// The longest attachment name kept, in characters.
pub const MAX_ATTACHMENT_NAME: usize = 255;

impl Attachment {
    /// An attachment as a source reported it, bounded: its name and type
    /// cut to length and stripped of control characters.
    pub fn new(source_id: String, name: &str, content_type: &str, size: i64, inline: bool) -> Self {
        let clean = |s: &str, max: usize| -> String {
            super::text::one_line(s.trim()).chars().take(max).collect()
        };
        Attachment {
            source_id,
            name: clean(name, MAX_ATTACHMENT_NAME),
            content_type: clean(content_type, 127).to_ascii_lowercase(),
            size: size.max(0),
            inline,
        }
    }
}

impl MailMessage {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
