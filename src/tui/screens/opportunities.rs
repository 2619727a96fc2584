//! The opportunities screen, and an opportunity's details.

use chrono::Duration;
use ratatui::crossterm::event::KeyCode;

use crate::store::NewOpportunity;
use crate::tui::action::{Action, Screen};
use crate::tui::form::{Field, Form, FormFor, Rule, STATUSES, parse_money};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::screens::log::non_empty;
use crate::tui::state::Level;
use crate::tui::state::{Overlay, UiState};

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
