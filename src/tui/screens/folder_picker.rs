//! The folder picker, opened from a folder field of the Setup screen
//! (Enter on Queue, Storage or Skipped folder): the picked mailbox's
//! folders, one level at a time as the mail service lists them, so the
//! admin chooses the folder instead of typing its path (a typo would read
//! nothing). Its state (an overlay), update, draw and keys.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use crate::app::setup_fields::{self, FieldKey};
use crate::domain::folders::{FolderRole, check_folder, shown, steps};
use crate::mail::FolderEntry;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::FolderPicker as Ctx;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, UiState, sanitize};
use crate::tui::theme::Theme;
use crate::tui::view::centered;
use crate::tui::view::fit::fit;
use crate::tui::view::overlays::boxed;

/// The picker's state.
#[derive(Debug, Clone)]
pub struct FolderPicker {
    /// The setup field the chosen folder goes to.
    pub key: FieldKey,
    /// The level shown: the folders walked from the top of the mailbox.
    pub path: Vec<String>,
    /// What is at that level: `None` while it is read, else the folders or
    /// what went wrong (with its fix).
    pub entries: Option<Result<Vec<FolderEntry>, String>>,
    pub sel: usize,
    /// The folder just left by going up: chosen again when its level
    /// arrives.
    pub came_from: Option<String>,
}

/// The folder role a setup field holds, if it holds one.
pub fn folder_role(key: FieldKey) -> Option<FolderRole> {
    match key {
        FieldKey::QueueFolder => Some(FolderRole::Queue),
        FieldKey::StorageFolder => Some(FolderRole::Storage),
        FieldKey::SkipFolder => Some(FolderRole::Skip),
        _ => None,
    }
}

impl FolderPicker {
    fn chosen(&self) -> Option<&FolderEntry> {
        match &self.entries {
            Some(Ok(list)) => list.get(self.sel),
            _ => None,
        }
    }

    /// The path of `name` at the level shown.
    fn path_to(&self, name: &str) -> String {
        let mut steps = self.path.clone();
        steps.push(name.to_string());
        steps.join("/")
    }

    /// The level shown, to read: the effect that asks for it.
    fn read(&mut self) -> Vec<Effect> {
        self.entries = None;
        self.sel = 0;
        vec![Effect::BrowseFolders(self.path.clone())]
    }
}

impl UiState {
    /// Opens the picker for a folder field where its folder is now: the
    /// level above it, the folder chosen (the default's name at the top).
    pub(crate) fn open_folder_picker(&mut self, key: FieldKey) -> Vec<Effect> {
        let role = folder_role(key).unwrap_or(FolderRole::Queue);
        let current = self
            .overview
            .as_ref()
            .map(|o| setup_fields::initial_text(&o.setup, key))
            .unwrap_or_default();
        let mut path: Vec<String> = steps(&current).iter().map(|s| s.to_string()).collect();
        let here = path
            .pop()
            .unwrap_or_else(|| role.default_name().to_string());
        let mut picker = FolderPicker {
            key,
            path,
            entries: None,
            sel: 0,
            came_from: Some(here),
        };
        let effects = picker.read();
        self.overlay = Some(Overlay::FolderPicker(Box::new(picker)));
        effects
    }

    /// A level's folders arrived: shown when the picker still shows that
    /// level (a quick walk leaves answers for levels already left).
    pub(crate) fn folders_arrived(
        &mut self,
        path: Vec<String>,
        result: Result<Vec<FolderEntry>, String>,
    ) -> Vec<Effect> {
        let Some(Overlay::FolderPicker(p)) = &mut self.overlay else {
            return Vec::new();
        };
        if p.path != path || p.entries.is_some() {
            return Vec::new();
        }
        p.sel = match (&result, p.came_from.take()) {
            (Ok(list), Some(from)) => list
                .iter()
                .position(|e| e.name.to_lowercase() == from.to_lowercase())
                .unwrap_or(0),
            _ => 0,
        };
        p.entries = Some(result.map_err(|e| sanitize(&e)));
        Vec::new()
    }

    /// Keys in the picker: move, go into a folder or up a level, choose,
    /// type the path instead, take the default, close.
    pub(crate) fn act_folder_picker(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::FolderPicker(p)) = &mut self.overlay else {
            return Vec::new();
        };
        let n = match &p.entries {
            Some(Ok(list)) => list.len(),
            _ => 0,
        };
        match a {
            Action::Up => p.sel = p.sel.saturating_sub(1),
            Action::Down => p.sel = (p.sel + 1).min(n.saturating_sub(1)),
            Action::Top => p.sel = 0,
            Action::Bottom => p.sel = n.saturating_sub(1),
            Action::FolderIn => match p.chosen().cloned() {
                Some(e) if e.children => {
                    p.path.push(e.name);
                    return p.read();
                }
                Some(e) => {
                    let name = sanitize(&e.name);
                    self.say(Level::Info, format!("{name} has no folders under it"));
                }
                None => {}
            },
            Action::FolderOut => {
                if let Some(left) = p.path.pop() {
                    p.came_from = Some(left);
                    return p.read();
                }
            }
            Action::Open => {
                let Some(e) = p.chosen() else {
                    return Vec::new();
                };
                if e.name.contains('/') {
                    let name = sanitize(&e.name);
                    self.say(
                        Level::Error,
                        format!("{name} holds a / and cannot be named by a path: rename it in Outlook or on the server, then choose it"),
                    );
                    return Vec::new();
                }
                let (key, text) = (p.key, p.path_to(&e.name));
                // A folder that cannot be this one (junk or sent mail as the
                // queue) is said here, and the picker stays for another.
                let role = folder_role(key).unwrap_or(FolderRole::Queue);
                if let Err(why) = check_folder(role, &text) {
                    self.say(Level::Error, why);
                    return Vec::new();
                }
                self.overlay = None;
                return self.choose_folder(key, text);
            }
            Action::UseDefault => {
                let key = p.key;
                self.overlay = None;
                return self.choose_folder(key, String::new());
            }
            Action::Edit => {
                let key = p.key;
                let Some(setup) = self.overview.as_ref().map(|o| o.setup.clone()) else {
                    return Vec::new();
                };
                self.open_editor(&setup, key, false);
            }
            Action::Back => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    /// A folder chosen for `key`: unchanged says so; otherwise saved as a
    /// typed path would be (its check, and the question where one is due).
    fn choose_folder(&mut self, key: FieldKey, text: String) -> Vec<Effect> {
        let Some(setup) = self.overview.as_ref().map(|o| o.setup.clone()) else {
            return Vec::new();
        };
        let role = folder_role(key).unwrap_or(FolderRole::Queue);
        if check_folder(role, &text).ok() == Some(setup_fields::initial_text(&setup, key)) {
            self.say(Level::Info, "unchanged");
            return Vec::new();
        }
        self.save_or_confirm(&setup, key, text)
    }
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, body: Rect, p: &FolderPicker) {
    let role = folder_role(p.key).unwrap_or(FolderRole::Queue);
    let area = centered(body, 68, 20);
    let inner = boxed(f, theme, area, &format!("Choose the {}", role.label()));
    let [now, at, list, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    let width = inner.width as usize;
    let current = s.overview.as_ref().map_or(String::new(), |o| {
        let path = setup_fields::initial_text(&o.setup, p.key);
        shown(role, &path)
    });
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("now: ", theme.label()),
            Span::raw(fit(&sanitize(&current), width.saturating_sub(5))),
        ])),
        now,
    );
    let mailbox = s
        .overview
        .as_ref()
        .map_or(String::new(), |o| sanitize(&o.setup.mailbox));
    let mut trail = vec![if mailbox.is_empty() {
        "the mailbox".to_string()
    } else {
        mailbox
    }];
    trail.extend(p.path.iter().map(|s| sanitize(s)));
    f.render_widget(
        Paragraph::new(Line::styled(fit(&trail.join(" › "), width), theme.title())),
        at,
    );
    match &p.entries {
        None => f.render_widget(
            Paragraph::new(Line::styled("reading the folders…", theme.dim())),
            list,
        ),
        Some(Err(e)) => f.render_widget(
            Paragraph::new(vec![
                Line::styled(e.clone(), theme.warn()),
                Line::raw(""),
                Line::styled("e types the path instead", theme.dim()),
            ])
            .wrap(Wrap { trim: true }),
            list,
        ),
        Some(Ok(entries)) if entries.is_empty() => f.render_widget(
            Paragraph::new(Line::styled(
                "no folders here: ← goes up a level",
                theme.dim(),
            )),
            list,
        ),
        Some(Ok(entries)) => {
            let items: Vec<ListItem> = entries
                .iter()
                .map(|e| {
                    let count = e
                        .messages
                        .map(|n| crate::domain::text::count(n as usize, "message", "messages"))
                        .unwrap_or_default();
                    let mark = if e.children { "▸ " } else { "  " };
                    let name_width = width.saturating_sub(count.chars().count() + 3);
                    ListItem::new(Line::from(vec![
                        Span::raw(mark),
                        Span::raw(format!("{:<name_width$}", fit(&e.name, name_width))),
                        Span::raw(" "),
                        Span::styled(count, theme.dim()),
                    ]))
                })
                .collect();
            let mut state = ListState::default().with_selected(Some(p.sel));
            f.render_stateful_widget(
                List::new(items).highlight_style(theme.selected()),
                list,
                &mut state,
            );
        }
    }
    let what = match role {
        FolderRole::Queue => {
            "Mail is read from the folder the mail flow rule delivers to. d: the Inbox"
        }
        FolderRole::Storage => "Logged mail is kept here. d: Archive",
        FolderRole::Skip => "Mail that is not logged goes here. d: Skipped, beside the Inbox",
    };
    f.render_widget(
        Paragraph::new(Line::styled(what, theme.dim())).wrap(Wrap { trim: true }),
        hint,
    );
}

/// Keys in the folder picker.
pub const KEYS: &[Binding] = &[
    b(
        Ctx,
        &[code(KeyCode::Enter)],
        Action::Open,
        "choose",
        "Choose this folder",
        true,
    ),
    b(
        Ctx,
        &[code(KeyCode::Right), k('l')],
        Action::FolderIn,
        "open",
        "The folders under this one",
        true,
    ),
    b(
        Ctx,
        &[code(KeyCode::Left), k('h'), code(KeyCode::Backspace)],
        Action::FolderOut,
        "up",
        "Up a level",
        true,
    ),
    b(
        Ctx,
        &[k('e')],
        Action::Edit,
        "type path",
        "Type the path instead",
        true,
    ),
    b(
        Ctx,
        &[k('d')],
        Action::UseDefault,
        "default",
        "Use the default folder (Inbox, Archive, Skipped)",
        true,
    ),
    b(
        Ctx,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close without choosing",
        true,
    ),
    b(
        Ctx,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next folder",
        false,
    ),
    b(
        Ctx,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous folder",
        false,
    ),
    b(
        Ctx,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "First folder",
        false,
    ),
    b(
        Ctx,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "bottom",
        "Last folder",
        false,
    ),
];
