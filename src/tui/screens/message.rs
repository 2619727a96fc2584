//! The message view: who wrote to whom (with their salesperson and contact
//! names), when, the entry and its opportunity, the web link, the body
//! scrolled by line (already wrapped), and the conversation's entries — as
//! a component: its state (the open message and where it is scrolled), its
//! update, its draw and its keys.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::log::MessageDetail;
use crate::app::log::Participant;
use crate::domain::search::{Term, terms};
use crate::domain::text::one_line;
use crate::domain::text::strip_control;
use crate::store::KnownAddress;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::msg::Effect;
use crate::tui::state::UiState;
use crate::tui::state::{Level, Overlay};
use crate::tui::theme::Theme;
use crate::tui::view::fit::wrap;
use crate::tui::view::format::stored_full_time;

use super::log::{entry_time, marked};

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
    /// What Esc goes back to (the opportunity it was opened from); none:
    /// the log, with the entry last read selected.
    pub from: Option<Box<Overlay>>,
}

/// The entry to open for the next (or previous) message of a conversation
/// from the entry `at`: one email with two contacts is one stop, not two
/// (its first entry stands for it).
pub fn next_message(
    conversation: &[crate::store::EntryRow],
    at: i64,
    forward: bool,
) -> Option<i64> {
    let i = conversation.iter().position(|e| e.entry_no == at)?;
    let here = conversation[i].logged_message_id;
    let other = if forward {
        conversation[i + 1..]
            .iter()
            .find(|e| e.logged_message_id != here)?
    } else {
        conversation[..i]
            .iter()
            .rev()
            .find(|e| e.logged_message_id != here)?
    };
    // That message's first entry.
    conversation
        .iter()
        .find(|e| e.logged_message_id == other.logged_message_id)
        .map(|e| e.entry_no)
}

impl UiState {
    pub(crate) fn open_message(&mut self, entry_no: i64) -> Vec<Effect> {
        let terms = self
            .log
            .view
            .search
            .as_deref()
            .map(terms)
            .unwrap_or_default();
        // Moving along a conversation keeps where the first one came from.
        let from = match self.overlay.take() {
            Some(Overlay::Message(m)) => m.from,
            Some(o @ (Overlay::Opportunity { .. } | Overlay::ContactCard { .. })) => {
                Some(Box::new(o))
            }
            _ => None,
        };
        self.overlay = Some(Overlay::Message(Box::new(MessageView {
            entry_no,
            detail: None,
            error: None,
            lines: Vec::new(),
            width: 0,
            scroll: 0,
            terms,
            from,
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
                let body = d
                    .message
                    .body
                    .as_deref()
                    .unwrap_or(super::private_mark::no_body(&d.message.subject));
                m.lines = wrap(&strip_control(body), width as usize);
                m.width = width;
                m.scroll = 0;
                m.detail = Some(d);
                m.error = None;
            }
            Ok(_) => {}
            Err(e) => m.error = Some(crate::tui::state::sanitize(&e)),
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
            Action::Back => {
                let (entry_no, from) = (m.entry_no, m.from.take());
                self.overlay = from.map(|b| *b);
                if self.overlay.is_none() {
                    return self.select_entry(entry_no);
                }
            }
            Action::Help => self.open_over(Overlay::Help),
            Action::Palette => self.open_over(Overlay::Palette {
                input: tui_input::Input::default(),
                selected: 0,
            }),
            Action::ConversationPrev | Action::ConversationNext => {
                let Some(d) = &m.detail else {
                    return Vec::new();
                };
                let next = next_message(&d.conversation, m.entry_no, a == Action::ConversationNext);
                match next {
                    Some(n) => return self.open_message(n),
                    None => self.say(Level::Info, "no more messages in this conversation"),
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
            Action::SaveAttachment => return self.save_from_message(),
            Action::TogglePrivate => return self.toggle_private(),
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
    head.extend(super::private_mark::line(e.private, theme));
    head.extend(super::attachments::message_line(&d.attachments, theme));
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
    if let Some(by) = &d.opened_by {
        head.push(opened_by_line(by, theme));
    }

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

/// Who has opened the message (the admin's view of the audit trail):
/// "Opened by 3 people: kari, ola, per".
fn opened_by_line(by: &[String], theme: &Theme) -> Line<'static> {
    let names: Vec<String> = by.iter().map(|w| one_line(w)).collect();
    let count = crate::domain::text::count(names.len(), "person", "people");
    Line::from(vec![
        Span::styled("Opened by ", theme.label()),
        Span::raw(format!("{count}: {}", names.join(", "))),
        Span::styled("  (audit trail)", theme.dim()),
    ])
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

/// Keys while a message is open.
pub const KEYS: &[Binding] = &[
    b(
        Message,
        &[k('?')],
        Action::Help,
        "help",
        "Every key of the message view",
        true,
    ),
    b(
        Message,
        &[k(':')],
        Action::Palette,
        "commands",
        "Every command, of every screen",
        true,
    ),
    b(
        Message,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the message",
        true,
    ),
    b(
        Message,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "scroll",
        "Scroll the body down",
        true,
    ),
    b(
        Message,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "scroll up",
        "Scroll the body up",
        false,
    ),
    b(
        Message,
        &[code(KeyCode::PageDown), code(KeyCode::Char(' '))],
        Action::PageDown,
        "page",
        "Page down",
        true,
    ),
    b(
        Message,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "Page up",
        false,
    ),
    b(
        Message,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "Top of the body",
        false,
    ),
    b(
        Message,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "end",
        "End of the body",
        false,
    ),
    b(
        Message,
        &[k(']'), k('n')],
        Action::ConversationNext,
        "next in thread",
        "The next entry of the conversation",
        true,
    ),
    b(
        Message,
        &[k('['), k('p')],
        Action::ConversationPrev,
        "prev in thread",
        "The previous entry of the conversation",
        true,
    ),
    b(
        Message,
        &[k('y')],
        Action::CopyLink,
        "copy link",
        "Copy the web link to your clipboard (OSC 52, works over SSH)",
        true,
    ),
    b(
        Message,
        &[k('O')],
        Action::ShowOpportunity,
        "its opportunity",
        "Go to the opportunity this entry carries",
        false,
    ),
    b(
        Message,
        &[k('P')],
        Action::TogglePrivate,
        "private",
        "Mark the message private (only its salespeople and admins see it), or no longer",
        false,
    ),
    b(
        Message,
        &[k('o')],
        Action::NewOpportunity,
        "opportunity",
        "Create an opportunity from this entry",
        true,
    ),
];
