//! The message view: who wrote to whom (with their salesperson and contact
//! names), when, the entry and its opportunity, the web link, the body
//! scrolled by line (already wrapped), and the conversation's entries.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::log::Participant;
use crate::domain::text::one_line;
use crate::store::KnownAddress;

use super::super::state::{MessageView, UiState};
use super::super::theme::Theme;
use super::format::stored_full_time;
use super::log::{entry_time, marked};

/// Conversation entries shown at most.
const THREAD_ROWS: usize = 6;

fn who(p: &Participant) -> String {
    let name = one_line(&p.name);
    let addr = one_line(&p.address);
    let base = if name.is_empty() {
        addr
    } else {
        format!("{name} <{addr}>")
    };
    match &p.known {
        Some(KnownAddress::Salesperson { code, name }) => {
            format!(
                "{base}  — salesperson {} ({})",
                one_line(name),
                one_line(code)
            )
        }
        Some(KnownAddress::Contact { no, name, company }) => format!(
            "{base}  — contact {} ({}), {}",
            one_line(name),
            one_line(no),
            one_line(company)
        ),
        None => base,
    }
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect, m: &MessageView) {
    f.render_widget(Clear, area);
    let Some(d) = &m.detail else {
        let text = match &m.error {
            Some(e) => Line::styled(
                format!("cannot open entry {}: {e}", m.entry_no),
                theme.bad(),
            ),
            None => Line::styled(format!("opening entry {}…", m.entry_no), theme.dim()),
        };
        f.render_widget(
            Paragraph::new(text).block(Block::default().borders(Borders::ALL)),
            area,
        );
        return;
    };
    let e = &d.entry;
    let mut head: Vec<Line> = Vec::new();
    head.push(
        marked(
            &one_line(&d.message.subject),
            &m.terms,
            theme.title(),
            theme.key(),
        )
        .to_owned_line(),
    );
    let sent = d
        .message
        .sent_at
        .as_deref()
        .map(|t| stored_full_time(t, s.tz))
        .unwrap_or_else(|| "—".into());
    let received = d
        .message
        .received_at
        .as_deref()
        .map(|t| stored_full_time(t, s.tz))
        .unwrap_or_else(|| "—".into());
    head.push(Line::from(vec![
        Span::styled("Sent ", theme.label()),
        Span::raw(sent),
        Span::styled("  Received ", theme.label()),
        Span::raw(received),
    ]));
    for p in &d.participants {
        head.push(Line::from(vec![
            Span::styled(format!("{:<5}", p.role), theme.label()),
            Span::raw(who(p)),
        ]));
    }
    let mut entry_line = vec![
        Span::styled("Entry ", theme.label()),
        Span::raw(format!(
            "{} · {} · initiated by {} · {} ↔ {}",
            e.entry_no,
            e.direction,
            e.initiated_by,
            one_line(&e.salesperson_code),
            one_line(&e.contact_no)
        )),
    ];
    match &e.opportunity_no {
        Some(no) => {
            entry_line.push(Span::styled("  Opportunity ", theme.label()));
            entry_line.push(Span::styled(no.clone(), theme.good()));
        }
        None => entry_line.push(Span::styled(
            "  no opportunity (o creates one)",
            theme.dim(),
        )),
    }
    head.push(Line::from(entry_line));
    let link = one_line(&d.message.web_link);
    head.push(Line::from(vec![
        Span::styled("Link ", theme.label()),
        if link.is_empty() {
            Span::styled("none", theme.dim())
        } else {
            Span::raw(link)
        },
        Span::styled("  (y copies)", theme.dim()),
    ]));

    let thread_h = if d.conversation.len() > 1 {
        d.conversation.len().min(THREAD_ROWS) as u16 + 1
    } else {
        0
    };
    let [head_a, body_a, thread_a] = Layout::vertical([
        Constraint::Length(head.len() as u16 + 1),
        Constraint::Min(3),
        Constraint::Length(thread_h),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(head).block(
            Block::default()
                .borders(Borders::TOP | Borders::LEFT | Borders::RIGHT)
                .title(Span::styled(
                    format!(" Message · entry {} ", e.entry_no),
                    theme.title(),
                )),
        ),
        head_a,
    );
    let body_block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(
            " Body · line {} of {} ",
            (m.scroll + 1).min(m.lines.len().max(1)),
            m.lines.len()
        ),
        theme.label(),
    ));
    let inner = body_block.inner(body_a);
    f.render_widget(body_block, body_a);
    let visible = inner.height as usize;
    let lines: Vec<Line> = m
        .lines
        .iter()
        .skip(m.scroll)
        .take(visible)
        .map(|l| marked(l, &m.terms, Style::new(), theme.key()))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);

    if thread_h > 0 {
        let at = d
            .conversation
            .iter()
            .position(|c| c.entry_no == e.entry_no)
            .unwrap_or(0);
        let first = at
            .saturating_sub(THREAD_ROWS / 2)
            .min(d.conversation.len().saturating_sub(THREAD_ROWS));
        let mut rows = vec![Line::styled(
            format!(
                "Conversation: {} entries ([ and ] move through it)",
                d.conversation.len()
            ),
            theme.label(),
        )];
        for (i, c) in d
            .conversation
            .iter()
            .enumerate()
            .skip(first)
            .take(THREAD_ROWS)
        {
            let text = format!(
                "{} {}  {:<3} {:<6} {:<14} {}",
                if i == at { "▶" } else { " " },
                entry_time(c, s.now, s.tz),
                if c.direction == "inbound" {
                    "in"
                } else {
                    "out"
                },
                one_line(&c.salesperson_code),
                one_line(if c.contact_name.is_empty() {
                    &c.contact_no
                } else {
                    &c.contact_name
                }),
                one_line(&c.subject)
            );
            rows.push(if i == at {
                Line::styled(text, theme.selected())
            } else {
                Line::raw(text)
            });
        }
        f.render_widget(Paragraph::new(rows), thread_a);
    }
}

/// A line that owns its text (the subject is made here, not borrowed).
trait ToOwnedLine {
    fn to_owned_line(self) -> Line<'static>;
}

impl ToOwnedLine for Line<'_> {
    fn to_owned_line(self) -> Line<'static> {
        Line::from(
            self.spans
                .into_iter()
                .map(|s| Span::styled(s.content.into_owned(), s.style))
                .collect::<Vec<_>>(),
        )
    }
}
