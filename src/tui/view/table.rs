//! The one table every long list is drawn with (the interaction log,
//! opportunities, contacts, salespeople, runs): columns are data — a title,
//! the width wanted, the least they can do with, and when they give way —
//! so that a narrow terminal drops the least needed columns first, the
//! growing column (a subject, a description) keeps its room, and a cell that
//! does not fit says so with `…` instead of being cut mid-word.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Row, Table, TableState};

use super::fit::{fit, fit_line};

/// Space between two columns.
const SPACING: u16 = 1;

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    /// The title of the column squeezed below its width ("SP").
    pub short: &'static str,
    /// The width it is given when there is room.
    pub width: u16,
    /// The least it can be shrunk to before it is dropped.
    pub min: u16,
    /// When it gives way: 0 never; otherwise the highest goes first (and
    /// is shrunk first).
    pub drop: u8,
    /// Takes the room left over (one per table, the widest text).
    pub grow: bool,
}

impl Column {
    /// A column of a fixed width that is never dropped.
    pub const fn fixed(title: &'static str, width: u16) -> Self {
        Column {
            title,
            short: title,
            width,
            min: width,
            drop: 0,
            grow: false,
        }
    }

    /// A column that may shrink to `min` and go, in `drop` order.
    pub const fn flex(title: &'static str, width: u16, min: u16, drop: u8) -> Self {
        Column {
            title,
            short: title,
            width,
            min,
            drop,
            grow: false,
        }
    }

    /// The title shown when the column is squeezed.
    pub const fn short(mut self, short: &'static str) -> Self {
        self.short = short;
        self
    }

    /// The column that takes the room left, at least `min` wide.
    pub const fn grow(title: &'static str, min: u16) -> Self {
        Column {
            title,
            short: title,
            width: min,
            min,
            drop: 0,
            grow: true,
        }
    }
}

/// The width of each column in `total` cells, `None` where it was dropped.
/// Pure, so each terminal size is a row of a table test.
pub fn layout(columns: &[Column], total: u16) -> Vec<Option<u16>> {
    let total = total as u32;
    // The columns that are never dropped, then the others in the order
    // they are kept, each at its width while it fits. The first that does
    // not fit stays if it fits at its least (squeezed), and every one after
    // it goes.
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|i| (columns[*i].drop, *i));
    let mut shown: Vec<bool> = vec![false; columns.len()];
    for i in order {
        shown[i] = true;
        if columns[i].drop == 0 || span(&shown, |j| columns[j].width) <= total {
            continue;
        }
        let least = span(&shown, |j| {
            if j == i {
                columns[j].min
            } else {
                columns[j].width
            }
        });
        shown[i] = least <= total;
        break;
    }
    let mut widths: Vec<u16> = columns.iter().map(|c| c.width).collect();
    // On a terminal too narrow for the columns that stay, they shrink
    // toward their least, rightmost first.
    let mut order: Vec<usize> = (0..columns.len()).filter(|i| shown[*i]).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(columns[*i].drop), std::cmp::Reverse(*i)));
    for i in order {
        let over = span(&shown, |j| widths[j]).saturating_sub(total);
        if over == 0 {
            break;
        }
        widths[i] -= (widths[i] - columns[i].min).min(over as u16);
    }
    // What is left goes to the growing column.
    let used = span(&shown, |j| widths[j]);
    if let Some(g) = (0..columns.len()).find(|i| shown[*i] && columns[*i].grow) {
        widths[g] += total.saturating_sub(used) as u16;
    }
    widths
        .into_iter()
        .zip(shown)
        .map(|(w, s)| s.then_some(w))
        .collect()
}

/// Cells the shown columns take at these widths, spacing included.
fn span(shown: &[bool], width: impl Fn(usize) -> u16) -> u32 {
    let cols: Vec<u32> = (0..shown.len())
        .filter(|i| shown[*i])
        .map(|i| width(i) as u32)
        .collect();
    cols.iter().sum::<u32>() + (cols.len() as u32).saturating_sub(1) * SPACING as u32
}

/// One cell: what it shows, and a shorter form for a narrow column (a
/// code for a name, a time for a date) used when the full one does not fit.
#[derive(Debug, Clone, Default)]
pub struct Cell<'a> {
    pub full: Line<'a>,
    pub short: Option<Line<'a>>,
}

impl<'a> Cell<'a> {
    pub fn new(full: impl Into<Line<'a>>) -> Self {
        Cell {
            full: full.into(),
            short: None,
        }
    }

    pub fn or_short(mut self, short: impl Into<Line<'a>>) -> Self {
        self.short = Some(short.into());
        self
    }

    /// The cell in a column `w` wide; `squeezed`: narrower than it wants,
    /// where the whole column shows its short forms (codes, not some names
    /// and some codes).
    fn in_width(self, w: u16, squeezed: bool) -> Line<'static> {
        let w = w as usize;
        match self.short {
            Some(short) if squeezed || self.full.width() > w => fit_line(short, w),
            _ => fit_line(self.full, w),
        }
    }
}

impl<'a> From<String> for Cell<'a> {
    fn from(s: String) -> Self {
        Cell::new(s)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::new(s)
    }
}

impl<'a> From<Line<'a>> for Cell<'a> {
    fn from(l: Line<'a>) -> Self {
        Cell::new(l)
    }
}

/// A table of rows under a header, the selected row highlighted.
pub struct DataTable<'a> {
    pub columns: &'a [Column],
    pub rows: Vec<(Vec<Cell<'a>>, Style)>,
    pub selected: Option<usize>,
    pub header_style: Style,
    pub highlight: Style,
}

impl<'a> DataTable<'a> {
    pub fn new(columns: &'a [Column], header_style: Style, highlight: Style) -> Self {
        DataTable {
            columns,
            rows: Vec::new(),
            selected: None,
            header_style,
            highlight,
        }
    }

    pub fn row(&mut self, cells: Vec<Cell<'a>>) {
        self.rows.push((cells, Style::new()));
    }

    pub fn styled_row(&mut self, cells: Vec<Cell<'a>>, style: Style) {
        self.rows.push((cells, style));
    }

    pub fn select(mut self, i: Option<usize>) -> Self {
        self.selected = i;
        self
    }

    /// Draws the rows that fit, keeping the selected one on screen.
    pub fn render(self, f: &mut Frame, area: Rect) {
        let widths = layout(self.columns, area.width);
        let shown: Vec<(usize, u16)> = widths
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .collect();
        let header = Row::new(
            shown
                .iter()
                .map(|(i, w)| {
                    let c = &self.columns[*i];
                    let title = if *w < c.width { c.short } else { c.title };
                    fit(title, *w as usize)
                })
                .collect::<Vec<_>>(),
        )
        .style(self.header_style);
        let rows: Vec<Row> = self
            .rows
            .into_iter()
            .map(|(cells, style)| {
                let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
                Row::new(
                    shown
                        .iter()
                        .map(|(i, w)| {
                            cells
                                .get_mut(*i)
                                .and_then(Option::take)
                                .unwrap_or_default()
                                .in_width(*w, *w < self.columns[*i].width)
                        })
                        .collect::<Vec<_>>(),
                )
                .style(style)
            })
            .collect();
        let table = Table::new(
            rows,
            shown
                .iter()
                .map(|(_, w)| Constraint::Length(*w))
                .collect::<Vec<_>>(),
        )
        .column_spacing(SPACING)
        .header(header)
        .row_highlight_style(self.highlight);
        let mut state = TableState::default();
        state.select(self.selected);
        f.render_stateful_widget(table, area, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &[Column] = crate::tui::screens::log::COLUMNS;

    fn shown(total: u16) -> Vec<(&'static str, u16)> {
        layout(LOG, total)
            .into_iter()
            .zip(LOG)
            .filter_map(|(w, c)| w.map(|w| (c.title, w)))
            .collect()
    }

    #[test]
    fn columns_give_way_in_their_order_and_the_subject_keeps_its_room() {
        let all = [
            "Date",
            "Dir",
            "By",
            "Salesperson",
            "Contact",
            "Company",
            "Subject",
            "Opp.",
        ];
        let cases: &[(u16, &[&str], u16)] = &[
            (140, &all, 56),
            // The company squeezed to fit, who initiated it dropped.
            (
                100,
                &[
                    "Date",
                    "Dir",
                    "Salesperson",
                    "Contact",
                    "Company",
                    "Subject",
                    "Opp.",
                ],
                24,
            ),
            (
                80,
                &["Date", "Dir", "Salesperson", "Contact", "Subject", "Opp."],
                24,
            ),
            (60, &["Date", "Dir", "Contact", "Subject"], 24),
            (50, &["Date", "Dir", "Subject"], 33),
            (40, &["Date", "Dir", "Subject"], 24),
        ];
        for (total, titles, subject) in cases {
            let s = shown(*total);
            let got: Vec<&str> = s.iter().map(|(t, _)| *t).collect();
            assert_eq!(got, *titles, "at {total}");
            let used: u16 = s.iter().map(|(_, w)| w).sum::<u16>() + s.len() as u16 - 1;
            assert_eq!(used, *total, "the growing column takes the rest");
            let got = s.iter().find(|(t, _)| *t == "Subject").unwrap().1;
            assert_eq!(got, *subject, "the subject at {total}");
            for (t, w) in &s {
                let c = LOG.iter().find(|c| c.title == *t).unwrap();
                assert!(*w >= c.min, "{t} at {total}: {w}");
                let squeezed = [(100, "Company"), (80, "Salesperson")];
                if !c.grow && *total >= 50 && !squeezed.contains(&(*total, *t)) {
                    assert_eq!(*w, c.width, "{t} at its width at {total}");
                }
            }
        }
        assert_eq!(shown(100)[4], ("Company", 13));
        assert_eq!(shown(80)[2], ("Salesperson", 10));
        // Narrower than the columns that stay: the date gives up its time.
        assert_eq!(shown(40)[0], ("Date", 11));
    }

    #[test]
    fn a_cell_uses_its_short_form_when_the_full_one_does_not_fit() {
        let c = || Cell::new("Annette Hill").or_short("AH");
        assert_eq!(c().in_width(16, false).to_string(), "Annette Hill");
        assert_eq!(c().in_width(6, false).to_string(), "AH");
        assert_eq!(
            c().in_width(14, true).to_string(),
            "AH",
            "a squeezed column"
        );
        assert_eq!(
            Cell::new("Annette Hill").in_width(6, false).to_string(),
            "Annet…"
        );
    }
}
