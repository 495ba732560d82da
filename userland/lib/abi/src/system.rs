//! System information and scheduling: `uname`, `sysinfo`, `getrandom` flags and the
//! basic scheduling policies.
//!
//! Layouts from `include/uapi/linux/{utsname,sysinfo,random,sched}.h`.

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

/// Length of each [`Utsname`] field, including the NUL.
pub const UTSNAME_LENGTH: usize = 65;

/// `struct new_utsname`, filled by `uname` (390 bytes). Each field is a NUL-terminated
/// string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Utsname {
    /// Operating system name (`"Linux"` for compatibility).
    pub sysname: [u8; UTSNAME_LENGTH],
    /// Host name.
    pub nodename: [u8; UTSNAME_LENGTH],
    /// Kernel release.
    pub release: [u8; UTSNAME_LENGTH],
    /// Kernel version.
    pub version: [u8; UTSNAME_LENGTH],
    /// Hardware name (`"x86_64"`).
    pub machine: [u8; UTSNAME_LENGTH],
    /// NIS domain name.
    pub domainname: [u8; UTSNAME_LENGTH],
}

impl Default for Utsname {
    fn default() -> Self {
        Utsname::new_zeroed()
    }
}

impl Utsname {
    /// A field holding `s`, truncated to 64 bytes so that it stays NUL-terminated.
    pub const fn field(s: &str) -> [u8; UTSNAME_LENGTH] {
        let bytes = s.as_bytes();
        let mut out = [0; UTSNAME_LENGTH];
        let mut i = 0;
        while i < bytes.len() && i < UTSNAME_LENGTH - 1 {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }
}

/// `struct sysinfo` (112 bytes on x86_64).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Sysinfo {
    /// Seconds since boot.
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages, scaled by `1 << SI_LOAD_SHIFT`.
    pub loads: [u64; 3],
    /// Total usable main memory, in `mem_unit`s.
    pub totalram: u64,
    /// Available memory.
    pub freeram: u64,
    /// Shared memory.
    pub sharedram: u64,
    /// Memory used by buffers.
    pub bufferram: u64,
    /// Total swap space.
    pub totalswap: u64,
    /// Free swap space.
    pub freeswap: u64,
    /// Number of current processes.
    pub procs: u16,
    /// Explicit padding (named `pad` in C).
    pub pad: u16,
    /// Padding (implicit in C).
    pub _pad2: u32,
    /// Total high memory.
    pub totalhigh: u64,
    /// Free high memory.
    pub freehigh: u64,
    /// Size of the memory unit in bytes.
    pub mem_unit: u32,
    /// Tail padding (`_f`, empty on 64-bit, plus alignment).
    pub _f: u32,
}

/// Fixed-point shift of [`Sysinfo::loads`].
pub const SI_LOAD_SHIFT: u32 = 16;

// `getrandom` flags.
/// Do not block if the pool is not initialized.
pub const GRND_NONBLOCK: u32 = 0x0001;
/// Use the (legacy) blocking pool.
pub const GRND_RANDOM: u32 = 0x0002;
/// Return possibly insecure bytes if not initialized.
pub const GRND_INSECURE: u32 = 0x0004;

// Scheduling policies.
/// Default time-sharing policy (`SCHED_OTHER`).
pub const SCHED_NORMAL: u32 = 0;
/// Alias of [`SCHED_NORMAL`] (glibc's name).
pub const SCHED_OTHER: u32 = SCHED_NORMAL;
/// First-in first-out real-time.
pub const SCHED_FIFO: u32 = 1;
/// Round-robin real-time.
pub const SCHED_RR: u32 = 2;
/// CPU-bound batch.
pub const SCHED_BATCH: u32 = 3;
/// Very low priority background.
pub const SCHED_IDLE: u32 = 5;
/// Deadline scheduling.
pub const SCHED_DEADLINE: u32 = 6;
/// Flag: children revert to the default policy.
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;

/// `struct sched_param`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SchedParam {
    /// Static priority (1..=99 for the real-time policies, else 0).
    pub sched_priority: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{same_consts, same_layout};

    #[test]
    fn constants_match_libc() {
        same_consts! { i64;
            GRND_NONBLOCK => libc::GRND_NONBLOCK, GRND_RANDOM => libc::GRND_RANDOM,
            GRND_INSECURE => libc::GRND_INSECURE,
            SCHED_OTHER => libc::SCHED_OTHER, SCHED_NORMAL => libc::SCHED_NORMAL,
            SCHED_FIFO => libc::SCHED_FIFO, SCHED_RR => libc::SCHED_RR,
            SCHED_BATCH => libc::SCHED_BATCH, SCHED_IDLE => libc::SCHED_IDLE,
            SCHED_DEADLINE => libc::SCHED_DEADLINE,
            SCHED_RESET_ON_FORK => libc::SCHED_RESET_ON_FORK,
        }
    }

    #[test]
    fn layouts_match_libc() {
        same_layout!(Utsname, libc::utsname;
            sysname => sysname, nodename => nodename, release => release,
            version => version, machine => machine, domainname => domainname);
        assert_eq!(core::mem::size_of::<Utsname>(), 6 * 65);
        same_layout!(Sysinfo, libc::sysinfo;
            uptime => uptime, loads => loads, totalram => totalram, freeram => freeram,
            sharedram => sharedram, bufferram => bufferram, totalswap => totalswap,
            freeswap => freeswap, procs => procs, pad => pad, totalhigh => totalhigh,
            freehigh => freehigh, mem_unit => mem_unit, _f => _f);
        same_layout!(SchedParam, libc::sched_param; sched_priority => sched_priority);
    }

    #[test]
    fn utsname_field() {
        let f = Utsname::field("Linux");
        assert_eq!(&f[..6], b"Linux\0");
        let long = Utsname::field(core::str::from_utf8(&[b'x'; 100]).unwrap());
        assert_eq!(long[63], b'x');
        assert_eq!(long[64], 0);
    }
}
