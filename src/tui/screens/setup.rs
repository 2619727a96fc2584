//! The setup screen.

use ratatui::crossterm::event::KeyCode;

use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, admin, b, code, k};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    admin(b(
        Screen(Screen::Setup),
        &[code(KeyCode::Enter)],
        Action::Open,
        "edit",
        "Edit the chosen field (Enter flips a toggle or a choice)",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('e')],
        Action::Enable,
        "enable",
        "Enable: creates the job entry",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('x')],
        Action::Disable,
        "disable",
        "Disable: removes the job entry",
        false,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('v')],
        Action::Validate,
        "validate",
        "Validate: run every check, each with its fix",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('s')],
        Action::SignIn,
        "sign in",
        "Sign in / renew token with the auth flow set",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('a')],
        Action::Wizard,
        "assisted",
        "Assisted setup: every step in order",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('w')],
        Action::WriteScripts,
        "scripts",
        "Write the PowerShell and az scripts to files",
        false,
    )),
];
