//! A progress bar for the command line's long work (a sync on a backlog, a
//! large import), drawn on stderr only when it is a terminal, so scripts and
//! pipes see exactly what they saw before.

use std::io::{IsTerminal, Read, Write};
use std::time::{Duration, Instant};

/// `[#####.....]  50%` for `done` of `total`, `width` cells of bar.
pub fn bar(done: u64, total: u64, width: usize) -> String {
    let total = total.max(1);
    let done = done.min(total);
    let filled = (done as u128 * width as u128 / total as u128) as usize;
    format!(
        "[{}{}] {:>3}%",
        "#".repeat(filled),
        ".".repeat(width - filled),
        done * 100 / total
    )
}

/// One line at the bottom of the terminal, redrawn in place.
pub struct ProgressLine {
    on: bool,
    shown: bool,
}

impl ProgressLine {
    /// Drawn only when stderr is a terminal.
    pub fn new() -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    pub fn draw(&mut self, text: &str) {
        if self.on {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
            self.shown = true;
        }
    }

    /// Clears the line (before other output, and at the end).
    pub fn clear(&mut self) {
        if self.on && self.shown {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A reader that shows how much of a file has been read.
pub struct ReadProgress<R> {
    inner: R,
    read: u64,
    total: u64,
    what: String,
    line: ProgressLine,
    last: Option<Instant>,
}

impl<R: Read> ReadProgress<R> {
    pub fn new(inner: R, total: u64, what: &str) -> Self {
        Self {
            inner,
            read: 0,
            total,
            what: what.to_string(),
            line: ProgressLine::new(),
            last: None,
        }
    }
}

impl<R: Read> Read for ReadProgress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if due || n == 0 {
            self.last = Some(Instant::now());
            let text = format!(
                "{} {} {}",
                self.what,
                bar(self.read, self.total, 30),
                human(self.read)
            );
            self.line.draw(&text);
        }
        if n == 0 {
            self.line.clear();
        }
        Ok(n)
    }
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(bar(0, 10, 10), "[..........]   0%");
        assert_eq!(bar(5, 10, 10), "[#####.....]  50%");
        assert_eq!(bar(12, 10, 10), "[##########] 100%");
        assert_eq!(bar(0, 0, 4), "[....]   0%");
    }
}
