//! The interaction log's filters form: contact, salesperson and company by
//! name or code in any case (picked from the people read for the contacts
//! screen), direction and dates.

use tui_input::Input;

use crate::domain::Direction;
use crate::tui::form::{DIRECTIONS, Field, Form, FormFor, Pick, Rule};
use crate::tui::state::{Overlay, UiState};

use super::log::local_date;

/// What a filters form named: (number, name) of the contact, (code, name)
/// of the salesperson, the company as stored.
#[derive(Debug, Default)]
pub(crate) struct Picked {
    pub(crate) contact: Option<(String, String)>,
    pub(crate) salesperson: Option<(String, String)>,
    pub(crate) company: Option<String>,
}

impl UiState {
    /// The filters form again with what was typed (after a name that fits
    /// no one, or several).
    pub(crate) fn open_filters_with(&mut self, values: &[String]) {
        self.open_filters();
        if let Some(Overlay::Form { form, .. }) = &mut self.overlay {
            for (f, v) in form.fields.iter_mut().zip(values) {
                f.input = Input::new(v.clone());
            }
        }
    }

    /// The contact, salesperson and company a filters form names, each
    /// typed as a name or a code in any case, picked from the people read
    /// for the contacts screen ([`crate::app::filters::pick`]); before they
    /// are read, taken as typed. Numbers and codes with names, for titles.
    pub(crate) fn resolve_people(
        &self,
        contact: &str,
        salesperson: &str,
        company: &str,
    ) -> Result<Picked, String> {
        use crate::app::filters::{pick_company, pick_contact, pick_salesperson};
        let mut out = Picked::default();
        if !contact.trim().is_empty() {
            out.contact = Some(match self.lists.contacts.as_deref() {
                Some(list) => {
                    let c = pick_contact(contact, list)?;
                    (c.no.clone(), c.name.clone())
                }
                None => (contact.trim().to_string(), String::new()),
            });
        }
        if !salesperson.trim().is_empty() {
            out.salesperson = Some(match self.lists.salespeople.as_deref() {
                Some(list) => {
                    let s = pick_salesperson(salesperson, list)?;
                    (s.code.clone(), s.name.clone())
                }
                None => (salesperson.trim().to_string(), String::new()),
            });
        }
        if !company.trim().is_empty() {
            out.company = Some(match self.lists.contacts.as_deref() {
                Some(list) => pick_company(company, list)?,
                None => company.trim().to_string(),
            });
        }
        Ok(out)
    }

    /// The logging mailbox a filters form names: its address, or the part
    /// before @, in any case; empty for every mailbox. (number, address).
    pub(crate) fn resolve_mailbox(&self, text: &str) -> Result<Option<(i64, String)>, String> {
        let text = text.trim().to_lowercase();
        if text.is_empty() {
            return Ok(None);
        }
        let rows = self
            .overview
            .as_ref()
            .map(|o| o.mailboxes.as_slice())
            .unwrap_or_default();
        let fits: Vec<_> = rows
            .iter()
            .filter(|m| {
                let address = m.address.to_lowercase();
                address == text || super::mailboxes::short(&address) == text
            })
            .collect();
        match fits.as_slice() {
            [one] => Ok(Some((one.no, one.address.clone()))),
            _ => Err(format!(
                "no logging mailbox is '{}'; the mailboxes are: {}",
                crate::domain::text::one_line(&text),
                rows.iter()
                    .map(|m| crate::domain::text::one_line(&m.address))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    pub(crate) fn open_filters(&mut self) {
        let v = &self.log.view;
        let direction = v.direction.map(Direction::as_str).unwrap_or("");
        let mailboxes = self
            .overview
            .as_ref()
            .map(|o| o.mailboxes.clone())
            .unwrap_or_default();
        let mut fields = vec![
            Field::new(
                "Contact",
                Rule::Optional(100),
                v.contact_no.as_deref().unwrap_or(""),
                "a number or a name, any case (c on an entry: its contact)",
            ),
            Field::new(
                "Salesperson",
                Rule::Optional(100),
                v.salesperson_code.as_deref().unwrap_or(""),
                "a code or a name, any case (s on an entry: its salesperson)",
            ),
            Field::new(
                "Company",
                Rule::Optional(100),
                v.company.as_deref().unwrap_or(""),
                "a company's name or part of it, any case",
            ),
            Field::new(
                "Direction",
                Rule::Choice(DIRECTIONS),
                direction,
                "Space: inbound, outbound or either",
            ),
            Field::new(
                "From date",
                Rule::Date,
                &local_date(v.from, self.tz, false),
                "YYYY-MM-DD, the first day shown",
            ),
            Field::new(
                "To date",
                Rule::Date,
                &local_date(v.to, self.tz, true),
                "YYYY-MM-DD, the last day shown",
            ),
        ];
        // With several logging mailboxes: which one's entries.
        if mailboxes.len() > 1 {
            let shown = v.names.mailbox.clone().unwrap_or_default();
            let mut field = Field::new(
                "Mailbox",
                Rule::Optional(320),
                &shown,
                "a logging mailbox's address or the part before @; empty: every mailbox",
            );
            field.picks = mailboxes
                .iter()
                .map(|m| Pick::new(&m.address, m.address.clone()))
                .collect();
            fields.push(field);
        }
        self.overlay = Some(Overlay::Form {
            form: Form::new(
                "Filter the interaction log",
                vec!["Filters combine; leave a field empty for any.".into()],
                fields,
            ),
            purpose: FormFor::LogFilters,
        });
        self.attach_filter_picks();
    }

    /// The filters form's contact, salesperson and company fields narrow
    /// the people read for the contacts screen as they are typed into
    /// (once those are read: the form may be open before).
    pub(crate) fn attach_filter_picks(&mut self) {
        let (Some(contacts), Some(salespeople)) = (
            self.lists.contacts.as_deref(),
            self.lists.salespeople.as_deref(),
        ) else {
            return;
        };
        let Some(Overlay::Form {
            form,
            purpose: FormFor::LogFilters,
        }) = &mut self.overlay
        else {
            return;
        };
        let contact_picks = contacts
            .iter()
            .map(|c| Pick::new(&c.no, format!("{} ({}) · {}", c.name, c.no, c.company)))
            .collect();
        let salesperson_picks = salespeople
            .iter()
            .map(|s| Pick::new(&s.code, format!("{} ({})", s.name, s.code)))
            .collect();
        let company_picks = crate::app::filters::companies(contacts)
            .into_iter()
            .map(|c| Pick::new(c, c))
            .collect();
        for (field, picks) in
            form.fields
                .iter_mut()
                .zip([contact_picks, salesperson_picks, company_picks])
        {
            field.picks = picks;
            field.pick_sel = 0;
        }
    }
}
