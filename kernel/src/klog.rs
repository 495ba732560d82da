//! The kernel log: `log` records printed on the console and kept in a ring
//! that syslog(2) reads (`dmesg`).
//!
//! Info lines read `basalt: <message>`; other levels name themselves
//! (`basalt: warning: ...`). `basalt.loglevel=` (error, warn, info, debug,
//! trace) chooses what is shown; info is the default. The ring keeps Linux's
//! record format, `<priority>[seconds.micros] message`, so Linux's tools
//! read it too.

use core::fmt::Write;
use log::{Level, LevelFilter, Log, Metadata, Record};
use spin::Mutex;

/// Bytes of log the ring keeps (Linux's default is 128 KiB; the kernel's
/// messages are few).
pub const RING_SIZE: usize = 64 * 1024;

/// The last RING_SIZE bytes of log records.
pub struct Ring {
    data: [u8; RING_SIZE],
    /// Bytes ever written; the newest is at `(written - 1) % RING_SIZE`.
    written: u64,
    /// `written` when the ring was last cleared.
    cleared: u64,
}

impl Ring {
    pub const fn new() -> Ring {
        Ring {
            data: [0; RING_SIZE],
            written: 0,
            cleared: 0,
        }
    }

    /// Copies the kept log (from the first whole record) into `out`;
    /// returns the bytes copied, the newest last.
    pub fn read_all(&self, out: &mut [u8]) -> usize {
        let size = RING_SIZE as u64;
        let oldest = self.cleared.max(self.written.saturating_sub(size));
        let mut start = oldest.max(self.written.saturating_sub(out.len() as u64));
        // Cut inside the log: begin at the next whole record, unless the
        // byte before (still in the ring) ends one.
        let aligned = start == self.cleared
            || (start > self.written.saturating_sub(size) && self.byte(start - 1) == b'\n');
        if !aligned {
            while start < self.written && self.byte(start) != b'\n' {
                start += 1;
            }
            start = (start + 1).min(self.written);
        }
        let n = (self.written - start) as usize;
        for (i, slot) in out[..n].iter_mut().enumerate() {
            *slot = self.byte(start + i as u64);
        }
        n
    }

    fn byte(&self, position: u64) -> u8 {
        self.data[(position % RING_SIZE as u64) as usize]
    }

    pub fn clear(&mut self) {
        self.cleared = self.written;
    }
}

impl Default for Ring {
    fn default() -> Self {
        Ring::new()
    }
}

impl Write for Ring {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &byte in s.as_bytes() {
            self.data[(self.written % RING_SIZE as u64) as usize] = byte;
            self.written += 1;
        }
        Ok(())
    }
}

pub static RING: Mutex<Ring> = Mutex::new(Ring::new());

/// syslog(2) priorities, as `<N>` starts each record.
fn priority(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

impl Log for ConsoleLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let micros = crate::time::micros_since_entry();
        if let Some(mut ring) = RING.try_lock() {
            let _ = writeln!(
                ring,
                "<{}>[{:5}.{:06}] {}",
                priority(record.level()),
                micros / 1_000_000,
                micros % 1_000_000,
                record.args()
            );
        }
        match record.level() {
            Level::Info => crate::kprintln!("basalt: {}", record.args()),
            Level::Warn => crate::kprintln!("basalt: warning: {}", record.args()),
            Level::Error => crate::kprintln!("basalt: error: {}", record.args()),
            Level::Debug => {
                crate::kprintln!("basalt: debug: {}: {}", record.target(), record.args())
            }
            Level::Trace => {
                crate::kprintln!("basalt: trace: {}: {}", record.target(), record.args())
            }
        }
    }

    fn flush(&self) {}
}

/// Parses a `basalt.loglevel=` value.
pub fn parse_level(value: &str) -> Option<LevelFilter> {
    match value {
        "off" | "0" => Some(LevelFilter::Off),
        "error" | "1" => Some(LevelFilter::Error),
        "warn" | "warning" | "2" => Some(LevelFilter::Warn),
        "info" | "3" => Some(LevelFilter::Info),
        "debug" | "4" => Some(LevelFilter::Debug),
        "trace" | "5" => Some(LevelFilter::Trace),
        _ => None,
    }
}

/// Installs the console logger at `level`.
pub fn init(level: LevelFilter) {
    // A second call keeps the first logger; only the level changes.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_whole_records() {
        let mut ring = alloc::boxed::Box::new(Ring::new());
        for i in 0..10_000 {
            writeln!(ring, "<6>[    0.000000] line {i}").unwrap();
        }
        let mut out = alloc::vec![0u8; RING_SIZE];
        let n = ring.read_all(&mut out);
        let text = core::str::from_utf8(&out[..n]).unwrap();
        assert!(text.starts_with("<6>"));
        assert!(text.ends_with("line 9999\n"));
        let mut small = [0u8; 30];
        let n = ring.read_all(&mut small);
        assert!(
            core::str::from_utf8(&small[..n])
                .unwrap()
                .ends_with("line 9999\n")
        );
        ring.clear();
        assert_eq!(ring.read_all(&mut out), 0);
        writeln!(ring, "<4>[    1.000000] after").unwrap();
        assert_eq!(ring.read_all(&mut out), "<4>[    1.000000] after\n".len());
    }

    #[test]
    fn levels_by_name_and_number() {
        assert_eq!(parse_level("debug"), Some(LevelFilter::Debug));
        assert_eq!(parse_level("2"), Some(LevelFilter::Warn));
        assert_eq!(parse_level("loud"), None);
    }
}
