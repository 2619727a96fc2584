//! The job queue screen: the logging job's entry, its runs with counts per
//! outcome, and the messages stuck where no move could take them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::domain::job::{JOB_DESCRIPTION, JobStatus};
use crate::domain::text::one_line;

use super::super::state::{JobsFocus, UiState};
use super::super::theme::Theme;
use super::format::{local_time, relative, stored_time};

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(o) = &s.overview else {
        f.render_widget(Paragraph::new("reading the job queue…"), area);
        return;
    };
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
    let lines = match &o.job {
        None => vec![
            Line::styled(JOB_DESCRIPTION, theme.title()),
            Line::styled(
                "no job entry: enable logging on the Setup screen (2, then e)",
                theme.warn(),
            ),
        ],
        Some(j) => {
            let waiting = j.waiting_text(|t| local_time(t, s.now, s.tz));
            let (status, status_style) = job_status_look(theme, j, waiting.is_some());
            vec![
                Line::styled(JOB_DESCRIPTION, theme.title()),
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
    super::fit::draw_lines(f, lines, entry);

    let visible = s.visible_runs();
    let header = Row::new([
        "#", "started", "took", "status", "read", "logged", "skipped", "failed", "pages",
    ])
    .style(theme.label());
    let rows: Vec<Row> = visible
        .iter()
        .map(|&i| {
            let r = &o.runs[i];
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
    let focused = s.jobs_focus == JobsFocus::Runs;
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
        format!("Runs ({})", visible.len()),
        theme.title(),
    )))
    .row_highlight_style(if focused {
        theme.selected()
    } else {
        theme.dim()
    });
    let mut state = TableState::default().with_selected((!visible.is_empty()).then_some(s.run_sel));
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
        let mut state = TableState::default().with_selected(Some(s.stuck_sel));
        f.render_stateful_widget(table, stuck, &mut state);
    }
}

/// The job's status as both screens show it: "Waiting" (in the warning
/// colour) while it retries by itself after failures retrying can fix.
pub(super) fn job_status_look(
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
