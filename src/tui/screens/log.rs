//! The interaction log screen.

use ratatui::crossterm::event::KeyCode;

use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    // Screens.
    b(
        Screen(Screen::Log),
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the entry's message and conversation",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('f')],
        Action::Filters,
        "filters",
        "Filter by contact, salesperson, company, direction, dates",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('c')],
        Action::ByContact,
        "this contact",
        "Only this entry's contact (again: any contact)",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('s')],
        Action::BySalesperson,
        "this salesperson",
        "Only this entry's salesperson (again: any)",
        false,
    ),
    b(
        Screen(Screen::Log),
        &[k('o')],
        Action::NewOpportunity,
        "opportunity",
        "Create an opportunity from the entry",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('x')],
        Action::Export,
        "export",
        "Export this view (filters and search) to a CSV file",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('/')],
        Action::Search,
        "search",
        "Search subject and body (word* matches a beginning)",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[code(KeyCode::Esc)],
        Action::Back,
        "clear",
        "Clear the search, then the filters",
        false,
    ),
];
