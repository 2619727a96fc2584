//! An RFC 5322 message, as IMAP hands it over, turned into the engine's
//! [`MailMessage`] with mail-parser: addresses (groups and encoded words
//! included), dates, `Message-ID`, the conversation from `References` /
//! `In-Reply-To`, `Sensitivity`, the headers that mark mail as
//! auto-generated, and the body as text (from text/plain, or converted from
//! HTML). A message it cannot read is bad, never the page.

use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

use crate::domain::message::MAX_ATTACHMENTS;
use crate::domain::{Attachment, MailMessage, Recipient};
use crate::mail::BadMessage;

/// Headers the classifier reads, kept from the message.
const KEPT: &[&str] = &[
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "X-Autorespond",
    "Content-Type",
    "List-Id",
    "List-Unsubscribe",
    "Sensitivity",
];

fn recipients(a: Option<&Address<'_>>) -> Vec<Recipient> {
    // Groups are flattened: "Sales: a@x, b@y;" is two recipients.
    a.map(|a| {
        a.iter()
            .filter_map(|r| {
                let address = r.address.as_deref()?.trim().to_string();
                (!address.is_empty()).then(|| Recipient {
                    name: r.name.as_deref().unwrap_or_default().trim().to_string(),
                    address,
                })
            })
            .collect()
    })
    .unwrap_or_default()
}

/// `<a@b>` with its angle brackets, as Graph gives `internetMessageId`.
pub(super) fn bracketed(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    if id.is_empty() {
        String::new()
    } else {
        format!("<{id}>")
    }
}

/// The first id of a header holding one or more message ids.
fn first_id(v: &HeaderValue<'_>) -> Option<String> {
    match v {
        HeaderValue::Text(t) => Some(bracketed(t)),
        HeaderValue::TextList(l) => l.first().map(|t| bracketed(t)),
        _ => None,
    }
}

/// Outlook's Sensitivity header as PR_SENSITIVITY (0–3).
pub fn sensitivity(v: &str) -> Option<i64> {
    match v.trim().to_ascii_lowercase().as_str() {
        "normal" => Some(0),
        "personal" => Some(1),
        "private" => Some(2),
        "company-confidential" | "confidential" => Some(3),
        _ => None,
    }
}

/// Parses one message. `received` is the server's INTERNALDATE.
pub fn parse_message(
    mailbox_id: &str,
    raw: &[u8],
    received: Option<DateTime<Utc>>,
) -> Result<MailMessage, BadMessage> {
    // Bytes that hold no message at all read the same way every time.
    let bad = |e: &str| BadMessage {
        mailbox_id: mailbox_id.to_string(),
        error: e.to_string(),
        permanent: true,
    };
    let m = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| bad("not readable as an RFC 5322 message"))?;
    if m.headers().is_empty() {
        return Err(bad("the message has no headers"));
    }
    let internet_message_id = m.message_id().map(bracketed).unwrap_or_default();
    // The thread's root: the first of References, else In-Reply-To, else itself.
    let conversation_id = first_id(m.references())
        .or_else(|| first_id(m.in_reply_to()))
        .unwrap_or_else(|| internet_message_id.clone())
        .to_ascii_lowercase();
    let sender = recipients(m.from())
        .into_iter()
        .next()
        .or_else(|| recipients(m.sender()).into_iter().next());
    let mut headers = Vec::new();
    for (name, value) in m.headers_raw() {
        if KEPT.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    let sensitivity = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Sensitivity"))
        .and_then(|(_, v)| sensitivity(v));
    let sent_at = m
        .date()
        .and_then(|d| Utc.timestamp_opt(d.to_timestamp(), 0).single());
    let body_text = m.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    Ok(MailMessage {
        mailbox_id: mailbox_id.to_string(),
        internet_message_id,
        conversation_id,
        subject: m.subject().unwrap_or_default().to_string(),
        // IMAP drafts carry the \Draft flag; the caller sets it.
        is_draft: false,
        sender,
        to: recipients(m.to()),
        cc: recipients(m.cc()),
        sent_at,
        received_at: received.or(sent_at),
        sensitivity,
        headers,
        body_text,
        web_link: String::new(),
        attachments: attachments(&m),
    })
}

/// The message's attachments as the log keeps them: its MIME parts that
/// mail-parser counts as attachments (files, inline images, attached
/// messages), names decoded (encoded words, RFC 2231), each known by its
/// position so it can be found again in the same message.
fn attachments(m: &mail_parser::Message<'_>) -> Vec<Attachment> {
    m.attachments()
        .take(MAX_ATTACHMENTS)
        .enumerate()
        .map(|(i, part)| {
            let content_type = part
                .content_type()
                .map(|c| match c.subtype() {
                    Some(sub) => format!("{}/{sub}", c.ctype()),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            let inline = part.content_disposition().is_some_and(|d| d.is_inline())
                || (part.content_disposition().is_none() && part.content_id().is_some());
            let name = part
                .attachment_name()
                .map(str::to_string)
                .or_else(|| {
                    part.message()
                        .and_then(|n| n.subject())
                        .map(|s| format!("{s}.eml"))
                })
                .unwrap_or_else(|| format!("attachment {}", i + 1));
            Attachment::new(
                i.to_string(),
                &name,
                &content_type,
                part.len() as i64,
                inline,
            )
        })
        .collect()
}

/// The bytes of attachment `index` (as [`attachments`] numbered them) of
/// the raw message, if it has one.
pub fn attachment_bytes(raw: &[u8], index: usize) -> Option<Vec<u8>> {
    let m = MessageParser::default().parse(raw)?;
    m.attachments().nth(index).map(|p| p.contents().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> MailMessage {
        parse_message("1:1", raw.as_bytes(), None).expect("parses")
    }

    #[test]
    fn shapes_of_real_mail() {
        // Encoded words, a folded header, a group, 8-bit text, multipart.
        let m = parse(concat!(
            "From: =?UTF-8?Q?Ana_Mar=C3=ADa_Ruiz?= <ana@fabrikam.example>\r\n",
            "To: Sales team: annette@contoso.example, \"Ben D\" <ben@contoso.example>;\r\n",
            "Cc: =?ISO-8859-1?B?Sm9z6Q==?= <jose@northwind.example>\r\n",
            "Subject: =?UTF-8?B?UHLDqWNpbyBkZQ==?=\r\n folded subject\r\n",
            "Date: Tue, 5 Mar 2024 10:15:00 +0100\r\n",
            "Message-ID: <abc@fabrikam.example>\r\n",
            "References: <root@fabrikam.example> <mid@contoso.example>\r\n",
            "In-Reply-To: <mid@contoso.example>\r\n",
            "Sensitivity: Company-Confidential\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/alternative; boundary=\"b\"\r\n",
            "\r\n",
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus Köln\r\n",
            "--b\r\nContent-Type: text/html\r\n\r\n<p>Gr&uuml;&szlig;e</p>\r\n--b--\r\n",
        ));
        assert_eq!(m.sender.as_ref().unwrap().name, "Ana María Ruiz");
        assert_eq!(m.sender.as_ref().unwrap().address, "ana@fabrikam.example");
        let to: Vec<&str> = m.to.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(to, ["annette@contoso.example", "ben@contoso.example"]);
        assert_eq!(m.cc[0].name, "José");
        assert_eq!(m.subject, "Précio de folded subject");
        assert_eq!(m.internet_message_id, "<abc@fabrikam.example>");
        assert_eq!(m.conversation_id, "<root@fabrikam.example>");
        assert_eq!(m.sensitivity, Some(3));
        assert_eq!(m.sent_at.unwrap().to_rfc3339(), "2024-03-05T09:15:00+00:00");
        assert!(m.body_text.contains("Grüße aus Köln"), "{}", m.body_text);
    }

    #[test]
    fn html_only_bodies_become_text_and_missing_parts_are_empty() {
        let m = parse(concat!(
            "From: news@fabrikam.example\r\n",
            "To: annette@contoso.example\r\n",
            "Subject: News\r\n",
            "Auto-Submitted: auto-generated\r\n",
            "Precedence: bulk\r\n",
            "Content-Type: text/html\r\n\r\n",
            "<html><body><h1>Autumn</h1><p>Our range&nbsp;is here.</p></body></html>\r\n",
        ));
        assert!(m.body_text.contains("Autumn"), "{}", m.body_text);
        assert!(!m.body_text.contains("<p>"), "{}", m.body_text);
        assert_eq!(m.header("auto-submitted"), Some("auto-generated"));
        assert_eq!(m.header("Precedence"), Some("bulk"));
        assert_eq!(m.internet_message_id, "", "no Message-ID");
        assert_eq!(m.conversation_id, "", "a conversation of its own");
        assert!(m.sent_at.is_none());
    }

    #[test]
    fn a_reply_without_references_threads_on_in_reply_to() {
        let m = parse(
            "From: a@x.example\r\nTo: b@y.example\r\nMessage-ID: <R@X>\r\nIn-Reply-To: <Root@Y>\r\n\r\nhi\r\n",
        );
        assert_eq!(m.conversation_id, "<root@y>");
    }

    #[test]
    fn what_is_not_a_message_is_bad() {
        // No header section at all: reading it again cannot help.
        let empty = parse_message("1:9", b"", None).unwrap_err();
        assert!(empty.permanent, "{empty:?}");
        // Garbage is read leniently: no sender, so the classifier skips it.
        if let Ok(m) = parse_message("1:9", b"\x00\x01\x02 garbage without headers", None) {
            assert!(m.sender.is_none());
        }
        assert_eq!(sensitivity("Personal"), Some(1));
        assert_eq!(sensitivity("weird"), None);
    }
}
