//! The terminal UI: an event → action → update → draw loop (the ratatui
//! component template's shape). Keys resolve through one keymap table; the
//! state changes only in [`state::UiState::update`]; drawing is a pure
//! function of the state; everything that touches the database, the network
//! or the engine runs off the render loop in [`runtime`] and answers with a
//! message.

pub mod action;
pub mod form;
pub mod keymap;
pub mod lists;
pub mod log_window;
pub mod msg;
pub mod overlay_keys;
pub mod reads;
pub mod runtime;
pub mod screens;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod view;

pub use runtime::{UiOptions, default_log_file, init_tracing, run};
