//! The opportunities, skipped (grouped by reason) and contacts screens.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::log::participants_of;
use crate::domain::text::one_line;
use crate::store::{ReviewRow, StoredMessage};

use super::super::action::Screen;
use super::super::lists::PeopleFocus;
use super::super::state::UiState;
use super::super::theme::Theme;
use super::fit::{draw_line, fit, fit_line};
use super::format::stored_time;
use super::table::{Cell, Column, DataTable};

fn waiting(f: &mut Frame, theme: &Theme, area: Rect, what: &str) {
    f.render_widget(
        Paragraph::new(Line::styled(format!("reading {what}…"), theme.dim())),
        area,
    );
}

fn empty(f: &mut Frame, theme: &Theme, area: Rect, text: &str) {
    f.render_widget(Paragraph::new(Line::styled(text, theme.dim())), area);
}

pub fn opportunities(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    if s.lists.opportunities.is_none() {
        return waiting(f, theme, area, "the opportunities");
    }
    let filter = s.filter_for(Screen::Opportunities);
    let rows = s.lists.visible_opportunities(filter.as_deref());
    if rows.is_empty() {
        return empty(
            f,
            theme,
            area,
            "no opportunities yet: o on an interaction log entry (4) creates one",
        );
    }
    let mut t = DataTable::new(OPPORTUNITY_COLUMNS, theme.label(), theme.selected());
    for o in &rows {
        let contact = Cell::new(one_line(if o.contact_name.is_empty() {
            &o.contact_no
        } else {
            &o.contact_name
        }));
        t.row(vec![
            Cell::new(one_line(&o.no)),
            Cell::new(one_line(&o.description)),
            contact,
            Cell::new(one_line(&o.company)),
            Cell::new(one_line(&o.salesperson_code)),
            Cell::new(one_line(&o.status)),
            Cell::new(o.estimated_value.map(|m| m.to_string()).unwrap_or_default()),
            Cell::new(o.close_date.as_deref().map(one_line).unwrap_or_default()),
            Cell::new(o.entries.to_string()),
        ]);
    }
    t.select(Some(s.lists.opp_sel)).render(f, area);
}

/// The opportunities' columns, in the order they give way: how many
/// entries, the company, the close date, the status, the contact.
const OPPORTUNITY_COLUMNS: &[Column] = &[
    Column::fixed("No.", 8),
    Column::grow("Description", 16),
    Column::flex("Contact", 18, 8, 1),
    Column::flex("Company", 16, 8, 5),
    Column::fixed("SP", 4),
    Column::flex("Status", 11, 11, 3),
    Column::fixed("Value", 14),
    Column::flex("Close", 10, 10, 4),
    Column::flex("Entries", 7, 7, 6),
];

/// The contacts' columns: alternative addresses give way first, then the
/// company.
const CONTACT_COLUMNS: &[Column] = &[
    Column::fixed("No.", 8),
    Column::flex("Name", 22, 12, 0),
    Column::flex("Company", 22, 10, 2),
    Column::grow("Email", 20),
    Column::flex("Alternative emails", 30, 16, 3),
];

const SALESPERSON_COLUMNS: &[Column] = &[
    Column::fixed("Code", 8),
    Column::flex("Name", 24, 12, 0),
    Column::grow("Email", 20),
];

/// "to Anna <a@x>, b@y" for a skipped message's recipients.
fn recipients(r: &ReviewRow) -> String {
    let m = StoredMessage {
        sender: r.sender.clone(),
        recipients: r.recipients.clone(),
        ..Default::default()
    };
    participants_of(&m)
        .into_iter()
        .skip_while(|(role, _, _)| *role == "From")
        .map(|(_, name, addr)| {
            if name.is_empty() {
                one_line(&addr)
            } else {
                format!("{} <{}>", one_line(&name), one_line(&addr))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn skipped(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    if s.lists.review.is_none() {
        return waiting(f, theme, area, "the skipped messages");
    }
    let filter = s.filter_for(Screen::Skipped);
    let rows = s.lists.visible_review(filter.as_deref());
    let [top, list, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(5),
    ])
    .areas(area);
    let marked = s.lists.marked.len();
    let waiting = rows
        .iter()
        .filter(|r| r.request.as_ref().is_some_and(|(_, st, _)| st == "pending"))
        .count();
    let mut head = vec![
        Span::styled(
            format!(
                "{} not logged",
                crate::domain::text::count(rows.len(), "message", "messages")
            ),
            theme.title(),
        ),
        Span::styled(
            if marked > 0 {
                format!("  {marked} marked (l re-logs them, d deletes them)")
            } else {
                "  grouped by reason, newest received first".into()
            },
            theme.dim(),
        ),
    ];
    if waiting > 0 {
        head.push(Span::styled(
            format!("  ⟳ {waiting} waiting for the engine"),
            theme.warn(),
        ));
    }
    draw_line(f, Line::from(head), top);
    if rows.is_empty() {
        return empty(
            f,
            theme,
            list,
            "nothing to review: every message was logged",
        );
    }
    // Display lines: a header for each reason, then its messages.
    let mut lines: Vec<(Option<usize>, Line)> = Vec::new();
    let mut selected_line = 0;
    for (i, r) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].reason != r.reason {
            let n = rows.iter().filter(|x| x.reason == r.reason).count();
            lines.push((
                None,
                Line::styled(
                    format!(
                        "{} ({n})",
                        one_line(crate::domain::SkipReason::words(&r.reason))
                    ),
                    theme.label(),
                ),
            ));
        }
        if i == s.lists.review_sel {
            selected_line = lines.len();
        }
        let mark = if s.lists.marked.contains(&r.mailbox_id) {
            "●"
        } else {
            " "
        };
        let when = r
            .received_at
            .as_deref()
            .map(|t| stored_time(t, s.now, s.tz))
            .unwrap_or_else(|| stored_time(&r.skipped_at, s.now, s.tz));
        // What was asked and how it went; in full below.
        let asked = request_mark(r.request.as_ref());
        let text = format!(
            " {mark} {:<12} {:<28} {asked}{}",
            when,
            fit(&one_line(&r.sender), 28),
            one_line(&r.subject),
        );
        let style = if i == s.lists.review_sel {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push((
            Some(i),
            fit_line(Line::styled(text, style), list.width as usize),
        ));
    }
    let room = list.height as usize;
    let first = selected_line.saturating_sub(room.saturating_sub(1));
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(first)
        .take(room)
        .map(|(_, l)| l)
        .collect();
    f.render_widget(Paragraph::new(shown), list);
    if let Some(r) = rows.get(s.lists.review_sel) {
        let d = vec![
            Line::from(vec![
                Span::styled("From ", theme.label()),
                Span::raw(one_line(&r.sender)),
            ]),
            Line::from(vec![
                Span::styled("To   ", theme.label()),
                Span::raw(recipients(r)),
            ]),
            Line::from(vec![
                Span::styled("Why  ", theme.label()),
                Span::raw(one_line(&r.detail)),
                Span::styled(format!("  ({})", one_line(&r.disposition)), theme.dim()),
            ]),
            match &r.request {
                Some((action, state, result)) if state == "pending" => Line::styled(
                    format!("Asked {action}: waiting for the engine that holds the mailbox (⟳)"),
                    theme.warn(),
                ),
                Some((action, state, result)) => Line::styled(
                    format!("Asked {action}: {state} — {}", one_line(result)),
                    if state == "failed" {
                        theme.bad()
                    } else {
                        theme.dim()
                    },
                ),
                None => Line::raw(""),
            },
        ];
        f.render_widget(Paragraph::new(d), detail);
    }
}

/// A request's outcome as the row shows it: "⟳ re-log asked " while the
/// engine has not done it, "↻ re-log tried " when it did and the message is
/// still skipped (a re-logged message leaves the queue), "✘ delete failed ".
fn request_mark(request: Option<&(String, String, String)>) -> String {
    let Some((action, state, _)) = request else {
        return String::new();
    };
    let action = match action.as_str() {
        "relog" => "re-log",
        other => other,
    };
    match state.as_str() {
        "pending" => format!("⟳ {action} asked "),
        "failed" => format!("✘ {action} failed "),
        _ => format!("↻ {action} tried "),
    }
}

pub fn contacts(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let (Some(contacts), Some(salespeople)) = (&s.lists.contacts, &s.lists.salespeople) else {
        return waiting(f, theme, area, "contacts and salespeople");
    };
    let [top, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let focus = s.lists.people_focus;
    let tab = |label: String, on: bool| {
        Span::styled(
            label,
            if on {
                theme.tab_active()
            } else {
                theme.label()
            },
        )
    };
    draw_line(
        f,
        Line::from(vec![
            tab(
                format!(" Contacts ({}) ", contacts.len()),
                focus == PeopleFocus::Contacts,
            ),
            Span::raw(" "),
            tab(
                format!(" Salespeople ({}) ", salespeople.len()),
                focus == PeopleFocus::Salespeople,
            ),
            Span::styled(
                "  f switches · Enter shows their interaction log",
                theme.dim(),
            ),
        ]),
        top,
    );
    let filter = s.filter_for(Screen::Contacts);
    match focus {
        PeopleFocus::Contacts => {
            let rows = s.lists.visible_contacts(filter.as_deref());
            if rows.is_empty() {
                return empty(
                    f,
                    theme,
                    list,
                    "no contacts: a adds one, i imports a CSV file",
                );
            }
            let mut t = DataTable::new(CONTACT_COLUMNS, theme.label(), theme.selected());
            for c in &rows {
                t.row(vec![
                    Cell::new(one_line(&c.no)),
                    Cell::new(one_line(&c.name)),
                    Cell::new(one_line(&c.company)),
                    Cell::new(one_line(&c.email)),
                    Cell::new(one_line(&c.alt_emails.join(", "))),
                ]);
            }
            t.select(Some(s.lists.contact_sel)).render(f, list);
        }
        PeopleFocus::Salespeople => {
            let rows = s.lists.visible_salespeople(filter.as_deref());
            if rows.is_empty() {
                return empty(
                    f,
                    theme,
                    list,
                    "no salespeople: a adds one, i imports a CSV file",
                );
            }
            let mut t = DataTable::new(SALESPERSON_COLUMNS, theme.label(), theme.selected());
            for p in &rows {
                t.row(vec![
                    Cell::new(one_line(&p.code)),
                    Cell::new(one_line(&p.name)),
                    Cell::new(one_line(&p.email)),
                ]);
            }
            t.select(Some(s.lists.salesperson_sel)).render(f, list);
        }
    }
}
