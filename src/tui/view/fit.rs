//! Text in the room there is: cut with `…` where a line must stay one line
//! (table cells, summary and status lines), wrapped at words where a
//! dialog can grow. Widths are terminal cells (a CJK character is two).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// The width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` in at most `max` cells: whole if it fits, else cut with `…`.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A line in at most `max` cells, its spans' styles kept, cut with `…`.
pub fn fit_line(line: Line<'_>, max: usize) -> Line<'static> {
    let style = line.style;
    let total: usize = line.spans.iter().map(|s| width(&s.content)).sum();
    let mut spans = Vec::new();
    if total <= max {
        for s in line.spans {
            spans.push(Span::styled(s.content.into_owned(), s.style));
        }
        return Line::from(spans).style(style);
    }
    let mut left = max.saturating_sub(1);
    for s in line.spans {
        if left == 0 {
            break;
        }
        let w = width(&s.content);
        if w <= left {
            left -= w;
            spans.push(Span::styled(s.content.into_owned(), s.style));
        } else {
            let cut = fit(&s.content, left + 1);
            let cut = cut.trim_end_matches('…').to_string();
            left = 0;
            spans.push(Span::styled(cut, s.style));
        }
    }
    if max > 0 {
        spans.push(Span::raw("…"));
    }
    Line::from(spans).style(style)
}

/// Draws one line in a one-row area, cut with `…` if it is too long.
pub fn draw_line(f: &mut Frame, line: Line<'_>, area: Rect) {
    f.render_widget(
        ratatui::widgets::Paragraph::new(fit_line(line, area.width as usize)),
        area,
    );
}

/// Lines drawn one per row, each cut with `…` to `area`'s width.
pub fn draw_lines(f: &mut Frame, lines: Vec<Line<'_>>, area: Rect) {
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| fit_line(l, area.width as usize))
        .collect();
    f.render_widget(ratatui::widgets::Paragraph::new(lines), area);
}

/// A line wrapped at spaces into lines of at most `max` cells, its spans'
/// styles kept; a word longer than a line is broken. Continuation lines
/// start with `indent` (to sit under the text of a labelled line).
pub fn wrap_line(line: Line<'_>, max: usize, indent: &str) -> Vec<Line<'static>> {
    let max = max.max(1);
    let indent: String = {
        let mut w = 0;
        indent
            .chars()
            .take_while(|c| {
                w += c.width().unwrap_or(0);
                w < max
            })
            .collect()
    };
    let mut out = Wrapped {
        lines: Vec::new(),
        cur: Vec::new(),
        used: 0,
        max,
        indent_w: width(&indent),
        indent,
        style: line.style,
    };
    for s in &line.spans {
        // Each word with the spaces before it.
        let mut word = String::new();
        for c in s.content.chars() {
            if c == ' ' && !word.trim().is_empty() {
                out.word(std::mem::take(&mut word), s.style);
            }
            word.push(c);
        }
        if !word.is_empty() {
            out.word(word, s.style);
        }
    }
    if !out.cur.is_empty() || out.lines.is_empty() {
        out.lines.push(Line::from(out.cur).style(out.style));
    }
    out.lines
}

/// The lines made so far and the one in hand.
struct Wrapped {
    lines: Vec<Line<'static>>,
    cur: Vec<Span<'static>>,
    used: usize,
    max: usize,
    indent: String,
    indent_w: usize,
    style: ratatui::style::Style,
}

impl Wrapped {
    fn new_line(&mut self) {
        self.lines
            .push(Line::from(std::mem::take(&mut self.cur)).style(self.style));
        self.cur.push(Span::raw(self.indent.clone()));
        self.used = self.indent_w;
    }

    /// Adds a word: on a new line when it does not fit (its leading spaces
    /// dropped), broken across lines when it is longer than a line.
    fn word(&mut self, word: String, style: ratatui::style::Style) {
        let word = if self.used + width(&word) > self.max && self.used > self.indent_w {
            self.new_line();
            word.trim_start().to_string()
        } else {
            word
        };
        let mut piece = String::new();
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if self.used + w > self.max {
                if !piece.is_empty() {
                    self.cur
                        .push(Span::styled(std::mem::take(&mut piece), style));
                }
                self.new_line();
            }
            piece.push(c);
            self.used += w;
        }
        if !piece.is_empty() {
            self.cur.push(Span::styled(piece, style));
        }
    }
}

/// Every line wrapped (see [`wrap_line`]).
pub fn wrap_lines(lines: Vec<Line<'_>>, max: usize, indent: &str) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|l| wrap_line(l, max, indent))
        .collect()
}

/// Wraps text at `width` columns on spaces (a longer word is cut), keeping
/// its line breaks. Runs once when a message opens, not on every frame.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.replace('\t', "    ");
        if line.chars().count() <= width {
            out.push(line);
            continue;
        }
        let mut current = String::new();
        let mut len = 0;
        for word in line.split(' ') {
            let wlen = word.chars().count();
            if len > 0 && len + 1 + wlen > width {
                out.push(std::mem::take(&mut current));
                len = 0;
            }
            if len > 0 {
                current.push(' ');
                len += 1;
            }
            let mut chars = word.chars().peekable();
            while chars.peek().is_some() {
                if len == width {
                    out.push(std::mem::take(&mut current));
                    len = 0;
                }
                let c = chars.next().unwrap_or(' ');
                current.push(c);
                len += 1;
            }
        }
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use ratatui::style::Style;

    use super::*;

    #[test]
    fn what_does_not_fit_ends_with_an_ellipsis() {
        assert_eq!(fit("Northwind Traders", 17), "Northwind Traders");
        assert_eq!(fit("Northwind Traders", 16), "Northwind Trade…");
        assert_eq!(
            fit("ivan.silva@adventure-works.example", 20),
            "ivan.silva@adventur…"
        );
        // Wide characters count as two cells.
        assert_eq!(fit("日本語のテキスト", 7), "日本語…");
        assert_eq!(fit("Ærlig Øvre Ås", 5), "Ærli…");
        assert_eq!(fit("abc", 0), "");
        let line = Line::from(vec![
            Span::raw("RE: "),
            Span::styled("Budget", Style::new().bold()),
        ]);
        let cut = fit_line(line, 7);
        assert_eq!(cut.to_string(), "RE: Bu…");
        assert_eq!(cut.spans[1].style, Style::new().bold(), "styles kept");
    }

    #[test]
    fn long_text_wraps_at_words_and_breaks_only_what_is_longer_than_a_line() {
        let text = |lines: Vec<Line>| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        let l = Line::from("✘ 'alex@' is not an email address (like anna@fabrikam.com)");
        assert_eq!(
            text(wrap_line(l, 30, "  ")),
            vec![
                "✘ 'alex@' is not an email",
                "  address (like",
                "  anna@fabrikam.com)",
            ]
        );
        // Nothing is lost: the words in order, the ")" at the end.
        let long =
            "No such file or directory (os error 2) while reading /var/lib/emaillog/contacts.csv";
        let wrapped = text(wrap_line(Line::from(long), 24, ""));
        assert!(wrapped.iter().all(|l| width(l) <= 24), "{wrapped:?}");
        let letters = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(letters(&wrapped.concat()), letters(long), "nothing lost");
        assert!(wrapped[0].starts_with("No such file or"), "{wrapped:?}");
        // A word longer than a line is broken, not cut.
        let url = "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token";
        let wrapped = text(wrap_line(Line::from(url), 20, ""));
        assert_eq!(wrapped.concat(), url);
        assert!(wrapped.iter().all(|l| width(l) <= 20));
        // Styles stay with their words.
        let styled = Line::from(vec![
            Span::styled("fix: ", Style::new().bold()),
            Span::raw("sign in again"),
        ]);
        let w = wrap_line(styled, 10, "");
        assert_eq!(w[0].spans[0].style, Style::new().bold());
        assert_eq!(wrap_line(Line::from(""), 10, "").len(), 1);
    }
    #[test]
    fn wrapping_keeps_breaks_and_cuts_long_words() {
        assert_eq!(
            wrap("one two three\n\nfour", 10),
            vec!["one two", "three", "", "four"]
        );
        assert_eq!(wrap("abcdefghijklmnop", 10), vec!["abcdefghij", "klmnop"]);
        let w = wrap(&"word ".repeat(30_000), 70);
        assert!(w.iter().all(|l| l.chars().count() <= 70));
    }
}
