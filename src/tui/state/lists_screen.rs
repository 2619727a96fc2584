//! The opportunities, skipped and contacts screens and their dialogs.

use super::super::form::Form;
use super::super::lists::{Lists, ListsKind, PeopleFocus};
use super::{Effect, Level, Overlay, Screen, UiState};
use crate::tui::form::FormFor;
use crate::tui::screens::contacts::contact_fields;

impl UiState {
    /// Reads the list of a users' screen when it comes on show.
    pub(crate) fn load_lists(&self) -> Vec<Effect> {
        match self.screen {
            Screen::Opportunities => vec![Effect::LoadLists(ListsKind::Opportunities)],
            Screen::Skipped => vec![Effect::LoadLists(ListsKind::Review)],
            Screen::Contacts => vec![Effect::LoadLists(ListsKind::People)],
            Screen::FollowUps => vec![Effect::LoadLists(ListsKind::FollowUps)],
            // The Status screen's count of follow-ups due today: read when
            // it comes on show and then at most once a minute.
            Screen::Status
                if self.lists.follow_ups.as_ref().is_none_or(|b| {
                    b.at.is_none_or(|at| self.now - at >= chrono::Duration::seconds(60))
                }) =>
            {
                vec![Effect::LoadLists(ListsKind::FollowUps)]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn lists_arrived(&mut self, r: Result<Box<Lists>, String>) -> Vec<Effect> {
        // An import's answer ends its read; one that Esc gave up is dropped,
        // whatever it found.
        let cancelled = crate::app::AppError::Cancelled.to_string();
        let import_answer = matches!(&r, Ok(l) if matches!(**l, Lists::ImportPreview(..)))
            || r.as_ref()
                .is_err_and(|e| *e == cancelled || self.lists.importing);
        if import_answer && !std::mem::take(&mut self.lists.importing) {
            return Vec::new();
        }
        let lists = match r {
            Ok(l) => *l,
            Err(e) => {
                self.working = None;
                self.lists.error = Some(super::sanitize(&e));
                self.say(Level::Error, e);
                return Vec::new();
            }
        };
        self.lists.error = None;
        match lists {
            Lists::Opportunities(rows) => {
                // The one whose details are open stays chosen.
                if let Some(Overlay::Opportunity { no, .. }) = &self.overlay
                    && let Some(i) = rows.iter().position(|o| o.no == *no)
                {
                    self.filter = None;
                    self.lists.opp_sel = i;
                }
                self.lists.opportunities = Some(rows);
            }
            Lists::OpportunityEntries(no, rows) => {
                if let Some(Overlay::Opportunity {
                    no: open, entries, ..
                }) = &mut self.overlay
                    && *open == no
                {
                    *entries = Some(rows);
                }
            }
            Lists::ContactCard(report) => self.contact_card_arrived(report),
            Lists::FollowUps(board) => self.lists.follow_ups = Some(*board),
            Lists::Review(rows) => {
                let ids: std::collections::BTreeSet<crate::store::ReviewKey> =
                    rows.iter().map(|r| r.key()).collect();
                self.lists.marked.retain(|m| ids.contains(m));
                let waiting = rows
                    .iter()
                    .any(|r| r.request.as_ref().is_some_and(|(_, st, _)| st == "pending"));
                if !waiting {
                    self.unsay(super::About::Requests);
                }
                self.lists.review = Some(rows);
            }
            Lists::People(s, c) => {
                self.lists.salespeople = Some(s);
                self.lists.contacts = Some(c);
                self.attach_filter_picks();
            }
            Lists::SuggestedContact(key, c) => {
                self.working = None;
                self.overlay = Some(Overlay::Form {
                    form: Form::new(
                        "New contact from the sender",
                        vec!["Prefilled from the message; correct what is wrong.".into()],
                        contact_fields(Some(&c.no), &c.name, &c.company, &c.email, ""),
                    ),
                    purpose: FormFor::ContactFromSender { key },
                });
            }
            Lists::NeverLog(rules) => {
                if let Some(Overlay::NeverLog { rules: shown, sel }) = &mut self.overlay {
                    *sel = (*sel).min(rules.len().saturating_sub(1));
                    *shown = Some(rules);
                }
            }
            Lists::Capture(rows) => self.capture_read(rows),
            Lists::ForgetChecked(no, report) => self.forget_checked(no, *report),
            Lists::Audit(rows) => self.audit_read(rows),
            Lists::AuditVerified(report) => self.audit_verified(report),
            Lists::NeverLogCheck(check) => {
                self.working = None;
                self.never_log_checked(check);
            }
            Lists::ImportPreview(path, preview) => {
                self.working = None;
                self.overlay = Some(Overlay::ImportPreview {
                    path,
                    preview,
                    scroll: 0,
                });
            }
        }
        self.clamp_lists();
        Vec::new()
    }

    pub(crate) fn clamp_lists(&mut self) {
        let f = self.filter_for(self.screen);
        let f = f.as_deref();
        let n = self.lists.visible_opportunities(f).len();
        self.lists.opp_sel = self.lists.opp_sel.min(n.saturating_sub(1));
        let n = self.lists.visible_review(f).len();
        self.lists.review_sel = self.lists.review_sel.min(n.saturating_sub(1));
        let n = self.lists.visible_contacts(f).len();
        self.lists.contact_sel = self.lists.contact_sel.min(n.saturating_sub(1));
        let n = self.lists.visible_salespeople(f).len();
        self.lists.salesperson_sel = self.lists.salesperson_sel.min(n.saturating_sub(1));
        let n = self.lists.visible_follow_ups(f).len();
        self.lists.follow_up_sel = self.lists.follow_up_sel.min(n.saturating_sub(1));
        let n = self.lists.visible_cold(f).len();
        self.lists.cold_sel = self.lists.cold_sel.min(n.saturating_sub(1));
    }

    /// The selection of the list on show and its length.
    pub(crate) fn list_selection(&mut self) -> Option<(&mut usize, usize)> {
        let f = self.filter_for(self.screen);
        let f = f.as_deref();
        let l = &mut self.lists;
        Some(match (self.screen, l.people_focus) {
            (Screen::Opportunities, _) => {
                let n = l.visible_opportunities(f).len();
                (&mut l.opp_sel, n)
            }
            (Screen::Skipped, _) => {
                let n = l.visible_review(f).len();
                (&mut l.review_sel, n)
            }
            (Screen::Contacts, PeopleFocus::Contacts) => {
                let n = l.visible_contacts(f).len();
                (&mut l.contact_sel, n)
            }
            (Screen::Contacts, PeopleFocus::Salespeople) => {
                let n = l.visible_salespeople(f).len();
                (&mut l.salesperson_sel, n)
            }
            (Screen::FollowUps, _) => match l.follow_up_tab {
                super::super::lists::FollowUpTab::Waiting => {
                    let n = l.visible_follow_ups(f).len();
                    (&mut l.follow_up_sel, n)
                }
                super::super::lists::FollowUpTab::Cold => {
                    let n = l.visible_cold(f).len();
                    (&mut l.cold_sel, n)
                }
            },
            _ => return None,
        })
    }
}
