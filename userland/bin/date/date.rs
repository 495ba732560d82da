//! `date`: print or set the system date and time.
//!
//! There is no time-zone database: times are UTC, or shifted by the fixed
//! offset of a `TZ` like `UTC+5`. Calendar dates are computed here from
//! days since the epoch (Howard Hinnant's civil-from-days).

use crate::common::{Getopt, Opt, strerror, usage_error, warn};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["date"],
    dir: "bin",
    main,
};

const USAGE: &str =
    "usage: date [-u] [-r seconds | -d @seconds] [+format]\n       date [-u] MMDDhhmm[[CC]YY][.ss]";

const DEFAULT_FORMAT: &str = "%a %b %e %H:%M:%S %Z %Y";

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The zone times are shown in: a name and seconds east of UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    name: String,
    offset: i64,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            offset: 0,
        }
    }

    /// Understands `UTC`, `GMT`, and POSIX offsets `UTC+5`, `UTC-5:30`
    /// (hours west of Greenwich, as POSIX counts them); anything else is UTC.
    pub fn from_tz(tz: Option<&str>) -> Zone {
        let Some(tz) = tz else {
            return Zone::utc();
        };
        let Some(rest) = tz.strip_prefix("UTC").or_else(|| tz.strip_prefix("GMT")) else {
            return Zone::utc();
        };
        let (sign, rest) = match rest.chars().next() {
            Some('+') => (1, &rest[1..]),
            Some('-') => (-1, &rest[1..]),
            _ => (1, rest),
        };
        if rest.is_empty() {
            return Zone::utc();
        }
        let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
        match (hours.parse::<i64>(), minutes.parse::<i64>()) {
            (Ok(h), Ok(m)) if h <= 24 && m < 60 => Zone {
                name: "UTC".into(),
                offset: -sign * (h * 3600 + m * 60),
            },
            _ => Zone::utc(),
        }
    }
}

/// A moment broken down into calendar fields.
#[derive(Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 is Sunday.
    pub weekday: u32,
    /// 1 is January 1st.
    pub yearday: u32,
}

/// Days since 1970-01-01 to (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn breakdown(seconds: i64) -> Civil {
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: in_day / 3600,
        minute: in_day / 60 % 60,
        second: in_day % 60,
        weekday: (days + 4).rem_euclid(7) as u32,
        yearday: (days - days_from_civil(year, 1, 1) + 1) as u32,
    }
}

/// strftime(3) for the conversions people use, with GNU's `-`, `_` and `0`
/// padding flags; an unknown conversion is copied as it is.
pub fn format(spec: &str, seconds: i64, zone: &Zone) -> String {
    let t = breakdown(seconds + zone.offset);
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let flag = chars.next_if(|c| matches!(c, '-' | '_' | '0'));
        let Some(conversion) = chars.next() else {
            out.push('%');
            break;
        };
        let number = |value: i64, width: usize, pad: char| -> String {
            match flag.unwrap_or(pad) {
                '-' => value.to_string(),
                '_' => format!("{value:>width$}"),
                _ => format!("{value:0width$}"),
            }
        };
        let hour12 = i64::from(if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        });
        let text = match conversion {
            'Y' => t.year.to_string(),
            'C' => number(t.year.div_euclid(100), 2, '0'),
            'y' => number(t.year.rem_euclid(100), 2, '0'),
            'm' => number(i64::from(t.month), 2, '0'),
            'd' => number(i64::from(t.day), 2, '0'),
            'e' => number(i64::from(t.day), 2, '_'),
            'H' => number(i64::from(t.hour), 2, '0'),
            'k' => number(i64::from(t.hour), 2, '_'),
            'I' => number(hour12, 2, '0'),
            'l' => number(hour12, 2, '_'),
            'M' => number(i64::from(t.minute), 2, '0'),
            'S' => number(i64::from(t.second), 2, '0'),
            'j' => number(i64::from(t.yearday), 3, '0'),
            'u' => (if t.weekday == 0 { 7 } else { t.weekday }).to_string(),
            'w' => t.weekday.to_string(),
            's' => seconds.to_string(),
            'a' => DAYS[t.weekday as usize][..3].to_string(),
            'A' => DAYS[t.weekday as usize].to_string(),
            'b' | 'h' => MONTHS[t.month as usize - 1][..3].to_string(),
            'B' => MONTHS[t.month as usize - 1].to_string(),
            'p' => (if t.hour < 12 { "AM" } else { "PM" }).to_string(),
            'Z' => zone.name.clone(),
            'z' => {
                let sign = if zone.offset < 0 { '-' } else { '+' };
                let abs = zone.offset.abs();
                format!("{sign}{:02}{:02}", abs / 3600, abs / 60 % 60)
            }
            'F' => format("%Y-%m-%d", seconds, zone),
            'T' => format("%H:%M:%S", seconds, zone),
            'D' | 'x' => format("%m/%d/%y", seconds, zone),
            'R' => format("%H:%M", seconds, zone),
            'r' => format("%I:%M:%S %p", seconds, zone),
            'X' => format("%H:%M:%S", seconds, zone),
            'c' => format("%a %b %e %H:%M:%S %Y", seconds, zone),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            other => {
                let mut kept = String::from('%');
                kept.extend(flag);
                kept.push(other);
                kept
            }
        };
        out.push_str(&text);
    }
    out
}

/// Parses POSIX `MMDDhhmm[[CC]YY][.ss]` into seconds since the epoch, in
/// `zone`; the year defaults to the one of `now`.
pub fn parse_setting(text: &str, now: i64, zone: &Zone) -> Option<i64> {
    let (main, seconds) = match text.split_once('.') {
        Some((m, s)) if s.len() == 2 => (m, s.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (text, 0),
    };
    if !main.bytes().all(|b| b.is_ascii_digit()) || ![8, 10, 12].contains(&main.len()) {
        return None;
    }
    let field = |at: usize| main[at..at + 2].parse::<u32>().ok();
    let (month, day, hour, minute) = (field(0)?, field(2)?, field(4)?, field(6)?);
    let year = match main.len() {
        12 => main[8..12].parse::<i64>().ok()?,
        10 => {
            let yy = i64::from(field(8)?);
            if yy >= 69 { 1900 + yy } else { 2000 + yy }
        }
        _ => breakdown(now + zone.offset).year,
    };
    let days_in_month = days_from_civil(year + i64::from(month == 12), month % 12 + 1, 1)
        - days_from_civil(year, month, 1);
    if !(1..=12).contains(&month)
        || day == 0
        || i64::from(day) > days_in_month
        || hour > 23
        || minute > 59
        || seconds > 60
    {
        return None;
    }
    let local =
        days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + seconds);
    Some(local - zone.offset)
}

fn main(args: &[String]) -> i32 {
    let mut zone = Zone::from_tz(std::env::var("TZ").ok().as_deref());
    let mut when: Option<i64> = None;
    let mut getopt = Getopt::new(args, "ud:r:R");
    let mut rfc2822 = false;
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('u', _))) => zone = Zone::utc(),
            Ok(Some(Opt::Flag('R', _))) => rfc2822 = true,
            Ok(Some(Opt::Flag(c, value))) => {
                let value = value.unwrap_or_default();
                let seconds = if c == 'd' {
                    value.strip_prefix('@').and_then(|s| s.parse().ok())
                } else {
                    // BSD: -r SECONDS; GNU: -r FILE, its modification time.
                    value.parse().ok().or_else(|| {
                        std::fs::metadata(&value)
                            .ok()
                            .and_then(|m| m.modified().ok())
                            .map(epoch_seconds)
                    })
                };
                match seconds {
                    Some(s) => when = Some(s),
                    None => return usage_error(args, &format!("invalid date '{value}'"), USAGE),
                }
            }
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let now = epoch_seconds(SystemTime::now());
    let mut spec = if rfc2822 {
        "%a, %d %b %Y %H:%M:%S %z"
    } else {
        DEFAULT_FORMAT
    }
    .to_string();
    match getopt.operands() {
        [] => {}
        [operand] if operand.starts_with('+') => spec = operand[1..].to_string(),
        [operand] if when.is_none() => {
            let Some(target) = parse_setting(operand, now, &zone) else {
                return usage_error(args, &format!("invalid date '{operand}'"), USAGE);
            };
            if let Err(e) = set_clock(target) {
                warn(args, format!("cannot set date: {}", strerror(&e)));
                return 1;
            }
            when = Some(target);
        }
        [operand, ..] => return usage_error(args, &format!("extra operand '{operand}'"), USAGE),
    }
    let text = format(&spec, when.unwrap_or(now), &zone);
    if writeln!(std::io::stdout().lock(), "{text}").is_err() {
        return 1;
    }
    0
}

fn epoch_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs_f64().ceil() as i64),
    }
}

/// Sets the system clock (root only).
fn set_clock(seconds: i64) -> std::io::Result<()> {
    let time = libc::timespec {
        tv_sec: seconds as libc::time_t,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid timespec that lives across the call.
    let result = unsafe { libc::clock_settime(libc::CLOCK_REALTIME, &time) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for days in [-719_468, -1, 0, 59, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn formats() {
        let utc = Zone::utc();
        assert_eq!(
            format(DEFAULT_FORMAT, 0, &utc),
            "Thu Jan  1 00:00:00 UTC 1970"
        );
        assert_eq!(
            format("%F %T %j %u %w %s %%", 951_782_400, &utc),
            "2000-02-29 00:00:00 060 2 2 951782400 %"
        );
        assert_eq!(format("%-d/%_m/%y %Q", 86_400 * 40, &utc), "10/ 2/70 %Q");
    }

    #[test]
    fn zones() {
        let east = Zone::from_tz(Some("UTC-2"));
        assert_eq!(east.offset, 7200);
        assert_eq!(format("%H %z", 0, &east), "02 +0200");
        assert_eq!(Zone::from_tz(Some("UTC+5:30")).offset, -19_800);
        assert_eq!(Zone::from_tz(Some("Europe/Paris")), Zone::utc());
    }

    #[test]
    fn settings() {
        let utc = Zone::utc();
        assert_eq!(parse_setting("0101000070", 0, &utc), Some(0));
        assert_eq!(parse_setting("022900002000.30", 0, &utc), Some(951_782_430));
        assert_eq!(parse_setting("02300000", 0, &utc), None);
        assert_eq!(parse_setting("1301000070", 0, &utc), None);
    }
}
