//! Exporting the interaction log as CSV or JSON, streamed row by row.

use std::io::Write;

use crate::store::EntryRow;

use super::{App, AppError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

pub const COLUMNS: &[&str] = &[
    "entry_no",
    "datetime",
    "direction",
    "initiated_by",
    "salesperson_code",
    "contact_no",
    "contact_company",
    "subject",
    "internet_message_id",
    "conversation_id",
    "web_link",
    "template_code",
    "correspondence_type",
    "account",
    "opportunity_no",
];

fn csv_row(e: &EntryRow) -> Vec<String> {
    vec![
        e.entry_no.to_string(),
        e.datetime.clone(),
        e.direction.clone(),
        e.initiated_by.clone(),
        e.salesperson_code.clone(),
        e.contact_no.clone(),
        e.contact_company.clone(),
        e.subject.clone(),
        e.internet_message_id.clone(),
        e.conversation_id.clone(),
        e.web_link.clone(),
        e.template_code.clone(),
        e.correspondence_type.clone(),
        e.account.clone(),
        e.opportunity_no.clone().unwrap_or_default(),
    ]
}

impl App {
    /// Writes every entry, oldest first.
    pub fn export_interactions(&self, format: ExportFormat, out: &mut dyn Write) -> Result<usize> {
        let store = self.store()?;
        let mut n = 0usize;
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(COLUMNS)
                    .map_err(|e| AppError::Invalid(e.to_string()))?;
                store.for_each_entry(|e| {
                    n += 1;
                    w.write_record(csv_row(&e)).map_err(std::io::Error::other)
                })?;
                w.flush()?;
            }
            ExportFormat::Json => {
                out.write_all(b"[")?;
                store.for_each_entry(|e| {
                    if n > 0 {
                        out.write_all(b",")?;
                    }
                    n += 1;
                    out.write_all(b"\n  ")?;
                    serde_json::to_writer(&mut *out, &e).map_err(std::io::Error::other)
                })?;
                out.write_all(if n > 0 { b"\n]\n" } else { b"]\n" })?;
            }
        }
        Ok(n)
    }
}
