//! Capture levels as the command line and the UI keep them: the rules,
//! setting one (the admin's, and recorded in the audit trail). A level
//! applies to mail logged from then on; what is stored already stays as
//! it is (retention and forget remove what was kept).

use crate::domain::capture::{CaptureLevel, CaptureRule, CaptureTarget};
use crate::domain::text::one_line;

use super::audit::Audited;
use super::{App, AppError, Result};

/// A rule as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaptureRow {
    pub kind: &'static str,
    pub target: String,
    pub level: &'static str,
    /// When it was set (RFC 3339), if it reads.
    pub set_at: Option<String>,
}

impl App {
    /// The rules, by kind and target.
    pub fn capture_list(&self) -> Result<Vec<CaptureRow>> {
        self.require_admin()?;
        Ok(self
            .store()?
            .capture_rules()?
            .into_iter()
            .map(|(CaptureRule { target, level }, at)| CaptureRow {
                kind: target.kind(),
                target: target.value().to_string(),
                level: level.as_str(),
                set_at: at.map(crate::store::ts),
            })
            .collect())
    }

    /// Sets the level of `target` (an address, a domain or a salesperson's
    /// code) to `level` (full, subject or metadata; full removes the
    /// rule); says what it did.
    pub fn capture_set(&self, target: &str, level: &str) -> Result<String> {
        self.require_admin()?;
        let level = CaptureLevel::parse(level).ok_or_else(|| {
            AppError::Invalid(format!(
                "'{}' is not a capture level: full, subject or metadata",
                one_line(level)
            ))
        })?;
        let store = self.store()?;
        let codes: Vec<String> = store.salespeople()?.into_iter().map(|s| s.code).collect();
        let target = CaptureTarget::parse(target, &codes).map_err(AppError::Invalid)?;
        let changed = store.capture_set(&target, level, chrono::Utc::now())?;
        let what = format!("{} {}", target.kind(), target.value());
        if !changed {
            return Ok(match level {
                CaptureLevel::Full => format!("{what} has no capture rule: everything is kept"),
                _ => format!("{what} is at {} already", level.as_str()),
            });
        }
        self.audit(&Audited::CaptureSet {
            kind: target.kind(),
            target: target.value().to_string(),
            level: level.as_str(),
        })?;
        Ok(format!(
            "mail of {what} is logged at {}: {} (from the next run on; what is stored stays)",
            level.as_str(),
            level.describe()
        ))
    }
}
