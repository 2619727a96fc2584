//! The interaction log screen: what the view is (filters, search), then
//! the held window's visible rows only, the search's words highlighted.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::log::LogView;
use crate::domain::Direction;
use crate::domain::search::{Term, highlight, terms};
use crate::domain::text::one_line;
use crate::store::EntryRow;

use super::super::state::UiState;
use super::super::theme::Theme;
use super::fit::draw_line;
use super::format::{local_day, local_time};
use super::table::{Cell, Column, DataTable};

/// The log's columns, in the order they give way on a narrow terminal:
/// who initiated it first, then the company, the salesperson (after showing
/// codes for names), the opportunity, the contact last; the subject keeps
/// its room and the date shortens to the day.
pub const COLUMNS: &[Column] = &[
    Column::flex("Date", 12, 10, 0),
    Column::fixed("Dir", 3),
    Column::flex("By", 4, 4, 5),
    Column::flex("Salesperson", 16, 6, 3).short("SP"),
    Column::flex("Contact", 18, 10, 1),
    Column::flex("Company", 16, 8, 4),
    Column::grow("Subject", 24),
    Column::flex("Opp.", 8, 8, 2),
];

/// When an entry happened, in the list style (see [`local_time`]).
pub fn entry_time(e: &EntryRow, now: DateTime<Utc>, tz: chrono::FixedOffset) -> String {
    crate::store::parse_ts(&e.occurred_at)
        .map(|t| local_time(t, now, tz))
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
    draw_line(f, Line::from(spans), summary);

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
    let search_terms = w.view.search.as_deref().map(terms).unwrap_or_default();
    let visible = table.height.saturating_sub(1) as usize;
    let end = (w.top + visible).min(w.rows.len());
    let hit = theme.key();
    let mut t = DataTable::new(COLUMNS, theme.label(), theme.selected());
    for e in &w.rows[w.top.min(end)..end] {
        let dir = if e.direction == "inbound" {
            "in"
        } else {
            "out"
        };
        let at = crate::store::parse_ts(&e.occurred_at);
        let date = match at {
            Some(at) => Cell::new(local_time(at, s.now, s.tz)).or_short(local_day(at, s.now, s.tz)),
            None => Cell::new(one_line(&e.datetime)),
        };
        let sp = Cell::new(one_line(if e.salesperson_name.is_empty() {
            &e.salesperson_code
        } else {
            &e.salesperson_name
        }))
        .or_short(one_line(&e.salesperson_code));
        let contact = Cell::new(one_line(if e.contact_name.is_empty() {
            &e.contact_no
        } else {
            &e.contact_name
        }));
        let subject = one_line(&e.subject);
        let subject_line = Line::from(
            highlight(&subject, &search_terms)
                .into_iter()
                .map(|(t, h)| Span::styled(t.to_string(), if h { hit } else { Style::new() }))
                .collect::<Vec<_>>(),
        );
        let opp = e.opportunity_no.clone().unwrap_or_default();
        t.row(vec![
            date,
            Cell::new(dir),
            Cell::new(one_line(&e.initiated_by)),
            sp,
            contact,
            Cell::new(one_line(&e.contact_company)),
            Cell::new(subject_line),
            Cell::new(Span::styled(opp, theme.good())),
        ]);
    }
    t.select(Some(w.sel.saturating_sub(w.top))).render(f, table);
}
