//! The audit trail as the command line and the UI use it: what each
//! audited act records, who did it, reading and verifying the trail, and
//! pruning it (the admin's, and itself recorded). Who is the account the
//! process runs under, read from the system (not from $USER, which anyone
//! can set); on PostgreSQL the server records the connecting role instead.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::audit::{AuditRow, Finding, PruneMark, Verifier};
use crate::domain::text::one_line;
use crate::store::AuditEvent;

use super::log::LogView;
use super::{App, AppError, Result};

/// Rows `audit list` shows unless told otherwise.
pub const LIST_LIMIT: usize = 200;

/// The login name of the account this process runs under (its real uid),
/// or "uid N" when the system has no name for it.
pub fn os_user() -> String {
    // SAFETY: getuid cannot fail; getpwuid_r writes only into the buffers
    // given, whose sizes it is told, and `result` points into `pwd` or is
    // null.
    unsafe {
        let uid = libc::getuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            let name = std::ffi::CStr::from_ptr(pwd.pw_name).to_string_lossy();
            let name = one_line(name.trim());
            if !name.is_empty() {
                return name.chars().take(64).collect();
            }
        }
        format!("uid {uid}")
    }
}

/// The audited acts, each with what it records.
#[derive(Debug, Clone, PartialEq)]
pub enum Audited {
    /// A logged message read in the UI.
    MessageOpened {
        message_id: i64,
    },
    /// Entries exported, with the filters and how many rows went.
    Export {
        via: &'static str,
        format: &'static str,
        filters: Value,
        rows: usize,
    },
    /// A capture level set (`full`: the rule removed).
    CaptureSet {
        kind: &'static str,
        target: String,
        level: &'static str,
    },
    NeverLogAdded {
        pattern: String,
    },
    NeverLogRemoved {
        pattern: String,
    },
    KeepDaysSet {
        days: u32,
    },
    /// A message marked private (`on`) or no longer, through one of its entries.
    Private {
        entry_no: i64,
        on: bool,
    },
    /// Everything held about a person written out: whom, as a hash.
    SubjectAccess {
        person: String,
        counts: super::privacy::AccessCounts,
    },
}

impl Audited {
    /// What it was done to, as the trail's `target`.
    pub fn target(&self) -> String {
        self.event().target
    }

    pub fn event(&self) -> AuditEvent {
        let (action, target, detail) = match self {
            Audited::MessageOpened { message_id } => (
                "message_opened",
                message_target(*message_id),
                json!({ "message": message_id }),
            ),
            Audited::Export {
                via,
                format,
                filters,
                rows,
            } => (
                "export",
                String::new(),
                json!({ "via": via, "format": format, "filters": filters, "rows": rows }),
            ),
            Audited::CaptureSet {
                kind,
                target,
                level,
            } => (
                if *level == "full" {
                    "capture_removed"
                } else {
                    "capture_set"
                },
                String::new(),
                json!({ "kind": kind, "target": target, "level": level }),
            ),
            Audited::NeverLogAdded { pattern } => (
                "never_log_added",
                String::new(),
                json!({ "pattern": pattern }),
            ),
            Audited::NeverLogRemoved { pattern } => (
                "never_log_removed",
                String::new(),
                json!({ "pattern": pattern }),
            ),
            Audited::Private { entry_no, on } => (
                if *on {
                    "private_set"
                } else {
                    "private_cleared"
                },
                format!("entry {entry_no}"),
                json!({ "entry": entry_no }),
            ),
            Audited::SubjectAccess { person, counts } => (
                "subject_access",
                String::new(),
                json!({ "person": person, "counts": counts }),
            ),
            Audited::KeepDaysSet { days } => (
                "audit_keep_days_set",
                String::new(),
                json!({ "days": days }),
            ),
        };
        AuditEvent {
            action: action.into(),
            target,
            detail: detail_text(&detail),
        }
    }
}

/// The target a message's openings are counted by.
fn message_target(message_id: i64) -> String {
    format!("message {message_id}")
}

/// A detail as stored: one line of JSON whose text is safe to show.
fn detail_text(v: &Value) -> String {
    crate::domain::text::json_safe(&v.to_string())
}

/// A log view's filters as an export's audit row records them.
pub fn view_filters(view: &LogView) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(one_line(&v)));
        }
    };
    put("contact", view.contact_no.clone());
    put("salesperson", view.salesperson_code.clone());
    put("company", view.company.clone());
    put("direction", view.direction.map(|d| d.as_str().to_string()));
    put("from", view.from.map(crate::store::ts));
    put("to", view.to.map(crate::store::ts));
    put("search", view.search.clone());
    put("mailbox", view.mailbox.map(|n| n.to_string()));
    Value::Object(m)
}

/// A row's detail as people read it: `rows 412 · format csv · filters
/// (salesperson AH)`; text that is not a JSON object as it is.
pub fn detail_summary(detail: &str) -> String {
    fn value(v: &Value) -> String {
        match v {
            Value::String(s) => one_line(s),
            Value::Object(m) if m.is_empty() => "none".into(),
            Value::Object(m) => format!(
                "({})",
                m.iter()
                    .map(|(k, v)| format!("{k} {}", value(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => one_line(&other.to_string()),
        }
    }
    match serde_json::from_str::<Value>(detail) {
        Ok(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", value(v)))
            .collect::<Vec<_>>()
            .join(" · "),
        _ => one_line(detail),
    }
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub rows: u64,
    /// The last row's number and hash: keep them to pass as `--anchor`.
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
    pub problems: Vec<String>,
}

/// An anchor as typed: `SEQ:HASH`.
pub fn parse_anchor(s: &str) -> Result<(i64, String)> {
    let bad = || {
        AppError::Invalid(format!(
            "'{}' is not an anchor: give it as audit verify printed it, NUMBER:HASH (64 hex digits)",
            one_line(s)
        ))
    };
    let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
    let seq: i64 = seq.trim().parse().map_err(|_| bad())?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash))
}

impl App {
    /// Records `what` in the audit trail, as whoever runs this process.
    pub fn audit(&self, what: &Audited) -> Result<()> {
        self.store()?.audit(&os_user(), Utc::now(), &what.event())?;
        Ok(())
    }

    /// The newest audit rows (the admin's).
    pub fn audit_list(
        &self,
        since: Option<DateTime<Utc>>,
        who: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditRow>> {
        self.require_admin()?;
        Ok(self.store()?.audit_list(since, who, limit)?)
    }

    /// Checks the whole trail (the admin's): every row against its hash
    /// and the row before it, and `anchor` when given.
    pub fn audit_verify(&self, anchor: Option<(i64, String)>) -> Result<VerifyReport> {
        self.require_admin()?;
        let mut v = Verifier::new(anchor);
        self.store()?.audit_each(|r| v.push(r))?;
        let rows = v.rows;
        let head = v.head().cloned();
        let problems = v.finish().iter().map(Finding::describe).collect();
        Ok(VerifyReport {
            rows,
            head_seq: head.as_ref().map(|h| h.0),
            head_hash: head.map(|h| h.1),
            problems,
        })
    }

    /// Who opened logged message `message_id` in the UI (the admin's).
    pub fn opened_by(&self, message_id: i64) -> Result<Vec<String>> {
        self.require_admin()?;
        Ok(self.store()?.audit_who(&message_target(message_id))?)
    }

    /// Days audit rows are kept before a prune may remove them.
    pub fn audit_keep_days(&self) -> Result<u32> {
        Ok(self.store()?.audit_keep_days()?)
    }

    /// Changes the days kept (the admin's; 30 to 3650), recorded.
    pub fn set_audit_keep_days(&self, days: u32) -> Result<()> {
        self.require_admin()?;
        if !(30..=3650).contains(&days) {
            return Err(AppError::Invalid(
                "audit rows are kept 30 to 3650 days".into(),
            ));
        }
        self.store()?.set_audit_keep_days(days)?;
        self.audit(&Audited::KeepDaysSet { days })
    }

    /// Removes the audit rows older than the days kept (or `older_than`
    /// days, not fewer than 30), recording the prune; how many went.
    pub fn audit_prune(&self, older_than: Option<u32>, now: DateTime<Utc>) -> Result<u64> {
        self.require_admin()?;
        let mut store = self.store()?;
        let days = match older_than {
            Some(d) if d < 30 => {
                return Err(AppError::Invalid(
                    "audit rows younger than 30 days are never pruned: give 30 or more".into(),
                ));
            }
            Some(d) => d,
            None => store.audit_keep_days()?,
        };
        let cutoff = now - chrono::Duration::days(i64::from(days));
        let detail = |m: &PruneMark| {
            detail_text(&json!({
                "through_seq": m.through_seq,
                "through_hash": m.through_hash,
                "rows": m.rows,
                "older_than_days": days,
            }))
        };
        Ok(store.audit_prune(&os_user(), now, cutoff, detail)?)
    }
}
