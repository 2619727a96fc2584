//! The opportunities, skipped and contacts screens and their dialogs.

use crate::domain::{Contact, Salesperson};
use crate::store::ReviewAction;

use super::super::form::{Field, Form, Rule, STATUSES, split_emails};
use super::super::lists::{Lists, ListsKind, PeopleFocus};
use super::{Action, Effect, Level, Overlay, Pending, PromptFor, Screen, UiState};
use crate::tui::form::FormFor;

impl UiState {
    /// Reads the list of a users' screen when it comes on show.
    pub(crate) fn load_lists(&self) -> Vec<Effect> {
        match self.screen {
            Screen::Opportunities => vec![Effect::LoadLists(ListsKind::Opportunities)],
            Screen::Skipped => vec![Effect::LoadLists(ListsKind::Review)],
            Screen::Contacts => vec![Effect::LoadLists(ListsKind::People)],
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
            Lists::Review(rows) => {
                let ids: std::collections::BTreeSet<&String> =
                    rows.iter().map(|r| &r.mailbox_id).collect();
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
            }
            Lists::SuggestedContact(mailbox_id, c) => {
                self.working = None;
                self.overlay = Some(Overlay::Form {
                    form: Form::new(
                        "New contact from the sender",
                        vec!["Prefilled from the message; correct what is wrong.".into()],
                        contact_fields(Some(&c.no), &c.name, &c.company, &c.email, ""),
                    ),
                    purpose: FormFor::ContactFromSender { mailbox_id },
                });
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
            _ => return None,
        })
    }

    pub(crate) fn act_opportunities(&mut self, a: Action) -> Vec<Effect> {
        let f = self.filter_for(Screen::Opportunities);
        let Some(o) = self
            .lists
            .visible_opportunities(f.as_deref())
            .get(self.lists.opp_sel)
            .map(|o| (*o).clone())
        else {
            return Vec::new();
        };
        match a {
            Action::Open => {
                self.overlay = Some(Overlay::Opportunity {
                    no: o.no.clone(),
                    entries: None,
                    sel: 0,
                });
                vec![Effect::LoadLists(ListsKind::OpportunityEntries(o.no))]
            }
            Action::Edit => {
                let value = o.estimated_value.map(|v| v.to_string()).unwrap_or_default();
                self.overlay = Some(Overlay::Form {
                    form: Form::new(
                        format!("Opportunity {}", o.no),
                        vec![format!(
                            "Contact {} ({}) · Salesperson {}",
                            super::sanitize(&o.contact_name),
                            o.contact_no,
                            o.salesperson_code
                        )],
                        vec![
                            Field::new("Description", Rule::Required(100), &o.description, ""),
                            Field::new("Estimated value", Rule::Money, &value, "an amount"),
                            Field::new(
                                "Close date",
                                Rule::Date,
                                o.close_date.as_deref().unwrap_or(""),
                                "YYYY-MM-DD",
                            ),
                            Field::new(
                                "Status",
                                Rule::Choice(STATUSES),
                                &o.status,
                                "Space: Not started, In progress, Won, Lost",
                            ),
                        ],
                    ),
                    purpose: FormFor::EditOpportunity { no: o.no },
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The opportunities screen with `no` chosen and its details open.
    pub(crate) fn show_opportunity(&mut self, no: String) -> Vec<Effect> {
        self.screen = Screen::Opportunities;
        self.filter = None;
        if let Some(i) = self
            .lists
            .visible_opportunities(None)
            .iter()
            .position(|o| o.no == no)
        {
            self.lists.opp_sel = i;
        }
        self.overlay = Some(Overlay::Opportunity {
            no: no.clone(),
            entries: None,
            sel: 0,
        });
        vec![
            Effect::LoadLists(ListsKind::Opportunities),
            Effect::LoadLists(ListsKind::OpportunityEntries(no)),
        ]
    }

    /// Keys in an opportunity's details: its entries, Enter opens one.
    pub(crate) fn act_opportunity_detail(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::Opportunity { entries, sel, .. }) = &mut self.overlay else {
            return Vec::new();
        };
        let n = entries.as_ref().map_or(0, Vec::len);
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(n.saturating_sub(1)),
            Action::Open => {
                if let Some(e) = entries.as_ref().and_then(|e| e.get(*sel)) {
                    let n = e.entry_no;
                    return self.open_message(n);
                }
            }
            Action::Back => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    /// The skipped messages an action applies to: the marked ones, else the
    /// selected one.
    pub(crate) fn review_targets(&self) -> Vec<String> {
        if !self.lists.marked.is_empty() {
            return self.lists.marked.iter().cloned().collect();
        }
        let f = self.filter_for(Screen::Skipped);
        self.lists
            .visible_review(f.as_deref())
            .get(self.lists.review_sel)
            .map(|r| vec![r.mailbox_id.clone()])
            .unwrap_or_default()
    }

    pub(crate) fn act_skipped(&mut self, a: Action) -> Vec<Effect> {
        let f = self.filter_for(Screen::Skipped);
        let selected = self
            .lists
            .visible_review(f.as_deref())
            .get(self.lists.review_sel)
            .map(|r| (*r).clone());
        match a {
            Action::Mark => {
                if let Some(r) = selected {
                    if !self.lists.marked.remove(&r.mailbox_id) {
                        self.lists.marked.insert(r.mailbox_id);
                    }
                    let n = self.lists.visible_review(f.as_deref()).len();
                    self.lists.review_sel = (self.lists.review_sel + 1).min(n.saturating_sub(1));
                }
                Vec::new()
            }
            Action::Relog => {
                let ids = self.review_targets();
                if ids.is_empty() {
                    return Vec::new();
                }
                self.lists.marked.clear();
                self.start_about(
                    &format!("asking the engine to re-log {}", ids.len()),
                    super::About::Requests,
                );
                vec![Effect::RequestReview {
                    ids,
                    action: ReviewAction::Relog,
                }]
            }
            Action::Delete => {
                let ids = self.review_targets();
                if ids.is_empty() {
                    return Vec::new();
                }
                self.overlay = Some(Overlay::Confirm {
                    question: format!(
                        "Delete {} from the shared mailbox (to Deleted Items)?",
                        crate::domain::text::count(ids.len(), "message", "messages")
                    ),
                    pending: Pending::DeleteSkipped(ids),
                });
                Vec::new()
            }
            Action::ContactFromSender => match selected {
                Some(r) => {
                    self.start("reading the sender");
                    vec![Effect::LoadLists(ListsKind::SuggestContact(Box::new(r)))]
                }
                None => Vec::new(),
            },
            Action::NeverAddress | Action::NeverDomain => {
                let Some(r) = selected else {
                    return Vec::new();
                };
                let (_, address) = crate::app::log::participants_of_sender(&r.sender);
                let pattern = if a == Action::NeverDomain {
                    address.rsplit('@').next().unwrap_or_default().to_string()
                } else {
                    address
                };
                self.overlay = Some(Overlay::Confirm {
                    question: format!(
                        "Never log mail from or to {}? (emaillog never-log remove undoes it)",
                        super::sanitize(&pattern)
                    ),
                    pending: Pending::NeverLog(pattern),
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn act_contacts(&mut self, a: Action) -> Vec<Effect> {
        let f = self.filter_for(Screen::Contacts);
        let focus = self.lists.people_focus;
        match a {
            Action::SwitchList => {
                self.lists.people_focus = match focus {
                    PeopleFocus::Contacts => PeopleFocus::Salespeople,
                    PeopleFocus::Salespeople => PeopleFocus::Contacts,
                };
                Vec::new()
            }
            Action::Add => {
                let next = self
                    .lists
                    .contacts
                    .iter()
                    .flatten()
                    .filter_map(|c| c.no.strip_prefix("CT")?.parse::<u64>().ok())
                    .max()
                    .map_or("CT0001".to_string(), |n| format!("CT{:04}", n + 1));
                self.overlay = Some(match focus {
                    PeopleFocus::Contacts => Overlay::Form {
                        form: Form::new(
                            "New contact",
                            vec![],
                            contact_fields(Some(&next), "", "", "", ""),
                        ),
                        purpose: FormFor::Contact { no: None },
                    },
                    PeopleFocus::Salespeople => Overlay::Form {
                        form: Form::new(
                            "New salesperson",
                            vec![],
                            salesperson_fields(Some(""), "", ""),
                        ),
                        purpose: FormFor::Salesperson { code: None },
                    },
                });
                Vec::new()
            }
            Action::Edit => {
                match focus {
                    PeopleFocus::Contacts => {
                        if let Some(c) = self
                            .lists
                            .visible_contacts(f.as_deref())
                            .get(self.lists.contact_sel)
                        {
                            self.overlay = Some(Overlay::Form {
                                form: Form::new(
                                    format!("Contact {}", c.no),
                                    vec![key_info("No.", &c.no)],
                                    contact_fields(
                                        None,
                                        &c.name,
                                        &c.company,
                                        &c.email,
                                        &c.alt_emails.join(", "),
                                    ),
                                ),
                                purpose: FormFor::Contact {
                                    no: Some(c.no.clone()),
                                },
                            });
                        }
                    }
                    PeopleFocus::Salespeople => {
                        if let Some(s) = self
                            .lists
                            .visible_salespeople(f.as_deref())
                            .get(self.lists.salesperson_sel)
                        {
                            self.overlay = Some(Overlay::Form {
                                form: Form::new(
                                    format!("Salesperson {}", s.code),
                                    vec![key_info("Code", &s.code)],
                                    salesperson_fields(None, &s.name, &s.email),
                                ),
                                purpose: FormFor::Salesperson {
                                    code: Some(s.code.clone()),
                                },
                            });
                        }
                    }
                }
                Vec::new()
            }
            Action::Import => {
                self.prompt(
                    match focus {
                        PeopleFocus::Contacts => PromptFor::Contacts,
                        PeopleFocus::Salespeople => PromptFor::Salespeople,
                    },
                    "",
                );
                Vec::new()
            }
            // The contact card's "Interaction log entries".
            Action::Open => {
                let mut view = crate::app::log::LogView::default();
                match focus {
                    PeopleFocus::Contacts => {
                        let no = self
                            .lists
                            .visible_contacts(f.as_deref())
                            .get(self.lists.contact_sel)
                            .map(|c| c.no.clone());
                        let Some(no) = no else {
                            return Vec::new();
                        };
                        view.contact_no = Some(no);
                    }
                    PeopleFocus::Salespeople => {
                        let code = self
                            .lists
                            .visible_salespeople(f.as_deref())
                            .get(self.lists.salesperson_sel)
                            .map(|s| s.code.clone());
                        let Some(code) = code else {
                            return Vec::new();
                        };
                        view.salesperson_code = Some(code);
                    }
                }
                self.set_log_view(view)
            }
            _ => Vec::new(),
        }
    }

    /// Keys in an import's preview: Enter imports, Esc does not.
    pub(crate) fn act_import_preview(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::ImportPreview {
            preview, scroll, ..
        }) = &mut self.overlay
        else {
            return Vec::new();
        };
        match a {
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::Down => *scroll += 1,
            Action::Back => self.overlay = None,
            Action::Open => {
                if !preview.errors().is_empty() {
                    self.say(
                        Level::Error,
                        "the file has bad rows: fix them and import again; nothing was written",
                    );
                    return Vec::new();
                }
                let p = preview.clone();
                self.overlay = None;
                self.start("importing");
                return vec![Effect::ApplyImport(p)];
            }
            _ => {}
        }
        Vec::new()
    }

    pub(crate) fn submit_people_form(&mut self, purpose: FormFor, v: Vec<String>) -> Vec<Effect> {
        match purpose {
            FormFor::Contact { no } => {
                self.start("saving the contact");
                vec![Effect::SaveContact {
                    contact: contact_of(no.as_deref(), &v),
                    new: no.is_none(),
                    relog: None,
                }]
            }
            FormFor::ContactFromSender { mailbox_id } => {
                self.start("saving the contact and asking for a re-log");
                vec![Effect::SaveContact {
                    contact: contact_of(None, &v),
                    new: true,
                    relog: Some(mailbox_id),
                }]
            }
            FormFor::Salesperson { code } => {
                self.start("saving the salesperson");
                vec![Effect::SaveSalesperson {
                    salesperson: salesperson_of(code.as_deref(), &v),
                    new: code.is_none(),
                }]
            }
            _ => Vec::new(),
        }
    }
}

/// The line that shows an existing record's key in its form: the key is
/// how entries and opportunities point at the record, so it is not edited
/// (a changed key would leave them pointing at nothing).
fn key_info(label: &str, key: &str) -> String {
    format!("{label} {key} (cannot be changed: entries and opportunities point at it)")
}

/// A contact's fields. `no`: `Some` for a new contact (its number is typed,
/// prefilled with this), `None` for an existing one (shown by [`key_info`]).
fn contact_fields(
    no: Option<&str>,
    name: &str,
    company: &str,
    email: &str,
    alts: &str,
) -> Vec<Field> {
    let mut fields: Vec<Field> = no
        .map(|no| Field::new("No.", Rule::Required(20), no, "the contact's number"))
        .into_iter()
        .collect();
    fields.extend([
        Field::new("Name", Rule::Required(100), name, ""),
        Field::new("Company", Rule::Required(100), company, ""),
        Field::new("Email", Rule::Email, email, ""),
        Field::new(
            "Alternative emails",
            Rule::Emails,
            alts,
            "separated by commas",
        ),
    ]);
    fields
}

/// A salesperson's fields; `code` as `no` in [`contact_fields`].
fn salesperson_fields(code: Option<&str>, name: &str, email: &str) -> Vec<Field> {
    let mut fields: Vec<Field> = code
        .map(|c| Field::new("Code", Rule::Required(20), c, "like AH"))
        .into_iter()
        .collect();
    fields.extend([
        Field::new("Name", Rule::Required(100), name, ""),
        Field::new("Email", Rule::Email, email, "their mailbox address"),
    ]);
    fields
}

/// The contact a form's values make: `no` is the existing contact's (its
/// form has no number field), else the first value.
fn contact_of(no: Option<&str>, v: &[String]) -> Contact {
    let (no, v) = match no {
        Some(no) => (no.to_string(), v),
        None => (v[0].clone(), &v[1..]),
    };
    Contact {
        no,
        name: v[0].clone(),
        company: v[1].clone(),
        email: v[2].clone(),
        alt_emails: split_emails(&v[3]).map(str::to_string).collect(),
    }
}

fn salesperson_of(code: Option<&str>, v: &[String]) -> Salesperson {
    let (code, v) = match code {
        Some(c) => (c.to_string(), v),
        None => (v[0].clone(), &v[1..]),
    };
    Salesperson {
        code,
        name: v[0].clone(),
        email: v[1].clone(),
    }
}
