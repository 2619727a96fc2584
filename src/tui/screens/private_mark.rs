//! The message view's private mark: `P` marks the open message private
//! (its subject, body and attachments then shown only to the salespeople
//! on it and to admins) or no longer; the header says when it is.

use ratatui::text::{Line, Span};

use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, UiState};
use crate::tui::theme::Theme;

/// What a done mark says on the status line.
pub fn said(entry_no: i64, on: bool, changed: bool) -> String {
    match (on, changed) {
        (true, true) => format!(
            "the message of entry {entry_no} is private: only the salespeople on it and admins see its subject, body and attachments"
        ),
        (false, true) => format!("the message of entry {entry_no} is no longer private"),
        (true, false) => format!("the message of entry {entry_no} was already private"),
        (false, false) => format!("the message of entry {entry_no} was not private"),
    }
}

/// What the view says where a message has no body.
pub fn no_body(subject: &str) -> &'static str {
    if subject == crate::store::PRIVATE_PLACEHOLDER {
        "(private: only the salespeople on this message and admins can read it)"
    } else {
        "(the body was not stored: setup has \"Store message body\" off)"
    }
}

/// The header line of a private message (for whoever may see it).
pub fn line(private: bool, theme: &Theme) -> Option<Line<'static>> {
    private.then(|| {
        Line::from(vec![
            Span::styled("Private ", theme.label()),
            Span::styled(
                "only the salespeople on it and admins see this (P makes it visible again)",
                theme.warn(),
            ),
        ])
    })
}

impl UiState {
    /// `P` on the message view: asks for the mark to be flipped.
    pub(crate) fn toggle_private(&mut self) -> Vec<Effect> {
        let Some(Overlay::Message(m)) = &self.overlay else {
            return Vec::new();
        };
        let Some(d) = &m.detail else {
            self.say(Level::Info, "the message is still being read");
            return Vec::new();
        };
        let (entry_no, on) = (d.entry.entry_no, !d.entry.private);
        self.private_pending = Some((entry_no, on));
        vec![Effect::SetPrivate { entry_no, on }]
    }

    /// The mark done: the open message shows it.
    pub(crate) fn private_applied(&mut self, entry_no: i64, on: bool) {
        if let Some(Overlay::Message(m)) = &mut self.overlay
            && let Some(d) = &mut m.detail
            && d.entry.entry_no == entry_no
        {
            d.entry.private = on;
        }
    }
}
