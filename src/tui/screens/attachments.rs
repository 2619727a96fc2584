//! Attachments in the UI as a component: the line the message view shows
//! of them, the list (a message's, or every one exchanged with a contact,
//! from their card) with `s` or Enter saving the chosen one, and the
//! prompt for where. The file is fetched from the mailbox off the UI
//! thread and written new, 0600; it is never opened.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

use crate::app::attachments::{size_text, suggested_path};
use crate::domain::text::one_line;
use crate::store::StoredAttachment;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::{self, Message};
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, PromptFor, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::centered;
use crate::tui::view::overlays::boxed;

/// One attachment as a list shows it and saving it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentPick {
    pub message: i64,
    pub seq: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub inline: bool,
    /// The entry the message is open as (a message's list), or the
    /// contact's entry of it (a contact's list): the message reopens there
    /// after a save.
    pub entry_no: i64,
    /// What the row says besides the file (a contact's list: when, which
    /// way, the subject).
    pub about: String,
}

impl AttachmentPick {
    pub fn of(a: &StoredAttachment, entry_no: i64, about: String) -> Self {
        AttachmentPick {
            message: a.logged_message_id,
            seq: a.seq,
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            inline: a.inline,
            entry_no,
            about,
        }
    }
}

/// Keys for attachments: `s` in the message view, and the list's.
pub const KEYS: &[Binding] = &[
    b(
        Message,
        &[k('s')],
        Action::SaveAttachment,
        "save attachment",
        "Save an attachment to a file (fetched from the mailbox; never opened)",
        true,
    ),
    b(
        Ctx::Attachments,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the list",
        true,
    ),
    b(
        Ctx::Attachments,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next attachment",
        false,
    ),
    b(
        Ctx::Attachments,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous attachment",
        false,
    ),
    b(
        Ctx::Attachments,
        &[code(KeyCode::Enter), k('s')],
        Action::SaveAttachment,
        "save",
        "Save the chosen attachment to a file",
        true,
    ),
];

/// "report.pdf (1.2 MB)", with "inline" for an inline image.
fn label(name: &str, size: i64, inline: bool) -> String {
    let name = one_line(name);
    if inline {
        format!("{name} ({}, inline)", size_text(size))
    } else {
        format!("{name} ({})", size_text(size))
    }
}

/// The message view's line of attachments, if it has any.
pub fn message_line(list: &[StoredAttachment], theme: &Theme) -> Option<Line<'static>> {
    if list.is_empty() {
        return None;
    }
    let names: Vec<String> = list
        .iter()
        .map(|a| label(&a.name, a.size, a.inline))
        .collect();
    Some(Line::from(vec![
        Span::styled("Files ", theme.label()),
        Span::raw(names.join(" · ")),
        Span::styled("  (s saves)", theme.dim()),
    ]))
}

impl UiState {
    /// `s` in the message view: the one attachment's prompt, or the list
    /// of several (Esc there comes back to the message).
    pub(crate) fn save_from_message(&mut self) -> Vec<Effect> {
        let Some(Overlay::Message(m)) = &self.overlay else {
            return Vec::new();
        };
        let Some(d) = &m.detail else {
            return Vec::new();
        };
        let entry_no = m.entry_no;
        let items: Vec<AttachmentPick> = d
            .attachments
            .iter()
            .map(|a| AttachmentPick::of(a, entry_no, String::new()))
            .collect();
        match items.len() {
            0 => self.say(Level::Info, "this message has no attachments"),
            1 => self.prompt_save(&items[0]),
            _ => {
                let back = self.overlay.take().map(Box::new);
                self.overlay = Some(Overlay::Attachments {
                    title: format!("Attachments of entry {entry_no}"),
                    items,
                    sel: 0,
                    back,
                });
            }
        }
        Vec::new()
    }

    /// Asks where to save `pick`; the message it came with opens again
    /// when the save is done.
    pub(crate) fn prompt_save(&mut self, pick: &AttachmentPick) {
        self.then_open = Some(pick.entry_no);
        self.overlay = Some(Overlay::Prompt {
            purpose: PromptFor::SaveAttachment {
                message: pick.message,
                seq: pick.seq,
            },
            input: Input::new(suggested_path(&pick.name).display().to_string()),
            error: None,
        });
    }

    /// Keys in the list of attachments.
    pub(crate) fn act_attachments(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::Attachments { items, sel, .. }) = &mut self.overlay else {
            return Vec::new();
        };
        let n = items.len();
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(n.saturating_sub(1)),
            Action::SaveAttachment | Action::Open => {
                if let Some(p) = items.get(*sel).cloned() {
                    self.prompt_save(&p);
                }
            }
            Action::Back => {
                if let Some(Overlay::Attachments { back, .. }) = self.overlay.take() {
                    self.overlay = back.map(|b| *b);
                }
            }
            _ => {}
        }
        Vec::new()
    }
}

pub fn draw(
    f: &mut Frame,
    theme: &Theme,
    body: Rect,
    title: &str,
    items: &[AttachmentPick],
    sel: usize,
) {
    let h = (items.len() as u16 + 3).min(body.height);
    let area = centered(body, 100, h.max(5));
    let inner = boxed(f, theme, area, &one_line(title));
    let rows = inner.height.saturating_sub(1) as usize;
    let first = sel.saturating_sub(rows.saturating_sub(1));
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, p)| {
            let mut text = format!(
                "{}  {}",
                label(&p.name, p.size, p.inline),
                one_line(&p.content_type)
            );
            if !p.about.is_empty() {
                text = format!("{text}  ·  {}", one_line(&p.about));
            }
            if i == sel {
                Line::styled(text, theme.selected())
            } else {
                Line::raw(text)
            }
        })
        .collect();
    if items.is_empty() {
        lines.push(Line::styled("no attachments", theme.dim()));
    }
    lines.push(Line::styled(
        "Enter or s saves the chosen one · Esc closes",
        theme.dim(),
    ));
    f.render_widget(Paragraph::new(lines), inner);
}
