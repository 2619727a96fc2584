//! The skipped messages' review queue as a component: grouped by reason,
//! newest received first, each request's outcome on its row; marking,
//! re-log, delete, a contact from the sender, never-log. Its update, draw
//! and keys (its rows and marks live in the shared lists, `tui/lists.rs`).

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::log::participants_of;
use crate::domain::text::one_line;
use crate::store::{ReviewAction, ReviewRow, StoredMessage};
use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, admin, b, code, k};
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::state::{Overlay, Pending, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::fit::{draw_line, fit, fit_line};
use crate::tui::view::format::stored_time;
use crate::tui::view::lists::{empty, waiting};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    b(
        Screen(Screen::Skipped),
        &[code(KeyCode::Char(' '))],
        Action::Mark,
        "mark",
        "Mark or unmark for re-log or delete",
        true,
    ),
    b(
        Screen(Screen::Skipped),
        &[k('l')],
        Action::Relog,
        "re-log",
        "Re-log the marked (or chosen) messages: classify again, log and archive what matches",
        true,
    ),
    b(
        Screen(Screen::Skipped),
        &[k('c')],
        Action::ContactFromSender,
        "contact from sender",
        "Create a contact from the sender, then re-log the message",
        true,
    ),
    admin(b(
        Screen(Screen::Skipped),
        &[k('n')],
        Action::NeverAddress,
        "never address",
        "Never log this sender's address",
        false,
    )),
    admin(b(
        Screen(Screen::Skipped),
        &[k('N')],
        Action::NeverDomain,
        "never domain",
        "Never log this sender's domain",
        false,
    )),
    b(
        Screen(Screen::Skipped),
        &[k('d')],
        Action::Delete,
        "delete",
        "Delete the marked (or chosen) messages from the mailbox",
        true,
    ),
];

impl UiState {
    /// The skipped messages an action applies to: the marked ones, else the
    /// selected one.
    pub(crate) fn review_targets(&self) -> Vec<crate::store::ReviewKey> {
        if !self.lists.marked.is_empty() {
            return self.lists.marked.iter().cloned().collect();
        }
        let f = self.filter_for(Screen::Skipped);
        self.lists
            .visible_review(f.as_deref())
            .get(self.lists.review_sel)
            .map(|r| vec![r.key()])
            .unwrap_or_default()
    }

    pub(crate) fn act_skipped(&mut self, a: Action) -> Vec<Effect> {
        let f = self.filter_for(Screen::Skipped);
        let selected = self
            .lists
            .visible_review(f.as_deref())
            .get(self.lists.review_sel)
            .map(|r| (*r).clone());
        match a {
            Action::Mark => {
                if let Some(r) = selected {
                    if !self.lists.marked.remove(&r.key()) {
                        self.lists.marked.insert(r.key());
                    }
                    let n = self.lists.visible_review(f.as_deref()).len();
                    self.lists.review_sel = (self.lists.review_sel + 1).min(n.saturating_sub(1));
                }
                Vec::new()
            }
            Action::Relog => {
                let ids = self.review_targets();
                if ids.is_empty() {
                    return Vec::new();
                }
                self.lists.marked.clear();
                self.start_about(
                    &format!("asking the engine to re-log {}", ids.len()),
                    crate::tui::state::About::Requests,
                );
                vec![Effect::RequestReview {
                    ids,
                    action: ReviewAction::Relog,
                }]
            }
            Action::Delete => {
                let ids = self.review_targets();
                if ids.is_empty() {
                    return Vec::new();
                }
                self.overlay = Some(Overlay::Confirm {
                    question: format!(
                        "Delete {} from the shared mailbox (to Deleted Items)?",
                        crate::domain::text::count(ids.len(), "message", "messages")
                    ),
                    pending: Pending::DeleteSkipped(ids),
                });
                Vec::new()
            }
            Action::ContactFromSender => match selected {
                Some(r) => {
                    self.start("reading the sender");
                    vec![Effect::LoadLists(ListsKind::SuggestContact(Box::new(r)))]
                }
                None => Vec::new(),
            },
            Action::NeverAddress | Action::NeverDomain => {
                let Some(r) = selected else {
                    return Vec::new();
                };
                let (_, address) = crate::app::log::participants_of_sender(&r.sender);
                let pattern = if a == Action::NeverDomain {
                    address.rsplit('@').next().unwrap_or_default().to_string()
                } else {
                    address
                };
                self.check_never_log(pattern)
            }
            _ => Vec::new(),
        }
    }
}

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

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
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
    let several = s.overview.as_ref().is_some_and(|o| o.mailboxes.len() > 1);
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
        let mark = if s.lists.marked.contains(&r.key()) {
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
        // Which mailbox skipped it, while there are several.
        let mailbox = if several {
            let local = super::mailboxes::short(&r.mailbox);
            format!("{:<12} ", fit(&one_line(local), 12))
        } else {
            String::new()
        };
        let text = format!(
            " {mark} {:<12} {mailbox}{:<28} {asked}{}",
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
