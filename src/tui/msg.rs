//! What reaches the UI's update function besides keys: answers from the
//! application API, engine events, ticks.

use chrono::{DateTime, Utc};

use crate::app::log::{LogView, MessageDetail};
use crate::app::login::LoginPrompt;
use crate::app::overview::Overview;
use crate::app::setup_fields::FieldKey;
use crate::app::validate::Check;
use crate::engine::EngineEvent;

use crate::store::{EntryRow, NewOpportunity};

use super::action::Action;
use super::lists::{Lists, ListsKind};
use super::log_window::{LoadKind, PageRequest};

#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
    /// The quiet time after a keystroke passed (search as you type): the
    /// number is which keystroke it was for.
    Due(u64),
    /// A key typed into the field or prompt that is open.
    Typed(ratatui::crossterm::event::KeyEvent),
    /// A second passed (clocks on screen may change).
    Tick(DateTime<Utc>),
    Resize(u16, u16),
    /// Someone wrote to the database: read the overview again.
    DbChanged,
    Overview(Result<Box<Overview>, String>),
    /// A piece of work asked for by the user finished: what to say.
    Done(Result<String, String>),
    Engine(EngineEvent),
    Check(Check),
    ValidateDone(Result<(), String>),
    SignInPrompt(LoginPrompt),
    SignInDone(Result<String, String>),
    /// Clicked on the tab bar or a row (column, row of the screen).
    Click(u16, u16),
    /// A page of the interaction log (its rows, and how many entries are
    /// newer than the first when it was a refresh).
    LogPage {
        generation: u64,
        kind: LoadKind,
        result: Result<(Vec<EntryRow>, usize), String>,
    },
    /// The message of an entry, for the message view.
    Message(Result<Box<MessageDetail>, String>),
    /// The opportunities, skipped messages or people, read for their screen.
    Lists(Result<Box<Lists>, String>),
    /// How far a long piece of work has come (rows exported, re-logs done).
    Progress(String),
    /// The folders at a level of the mailbox (the folder picker's).
    Folders {
        path: Vec<String>,
        result: Result<Vec<crate::mail::FolderEntry>, String>,
    },
}

/// Work the runtime does for the update function, off the render loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send [`Msg::Due`] with this number after this many milliseconds.
    After {
        ms: u64,
        due: u64,
    },
    Reload,
    /// Show this logging mailbox on Status, Setup and the Job queue.
    PickMailbox(i64),
    Restart,
    Hold,
    RunNow,
    RetryStuck(Option<String>),
    SaveField {
        key: FieldKey,
        text: String,
    },
    Enable,
    Disable,
    Validate,
    /// Read the folders under this path of the picked mailbox.
    BrowseFolders(Vec<String>),
    SignIn(crate::domain::setup::AuthFlow),
    /// Stops what a dialog started (a sign-in's polling, running checks).
    Cancel,
    WriteScripts(String),
    Quit,
    /// Read a page of the interaction log.
    Page(PageRequest),
    /// Read an entry's message, people and conversation.
    OpenMessage(i64),
    CreateOpportunity {
        entry_no: i64,
        opportunity: NewOpportunity,
    },
    UpdateOpportunity {
        no: String,
        opportunity: NewOpportunity,
    },
    /// Write the view (filters and search) to a CSV file.
    ExportView {
        view: LogView,
        path: String,
        delimiter: crate::app::export::Delimiter,
    },
    /// Put text on the local clipboard (OSC 52: works over SSH).
    Copy(String),
    /// Read what a users' screen lists.
    LoadLists(ListsKind),
    /// Ask the engine to re-log or delete skipped messages.
    RequestReview {
        ids: Vec<crate::store::ReviewKey>,
        action: crate::store::ReviewAction,
    },
    NeverLog(String),
    NeverLogRemove(String),
    /// Set a capture level (full removes the rule): the target and the level.
    CaptureSet(String, String),
    /// Forget this contact for good.
    Forget(String),
    /// Fetch an attachment from its mailbox and write it to a new file.
    SaveAttachment {
        message: i64,
        seq: i64,
        path: String,
    },
    /// Mark the message of an entry private (`on`) or no longer.
    SetPrivate {
        entry_no: i64,
        on: bool,
    },
    /// Record that a follow-up needs no answer.
    DismissFollowUp {
        entry_no: i64,
        latest_at: chrono::DateTime<chrono::Utc>,
    },
    /// Saves a contact; then asks the engine to re-log the skipped
    /// message it was made from, if any (in that order).
    SaveContact {
        contact: crate::domain::Contact,
        new: bool,
        relog: Option<crate::store::ReviewKey>,
    },
    SaveSalesperson {
        salesperson: crate::domain::Salesperson,
        new: bool,
    },
    ApplyImport(Box<crate::app::people::ImportPreview>),
}
