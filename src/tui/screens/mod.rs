//! Each screen as a component of its own: its state, how an action
//! changes it (its update, returning effects for the runtime), how it is
//! drawn, and its rows of the keymap table. `UiState` composes them and
//! routes actions and messages to the screen in front.

pub mod contacts;
pub mod folder_picker;
pub mod jobs;
pub mod log;
mod log_filters;
mod log_search;
pub mod mailboxes;
pub mod message;
pub mod never_log;
pub mod opportunities;
pub mod setup;
pub mod skipped;
pub mod status;
