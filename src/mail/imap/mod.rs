//! IMAP as a mail source: the shared mailbox's INBOX read by UID.

pub mod parse;
