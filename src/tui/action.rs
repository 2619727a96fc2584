//! The screens, and the actions a key (or a click, or a palette entry) asks for.

/// The screens, in the order `1`–`8` and Tab walk them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    Status,
    Setup,
    Jobs,
    Log,
    Opportunities,
    Skipped,
    Contacts,
    FollowUps,
}

impl Screen {
    pub const ALL: [Screen; 8] = [
        Screen::Status,
        Screen::Setup,
        Screen::Jobs,
        Screen::Log,
        Screen::Opportunities,
        Screen::Skipped,
        Screen::Contacts,
        Screen::FollowUps,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Status => "Status",
            Screen::Setup => "Setup",
            Screen::Jobs => "Job queue",
            Screen::Log => "Interaction log",
            Screen::Opportunities => "Opportunities",
            Screen::Skipped => "Skipped",
            Screen::Contacts => "Contacts",
            Screen::FollowUps => "Follow-ups",
        }
    }

    pub fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Screen {
        Screen::ALL[(self.index() + 1) % Screen::ALL.len()]
    }

    pub fn prev(self) -> Screen {
        Screen::ALL[(self.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]
    }
}

/// What the user asked for; the keymap turns keys into these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Go(Screen),
    NextScreen,
    PrevScreen,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    /// Enter: open, edit, choose.
    Open,
    /// Esc: close, cancel, go back.
    Back,
    Help,
    Palette,
    Search,
    /// Job queue.
    Restart,
    Hold,
    RunNow,
    SwitchList,
    RetryStuck,
    RetryAllStuck,
    /// Setup.
    Enable,
    Disable,
    Validate,
    SignIn,
    Wizard,
    WriteScripts,
    /// Dialogs.
    Yes,
    No,
    /// Interaction log and message.
    Filters,
    ByContact,
    BySalesperson,
    NewOpportunity,
    Export,
    CopyLink,
    ConversationPrev,
    ConversationNext,
    /// From an entry to the opportunity it carries.
    ShowOpportunity,
    /// Lists: add, edit, mark, delete.
    Add,
    Edit,
    Mark,
    Delete,
    /// Skipped review.
    Relog,
    ContactFromSender,
    NeverAddress,
    NeverDomain,
    /// Contacts: import a CSV.
    Import,
    /// Contacts: the chosen contact's card (figures and timeline).
    Card,
    /// Follow-ups: no answer needed.
    Dismiss,
    /// Message view, attachment lists: save an attachment to a file.
    SaveAttachment,
    /// Contact card: the attachments exchanged with them.
    Attachments,
    /// Setup: the never-log list.
    NeverLogList,
    /// The audit trail (Setup, the admin's).
    AuditTrail,
    /// The capture levels (Setup, the admin's).
    CaptureLevels,
    /// Forget the contact on the card (the admin's; asks first).
    Forget,
    /// Message view: mark the message private, or no longer.
    TogglePrivate,
    /// Status: the chart per hour or per day.
    ChartSpan,
    /// Status, Setup, Job queue: show the next logging mailbox.
    NextMailbox,
    /// Forms: the next or previous field (Tab, Shift-Tab), also while a
    /// field's choices are shown (which Down and Up move through).
    NextField,
    /// Into the chosen folder (the folder picker).
    FolderIn,
    /// Up a level (the folder picker).
    FolderOut,
    /// The default folder instead of a chosen one.
    UseDefault,
    PrevField,
}
