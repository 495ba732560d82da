//! The Linux x86_64 system-call ABI, as Basalt's kernel implements it and its userland
//! uses it: syscall and error numbers, flag bits, and the `repr(C)` structures that
//! cross the user/kernel boundary.
//!
//! Definitions follow the kernel's UAPI headers for x86_64 (not glibc's userspace
//! versions, where they differ). Open-ended C enumerations are newtypes with associated
//! constants ([`errno::Errno`], [`sysno::Sysno`], [`signal::Signal`]); flag sets are
//! plain constants. Structures derive `zerocopy` traits so they can be copied to and
//! from user memory as bytes. The unit tests check every size, offset and value that the
//! host's `libc` crate also defines.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod errno;
pub mod fs;
pub mod mm;
pub mod process;
pub mod signal;
pub mod sysno;
pub mod system;
pub mod time;
pub mod tty;

/// Test helpers shared by the modules' unit tests.
#[cfg(test)]
mod check {
    /// Asserts that each of our constants equals the `libc` one, after converting both
    /// to `$ty` with `as` (libc often uses `c_int` where the kernel uses unsigned).
    macro_rules! same_consts {
        ($ty:ty; $($ours:expr => $theirs:expr),* $(,)?) => {
            $(
                assert_eq!(
                    $ours as $ty,
                    $theirs as $ty,
                    "{} != {}",
                    stringify!($ours),
                    stringify!($theirs)
                );
            )*
        };
    }

    /// Asserts that two structures have the same size and that each listed field pair
    /// sits at the same offset.
    macro_rules! same_layout {
        ($ours:ty, $theirs:ty; $($a:ident $(. $an:tt)* => $b:ident $(. $bn:tt)*),* $(,)?) => {
            assert_eq!(
                core::mem::size_of::<$ours>(),
                core::mem::size_of::<$theirs>(),
                "size of {}",
                stringify!($ours)
            );
            $crate::check::same_offsets!($ours, $theirs; $($a $(. $an)* => $b $(. $bn)*),*);
        };
    }

    /// Asserts that each listed field pair sits at the same offset (sizes may differ).
    macro_rules! same_offsets {
        ($ours:ty, $theirs:ty; $($a:ident $(. $an:tt)* => $b:ident $(. $bn:tt)*),* $(,)?) => {
            $(
                assert_eq!(
                    core::mem::offset_of!($ours, $a $(. $an)*),
                    core::mem::offset_of!($theirs, $b $(. $bn)*),
                    "offset of {}::{}",
                    stringify!($ours),
                    stringify!($a)
                );
            )*
        };
    }

    pub(crate) use {same_consts, same_layout, same_offsets};
}
