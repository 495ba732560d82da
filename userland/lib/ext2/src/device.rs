//! The storage under a filesystem: the [`blockdev`] crate's devices, shared
//! with the partition and disklabel libraries; device errors become ext2's
//! with their offset.

#[cfg(feature = "std")]
pub use blockdev::FileDevice;
pub use blockdev::{BlockDevice, MemoryDevice, Partition};

use crate::error::{Error, Result};

impl From<blockdev::ErrorAt> for Error {
    fn from(e: blockdev::ErrorAt) -> Error {
        Error::Device {
            offset: e.offset,
            error: e.error,
        }
    }
}

/// Flushes with the error kept.
pub(crate) fn flush<D: BlockDevice + ?Sized>(dev: &mut D) -> Result<()> {
    dev.flush()
        .map_err(|error| Error::Device { offset: 0, error })
}
