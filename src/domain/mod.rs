//! The product's vocabulary and its decisions, with no I/O: addresses,
//! people, messages, how a message is classified, and how the job queue
//! entry moves between states. Everything here is a plain function of its
//! inputs (time included), tested with tables of cases.

pub mod address;
pub mod audit;
pub mod capture;
pub mod classify;
pub mod conversation;
pub mod disposition;
pub mod folders;
pub mod follow_ups;
pub mod job;
pub mod message;
pub mod money;
pub mod opportunity_changes;
pub mod people;
pub mod people_clean;
pub mod public_domains;
pub mod reply_stats;
pub mod reply_times;
pub mod retention;
pub mod rules;
pub mod search;
pub mod setup;
pub mod subject;
pub mod text;
pub mod work_week;

pub use address::normalize_address;
pub use classify::{
    Classification, Direction, InitiatedBy, PlannedEntry, Prior, SkipReason, classify,
};
pub use disposition::{Disposition, Location};
pub use message::{Attachment, MailMessage, Recipient};
pub use money::Money;
pub use people::{Contact, Directory, Salesperson};
pub use rules::Rules;
