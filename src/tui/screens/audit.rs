//! The audit trail, opened from Setup (`t`, the admin's): the newest rows
//! first (when, who, what, to what), and `v` checks the whole chain and
//! says whether any row was changed, deleted or moved. Its state (an
//! overlay), update, draw and keys.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use crate::app::audit::{VerifyReport, detail_summary};
use crate::app::overview::Role;
use crate::domain::audit::AuditRow;
use crate::tui::action::Action;
use crate::tui::keymap::Ctx::Audit;
use crate::tui::keymap::{Binding, b, code, k};
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, UiState, sanitize};
use crate::tui::theme::Theme;
use crate::tui::view::centered;
use crate::tui::view::fit::fit;
use crate::tui::view::format::stored_full_time;
use crate::tui::view::overlays::boxed;

/// The overlay's state: the rows (`None` while read) and the last check.
#[derive(Debug, Clone, Default)]
pub struct AuditView {
    pub rows: Option<Vec<AuditRow>>,
    pub sel: usize,
    pub verified: Option<VerifyReport>,
}

impl UiState {
    /// Opens the trail and reads its newest rows (the admin's).
    pub(crate) fn open_audit(&mut self) -> Vec<Effect> {
        if self.role != Role::Admin {
            self.say(Level::Info, "the audit trail is the admin's to read");
            return Vec::new();
        }
        self.overlay = Some(Overlay::Audit(Box::default()));
        vec![Effect::LoadLists(ListsKind::Audit)]
    }

    /// Keys on the trail: move, verify, close.
    pub(crate) fn act_audit(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::Audit(v)) = &mut self.overlay else {
            return Vec::new();
        };
        let n = v.rows.as_ref().map_or(0, Vec::len);
        match a {
            Action::Up => v.sel = v.sel.saturating_sub(1),
            Action::Down => v.sel = (v.sel + 1).min(n.saturating_sub(1)),
            Action::Top => v.sel = 0,
            Action::Bottom => v.sel = n.saturating_sub(1),
            Action::Back => self.overlay = None,
            Action::Validate => {
                self.start("checking every row of the audit trail");
                return vec![Effect::LoadLists(ListsKind::AuditVerify)];
            }
            _ => {}
        }
        Vec::new()
    }

    /// The rows as read.
    pub(crate) fn audit_read(&mut self, rows: Vec<AuditRow>) {
        if let Some(Overlay::Audit(v)) = &mut self.overlay {
            v.sel = v.sel.min(rows.len().saturating_sub(1));
            v.rows = Some(rows);
        }
    }

    /// The chain checked: the answer stays under the list.
    pub(crate) fn audit_verified(&mut self, report: VerifyReport) {
        self.working = None;
        let intact = report.problems.is_empty();
        if let Some(Overlay::Audit(v)) = &mut self.overlay {
            v.verified = Some(report);
        }
        if intact {
            self.say(Level::Info, "the audit trail is intact");
        } else {
            self.say(
                Level::Error,
                "the audit trail was tampered with: see the list",
            );
        }
    }
}

/// One row as listed: when, who, what, and its detail.
fn row_text(r: &AuditRow, s: &UiState) -> String {
    let at = stored_full_time(&r.at, s.tz);
    format!(
        "#{:<5} {at}  {:<12} {:<18} {}",
        r.seq,
        fit(&sanitize(&r.who), 12),
        sanitize(&r.action),
        sanitize(&detail_summary(&r.detail))
    )
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, body: Rect, v: &AuditView) {
    let area = centered(body, 120, 30);
    let inner = boxed(f, theme, area, "Audit trail");
    let check_h = match &v.verified {
        Some(r) => (r.problems.len().min(4) + 1) as u16,
        None => 0,
    };
    let [list, check, hint] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(check_h),
        Constraint::Length(2),
    ])
    .areas(inner);
    let width = list.width as usize;
    match &v.rows {
        None => f.render_widget(
            Paragraph::new(Line::styled("reading the trail…", theme.dim())),
            list,
        ),
        Some(rows) if rows.is_empty() => f.render_widget(
            Paragraph::new(Line::styled(
                "nothing recorded yet: opening a message, an export, a never-log change each add a row",
                theme.dim(),
            ))
            .wrap(Wrap { trim: true }),
            list,
        ),
        Some(rows) => {
            let items: Vec<ListItem> = rows
                .iter()
                .map(|r| ListItem::new(fit(&row_text(r, s), width)))
                .collect();
            let mut state = ListState::default().with_selected(Some(v.sel));
            f.render_stateful_widget(
                List::new(items).highlight_style(theme.selected()),
                list,
                &mut state,
            );
        }
    }
    if let Some(r) = &v.verified {
        let mut lines: Vec<Line> = Vec::new();
        if r.problems.is_empty() {
            lines.push(Line::styled(
                format!(
                    "Intact: {} rows checked; head {}:{}",
                    r.rows,
                    r.head_seq.unwrap_or(0),
                    r.head_hash.as_deref().unwrap_or("—")
                ),
                theme.good(),
            ));
        } else {
            lines.push(Line::styled(
                format!(
                    "Tampered with: {} problem(s) in {} rows",
                    r.problems.len(),
                    r.rows
                ),
                theme.bad(),
            ));
            for p in r.problems.iter().take(4) {
                lines.push(Line::styled(fit(&sanitize(p), width), theme.bad()));
            }
        }
        f.render_widget(Paragraph::new(lines), check);
    }
    f.render_widget(
        Paragraph::new(Line::styled(
            "Who opened, exported or changed what, newest first; each row chained to the one before by its hash. v verifies the whole trail · Esc closes",
            theme.dim(),
        ))
        .wrap(Wrap { trim: true }),
        hint,
    );
}

/// Keys on the audit trail.
pub const KEYS: &[Binding] = &[
    b(
        Audit,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the trail",
        true,
    ),
    b(
        Audit,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next row",
        false,
    ),
    b(
        Audit,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous row",
        false,
    ),
    b(
        Audit,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "Newest row",
        false,
    ),
    b(
        Audit,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "bottom",
        "Oldest row shown",
        false,
    ),
    b(
        Audit,
        &[k('v')],
        Action::Validate,
        "verify",
        "Check every row against its hash and the row before it",
        true,
    ),
];
