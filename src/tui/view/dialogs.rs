//! The users' dialogs: a form of several fields (each checked as typed), an
//! opportunity's details, and an import's preview.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::app::people::ImportPreview;
use crate::domain::text::one_line;
use crate::store::EntryRow;

use super::super::form::{Form, Rule};
use super::super::state::UiState;
use super::super::theme::Theme;
use super::centered;
use super::fit::{fit, wrap_line, wrap_lines};
use crate::tui::screens::log::entry_time;

fn boxed(f: &mut Frame, theme: &Theme, area: Rect, title: &str) -> Rect {
    f.render_widget(Clear, area);
    let b = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = b.inner(area);
    f.render_widget(b, area);
    inner
}

/// Label column width.
const LABEL: usize = 20;

pub fn form(f: &mut Frame, theme: &Theme, body: Rect, form: &Form) {
    // Laid out first: a long note wraps, and the box grows to hold it.
    let width = 80.min(body.width).saturating_sub(2) as usize;
    let mut lines: Vec<Line> = wrap_lines(
        form.info
            .iter()
            .map(|l| Line::styled(one_line(l), theme.dim()))
            .collect(),
        width,
        "",
    );
    if !lines.is_empty() {
        lines.push(Line::raw(""));
    }
    let value_w = width.saturating_sub(LABEL + 2).max(1);
    let under = " ".repeat(LABEL + 4);
    // The cursor's column and line inside the box.
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let value = field.input.value();
        let scroll = field.input.visual_scroll(value_w);
        let shown: String = value.chars().skip(scroll).take(value_w).collect();
        let label_style = if focused { theme.key() } else { theme.label() };
        let choice = matches!(field.rule, Rule::Choice(_));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<LABEL$}", field.label), label_style),
            Span::styled(if focused { "▸ " } else { "  " }, label_style),
            Span::raw(if choice && shown.is_empty() {
                "(any)".to_string()
            } else {
                shown
            }),
        ]));
        if focused {
            cursor = Some((
                LABEL as u16 + 2 + (field.input.visual_cursor().saturating_sub(scroll)) as u16,
                lines.len() as u16 - 1,
            ));
        }
        // Choices that narrow as it is typed: Up/Down choose, Enter takes.
        let (shown, total) = if focused {
            field.suggestions()
        } else {
            (Vec::new(), 0)
        };
        if !shown.is_empty() {
            let sel = field.pick_sel.min(shown.len() - 1);
            for (i, p) in shown.iter().enumerate() {
                let text = fit(&one_line(&p.label), width.saturating_sub(LABEL + 2));
                let style = if i == sel {
                    theme.selected()
                } else {
                    theme.dim()
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("{:LABEL$}  ", "")),
                    Span::styled(text, style),
                ]));
            }
            let more = if total > shown.len() {
                format!(
                    "{} more: type more to narrow · ↑↓ choose · Enter takes it",
                    crate::domain::text::grouped((total - shown.len()) as u64)
                )
            } else {
                "↑↓ choose · Enter takes it".to_string()
            };
            lines.push(Line::styled(format!("{:LABEL$}  {more}", ""), theme.dim()));
            continue;
        }
        let note = match field.error() {
            Some(e) if !field.input.value().is_empty() || focused => {
                Line::styled(format!("{:LABEL$}  ✘ {e}", ""), theme.bad())
            }
            _ if focused && !field.hint.is_empty() => {
                Line::styled(format!("{:LABEL$}  {}", "", field.hint), theme.dim())
            }
            _ => Line::raw(""),
        };
        lines.extend(wrap_line(note, width, &under));
    }
    if let Some(e) = &form.error {
        lines.extend(wrap_line(Line::styled(one_line(e), theme.bad()), width, ""));
    }
    let area = centered(body, 80, lines.len() as u16 + 2);
    let inner = boxed(f, theme, area, &one_line(&form.title));
    let cursor = cursor.map(|(x, y)| (inner.x + x, inner.y + y));
    f.render_widget(Paragraph::new(lines), inner);
    if let Some((x, y)) = cursor
        && x < inner.right()
        && y < inner.bottom()
    {
        f.set_cursor_position((x, y));
    }
}

pub fn opportunity(
    f: &mut Frame,
    s: &UiState,
    theme: &Theme,
    body: Rect,
    no: &str,
    entries: Option<&Vec<EntryRow>>,
    sel: usize,
) {
    let area = centered(body, 110, body.height.saturating_sub(2));
    let inner = boxed(f, theme, area, &format!("Opportunity {}", one_line(no)));
    let o = s.lists.opportunities.iter().flatten().find(|o| o.no == no);
    let mut lines = Vec::new();
    if let Some(o) = o {
        lines.push(Line::styled(one_line(&o.description), theme.title()));
        lines.push(Line::from(vec![
            Span::styled("Status ", theme.label()),
            Span::raw(one_line(&o.status)),
            Span::styled("  Value ", theme.label()),
            Span::raw(
                o.estimated_value
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "—".into()),
            ),
            Span::styled("  Close date ", theme.label()),
            Span::raw(
                o.close_date
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| "—".into()),
            ),
        ]));
        lines.push(Line::from(vec![
            Span::styled("Contact ", theme.label()),
            Span::raw(format!(
                "{} ({}) · {}",
                one_line(&o.contact_name),
                one_line(&o.contact_no),
                one_line(&o.company)
            )),
            Span::styled("  Salesperson ", theme.label()),
            Span::raw(format!(
                "{} ({})",
                one_line(&o.salesperson_name),
                one_line(&o.salesperson_code)
            )),
        ]));
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "Interaction log entries it came from (Enter opens the message):",
        theme.label(),
    ));
    match entries {
        None => lines.push(Line::styled("reading…", theme.dim())),
        Some(list) if list.is_empty() => lines.push(Line::styled("none", theme.dim())),
        Some(list) => {
            for (i, e) in list.iter().enumerate() {
                let text = format!(
                    "{:>7}  {}  {:<3}  {}",
                    e.entry_no,
                    entry_time(e, s.now, s.tz),
                    if e.direction == "inbound" {
                        "in"
                    } else {
                        "out"
                    },
                    one_line(&e.subject)
                );
                lines.push(if i == sel {
                    Line::styled(text, theme.selected())
                } else {
                    Line::raw(text)
                });
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// 12500.5 → "12,500.50".
pub fn import_preview(
    f: &mut Frame,
    theme: &Theme,
    body: Rect,
    path: &str,
    p: &ImportPreview,
    scroll: usize,
) {
    let area = centered(body, 110, body.height.saturating_sub(2));
    let inner = boxed(f, theme, area, &format!("Import {}", one_line(path)));
    let (added, changed, unchanged) = p.counts();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{added} new"), theme.good()),
        Span::raw(", "),
        Span::styled(format!("{changed} changed"), theme.warn()),
        Span::raw(format!(", {unchanged} unchanged")),
        if p.errors().is_empty() {
            Span::styled("  — Enter imports, Esc cancels", theme.dim())
        } else {
            Span::styled(
                format!(
                    "  — {}: nothing can be imported until they are fixed",
                    crate::domain::text::count(p.errors().len(), "bad row", "bad rows")
                ),
                theme.bad(),
            )
        },
    ])];
    // What was assumed of the file, so a wrong guess shows.
    lines.push(Line::styled(one_line(&p.format().describe()), theme.dim()));
    let mut detail: Vec<Line> = Vec::new();
    for e in p.errors() {
        detail.push(Line::styled(
            format!("line {}: {}", e.line, one_line(&e.reason)),
            theme.bad(),
        ));
    }
    match p {
        ImportPreview::Contacts(c) => {
            for n in &c.added {
                detail.push(Line::raw(format!(
                    "+ {}  {} · {} · {}",
                    one_line(&n.no),
                    one_line(&n.name),
                    one_line(&n.company),
                    one_line(&n.email)
                )));
            }
            for (old, n) in &c.changed {
                detail.push(Line::styled(
                    format!(
                        "~ {}  {} · {} · {}  (was {} · {} · {})",
                        one_line(&n.no),
                        one_line(&n.name),
                        one_line(&n.company),
                        one_line(&n.email),
                        one_line(&old.name),
                        one_line(&old.company),
                        one_line(&old.email)
                    ),
                    theme.warn(),
                ));
            }
        }
        ImportPreview::Salespeople(sp) => {
            for n in &sp.added {
                detail.push(Line::raw(format!(
                    "+ {}  {} · {}",
                    one_line(&n.code),
                    one_line(&n.name),
                    one_line(&n.email)
                )));
            }
            for (old, n) in &sp.changed {
                detail.push(Line::styled(
                    format!(
                        "~ {}  {} · {}  (was {} · {})",
                        one_line(&n.code),
                        one_line(&n.name),
                        one_line(&n.email),
                        one_line(&old.name),
                        one_line(&old.email)
                    ),
                    theme.warn(),
                ));
            }
        }
    }
    let room = (inner.height as usize).saturating_sub(2);
    let start = scroll.min(detail.len().saturating_sub(room));
    lines.extend(detail.into_iter().skip(start).take(room));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
