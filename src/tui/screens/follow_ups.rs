//! The Follow-ups screen (8) as a component: its two tabs, "Waiting for
//! us" (conversations whose last word is a contact's and that no one
//! answered within the follow-up time, due by the end of today, by
//! salesperson, oldest first) and "Going cold" (contacts with an open
//! opportunity and no message either way for the set number of days);
//! its keys, its update, its draw. The rows are read whole on a blocking
//! thread (`app::follow_ups`) and again whenever the database changes, so
//! an answer logged while the screen is open clears its row by itself.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::app::follow_ups::FollowUpRow;
use crate::domain::text::one_line;
use crate::store::GoingCold;
use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::lists::{FollowUpTab, matches};
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, Pending, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::fit::draw_line;
use crate::tui::view::format::{local_day, local_time, relative, stored_time};
use crate::tui::view::lists::{empty, waiting};
use crate::tui::view::table::{Cell, Column, DataTable};

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    b(
        Screen(Screen::FollowUps),
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Waiting: open the message they wait on; going cold: the contact's card",
        true,
    ),
    b(
        Screen(Screen::FollowUps),
        &[k('d')],
        Action::Dismiss,
        "dismiss",
        "No answer needed: dismiss the chosen follow-up (recorded, with who)",
        true,
    ),
    b(
        Screen(Screen::FollowUps),
        &[k('v')],
        Action::Card,
        "card",
        "The chosen contact's card: last messages, counts, timeline",
        true,
    ),
    b(
        Screen(Screen::FollowUps),
        &[k('f')],
        Action::SwitchList,
        "waiting/going cold",
        "Switch between waiting for us and going cold",
        true,
    ),
];

impl crate::tui::lists::ListsState {
    /// The follow-ups the filter lets through, in the board's order.
    pub fn visible_follow_ups(&self, filter: Option<&str>) -> Vec<&FollowUpRow> {
        self.follow_ups
            .iter()
            .flat_map(|b| &b.due)
            .filter(|r| {
                matches(
                    filter,
                    &[
                        &r.due.contact_no,
                        &r.contact_name,
                        &r.company,
                        &r.due.salesperson_code,
                        &r.salesperson_name,
                        &r.due.subject,
                    ],
                )
            })
            .collect()
    }

    /// The contacts going cold the filter lets through.
    pub fn visible_cold(&self, filter: Option<&str>) -> Vec<&GoingCold> {
        self.follow_ups
            .iter()
            .flat_map(|b| &b.cold)
            .filter(|c| {
                matches(
                    filter,
                    &[&c.contact_no, &c.name, &c.company, &c.salesperson_code],
                )
            })
            .collect()
    }
}

/// How long the follow-ups stand without a change to the database: a
/// follow-up falls due with the clock, not with a write.
const STALE_SECS: i64 = 300;

impl UiState {
    /// Reads the follow-ups again when they are on show (their screen, or
    /// the Status screen's count) and older than [`STALE_SECS`].
    pub(crate) fn follow_ups_stale(&self) -> Vec<Effect> {
        let shown = matches!(self.screen, Screen::FollowUps | Screen::Status);
        let stale = self.lists.follow_ups.as_ref().is_some_and(|b| {
            b.at.is_some_and(|at| (self.now - at).num_seconds() >= STALE_SECS)
        });
        if shown && stale && self.overlay.is_none() {
            vec![Effect::LoadLists(crate::tui::lists::ListsKind::FollowUps)]
        } else {
            Vec::new()
        }
    }

    pub(crate) fn act_follow_ups(&mut self, a: Action) -> Vec<Effect> {
        let f = self.filter_for(Screen::FollowUps);
        let tab = self.lists.follow_up_tab;
        if a == Action::SwitchList {
            self.lists.follow_up_tab = match tab {
                FollowUpTab::Waiting => FollowUpTab::Cold,
                FollowUpTab::Cold => FollowUpTab::Waiting,
            };
            self.clamp_lists();
            return Vec::new();
        }
        let chosen_contact = match tab {
            FollowUpTab::Waiting => self
                .lists
                .visible_follow_ups(f.as_deref())
                .get(self.lists.follow_up_sel)
                .map(|r| r.due.contact_no.clone()),
            FollowUpTab::Cold => self
                .lists
                .visible_cold(f.as_deref())
                .get(self.lists.cold_sel)
                .map(|c| c.contact_no.clone()),
        };
        let chosen = self
            .lists
            .visible_follow_ups(f.as_deref())
            .get(self.lists.follow_up_sel)
            .map(|r| (*r).clone());
        match (a, tab) {
            (Action::Open, FollowUpTab::Waiting) => match chosen {
                Some(r) => self.open_message(r.due.entry_no),
                None => Vec::new(),
            },
            (Action::Open | Action::Card, _) => match chosen_contact {
                Some(no) => self.open_contact_card(no),
                None => Vec::new(),
            },
            (Action::Dismiss, FollowUpTab::Waiting) => {
                if let Some(r) = chosen {
                    let who = if r.contact_name.is_empty() {
                        r.due.contact_no.clone()
                    } else {
                        one_line(&r.contact_name)
                    };
                    self.overlay = Some(Overlay::Confirm {
                        question: format!(
                            "No answer needed to {who} on “{}”? The follow-up goes off {}'s list (recorded, with your name); a new message from them brings it back.",
                            crate::tui::view::fit::fit(&one_line(&r.due.subject), 60),
                            r.due.salesperson_code
                        ),
                        pending: Pending::DismissFollowUp {
                            entry_no: r.due.entry_no,
                            latest_at: r.due.received_at,
                        },
                    });
                }
                Vec::new()
            }
            (Action::Dismiss, FollowUpTab::Cold) => {
                self.say(
                    Level::Info,
                    "going cold clears itself when a message is logged either way, or when the opportunity is won or lost (screen 5)",
                );
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(board) = &s.lists.follow_ups else {
        return waiting(f, theme, area, "the follow-ups");
    };
    let [top, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let tab = s.lists.follow_up_tab;
    let label = |text: String, on: bool| Span::styled(text, theme.tab(on));
    let overdue = if board.overdue > 0 {
        format!(", {} overdue", board.overdue)
    } else {
        String::new()
    };
    draw_line(
        f,
        Line::from(vec![
            label(
                format!(" Waiting for us ({}{overdue}) ", board.due.len()),
                tab == FollowUpTab::Waiting,
            ),
            Span::raw(" "),
            label(
                format!(" Going cold ({}) ", board.cold.len()),
                tab == FollowUpTab::Cold,
            ),
            Span::styled("  f switches · Enter opens · d dismisses", theme.dim()),
        ]),
        top,
    );
    let filter = s.filter_for(Screen::FollowUps);
    match tab {
        FollowUpTab::Waiting => draw_waiting(f, s, theme, list, filter.as_deref()),
        FollowUpTab::Cold => draw_cold(f, s, theme, list, filter.as_deref()),
    }
}

fn draw_waiting(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect, filter: Option<&str>) {
    let rows = s.lists.visible_follow_ups(filter);
    if rows.is_empty() {
        let days = s
            .lists
            .follow_ups
            .as_ref()
            .map_or(2, |b| b.settings.follow_up_days);
        return empty(
            f,
            theme,
            area,
            &format!(
                "no one is waiting for an answer past {days} working days (emaillog setup signals sets them)"
            ),
        );
    }
    let mut t = DataTable::new(WAITING_COLUMNS, theme.label(), theme.selected());
    for r in &rows {
        let due = if r.due.due_at <= s.now {
            format!(
                "{} overdue",
                relative(r.due.due_at, s.now).trim_end_matches(" ago")
            )
        } else {
            format!("today {}", local_time(r.due.due_at, s.now, s.tz))
        };
        let style = if r.due.due_at <= s.now {
            theme.warn()
        } else {
            ratatui::style::Style::new()
        };
        t.styled_row(
            vec![
                Cell::new(one_line(&r.due.salesperson_code)),
                Cell::new(local_time(r.due.waiting_since, s.now, s.tz)),
                Cell::new(due),
                Cell::new(one_line(if r.contact_name.is_empty() {
                    &r.due.contact_no
                } else {
                    &r.contact_name
                })),
                Cell::new(one_line(&r.company)),
                Cell::new(one_line(&r.due.subject)),
                Cell::new(local_day(r.due.received_at, s.now, s.tz)),
            ],
            style,
        );
    }
    t.select(Some(s.lists.follow_up_sel)).render(f, area);
}

fn draw_cold(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect, filter: Option<&str>) {
    let rows = s.lists.visible_cold(filter);
    if rows.is_empty() {
        return empty(
            f,
            theme,
            area,
            &format!(
                "nothing is going cold: every contact with an open opportunity has had a message within {} days",
                s.lists
                    .follow_ups
                    .as_ref()
                    .map_or(21, |b| b.settings.cold_days)
            ),
        );
    }
    let mut t = DataTable::new(COLD_COLUMNS, theme.label(), theme.selected());
    for c in &rows {
        let last = |t: &Option<String>| {
            t.as_deref()
                .map(|t| stored_time(t, s.now, s.tz))
                .unwrap_or_else(|| "never".into())
        };
        t.row(vec![
            Cell::new(
                c.silent_days
                    .map(|d| format!("{d} days"))
                    .unwrap_or_else(|| "never".into()),
            ),
            Cell::new(one_line(&c.name)),
            Cell::new(one_line(&c.company)),
            Cell::new(one_line(&c.salesperson_code)),
            Cell::new(c.open_opportunities.to_string()),
            Cell::new(last(&c.last_inbound_at)),
            Cell::new(last(&c.last_outbound_at)),
        ]);
    }
    t.select(Some(s.lists.cold_sel)).render(f, area);
}

/// The waiting follow-ups' columns: their latest message gives way first,
/// then the company, then the subject.
const WAITING_COLUMNS: &[Column] = &[
    Column::fixed("SP", 4),
    Column::fixed("Waiting since", 13),
    Column::flex("Due", 14, 10, 2),
    Column::flex("Contact", 20, 10, 0),
    Column::flex("Company", 18, 8, 3),
    Column::grow("Subject", 16),
    Column::flex("Latest", 10, 6, 4),
];

/// Going cold's columns: the last messages give way first.
const COLD_COLUMNS: &[Column] = &[
    Column::fixed("Silent", 9),
    Column::flex("Contact", 22, 10, 0),
    Column::flex("Company", 20, 8, 2),
    Column::fixed("SP", 4),
    Column::flex("Open", 4, 4, 3),
    Column::flex("Last in", 13, 6, 4),
    Column::flex("Last out", 13, 6, 5),
];
