//! The message view: an entry's message, its people and its conversation.

use ratatui::crossterm::event::KeyCode;

use crate::tui::action::Action;
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};

/// Keys while a message is open.
pub const KEYS: &[Binding] = &[
    // Screens.
    // The message view.
    b(
        Message,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the message",
        true,
    ),
    b(
        Message,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "scroll",
        "Scroll the body down",
        false,
    ),
    b(
        Message,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "scroll up",
        "Scroll the body up",
        false,
    ),
    b(
        Message,
        &[code(KeyCode::PageDown), code(KeyCode::Char(' '))],
        Action::PageDown,
        "page",
        "Page down",
        false,
    ),
    b(
        Message,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "Page up",
        false,
    ),
    b(
        Message,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "Top of the body",
        false,
    ),
    b(
        Message,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "end",
        "End of the body",
        false,
    ),
    b(
        Message,
        &[k(']'), k('n')],
        Action::ConversationNext,
        "next in thread",
        "The next entry of the conversation",
        true,
    ),
    b(
        Message,
        &[k('['), k('p')],
        Action::ConversationPrev,
        "prev in thread",
        "The previous entry of the conversation",
        true,
    ),
    b(
        Message,
        &[k('y')],
        Action::CopyLink,
        "copy link",
        "Copy the web link to your clipboard (OSC 52, works over SSH)",
        true,
    ),
    b(
        Message,
        &[k('O')],
        Action::ShowOpportunity,
        "its opportunity",
        "Go to the opportunity this entry carries",
        false,
    ),
    b(
        Message,
        &[k('o')],
        Action::NewOpportunity,
        "opportunity",
        "Create an opportunity from this entry",
        true,
    ),
];
