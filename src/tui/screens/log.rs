//! The interaction log screen as a component: its state (the window of
//! entries held, in log_window.rs), how actions change it (moving, filters,
//! search, the dialogs opened from it: filters, search, export), how it is
//! drawn (what the view is, then the held window's visible rows only, the
//! search's words highlighted) and its keys. Pure, like the rest of the
//! state: reads and writes go out as effects.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::export::Delimiter;
use crate::app::filters::day_start;
use crate::app::log::LogView;
use crate::domain::Direction;
use crate::domain::search::{Term, highlight, terms};
use crate::domain::text::one_line;
use crate::store::EntryRow;
use crate::tui::action::{Action, Screen};
use crate::tui::form::{Field, Form, FormFor, Rule};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::log_window::{LoadKind, PageRequest};
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::fit::draw_line;
use crate::tui::view::format::{local_day, local_time};
use crate::tui::view::table::{Cell, Column, DataTable};

/// The pause in typing after which a search runs (search as you type).
pub const SEARCH_PAUSE_MS: u64 = 150;

/// The export form's separators (as [`Delimiter::label`] names them).
const SEPARATORS: &[&str] = &[",", ";", "tab"];

/// Rows of the log on screen: the body less its summary line and header.
pub fn log_visible(size: (u16, u16)) -> usize {
    (size.1 as usize).saturating_sub(5).max(1)
}

/// The local date a stored bound stands for (`to` is exclusive).
pub(crate) fn local_date(t: Option<DateTime<Utc>>, tz: FixedOffset, exclusive: bool) -> String {
    t.map(|t| {
        let t = if exclusive { t - Duration::days(1) } else { t };
        t.with_timezone(&tz).format("%Y-%m-%d").to_string()
    })
    .unwrap_or_default()
}

/// A form value, `None` when empty.
pub(crate) fn non_empty(s: &str) -> Option<String> {
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
        let result = result.map_err(|e| crate::tui::state::sanitize(&e));
        Self::page_effect(self.log.arrived(generation, kind, result, visible))
    }

    /// Selects this entry if the log holds it (after reading its message,
    /// the log shows where the reader got to).
    pub(crate) fn select_entry(&mut self, entry_no: i64) -> Vec<Effect> {
        let Some(i) = self.log.rows.iter().position(|r| r.entry_no == entry_no) else {
            return Vec::new();
        };
        let delta = i as isize - self.log.sel as isize;
        let v = self.log_rows();
        Self::page_effect(self.log.step(delta, v))
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
                // The people a name is picked from, if not read yet.
                if self.lists.contacts.is_none() {
                    return vec![Effect::LoadLists(crate::tui::lists::ListsKind::People)];
                }
                Vec::new()
            }
            Action::ByContact | Action::BySalesperson => {
                let Some(e) = selected else {
                    return Vec::new();
                };
                let mut view = self.log.view.clone();
                if a == Action::ByContact {
                    (view.contact_no, view.names.contact) = match view.contact_no {
                        Some(_) => (None, None),
                        None => (Some(e.contact_no), Some(e.contact_name)),
                    };
                } else {
                    (view.salesperson_code, view.names.salesperson) = match view.salesperson_code {
                        Some(_) => (None, None),
                        None => (Some(e.salesperson_code), Some(e.salesperson_name)),
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
                let people = match self.resolve_people(&values[0], &values[1], &values[2]) {
                    Ok(p) => p,
                    Err(e) => {
                        self.say(Level::Error, e);
                        self.open_filters_with(&values);
                        return Vec::new();
                    }
                };
                let mailbox = match self.resolve_mailbox(values.get(6).map_or("", |v| v.as_str())) {
                    Ok(m) => m,
                    Err(e) => {
                        self.say(Level::Error, e);
                        self.open_filters_with(&values);
                        return Vec::new();
                    }
                };
                let view = LogView {
                    contact_no: people.contact.as_ref().map(|c| c.0.clone()),
                    salesperson_code: people.salesperson.as_ref().map(|s| s.0.clone()),
                    company: people.company,
                    names: crate::app::log::ViewNames {
                        contact: people.contact.map(|c| c.1),
                        salesperson: people.salesperson.map(|s| s.1),
                        mailbox: mailbox.as_ref().map(|m| m.1.clone()),
                    },
                    direction: match values[3].to_ascii_lowercase().as_str() {
                        "inbound" => Some(Direction::Inbound),
                        "outbound" => Some(Direction::Outbound),
                        _ => None,
                    },
                    from: date(&values[4]).and_then(|d| day_start(d, self.tz)),
                    to: date(&values[5])
                        .and_then(|d| d.succ_opt())
                        .and_then(|d| day_start(d, self.tz)),
                    search: self.log.view.search.clone(),
                    mailbox: mailbox.map(|m| m.0),
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
}

/// The log's columns, in the order they give way on a narrow terminal:
/// who initiated it first, then the company, the salesperson (after showing
/// codes for names), the opportunity, the contact last; the subject keeps
/// its room and the date shortens to the day.
pub const COLUMNS: &[Column] = &[
    Column::flex("Date", 12, 10, 0),
    Column::fixed("Dir", 3),
    Column::flex("By", 4, 4, 5),
    Column::flex("Salesperson", 16, 6, 3).short("SP"),
    Column::flex("Contact", 18, 10, 1),
    Column::flex("Company", 16, 8, 4),
    Column::grow("Subject", 24),
    Column::flex("Opp.", 8, 8, 2),
];

/// The columns while the database logs several mailboxes: which one logged
/// each entry (its address's local part), first to go when room is short.
pub const COLUMNS_WITH_MAILBOX: &[Column] = &[
    Column::flex("Date", 12, 10, 0),
    Column::fixed("Dir", 3),
    Column::flex("By", 4, 4, 6),
    Column::flex("Salesperson", 16, 6, 3).short("SP"),
    Column::flex("Contact", 18, 10, 1),
    Column::flex("Company", 16, 8, 4),
    Column::grow("Subject", 24),
    Column::flex("Opp.", 8, 8, 2),
    Column::flex("Mailbox", 12, 6, 5).short("Mbx"),
];

/// When an entry happened, in the list style (see [`local_time`]).
pub fn entry_time(e: &EntryRow, now: DateTime<Utc>, tz: chrono::FixedOffset) -> String {
    crate::store::parse_ts(&e.occurred_at)
        .map(|t| local_time(t, now, tz))
        .unwrap_or_else(|| one_line(&e.datetime))
}

/// Text with the search's words in the highlight style.
pub fn marked<'a>(text: &'a str, terms: &[Term], base: Style, hit: Style) -> Line<'a> {
    Line::from(
        highlight(text, terms)
            .into_iter()
            .map(|(t, h)| Span::styled(t, if h { hit } else { base }))
            .collect::<Vec<_>>(),
    )
}

/// "contact CT0001 · inbound · from 2024-05-01 · search “budget”".
pub fn describe(v: &LogView, tz: chrono::FixedOffset) -> String {
    let mut parts = Vec::new();
    let named = |name: &Option<String>, key: &str| match name {
        Some(n) if !n.is_empty() => format!("{} ({})", one_line(n), one_line(key)),
        _ => one_line(key),
    };
    if let Some(c) = &v.contact_no {
        parts.push(format!("contact {}", named(&v.names.contact, c)));
    }
    if let Some(s) = &v.salesperson_code {
        parts.push(format!("salesperson {}", named(&v.names.salesperson, s)));
    }
    if let Some(c) = &v.company {
        parts.push(format!("company {}", one_line(c)));
    }
    if let Some(no) = v.mailbox {
        let name = v.names.mailbox.clone().unwrap_or_else(|| format!("#{no}"));
        parts.push(format!("mailbox {}", one_line(&name)));
    }
    if let Some(d) = v.direction {
        parts.push(
            match d {
                Direction::Inbound => "inbound",
                Direction::Outbound => "outbound",
            }
            .to_string(),
        );
    }
    let day =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
    if let Some(f) = v.from {
        parts.push(format!("from {}", day(f)));
    }
    if let Some(t) = v.to {
        parts.push(format!("to {}", day(t - chrono::Duration::days(1))));
    }
    if let Some(q) = &v.search {
        parts.push(format!("search “{}”", one_line(q)));
    }
    parts.join(" · ")
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let [summary, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let w = &s.log;
    let mut spans = vec![Span::styled("Newest first", theme.title())];
    let described = describe(&w.view, s.tz);
    if !described.is_empty() {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(described, theme.warn()));
        if let (Some(_), Some(n)) = (&w.view.search, w.hits) {
            spans.push(Span::styled(
                format!(" · {}", crate::tui::view::format::hits_text(n)),
                theme.dim(),
            ));
        }
        spans.push(Span::styled("  (Esc clears)", theme.dim()));
    }
    let unseen = w.unseen();
    if unseen > 0 {
        spans.push(Span::styled(
            format!(
                "  ↑ {}{} new (g)",
                unseen.min(999),
                if unseen >= 999 { "+" } else { "" }
            ),
            theme.good(),
        ));
    }
    if w.loading.is_some() {
        spans.push(Span::styled("  reading…", theme.dim()));
    }
    draw_line(f, Line::from(spans), summary);

    if let Some(e) = &w.error {
        f.render_widget(
            Paragraph::new(Line::styled(
                format!("cannot read the log: {e}"),
                theme.bad(),
            )),
            table,
        );
        return;
    }
    if w.rows.is_empty() {
        let text = if !w.loaded_once {
            "reading the interaction log…"
        } else if w.view.is_filtered() {
            "no entries match: change the filters (f) or the search (/), or Esc to clear them"
        } else {
            "no entries yet: the job logs email as it arrives (job queue: 3)"
        };
        f.render_widget(Paragraph::new(Line::styled(text, theme.dim())), table);
        return;
    }
    let search_terms = w.view.search.as_deref().map(terms).unwrap_or_default();
    let visible = table.height.saturating_sub(1) as usize;
    let end = (w.top + visible).min(w.rows.len());
    let hit = theme.key();
    let several = s.overview.as_ref().is_some_and(|o| o.mailboxes.len() > 1);
    let columns = if several {
        COLUMNS_WITH_MAILBOX
    } else {
        COLUMNS
    };
    let mut t = DataTable::new(columns, theme.label(), theme.selected());
    for e in &w.rows[w.top.min(end)..end] {
        let dir = if e.direction == "inbound" {
            "in"
        } else {
            "out"
        };
        let at = crate::store::parse_ts(&e.occurred_at);
        let date = match at {
            Some(at) => Cell::new(local_time(at, s.now, s.tz)).or_short(local_day(at, s.now, s.tz)),
            None => Cell::new(one_line(&e.datetime)),
        };
        let sp = Cell::new(one_line(if e.salesperson_name.is_empty() {
            &e.salesperson_code
        } else {
            &e.salesperson_name
        }))
        .or_short(one_line(&e.salesperson_code));
        let contact = Cell::new(one_line(if e.contact_name.is_empty() {
            &e.contact_no
        } else {
            &e.contact_name
        }));
        let subject = one_line(&e.subject);
        let subject_line = Line::from(
            highlight(&subject, &search_terms)
                .into_iter()
                .map(|(t, h)| Span::styled(t.to_string(), if h { hit } else { Style::new() }))
                .collect::<Vec<_>>(),
        );
        let opp = e.opportunity_no.clone().unwrap_or_default();
        let mut cells = vec![
            date,
            Cell::new(dir),
            Cell::new(one_line(&e.initiated_by)),
            sp,
            contact,
            Cell::new(one_line(&e.contact_company)),
            Cell::new(subject_line),
            Cell::new(Span::styled(opp, theme.good())),
        ];
        if several {
            let local = super::mailboxes::short(&e.mailbox);
            cells.push(Cell::new(one_line(local)).or_short(one_line(local)));
        }
        t.row(cells);
    }
    t.select(Some(w.sel.saturating_sub(w.top))).render(f, table);
}

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    // Screens.
    b(
        Screen(Screen::Log),
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the entry's message and conversation",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('f')],
        Action::Filters,
        "filters",
        "Filter by contact, salesperson, company, direction, dates",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('c')],
        Action::ByContact,
        "this contact",
        "Only this entry's contact (again: any contact)",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('s')],
        Action::BySalesperson,
        "this salesperson",
        "Only this entry's salesperson (again: any)",
        false,
    ),
    b(
        Screen(Screen::Log),
        &[k('o')],
        Action::NewOpportunity,
        "opportunity",
        "Create an opportunity from the entry",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('x')],
        Action::Export,
        "export",
        "Export this view (filters and search) to a CSV file",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('/')],
        Action::Search,
        "search",
        "Search subject and body (word* matches a beginning)",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[code(KeyCode::Esc)],
        Action::Back,
        "clear",
        "Clear the search, then the filters",
        false,
    ),
];
