//! Entering and leaving the terminal's raw, full-screen mode. Leaving is
//! done on drop and from the panic hook, so a panic or an error never
//! leaves the shell in raw mode before its message is printed.

use std::io::{Stdout, stdout};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal in raw, alternate-screen mode with mouse reports.
pub fn enter() -> std::io::Result<(Term, Guard)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let guard = Guard;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((terminal, guard))
}

/// Back to the shell's normal mode; harmless when called twice.
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// The OSC 52 sequence that asks the terminal to put `text` on the local
/// clipboard: it travels with the screen's output, so it works over SSH
/// (and through tmux with `set-clipboard on`). Control characters are
/// removed first; the text is base64, so nothing in it can end the sequence.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let clean = crate::domain::text::one_line(text);
    format!(
        "\u{1b}]52;c;{}\u{7}",
        base64::engine::general_purpose::STANDARD.encode(clean.as_bytes())
    )
}

pub fn copy_to_clipboard(text: &str) {
    use std::io::Write;
    let mut out = stdout();
    let _ = out.write_all(osc52(text).as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_only_base64() {
        let s = super::osc52("https://outlook.office.com/x?a=1\u{7}\u{1b}]0;evil\u{7}");
        assert!(s.starts_with("\u{1b}]52;c;"));
        let body = &s["\u{1b}]52;c;".len()..s.len() - 1];
        assert!(
            body.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        );
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        assert_eq!(decoded, b"https://outlook.office.com/x?a=1");
    }
}
