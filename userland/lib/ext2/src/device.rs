//! The storage under a filesystem: the [`blockdev`] crate's devices, shared
//! with the partition and disklabel libraries, and helpers that put the
//! offset into ext2's errors.

#[cfg(feature = "std")]
pub use blockdev::FileDevice;
pub use blockdev::{BlockDevice, MemoryDevice, Partition};

use crate::error::{Error, Result};

/// Reads with the offset in the error.
pub(crate) fn read<D: BlockDevice + ?Sized>(dev: &D, offset: u64, buf: &mut [u8]) -> Result<()> {
    dev.read_at(offset, buf)
        .map_err(|error| Error::Device { offset, error })
}

/// Writes with the offset in the error.
pub(crate) fn write<D: BlockDevice + ?Sized>(dev: &mut D, offset: u64, buf: &[u8]) -> Result<()> {
    dev.write_at(offset, buf)
        .map_err(|error| Error::Device { offset, error })
}

/// Flushes with the error kept.
pub(crate) fn flush<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<()> {
    dev.flush()
        .map_err(|error| Error::Device { offset: 0, error })
}
