//! Partition tables: [`gpt`] (read with CRC checks and backup-header
//! recovery, create, edit) and [`mbr`] (primary slices, the extended chain
//! of logical ones, the protective MBR in front of a GPT), the [`types`] of
//! partitions by GUID and by MBR id, and the BSD [`naming`] of partitions.
//!
//! `no_std` + `alloc` at the core: the kernel finds its partitions with the
//! same code the host tools write them with. Everything goes through
//! [`blockdev::BlockDevice`], so a table inside an image file, a partition
//! at an offset or a buffer in memory are all the same to it. Sectors are
//! 512 bytes. New partitions are aligned to 1 MiB ([`ALIGN`]).
//!
//! The `gpt` crate was not used: it works on `std` files only, so the
//! kernel would need a second reader anyway, and it cannot work through a
//! device window or recover from the backup header the way `gpt recover`
//! must; a reader and writer of our own serve every caller with one API.
//!
//! Malformed input is an [`Error`], never a panic, a hang or an
//! out-of-bounds access: sizes read from disk are bounded before use and the
//! logical-slice chain is walked at most [`mbr::MAX_LOGICAL`] steps.

#![cfg_attr(not(any(feature = "std", test)), no_std)]

extern crate alloc;

pub mod gpt;
pub mod mbr;
pub mod naming;
#[cfg(feature = "std")]
pub mod open;
pub mod types;

pub use blockdev::{BlockDevice, DeviceError};
use core::fmt;

/// Bytes in a sector.
pub const SECTOR: u64 = 512;
/// Where new partitions start and how their sizes round: 1 MiB in sectors.
pub const ALIGN: u64 = 2048;

/// What can go wrong with a partition table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The device failed at this byte offset.
    Device { offset: u64, error: DeviceError },
    /// No table of the kind asked for.
    NotFound(&'static str),
    /// The table is there but damaged beyond use.
    Corrupt(&'static str),
    /// A request that cannot be met (no room, bad index, ...).
    Invalid(&'static str),
    /// Inside a partition: its disk label.
    Label(disklabel::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Device { offset, error } => write!(f, "at byte {offset}: {error}"),
            Error::NotFound(what) => write!(f, "no {what}"),
            Error::Corrupt(why) => write!(f, "corrupt partition table: {why}"),
            Error::Invalid(why) => f.write_str(why),
            Error::Label(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

impl From<disklabel::Error> for Error {
    fn from(e: disklabel::Error) -> Error {
        Error::Label(e)
    }
}

impl From<blockdev::ErrorAt> for Error {
    fn from(e: blockdev::ErrorAt) -> Error {
        Error::Device {
            offset: e.offset,
            error: e.error,
        }
    }
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Rounds `lba` up to the next multiple of [`ALIGN`].
pub fn align_up(lba: u64) -> u64 {
    lba.div_ceil(ALIGN).saturating_mul(ALIGN)
}

pub use disklabel::label64::{format_uuid as format_guid, parse_uuid as parse_guid};
