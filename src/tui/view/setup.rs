//! The setup screen: every field with its value (secrets only as set / not
//! set), the chosen field's help, and what the admin can do from here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};

use crate::app::overview::Role;
use crate::app::setup_fields::{FIELDS, FieldKind, display};
use crate::domain::text::one_line;

use super::super::state::UiState;
use super::super::theme::Theme;

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(o) = &s.overview else {
        f.render_widget(Paragraph::new("reading the setup…"), area);
        return;
    };
    let [head, table_area, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    let head_text = match s.role {
        Role::Admin => Line::from(vec![
            Span::styled("Setup", theme.title()),
            Span::styled(
                "  Enter edits · s signs in · v validates · a walks every step",
                theme.dim(),
            ),
        ]),
        Role::User => Line::from(vec![
            Span::styled("Setup (read-only)", theme.title()),
            Span::styled(
                "  the key file is the admin's: no secrets, no sign-in here",
                theme.warn(),
            ),
        ]),
    };
    f.render_widget(Paragraph::new(head_text), head);
    let visible = s.visible_fields();
    let rows: Vec<Row> = visible
        .iter()
        .map(|&i| {
            let field = &FIELDS[i];
            let value = one_line(&display(&o.setup, field.key));
            let value_style = match field.kind {
                FieldKind::Secret => theme.dim(),
                FieldKind::ReadOnly => theme.label(),
                _ => ratatui::style::Style::new(),
            };
            Row::new(vec![
                Span::styled(field.label, theme.label()),
                Span::styled(value, value_style),
            ])
        })
        .collect();
    let table = Table::new(rows, [Constraint::Length(20), Constraint::Min(10)])
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(s.setup_sel));
    f.render_stateful_widget(table, table_area, &mut state);
    let help_text = visible
        .get(s.setup_sel)
        .map(|&i| FIELDS[i].help)
        .unwrap_or("no field matches the filter");
    let missing = o.setup.missing_fields();
    let mut lines = vec![Line::styled(help_text, theme.dim())];
    if !missing.is_empty() {
        lines.push(Line::styled(
            format!(
                "still missing: {}",
                missing
                    .iter()
                    .map(|m| m.split(':').next().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), help);
}
