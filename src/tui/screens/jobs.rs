//! The job queue screen: the logging job's entry, its runs with counts per
//! outcome, and the messages stuck where no move could take them. Its
//! state (which list has the focus, the selection in each), how an action
//! changes it, how it is drawn and its keys.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::domain::job::{JOB_DESCRIPTION, JobStatus};
use crate::domain::text::one_line;
use crate::store::JobLogEntry;
use crate::tui::action::{Action, Screen};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, admin, b, code, k};
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, Pending, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::format::{local_time, relative, stored_time};

/// Which of the screen's lists the keys move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobsFocus {
    #[default]
    Runs,
    Stuck,
}

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    pub focus: JobsFocus,
    /// The selected run, among those the filter shows.
    pub run_sel: usize,
    pub stuck_sel: usize,
}

/// A row of the runs list: one run, or runs in a row that found nothing to
/// do (`count` of them from `first`, newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRow {
    pub first: usize,
    pub count: usize,
}

/// A run that read nothing and failed at nothing: routine, not news.
fn idle(r: &JobLogEntry) -> bool {
    r.status == "Success" && r.counts.read == 0 && r.error.is_none()
}

/// The rows for `runs` (newest first) that `shown` keeps: two or more idle
/// runs in a row become one row.
pub fn fold_runs(runs: &[JobLogEntry], shown: impl Fn(&JobLogEntry) -> bool) -> Vec<RunRow> {
    let mut rows: Vec<RunRow> = Vec::new();
    for (i, r) in runs.iter().enumerate().filter(|(_, r)| shown(r)) {
        match rows.last_mut() {
            Some(last) if idle(r) && idle(&runs[last.first]) && last.first + last.count == i => {
                last.count += 1
            }
            _ => rows.push(RunRow { first: i, count: 1 }),
        }
    }
    rows
}

impl UiState {
    /// The rows of the runs list: the runs the filter shows, runs that
    /// found nothing to do folded together.
    pub fn visible_runs(&self) -> Vec<RunRow> {
        let Some(o) = &self.overview else {
            return Vec::new();
        };
        let f = self.filter_for(Screen::Jobs);
        fold_runs(&o.runs, |r| {
            f.as_ref().is_none_or(|f| {
                format!(
                    "{} {} {}",
                    r.status,
                    r.error.as_deref().unwrap_or(""),
                    r.started_at
                )
                .to_lowercase()
                .contains(f)
            })
        })
    }

    /// The selection the movement keys move, and how many there are.
    pub(crate) fn jobs_selection(&mut self) -> (&mut usize, usize) {
        match self.jobs.focus {
            JobsFocus::Runs => {
                let n = self.visible_runs().len();
                (&mut self.jobs.run_sel, n)
            }
            JobsFocus::Stuck => {
                let n = self.overview.as_ref().map_or(0, |o| o.stuck.len());
                (&mut self.jobs.stuck_sel, n)
            }
        }
    }

    /// Keeps the selections on rows that exist.
    pub(crate) fn clamp_jobs(&mut self) {
        let runs = self.visible_runs().len();
        self.jobs.run_sel = self.jobs.run_sel.min(runs.saturating_sub(1));
        let stuck = self.overview.as_ref().map_or(0, |o| o.stuck.len());
        self.jobs.stuck_sel = self.jobs.stuck_sel.min(stuck.saturating_sub(1));
        if stuck == 0 {
            self.jobs.focus = JobsFocus::Runs;
        }
    }

    /// A click on a run or a stuck message selects it (and its list), by
    /// the layout [`draw`] uses; `pick` finds the row in a list's area.
    pub(crate) fn click_jobs(
        &mut self,
        body_h: usize,
        pick: &dyn Fn(usize, usize, usize, usize) -> Option<usize>,
    ) {
        let stuck = self.overview.as_ref().map_or(0, |o| o.stuck.len());
        let stuck_h = if stuck == 0 { 0 } else { (stuck + 2).min(6) };
        let runs_h = body_h.saturating_sub(4 + stuck_h);
        let runs = self.visible_runs().len();
        if let Some(i) = pick(7, runs_h.saturating_sub(2), self.jobs.run_sel, runs) {
            self.jobs.run_sel = i;
            self.jobs.focus = JobsFocus::Runs;
        } else if let Some(i) = pick(
            5 + runs_h + 1,
            stuck_h.saturating_sub(1),
            self.jobs.stuck_sel,
            stuck,
        ) {
            self.jobs.stuck_sel = i;
            self.jobs.focus = JobsFocus::Stuck;
        }
    }

    pub(crate) fn act_jobs(&mut self, a: Action) -> Vec<Effect> {
        let effect = match a {
            Action::NextMailbox => return self.next_mailbox(),
            Action::Restart => Effect::Restart,
            Action::Hold => Effect::Hold,
            Action::RunNow => {
                let held = self
                    .overview
                    .as_ref()
                    .and_then(|o| o.job.as_ref())
                    .is_some_and(|j| j.status == crate::domain::job::JobStatus::OnHold);
                if held {
                    // A hold is someone's decision: lifted only when asked.
                    self.overlay = Some(Overlay::Confirm {
                        question: "The job is on hold. Run it now? That releases the hold: it then runs on its schedule again.".into(),
                        pending: Pending::RunHeld,
                    });
                    return Vec::new();
                }
                Effect::RunNow
            }
            Action::SwitchList => {
                let stuck = self.overview.as_ref().map_or(0, |o| o.stuck.len());
                self.jobs.focus = match self.jobs.focus {
                    JobsFocus::Runs if stuck > 0 => JobsFocus::Stuck,
                    JobsFocus::Runs => {
                        self.say(Level::Info, "no message is stuck");
                        JobsFocus::Runs
                    }
                    JobsFocus::Stuck => JobsFocus::Runs,
                };
                return Vec::new();
            }
            Action::RetryStuck => {
                let id = self
                    .overview
                    .as_ref()
                    .and_then(|o| o.stuck.get(self.jobs.stuck_sel))
                    .filter(|_| self.jobs.focus == JobsFocus::Stuck)
                    .map(|m| m.mailbox_id.clone());
                match id {
                    Some(id) => Effect::RetryStuck(Some(id)),
                    None => {
                        self.say(
                            Level::Info,
                            "choose a stuck message first (f switches to them)",
                        );
                        return Vec::new();
                    }
                }
            }
            Action::RetryAllStuck => Effect::RetryStuck(None),
            Action::Open => {
                let id = self.overview.as_ref().and_then(|o| {
                    self.visible_runs()
                        .get(self.jobs.run_sel)
                        .map(|r| o.runs[r.first].id)
                });
                if let Some(id) = id {
                    self.overlay = Some(Overlay::RunDetail { id });
                }
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        self.start("working");
        vec![effect]
    }
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(o) = &s.overview else {
        f.render_widget(Paragraph::new("reading the job queue…"), area);
        return;
    };
    if o.restricted {
        return super::draw_restricted(f, theme, area, "The job queue and its runs are");
    }
    let stuck_h = if o.stuck.is_empty() {
        0
    } else {
        (o.stuck.len() as u16 + 2).min(6)
    };
    let [entry, runs, stuck] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(3),
        Constraint::Length(stuck_h),
    ])
    .areas(area);
    let heading = s.mailbox_title().map_or_else(
        || JOB_DESCRIPTION.to_string(),
        |m| format!("{JOB_DESCRIPTION} · {m}"),
    );
    let lines = match &o.job {
        None => vec![
            Line::styled(heading, theme.title()),
            Line::styled(
                "no job entry: enable logging on the Setup screen (2, then e)",
                theme.warn(),
            ),
        ],
        Some(j) => {
            let waiting = j.waiting_text(|t| local_time(t, s.now, s.tz));
            let (status, status_style) = job_status_look(theme, j, waiting.is_some());
            vec![
                Line::styled(heading, theme.title()),
                Line::from(vec![
                    Span::styled("Status ", theme.label()),
                    Span::styled(status, status_style),
                    Span::styled("  every ", theme.label()),
                    Span::raw(format!("{} s", j.interval_secs)),
                    // Max attempts do not apply to failures retrying can fix.
                    Span::styled(
                        if waiting.is_some() {
                            "  failed runs "
                        } else {
                            "  attempts "
                        },
                        theme.label(),
                    ),
                    Span::raw(if waiting.is_some() {
                        j.attempts.to_string()
                    } else {
                        format!("{} of {}", j.attempts, j.max_attempts)
                    }),
                    Span::styled("  next run ", theme.label()),
                    Span::raw(match j.status {
                        JobStatus::Ready => format!(
                            "{} ({})",
                            local_time(j.next_run_at, s.now, s.tz),
                            relative(j.next_run_at, s.now)
                        ),
                        JobStatus::InProcess => "running".into(),
                        _ => "none".into(),
                    }),
                ]),
                Line::styled(
                    match (&waiting, j.last_error.as_deref()) {
                        (Some(w), Some(e)) => format!("{w}: {}", one_line(e)),
                        (_, e) => format!(
                            "last error: {}",
                            e.map(one_line).unwrap_or_else(|| "none".into())
                        ),
                    },
                    if j.last_error.is_some() {
                        theme.bad()
                    } else {
                        theme.dim()
                    },
                ),
            ]
        }
    };
    crate::tui::view::fit::draw_lines(f, lines, entry);

    let visible = s.visible_runs();
    let header = Row::new([
        "#", "started", "took", "status", "read", "logged", "skipped", "failed", "pages",
    ])
    .style(theme.label());
    let rows: Vec<Row> = visible
        .iter()
        .map(|row| {
            let r = &o.runs[row.first];
            if row.count > 1 {
                // Newest first: the group's last run is its oldest.
                let oldest = &o.runs[row.first + row.count - 1];
                let span = format!(
                    "{}–{}",
                    stored_time(&oldest.started_at, s.now, s.tz),
                    stored_time(&r.started_at, s.now, s.tz)
                );
                return Row::new(vec![
                    Span::raw(""),
                    Span::styled(span, theme.dim()),
                    Span::raw(""),
                    Span::styled(format!("{} idle", row.count), theme.dim()),
                    Span::styled("0", theme.dim()),
                ]);
            }
            let took = match (
                crate::store::parse_ts(&r.started_at),
                r.ended_at.as_deref().and_then(crate::store::parse_ts),
            ) {
                (Some(a), Some(b)) => {
                    format!("{:.1} s", (b - a).num_milliseconds() as f64 / 1000.0)
                }
                (_, None) => "running".into(),
                _ => "?".into(),
            };
            let status_style = match r.status.as_str() {
                "Success" => theme.good(),
                "Error" => theme.bad(),
                _ => theme.warn(),
            };
            Row::new(vec![
                Span::raw(r.id.to_string()),
                Span::raw(stored_time(&r.started_at, s.now, s.tz)),
                Span::raw(took),
                Span::styled(r.status.clone(), status_style),
                Span::raw(r.counts.read.to_string()),
                Span::raw(r.counts.logged.to_string()),
                Span::raw(r.counts.skipped.to_string()),
                Span::raw(r.counts.failed.to_string()),
                Span::raw(r.pages.to_string()),
            ])
        })
        .collect();
    let focused = s.jobs.focus == JobsFocus::Runs;
    let table = Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(5),
        ],
    )
    .header(header)
    .block(Block::default().borders(Borders::TOP).title(Span::styled(
        format!(
            "Runs ({}{})",
            visible.iter().map(|r| r.count).sum::<usize>(),
            if visible.iter().any(|r| r.count > 1) {
                "; idle runs folded"
            } else {
                ""
            }
        ),
        theme.title(),
    )))
    .row_highlight_style(if focused {
        theme.selected()
    } else {
        theme.dim()
    });
    let mut state =
        TableState::default().with_selected((!visible.is_empty()).then_some(s.jobs.run_sel));
    f.render_stateful_widget(table, runs, &mut state);

    if stuck_h > 0 {
        let rows: Vec<Row> = o
            .stuck
            .iter()
            .map(|m| {
                Row::new(vec![
                    Span::raw(one_line(&m.subject)),
                    Span::raw(format!("{} attempts", m.attempts)),
                    Span::raw(one_line(&m.last_error)),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Percentage(35),
                Constraint::Length(11),
                Constraint::Min(10),
            ],
        )
        .block(Block::default().borders(Borders::TOP).title(Span::styled(
            format!(
                "Stuck messages ({}): fix the cause, then t retries one, T all",
                o.stuck.len()
            ),
            theme.warn(),
        )))
        .row_highlight_style(if focused {
            theme.dim()
        } else {
            theme.selected()
        });
        let mut state = TableState::default().with_selected(Some(s.jobs.stuck_sel));
        f.render_stateful_widget(table, stuck, &mut state);
    }
}

/// The job's status as both screens show it: "Waiting" (in the warning
/// colour) while it retries by itself after failures retrying can fix.
pub(crate) fn job_status_look(
    theme: &Theme,
    j: &crate::domain::job::JobEntry,
    waiting: bool,
) -> (&'static str, ratatui::style::Style) {
    match j.status {
        JobStatus::Ready if waiting => ("Waiting", theme.warn()),
        JobStatus::Ready | JobStatus::InProcess => (j.status.as_str(), theme.good()),
        JobStatus::Error => (j.status.as_str(), theme.bad()),
        JobStatus::OnHold => (j.status.as_str(), theme.warn()),
    }
}

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    admin(b(
        Screen(Screen::Jobs),
        &[k('r')],
        Action::Restart,
        "restart",
        "Restart: back to Ready, attempts reset, due now",
        true,
    )),
    admin(b(
        Screen(Screen::Jobs),
        &[k('h')],
        Action::Hold,
        "hold",
        "Set on hold: it does not run until restarted",
        true,
    )),
    admin(b(
        Screen(Screen::Jobs),
        &[k('n')],
        Action::RunNow,
        "run now",
        "Run now, in whichever process holds the mailbox",
        true,
    )),
    b(
        Screen(Screen::Jobs),
        &[k('f')],
        Action::SwitchList,
        "runs/stuck",
        "Switch between the runs and the stuck messages",
        true,
    ),
    admin(b(
        Screen(Screen::Jobs),
        &[k('t')],
        Action::RetryStuck,
        "retry",
        "Let the next run try the chosen stuck message again",
        true,
    )),
    admin(b(
        Screen(Screen::Jobs),
        &[k('T')],
        Action::RetryAllStuck,
        "retry all",
        "Let the next run try every stuck message again",
        false,
    )),
    b(
        Screen(Screen::Jobs),
        &[code(KeyCode::Enter)],
        Action::Open,
        "details",
        "Show the chosen run's details",
        true,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: i64, status: &str, read: u32) -> JobLogEntry {
        JobLogEntry {
            id,
            started_at: format!("2026-11-29T13:{:02}:00.000Z", id % 60),
            ended_at: None,
            status: status.into(),
            counts: crate::store::RunCounts {
                read,
                ..Default::default()
            },
            error: None,
            run_by: String::new(),
            pages: 0,
            backlog: None,
            holder: String::new(),
            updated_at: None,
            retention: None,
        }
    }

    #[test]
    fn runs_that_found_nothing_fold_into_one_row() {
        // Newest first: 9 read mail, 8..5 idle, 4 failed, 3 idle, 2..1 idle.
        let runs = vec![
            run(9, "Success", 3),
            run(8, "Success", 0),
            run(7, "Success", 0),
            run(6, "Success", 0),
            run(5, "Success", 0),
            run(4, "Error", 0),
            run(3, "Success", 0),
            run(2, "Success", 0),
            run(1, "Success", 0),
        ];
        let rows = |keep: &dyn Fn(&JobLogEntry) -> bool| -> Vec<(usize, usize)> {
            fold_runs(&runs, keep)
                .into_iter()
                .map(|r| (r.first, r.count))
                .collect()
        };
        assert_eq!(rows(&|_| true), vec![(0, 1), (1, 4), (5, 1), (6, 3)]);
        // A filter that hides the error: the idle runs around it are not
        // one stretch of time, and stay apart.
        assert_eq!(rows(&|r| r.status != "Error"), vec![(0, 1), (1, 4), (6, 3)]);
        // A lone idle run is a row of its own.
        assert_eq!(
            fold_runs(&runs[4..6], |_| true)
                .into_iter()
                .map(|r| r.count)
                .collect::<Vec<_>>(),
            vec![1, 1]
        );
    }
}
