//! The logging engine: one run over the Inbox ([`run`]), the job queue loop
//! that schedules runs ([`runner`]), and the events both publish for
//! whoever watches (the demo, the TUI).

pub mod events;
pub mod run;
pub mod runner;
pub mod stop;

pub use events::EngineEvent;
pub use run::{RunError, RunReport, RunSettings, run_once};
pub use stop::{Stop, StopHandle, stop_pair};
