//! What the log says of a contact: the figures kept as mail is logged and
//! the contact's timeline, for `emaillog report contact` and the contact
//! view.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::Contact;
use crate::domain::reply_times::{By, ReplyTimes, reply_times_of};
use crate::domain::work_week::WorkWeek;
use crate::store::{ContactCard, EntryRow, GoingCold};

use super::{App, AppError, Result};

/// A contact's report: who, the figures, the newest entries.
#[derive(Debug, Clone, Serialize)]
pub struct ContactReport {
    pub contact_no: String,
    pub name: String,
    pub company: String,
    pub email: String,
    #[serde(flatten)]
    pub card: ContactCard,
    /// Newest first.
    pub timeline: Vec<EntryRow>,
    /// Their company's figures (all its contacts), when they have one.
    pub company_card: Option<ContactCard>,
    /// What happened to their opportunities, newest first.
    pub opportunity_changes: Vec<crate::store::OpportunityChange>,
    /// Every file exchanged with them (inline images left out), newest
    /// first.
    pub attachments: Vec<crate::store::ContactAttachment>,
}

impl App {
    /// The report on contact `no` as of `now`, with at most `limit`
    /// timeline entries.
    pub fn contact_report(
        &self,
        no: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<ContactReport> {
        let store = self.store()?;
        let Some(Contact {
            no,
            name,
            company,
            email,
            ..
        }) = store.contact_record(no.trim())?
        else {
            return Err(AppError::Invalid(format!(
                "there is no contact {}: give a contact number as the Contacts screen shows it (CT0001)",
                crate::domain::text::one_line(no)
            )));
        };
        let company_card = if company.trim().is_empty() {
            None
        } else {
            Some(store.company_card(&company, now)?)
        };
        Ok(ContactReport {
            company_card,
            card: store.contact_card(&no, now)?,
            timeline: store.contact_timeline(&no, limit)?,
            attachments: store.contact_attachments(&no)?,
            opportunity_changes: store.opportunity_changes(&no, limit)?,
            contact_no: no,
            name,
            company,
            email,
        })
    }

    /// Contacts with an open opportunity and no message either way for
    /// `days` days as of `now`, the longest silence first.
    pub fn going_cold(&self, days: u32, now: DateTime<Utc>) -> Result<Vec<GoingCold>> {
        Ok(self.store()?.going_cold(days, now)?)
    }

    /// Reply times of the answers given from `since` to `until`, grouped
    /// `by`; in working time of `week` when given. The answers are kept
    /// per contact from the whole conversation (an answer to a message
    /// older than `since` counts), as the engine last recomputed them.
    pub fn reply_times(
        &self,
        by: By,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        week: Option<&WorkWeek>,
    ) -> Result<Vec<ReplyTimes>> {
        if until < since {
            return Err(AppError::Invalid(
                "the period ends before it starts: --until must not be before --since".into(),
            ));
        }
        let rows = self.store()?.reply_rows(since, until)?;
        Ok(reply_times_of(&rows, by, since, until, week))
    }
}
