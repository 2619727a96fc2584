//! Each screen as a component of its own: its state, how an action
//! changes it (its update, returning effects for the runtime), how it is
//! drawn, and its rows of the keymap table. `UiState` composes them and
//! routes actions and messages to the screen in front.

pub mod attachments;
pub mod audit;
pub mod capture;
pub mod contact_card;
pub mod contacts;
pub mod folder_picker;
pub mod follow_ups;
pub mod forget;
pub mod jobs;
pub mod log;
mod log_filters;
mod log_search;
pub mod mailboxes;
pub mod message;
pub mod never_log;
pub mod opportunities;
pub mod private_mark;
pub mod setup;
pub mod skipped;
pub mod status;

/// What a screen of the admin's shows a connection whose database role has
/// the users' share (PostgreSQL): whose it is, and what is the user's.
pub fn draw_restricted(
    f: &mut ratatui::Frame,
    theme: &crate::tui::theme::Theme,
    area: ratatui::layout::Rect,
    what: &str,
) {
    let text = format!(
        "{what} the admin's: your database role has the users' share (emaillog pg grant-user). The log, the messages, opportunities, contacts and the review queue are yours."
    );
    f.render_widget(
        ratatui::widgets::Paragraph::new(text)
            .style(theme.dim())
            .wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}
