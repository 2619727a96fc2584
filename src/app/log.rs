//! The interaction log as the UI reads it: a view (filters and a search),
//! pages of it by keyset, one message with its people and conversation,
//! opportunities made from an entry, and the view exported to CSV.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::Direction;
use crate::domain::search::fts_query;
use crate::store::{
    EntryRow, KnownAddress, LogFilter, NewOpportunity, OpportunityRow, SearchPlan, Seek, Store,
    StoredMessage, ts,
};

use super::{App, AppError, Result};

/// What the log screen shows: filters that combine, and a search.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogView {
    pub contact_no: Option<String>,
    pub salesperson_code: Option<String>,
    pub company: Option<String>,
    pub direction: Option<Direction>,
    /// From (inclusive) and to (exclusive).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// As typed; words, each quoted for FTS5.
    pub search: Option<String>,
    /// Only what this logging mailbox logged (its number).
    pub mailbox: Option<i64>,
    /// The names of the contact and salesperson filtered on, for titles
    /// (the filter itself is by number and code).
    pub names: ViewNames,
}

/// What a view's title calls the contact and salesperson it is limited to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ViewNames {
    pub contact: Option<String>,
    pub salesperson: Option<String>,
    /// The address of the logging mailbox filtered on.
    pub mailbox: Option<String>,
}

impl LogView {
    pub fn filter(&self) -> LogFilter {
        LogFilter {
            contact_no: self.contact_no.clone(),
            salesperson_code: self.salesperson_code.clone(),
            company: self.company.clone(),
            direction: self.direction,
            from: self.from.map(ts),
            to: self.to.map(ts),
            search: self.search.as_deref().and_then(fts_query),
            mailbox: self.mailbox,
        }
    }

    pub fn is_filtered(&self) -> bool {
        *self != LogView::default()
    }
}

/// One address of a message and who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// From, To or Cc.
    pub role: &'static str,
    pub name: String,
    pub address: String,
    pub known: Option<KnownAddress>,
}

/// Everything the message view shows.
#[derive(Debug, Clone)]
pub struct MessageDetail {
    pub entry: EntryRow,
    pub message: StoredMessage,
    pub participants: Vec<Participant>,
    /// The conversation's entries, oldest first (this one among them).
    pub conversation: Vec<EntryRow>,
    /// What is attached, in order.
    pub attachments: Vec<crate::store::StoredAttachment>,
    /// Who has opened it in the UI (this opening counted), from the audit
    /// trail: shown to an admin only, `None` for anyone else.
    pub opened_by: Option<Vec<String>>,
}

/// "Name <a@b>" or "a@b" as (name, address).
pub fn participants_of_sender(s: &str) -> (String, String) {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => (s[..a].trim().to_string(), s[a + 1..b].trim().to_string()),
        _ => (String::new(), s.trim().to_string()),
    }
}

/// The addresses of a stored message, sender first.
pub fn participants_of(m: &StoredMessage) -> Vec<(&'static str, String, String)> {
    participants_in(&m.sender, &m.recipients)
}

/// [`participants_of`] a stored sender and recipients (a skipped record's too).
pub fn participants_in(sender: &str, recipients: &str) -> Vec<(&'static str, String, String)> {
    let (name, address) = participants_of_sender(sender);
    let mut out = Vec::new();
    if !address.is_empty() {
        out.push(("From", name, address));
    }
    let list: Vec<serde_json::Value> = serde_json::from_str(recipients).unwrap_or_default();
    for r in list {
        let role = match r["kind"].as_str() {
            Some("cc") => "Cc",
            _ => "To",
        };
        let address = r["address"].as_str().unwrap_or_default().to_string();
        if !address.is_empty() {
            out.push((
                role,
                r["name"].as_str().unwrap_or_default().to_string(),
                address,
            ));
        }
    }
    out
}

/// A connection kept open for the log screen: its statements stay prepared
/// and its page cache warm, and a search's plan is worked out once.
pub struct LogReader {
    store: Store,
    plans: HashMap<String, SearchPlan>,
    /// The admin's reader sees who opened a message.
    admin: bool,
}

impl App {
    pub fn log_reader(&self) -> Result<LogReader> {
        Ok(LogReader {
            store: self.store()?,
            plans: HashMap::new(),
            admin: self.role() == super::overview::Role::Admin,
        })
    }

    /// Makes an opportunity from an entry; returns its number.
    pub fn create_opportunity(&self, entry_no: i64, o: &NewOpportunity) -> Result<String> {
        Ok(self.store()?.create_opportunity(entry_no, o, Utc::now())?)
    }

    pub fn update_opportunity(&self, no: &str, o: &NewOpportunity) -> Result<()> {
        Ok(self.store()?.update_opportunity(no, o, Utc::now())?)
    }

    pub fn opportunities(&self) -> Result<Vec<OpportunityRow>> {
        Ok(self.store()?.opportunities()?)
    }

    pub fn opportunity_entries(&self, no: &str) -> Result<Vec<EntryRow>> {
        Ok(self.store()?.opportunity_entries(no)?)
    }
}

impl LogReader {
    fn plan(&mut self, f: &LogFilter) -> Result<Option<SearchPlan>> {
        let Some(q) = &f.search else {
            return Ok(None);
        };
        if let Some(p) = self.plans.get(q) {
            return Ok(Some(*p));
        }
        let p = self.store.search_plan(q)?;
        self.plans.insert(q.clone(), p);
        Ok(Some(p))
    }

    /// Whether the view is known to hold more than `n` entries without
    /// counting them ([`crate::store::finds_more_than`]).
    pub fn finds_more_than(&mut self, view: &LogView, n: usize) -> Result<bool> {
        let f = view.filter();
        let plan = self.plan(&f)?;
        Ok(crate::store::finds_more_than(&f, plan, n))
    }

    /// Up to `limit` entries of the view from where `seek` says, newest first.
    pub fn page(&mut self, view: &LogView, seek: &Seek, limit: usize) -> Result<Vec<EntryRow>> {
        let f = view.filter();
        if view.search.is_some() && f.search.is_none() {
            return Err(AppError::Invalid(
                "search for words: letters or digits (a word ending in * matches its beginning)"
                    .into(),
            ));
        }
        let plan = self.plan(&f)?;
        Ok(self.store.log_page(&f, plan, seek, limit)?)
    }

    /// The message of an entry, its people and its conversation. The
    /// opening is recorded in the audit trail first: a message whose
    /// opening cannot be recorded is not shown.
    pub fn message(&mut self, entry_no: i64) -> Result<MessageDetail> {
        let entry = self
            .store
            .entry(entry_no)?
            .ok_or_else(|| AppError::Invalid(format!("entry {entry_no} is no longer there")))?;
        let message = self
            .store
            .stored_message(entry.logged_message_id)?
            .ok_or_else(|| AppError::Invalid(format!("entry {entry_no} has no message")))?;
        let mut participants = Vec::new();
        for (role, name, address) in participants_of(&message) {
            let known = self.store.who_is(&address)?;
            participants.push(Participant {
                role,
                name,
                address,
                known,
            });
        }
        let mut conversation = self.store.conversation(&message.conversation_id)?;
        if conversation.is_empty() {
            conversation.push(entry.clone());
        }
        let attachments = self.store.message_attachments(entry.logged_message_id)?;
        let opened = super::audit::Audited::MessageOpened {
            message_id: entry.logged_message_id,
        };
        self.store
            .audit(&super::audit::os_user(), Utc::now(), &opened.event())
            .map_err(|e| {
                AppError::Invalid(format!(
                    "the message is not shown: its opening could not be recorded in the audit trail ({e})"
                ))
            })?;
        let opened_by = if self.admin {
            Some(self.store.audit_who(&opened.target())?)
        } else {
            None
        };
        Ok(MessageDetail {
            entry,
            message,
            participants,
            conversation,
            attachments,
            opened_by,
        })
    }
}
