//! The skipped messages' review queue.

use ratatui::crossterm::event::KeyCode;

use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, admin, b, code, k};

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
