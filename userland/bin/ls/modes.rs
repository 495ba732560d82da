//! How file modes, sizes and times are shown: `-rwsr-xr-x`, `1.5K`,
//! `Nov 23 14:05`. `ls`, `stat`, `du` and `df` share these.

/// The file type letter of `ls -l`.
pub fn type_char(mode: u32) -> char {
    match mode & libc::S_IFMT {
        libc::S_IFDIR => 'd',
        libc::S_IFLNK => 'l',
        libc::S_IFCHR => 'c',
        libc::S_IFBLK => 'b',
        libc::S_IFIFO => 'p',
        libc::S_IFSOCK => 's',
        _ => '-',
    }
}

/// The ten characters of `ls -l`: type, then rwx for owner, group, others,
/// with set-id and sticky bits shown in the execute places.
pub fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(type_char(mode));
    let classes = [
        (0o400, 0o200, 0o100, 0o4000, 's'),
        (0o040, 0o020, 0o010, 0o2000, 's'),
        (0o004, 0o002, 0o001, 0o1000, 't'),
    ];
    for (r, w, x, special, letter) in classes {
        s.push(if mode & r != 0 { 'r' } else { '-' });
        s.push(if mode & w != 0 { 'w' } else { '-' });
        s.push(match (mode & x != 0, mode & special != 0) {
            (true, true) => letter,
            (false, true) => letter.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// A size with a unit suffix the way GNU's `-h` shows it: below 10 units one
/// decimal, rounded up (`1.1K`); from 10 on a whole number, rounded up (`11K`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["K", "M", "G", "T", "P", "E", "Z"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    value /= 1024.0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        let tenths = (value * 10.0).ceil();
        if tenths >= 100.0 {
            return format!("10{}", UNITS[unit]);
        }
        return format!("{:.1}{}", tenths / 10.0, UNITS[unit]);
    }
    let whole = value.ceil();
    if whole >= 1024.0 && unit + 1 < UNITS.len() {
        return format!("1.0{}", UNITS[unit + 1]);
    }
    format!("{}{}", whole as u64, UNITS[unit])
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Broken-down local time, as localtime(3) gives it.
pub fn local_time(seconds: i64) -> libc::tm {
    // SAFETY: tm is plain old data; zeroed is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let t: libc::time_t = seconds;
    // SAFETY: both pointers are to live locals for the duration of the call.
    unsafe { libc::localtime_r(&t, &mut tm) };
    tm
}

/// `Nov 23 14:05` for times in the last six months, `Nov 23  2025` otherwise.
pub fn ls_date(seconds: i64, now: i64) -> String {
    let tm = local_time(seconds);
    let month = MONTHS[tm.tm_mon.clamp(0, 11) as usize];
    const SIX_MONTHS: i64 = 31_556_952 / 2;
    if seconds > now - SIX_MONTHS && seconds <= now {
        format!(
            "{month} {:>2} {:02}:{:02}",
            tm.tm_mday, tm.tm_hour, tm.tm_min
        )
    } else {
        format!("{month} {:>2}  {}", tm.tm_mday, tm.tm_year + 1900)
    }
}

/// `2026-11-23 14:05:00.000000000 +0000`, as `stat` shows times.
pub fn full_date(seconds: i64, nanos: i64) -> String {
    let tm = local_time(seconds);
    let offset = tm.tm_gmtoff / 60;
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}.{:09} {sign}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        nanos,
        offset.abs() / 60,
        offset.abs() % 60
    )
}

/// Seconds since the epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The major and minor numbers of a device number.
pub fn major_minor(rdev: u64) -> (u32, u32) {
    (libc::major(rdev), libc::minor(rdev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(mode_string(0o100644), "-rw-r--r--");
        assert_eq!(mode_string(0o104755), "-rwsr-xr-x");
        assert_eq!(mode_string(0o041777), "drwxrwxrwt");
        assert_eq!(mode_string(0o102644), "-rw-r-Sr--");
        assert_eq!(mode_string(0o120777), "lrwxrwxrwx");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(0), "0");
        assert_eq!(human(1023), "1023");
        assert_eq!(human(1024), "1.0K");
        assert_eq!(human(1025), "1.1K");
        assert_eq!(human(10 * 1024), "10K");
        assert_eq!(human(10 * 1024 + 1), "11K");
        assert_eq!(human(1024 * 1024 - 1), "1.0M");
        assert_eq!(human(3 * 1024 * 1024 * 1024), "3.0G");
    }
}
