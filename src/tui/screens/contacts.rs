//! The contacts and salespeople screen as a component, with the forms that
//! add and edit them and an import's preview: its update, draw and keys
//! (its rows live in the shared lists, `tui/lists.rs`).

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::domain::text::one_line;
use crate::domain::{Contact, Salesperson};
use crate::tui::action::{Action, Screen};
use crate::tui::form::{Field, Form, FormFor, Rule, split_emails};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::lists::PeopleFocus;
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, Pending, PromptFor, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::fit::draw_line;
use crate::tui::view::lists::{empty, waiting};
use crate::tui::view::table::{Cell, Column, DataTable};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    b(
        Screen(Screen::Contacts),
        &[code(KeyCode::Enter)],
        Action::Open,
        "interaction log",
        "The chosen person's interaction log entries",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('v')],
        Action::Card,
        "card",
        "The chosen contact's card: last messages, counts, timeline",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('f')],
        Action::SwitchList,
        "contacts/salespeople",
        "Switch between contacts and salespeople",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('a')],
        Action::Add,
        "add",
        "Add a contact or salesperson",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('e')],
        Action::Edit,
        "edit",
        "Edit the chosen one",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('i')],
        Action::Import,
        "import",
        "Import a CSV file: preview first, nothing written until Enter",
        true,
    ),
];

/// Keys in an import's preview.
pub const PREVIEW_KEYS: &[Binding] = &[
    b(
        ImportPreview,
        &[code(KeyCode::Enter)],
        Action::Open,
        "import",
        "Import: add and change what is listed",
        true,
    ),
    b(
        ImportPreview,
        &[code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "Close without importing",
        true,
    ),
    b(
        ImportPreview,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Scroll down",
        false,
    ),
    b(
        ImportPreview,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Scroll up",
        false,
    ),
];

impl UiState {
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
            Action::Card => {
                let no = (focus == PeopleFocus::Contacts)
                    .then(|| {
                        self.lists
                            .visible_contacts(f.as_deref())
                            .get(self.lists.contact_sel)
                            .map(|c| c.no.clone())
                    })
                    .flatten();
                match no {
                    Some(no) => self.open_contact_card(no),
                    None if focus == PeopleFocus::Salespeople => {
                        self.say(
                            Level::Info,
                            "a card is a contact's: f switches to the contacts",
                        );
                        Vec::new()
                    }
                    None => Vec::new(),
                }
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
                    // The rest, or nothing: the user says.
                    let (added, changed, _) = preview.counts();
                    let good = added + changed;
                    if good == 0 {
                        self.say(
                            Level::Error,
                            "every row to write is bad: fix the file and import again; nothing was written",
                        );
                        return Vec::new();
                    }
                    let question = format!(
                        "The file has {}. Import the other {} ({added} new, {changed} changed) and leave the bad ones out?",
                        crate::domain::text::count(preview.errors().len(), "bad row", "bad rows"),
                        crate::domain::text::count(good, "row", "rows"),
                    );
                    let p = Box::new(preview.without_bad_rows());
                    self.overlay = Some(Overlay::Confirm {
                        question,
                        pending: Pending::ImportGood(p),
                    });
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
            FormFor::ContactFromSender { key } => {
                self.start("saving the contact and asking for a re-log");
                vec![Effect::SaveContact {
                    contact: contact_of(None, &v),
                    new: true,
                    relog: Some(key),
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

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let (Some(contacts), Some(salespeople)) = (&s.lists.contacts, &s.lists.salespeople) else {
        return waiting(f, theme, area, "contacts and salespeople");
    };
    let [top, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let focus = s.lists.people_focus;
    let tab = |label: String, on: bool| Span::styled(label, theme.tab(on));
    draw_line(
        f,
        Line::from(vec![
            tab(
                format!(" Contacts ({}) ", contacts.len()),
                focus == PeopleFocus::Contacts,
            ),
            Span::raw(" "),
            tab(
                format!(" Salespeople ({}) ", salespeople.len()),
                focus == PeopleFocus::Salespeople,
            ),
            Span::styled(
                "  f switches · Enter shows their interaction log",
                theme.dim(),
            ),
        ]),
        top,
    );
    let filter = s.filter_for(Screen::Contacts);
    match focus {
        PeopleFocus::Contacts => {
            let rows = s.lists.visible_contacts(filter.as_deref());
            if rows.is_empty() {
                return empty(
                    f,
                    theme,
                    list,
                    "no contacts: a adds one, i imports a CSV file",
                );
            }
            let mut t = DataTable::new(CONTACT_COLUMNS, theme.label(), theme.selected());
            for c in &rows {
                t.row(vec![
                    Cell::new(one_line(&c.no)),
                    Cell::new(one_line(&c.name)),
                    Cell::new(one_line(&c.company)),
                    Cell::new(one_line(&c.email)),
                    Cell::new(one_line(&c.alt_emails.join(", "))),
                ]);
            }
            t.select(Some(s.lists.contact_sel)).render(f, list);
        }
        PeopleFocus::Salespeople => {
            let rows = s.lists.visible_salespeople(filter.as_deref());
            if rows.is_empty() {
                return empty(
                    f,
                    theme,
                    list,
                    "no salespeople: a adds one, i imports a CSV file",
                );
            }
            let mut t = DataTable::new(SALESPERSON_COLUMNS, theme.label(), theme.selected());
            for p in &rows {
                t.row(vec![
                    Cell::new(one_line(&p.code)),
                    Cell::new(one_line(&p.name)),
                    Cell::new(one_line(&p.email)),
                ]);
            }
            t.select(Some(s.lists.salesperson_sel)).render(f, list);
        }
    }
}

/// The contacts' columns: alternative addresses give way first, then the
/// company.
const CONTACT_COLUMNS: &[Column] = &[
    Column::fixed("No.", 8),
    Column::flex("Name", 22, 12, 0),
    Column::flex("Company", 22, 10, 2),
    Column::grow("Email", 20),
    Column::flex("Alternative emails", 30, 16, 3),
];

const SALESPERSON_COLUMNS: &[Column] = &[
    Column::fixed("Code", 8),
    Column::flex("Name", 24, 12, 0),
    Column::grow("Email", 20),
];

/// The line that shows an existing record's key in its form: the key is
/// how entries and opportunities point at the record, so it is not edited
/// (a changed key would leave them pointing at nothing).
fn key_info(label: &str, key: &str) -> String {
    format!("{label} {key} (cannot be changed: entries and opportunities point at it)")
}

/// A contact's fields. `no`: `Some` for a new contact (its number is typed,
/// prefilled with this), `None` for an existing one (shown by [`key_info`]).
pub(crate) fn contact_fields(
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
