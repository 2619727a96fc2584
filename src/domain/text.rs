//! Text from email is untrusted: before it reaches a terminal, escape
//! sequences and control characters are removed so a subject line cannot
//! move the cursor, recolour the screen or set the window title.

/// Removes ANSI/VT escape sequences (CSI, OSC, DCS, single-character escapes)
/// and every control character; keeps newlines and tabs.
pub fn strip_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek().copied() {
                // CSI: parameters and intermediates up to a final byte in @..~
                Some('[') => {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \)
                Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => {
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            // Bidirectional overrides can make text read differently than it
            // is; zero-width characters make two names look the same.
            c if is_bidi_control(c) || is_zero_width(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Bidirectional controls: embeddings, overrides, isolates and marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no room: zero-width space, joiners, word joiner,
/// byte order mark.
pub fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// Serialized JSON made safe to print to a terminal or hand to a tool that
/// shows it: DEL, C1 controls, bidi controls, zero-width characters and
/// line/paragraph separators become `\uXXXX` escapes. They can only be
/// inside strings (JSON's own syntax is ASCII), so the value is unchanged.
pub fn json_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || is_bidi_control(c)
            || is_zero_width(c)
            || c == '\u{2028}'
            || c == '\u{2029}'
        {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// One line for a list or a header: control text removed, line breaks and
/// tabs become spaces.
pub fn one_line(s: &str) -> String {
    strip_control(s).replace(['\n', '\t'], " ")
}

/// A CSV cell that is safe to open in a spreadsheet: control text removed,
/// and a cell that a spreadsheet would run as a formula (starting with `=`,
/// `+`, `-`, `@`, tab or CR) prefixed with `'`.
pub fn csv_cell(s: &str) -> String {
    let starts_formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let clean = strip_control(s);
    if starts_formula || clean.starts_with(['=', '+', '-', '@', '\t']) {
        format!("'{clean}")
    } else {
        clean
    }
}

/// A count as people say it: "no messages", "1 message", "12,500 messages".
pub fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        _ => format!("{} {many}", grouped(n as u64)),
    }
}

/// 12500 → "12,500".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_people_say_them() {
        assert_eq!(
            count(0, "stuck message", "stuck messages"),
            "no stuck messages"
        );
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(12_500, "entry", "entries"), "12,500 entries");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let cases = [
            ("Quote for Q3", "Quote for Q3"),
            (
                "=HYPERLINK(\"http://evil\",\"x\")",
                "'=HYPERLINK(\"http://evil\",\"x\")",
            ),
            ("+1 555", "'+1 555"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'=1"),
            ("\u{1b}[31m=red", "'=red"),
            ("a=b", "a=b"),
        ];
        for (raw, want) in cases {
            assert_eq!(csv_cell(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn json_output_escapes_what_a_terminal_would_act_on_and_keeps_the_value() {
        let value = "a\u{7f}b\u{9b}31mc\u{202e}d\u{200b}e\u{2028}f Æ Ø Å 🙂";
        let json = serde_json::to_string(&value).unwrap();
        let safe = json_safe(&json);
        for c in ['\u{7f}', '\u{9b}', '\u{202e}', '\u{200b}', '\u{2028}'] {
            assert!(!safe.contains(c), "{c:?} in {safe}");
        }
        assert!(safe.contains("Æ Ø Å 🙂"), "other text stays as it is");
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value, "the same value");
        assert_eq!(strip_control("Ann\u{200b}ette\u{2066}"), "Annette");
    }

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let cases = [
            ("plain", "plain"),
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("\u{1b}]0;owned\u{7}title", "title"),
            (
                "\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\",
                "link",
            ),
            ("bell\u{7}\u{8}back", "bellback"),
            ("a\u{9b}2Jb", "ab"),
            ("line\nbreak", "line\nbreak"),
            ("rtl\u{202e}txt", "rtltxt"),
            ("ünïcödé ok", "ünïcödé ok"),
        ];
        for (raw, want) in cases {
            assert_eq!(strip_control(raw), want, "{raw:?}");
        }
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }
}
