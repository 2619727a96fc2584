//! What the opportunities, skipped and contacts screens hold: their rows as
//! last read, the selection and the marks. Small lists, read whole (the
//! review queue is capped); the interaction log is the one read by window.

use std::collections::BTreeSet;

use crate::app::people::ImportPreview;
use crate::app::review::SuggestedContact;
use crate::domain::{Contact, Salesperson};
use crate::store::{EntryRow, OpportunityRow, ReviewRow};

/// Which list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListsKind {
    Opportunities,
    OpportunityEntries(String),
    /// A contact's card.
    ContactCard(String),
    /// The follow-ups and the contacts going cold.
    FollowUps,
    Review,
    People,
    /// A skipped message's sender as a new contact.
    SuggestContact(Box<ReviewRow>),
    /// What importing a file would change.
    ImportPreview {
        path: String,
        salespeople: bool,
    },
    NeverLog,
    /// What adding this to the never-log list would do.
    NeverLogCheck(String),
    /// The capture levels.
    Capture,
    /// What forgetting this contact would remove (a dry run).
    ForgetCheck(String),
    /// The audit trail's newest rows.
    Audit,
    /// The whole audit trail checked.
    AuditVerify,
}

/// A list as read, or an answer that opens a dialog.
#[derive(Debug, Clone)]
pub enum Lists {
    Opportunities(Vec<OpportunityRow>),
    OpportunityEntries(String, Vec<EntryRow>),
    ContactCard(Box<crate::app::signals::ContactReport>),
    FollowUps(Box<crate::app::follow_ups::FollowUpBoard>),
    Review(Vec<ReviewRow>),
    People(Vec<Salesperson>, Vec<Contact>),
    SuggestedContact(crate::store::ReviewKey, SuggestedContact),
    ImportPreview(String, Box<ImportPreview>),
    NeverLog(Vec<String>),
    NeverLogCheck(crate::app::never_log::NeverLogCheck),
    Capture(Vec<crate::app::capture::CaptureRow>),
    ForgetChecked(String, Box<crate::app::forget::ForgetReport>),
    Audit(Vec<crate::domain::audit::AuditRow>),
    AuditVerified(crate::app::audit::VerifyReport),
}

/// The Follow-ups screen's tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FollowUpTab {
    #[default]
    Waiting,
    Cold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeopleFocus {
    #[default]
    Contacts,
    Salespeople,
}

#[derive(Debug, Clone, Default)]
pub struct ListsState {
    pub opportunities: Option<Vec<OpportunityRow>>,
    pub opp_sel: usize,
    pub review: Option<Vec<ReviewRow>>,
    pub review_sel: usize,
    /// Skipped messages marked with Space, by mailbox and id.
    pub marked: BTreeSet<crate::store::ReviewKey>,
    pub salespeople: Option<Vec<Salesperson>>,
    pub contacts: Option<Vec<Contact>>,
    pub people_focus: PeopleFocus,
    pub contact_sel: usize,
    pub salesperson_sel: usize,
    pub error: Option<String>,
    /// The Follow-ups screen's rows (and the Status screen's count).
    pub follow_ups: Option<crate::app::follow_ups::FollowUpBoard>,
    pub follow_up_tab: FollowUpTab,
    pub follow_up_sel: usize,
    pub cold_sel: usize,
    /// A file is being read for an import's preview (Esc gives it up).
    pub importing: bool,
}

/// Whether a row's text has `filter` (lower case) in it.
pub fn matches(filter: Option<&str>, fields: &[&str]) -> bool {
    filter.is_none_or(|f| fields.iter().any(|t| t.to_lowercase().contains(f)))
}

impl ListsState {
    pub fn visible_opportunities(&self, filter: Option<&str>) -> Vec<&OpportunityRow> {
        self.opportunities
            .iter()
            .flatten()
            .filter(|o| {
                matches(
                    filter,
                    &[
                        &o.no,
                        &o.description,
                        &o.contact_name,
                        &o.company,
                        &o.salesperson_code,
                        &o.status,
                    ],
                )
            })
            .collect()
    }

    pub fn visible_review(&self, filter: Option<&str>) -> Vec<&ReviewRow> {
        self.review
            .iter()
            .flatten()
            .filter(|r| {
                matches(
                    filter,
                    &[&r.subject, &r.sender, &r.reason, &r.recipients, &r.mailbox],
                )
            })
            .collect()
    }

    pub fn visible_contacts(&self, filter: Option<&str>) -> Vec<&Contact> {
        self.contacts
            .iter()
            .flatten()
            .filter(|c| {
                let alts = c.alt_emails.join(" ");
                matches(filter, &[&c.no, &c.name, &c.company, &c.email, &alts])
            })
            .collect()
    }

    pub fn visible_salespeople(&self, filter: Option<&str>) -> Vec<&Salesperson> {
        self.salespeople
            .iter()
            .flatten()
            .filter(|s| matches(filter, &[&s.code, &s.name, &s.email]))
            .collect()
    }
}
