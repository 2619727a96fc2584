//! Exporting the interaction log as CSV or JSON, streamed row by row. CSV
//! starts with a UTF-8 byte order mark (so Excel reads Æ Ø Å right) and
//! takes `;` as its separator where Excel expects it (a Norwegian Excel
//! opens a `;` file in columns); rows carry names beside codes; times are
//! ISO 8601 with their offset.

use std::io::Write;

use crate::domain::text::csv_cell;
use crate::store::EntryRow;

use super::audit::{Audited, view_filters};
use super::log::LogView;
use super::{App, AppError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The CSV separators on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Delimiter {
    #[default]
    #[value(name = ",")]
    Comma,
    #[value(name = ";")]
    Semicolon,
    #[value(name = "tab")]
    Tab,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    /// As the UI's export form names it.
    pub fn label(self) -> &'static str {
        match self {
            Delimiter::Comma => ",",
            Delimiter::Semicolon => ";",
            Delimiter::Tab => "tab",
        }
    }

    pub fn from_label(s: &str) -> Option<Delimiter> {
        [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab]
            .into_iter()
            .find(|d| d.label() == s.trim())
    }
}

/// A UTF-8 byte order mark: without it Excel reads UTF-8 as its ANSI code page.
const BOM: &[u8] = b"\xef\xbb\xbf";

fn csv_writer<W: Write>(mut out: W, d: Delimiter) -> std::io::Result<csv::Writer<W>> {
    out.write_all(BOM)?;
    Ok(csv::WriterBuilder::new()
        .delimiter(d.byte())
        .from_writer(out))
}

pub const COLUMNS: &[&str] = &[
    "entry_no",
    "datetime",
    "direction",
    "initiated_by",
    "salesperson_code",
    "salesperson_name",
    "contact_no",
    "contact_name",
    "contact_company",
    "subject",
    "internet_message_id",
    "conversation_id",
    "web_link",
    "template_code",
    "correspondence_type",
    "account",
    "opportunity_no",
    "mailbox",
];

/// One row; every text cell is made safe for a spreadsheet (email text is
/// untrusted, and so is anything imported).
fn csv_row(e: &EntryRow) -> Vec<String> {
    let none = String::new();
    let text = [
        &e.datetime,
        &e.direction,
        &e.initiated_by,
        &e.salesperson_code,
        &e.salesperson_name,
        &e.contact_no,
        &e.contact_name,
        &e.contact_company,
        &e.subject,
        &e.internet_message_id,
        &e.conversation_id,
        &e.web_link,
        &e.template_code,
        &e.correspondence_type,
        &e.account,
        e.opportunity_no.as_ref().unwrap_or(&none),
        &e.mailbox,
    ];
    std::iter::once(e.entry_no.to_string())
        .chain(text.into_iter().map(|t| csv_cell(t)))
        .collect()
}

impl App {
    /// Writes the entries of `view` (the whole log when it has no filter:
    /// in entry order; a filtered view newest first, as the screen shows
    /// it) as CSV or JSON.
    pub fn export_interactions(
        &self,
        view: &LogView,
        format: ExportFormat,
        delimiter: Delimiter,
        out: &mut dyn Write,
    ) -> Result<usize> {
        let store = self.store()?;
        // Never half an array: a damaged file is found before the first byte.
        store.check_integrity()?;
        let filter = view.filter();
        if view.search.is_some() && filter.search.is_none() {
            return Err(AppError::Invalid(
                "--search has no words to look for (letters or digits; word* matches a beginning)"
                    .into(),
            ));
        }
        let each = |f: &mut dyn FnMut(EntryRow) -> std::io::Result<()>| -> Result<usize> {
            if view.is_filtered() {
                Ok(store.for_each_in_view(&filter, f)?)
            } else {
                store.for_each_entry(f)?;
                Ok(0)
            }
        };
        let mut n = 0usize;
        match format {
            ExportFormat::Csv => {
                let mut w = csv_writer(out, delimiter)?;
                w.write_record(COLUMNS)
                    .map_err(|e| AppError::Invalid(e.to_string()))?;
                each(&mut |e| {
                    n += 1;
                    w.write_record(csv_row(&e)).map_err(std::io::Error::other)
                })?;
                w.flush()?;
            }
            ExportFormat::Json => {
                out.write_all(b"[")?;
                each(&mut |e| {
                    if n > 0 {
                        out.write_all(b",")?;
                    }
                    n += 1;
                    out.write_all(b"\n  ")?;
                    let json = serde_json::to_string(&e).map_err(std::io::Error::other)?;
                    out.write_all(crate::domain::text::json_safe(&json).as_bytes())
                })?;
                out.write_all(if n > 0 { b"\n]\n" } else { b"]\n" })?;
            }
        }
        self.audit(&Audited::Export {
            via: "command line",
            format: match format {
                ExportFormat::Csv => "csv",
                ExportFormat::Json => "json",
            },
            filters: view_filters(view),
            rows: n,
        })?;
        Ok(n)
    }

    /// Writes the entries a log view shows (its filters and search), newest
    /// first, as CSV to a new file; `progress` hears the count every 500
    /// rows. The file is written beside its final name and renamed at the
    /// end, so a failed export leaves no half file behind.
    pub fn export_view(
        &self,
        view: &LogView,
        path: &std::path::Path,
        delimiter: Delimiter,
        mut progress: impl FnMut(usize),
    ) -> Result<usize> {
        if path.exists() {
            return Err(AppError::Invalid(format!(
                "{} already exists; give a new file name",
                path.display()
            )));
        }
        let f = view.filter();
        if view.search.is_some() && f.search.is_none() {
            return Err(AppError::Invalid(
                "the search has no words to look for; change it or clear it first".into(),
            ));
        }
        let part = path.with_extension("csv.part");
        let file = crate::private_file::create_new(&part).map_err(|e| {
            AppError::Invalid(format!(
                "cannot create {}: {e}; choose a folder you may write to",
                part.display()
            ))
        })?;
        let store = self.store()?;
        let written = (|| -> Result<usize> {
            let mut w = csv_writer(std::io::BufWriter::new(file), delimiter)?;
            w.write_record(COLUMNS)
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            let mut done = 0usize;
            let n = store.for_each_in_view(&f, |e| {
                w.write_record(csv_row(&e)).map_err(std::io::Error::other)?;
                done += 1;
                if done.is_multiple_of(500) {
                    progress(done);
                }
                Ok(())
            })?;
            w.flush()?;
            Ok(n)
        })();
        let counted = written.and_then(|n| {
            std::fs::rename(&part, path)?;
            Ok(n)
        });
        if counted.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        let n = counted?;
        self.audit(&Audited::Export {
            via: "ui",
            format: "csv",
            filters: view_filters(view),
            rows: n,
        })?;
        Ok(n)
    }
}
