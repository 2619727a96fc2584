//! A mouse click: a tab, or a list's row, by the layout the views draw.

use super::super::action::Screen;
use super::{Effect, UiState};

impl UiState {
    pub(crate) fn click(&mut self, col: u16, row: u16) -> Vec<Effect> {
        if self.overlay.is_some() {
            return Vec::new();
        }
        if row == 0 {
            // The tab bar: which title was clicked.
            let mut x = 0u16;
            let (labels, _) = crate::tui::view::tab_labels(self.screen, self.size.0, self.role);
            for (s, label) in Screen::ALL.into_iter().zip(labels) {
                // The label, as the tab bar draws it.
                let w = label.chars().count() as u16;
                if col >= x && col < x + w {
                    return self.go(s);
                }
                x += w;
            }
            return Vec::new();
        }
        self.click_row(row)
    }

    /// Selects the list row under a click, by the layout the views draw
    /// (a table keeps its selection in view, so its first row is known).
    pub(crate) fn click_row(&mut self, row: u16) -> Vec<Effect> {
        let body_h = self.size.1.saturating_sub(3) as usize;
        let row = row as usize;
        let pick = |top: usize, rows: usize, sel: usize, len: usize| -> Option<usize> {
            if row < top || row >= top + rows {
                return None;
            }
            let offset = if sel >= rows { sel + 1 - rows } else { 0 };
            Some(offset + row - top).filter(|i| *i < len)
        };
        match self.screen {
            Screen::Setup => {
                let len = self.visible_fields().len();
                if let Some(i) = pick(2, body_h.saturating_sub(3), self.setup.sel, len) {
                    self.setup.sel = i;
                }
            }
            Screen::Jobs => self.click_jobs(body_h, &pick),
            // Tabs, the view's summary and the header come first.
            Screen::Log if row >= 3 && row < 3 + self.log_rows() => {
                let i = self.log.top + row - 3;
                if i < self.log.rows.len() {
                    let delta = i as isize - self.log.sel as isize;
                    let v = self.log_rows();
                    return self
                        .log
                        .step(delta, v)
                        .map(Effect::Page)
                        .into_iter()
                        .collect();
                }
            }
            Screen::Opportunities | Screen::Contacts => {
                // The contacts screen has its list switch above the header.
                let top = if self.screen == Screen::Contacts {
                    3
                } else {
                    2
                };
                let rows = body_h.saturating_sub(top - 1);
                if let Some((sel, len)) = self.list_selection() {
                    let current = *sel;
                    if let Some(i) = pick(top, rows, current, len)
                        && let Some((sel, _)) = self.list_selection()
                    {
                        *sel = i;
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
