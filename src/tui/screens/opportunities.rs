//! The opportunities screen as a component, with an opportunity's details
//! and the form that makes one from an entry: its update, draw and keys
//! (its rows live in the shared lists, `tui/lists.rs`).

use chrono::Duration;
use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;

use crate::domain::text::one_line;
use crate::store::NewOpportunity;
use crate::tui::action::{Action, Screen};
use crate::tui::form::{Field, Form, FormFor, Rule, STATUSES, parse_money};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::screens::log::non_empty;
use crate::tui::state::{Level, Overlay, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::lists::{empty, waiting};
use crate::tui::view::table::{Cell, Column, DataTable};

impl UiState {
    pub(crate) fn open_opportunity_form(&mut self, entry_no: i64, reopen: bool) {
        let entry = self
            .log
            .rows
            .iter()
            .find(|e| e.entry_no == entry_no)
            .cloned()
            .or_else(|| match &self.overlay {
                Some(Overlay::Message(m)) => m.detail.as_ref().map(|d| d.entry.clone()),
                _ => None,
            });
        let Some(e) = entry else {
            return;
        };
        if let Some(no) = &e.opportunity_no {
            self.say(
                Level::Info,
                format!("entry {entry_no} already has opportunity {no} (screen 5)"),
            );
            return;
        }
        let subject: String = crate::tui::state::sanitize(&e.subject)
            .chars()
            .take(100)
            .collect();
        let close = (self.now + Duration::days(30))
            .with_timezone(&self.tz)
            .format("%Y-%m-%d")
            .to_string();
        self.overlay = Some(Overlay::Form {
            form: Form::new(
                format!("New opportunity from entry {entry_no}"),
                vec![
                    format!(
                        "Contact      {} ({}) · {}",
                        crate::tui::state::sanitize(&e.contact_name),
                        e.contact_no,
                        crate::tui::state::sanitize(&e.contact_company)
                    ),
                    format!(
                        "Salesperson  {} ({})",
                        crate::tui::state::sanitize(&e.salesperson_name),
                        e.salesperson_code
                    ),
                ],
                vec![
                    Field::new(
                        "Description",
                        Rule::Required(100),
                        &subject,
                        "from the subject",
                    ),
                    Field::new("Estimated value", Rule::Money, "", "an amount, like 12,500"),
                    Field::new("Close date", Rule::Date, &close, "YYYY-MM-DD"),
                    Field::new(
                        "Status",
                        Rule::Choice(STATUSES),
                        "In progress",
                        "Space: Not started, In progress, Won, Lost",
                    ),
                ],
            ),
            purpose: FormFor::Opportunity { entry_no, reopen },
        });
    }

    /// The four opportunity fields, as the store takes them.
    pub(crate) fn opportunity_of(values: &[String]) -> NewOpportunity {
        let status = STATUSES
            .iter()
            .find(|s| s.eq_ignore_ascii_case(&values[3]))
            .copied()
            .unwrap_or("In progress");
        NewOpportunity {
            description: values[0].clone(),
            estimated_value: parse_money(&values[1]),
            close_date: non_empty(&values[2]),
            status: status.to_string(),
        }
    }
}

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    b(
        Screen(Screen::Opportunities),
        &[code(KeyCode::Enter)],
        Action::Open,
        "details",
        "The entries the opportunity came from",
        true,
    ),
    b(
        Screen(Screen::Opportunities),
        &[k('e')],
        Action::Edit,
        "edit",
        "Edit status, value, close date, description",
        true,
    ),
];

/// Keys in an opportunity's details.
pub const DETAIL_KEYS: &[Binding] = &[
    b(
        Opportunity,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the details",
        true,
    ),
    b(
        Opportunity,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next entry",
        false,
    ),
    b(
        Opportunity,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous entry",
        false,
    ),
    b(
        Opportunity,
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the chosen entry's message",
        true,
    ),
];

impl UiState {
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
                            crate::tui::state::sanitize(&o.contact_name),
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
        self.act_entry_list(a, |o| match o {
            Overlay::Opportunity { entries, sel, .. } => Some((entries.as_deref(), sel)),
            _ => None,
        })
    }
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    if s.lists.opportunities.is_none() {
        return waiting(f, theme, area, "the opportunities");
    }
    let filter = s.filter_for(Screen::Opportunities);
    let rows = s.lists.visible_opportunities(filter.as_deref());
    if rows.is_empty() {
        return empty(
            f,
            theme,
            area,
            "no opportunities yet: o on an interaction log entry (4) creates one",
        );
    }
    let mut t = DataTable::new(OPPORTUNITY_COLUMNS, theme.label(), theme.selected());
    for o in &rows {
        let contact = Cell::new(one_line(if o.contact_name.is_empty() {
            &o.contact_no
        } else {
            &o.contact_name
        }));
        t.row(vec![
            Cell::new(one_line(&o.no)),
            Cell::new(one_line(&o.description)),
            contact,
            Cell::new(one_line(&o.company)),
            Cell::new(one_line(&o.salesperson_code)),
            Cell::new(one_line(&o.status)),
            Cell::new(o.estimated_value.map(|m| m.to_string()).unwrap_or_default()),
            Cell::new(o.close_date.as_deref().map(one_line).unwrap_or_default()),
            Cell::new(o.entries.to_string()),
        ]);
    }
    t.select(Some(s.lists.opp_sel)).render(f, area);
}

/// The opportunities' columns, in the order they give way: how many
/// entries, the company, the close date, the status, the contact.
const OPPORTUNITY_COLUMNS: &[Column] = &[
    Column::fixed("No.", 8),
    Column::grow("Description", 16),
    Column::flex("Contact", 18, 8, 1),
    Column::flex("Company", 16, 8, 5),
    Column::fixed("SP", 4),
    Column::flex("Status", 11, 11, 3),
    Column::fixed("Value", 14),
    Column::flex("Close", 10, 10, 4),
    Column::flex("Entries", 7, 7, 6),
];
