//! The logging mailboxes in the UI: the switcher (`m` on Status, Setup and
//! the Job queue moves to the next mailbox; those screens show the picked
//! one) and the "all mailboxes" overview on Status, one line each: state,
//! last run, backlog, what needs attention.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::domain::text::one_line;
use crate::store::MailboxRow;
use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::Screen as On;
use crate::tui::keymap::{Binding, b, k};
use crate::tui::msg::Effect;
use crate::tui::state::{Level, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::format::relative;

/// The switcher's keys, on the screens that show one mailbox (not in the
/// footer: the titles say `m` while there are several).
pub const KEYS: &[Binding] = &[
    b(
        On(Screen::Status),
        &[k('m')],
        Action::NextMailbox,
        "mailbox",
        "Show the next logging mailbox",
        false,
    ),
    b(
        On(Screen::Setup),
        &[k('m')],
        Action::NextMailbox,
        "mailbox",
        "Show the next logging mailbox's setup",
        false,
    ),
    b(
        On(Screen::Jobs),
        &[k('m')],
        Action::NextMailbox,
        "mailbox",
        "Show the next logging mailbox's job",
        false,
    ),
];

/// The mailbox after `current` in `rows`, round to the first.
pub fn next_after(rows: &[MailboxRow], current: i64) -> Option<i64> {
    if rows.len() < 2 {
        return None;
    }
    let at = rows.iter().position(|m| m.no == current).unwrap_or(0);
    Some(rows[(at + 1) % rows.len()].no)
}

/// A mailbox's address as a column shows it: the part before @.
pub fn short(address: &str) -> &str {
    address.split('@').next().unwrap_or_default()
}

/// A mailbox as a title shows it: its address, or its number before it has one.
pub fn name(m: &MailboxRow) -> String {
    if m.address.is_empty() {
        format!("mailbox {}", m.no)
    } else {
        one_line(&m.address)
    }
}

impl UiState {
    /// `m`: the next mailbox, on every screen that shows one.
    pub(crate) fn next_mailbox(&mut self) -> Vec<Effect> {
        let Some(o) = &self.overview else {
            return Vec::new();
        };
        match next_after(&o.mailboxes, o.mailbox_no) {
            Some(no) => {
                self.engine.in_run = false;
                self.engine.waiting = None;
                self.engine.throttled = None;
                vec![Effect::PickMailbox(no)]
            }
            None => {
                self.say(
                    Level::Info,
                    "this database logs one mailbox; add another with `emaillog mailbox add ADDRESS`",
                );
                Vec::new()
            }
        }
    }

    /// "crm-2@contoso.example (2 of 3)" while there are several, for the
    /// titles of the screens that show one mailbox.
    pub(crate) fn mailbox_title(&self) -> Option<String> {
        let o = self.overview.as_ref()?;
        if o.mailboxes.len() < 2 {
            return None;
        }
        let at = o.mailboxes.iter().position(|m| m.no == o.mailbox_no)?;
        Some(format!(
            "{} ({} of {})",
            name(&o.mailboxes[at]),
            at + 1,
            o.mailboxes.len()
        ))
    }
}

/// One mailbox's line: its state and what needs a person.
fn line<'a>(m: &MailboxRow, shown: bool, now: DateTime<Utc>, theme: &Theme) -> Line<'a> {
    let (state, style) = match (m.enabled, m.job_status.as_deref()) {
        (false, _) => ("disabled".to_string(), theme.dim()),
        (true, Some("Error")) => ("Error".to_string(), theme.bad()),
        (true, Some(s)) => (s.to_string(), theme.good()),
        (true, None) => ("no job".to_string(), theme.warn()),
    };
    let last = m
        .last_run_at
        .as_deref()
        .and_then(crate::store::parse_ts)
        .map(|t| format!("ran {}", relative(t, now)))
        .unwrap_or_else(|| "never ran".into());
    let backlog = m
        .backlog
        .map(|b| format!("{b} waiting"))
        .unwrap_or_default();
    let attention = match (m.stuck, m.job_status.as_deref()) {
        (n, _) if n > 0 => format!("{n} stuck"),
        (_, Some("Error")) => one_line(m.last_error.as_deref().unwrap_or("in Error")),
        _ => String::new(),
    };
    Line::from(vec![
        Span::styled(if shown { "▸ " } else { "  " }, theme.key()),
        Span::styled(
            format!("{:<30} ", name(m)),
            if shown { theme.title() } else { Style::new() },
        ),
        Span::styled(format!("{state:<10} "), style),
        Span::raw(format!("{last:<18} {backlog:<11} ")),
        Span::styled(attention, theme.bad()),
    ])
}

/// Rows the overview takes: none with one mailbox.
pub fn height(s: &UiState) -> u16 {
    match &s.overview {
        Some(o) if o.mailboxes.len() > 1 => o.mailboxes.len().min(8) as u16 + 1,
        _ => 0,
    }
}

/// The "all mailboxes" overview (at most eight lines; the rest counted).
pub fn draw_all(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(o) = &s.overview else { return };
    if o.mailboxes.len() < 2 || area.height == 0 {
        return;
    }
    let room = area.height.saturating_sub(1) as usize;
    let mut lines: Vec<Line> = o
        .mailboxes
        .iter()
        .take(room)
        .map(|m| line(m, m.no == o.mailbox_no, s.now, theme))
        .collect();
    if o.mailboxes.len() > room && room > 0 {
        lines.pop();
        lines.push(Line::styled(
            format!(
                "  … {} more: emaillog mailbox list",
                o.mailboxes.len() - room + 1
            ),
            theme.dim(),
        ));
    }
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        format!("All mailboxes ({}) · m: next", o.mailboxes.len()),
        theme.title(),
    ));
    f.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(no: i64) -> MailboxRow {
        MailboxRow {
            no,
            address: format!("crm-{no}@contoso.example"),
            source: "graph".into(),
            enabled: true,
            job_status: None,
            last_error: None,
            last_run_at: None,
            backlog: None,
            stuck: 0,
        }
    }

    #[test]
    fn the_next_mailbox_goes_round() {
        let rows = [row(1), row(3), row(7)];
        assert_eq!(next_after(&rows, 1), Some(3));
        assert_eq!(next_after(&rows, 7), Some(1));
        assert_eq!(next_after(&rows, 5), Some(3), "a gone one: from the first");
        assert_eq!(next_after(&rows[..1], 1), None);
    }
}
