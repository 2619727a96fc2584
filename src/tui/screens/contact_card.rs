//! A contact's card, opened with `v` on the Contacts screen: what the log
//! says of them (the last message each way, messages each way over 30 and
//! 90 days and in all, open opportunities) and their timeline, newest
//! first, Enter opening an entry's message — as a component: its keys, its
//! update, its draw.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::signals::ContactReport;
use crate::domain::text::one_line;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::ContactCard;
use crate::tui::keymap::{Binding, admin, b, code, k};
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::screens::attachments::AttachmentPick;
use crate::tui::state::{Level, Overlay, UiState};
use crate::tui::theme::Theme;
use crate::tui::view::centered;
use crate::tui::view::overlays::boxed;

use super::log::entry_time;

/// Opportunity changes shown above the entries.
const CHANGES_SHOWN: usize = 3;

/// How many of the newest entries the card reads.
pub const TIMELINE: usize = 200;

/// Keys on a contact's card.
pub const KEYS: &[Binding] = &[
    admin(b(
        ContactCard,
        &[k('X')],
        Action::Forget,
        "forget",
        "Forget this person (GDPR erasure): what goes is counted and shown first",
        false,
    )),
    b(
        ContactCard,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the card",
        true,
    ),
    b(
        ContactCard,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next entry",
        false,
    ),
    b(
        ContactCard,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous entry",
        false,
    ),
    b(
        ContactCard,
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the chosen entry's message",
        true,
    ),
    b(
        ContactCard,
        &[k('a')],
        Action::Attachments,
        "files",
        "Every file exchanged with them (Enter saves one)",
        true,
    ),
];

impl UiState {
    /// Opens contact `no`'s card; its figures are read off the UI thread.
    pub(crate) fn open_contact_card(&mut self, no: String) -> Vec<Effect> {
        self.overlay = Some(Overlay::ContactCard {
            no: no.clone(),
            report: None,
            sel: 0,
        });
        vec![Effect::LoadLists(ListsKind::ContactCard(no))]
    }

    /// The card's figures, when they are the open card's.
    pub(crate) fn contact_card_arrived(&mut self, r: Box<ContactReport>) {
        if let Some(Overlay::ContactCard { no, report, .. }) = &mut self.overlay
            && *no == r.contact_no
        {
            *report = Some(r);
        }
    }

    /// Keys on the card: its timeline, Enter opens an entry's message (Esc
    /// there comes back here).
    pub(crate) fn act_contact_card(&mut self, a: Action) -> Vec<Effect> {
        if a == Action::Attachments {
            return self.contact_attachments_list();
        }
        if a == Action::Forget {
            return self.ask_forget();
        }
        self.act_entry_list(a, |o| match o {
            Overlay::ContactCard { report, sel, .. } => {
                Some((report.as_deref().map(|r| &r.timeline[..]), sel))
            }
            _ => None,
        })
    }
}

impl UiState {
    /// `a` on the card: every file exchanged with them, Enter saving one
    /// (Esc comes back to the card).
    fn contact_attachments_list(&mut self) -> Vec<Effect> {
        let Some(Overlay::ContactCard {
            report: Some(r), ..
        }) = &self.overlay
        else {
            return Vec::new();
        };
        if r.attachments.is_empty() {
            self.say(Level::Info, "no files exchanged with them yet");
            return Vec::new();
        }
        let (now, tz) = (self.now, self.tz);
        let items = r
            .attachments
            .iter()
            .map(|c| {
                let when = crate::tui::view::format::stored_time(&c.occurred_at, now, tz);
                let way = if c.direction == "inbound" {
                    "from them"
                } else {
                    "from us"
                };
                AttachmentPick::of(
                    &c.attachment,
                    c.entry_no,
                    format!("{when} {way} · {}", one_line(&c.subject)),
                )
            })
            .collect();
        let title = format!("Files exchanged with {}", one_line(&r.name));
        let back = self.overlay.take().map(Box::new);
        self.overlay = Some(Overlay::Attachments {
            title,
            items,
            sel: 0,
            back,
        });
        Vec::new()
    }
}

/// A count, or "—" for none (a card of zeros reads as noise).
fn count(n: i64) -> String {
    if n == 0 { "—".into() } else { n.to_string() }
}

pub fn draw(
    f: &mut Frame,
    s: &UiState,
    theme: &Theme,
    body: Rect,
    no: &str,
    report: Option<&ContactReport>,
    sel: usize,
) {
    let area = centered(body, 110, body.height.saturating_sub(2));
    let inner = boxed(f, theme, area, &format!("Contact {}", one_line(no)));
    let Some(r) = report else {
        f.render_widget(Paragraph::new(Line::styled("reading…", theme.dim())), inner);
        return;
    };
    let c = &r.card;
    let when = |t: &Option<String>| match t.as_deref().and_then(crate::store::parse_ts) {
        Some(t) => crate::tui::view::format::local_time(t, s.now, s.tz),
        None => "never".into(),
    };
    let mut lines = vec![
        Line::styled(
            format!(
                "{} · {} · {}",
                one_line(&r.name),
                one_line(&r.company),
                one_line(&r.email)
            ),
            theme.title(),
        ),
        Line::from(vec![
            Span::styled("Last from them ", theme.label()),
            Span::raw(when(&c.last_inbound_at)),
            Span::styled("  Last from us ", theme.label()),
            Span::raw(when(&c.last_outbound_at)),
            Span::styled("  Open opportunities ", theme.label()),
            Span::raw(count(c.open_opportunities)),
        ]),
        Line::from(vec![
            Span::styled("Messages them/us ", theme.label()),
            Span::styled("30 days ", theme.label()),
            Span::raw(format!(
                "{}/{}",
                count(c.inbound_30_days),
                count(c.outbound_30_days)
            )),
            Span::styled("  90 days ", theme.label()),
            Span::raw(format!(
                "{}/{}",
                count(c.inbound_90_days),
                count(c.outbound_90_days)
            )),
            Span::styled("  in all ", theme.label()),
            Span::raw(format!(
                "{}/{}",
                count(c.inbound_total),
                count(c.outbound_total)
            )),
        ]),
        Line::from(vec![
            Span::styled("Files ", theme.label()),
            if r.attachments.is_empty() {
                Span::styled("none exchanged", theme.dim())
            } else {
                Span::raw(format!(
                    "{} exchanged (a lists them, to save one)",
                    r.attachments.len()
                ))
            },
        ]),
    ];
    if let Some(k) = &r.company_card {
        lines.push(Line::from(vec![
            Span::styled("Company ", theme.label()),
            Span::raw(format!(
                "last from them {}, from us {} · them/us 30 days {}/{}, 90 days {}/{} · open {}",
                when(&k.last_inbound_at),
                when(&k.last_outbound_at),
                count(k.inbound_30_days),
                count(k.outbound_30_days),
                count(k.inbound_90_days),
                count(k.outbound_90_days),
                count(k.open_opportunities)
            )),
        ]));
    }
    // The newest opportunity changes, a few lines of the timeline.
    for c in r.opportunity_changes.iter().take(CHANGES_SHOWN) {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<12}  opp.  {:<8} ",
                    crate::tui::view::format::stored_time(&c.changed_at, s.now, s.tz),
                    one_line(&c.opportunity_no)
                ),
                theme.label(),
            ),
            Span::raw(one_line(&c.what)),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Timeline, newest first (Enter opens the message):",
        theme.label(),
    ));
    if r.timeline.is_empty() {
        lines.push(Line::styled("nothing logged with them yet", theme.dim()));
    }
    // The chosen entry stays in sight.
    let room = (inner.height as usize).saturating_sub(lines.len()).max(1);
    let first = sel.saturating_sub(room - 1);
    for (i, e) in r.timeline.iter().enumerate().skip(first).take(room) {
        let text = format!(
            "{:<12}  {:<3}  {:<6}  {}",
            entry_time(e, s.now, s.tz),
            if e.direction == "inbound" {
                "in"
            } else {
                "out"
            },
            one_line(&e.salesperson_code),
            one_line(&e.subject)
        );
        lines.push(if i == sel {
            Line::styled(text, theme.selected())
        } else {
            Line::raw(text)
        });
    }
    f.render_widget(Paragraph::new(lines), inner);
}
