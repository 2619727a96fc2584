//! Every read of outside input is bounded: a reader that refuses a line
//! longer than its cap, or more bytes in all than its cap, so a CSV of
//! `/dev/zero` or a secret piped from an endless stream fails at once
//! with what the cap is, instead of eating memory.

use std::io::{self, Read};

/// Which cap a read ran into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooLarge {
    #[error("line {line} is longer than {max} bytes (the most a line may have)")]
    Line { line: u64, max: u64 },
    #[error("it is larger than {} (the most it may be)", human_bytes(*max))]
    Total { max: u64 },
}

fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// A read given up because the person asked (Esc on an import's preview).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the read was cancelled")]
pub struct Cancelled;

/// Whether a read error is a [`Stoppable`] reader's stop.
pub fn cancelled(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Cancelled>())
}

/// Reads `inner` until `stop` fires; then every read fails with
/// [`Cancelled`], so a long file can be given up between two reads.
pub struct Stoppable<R> {
    inner: R,
    stop: crate::stop::Stop,
}

impl<R: Read> Stoppable<R> {
    pub fn new(inner: R, stop: crate::stop::Stop) -> Self {
        Self { inner, stop }
    }
}

impl<R: Read> Read for Stoppable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.is_stopped() {
            return Err(io::Error::other(Cancelled));
        }
        self.inner.read(buf)
    }
}

/// What a read error means when a [`Bounded`] reader refused the input.
pub fn too_large(e: &io::Error) -> Option<&TooLarge> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<TooLarge>())
}

/// Reads `inner` up to `max_total` bytes in all and `max_line` bytes a line.
pub struct Bounded<R> {
    inner: R,
    total: u64,
    line_len: u64,
    line: u64,
    max_total: u64,
    max_line: u64,
}

impl<R: Read> Bounded<R> {
    pub fn new(inner: R, max_total: u64, max_line: u64) -> Self {
        Self {
            inner,
            total: 0,
            line_len: 0,
            line: 1,
            max_total,
            max_line,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never more than one byte past a cap, so the cap is what is read.
        let room = (self.max_total + 1 - self.total.min(self.max_total + 1)) as usize;
        let want = buf.len().min(room.max(1));
        let n = self.inner.read(&mut buf[..want])?;
        for &b in &buf[..n] {
            self.total += 1;
            if self.total > self.max_total {
                return Err(io::Error::other(TooLarge::Total {
                    max: self.max_total,
                }));
            }
            if b == b'\n' {
                self.line += 1;
                self.line_len = 0;
            } else {
                self.line_len += 1;
                if self.line_len > self.max_line {
                    return Err(io::Error::other(TooLarge::Line {
                        line: self.line,
                        max: self.max_line,
                    }));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], total: u64, line: u64) -> Result<Vec<u8>, Option<TooLarge>> {
        let mut out = Vec::new();
        Bounded::new(input, total, line)
            .read_to_end(&mut out)
            .map(|_| out)
            .map_err(|e| too_large(&e).cloned())
    }

    #[test]
    fn a_read_stops_at_the_first_cap_it_meets() {
        assert_eq!(read_all(b"ab\ncd\n", 100, 10).unwrap(), b"ab\ncd\n");
        assert_eq!(
            read_all(b"ab\ncdefg\n", 100, 3),
            Err(Some(TooLarge::Line { line: 2, max: 3 }))
        );
        assert_eq!(
            read_all(b"a\nb\nc\nd\n", 5, 10),
            Err(Some(TooLarge::Total { max: 5 }))
        );
        assert_eq!(read_all(b"abcde", 5, 10).unwrap(), b"abcde");
    }

    #[test]
    fn a_stopped_read_fails_at_its_next_read_and_every_one_after() {
        let (handle, stop) = crate::stop::stop_pair();
        let mut r = Stoppable::new(std::io::repeat(b'a'), stop);
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf).unwrap(), 16);
        handle.stop();
        for _ in 0..2 {
            let e = r.read(&mut buf).unwrap_err();
            assert!(cancelled(&e));
            assert!(too_large(&e).is_none());
        }
    }

    #[test]
    fn an_endless_stream_fails_after_reading_no_more_than_the_cap() {
        let mut zero = Bounded::new(std::io::repeat(0), 1 << 30, 64 * 1024);
        let mut sink = Vec::new();
        let e = zero.read_to_end(&mut sink).unwrap_err();
        assert!(matches!(
            too_large(&e),
            Some(TooLarge::Line { line: 1, .. })
        ));
        assert!(sink.len() <= 64 * 1024 + 8192, "{}", sink.len());
        assert_eq!(
            TooLarge::Total { max: 64 << 20 }.to_string(),
            "it is larger than 64 MiB (the most it may be)"
        );
    }
}
