//! The CMOS real-time clock, read once at boot for the wall clock.

use x86_64::instructions::port::Port;

fn read_register(register: u8) -> u8 {
    // SAFETY: ports 0x70/0x71 select and read a CMOS register; bit 7 of the
    // index keeps NMIs disabled as it was, and reads have no other effect.
    unsafe {
        Port::<u8>::new(0x70).write(register);
        Port::<u8>::new(0x71).read()
    }
}

fn bcd(value: u8) -> u64 {
    u64::from((value & 0x0f) + (value >> 4) * 10)
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u64, day: u64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch, or None when no RTC answers.
pub fn read_epoch_seconds() -> Option<u64> {
    // Wait out an update in progress so the fields belong together.
    for _ in 0..100_000 {
        if read_register(0x0a) & 0x80 == 0 {
            break;
        }
    }
    let status_b = read_register(0x0b);
    if status_b == 0xff {
        return None;
    }
    let raw = [
        read_register(0x00),
        read_register(0x02),
        read_register(0x04),
        read_register(0x07),
        read_register(0x08),
        read_register(0x09),
    ];
    let decode = |v: u8| {
        if status_b & 0x04 == 0 {
            bcd(v)
        } else {
            u64::from(v)
        }
    };
    let (sec, min, day, month, year) = (
        decode(raw[0]),
        decode(raw[1]),
        decode(raw[3]),
        decode(raw[4]),
        decode(raw[5]),
    );
    let mut hour = decode(raw[2] & 0x7f);
    if status_b & 0x02 == 0 && raw[2] & 0x80 != 0 {
        hour = (hour + 12) % 24;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(2000 + year as i64, month, day);
    Some(days as u64 * 86_400 + hour * 3600 + min * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_count_days_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 23), 20_780);
    }
}
