//! `touch`: change file access and modification times, making files that
//! do not exist.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::ffi::CString;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["touch"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: touch [-acm] [-r file | -t [[CC]YY]MMDDhhmm[.SS] | -d date] file ...";

fn main(args: &[String]) -> i32 {
    let mut access = false;
    let mut modify = false;
    let mut create = true;
    // (access, modification) as (seconds, nanoseconds); None is "now".
    let mut times: Option<[(i64, i64); 2]> = None;
    let mut g = Getopt::new(args, "acmr:t:d:");
    loop {
        let parsed = match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('a', _))) => {
                access = true;
                continue;
            }
            Ok(Some(Opt::Flag('m', _))) => {
                modify = true;
                continue;
            }
            Ok(Some(Opt::Flag('c', _))) => {
                create = false;
                continue;
            }
            Ok(Some(Opt::Flag('r', Some(file)))) => match std::fs::metadata(&file) {
                Ok(m) => Some([(m.atime(), m.atime_nsec()), (m.mtime(), m.mtime_nsec())]),
                Err(e) => {
                    warn_io(args, file, &e);
                    return 1;
                }
            },
            Ok(Some(Opt::Flag('t', Some(stamp)))) => match parse_stamp(&stamp) {
                Some(t) => Some([(t, 0), (t, 0)]),
                None => return usage_error(args, &format!("invalid time: {stamp}"), USAGE),
            },
            Ok(Some(Opt::Flag(_, date))) => {
                let date = date.unwrap_or_default();
                match parse_date(&date) {
                    Some(t) => Some([t, t]),
                    None => return usage_error(args, &format!("invalid date: {date}"), USAGE),
                }
            }
            Err(e) => return usage_error(args, &e.0, USAGE),
        };
        times = parsed;
    }
    if g.operands().is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    if !access && !modify {
        access = true;
        modify = true;
    }
    let stamp = |which: usize, wanted: bool| match (wanted, times) {
        (false, _) => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        (true, None) => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
        (true, Some(t)) => libc::timespec {
            tv_sec: t[which].0,
            tv_nsec: t[which].1,
        },
    };
    let spec = [stamp(0, access), stamp(1, modify)];
    let mut status = 0;
    for file in g.operands() {
        if let Err(e) = touch(file, create, &spec) {
            warn_io(args, file, &e);
            status = 1;
        }
    }
    status
}

fn touch(file: &str, create: bool, spec: &[libc::timespec; 2]) -> std::io::Result<()> {
    if std::fs::metadata(file).is_err() {
        if !create {
            return Ok(());
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)?;
    }
    set_times(file, spec, true)
}

/// utimensat(2) on `path`; `follow` false changes a symbolic link itself.
pub fn set_times(path: &str, spec: &[libc::timespec; 2], follow: bool) -> std::io::Result<()> {
    let c = CString::new(path).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
    // SAFETY: `c` is NUL-terminated and `spec` holds two timespecs, both live.
    if unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), spec.as_ptr(), flags) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Seconds since the epoch of a local time, by mktime(3); None if invalid.
fn local_seconds(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> Option<i64> {
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0..=23).contains(&hour)
        || !(0..=59).contains(&min)
        || !(0..=60).contains(&sec)
    {
        return None;
    }
    // SAFETY: tm is plain old data; zeroed is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = (year - 1900) as i32;
    tm.tm_mon = (month - 1) as i32;
    tm.tm_mday = day as i32;
    tm.tm_hour = hour as i32;
    tm.tm_min = min as i32;
    tm.tm_sec = sec as i32;
    tm.tm_isdst = -1;
    // SAFETY: mktime reads and normalizes the live local.
    let t = unsafe { libc::mktime(&mut tm) };
    (t != -1).then_some(t)
}

/// `[[CC]YY]MMDDhhmm[.SS]`, in local time.
fn parse_stamp(stamp: &str) -> Option<i64> {
    let (main, seconds) = match stamp.split_once('.') {
        Some((main, s)) if s.len() == 2 => (main, s.parse().ok()?),
        Some(_) => return None,
        None => (stamp, 0),
    };
    if !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pairs: Vec<i64> = main
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).ok()?.parse().ok())
        .collect::<Option<_>>()?;
    let (year, rest) = match (main.len(), pairs.as_slice()) {
        (12, [cc, yy, rest @ ..]) => (cc * 100 + yy, rest),
        (10, [yy, rest @ ..]) => (if *yy < 69 { 2000 + yy } else { 1900 + yy }, rest),
        (8, rest) => (
            1900 + crate::r#ls::modes::local_time(crate::r#ls::modes::now()).tm_year as i64,
            rest,
        ),
        _ => return None,
    };
    let [month, day, hour, min] = rest else {
        return None;
    };
    local_seconds(year, *month, *day, *hour, *min, seconds)
}

/// `@SECONDS` or `YYYY-MM-DD[ T]hh:mm[:ss[.frac]]` (local, or UTC with a
/// trailing `Z`), or a date alone (midnight).
fn parse_date(date: &str) -> Option<(i64, i64)> {
    if let Some(seconds) = date.strip_prefix('@') {
        return Some((seconds.parse().ok()?, 0));
    }
    let (date, utc) = match date.strip_suffix('Z').or_else(|| date.strip_suffix(" UTC")) {
        Some(d) => (d, true),
        None => (date, false),
    };
    let (day_part, time_part) = match date.split_once([' ', 'T']) {
        Some((d, t)) => (d, t),
        None => (date, "00:00"),
    };
    let ymd: Vec<i64> = day_part
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [year, month, day] = ymd[..] else {
        return None;
    };
    let (clock, fraction) = match time_part.split_once('.') {
        Some((c, f)) if f.bytes().all(|b| b.is_ascii_digit()) && !f.is_empty() => {
            let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            (c, digits.parse().ok()?)
        }
        Some(_) => return None,
        None => (time_part, 0),
    };
    let hms: Vec<i64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (hour, min, sec) = match hms[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    let seconds = if utc {
        days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec
    } else {
        local_seconds(year, month, day, hour, min, sec)?
    };
    Some((seconds, fraction))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(parse_date("@86400"), Some((86400, 0)));
        assert_eq!(parse_date("1970-01-02 00:00:00Z"), Some((86400, 0)));
        assert_eq!(
            parse_date("2000-03-01T12:00:00.5Z"),
            Some((951_912_000, 500_000_000))
        );
        assert_eq!(parse_date("2000-13-01"), None);
        assert_eq!(parse_stamp("20001301"), None);
        assert_eq!(parse_stamp("2001011200.5"), None);
    }
}
