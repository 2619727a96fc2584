//! The opportunities, skipped (grouped by reason) and contacts screens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::super::theme::Theme;

pub(crate) fn waiting(f: &mut Frame, theme: &Theme, area: Rect, what: &str) {
    f.render_widget(
        Paragraph::new(Line::styled(format!("reading {what}…"), theme.dim())),
        area,
    );
}

pub(crate) fn empty(f: &mut Frame, theme: &Theme, area: Rect, text: &str) {
    f.render_widget(Paragraph::new(Line::styled(text, theme.dim())), area);
}
