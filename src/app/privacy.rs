//! The people in the log as the GDPR sees them: a subject access (art. 15)
//! writes everything held about one address to a file only its owner can
//! read, and a record that must say whom it concerns without naming them
//! (the audit trail's) holds an HMAC of the address under a key sealed
//! with the setup's secrets.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::auth::secrets::Binding;
use crate::domain::capture::{CaptureRule, CaptureTarget};
use crate::domain::normalize_address;
use crate::domain::rules::Forgotten;
use crate::domain::text::{json_safe, one_line};

use super::audit::Audited;
use super::log::participants_in;
use super::{App, AppError, Result};

/// The subject-access file's format; a reader checks it first.
pub const SUBJECT_ACCESS_SCHEMA: &str = "emaillog.subject-access/1";

/// What the person key is sealed to.
fn key_binding() -> Binding {
    Binding::new().with("purpose", "person hashes")
}

/// An address as typed, normalized, or an error that says what is wrong.
pub fn person_address(raw: &str) -> Result<String> {
    normalize_address(raw).ok_or_else(|| {
        AppError::Invalid(format!(
            "'{}' is not an email address: type one like jane@northwind.example",
            one_line(raw)
        ))
    })
}

/// How much a subject access found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AccessCounts {
    pub contacts: usize,
    pub entries: usize,
    pub messages: usize,
    pub attachments: usize,
    pub skipped: usize,
    pub opportunities: usize,
}

impl App {
    /// The people forgotten, for a run: no tombstones, nothing to open;
    /// else the person key, which only the admin's key file opens (a run
    /// without it cannot tell who was forgotten, and does not run).
    pub fn forgotten_in(&self, store: &crate::store::Store) -> Result<Forgotten> {
        let hashes = store.tombstones()?;
        if hashes.is_empty() {
            return Ok(Forgotten::default());
        }
        let sealed = store.person_key_sealed()?.ok_or_else(|| {
            AppError::Invalid(
                "people were forgotten but the key their addresses hash under is missing: restore the database's privacy_keys row from a backup".into(),
            )
        })?;
        let key = self
            .secret_box(false)?
            .open_sealed(&sealed, &key_binding())?;
        Ok(Forgotten::new(key.as_bytes(), hashes))
    }

    /// The HMAC-SHA256 of normalized `address` under the database's person
    /// key (made and sealed the first time; the admin's), as hex.
    pub fn person_hash(&self, address: &str) -> Result<String> {
        self.require_admin()?;
        let store = self.store()?;
        Ok(Forgotten::hash(
            self.person_key(&store)?.as_bytes(),
            address,
        ))
    }

    /// The person key's text, made and sealed the first time.
    pub(super) fn person_key(&self, store: &crate::store::Store) -> Result<String> {
        let secrets = self.secret_box(true)?;
        Ok(match store.person_key_sealed()? {
            Some(sealed) => secrets.open_sealed(&sealed, &key_binding())?,
            None => {
                let fresh: [u8; 32] = rand::random();
                let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
                let kept = store.keep_person_key(&secrets.seal(&hex, &key_binding()))?;
                secrets.open_sealed(&kept, &key_binding())?
            }
        })
    }

    /// Writes everything held about `address` to `out` (a new file, 0600),
    /// and records in the audit trail that it was done, for whom as a hash.
    pub fn subject_access(&self, address: &str, out: &Path) -> Result<AccessCounts> {
        self.require_admin()?;
        let address = person_address(address)?;
        if out.exists() {
            return Err(AppError::Invalid(format!(
                "{} already exists; give a new file name",
                out.display()
            )));
        }
        let (doc, counts) = self.held_about(&address)?;
        let text = json_safe(&serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?);
        let mut file = crate::private_file::create_new(out).map_err(|e| {
            AppError::Invalid(format!(
                "cannot create {}: {e}; choose a new file in a folder you may write to",
                out.display()
            ))
        })?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        let person = self.person_hash(&address)?;
        self.audit(&Audited::SubjectAccess { person, counts })?;
        Ok(counts)
    }

    /// The subject-access document for normalized `address`.
    fn held_about(&self, address: &str) -> Result<(Value, AccessCounts)> {
        let store = self.store()?;
        let is_theirs = |a: &str| normalize_address(a).as_deref() == Some(address);
        let contacts: Vec<_> = store
            .contacts()?
            .into_iter()
            .filter(|c| is_theirs(&c.email) || c.alt_emails.iter().any(|a| is_theirs(a)))
            .collect();
        let nos: Vec<String> = contacts.iter().map(|c| c.no.clone()).collect();
        let entries = store.entries_of_contacts(&nos)?;
        let mut ids: Vec<i64> = entries.iter().map(|e| e.logged_message_id).collect();
        let mut messages = Vec::new();
        let mut attachments = 0usize;
        let in_it = |sender: &str, recipients: &str| {
            participants_in(sender, recipients)
                .iter()
                .any(|(_, _, a)| is_theirs(a))
        };
        ids.extend(
            store
                .logged_mentioning(address)?
                .into_iter()
                .filter(|(_, s, r)| in_it(s, r))
                .map(|(id, _, _)| id),
        );
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let Some(m) = store.stored_message(id)? else {
                continue;
            };
            let files = store.message_attachments(id)?;
            attachments += files.len();
            messages.push(json!({
                "id": m.id,
                "internet_message_id": m.internet_message_id,
                "conversation_id": m.conversation_id,
                "subject": m.subject,
                "sender": m.sender,
                "recipients": serde_json::from_str::<Value>(&m.recipients).unwrap_or(Value::Null),
                "sent_at": m.sent_at,
                "received_at": m.received_at,
                "location": m.location,
                "body": m.body,
                "attachments": files,
            }));
        }
        let skipped: Vec<_> = store
            .skipped_mentioning(address)?
            .into_iter()
            .filter(|s| in_it(&s.sender, &s.recipients))
            .collect();
        let linked: std::collections::BTreeSet<&str> = entries
            .iter()
            .filter_map(|e| e.opportunity_no.as_deref())
            .collect();
        let opportunities: Vec<Value> = store
            .opportunities()?
            .into_iter()
            .filter(|o| linked.contains(o.no.as_str()))
            .map(|o| {
                json!({
                    "no": o.no,
                    "description": o.description,
                    "status": o.status,
                    "estimated_value": o.estimated_value.map(|v| v.to_string()),
                    "close_date": o.close_date,
                    "created_at": o.created_at,
                    "salesperson_code": o.salesperson_code,
                })
            })
            .collect();
        let rules: Vec<Value> = store
            .capture_rules()?
            .into_iter()
            .filter(|(r, _)| applies_to(r, address))
            .map(|(r, _)| json!({"kind": r.target.kind(), "target": r.target.value(), "level": r.level.as_str()}))
            .collect();
        let counts = AccessCounts {
            contacts: contacts.len(),
            entries: entries.len(),
            messages: messages.len(),
            attachments,
            skipped: skipped.len(),
            opportunities: opportunities.len(),
        };
        let doc = json!({
            "schema": SUBJECT_ACCESS_SCHEMA,
            "created_at": crate::store::ts(chrono::Utc::now()),
            "address": address,
            "contacts": contacts.iter().map(|c| json!({
                "no": c.no, "name": c.name, "company": c.company,
                "email": c.email, "alt_emails": c.alt_emails,
            })).collect::<Vec<_>>(),
            "entries": entries,
            "messages": messages,
            "skipped": skipped,
            "opportunities": opportunities,
            "capture_rules": rules,
            // A tombstone of theirs: they were forgotten, and their mail
            // is skipped.
            "forgotten": self.forgotten_guard(&store)?.covers(address),
            "counts": counts,
        });
        Ok((doc, counts))
    }
}

/// Whether a capture rule reaches mail of `address` (its address or one of
/// its domains; a salesperson's rule is about the salesperson).
fn applies_to(rule: &CaptureRule, address: &str) -> bool {
    let domain = crate::domain::address::domain_of(address);
    match &rule.target {
        CaptureTarget::Address(a) => a == address,
        CaptureTarget::Domain(d) => domain == d || domain.ends_with(&format!(".{d}")),
        CaptureTarget::Salesperson(_) => false,
    }
}
