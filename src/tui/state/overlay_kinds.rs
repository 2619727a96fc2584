//! The overlays the UI can show over a screen (dialogs, the message view,
//! a contact's card …) with what each holds, and what a confirmed question
//! or a prompt goes on to do: the types only; their keys are in
//! `overlays.rs`, their drawing in `view/`.

use tui_input::Input;

use crate::app::setup_fields::{Checked, FieldKey};
use crate::app::validate::Check;
use crate::domain::setup::AuthFlow;

use super::{FormFor, MessageView, SignInStage};

/// What a confirmed question goes on to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Save {
        key: FieldKey,
        text: String,
    },
    Disable,
    Quit,
    /// Ask the engine to delete these skipped messages.
    DeleteSkipped(Vec<crate::store::ReviewKey>),
    /// Add this address or domain to the never-log list.
    NeverLog(String),
    /// Take this entry off the never-log list.
    NeverLogRemove(String),
    /// Set a capture level: the target and the level.
    CaptureSet(String, String),
    /// Forget this contact (its dry run was shown).
    Forget(String),
    /// Run a job that is on hold now (which releases the hold).
    RunHeld,
    /// Import a file's good rows, its bad ones left out.
    ImportGood(Box<crate::app::people::ImportPreview>),
    /// A follow-up needs no answer: its first unanswered entry, and
    /// their latest message then.
    DismissFollowUp {
        entry_no: i64,
        latest_at: chrono::DateTime<chrono::Utc>,
    },
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptFor {
    Filter,
    ScriptsFolder,
    Salespeople,
    Contacts,
    AppOnlySecret,
    /// Full-text search of the interaction log.
    Search,
    /// An address or domain for the never-log list.
    NeverLog,
    /// A capture level: the target, then the level.
    Capture,
    /// Where to save attachment `seq` of logged message `message`.
    SaveAttachment {
        message: i64,
        seq: i64,
    },
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    Palette {
        input: Input,
        selected: usize,
    },
    Confirm {
        question: String,
        pending: Pending,
    },
    Edit {
        key: FieldKey,
        input: Input,
        masked: bool,
        check: Checked,
    },
    Prompt {
        purpose: PromptFor,
        input: Input,
        error: Option<String>,
    },
    SignIn {
        flow: AuthFlow,
        stage: SignInStage,
    },
    Validate {
        checks: Vec<Check>,
        running: bool,
        error: Option<String>,
        scroll: usize,
    },
    RunDetail {
        id: i64,
    },
    Wizard {
        selected: usize,
    },
    Message(Box<MessageView>),
    Form {
        form: crate::tui::form::Form,
        purpose: FormFor,
    },
    /// A contact's card (`None` while it is read).
    ContactCard {
        no: String,
        report: Option<Box<crate::app::signals::ContactReport>>,
        sel: usize,
    },
    /// An opportunity's details: the entries it came from.
    Opportunity {
        no: String,
        entries: Option<Vec<crate::store::EntryRow>>,
        sel: usize,
    },
    ImportPreview {
        path: String,
        preview: Box<crate::app::people::ImportPreview>,
        scroll: usize,
    },
    /// The capture levels (`None` while read).
    Capture {
        rows: Option<Vec<crate::app::capture::CaptureRow>>,
        sel: usize,
    },
    /// The audit trail (the admin's).
    Audit(Box<crate::tui::screens::audit::AuditView>),
    /// The never-log list (`None` while it is read).
    NeverLog {
        rules: Option<Vec<String>>,
        sel: usize,
    },
    /// The Setup screen's folder picker.
    FolderPicker(Box<crate::tui::screens::folder_picker::FolderPicker>),
    /// A list of attachments (a message's, a contact's); Esc goes back to
    /// `back`.
    Attachments {
        title: String,
        items: Vec<crate::tui::screens::attachments::AttachmentPick>,
        sel: usize,
        back: Option<Box<Overlay>>,
    },
}
