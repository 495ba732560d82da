//! The kernel log: `log` records printed on the console.
//!
//! Info lines read `basalt: <message>`; other levels name themselves
//! (`basalt: warning: ...`). `basalt.loglevel=` (error, warn, info, debug,
//! trace) chooses what is shown; info is the default.

use log::{Level, LevelFilter, Log, Metadata, Record};

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
    fn levels_by_name_and_number() {
        assert_eq!(parse_level("debug"), Some(LevelFilter::Debug));
        assert_eq!(parse_level("2"), Some(LevelFilter::Warn));
        assert_eq!(parse_level("loud"), None);
    }
}
