//! The contacts and salespeople screen, and an import's preview.

use ratatui::crossterm::event::KeyCode;

use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    b(
        Screen(Screen::Contacts),
        &[code(KeyCode::Enter)],
        Action::Open,
        "interaction log",
        "The chosen person's interaction log entries",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('f')],
        Action::SwitchList,
        "contacts/salespeople",
        "Switch between contacts and salespeople",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('a')],
        Action::Add,
        "add",
        "Add a contact or salesperson",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('e')],
        Action::Edit,
        "edit",
        "Edit the chosen one",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('i')],
        Action::Import,
        "import",
        "Import a CSV file: preview first, nothing written until Enter",
        true,
    ),
];

/// Keys in an import's preview.
pub const PREVIEW_KEYS: &[Binding] = &[
    b(
        ImportPreview,
        &[code(KeyCode::Enter)],
        Action::Open,
        "import",
        "Import: add and change what is listed",
        true,
    ),
    b(
        ImportPreview,
        &[code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "Close without importing",
        true,
    ),
    b(
        ImportPreview,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Scroll down",
        false,
    ),
    b(
        ImportPreview,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Scroll up",
        false,
    ),
];
