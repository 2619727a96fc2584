//! Reading a CSV file the way our users' spreadsheets write it: Excel in
//! Norway saves `;`-separated Windows-1252 ("CSV (semikolonseparert)"),
//! elsewhere `,`-separated UTF-8 with or without a byte order mark, and
//! "Unicode text" is UTF-16. The encoding and the separator are worked out
//! from the file (and said, so a wrong guess shows); the header names the
//! columns in any order, in English or Norwegian, and columns we do not
//! use are ignored and named. Reading is bounded in size and line length
//! and stops when asked; each row keeps its physical line for errors.

use std::collections::VecDeque;
use std::io::Read;

use super::{AppError, Result};

/// The largest CSV file an import reads.
pub const MAX_CSV_BYTES: u64 = 64 << 20;
/// The longest line of a CSV file an import reads.
pub const MAX_CSV_LINE: u64 = 64 << 10;

/// How a file was read, to tell the user what was assumed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CsvFormat {
    /// "UTF-8", "UTF-8 with BOM", "UTF-16" or "Windows-1252".
    pub encoding: &'static str,
    pub delimiter: char,
    /// Header names of columns that are not used.
    pub ignored: Vec<String>,
}

/// A plain UTF-8, `,`-separated file with every column used.
impl Default for CsvFormat {
    fn default() -> Self {
        CsvFormat {
            encoding: "UTF-8",
            delimiter: ',',
            ignored: Vec::new(),
        }
    }
}

impl CsvFormat {
    /// "read as Windows-1252, ';'-separated; ignored columns: phone, title".
    pub fn describe(&self) -> String {
        let sep = match self.delimiter {
            '\t' => "tab".to_string(),
            c => format!("'{c}'"),
        };
        let mut s = format!("read as {}, {sep}-separated", self.encoding);
        if !self.ignored.is_empty() {
            s.push_str(&format!("; ignored columns: {}", self.ignored.join(", ")));
        }
        s
    }
}

/// A column a file must or may have, and the names people give it (compared
/// with letters and digits only, lower case: "E-post" is "epost").
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// The columns of an open file: where each wanted one is.
#[derive(Debug, Clone)]
pub struct Columns {
    at: Vec<(&'static str, Option<usize>)>,
    /// Fields in the header.
    pub len: usize,
}

impl Columns {
    /// The field of `rec` under the wanted column `name` (empty if the file
    /// has no such column).
    pub fn get<'r>(&self, rec: &'r csv::StringRecord, name: &str) -> &'r str {
        self.at
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, i)| *i)
            .and_then(|i| rec.get(i))
            .unwrap_or_default()
            .trim()
    }
}

/// A file opened for its rows.
pub struct CsvIn {
    pub reader: csv::Reader<NoteBreaks<std::io::Cursor<Vec<u8>>>>,
    pub columns: Columns,
    pub format: CsvFormat,
    pub lines: LineOf,
}

/// Names a row by its physical line (from 1), from where it starts.
pub struct LineOf(SharedBreaks);

impl LineOf {
    pub fn at(&self, pos: Option<&csv::Position>) -> u64 {
        pos.map_or(0, |p| self.0.borrow_mut().line_at(p.byte()))
    }
}

/// Reads `input` whole (bounded), decodes it, finds its separator and maps
/// its header onto `wanted`.
pub fn open(input: impl Read, wanted: &[Wanted]) -> Result<CsvIn> {
    let mut bytes = Vec::new();
    crate::bounded::Bounded::new(input, MAX_CSV_BYTES, MAX_CSV_LINE)
        .read_to_end(&mut bytes)
        .map_err(|e| read_refused(&e))?;
    let (text, encoding) = decode(bytes);
    let delimiter = sniff_delimiter(&text);
    let breaks = SharedBreaks::default();
    let noted = NoteBreaks {
        inner: std::io::Cursor::new(text.into_bytes()),
        offset: 0,
        breaks: breaks.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(noted);
    let header = reader
        .headers()
        .map_err(|e| AppError::Invalid(format!("cannot read the header line: {e}")))?;
    let (columns, ignored) = map_header(header, wanted)?;
    Ok(CsvIn {
        reader,
        columns,
        format: CsvFormat {
            encoding,
            delimiter,
            ignored,
        },
        lines: LineOf(breaks),
    })
}

/// Why a read of the file ended early, in words.
fn read_refused(e: &std::io::Error) -> AppError {
    if crate::bounded::cancelled(e) {
        return AppError::Cancelled;
    }
    match crate::bounded::too_large(e) {
        Some(t) => AppError::Invalid(format!(
            "the file is refused: {t}; is it the right file (a CSV exported from a spreadsheet)?"
        )),
        None => AppError::Invalid(format!("cannot read the file: {e}")),
    }
}

/// The file's text and the encoding it was read as: a byte order mark says
/// (UTF-8, UTF-16); without one, UTF-8 if it is valid, else Windows-1252
/// (what Excel writes on a Norwegian Windows, and which every byte decodes).
pub fn decode(bytes: Vec<u8>) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 with BOM");
    }
    let utf16 = |be: bool, rest: &[u8]| {
        let units = rest.chunks_exact(2).map(|p| {
            if be {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        return (utf16(false, rest), "UTF-16");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return (utf16(true, rest), "UTF-16");
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, "UTF-8"),
        Err(e) => (
            e.into_bytes().into_iter().map(windows_1252).collect(),
            "Windows-1252",
        ),
    }
}

/// One Windows-1252 byte as a character: Latin-1, but 0x80–0x9F hold
/// typographic characters (€ ‚ „ … ‘ ’ “ ” – — ™ Š š Ž ž Œ œ Ÿ and more).
/// The five bytes it leaves undefined stay C1 controls, which rows refuse.
fn windows_1252(b: u8) -> char {
    const HIGH: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => char::from_u32(HIGH[(b - 0x80) as usize]).unwrap_or('\u{FFFD}'),
        _ => b as char,
    }
}

/// The separator of the header line: the most frequent of `;`, `,` and tab
/// outside quotes (`,` when none or a tie).
pub fn sniff_delimiter(text: &str) -> char {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [(',', 0usize), (';', 0), ('\t', 0)];
    let mut quoted = false;
    for c in first.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && let Some(n) = counts.iter_mut().find(|(d, _)| *d == c) {
            n.1 += 1;
        }
    }
    let best = counts.iter().max_by_key(|(_, n)| *n).copied();
    match best {
        Some((d, n)) if n > counts[0].1 => d,
        _ => ',',
    }
}

/// A header name compared as letters and digits, lower case.
fn normal(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each wanted column is, and the names of the others.
fn map_header(header: &csv::StringRecord, wanted: &[Wanted]) -> Result<(Columns, Vec<String>)> {
    let names: Vec<String> = header.iter().map(normal).collect();
    let mut at = Vec::new();
    let mut used = vec![false; names.len()];
    for w in wanted {
        let found: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| w.aliases.contains(&n.as_str()))
            .map(|(i, _)| i)
            .collect();
        if found.len() > 1 {
            return Err(AppError::Invalid(format!(
                "the header line has the column `{}` {} times; keep one",
                w.name,
                found.len()
            )));
        }
        if found.is_empty() && w.required {
            return Err(AppError::Invalid(format!(
                "the header line has no `{}` column (it has: {}); the columns are {}, in any order",
                w.name,
                shown_names(header),
                columns_in_words(wanted)
            )));
        }
        for i in &found {
            used[*i] = true;
        }
        at.push((w.name, found.first().copied()));
    }
    let ignored = header
        .iter()
        .zip(&used)
        .filter(|(h, u)| !**u && !h.trim().is_empty())
        .map(|(h, _)| crate::domain::text::one_line(h.trim_start_matches('\u{feff}')))
        .collect();
    Ok((
        Columns {
            at,
            len: header.len(),
        },
        ignored,
    ))
}

fn shown_names(header: &csv::StringRecord) -> String {
    header
        .iter()
        .map(|h| crate::domain::text::one_line(h.trim_start_matches('\u{feff}')))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "no, name, company, email and optionally alt_emails".
pub fn columns_in_words(wanted: &[Wanted]) -> String {
    let required: Vec<&str> = wanted
        .iter()
        .filter(|w| w.required)
        .map(|w| w.name)
        .collect();
    let optional: Vec<&str> = wanted
        .iter()
        .filter(|w| !w.required)
        .map(|w| w.name)
        .collect();
    let mut s = required.join(", ");
    if !optional.is_empty() {
        s.push_str(&format!(" and optionally {}", optional.join(", ")));
    }
    s
}

/// Where a file's line breaks are, for naming a row by its physical line:
/// the CSV reader's own line count skips blank lines and counts a CRLF
/// file's rows one short. Only the breaks not yet passed are kept (the
/// reader reads a buffer ahead of the row), so memory stays small.
#[derive(Default)]
struct Breaks {
    /// Offsets of CR and LF bytes, and whether each is an LF.
    ahead: VecDeque<(u64, bool)>,
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
pub struct NoteBreaks<R> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_worked_out_from_the_bytes() {
        let cases: &[(&[u8], &str, &str)] = &[
            (b"navn\nS\xc3\xb8rensen", "S\u{f8}rensen", "UTF-8"),
            (
                b"\xef\xbb\xbfnavn\nS\xc3\xb8rensen",
                "S\u{f8}rensen",
                "UTF-8 with BOM",
            ),
            (
                b"navn\nS\xf8rensen \xc6gir \xc5se \x80 \x96",
                "S\u{f8}rensen \u{c6}gir \u{c5}se \u{20ac} \u{2013}",
                "Windows-1252",
            ),
            (
                b"\xff\xfen\x00a\x00v\x00n\x00\n\x00\xd8\x00",
                "\u{d8}",
                "UTF-16",
            ),
        ];
        for (bytes, has, enc) in cases {
            let (text, got) = decode(bytes.to_vec());
            assert_eq!(got, *enc, "{bytes:?}");
            assert!(text.contains(has), "{text:?}");
        }
    }

    #[test]
    fn the_separator_is_the_header_lines() {
        let cases: &[(&str, char)] = &[
            ("no,name,company,email", ','),
            ("no;name;company;email", ';'),
            ("no\tname\temail", '\t'),
            ("\"Firma, AS\";navn;epost", ';'),
            ("\n\nkode;navn", ';'),
            ("name", ','),
            ("a;b,c", ','),
        ];
        for (text, want) in cases {
            assert_eq!(sniff_delimiter(text), *want, "{text:?}");
        }
    }

    const PEOPLE: &[Wanted] = &[
        Wanted {
            name: "code",
            aliases: &["code", "kode"],
            required: true,
        },
        Wanted {
            name: "email",
            aliases: &["email", "epost"],
            required: true,
        },
        Wanted {
            name: "alt",
            aliases: &["alt"],
            required: false,
        },
    ];

    #[test]
    fn columns_in_any_order_with_others_ignored_and_named() {
        let input = "Telefon;E-post;Kode\n1234;a@x.example;AH\n";
        let mut f = open(input.as_bytes(), PEOPLE).unwrap();
        assert_eq!(f.format.delimiter, ';');
        assert_eq!(f.format.ignored, vec!["Telefon"]);
        let rec = f.reader.records().next().unwrap().unwrap();
        assert_eq!(f.columns.get(&rec, "code"), "AH");
        assert_eq!(f.columns.get(&rec, "email"), "a@x.example");
        assert_eq!(f.columns.get(&rec, "alt"), "", "optional and absent");
        assert_eq!(
            f.format.describe(),
            "read as UTF-8, ';'-separated; ignored columns: Telefon"
        );
        let e = open("kode;navn\n".as_bytes(), PEOPLE)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("no `email` column (it has: kode, navn)"), "{e}");
        assert!(
            e.contains("code, email and optionally alt, in any order"),
            "{e}"
        );
        let e = open("code,email,e-post\n".as_bytes(), PEOPLE)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("`email` 2 times"), "{e}");
    }
}
