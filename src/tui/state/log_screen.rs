//! The interaction log screen, the message view and the dialogs opened
//! from them (filters, search, a new opportunity, export). Pure, like the
//! rest of the state: reads and writes go out as effects.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use tui_input::Input;

use crate::app::log::{LogView, MessageDetail};
use crate::domain::Direction;
use crate::domain::search::{Term, terms};
use crate::domain::text::strip_control;
use crate::store::NewOpportunity;

use super::super::form::{DIRECTIONS, Field, Form, Rule, STATUSES, parse_money};
use crate::app::export::Delimiter;

/// The export form's separators (as [`Delimiter::label`] names them).
const SEPARATORS: &[&str] = &[",", ";", "tab"];
use super::super::log_window::{LoadKind, PageRequest};
use super::{Action, Effect, Level, Overlay, PromptFor, Screen, UiState};

/// Rows of the log on screen: the body less its summary line and header.
pub fn log_visible(size: (u16, u16)) -> usize {
    (size.1 as usize).saturating_sub(5).max(1)
}

/// What a form is for, and where its values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormFor {
    LogFilters,
    /// Where to export the log's view, and with which separator.
    Export,
    /// A new opportunity from this entry; the message view opens again after.
    Opportunity {
        entry_no: i64,
        reopen: bool,
    },
    EditOpportunity {
        no: String,
    },
    /// A new contact, or the one with this number.
    Contact {
        no: Option<String>,
    },
    Salesperson {
        code: Option<String>,
    },
    /// A contact made from a skipped message's sender.
    ContactFromSender {
        mailbox_id: String,
    },
}

/// The message view: the entry's message, its body cut into lines that fit.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub entry_no: i64,
    pub detail: Option<Box<MessageDetail>>,
    pub error: Option<String>,
    /// The body, control sequences removed, wrapped to `width`.
    pub lines: Vec<String>,
    pub width: u16,
    pub scroll: usize,
    /// The search's words, to highlight.
    pub terms: Vec<Term>,
}

/// Wraps text at `width` columns on spaces (a longer word is cut), keeping
/// its line breaks. Runs once when a message opens, not on every frame.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.replace('\t', "    ");
        if line.chars().count() <= width {
            out.push(line);
            continue;
        }
        let mut current = String::new();
        let mut len = 0;
        for word in line.split(' ') {
            let wlen = word.chars().count();
            if len > 0 && len + 1 + wlen > width {
                out.push(std::mem::take(&mut current));
                len = 0;
            }
            if len > 0 {
                current.push(' ');
                len += 1;
            }
            let mut chars = word.chars().peekable();
            while chars.peek().is_some() {
                if len == width {
                    out.push(std::mem::take(&mut current));
                    len = 0;
                }
                let c = chars.next().unwrap_or(' ');
                current.push(c);
                len += 1;
            }
        }
        out.push(current);
    }
    out
}

/// A local date's start, in UTC.
fn local_midnight(d: NaiveDate, tz: FixedOffset) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The local date a stored bound stands for (`to` is exclusive).
fn local_date(t: Option<DateTime<Utc>>, tz: FixedOffset, exclusive: bool) -> String {
    t.map(|t| {
        let t = if exclusive { t - Duration::days(1) } else { t };
        t.with_timezone(&tz).format("%Y-%m-%d").to_string()
    })
    .unwrap_or_default()
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl UiState {
    /// Rows of the log on screen now.
    pub fn log_rows(&self) -> usize {
        log_visible(self.size)
    }

    pub(crate) fn page_effect(r: Option<PageRequest>) -> Vec<Effect> {
        r.map(Effect::Page).into_iter().collect()
    }

    /// Coming to the log screen: its first page, once.
    pub(crate) fn enter_log(&mut self) -> Vec<Effect> {
        if self.log.loaded_once || self.log.loading.is_some() {
            return Vec::new();
        }
        Self::page_effect(self.log.reload_newest())
    }

    pub(crate) fn set_log_view(&mut self, view: LogView) -> Vec<Effect> {
        self.screen = Screen::Log;
        Self::page_effect(self.log.set_view(view))
    }

    /// The database changed: the log reads its held rows again in place.
    pub(crate) fn refresh_log(&mut self) -> Vec<Effect> {
        if !self.log.loaded_once {
            return Vec::new();
        }
        Self::page_effect(self.log.refresh())
    }

    pub(crate) fn log_arrived(
        &mut self,
        generation: u64,
        kind: LoadKind,
        result: Result<(Vec<crate::store::EntryRow>, usize), String>,
    ) -> Vec<Effect> {
        let visible = self.log_rows();
        let result = result.map_err(|e| super::sanitize(&e));
        Self::page_effect(self.log.arrived(generation, kind, result, visible))
    }

    pub(crate) fn log_move(&mut self, a: Action) -> Vec<Effect> {
        let v = self.log_rows();
        let r = match a {
            Action::Up => self.log.step(-1, v),
            Action::Down => self.log.step(1, v),
            Action::PageUp => self.log.step(-(v as isize), v),
            Action::PageDown => self.log.step(v as isize, v),
            Action::Top => self.log.first(v),
            Action::Bottom => self.log.last(v),
            _ => None,
        };
        Self::page_effect(r)
    }

    pub(crate) fn act_log(&mut self, a: Action) -> Vec<Effect> {
        let selected = self.log.selected().cloned();
        match a {
            Action::Open => match selected {
                Some(e) => self.open_message(e.entry_no),
                None => Vec::new(),
            },
            Action::Filters => {
                self.open_filters();
                Vec::new()
            }
            Action::ByContact | Action::BySalesperson => {
                let Some(e) = selected else {
                    return Vec::new();
                };
                let mut view = self.log.view.clone();
                if a == Action::ByContact {
                    view.contact_no = match view.contact_no {
                        Some(_) => None,
                        None => Some(e.contact_no),
                    };
                } else {
                    view.salesperson_code = match view.salesperson_code {
                        Some(_) => None,
                        None => Some(e.salesperson_code),
                    };
                }
                self.set_log_view(view)
            }
            Action::NewOpportunity => match selected {
                Some(e) => {
                    self.open_opportunity_form(e.entry_no, false);
                    Vec::new()
                }
                None => Vec::new(),
            },
            Action::Export => {
                let name = format!("emaillog-{}.csv", self.now.format("%Y%m%d-%H%M%S"));
                self.overlay = Some(Overlay::Form {
                    form: Form::new(
                        "Export this view",
                        vec![
                            "A new CSV file (UTF-8 for Excel), the filters and search applied."
                                .into(),
                        ],
                        vec![
                            Field::new("File", Rule::Required(400), &name, "a new file's path"),
                            Field::new(
                                "Separator",
                                Rule::Choice(SEPARATORS),
                                ",",
                                "Space: , or ; (Excel in Norway, Germany…) or tab",
                            ),
                        ],
                    ),
                    purpose: FormFor::Export,
                });
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// `/` on the log: search subject and body.
    pub(crate) fn open_search(&mut self) {
        let current = self.log.view.search.clone().unwrap_or_default();
        self.prompt(PromptFor::Search, &current);
    }

    pub(crate) fn submit_search(&mut self, text: String) -> Vec<Effect> {
        if !text.is_empty() && terms(&text).is_empty() {
            self.overlay = Some(Overlay::Prompt {
                purpose: PromptFor::Search,
                input: Input::new(text),
                error: Some("search for words: letters or digits".into()),
            });
            return Vec::new();
        }
        let mut view = self.log.view.clone();
        view.search = non_empty(&text);
        self.set_log_view(view)
    }

    /// Esc on the log: the search goes first, then the filters.
    pub(crate) fn log_back(&mut self) -> Vec<Effect> {
        let mut view = self.log.view.clone();
        if view.search.is_some() {
            view.search = None;
        } else if view.is_filtered() {
            view = LogView::default();
        } else {
            return Vec::new();
        }
        self.set_log_view(view)
    }

    pub(crate) fn open_filters(&mut self) {
        let v = &self.log.view;
        let direction = v.direction.map(Direction::as_str).unwrap_or("");
        self.overlay = Some(Overlay::Form {
            form: Form::new(
                "Filter the interaction log",
                vec!["Filters combine; leave a field empty for any.".into()],
                vec![
                    Field::new(
                        "Contact no.",
                        Rule::Optional(20),
                        v.contact_no.as_deref().unwrap_or(""),
                        "c on an entry: only its contact",
                    ),
                    Field::new(
                        "Salesperson code",
                        Rule::Optional(20),
                        v.salesperson_code.as_deref().unwrap_or(""),
                        "s on an entry: only its salesperson",
                    ),
                    Field::new(
                        "Company",
                        Rule::Optional(100),
                        v.company.as_deref().unwrap_or(""),
                        "exactly as on the contact",
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
                ],
            ),
            purpose: FormFor::LogFilters,
        });
    }

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
        let subject: String = super::sanitize(&e.subject).chars().take(100).collect();
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
                        super::sanitize(&e.contact_name),
                        e.contact_no,
                        super::sanitize(&e.contact_company)
                    ),
                    format!(
                        "Salesperson  {} ({})",
                        super::sanitize(&e.salesperson_name),
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

    /// A form with every field valid was saved.
    pub(crate) fn submit_log_form(&mut self, purpose: FormFor, values: Vec<String>) -> Vec<Effect> {
        match purpose {
            FormFor::Export => {
                self.start("exporting");
                vec![Effect::ExportView {
                    view: self.log.view.clone(),
                    path: values[0].clone(),
                    delimiter: Delimiter::from_label(&values[1]).unwrap_or_default(),
                }]
            }
            FormFor::LogFilters => {
                let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
                let view = LogView {
                    contact_no: non_empty(&values[0]),
                    salesperson_code: non_empty(&values[1]),
                    company: non_empty(&values[2]),
                    direction: match values[3].to_ascii_lowercase().as_str() {
                        "inbound" => Some(Direction::Inbound),
                        "outbound" => Some(Direction::Outbound),
                        _ => None,
                    },
                    from: date(&values[4]).and_then(|d| local_midnight(d, self.tz)),
                    to: date(&values[5])
                        .and_then(|d| d.succ_opt())
                        .and_then(|d| local_midnight(d, self.tz)),
                    search: self.log.view.search.clone(),
                };
                if let (Some(f), Some(t)) = (view.from, view.to)
                    && f >= t
                {
                    self.say(Level::Error, "the from date is after the to date");
                    return Vec::new();
                }
                self.set_log_view(view)
            }
            FormFor::Opportunity { entry_no, reopen } => {
                self.start("creating the opportunity");
                if reopen {
                    self.then_open = Some(entry_no);
                }
                vec![Effect::CreateOpportunity {
                    entry_no,
                    opportunity: Self::opportunity_of(&values),
                }]
            }
            FormFor::EditOpportunity { no } => {
                self.start("saving the opportunity");
                vec![Effect::UpdateOpportunity {
                    no,
                    opportunity: Self::opportunity_of(&values),
                }]
            }
            other => self.submit_people_form(other, values),
        }
    }

    pub(crate) fn open_message(&mut self, entry_no: i64) -> Vec<Effect> {
        let terms = self
            .log
            .view
            .search
            .as_deref()
            .map(terms)
            .unwrap_or_default();
        self.overlay = Some(Overlay::Message(Box::new(MessageView {
            entry_no,
            detail: None,
            error: None,
            lines: Vec::new(),
            width: 0,
            scroll: 0,
            terms,
        })));
        vec![Effect::OpenMessage(entry_no)]
    }

    /// The message view's width for its body.
    pub(crate) fn body_width(&self) -> u16 {
        self.size.0.saturating_sub(4)
    }

    pub(crate) fn message_arrived(&mut self, r: Result<Box<MessageDetail>, String>) {
        let width = self.body_width();
        let Some(Overlay::Message(m)) = &mut self.overlay else {
            return;
        };
        match r {
            Ok(d) if d.entry.entry_no == m.entry_no => {
                let body =
                    d.message.body.as_deref().unwrap_or(
                        "(the body was not stored: setup has \"Store message body\" off)",
                    );
                m.lines = wrap(&strip_control(body), width as usize);
                m.width = width;
                m.scroll = 0;
                m.detail = Some(d);
                m.error = None;
            }
            Ok(_) => {}
            Err(e) => m.error = Some(super::sanitize(&e)),
        }
    }

    /// A new width: the body is wrapped again.
    pub(crate) fn rewrap_message(&mut self) {
        let width = self.body_width();
        if let Some(Overlay::Message(m)) = &mut self.overlay
            && m.width != width
            && let Some(d) = &m.detail
        {
            let body = d.message.body.as_deref().unwrap_or("");
            m.lines = wrap(&strip_control(body), width as usize);
            m.width = width;
            m.scroll = m.scroll.min(m.lines.len().saturating_sub(1));
        }
    }

    /// Keys while the message view is open.
    pub(crate) fn act_message(&mut self, a: Action) -> Vec<Effect> {
        let page = self.size.1.saturating_sub(14).max(1) as usize;
        let Some(Overlay::Message(m)) = &mut self.overlay else {
            return Vec::new();
        };
        let last = m.lines.len().saturating_sub(1);
        match a {
            Action::Up => m.scroll = m.scroll.saturating_sub(1),
            Action::Down => m.scroll = (m.scroll + 1).min(last),
            Action::PageUp => m.scroll = m.scroll.saturating_sub(page),
            Action::PageDown => m.scroll = (m.scroll + page).min(last),
            Action::Top => m.scroll = 0,
            Action::Bottom => m.scroll = last.saturating_sub(page.saturating_sub(1)),
            Action::Back => self.overlay = None,
            Action::ConversationPrev | Action::ConversationNext => {
                let Some(d) = &m.detail else {
                    return Vec::new();
                };
                let at = d
                    .conversation
                    .iter()
                    .position(|e| e.entry_no == m.entry_no)
                    .unwrap_or(0);
                let next = if a == Action::ConversationNext {
                    d.conversation.get(at + 1)
                } else {
                    at.checked_sub(1).and_then(|i| d.conversation.get(i))
                };
                match next.map(|e| e.entry_no) {
                    Some(n) => return self.open_message(n),
                    None => self.say(Level::Info, "no more entries in this conversation"),
                }
            }
            Action::CopyLink => {
                let link = m
                    .detail
                    .as_ref()
                    .map(|d| strip_control(&d.message.web_link))
                    .unwrap_or_default();
                if link.is_empty() {
                    self.say(Level::Info, "this message has no web link");
                    return Vec::new();
                }
                self.say(
                    Level::Info,
                    "web link copied to your clipboard (OSC 52: your terminal must allow it)",
                );
                return vec![Effect::Copy(link)];
            }
            Action::NewOpportunity => {
                let n = m.entry_no;
                self.open_opportunity_form(n, true);
            }
            Action::ShowOpportunity => {
                let no = m
                    .detail
                    .as_ref()
                    .and_then(|d| d.entry.opportunity_no.clone());
                let Some(no) = no else {
                    self.say(Level::Info, "this entry has no opportunity (o creates one)");
                    return Vec::new();
                };
                return self.show_opportunity(no);
            }
            _ => {}
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_breaks_and_cuts_long_words() {
        assert_eq!(
            wrap("one two three\n\nfour", 10),
            vec!["one two", "three", "", "four"]
        );
        assert_eq!(wrap("abcdefghijklmnop", 10), vec!["abcdefghij", "klmnop"]);
        let w = wrap(&"word ".repeat(30_000), 70);
        assert!(w.iter().all(|l| l.chars().count() <= 70));
    }
}
