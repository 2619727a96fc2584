//! The opportunities screen, and an opportunity's details.

use ratatui::crossterm::event::KeyCode;

use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    b(
        Screen(Screen::Opportunities),
        &[code(KeyCode::Enter)],
        Action::Open,
        "details",
        "The entries the opportunity came from",
        true,
    ),
    b(
        Screen(Screen::Opportunities),
        &[k('e')],
        Action::Edit,
        "edit",
        "Edit status, value, close date, description",
        true,
    ),
];

/// Keys in an opportunity's details.
pub const DETAIL_KEYS: &[Binding] = &[
    b(
        Opportunity,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the details",
        true,
    ),
    b(
        Opportunity,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next entry",
        false,
    ),
    b(
        Opportunity,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous entry",
        false,
    ),
    b(
        Opportunity,
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the chosen entry's message",
        true,
    ),
];
