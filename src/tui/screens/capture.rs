//! Capture levels, opened from Setup (`c`, the admin's): every rule
//! (address, domain or salesperson, and how much of their mail is kept),
//! adding one (`a`: the target and the level, typed on one line) and
//! removing one (`d`: their mail is kept whole again). Its state (an
//! overlay), update, draw and keys. The list comes back after a change.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use crate::app::capture::CaptureRow;
use crate::app::overview::Role;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::Capture;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::screens::setup::SetupList;
use crate::tui::state::{Level, Overlay, Pending, PromptFor, UiState, sanitize};
use crate::tui::theme::Theme;
use crate::tui::view::centered;
use crate::tui::view::fit::fit;
use crate::tui::view::overlays::boxed;

impl UiState {
    /// Opens the rules and reads them (the admin's).
    pub(crate) fn open_capture(&mut self) -> Vec<Effect> {
        if self.role != Role::Admin {
            self.say(Level::Info, "capture levels are the admin's to set");
            return Vec::new();
        }
        self.setup.open_list = Some(SetupList::Capture);
        self.overlay = Some(Overlay::Capture { rows: None, sel: 0 });
        vec![Effect::LoadLists(ListsKind::Capture)]
    }

    /// Keys on the rules: move, add, remove, close.
    pub(crate) fn act_capture(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::Capture { rows, sel }) = &mut self.overlay else {
            return Vec::new();
        };
        let n = rows.as_ref().map_or(0, Vec::len);
        let chosen = rows.as_ref().and_then(|r| r.get(*sel)).cloned();
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(n.saturating_sub(1)),
            Action::Top => *sel = 0,
            Action::Bottom => *sel = n.saturating_sub(1),
            Action::Back => {
                self.overlay = None;
                self.setup.open_list = None;
            }
            Action::Add => self.prompt(PromptFor::Capture, ""),
            Action::Delete => match chosen {
                Some(r) => {
                    self.overlay = Some(Overlay::Confirm {
                        question: format!(
                            "Keep the whole of {}'s mail again (subject, body, attachment names) from the next run on?",
                            sanitize(&r.target)
                        ),
                        pending: Pending::CaptureSet(r.target, "full".into()),
                    });
                }
                None => self.say(Level::Info, "there are no rules: a adds one"),
            },
            _ => {}
        }
        Vec::new()
    }

    /// The prompt's line: the target, then the level.
    pub(crate) fn capture_typed(&mut self, text: String) -> Vec<Effect> {
        let mut words: Vec<&str> = text.split_whitespace().collect();
        let level = if words.len() >= 2 { words.pop() } else { None };
        match (words.as_slice(), level) {
            ([target], Some(level)) => {
                self.start("setting the capture level");
                vec![Effect::CaptureSet(target.to_string(), level.to_string())]
            }
            _ => {
                self.say(
                    Level::Error,
                    "type the target and the level, e.g. northwind.example subject",
                );
                Vec::new()
            }
        }
    }

    pub(crate) fn capture_read(&mut self, read: Vec<CaptureRow>) {
        if let Some(Overlay::Capture { rows, sel }) = &mut self.overlay {
            *sel = (*sel).min(read.len().saturating_sub(1));
            *rows = Some(read);
        }
    }
}

pub fn draw(f: &mut Frame, theme: &Theme, body: Rect, rows: Option<&[CaptureRow]>, sel: usize) {
    let area = centered(body, 72, 18);
    let inner = boxed(f, theme, area, "Capture levels");
    let [list, hint] = Layout::vertical([Constraint::Min(1), Constraint::Length(4)]).areas(inner);
    let width = list.width as usize;
    match rows {
        None => f.render_widget(
            Paragraph::new(Line::styled("reading the rules…", theme.dim())),
            list,
        ),
        Some([]) => f.render_widget(
            Paragraph::new(Line::styled(
                "no rules: the whole of every logged message is kept",
                theme.dim(),
            ))
            .wrap(Wrap { trim: true }),
            list,
        ),
        Some(rows) => {
            let items: Vec<ListItem> = rows
                .iter()
                .map(|r| {
                    ListItem::new(fit(
                        &format!("{:<12} {:<9} {}", r.kind, r.level, sanitize(&r.target)),
                        width,
                    ))
                })
                .collect();
            let mut state = ListState::default().with_selected(Some(sel));
            f.render_stateful_widget(
                List::new(items).highlight_style(theme.selected()),
                list,
                &mut state,
            );
        }
    }
    f.render_widget(
        Paragraph::new(Line::styled(
            "subject: no body or attachment names are kept · metadata: only who, when and which way. The strictest rule that reaches a message wins. a adds · d removes · Esc closes",
            theme.dim(),
        ))
        .wrap(Wrap { trim: true }),
        hint,
    );
}

/// Keys on the capture levels.
pub const KEYS: &[Binding] = &[
    b(
        Capture,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the list",
        true,
    ),
    b(
        Capture,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next rule",
        false,
    ),
    b(
        Capture,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous rule",
        false,
    ),
    b(
        Capture,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "First rule",
        false,
    ),
    b(
        Capture,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "bottom",
        "Last rule",
        false,
    ),
    b(
        Capture,
        &[k('a')],
        Action::Add,
        "add",
        "Set a level: an address, a domain or a salesperson's code, then full, subject or metadata",
        true,
    ),
    b(
        Capture,
        &[k('d'), code(KeyCode::Delete)],
        Action::Delete,
        "remove",
        "Remove the chosen rule: their mail is kept whole again",
        true,
    ),
];
