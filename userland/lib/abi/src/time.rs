//! Time: `timespec`, `timeval` and friends, clock ids, timer flags.
//!
//! Layouts from `include/uapi/linux/time.h` and `time_types.h` (64-bit `time_t`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Nanoseconds per second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

/// `struct timespec` (`__kernel_timespec` on x86_64).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(C)]
pub struct Timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds, `0..NSEC_PER_SEC` when valid.
    pub tv_nsec: i64,
}

impl Timespec {
    /// Whether `tv_nsec` is in range (`EINVAL` otherwise) and `tv_sec` is not negative.
    pub const fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && self.tv_nsec >= 0 && self.tv_nsec < NSEC_PER_SEC
    }
}

/// `struct timeval`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(C)]
pub struct Timeval {
    /// Seconds.
    pub tv_sec: i64,
    /// Microseconds.
    pub tv_usec: i64,
}

/// `struct timezone` (obsolete argument of `gettimeofday`/`settimeofday`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Timezone {
    /// Minutes west of Greenwich.
    pub tz_minuteswest: i32,
    /// Type of DST correction.
    pub tz_dsttime: i32,
}

/// `struct itimerspec` (`timer_settime`, `timerfd_settime`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Itimerspec {
    /// Reload value (zero: one-shot).
    pub it_interval: Timespec,
    /// Time until the next expiry (zero: disarmed).
    pub it_value: Timespec,
}

/// `struct itimerval` (`setitimer`, `getitimer`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Itimerval {
    /// Reload value (zero: one-shot).
    pub it_interval: Timeval,
    /// Time until the next expiry (zero: disarmed).
    pub it_value: Timeval,
}

/// `struct tms` (`times`), in clock ticks (`AT_CLKTCK` per second).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Tms {
    /// User time.
    pub tms_utime: i64,
    /// System time.
    pub tms_stime: i64,
    /// User time of waited-for children.
    pub tms_cutime: i64,
    /// System time of waited-for children.
    pub tms_cstime: i64,
}

// Clock ids.
/// Wall-clock time.
pub const CLOCK_REALTIME: i32 = 0;
/// Monotonic time since an unspecified point (not counting suspend).
pub const CLOCK_MONOTONIC: i32 = 1;
/// CPU time of the process.
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
/// CPU time of the thread.
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
/// Monotonic time without NTP adjustment.
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
/// Faster, coarser `CLOCK_REALTIME`.
pub const CLOCK_REALTIME_COARSE: i32 = 5;
/// Faster, coarser `CLOCK_MONOTONIC`.
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
/// Monotonic time including suspend.
pub const CLOCK_BOOTTIME: i32 = 7;
/// `CLOCK_REALTIME` that wakes the system.
pub const CLOCK_REALTIME_ALARM: i32 = 8;
/// `CLOCK_BOOTTIME` that wakes the system.
pub const CLOCK_BOOTTIME_ALARM: i32 = 9;
/// International Atomic Time.
pub const CLOCK_TAI: i32 = 11;

/// `clock_nanosleep`/`timer_settime` flag: the time is absolute.
pub const TIMER_ABSTIME: u32 = 1;

// `setitimer` timers.
/// Real time; delivers `SIGALRM`.
pub const ITIMER_REAL: u32 = 0;
/// Process user time; delivers `SIGVTALRM`.
pub const ITIMER_VIRTUAL: u32 = 1;
/// Process user and system time; delivers `SIGPROF`.
pub const ITIMER_PROF: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{same_consts, same_layout};

    #[test]
    fn constants_match_libc() {
        same_consts! { i64;
            CLOCK_REALTIME => libc::CLOCK_REALTIME, CLOCK_MONOTONIC => libc::CLOCK_MONOTONIC,
            CLOCK_PROCESS_CPUTIME_ID => libc::CLOCK_PROCESS_CPUTIME_ID,
            CLOCK_THREAD_CPUTIME_ID => libc::CLOCK_THREAD_CPUTIME_ID,
            CLOCK_MONOTONIC_RAW => libc::CLOCK_MONOTONIC_RAW,
            CLOCK_REALTIME_COARSE => libc::CLOCK_REALTIME_COARSE,
            CLOCK_MONOTONIC_COARSE => libc::CLOCK_MONOTONIC_COARSE,
            CLOCK_BOOTTIME => libc::CLOCK_BOOTTIME,
            CLOCK_REALTIME_ALARM => libc::CLOCK_REALTIME_ALARM,
            CLOCK_BOOTTIME_ALARM => libc::CLOCK_BOOTTIME_ALARM, CLOCK_TAI => libc::CLOCK_TAI,
            TIMER_ABSTIME => libc::TIMER_ABSTIME,
            ITIMER_REAL => libc::ITIMER_REAL, ITIMER_VIRTUAL => libc::ITIMER_VIRTUAL,
            ITIMER_PROF => libc::ITIMER_PROF,
        }
    }

    #[test]
    fn layouts_match_libc() {
        same_layout!(Timespec, libc::timespec; tv_sec => tv_sec, tv_nsec => tv_nsec);
        same_layout!(Timeval, libc::timeval; tv_sec => tv_sec, tv_usec => tv_usec);
        same_layout!(Itimerspec, libc::itimerspec;
            it_interval => it_interval, it_value => it_value);
        same_layout!(Itimerval, libc::itimerval;
            it_interval => it_interval, it_value => it_value);
        same_layout!(Tms, libc::tms;
            tms_utime => tms_utime, tms_stime => tms_stime, tms_cutime => tms_cutime,
            tms_cstime => tms_cstime);
        // libc's `timezone` is opaque; the kernel's is two ints.
        assert_eq!(core::mem::size_of::<Timezone>(), 8);
        assert_eq!(core::mem::offset_of!(Timezone, tz_dsttime), 4);
    }

    #[test]
    fn timespec_validity() {
        assert!(
            Timespec {
                tv_sec: 0,
                tv_nsec: 999_999_999
            }
            .is_valid()
        );
        assert!(
            !Timespec {
                tv_sec: 0,
                tv_nsec: NSEC_PER_SEC
            }
            .is_valid()
        );
        assert!(
            !Timespec {
                tv_sec: -1,
                tv_nsec: 0
            }
            .is_valid()
        );
    }
}
