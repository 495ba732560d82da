//! `sleep`: wait for an amount of time.

use crate::common::usage_error;
use std::io::Write;
use std::time::Duration;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["sleep"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: sleep number[smhd] ...";

/// Parses `1.5`, `2m`, `1h`, `.5d` and GNU's `infinity` into seconds.
pub fn parse_interval(text: &str) -> Option<f64> {
    if text == "inf" || text == "infinity" {
        return Some(f64::INFINITY);
    }
    let (number, unit) = match text.char_indices().last()? {
        (at, c @ ('s' | 'm' | 'h' | 'd')) => (&text[..at], c),
        _ => (text, 's'),
    };
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let scale = match unit {
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86400.0,
        _ => 1.0,
    };
    Some(value * scale)
}

fn main(args: &[String]) -> i32 {
    let mut operands = &args[1..];
    match operands.first().map(String::as_str) {
        Some("--help") => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return 0;
        }
        Some("--") => operands = &operands[1..],
        _ => {}
    }
    if operands.is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let mut total = 0.0;
    for operand in operands {
        match parse_interval(operand) {
            Some(seconds) => total += seconds,
            None => return usage_error(args, &format!("invalid time interval '{operand}'"), USAGE),
        }
    }
    // Durations past what the clock can count are as good as forever.
    std::thread::sleep(Duration::try_from_secs_f64(total).unwrap_or(Duration::MAX));
    0
}

#[cfg(test)]
mod tests {
    use super::parse_interval;

    #[test]
    fn units() {
        assert_eq!(parse_interval("1.5"), Some(1.5));
        assert_eq!(parse_interval("2m"), Some(120.0));
        assert_eq!(parse_interval(".5h"), Some(1800.0));
        assert_eq!(parse_interval("1d"), Some(86400.0));
        assert_eq!(parse_interval("x"), None);
        assert_eq!(parse_interval("-1"), None);
        assert_eq!(parse_interval("s"), None);
        assert_eq!(parse_interval("infinity"), Some(f64::INFINITY));
        assert_eq!(parse_interval("nan"), None);
    }
}
