//! The status screen (home): is logging on, as whom, how the job is doing,
//! what arrived today (per hour, or per day over two weeks: `c`), the run
//! in progress page by page, and what needs a person. It draws the
//! overview the UI keeps; its own state is the chart's span.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Gauge, Paragraph, Wrap};

use crate::app::overview::Overview;
use crate::domain::job::JobStatus;
use crate::domain::setup::AuthFlow;
use crate::domain::text::one_line;
use crate::store::Activity;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::Screen;
use crate::tui::keymap::{Binding, b, k};
use crate::tui::msg::Effect;
use crate::tui::screens::jobs::job_status_look;
use crate::tui::state::UiState;
use crate::tui::theme::Theme;
use crate::tui::view::format::{local_time, relative, stored_time};

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The chart shows the last 14 days instead of the last 24 hours.
    pub per_day: bool,
}

impl UiState {
    pub(crate) fn act_status(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::ChartSpan => self.status.per_day = !self.status.per_day,
            Action::NextMailbox => return self.next_mailbox(),
            _ => {}
        }
        Vec::new()
    }
}

/// The screen's keys.
pub const KEYS: &[Binding] = &[b(
    Screen(crate::tui::action::Screen::Status),
    &[k('c')],
    Action::ChartSpan,
    "per hour/day",
    "Chart per hour (24 hours) or per day (14 days)",
    true,
)];

fn kv<'a>(theme: &Theme, k: &'a str, v: impl Into<Span<'a>>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<14}"), theme.label()),
        v.into(),
    ])
}

fn block<'a>(theme: &Theme, title: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.title()))
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(o) = &s.overview else {
        let text = match &s.load_error {
            Some(e) => format!("cannot read the database: {e}"),
            None => "reading the database…".into(),
        };
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    };
    let wide = area.width >= 100;
    let [left, right] = if wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(1)
            .areas(area)
    } else {
        [area, area]
    };
    let summary = if o.restricted {
        vec![Line::styled(
            "job and setup: the admin's (your role has the users' share)",
            theme.dim(),
        )]
    } else {
        summary_lines(s, o, theme, wide)
    };
    // With several mailboxes the summary is of the one shown (`m`: next).
    let logging = s
        .mailbox_title()
        .map_or_else(|| "Logging".to_string(), |m| format!("Logging · {m}"));
    let all = super::mailboxes::height(s);
    // The counts' line, the bars (two rows at least) and the hours;
    // on a narrow screen the recent activity keeps its room.
    let today_h = if wide { 2 + 6 } else { 2 + 3 } + u16::from(s.lists.follow_ups.is_some());
    if wide {
        let [sum, today] = Layout::vertical([
            Constraint::Length(summary.len() as u16 + 1),
            Constraint::Min(today_h),
        ])
        .areas(left);
        f.render_widget(Paragraph::new(summary).block(block(theme, &logging)), sum);
        draw_today(f, s, o, theme, today);
        let [mailboxes, run, attention, recent] = Layout::vertical([
            Constraint::Length(all),
            Constraint::Length(4),
            Constraint::Length(attention_height(o)),
            Constraint::Min(3),
        ])
        .areas(right);
        super::mailboxes::draw_all(f, s, theme, mailboxes);
        draw_run(f, s, o, theme, run);
        draw_attention(f, o, theme, attention);
        draw_recent(f, s, theme, recent);
    } else {
        let [sum, mailboxes, today, run, attention, recent] = Layout::vertical([
            Constraint::Length(summary.len() as u16 + 1),
            Constraint::Length(all.min(4)),
            Constraint::Length(today_h),
            Constraint::Length(3),
            Constraint::Length(attention_height(o).min(3)),
            Constraint::Min(0),
        ])
        .areas(left);
        f.render_widget(Paragraph::new(summary).block(block(theme, &logging)), sum);
        super::mailboxes::draw_all(f, s, theme, mailboxes);
        draw_today(f, s, o, theme, today);
        draw_run(f, s, o, theme, run);
        draw_attention(f, o, theme, attention);
        draw_recent(f, s, theme, recent);
    }
}

fn summary_lines<'a>(s: &'a UiState, o: &'a Overview, theme: &Theme, wide: bool) -> Vec<Line<'a>> {
    let setup = &o.setup;
    let mut lines = Vec::new();
    lines.push(kv(
        theme,
        "Enabled",
        if setup.enabled {
            Span::styled("yes", theme.good())
        } else {
            Span::styled(
                "no: enable it on the Setup screen (2, then e)",
                theme.warn(),
            )
        },
    ));
    let (source, account) = source_and_account(setup, o.token_expires, s.now);
    lines.push(kv(theme, "Mail source", source));
    lines.push(kv(theme, "Signed in", account));
    lines.push(kv(theme, "Engine", engine_text(s, o)));
    match &o.job {
        None => lines.push(kv(
            theme,
            "Job",
            Span::styled("no job entry (not enabled)", theme.dim()),
        )),
        Some(j) => {
            let waiting = j.waiting_text(|t| local_time(t, s.now, s.tz));
            let (status, style) = job_status_look(theme, j, waiting.is_some());
            let last = j
                .last_run_at
                .map(|t| format!("{} ({})", local_time(t, s.now, s.tz), relative(t, s.now)))
                .unwrap_or_else(|| "never".into());
            let next = match j.status {
                JobStatus::Ready => format!(
                    "{} ({})",
                    local_time(j.next_run_at, s.now, s.tz),
                    relative(j.next_run_at, s.now)
                ),
                JobStatus::InProcess => "running now".into(),
                JobStatus::Error => "none: restart the job (3, then r)".into(),
                JobStatus::OnHold => "none: on hold (3, then r)".into(),
            };
            if !wide {
                // One line on a small terminal.
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<14}", "Job"), theme.label()),
                    Span::styled(status, style),
                    Span::styled(" · next ", theme.label()),
                    Span::raw(next),
                ]));
                return lines;
            }
            let status = match j.waiting_since.filter(|_| waiting.is_some()) {
                Some(since) => format!(
                    "Waiting since {}, retrying every {}",
                    local_time(since, s.now, s.tz),
                    crate::domain::job::human_span(j.retry_every())
                ),
                None => status.to_string(),
            };
            lines.push(kv(theme, "Job", Span::styled(status, style)));
            lines.push(kv(theme, "Last run", last));
            lines.push(kv(theme, "Next run", next));
        }
    }
    lines
}

fn engine_text(s: &UiState, o: &Overview) -> String {
    let holder = o.lease.as_ref().map(|l| l.holder.as_str());
    match (&s.engine.holder, holder) {
        (Some(me), Some(h)) if me == h => {
            if s.engine.in_run {
                "this window, running".into()
            } else {
                "this window".into()
            }
        }
        (_, Some(h)) => format!("{} (watching its progress)", short_holder(h)),
        (Some(_), None) => match &s.engine.waiting {
            Some((why, _)) => format!("this window: {why}"),
            None => "this window, starting".into(),
        },
        (None, None) => "none running (start one with `emaillog run`)".into(),
    }
}

/// "host pid 1234" from a holder id `host:boot:pidns:pid:start:nonce`.
pub fn short_holder(h: &str) -> String {
    let parts: Vec<&str> = h.split(':').collect();
    match parts.as_slice() {
        [host, _, _, pid, ..] => format!("{} pid {}", one_line(host), one_line(pid)),
        _ => one_line(h),
    }
}

/// Today's counts, and per hour over the last 24 hours the messages
/// logged and skipped side by side, the hours under them (as many of the
/// latest hours as fit); the engine's waiting or throttling beside it.
fn draw_today(f: &mut Frame, s: &UiState, o: &Overview, theme: &Theme, area: Rect) {
    let t = &o.today;
    // The day's mail is the whole log's, whichever mailbox is shown.
    let several = o.mailboxes.len() > 1;
    let b = block(
        theme,
        if several {
            "Today, all mailboxes"
        } else {
            "Today"
        },
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    let due = s.lists.follow_ups.as_ref();
    let [counts, follow_ups, chart] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(due.is_some())),
        Constraint::Min(0),
    ])
    .areas(inner);
    // The team's follow-ups due today (screen 8 lists them).
    if let Some(b) = due {
        let text = follow_ups_due(b.due.len(), b.overdue);
        let style = if b.due.is_empty() {
            theme.dim()
        } else {
            theme.warn()
        };
        crate::tui::view::fit::draw_line(
            f,
            Line::from(vec![
                Span::styled(text, style),
                Span::styled(" · 8 lists them", theme.dim()),
            ]),
            follow_ups,
        );
    }
    let mut line = vec![
        Span::styled(format!("{} logged", t.logged), theme.good()),
        Span::raw(" · "),
        Span::styled(format!("{} skipped", t.skipped), theme.dim()),
        Span::raw(" · "),
        Span::styled(
            format!("{} failed", t.failed),
            if t.failed > 0 {
                theme.bad()
            } else {
                theme.dim()
            },
        ),
        Span::styled(
            if s.status.per_day {
                "   per day: "
            } else {
                "   per hour: "
            },
            theme.dim(),
        ),
        Span::styled("▌logged ", theme.good()),
        Span::styled("▌skipped", theme.dim()),
    ];
    if let Some((until, text)) = &s.engine.throttled
        && *until > s.now
    {
        line.push(Span::styled(format!("   {text}"), theme.warn()));
    } else if let Some((why, false)) = &s.engine.waiting {
        line.push(Span::styled(format!("   waiting: {why}"), theme.warn()));
    }
    crate::tui::view::fit::draw_line(f, Line::from(line), counts);
    if chart.height < 2 {
        return;
    }
    let (logged, skipped, labels) = chart_series(s, t);
    // Two bars and a gap per hour (or day): the latest that fit.
    let n = ((chart.width as usize + 1) / 3).min(logged.len());
    let first = logged.len() - n;
    let mut bars = BarChart::default().bar_width(1).bar_gap(0).group_gap(1);
    for (i, &value) in logged.iter().enumerate().skip(first) {
        bars = bars.data(
            BarGroup::default()
                .label(Line::from(labels.get(i).cloned().unwrap_or_default()))
                .bars(&[
                    Bar::default()
                        .value(value)
                        .text_value(String::new())
                        .style(theme.good()),
                    Bar::default()
                        .value(skipped.get(i).copied().unwrap_or(0))
                        .text_value(String::new())
                        .style(theme.dim()),
                ]),
        );
    }
    f.render_widget(bars, chart);
}

/// The chart's logged and skipped counts and their labels (the local hour,
/// or the day of the month), oldest first.
fn chart_series<'a>(s: &UiState, t: &'a Activity) -> (&'a [u64], &'a [u64], Vec<String>) {
    let (logged, skipped, first, step) = if s.status.per_day {
        (
            &t.logged_per_day,
            &t.skipped_per_day,
            t.first_day,
            chrono::Duration::days(1),
        )
    } else {
        (
            &t.logged_per_hour,
            &t.skipped_per_hour,
            t.first_hour,
            chrono::Duration::hours(1),
        )
    };
    let format = if s.status.per_day { "%d" } else { "%H" };
    let labels = (0..logged.len())
        .map(|i| {
            first
                .map(|f| {
                    (f + step * i as i32)
                        .with_timezone(&s.tz)
                        .format(format)
                        .to_string()
                })
                .unwrap_or_default()
        })
        .collect();
    (logged, skipped, labels)
}

fn draw_run(f: &mut Frame, s: &UiState, o: &Overview, theme: &Theme, area: Rect) {
    let b = block(theme, "Run in progress");
    let inner = b.inner(area);
    f.render_widget(b, area);
    if o.restricted {
        return f.render_widget(Paragraph::new("the admin's").style(theme.dim()), inner);
    }
    let Some(run) = o.current_run() else {
        let text = match o.last_finished_run() {
            Some(r) => format!(
                "none; the last ({}) {}: {} logged, {} skipped, {} failed",
                stored_time(&r.started_at, s.now, s.tz),
                r.status.to_lowercase(),
                r.counts.logged,
                r.counts.skipped,
                r.counts.failed
            ),
            None => "none yet".into(),
        };
        f.render_widget(Paragraph::new(text).style(theme.dim()), inner);
        return;
    };
    let c = &run.counts;
    let mut text = format!(
        "page {} · {} read · {} logged · {} skipped · {} failed",
        run.pages, c.read, c.logged, c.skipped, c.failed
    );
    // Throttled: said instead of going silent, while the wait lasts.
    if let Some((until, why)) = &s.engine.throttled
        && *until > s.now
    {
        text = format!("{why} · {text}");
    }
    let [line, gauge] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    crate::tui::view::fit::draw_line(f, Line::raw(text), line);
    if let Some(backlog) = run.backlog.filter(|b| *b > 0) {
        let done = c.read as f64;
        let ratio = (done / (done + backlog as f64)).clamp(0.0, 1.0);
        f.render_widget(
            Gauge::default()
                .ratio(ratio)
                .label(format!(
                    "{} of {} in the Inbox",
                    c.read,
                    c.read as i64 + backlog
                ))
                .gauge_style(theme.good()),
            gauge,
        );
    }
}

fn attention_height(o: &Overview) -> u16 {
    let error = o.job.as_ref().and_then(|j| j.last_error.as_ref()).is_some();
    let n = o.stuck.len().min(3) as u16
        + if o.stuck.is_empty() { 0 } else { 1 }
        + if error { 3 } else { 0 };
    1 + n.max(1)
}

/// "no follow-ups due today", "5 follow-ups due today, 2 of them
/// overdue".
fn follow_ups_due(n: usize, overdue: usize) -> String {
    let what = crate::domain::text::count(n, "follow-up", "follow-ups");
    if overdue > 0 {
        format!("{what} due today, {overdue} of them overdue")
    } else {
        format!("{what} due today")
    }
}

fn draw_attention(f: &mut Frame, o: &Overview, theme: &Theme, area: Rect) {
    let b = block(theme, "Needs attention");
    let inner = b.inner(area);
    f.render_widget(b, area);
    if o.restricted {
        return f.render_widget(Paragraph::new("the admin's").style(theme.dim()), inner);
    }
    let mut lines = Vec::new();
    if let Some(e) = o.job.as_ref().and_then(|j| j.last_error.as_ref()) {
        lines.push(Line::styled(
            format!("last error: {}", one_line(e)),
            theme.bad(),
        ));
    }
    if !o.stuck.is_empty() {
        lines.push(Line::styled(
            format!(
                "{} stuck: they could be moved nowhere (3, f, t retries)",
                crate::domain::text::count(o.stuck.len(), "message", "messages")
            ),
            theme.warn(),
        ));
        for m in o.stuck.iter().take(3) {
            lines.push(Line::raw(format!(
                "  {} — {}",
                one_line(&m.subject),
                one_line(&m.last_error)
            )));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("nothing", theme.dim()));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn draw_recent(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let b = block(theme, "Recent activity (this window's engine)");
    let inner = b.inner(area);
    f.render_widget(b, area);
    let n = inner.height as usize;
    let lines: Vec<Line> = if s.recent.is_empty() {
        vec![Line::styled("nothing yet", theme.dim())]
    } else {
        s.recent
            .iter()
            .rev()
            .take(n)
            .rev()
            .map(|(t, l)| {
                Line::from(vec![
                    Span::styled(format!("{} ", local_time(*t, s.now, s.tz)), theme.dim()),
                    Span::raw(l.clone()),
                ])
            })
            .collect()
    };
    crate::tui::view::fit::draw_lines(f, lines, inner);
}

/// What the Status screen says the mail comes from and who reads it, for
/// Graph or IMAP as the setup has it.
fn source_and_account(
    setup: &crate::domain::setup::Setup,
    token_expires: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (String, String) {
    use crate::domain::setup::{ImapAuth, ImapTls, SourceKind};
    let signed_in = |a: &str| {
        let exp = token_expires
            .map(|t| format!(", token expires {}", relative(t, now)))
            .unwrap_or_default();
        format!("{}{exp}", one_line(a))
    };
    let not_signed_in = "not signed in: sign in on the Setup screen (2, then s)";
    match setup.source {
        SourceKind::Graph => {
            let mailbox = if setup.mailbox.is_empty() {
                "no mailbox set"
            } else {
                &setup.mailbox
            };
            let account = match (&setup.account, setup.auth_flow) {
                // The app itself (its id is on Setup), not a person.
                (_, AuthFlow::ClientCredentials) => "app-only (client credentials)".into(),
                (Some(a), _) => signed_in(a),
                (None, _) => not_signed_in.into(),
            };
            (format!("Microsoft Graph · {}", one_line(mailbox)), account)
        }
        SourceKind::Imap => {
            let host = if setup.imap_host.is_empty() {
                "no host set".to_string()
            } else {
                format!(
                    "{}:{} ({})",
                    one_line(&setup.imap_host),
                    setup.imap_port,
                    match setup.imap_tls {
                        ImapTls::Implicit => "TLS",
                        ImapTls::Starttls => "STARTTLS",
                        ImapTls::None => "no TLS",
                    }
                )
            };
            let user = one_line(&setup.imap_user);
            let account = match setup.imap_auth {
                ImapAuth::Password if user.is_empty() => {
                    "no IMAP user: set it on the Setup screen (2)".into()
                }
                ImapAuth::Password if setup.has_imap_password => {
                    format!("{user} (password stored)")
                }
                ImapAuth::Password => {
                    format!("{user}: no password: enter it on the Setup screen (2)")
                }
                ImapAuth::Xoauth2 => match &setup.account {
                    Some(a) => format!("{} (XOAUTH2)", signed_in(a)),
                    None => not_signed_in.into(),
                },
            };
            (format!("IMAP · {host}"), account)
        }
    }
}
