//! Where a message the engine read ended up, as stored: a logged message's
//! location, and a skipped message's disposition.

/// Where a logged message is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Logged, not moved yet (or its move failed): the next run moves it.
    Inbox,
    Archive,
    /// Its move to Archive kept failing and it was quarantined in Skipped.
    Skipped,
    /// Someone moved or deleted it before emaillog could.
    Gone,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Inbox => "inbox",
            Location::Archive => "archive",
            Location::Skipped => "skipped",
            Location::Gone => "gone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Location::Inbox,
            Location::Archive,
            Location::Skipped,
            Location::Gone,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

/// What became of a message that was not logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Recorded, not moved yet (or its move failed).
    Pending,
    /// In the Skipped folder.
    Moved,
    /// A copy of a logged message, in Archive beside the original.
    Archived,
    Deleted,
    /// Left in the Inbox on purpose (`--unmatched leave`).
    Left,
    /// Someone moved or deleted it before emaillog could.
    Gone,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Pending => "pending",
            Disposition::Moved => "moved",
            Disposition::Archived => "archived",
            Disposition::Deleted => "deleted",
            Disposition::Left => "left",
            Disposition::Gone => "gone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Disposition::Pending,
            Disposition::Moved,
            Disposition::Archived,
            Disposition::Deleted,
            Disposition::Left,
            Disposition::Gone,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}
