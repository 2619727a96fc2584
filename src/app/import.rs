//! Importing salespeople and contacts from CSV. A file with bad rows is
//! refused whole, each bad row named by line with its reason, unless the
//! caller asks to skip them. Importing again updates by code/number.

use std::io::Read;

use crate::domain::people_clean::AddressBook;
use crate::domain::{Contact, Salesperson, normalize_address};

use super::csv_in::{self, Columns, CsvFormat, Wanted};
use super::{App, AppError, Result};

/// One bad row: its line in the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped: Vec<RowError>,
    pub format: CsvFormat,
}

/// What a file held: its good rows, its bad rows, and how it was read.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    /// Each row's physical line.
    pub lines: Vec<u64>,
    pub errors: Vec<RowError>,
    pub format: CsvFormat,
}

const NAME: Wanted = Wanted {
    name: "name",
    aliases: &["name", "navn", "fullname", "fulltnavn"],
    required: true,
};
const EMAIL: Wanted = Wanted {
    name: "email",
    aliases: &["email", "epost", "mail", "emailaddress", "epostadresse"],
    required: true,
};
/// A salesperson file's columns (any order; English or Norwegian names).
pub const SALESPERSON_COLUMNS: &[Wanted] = &[
    Wanted {
        name: "code",
        aliases: &[
            "code",
            "kode",
            "salespersoncode",
            "selgerkode",
            "initials",
            "initialer",
        ],
        required: true,
    },
    NAME,
    EMAIL,
];
/// A contact file's columns (any order; English or Norwegian names).
pub const CONTACT_COLUMNS: &[Wanted] = &[
    Wanted {
        name: "no",
        aliases: &[
            "no",
            "nr",
            "number",
            "nummer",
            "contactno",
            "kontaktnr",
            "kontaktnummer",
        ],
        required: true,
    },
    NAME,
    Wanted {
        name: "company",
        aliases: &[
            "company",
            "companyname",
            "firma",
            "firmanavn",
            "selskap",
            "bedrift",
        ],
        required: true,
    },
    EMAIL,
    Wanted {
        name: "alt_emails",
        aliases: &[
            "altemails",
            "alternativeemails",
            "otheremails",
            "andreeposter",
            "andreepostadresser",
        ],
        required: false,
    },
];

/// A row's field under a wanted column.
type Row<'a> = (&'a Columns, &'a csv::StringRecord);

fn field<'a>(row: Row<'a>, name: &str) -> &'a str {
    row.0.get(row.1, name)
}

fn text_field(row: Row<'_>, name: &str, max: usize) -> std::result::Result<String, String> {
    use crate::domain::text::{is_bidi_control, is_zero_width};
    // Invisible characters are dropped; ones that reorder or control text
    // are refused, with the row's line.
    let v: String = field(row, name)
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
    if v.contains(char::REPLACEMENT_CHARACTER) {
        return Err(format!(
            "{name} has characters that could not be read: save the file as UTF-8 (\"CSV UTF-8\" in Excel)"
        ));
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
    wanted: &[Wanted],
    key: impl Fn(&T) -> String,
    parse_row: impl Fn(Row<'_>) -> std::result::Result<T, String>,
) -> Result<Parsed<T>> {
    let csv_in::CsvIn {
        mut reader,
        columns,
        format,
        lines,
    } = csv_in::open(input, wanted)?;
    let mut rows: Vec<T> = Vec::new();
    let mut row_lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = lines.at(e.position());
                errors.push(RowError {
                    line,
                    reason: format!("not readable as CSV: {e}"),
                });
                continue;
            }
        };
        let line = lines.at(rec.position());
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // Spreadsheets add empty cells at the end of a row; those are fine.
        let used = (0..rec.len())
            .rev()
            .find(|i| !rec[*i].trim().is_empty())
            .map_or(0, |i| i + 1);
        if rec.len() < columns.len || used > columns.len {
            errors.push(RowError {
                line,
                reason: format!(
                    "has {} fields; the header has {} (a missing or extra '{}'?)",
                    rec.len(),
                    columns.len,
                    format.delimiter
                ),
            });
            continue;
        }
        match parse_row((&columns, &rec)) {
            Ok(row) => {
                let k = key(&row);
                if let Some(first) = seen.insert(k.clone(), line) {
                    errors.push(RowError {
                        line,
                        reason: format!("'{k}' appears again (first on line {first})"),
                    });
                } else {
                    rows.push(row);
                    row_lines.push(line);
                }
            }
            Err(reason) => errors.push(RowError { line, reason }),
        }
    }
    Ok(Parsed {
        rows,
        lines: row_lines,
        errors,
        format,
    })
}

pub fn parse_salespeople(input: impl Read) -> Result<Parsed<Salesperson>> {
    parse_rows(
        input,
        SALESPERSON_COLUMNS,
        |s: &Salesperson| s.code.clone(),
        |row| {
            Ok(Salesperson {
                code: text_field(row, "code", 20)?.to_uppercase(),
                name: text_field(row, "name", 100)?,
                email: email_field(field(row, "email"), "email")?,
            })
        },
    )
}

pub fn parse_contacts(input: impl Read) -> Result<Parsed<Contact>> {
    parse_rows(
        input,
        CONTACT_COLUMNS,
        |c: &Contact| c.no.clone(),
        |row| {
            let mut alt = Vec::new();
            // Separated by `;` (a `,` file), `,` (a `;` file) or spaces.
            for a in field(row, "alt_emails")
                .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
                .filter(|a| !a.is_empty())
            {
                alt.push(email_field(a, "alternative email")?);
            }
            Ok(Contact {
                no: text_field(row, "no", 20)?,
                name: text_field(row, "name", 100)?,
                company: text_field(row, "company", 100)?,
                email: email_field(field(row, "email"), "email")?,
                alt_emails: alt,
            })
        },
    )
}

impl<T> Parsed<T> {
    /// Moves the rows `clash` refuses to the bad rows (in file order), each
    /// seeing the rows kept before it.
    pub(crate) fn refuse_clashes(&mut self, mut clash: impl FnMut(&T) -> Option<String>) {
        let rows = std::mem::take(&mut self.rows);
        let lines = std::mem::take(&mut self.lines);
        for (row, line) in rows.into_iter().zip(lines) {
            match clash(&row) {
                Some(reason) => self.errors.push(RowError { line, reason }),
                None => {
                    self.rows.push(row);
                    self.lines.push(line);
                }
            }
        }
        self.errors.sort_by_key(|e| e.line);
    }
}

/// Refuses contacts whose addresses are someone else's: a stored contact's
/// (one the file does not replace), a salesperson's, an earlier row's.
pub fn refuse_contact_clashes(
    p: &mut Parsed<Contact>,
    stored: &[Contact],
    salespeople: &[Salesperson],
) {
    let in_file: std::collections::HashSet<&str> = p.rows.iter().map(|c| c.no.as_str()).collect();
    let mut book = AddressBook::new(
        salespeople,
        stored.iter().filter(|c| !in_file.contains(c.no.as_str())),
    );
    p.refuse_clashes(|c| {
        let clash = book.contact_clash(c);
        if clash.is_none() {
            book.add_contact(c);
        }
        clash
    });
}

/// Refuses salespeople whose address is a contact's or another salesperson's.
pub fn refuse_salesperson_clashes(
    p: &mut Parsed<Salesperson>,
    stored: &[Salesperson],
    contacts: &[Contact],
) {
    let in_file: std::collections::HashSet<&str> = p.rows.iter().map(|s| s.code.as_str()).collect();
    let mut book = AddressBook::new(
        stored.iter().filter(|s| !in_file.contains(s.code.as_str())),
        contacts,
    );
    p.refuse_clashes(|s| {
        let clash = book.salesperson_clash(s);
        if clash.is_none() {
            book.add_salesperson(s);
        }
        clash
    });
}

fn refuse(errors: &[RowError], format: &CsvFormat) -> AppError {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  line {}: {}", e.line, e.reason))
        .collect();
    AppError::Invalid(format!(
        "the file has {}; nothing was imported (fix them, or pass --skip-invalid to import the good rows; it was {}):\n{}",
        crate::domain::text::count(errors.len(), "bad row", "bad rows"),
        format.describe(),
        lines.join("\n")
    ))
}

impl App {
    pub fn import_salespeople(&self, input: impl Read, skip_invalid: bool) -> Result<ImportReport> {
        let mut p = parse_salespeople(input)?;
        {
            let store = self.store()?;
            refuse_salesperson_clashes(&mut p, &store.salespeople()?, &store.contacts()?);
        }
        if !p.errors.is_empty() && !skip_invalid {
            return Err(refuse(&p.errors, &p.format));
        }
        let imported = self.store()?.upsert_salespeople(&p.rows)?;
        Ok(ImportReport {
            imported,
            skipped: p.errors,
            format: p.format,
        })
    }

    pub fn import_contacts(&self, input: impl Read, skip_invalid: bool) -> Result<ImportReport> {
        let mut p = parse_contacts(input)?;
        {
            let store = self.store()?;
            refuse_contact_clashes(&mut p, &store.contacts()?, &store.salespeople()?);
            let forgotten = self.forgotten_guard(&store)?;
            p.refuse_clashes(|c| super::forget::forgotten_reason(&forgotten, c));
        }
        if !p.errors.is_empty() && !skip_invalid {
            return Err(refuse(&p.errors, &p.format));
        }
        let imported = self.store()?.upsert_contacts(&p.rows)?;
        Ok(ImportReport {
            imported,
            skipped: p.errors,
            format: p.format,
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
            // Not UTF-8: read as Windows-1252, the row is good.
            (
                b"code,name,email\r\nAH,\xe6,a@contoso.example\r\nBK,B,bad@\r\n",
                &[3],
            ),
        ];
        for (csv, want) in cases {
            let p = parse_salespeople(*csv).unwrap();
            let lines: Vec<u64> = p.errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, *want, "{:?}", String::from_utf8_lossy(csv));
        }
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let csv = "code,name,email\nAH,Annette,annette@contoso.example\n,No Code,x@y.example\nBD,Ben,not-an-email\nAH,Again,a@contoso.example\nCD,Short\n";
        let Parsed { rows, errors, .. } = parse_salespeople(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        assert!(errors[1].reason.contains("not a valid email"));
        assert!(errors[2].reason.contains("first on line 2"));
    }

    #[test]
    fn codes_and_addresses_with_bidi_or_control_characters_are_refused_by_line() {
        let csv = "code,name,email\nA\u{202e}H,Annette,annette@contoso.example\nBD,Ben,ben\u{202e}@contoso.example\nLT,Lin\u{200b}da,linda@contoso.example\u{200b}\n";
        let Parsed { rows, errors, .. } = parse_salespeople(csv.as_bytes()).unwrap();
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
        let Parsed { rows, errors, .. } = parse_contacts(csv.as_bytes()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].company, "Fabrikam, Inc.");
        assert_eq!(rows[0].email, "alex@fabrikam.example");
        assert_eq!(rows[0].alt_emails, vec!["a@x.example", "b@y.example"]);
    }

    #[test]
    fn a_header_without_a_needed_column_is_refused_naming_it() {
        let e = parse_contacts("number,name\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `company` column"), "{e}");
        assert!(
            e.contains("no, name, company, email and optionally alt_emails, in any order"),
            "{e}"
        );
    }

    #[test]
    fn an_address_that_is_someone_elses_is_a_bad_row_naming_them() {
        let stored = vec![
            Contact {
                no: "C9".into(),
                name: "Old Nine".into(),
                company: "Fabrikam".into(),
                email: "nine@fabrikam.example".into(),
                alt_emails: vec![],
            },
            Contact {
                no: "C8".into(),
                name: "Eight".into(),
                company: "Fabrikam".into(),
                email: "eight@fabrikam.example".into(),
                alt_emails: vec![],
            },
        ];
        let sp = vec![Salesperson {
            code: "AH".into(),
            name: "Annette Hill".into(),
            email: "annette@contoso.example".into(),
        }];
        let csv = "no,name,company,email,alt_emails\n\
C1,Alex,Fabrikam,alex@fabrikam.example,\n\
C2,Ann,Contoso,annette@contoso.example,\n\
C3,Again,Fabrikam,ALEX@fabrikam.example,\n\
C4,Four,Fabrikam,four@fabrikam.example,eight@fabrikam.example\n\
C9,New Nine,Fabrikam,new9@fabrikam.example,\n\
C5,Five,Fabrikam,nine@fabrikam.example,\n";
        let mut p = parse_contacts(csv.as_bytes()).unwrap();
        refuse_contact_clashes(&mut p, &stored, &sp);
        let bad: Vec<(u64, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert_eq!(bad[0].0, 3);
        assert!(
            bad[0].1.contains("salesperson Annette Hill (AH)"),
            "{bad:?}"
        );
        assert_eq!(bad[1].0, 4);
        assert!(
            bad[1].1.contains("contact Alex (C1)"),
            "an earlier row: {bad:?}"
        );
        assert_eq!(bad[2].0, 5);
        assert!(
            bad[2].1.contains("contact Eight (C8)"),
            "a stored contact: {bad:?}"
        );
        // C9's new file row frees its old address for C5.
        let kept: Vec<&str> = p.rows.iter().map(|c| c.no.as_str()).collect();
        assert_eq!(kept, vec!["C1", "C9", "C5"]);
        assert_eq!(p.lines, vec![2, 6, 7]);
    }

    /// Excel on a Norwegian Windows: `;`, Windows-1252, CRLF, Norwegian
    /// column names in its own order, a column we do not use.
    #[test]
    fn a_norwegian_excel_file_is_read_as_it_is() {
        let csv: &[u8] = b"Firma;Navn;E-post;Nr;Telefon\r\n\
Fj\xf8rd AS;\xc6sa \xd8deg\xe5rd;asa@fjord.example;K1;+47 22 00 00 00\r\n\
\"Bl\xe5b\xe6r; Co\";\xc5se Berg;ase@blabaer.example;K2;\r\n\
Feil AS;Per;per-at-feil.example;K3;\r\n";
        let p = parse_contacts(csv).unwrap();
        assert_eq!(p.format.encoding, "Windows-1252");
        assert_eq!(p.format.delimiter, ';');
        assert_eq!(p.format.ignored, vec!["Telefon"]);
        let names: Vec<(&str, &str)> = p
            .rows
            .iter()
            .map(|c| (c.name.as_str(), c.company.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![("Æsa Ødegård", "Fjørd AS"), ("Åse Berg", "Blåbær; Co")]
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 4, "the CRLF file's physical line");
        assert!(p.errors[0].reason.contains("not a valid email"));
    }
}
