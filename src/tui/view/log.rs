//! The interaction log screen: what the view is (filters, search), then
//! the held window's visible rows only, the search's words highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::app::log::LogView;
use crate::domain::Direction;
use crate::domain::search::{Term, highlight, terms};
use crate::domain::text::one_line;
use crate::store::EntryRow;

use super::super::state::UiState;
use super::super::theme::Theme;

/// "2024-05-01 14:03" in the viewer's zone.
pub fn entry_time(e: &EntryRow, tz: chrono::FixedOffset) -> String {
    crate::store::parse_ts(&e.occurred_at)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| one_line(&e.datetime))
}

/// Text with the search's words in the highlight style.
pub fn marked<'a>(text: &'a str, terms: &[Term], base: Style, hit: Style) -> Line<'a> {
    Line::from(
        highlight(text, terms)
            .into_iter()
            .map(|(t, h)| Span::styled(t, if h { hit } else { base }))
            .collect::<Vec<_>>(),
    )
}

/// "contact CT0001 · inbound · from 2024-05-01 · search “budget”".
pub fn describe(v: &LogView, tz: chrono::FixedOffset) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &v.contact_no {
        parts.push(format!("contact {}", one_line(c)));
    }
    if let Some(s) = &v.salesperson_code {
        parts.push(format!("salesperson {}", one_line(s)));
    }
    if let Some(c) = &v.company {
        parts.push(format!("company {}", one_line(c)));
    }
    if let Some(d) = v.direction {
        parts.push(
            match d {
                Direction::Inbound => "inbound",
                Direction::Outbound => "outbound",
            }
            .to_string(),
        );
    }
    let day =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
    if let Some(f) = v.from {
        parts.push(format!("from {}", day(f)));
    }
    if let Some(t) = v.to {
        parts.push(format!("to {}", day(t - chrono::Duration::days(1))));
    }
    if let Some(q) = &v.search {
        parts.push(format!("search “{}”", one_line(q)));
    }
    parts.join(" · ")
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let [summary, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let w = &s.log;
    let mut spans = vec![Span::styled("Newest first", theme.title())];
    let described = describe(&w.view, s.tz);
    if !described.is_empty() {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(described, theme.warn()));
        spans.push(Span::styled("  (Esc clears)", theme.dim()));
    }
    let unseen = w.unseen();
    if unseen > 0 {
        spans.push(Span::styled(
            format!(
                "  ↑ {}{} new (g)",
                unseen.min(999),
                if unseen >= 999 { "+" } else { "" }
            ),
            theme.good(),
        ));
    }
    if w.loading.is_some() {
        spans.push(Span::styled("  reading…", theme.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), summary);

    if let Some(e) = &w.error {
        f.render_widget(
            Paragraph::new(Line::styled(
                format!("cannot read the log: {e}"),
                theme.bad(),
            )),
            table,
        );
        return;
    }
    if w.rows.is_empty() {
        let text = if !w.loaded_once {
            "reading the interaction log…"
        } else if w.view.is_filtered() {
            "no entries match: change the filters (f) or the search (/), or Esc to clear them"
        } else {
            "no entries yet: the job logs email as it arrives (job queue: 3)"
        };
        f.render_widget(Paragraph::new(Line::styled(text, theme.dim())), table);
        return;
    }
    let wide = area.width >= 120;
    let search_terms = w.view.search.as_deref().map(terms).unwrap_or_default();
    let visible = table.height.saturating_sub(1) as usize;
    let end = (w.top + visible).min(w.rows.len());
    let hit = theme.key();
    let rows: Vec<Row> = w.rows[w.top.min(end)..end]
        .iter()
        .map(|e| {
            let dir = if e.direction == "inbound" {
                "in"
            } else {
                "out"
            };
            let sp = if wide && !e.salesperson_name.is_empty() {
                one_line(&e.salesperson_name)
            } else {
                one_line(&e.salesperson_code)
            };
            let contact = if e.contact_name.is_empty() {
                one_line(&e.contact_no)
            } else {
                one_line(&e.contact_name)
            };
            let subject = one_line(&e.subject);
            let subject_line = Line::from(
                highlight(&subject, &search_terms)
                    .into_iter()
                    .map(|(t, h)| Span::styled(t.to_string(), if h { hit } else { Style::new() }))
                    .collect::<Vec<_>>(),
            );
            let opp = e.opportunity_no.clone().unwrap_or_default();
            let mut cells = vec![Cell::from(entry_time(e, s.tz)), Cell::from(dir)];
            if wide {
                cells.push(Cell::from(e.initiated_by.clone()));
            }
            cells.push(Cell::from(sp));
            cells.push(Cell::from(contact));
            if wide {
                cells.push(Cell::from(one_line(&e.contact_company)));
            }
            cells.push(Cell::from(subject_line));
            cells.push(Cell::from(Span::styled(opp, theme.good())));
            Row::new(cells)
        })
        .collect();
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec![
                "Date",
                "Dir",
                "By",
                "Salesperson",
                "Contact",
                "Company",
                "Subject",
                "Opp.",
            ],
            vec![
                Constraint::Length(16),
                Constraint::Length(3),
                Constraint::Length(4),
                Constraint::Length(16),
                Constraint::Length(18),
                Constraint::Length(16),
                Constraint::Min(10),
                Constraint::Length(8),
            ],
        )
    } else {
        (
            vec!["Date", "Dir", "SP", "Contact", "Subject", "Opp."],
            vec![
                Constraint::Length(16),
                Constraint::Length(3),
                Constraint::Length(6),
                Constraint::Length(14),
                Constraint::Min(10),
                Constraint::Length(7),
            ],
        )
    };
    let t = Table::new(rows, widths)
        .header(Row::new(header).style(theme.label()))
        .row_highlight_style(theme.selected());
    let mut state = TableState::default();
    state.select(Some(w.sel.saturating_sub(w.top)));
    f.render_stateful_widget(t, table, &mut state);
}
