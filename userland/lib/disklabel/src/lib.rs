//! BSD disk labels, byte-compatible with DragonFly BSD: the 64-bit
//! [`label64`] (byte offsets, CRC-32, storage UUIDs) and the classic
//! [`label32`] (sector numbers, XOR checksum). A label sits inside a slice
//! (an MBR slice or a GPT partition) and divides it into partitions named by
//! letter: `a`..`p`, so `vbd0s1a` is partition `a` of slice 1 of disk `vbd0`
//! (see the `partition` crate for the whole naming scheme).
//!
//! `no_std` + `alloc` at the core, so the kernel reads labels with the same
//! code; [`text`] prints a label and reads it back from a prototype file in
//! the format of DragonFly's disklabel64(8) and disklabel(8).
//!
//! # Filesystem type codes
//! The `fstype` byte uses the BSD numbers ([`fstype`]). Basalt's ext2 is
//! **17**, the number every BSD already gives `ext2fs`; it is stable.
//!
//! Malformed input is an [`Error`], never a panic: every offset read from
//! disk is checked before use.

#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

pub mod fstype;
pub mod label32;
pub mod label64;
pub mod text;

pub use blockdev::{BlockDevice, DeviceError};
use core::fmt;

/// The letter naming partition `index` (`a` for 0).
pub fn partition_letter(index: usize) -> Option<char> {
    u8::try_from(index)
        .ok()
        .filter(|&i| i < 26)
        .map(|i| char::from(b'a' + i))
}

/// The index of the partition named `letter`.
pub fn partition_index(letter: char) -> Option<usize> {
    letter
        .is_ascii_lowercase()
        .then(|| usize::from(letter as u8 - b'a'))
}

/// What can go wrong reading or writing a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The device failed at this byte offset.
    Device { offset: u64, error: DeviceError },
    /// No label: the magic number is missing.
    NoLabel,
    /// The magic is there but the checksum or CRC does not match.
    BadChecksum,
    /// The label contradicts itself or its slice.
    Invalid(&'static str),
    /// The slice is too small to hold a label.
    TooSmall,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Device { offset, error } => write!(f, "at byte {offset}: {error}"),
            Error::NoLabel => f.write_str("no disk label"),
            Error::BadChecksum => f.write_str("disk label checksum mismatch"),
            Error::Invalid(why) => write!(f, "invalid disk label: {why}"),
            Error::TooSmall => f.write_str("slice too small for a disk label"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<blockdev::ErrorAt> for Error {
    fn from(e: blockdev::ErrorAt) -> Error {
        Error::Device {
            offset: e.offset,
            error: e.error,
        }
    }
}

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

pub(crate) fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// The text of a NUL-padded name field.
pub(crate) fn name_of(field: &[u8]) -> alloc::string::String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    alloc::string::String::from_utf8_lossy(&field[..end]).into_owned()
}

/// `name` NUL-padded into a field of `N` bytes (truncated to fit).
pub(crate) fn name_field<const N: usize>(name: &str) -> [u8; N] {
    let mut field = [0; N];
    let n = name.len().min(N);
    field[..n].copy_from_slice(&name.as_bytes()[..n]);
    field
}
