//! The never-log list, opened from Setup (`n`): every entry, and for the
//! admin adding one (told first whose mail it would stop logging) and
//! removing one. Adding from Skipped goes through the same check. Its
//! state (an overlay), update, draw and keys.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use crate::app::never_log::NeverLogCheck;
use crate::app::overview::Role;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::NeverLog;
use crate::tui::keymap::{Binding, admin, b, code, k};
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::screens::setup::SetupList;
use crate::tui::state::{Level, Overlay, Pending, PromptFor, UiState, sanitize};
use crate::tui::theme::Theme;
use crate::tui::view::centered;
use crate::tui::view::fit::fit;
use crate::tui::view::overlays::boxed;

impl UiState {
    /// Opens the list and reads it.
    pub(crate) fn open_never_log(&mut self) -> Vec<Effect> {
        self.setup.open_list = Some(SetupList::NeverLog);
        self.overlay = Some(Overlay::NeverLog {
            rules: None,
            sel: 0,
        });
        vec![Effect::LoadLists(ListsKind::NeverLog)]
    }

    /// Keys on the list: move, add, remove, close.
    pub(crate) fn act_never_log(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::NeverLog { rules, sel }) = &mut self.overlay else {
            return Vec::new();
        };
        let n = rules.as_ref().map_or(0, Vec::len);
        let chosen = rules.as_ref().and_then(|r| r.get(*sel)).cloned();
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(n.saturating_sub(1)),
            Action::Top => *sel = 0,
            Action::Bottom => *sel = n.saturating_sub(1),
            Action::Back => {
                self.overlay = None;
                self.setup.open_list = None;
            }
            Action::Add if self.role == Role::Admin => self.prompt(PromptFor::NeverLog, ""),
            Action::Delete if self.role == Role::Admin => match chosen {
                Some(p) => {
                    self.overlay = Some(Overlay::Confirm {
                        question: format!(
                            "Log mail from or to {} again? What was skipped for it stays in Skipped (r there re-logs it).",
                            sanitize(&p)
                        ),
                        pending: Pending::NeverLogRemove(p),
                    });
                }
                None => self.say(Level::Info, "the list is empty: a adds an entry"),
            },
            _ => {}
        }
        Vec::new()
    }

    /// Asks whose mail `pattern` would stop logging before it is added.
    pub(crate) fn check_never_log(&mut self, pattern: String) -> Vec<Effect> {
        self.start("checking whose mail that is");
        vec![Effect::LoadLists(ListsKind::NeverLogCheck(pattern))]
    }

    /// The check's answer: already listed says so; otherwise the question,
    /// whose mail it stops logging first.
    pub(crate) fn never_log_checked(&mut self, check: NeverLogCheck) {
        if check.listed {
            self.say(
                Level::Info,
                format!("{} is on the never-log list already", check.pattern),
            );
            return;
        }
        self.overlay = Some(Overlay::Confirm {
            question: sanitize(&check.question()),
            pending: Pending::NeverLog(check.pattern),
        });
    }
}

pub fn draw(
    f: &mut Frame,
    s: &UiState,
    theme: &Theme,
    body: Rect,
    rules: Option<&[String]>,
    sel: usize,
) {
    let area = centered(body, 64, 18);
    let inner = boxed(f, theme, area, "Never log");
    let [list, hint] = Layout::vertical([Constraint::Min(1), Constraint::Length(3)]).areas(inner);
    let width = list.width as usize;
    match rules {
        None => f.render_widget(
            Paragraph::new(Line::styled("reading the list…", theme.dim())),
            list,
        ),
        Some([]) => f.render_widget(
            Paragraph::new(Line::styled(
                "nothing is on the list: mail from and to everyone is logged",
                theme.dim(),
            ))
            .wrap(Wrap { trim: true }),
            list,
        ),
        Some(rules) => {
            let items: Vec<ListItem> = rules
                .iter()
                .map(|p| {
                    let what = if p.contains('@') {
                        "address"
                    } else {
                        "domain "
                    };
                    ListItem::new(fit(&format!("{what}  {}", sanitize(p)), width))
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
    let text = match s.role {
        Role::Admin => {
            "Mail from or to these is never logged (a domain covers its subdomains). a adds · d removes · Esc closes"
        }
        Role::User => {
            "Mail from or to these is never logged. The admin changes the list. Esc closes"
        }
    };
    f.render_widget(
        Paragraph::new(Line::styled(text, theme.dim())).wrap(Wrap { trim: true }),
        hint,
    );
}

/// Keys on the never-log list.
pub const KEYS: &[Binding] = &[
    b(
        NeverLog,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the list",
        true,
    ),
    b(
        NeverLog,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next entry",
        false,
    ),
    b(
        NeverLog,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous entry",
        false,
    ),
    b(
        NeverLog,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "First entry",
        false,
    ),
    b(
        NeverLog,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "bottom",
        "Last entry",
        false,
    ),
    admin(b(
        NeverLog,
        &[k('a')],
        Action::Add,
        "add",
        "Add an address or a domain (says first whose mail it stops logging)",
        true,
    )),
    admin(b(
        NeverLog,
        &[k('d'), code(KeyCode::Delete)],
        Action::Delete,
        "remove",
        "Take the chosen entry off the list",
        true,
    )),
];
