//! Drawing: a pure function of the state onto a ratatui frame. The tab bar
//! on top, the screen, an overlay if one is open, and at the bottom a status
//! line and the footer's key hints (from the keymap table).

mod dialogs;
pub mod fit;
pub(crate) mod format;
pub(crate) mod lists;
pub(crate) mod overlays;

pub mod table;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::overview::Role;

use super::action::Screen;
use super::keymap;
use super::state::{Level, UiState};
use super::theme::Theme;

/// Below this the UI shows a notice instead of screens.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// A screen's name in the tab bar: short when the terminal is narrow.
fn short_title(s: Screen) -> &'static str {
    match s {
        Screen::Status => "Status",
        Screen::Setup => "Setup",
        Screen::Jobs => "Jobs",
        Screen::Log => "Log",
        Screen::Opportunities => "Opps",
        Screen::Skipped => "Skipped",
        Screen::Contacts => "Contacts",
        Screen::FollowUps => "Follow-ups",
    }
}

/// The tab bar's labels in `width` cells, and the role's label beside
/// them, every tab reachable: the full titles if they fit, else short ones,
/// else the numbers with the current tab's title (the role's label
/// shortened if need be), else the numbers alone.
pub fn tab_labels(current: Screen, width: u16, role: Role) -> (Vec<String>, &'static str) {
    let label = |s: Screen, title: &str| {
        if title.is_empty() {
            format!(" {} ", s.index() + 1)
        } else {
            format!(" {} {title} ", s.index() + 1)
        }
    };
    type Style<'a> = (&'a dyn Fn(Screen) -> String, bool);
    let styles: [Style; 5] = [
        (&|s| label(s, s.title()), false),
        (&|s| label(s, short_title(s)), false),
        (
            &|s| label(s, if s == current { short_title(s) } else { "" }),
            false,
        ),
        (
            &|s| label(s, if s == current { short_title(s) } else { "" }),
            true,
        ),
        (&|s| label(s, ""), true),
    ];
    let mut last = (Vec::new(), "");
    for (style, compact) in styles {
        let labels = Screen::ALL.iter().map(|s| style(*s)).collect::<Vec<_>>();
        let role = role_label(role, compact);
        let w: usize = labels.iter().map(|l| l.chars().count()).sum();
        last = (labels, role);
        if w + role.chars().count() <= width as usize {
            break;
        }
    }
    last
}

fn role_label(role: Role, compact: bool) -> &'static str {
    match (role, compact) {
        (Role::Admin, _) => "",
        (Role::User, false) => " user view ",
        (Role::User, true) => " user ",
    }
}

pub fn draw(f: &mut Frame, s: &UiState) {
    let area = f.area();
    let theme = Theme { color: s.color };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "Terminal too small ({}×{}): make it at least {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        );
        f.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [tabs, body, status_line, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(f, s, &theme, tabs);
    match s.screen {
        Screen::Status => super::screens::status::draw(f, s, &theme, body),
        Screen::Setup => super::screens::setup::draw(f, s, &theme, body),
        Screen::Jobs => super::screens::jobs::draw(f, s, &theme, body),
        Screen::Log => super::screens::log::draw(f, s, &theme, body),
        Screen::Opportunities => super::screens::opportunities::draw(f, s, &theme, body),
        Screen::Skipped => super::screens::skipped::draw(f, s, &theme, body),
        Screen::Contacts => super::screens::contacts::draw(f, s, &theme, body),
        Screen::FollowUps => super::screens::follow_ups::draw(f, s, &theme, body),
    }
    draw_status_line(f, s, &theme, status_line);
    draw_footer(f, s, &theme, footer);
    overlays::draw(f, s, &theme, body);
}

fn draw_tabs(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let mut spans = Vec::new();
    let (labels, role) = tab_labels(s.screen, area.width, s.role);
    for (screen, text) in Screen::ALL.into_iter().zip(labels) {
        let style = if screen == s.screen {
            theme.tab_active()
        } else {
            Style::new()
        };
        spans.push(Span::styled(text, style));
    }
    let line = Line::from(spans);
    f.render_widget(Paragraph::new(line), area);
    if !role.is_empty() {
        let w = role.len() as u16;
        if area.width > w {
            let r = Rect::new(area.right() - w, area.y, w, 1);
            f.render_widget(Paragraph::new(role).style(theme.warn()), r);
        }
    }
}

fn draw_status_line(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let line = if s.quitting {
        Line::styled(
            "finishing the message in hand, then quitting…",
            theme.warn(),
        )
    } else if let Some((label, since)) = &s.working {
        let secs = (s.now - *since).num_seconds();
        if secs >= 2 {
            Line::styled(
                format!("{label}… waiting for the database ({secs} s)"),
                theme.warn(),
            )
        } else {
            Line::styled(format!("{label}…"), theme.dim())
        }
    } else if let Some(since) = s.loading_since.filter(|t| (s.now - *t).num_seconds() >= 2) {
        Line::styled(
            format!(
                "waiting for the database ({} s)…",
                (s.now - since).num_seconds()
            ),
            theme.warn(),
        )
    } else if let Some(n) = &s.notice {
        let style = match n.level {
            Level::Info => theme.good(),
            Level::Error => theme.bad(),
        };
        Line::styled(n.text.clone(), style)
    } else if let Some(e) = &s.load_error {
        Line::styled(format!("cannot read the database: {e}"), theme.bad())
    } else if let Some((screen, filter)) = &s.filter {
        if *screen == s.screen {
            Line::styled(format!("filter: {filter} (Esc clears)"), theme.dim())
        } else {
            Line::raw("")
        }
    } else {
        Line::raw("")
    };
    fit::draw_line(f, line, area);
}

fn draw_footer(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let mut spans = Vec::new();
    let mut width = 0usize;
    for (key, label) in keymap::footer_hints(s.ctx(), s.screen, s.role, &s.idle_actions()) {
        let w = key.chars().count() + label.chars().count() + 3;
        if width + w > area.width as usize {
            break;
        }
        width += w;
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle centred in `area`, at most `w`×`h`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_stays_reachable_at_every_width() {
        for role in [Role::Admin, Role::User] {
            for width in MIN_WIDTH..=160 {
                for current in Screen::ALL {
                    let (labels, said) = tab_labels(current, width, role);
                    let used: usize = labels.iter().map(|l| l.chars().count()).sum();
                    assert!(
                        used + said.len() <= width as usize,
                        "{width} {role:?}: {labels:?}"
                    );
                    assert_eq!(said.is_empty(), role == Role::Admin, "the view is named");
                    for (s, l) in Screen::ALL.iter().zip(&labels) {
                        assert!(l.contains(&(s.index() + 1).to_string()), "{l}");
                    }
                    let at = current.index();
                    if width >= 45 {
                        assert!(labels[at].len() > 4, "the current tab is named: {labels:?}");
                    }
                }
            }
        }
        let at = |w| tab_labels(Screen::Log, w, Role::User).0.concat();
        assert!(at(140).contains("Interaction log"));
        // At 80 columns the admin sees every short title; the user view's
        // label leaves room for the numbers and the current title.
        let admin = tab_labels(Screen::Log, 80, Role::Admin).0.concat();
        assert!(admin.contains(" 7 Contacts  8 Follow-ups "), "{admin}");
        assert_eq!(at(80).trim(), "1  2  3  4 Log  5  6  7  8");
        assert_eq!(at(60).trim(), "1  2  3  4 Log  5  6  7  8");
    }
}
