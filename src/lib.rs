//! emaillog: turns the email salespeople exchange with customers into a sales
//! interaction log. See `README.md` and `docs/` for the product; each module's
//! own docs say what it holds.

pub mod app;
pub mod auth;
pub mod bounded;
pub mod cli;
pub mod crash;
pub mod domain;
pub mod engine;
pub mod file_trust;
pub mod fuzzing;
pub mod mail;
pub mod net;
pub mod private_file;
pub mod sim;
pub mod stop;
pub mod store;
pub mod tui;
