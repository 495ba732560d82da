//! osstest: boots Basalt on emulated machines and judges what it prints.
//!
//! [`qemu`] starts and watches one virtual machine (serial console captured
//! line by line, the process killed when the handle is dropped); [`accel`]
//! decides between KVM and TCG by trying KVM, never by assuming it;
//! [`bench`] measures boots against Debian's Linux in the same run.

pub mod accel;
pub mod artifacts;
pub mod bench;
pub mod qemu;
