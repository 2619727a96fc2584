//! The IMAP source's ids and read cursor as text, and UID sets: pure.

use crate::mail::MailError;

/// Where the INBOX was read up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub uidvalidity: u32,
    pub last_uid: u32,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("imap:{}:{}", self.uidvalidity, self.last_uid)
    }

    /// `None` for no cursor or one that is not ours (a Graph delta link
    /// left from before the source changed): read from the start.
    pub fn parse(s: Option<&str>) -> Option<Self> {
        let rest = s?.strip_prefix("imap:")?;
        let (v, u) = rest.split_once(':')?;
        Some(Cursor {
            uidvalidity: v.parse().ok()?,
            last_uid: u.parse().ok()?,
        })
    }
}

/// A message: its INBOX UID under a UIDVALIDITY, and its Message-ID (to
/// find it once it has been moved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKey {
    pub uidvalidity: u32,
    pub uid: u32,
    /// With its angle brackets; may be empty.
    pub message_id: String,
}

impl MessageKey {
    pub fn encode(&self) -> String {
        format!("{}:{}:{}", self.uidvalidity, self.uid, self.message_id)
    }

    pub fn parse(id: &str) -> Result<Self, MailError> {
        let mut parts = id.splitn(3, ':');
        let bad =
            || MailError::Permanent(format!("'{id}' is not an IMAP message id of emaillog's"));
        let v = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let u = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        Ok(MessageKey {
            uidvalidity: v,
            uid: u,
            message_id: parts.next().unwrap_or_default().to_string(),
        })
    }

    /// `HEADER Message-ID "<…>"`, when the id can be searched for safely.
    pub fn search_query(&self) -> Option<String> {
        let m = &self.message_id;
        let safe = !m.is_empty()
            && m.len() <= 900
            && m.chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
        safe.then(|| format!("HEADER Message-ID \"{m}\""))
    }

    pub fn display(&self) -> String {
        if self.message_id.is_empty() {
            format!("UID {}", self.uid)
        } else {
            self.message_id.clone()
        }
    }
}

/// `1:3,7,9:10` for sorted UIDs.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// The Message-ID out of a fetched `Message-ID:` header field, bracketed.
pub fn message_id_of_header(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    // Unfold, then take what follows the field name.
    let unfolded = text.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("message-id")
                .then(|| value.trim().to_string())
        })
        .map(|v| super::parse::bracketed(v.split_whitespace().next().unwrap_or_default()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_ids_and_sets() {
        let c = Cursor {
            uidvalidity: 1700000000,
            last_uid: 42,
        };
        assert_eq!(Cursor::parse(Some(&c.encode())), Some(c));
        assert_eq!(
            Cursor::parse(Some("https://graph.microsoft.com/delta?x")),
            None
        );
        assert_eq!(Cursor::parse(None), None);
        let k = MessageKey {
            uidvalidity: 7,
            uid: 9,
            message_id: "<a:b@c>".into(),
        };
        assert_eq!(
            MessageKey::parse(&k.encode()).unwrap(),
            k,
            "a colon in the Message-ID"
        );
        assert!(MessageKey::parse("AAMkAGI2").is_err());
        assert_eq!(k.search_query().unwrap(), "HEADER Message-ID \"<a:b@c>\"");
        let quoted = MessageKey {
            message_id: "<\"x\"@y>".into(),
            ..k.clone()
        };
        assert_eq!(
            quoted.search_query(),
            None,
            "nothing that could break the command"
        );
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn message_ids_from_header_fields() {
        assert_eq!(message_id_of_header(b"Message-ID: <a@b>\r\n\r\n"), "<a@b>");
        assert_eq!(
            message_id_of_header(b"message-id:\r\n <folded@b>\r\n"),
            "<folded@b>"
        );
        assert_eq!(message_id_of_header(b"\r\n"), "");
    }
}
