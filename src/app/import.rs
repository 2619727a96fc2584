//! Importing salespeople and contacts from CSV. A file with bad rows is
//! refused whole, each bad row named by line with its reason, unless the
//! caller asks to skip them. Importing again updates by code/number.

use std::io::Read;

use crate::domain::{Contact, Salesperson, normalize_address};

use super::{App, AppError, Result};

/// One bad row: its line in the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped: Vec<RowError>,
}

/// The largest CSV file an import reads.
pub const MAX_CSV_BYTES: u64 = 64 << 20;
/// The longest line of a CSV file an import reads.
pub const MAX_CSV_LINE: u64 = 64 << 10;

/// Where a file's line breaks are, for naming a row by its physical line:
/// the CSV reader's own line count skips blank lines and counts a CRLF
/// file's rows one short. Only the breaks not yet passed are kept (the
/// reader reads a buffer ahead of the row), so memory stays small.
#[derive(Default)]
struct Breaks {
    /// Offsets of CR and LF bytes, and whether each is an LF.
    ahead: std::collections::VecDeque<(u64, bool)>,
    passed: u64,
}

impl Breaks {
    /// The line (from 1) of the row whose record starts at byte `at`
    /// (`at` never goes back). The CSV reader starts a record right after
    /// the previous one's terminator, so the CR/LF run there (a CRLF's LF,
    /// blank lines) comes before the row's line.
    fn line_at(&mut self, at: u64) -> u64 {
        let mut pos = at;
        while let Some(&(offset, lf)) = self.ahead.front() {
            if offset > pos {
                break;
            }
            if offset == pos {
                pos += 1;
            }
            self.ahead.pop_front();
            self.passed += u64::from(lf);
        }
        self.passed + 1
    }
}

type SharedBreaks = std::rc::Rc<std::cell::RefCell<Breaks>>;

/// Notes the offset of every line break read through it.
struct NoteBreaks<R> {
    inner: R,
    offset: u64,
    breaks: SharedBreaks,
}

impl<R: Read> Read for NoteBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                breaks
                    .ahead
                    .push_back((self.offset + i as u64, *b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

fn reader(input: impl Read) -> (csv::Reader<impl Read>, SharedBreaks) {
    let breaks = SharedBreaks::default();
    let noted = NoteBreaks {
        inner: input,
        offset: 0,
        breaks: breaks.clone(),
    };
    let rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(crate::bounded::Bounded::new(
            noted,
            MAX_CSV_BYTES,
            MAX_CSV_LINE,
        ));
    (rdr, breaks)
}

/// A CSV error that ends the whole read: the read cancelled (by a
/// [`crate::bounded::Stoppable`] reader), or the file too large or a line
/// too long (saying which cap it met).
fn whole_file_refused(e: &csv::Error) -> Option<AppError> {
    match e.kind() {
        csv::ErrorKind::Io(io) if crate::bounded::cancelled(io) => Some(AppError::Cancelled),
        csv::ErrorKind::Io(io) => crate::bounded::too_large(io).map(|t| {
            AppError::Invalid(format!(
                "the file is refused: {t}; is it the right file (a CSV exported from a spreadsheet)?"
            ))
        }),
        _ => None,
    }
}

fn check_header(rdr: &mut csv::Reader<impl Read>, want: &[&str]) -> Result<()> {
    let header = rdr.headers().map_err(|e| {
        whole_file_refused(&e)
            .unwrap_or_else(|| AppError::Invalid(format!("cannot read the header line: {e}")))
    })?;
    let got: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if got.iter().map(String::as_str).ne(want.iter().copied()) {
        return Err(AppError::Invalid(format!(
            "the header line must be exactly `{}`, not `{}`",
            want.join(","),
            got.join(",")
        )));
    }
    Ok(())
}

fn field(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or_default().trim()
}

fn text_field(
    rec: &csv::StringRecord,
    i: usize,
    name: &str,
    max: usize,
) -> std::result::Result<String, String> {
    use crate::domain::text::{is_bidi_control, is_zero_width};
    // Invisible characters are dropped; ones that reorder or control text
    // are refused, with the row's line.
    let v: String = field(rec, i)
        .chars()
        .filter(|c| !is_zero_width(*c))
        .collect();
    let v = v.trim();
    if v.is_empty() {
        return Err(format!("{name} is empty"));
    }
    if v.chars().count() > max {
        return Err(format!("{name} is longer than {max} characters"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!("{name} contains control characters"));
    }
    if v.chars().any(is_bidi_control) {
        return Err(format!(
            "{name} contains a bidirectional control character (it can make text read differently than it is)"
        ));
    }
    Ok(v.to_string())
}

fn email_field(v: &str, name: &str) -> std::result::Result<String, String> {
    if v.chars()
        .any(|c| c.is_control() || crate::domain::text::is_bidi_control(c))
    {
        return Err(format!(
            "{name} contains a control or bidirectional character"
        ));
    }
    normalize_address(v).ok_or_else(|| format!("{name} '{v}' is not a valid email address"))
}

/// Parses rows with `parse_row`, collecting each bad row's line and reason.
fn parse_rows<T>(
    input: impl Read,
    header: &[&str],
    key: impl Fn(&T) -> String,
    parse_row: impl Fn(&csv::StringRecord) -> std::result::Result<T, String>,
) -> Result<(Vec<T>, Vec<RowError>)> {
    let (mut rdr, breaks) = reader(input);
    let line_at =
        |p: Option<&csv::Position>| p.map_or(0, |p| breaks.borrow_mut().line_at(p.byte()));
    check_header(&mut rdr, header)?;
    let mut rows: Vec<T> = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                if let Some(refused) = whole_file_refused(&e) {
                    return Err(refused);
                }
                let line = line_at(e.position());
                errors.push(RowError {
                    line,
                    reason: format!("not readable as CSV: {e}"),
                });
                continue;
            }
        };
        let line = line_at(rec.position());
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() != header.len() {
            errors.push(RowError {
                line,
                reason: format!(
                    "has {} fields; expected {} ({})",
                    rec.len(),
                    header.len(),
                    header.join(",")
                ),
            });
            continue;
        }
        match parse_row(&rec) {
            Ok(row) => {
                let k = key(&row);
                if let Some(first) = seen.insert(k.clone(), line) {
                    errors.push(RowError {
                        line,
                        reason: format!("'{k}' appears again (first on line {first})"),
                    });
                } else {
                    rows.push(row);
                }
            }
            Err(reason) => errors.push(RowError { line, reason }),
        }
    }
    Ok((rows, errors))
}

pub fn parse_salespeople(input: impl Read) -> Result<(Vec<Salesperson>, Vec<RowError>)> {
    parse_rows(
        input,
        &["code", "name", "email"],
        |s: &Salesperson| s.code.clone(),
        |rec| {
            Ok(Salesperson {
                code: text_field(rec, 0, "code", 20)?.to_uppercase(),
                name: text_field(rec, 1, "name", 100)?,
                email: email_field(field(rec, 2), "email")?,
            })
        },
    )
}

pub fn parse_contacts(input: impl Read) -> Result<(Vec<Contact>, Vec<RowError>)> {
    parse_rows(
        input,
        &["no", "name", "company", "email", "alt_emails"],
        |c: &Contact| c.no.clone(),
        |rec| {
            let mut alt = Vec::new();
            for a in field(rec, 4)
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                alt.push(email_field(a, "alternative email")?);
            }
            Ok(Contact {
                no: text_field(rec, 0, "no", 20)?,
                name: text_field(rec, 1, "name", 100)?,
                company: text_field(rec, 2, "company", 100)?,
                email: email_field(field(rec, 3), "email")?,
                alt_emails: alt,
            })
        },
    )
}

fn refuse(errors: &[RowError]) -> AppError {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  line {}: {}", e.line, e.reason))
        .collect();
    AppError::Invalid(format!(
        "the file has {}; nothing was imported (fix them, or pass --skip-invalid to import the good rows):\n{}",
        crate::domain::text::count(errors.len(), "bad row", "bad rows"),
        lines.join("\n")
    ))
}

impl App {
    pub fn import_salespeople(&self, input: impl Read, skip_invalid: bool) -> Result<ImportReport> {
        let (rows, errors) = parse_salespeople(input)?;
        if !errors.is_empty() && !skip_invalid {
            return Err(refuse(&errors));
        }
        let imported = self.store()?.upsert_salespeople(&rows)?;
        Ok(ImportReport {
            imported,
            skipped: errors,
        })
    }

    pub fn import_contacts(&self, input: impl Read, skip_invalid: bool) -> Result<ImportReport> {
        let (rows, errors) = parse_contacts(input)?;
        if !errors.is_empty() && !skip_invalid {
            return Err(refuse(&errors));
        }
        let imported = self.store()?.upsert_contacts(&rows)?;
        Ok(ImportReport {
            imported,
            skipped: errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line a person sees in their editor: CRLF (Excel's default),
    /// blank lines, a field over two lines and bytes that are not UTF-8.
    #[test]
    fn a_bad_row_is_named_by_its_physical_line() {
        let cases: &[(&[u8], &[u64])] = &[
            (
                b"code,name,email\r\nAH,A,a@contoso.example\r\nBK,B,bad@\r\n",
                &[3],
            ),
            (
                b"code,name,email\n\nAH,A,a@contoso.example\n\n\nBK,B,bad@\n",
                &[6],
            ),
            (b"code,name,email\r\n\r\nBK,B,bad@\r\nCD,C,bad@", &[3, 4]),
            (
                b"code,name,email\nAH,\"two\nlines\",a@contoso.example\nBK,B,bad@\n",
                &[2, 4],
            ),
            (
                b"code,name,email\r\nAH,\xe6,a@contoso.example\r\nBK,B,bad@\r\n",
                &[2, 3],
            ),
        ];
        for (csv, want) in cases {
            let (_, errors) = parse_salespeople(*csv).unwrap();
            let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, *want, "{:?}", String::from_utf8_lossy(csv));
        }
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let csv = "code,name,email\nAH,Annette,annette@contoso.example\n,No Code,x@y.example\nBD,Ben,not-an-email\nAH,Again,a@contoso.example\nCD,Short\n";
        let (rows, errors) = parse_salespeople(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        assert!(errors[1].reason.contains("not a valid email"));
        assert!(errors[2].reason.contains("first on line 2"));
    }

    #[test]
    fn codes_and_addresses_with_bidi_or_control_characters_are_refused_by_line() {
        let csv = "code,name,email\nA\u{202e}H,Annette,annette@contoso.example\nBD,Ben,ben\u{202e}@contoso.example\nLT,Lin\u{200b}da,linda@contoso.example\u{200b}\n";
        let (rows, errors) = parse_salespeople(csv.as_bytes()).unwrap();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3], "{errors:?}");
        assert!(errors[0].reason.contains("bidirectional"), "{errors:?}");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].name.as_str(), rows[0].email.as_str()),
            ("Linda", "linda@contoso.example"),
            "zero-width characters dropped"
        );
    }

    #[test]
    fn contacts_with_quoted_company_and_alternatives() {
        let csv = "no,name,company,email,alt_emails\nCT1,Alex,\"Fabrikam, Inc.\",Alex@Fabrikam.example,a@x.example; b@y.example\n";
        let (rows, errors) = parse_contacts(csv.as_bytes()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].company, "Fabrikam, Inc.");
        assert_eq!(rows[0].email, "alex@fabrikam.example");
        assert_eq!(rows[0].alt_emails, vec!["a@x.example", "b@y.example"]);
    }

    #[test]
    fn a_wrong_header_is_refused() {
        assert!(
            parse_contacts("number,name\n".as_bytes())
                .unwrap_err()
                .to_string()
                .contains("header line must be exactly")
        );
    }
}
