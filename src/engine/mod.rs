//! The logging engine: the run's decisions ([`plan`], no I/O), one run over
//! the Inbox ([`run`]), the lease that keeps it the only engine on its
//! mailbox ([`lease`]), the job queue loop that schedules runs ([`runner`]),
//! and the events all publish for whoever watches (the demo, the TUI).

pub mod events;
pub mod fleet;
pub mod lease;
pub mod plan;
pub mod retention;
pub mod review;
pub mod run;
pub mod runner;

pub use crate::stop::{Stop, StopHandle, stop_pair};
pub use events::EngineEvent;
pub use run::{RunError, RunReport, RunSettings, run_once};
