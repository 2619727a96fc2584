//! What reaches the UI's update function besides keys: answers from the
//! application API, engine events, ticks.

use chrono::{DateTime, Utc};

use crate::app::login::LoginPrompt;
use crate::app::overview::Overview;
use crate::app::setup_fields::FieldKey;
use crate::app::validate::Check;
use crate::engine::EngineEvent;

use super::action::Action;

#[derive(Debug, Clone)]
pub enum Msg {
    Action(Action),
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
}

/// Work the runtime does for the update function, off the render loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Reload,
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
    SignIn(crate::domain::setup::AuthFlow),
    /// Stops what a dialog started (a sign-in's polling, running checks).
    Cancel,
    WriteScripts(String),
    ImportSalespeople(String),
    ImportContacts(String),
    Quit,
}
