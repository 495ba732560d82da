//! Storage for Basalt's disk formats: anything that reads and writes bytes
//! at offsets. Offsets are bytes, not sectors, so one code path serves a whole
//! disk, a partition inside an image file and a buffer in memory. The kernel
//! implements [`BlockDevice`] over its block layer; the ext2, partition and
//! disklabel libraries use only this trait.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod crc32;

use alloc::vec::Vec;
use core::fmt;

/// Why a device access failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError {
    /// The access reaches past the end of the device.
    OutOfRange,
    /// The underlying I/O failed with this errno (0 when unknown).
    Io(i32),
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceError::OutOfRange => f.write_str("access beyond the end of the device"),
            #[cfg(feature = "std")]
            DeviceError::Io(errno) if *errno != 0 => {
                let text = std::io::Error::from_raw_os_error(*errno).to_string();
                f.write_str(text.split(" (os error").next().unwrap_or(&text))
            }
            DeviceError::Io(errno) => write!(f, "I/O error (errno {errno})"),
        }
    }
}

/// A device error and the byte offset of the access that met it, for the
/// formats' own error types (`From<ErrorAt>`), so every message names where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorAt {
    pub offset: u64,
    pub error: DeviceError,
}

/// Reads `buf` from `offset` of `dev`, keeping the offset in the error.
pub fn read<D: BlockDevice + ?Sized>(dev: &D, offset: u64, buf: &mut [u8]) -> Result<(), ErrorAt> {
    dev.read_at(offset, buf)
        .map_err(|error| ErrorAt { offset, error })
}

/// Writes `buf` at `offset` of `dev`, keeping the offset in the error.
pub fn write<D: BlockDevice + ?Sized>(dev: &mut D, offset: u64, buf: &[u8]) -> Result<(), ErrorAt> {
    dev.write_at(offset, buf)
        .map_err(|error| ErrorAt { offset, error })
}

/// A random-access store of bytes.
///
/// Reads take `&self` and writes `&mut self`: a filesystem owns its
/// device, and the kernel puts the filesystem behind its own lock (one writer
/// or many readers), so implementations need no interior locking.
/// The kernel implements this over its block layer, doing the
/// read-modify-write of partial sectors itself.
pub trait BlockDevice {
    /// Fills `buf` from `offset`; reading past [`BlockDevice::size`] is an error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError>;
    /// Writes all of `buf` at `offset`.
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), DeviceError>;
    /// The size in bytes.
    fn size(&self) -> u64;
    /// Makes earlier writes durable.
    fn flush(&mut self) -> Result<(), DeviceError>;
}

impl<D: BlockDevice + ?Sized> BlockDevice for &mut D {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        (**self).read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), DeviceError> {
        (**self).write_at(offset, buf)
    }
    fn size(&self) -> u64 {
        (**self).size()
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        (**self).flush()
    }
}

/// A window `[base, base + len)` of another device: a partition.
#[derive(Debug)]
pub struct Partition<D> {
    inner: D,
    base: u64,
    len: u64,
}

impl<D: BlockDevice> Partition<D> {
    /// The part of `inner` from `base` on, `len` bytes long (to the end when `None`).
    /// Fails with [`DeviceError::OutOfRange`] when the window does not fit.
    pub fn new(inner: D, base: u64, len: Option<u64>) -> Result<Partition<D>, DeviceError> {
        let room = inner
            .size()
            .checked_sub(base)
            .ok_or(DeviceError::OutOfRange)?;
        let len = match len {
            Some(len) if len > room => return Err(DeviceError::OutOfRange),
            Some(len) => len,
            None => room,
        };
        Ok(Partition { inner, base, len })
    }

    /// Where the window starts in the device underneath.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The device underneath.
    pub fn into_inner(self) -> D {
        self.inner
    }

    fn check(&self, offset: u64, len: usize) -> Result<u64, DeviceError> {
        let end = offset
            .checked_add(len as u64)
            .ok_or(DeviceError::OutOfRange)?;
        if end > self.len {
            return Err(DeviceError::OutOfRange);
        }
        Ok(self.base + offset)
    }
}

impl<D: BlockDevice> BlockDevice for Partition<D> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let at = self.check(offset, buf.len())?;
        self.inner.read_at(at, buf)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let at = self.check(offset, buf.len())?;
        self.inner.write_at(at, buf)
    }
    fn size(&self) -> u64 {
        self.len
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.inner.flush()
    }
}

/// A device in memory: tests, and images built before they are written out.
#[derive(Debug, Clone, Default)]
pub struct MemoryDevice {
    pub bytes: Vec<u8>,
}

impl MemoryDevice {
    /// `size` zero bytes.
    pub fn new(size: usize) -> MemoryDevice {
        MemoryDevice {
            bytes: alloc::vec![0; size],
        }
    }

    fn range(&self, offset: u64, len: usize) -> Result<core::ops::Range<usize>, DeviceError> {
        let start = usize::try_from(offset).map_err(|_| DeviceError::OutOfRange)?;
        let end = start.checked_add(len).ok_or(DeviceError::OutOfRange)?;
        if end > self.bytes.len() {
            return Err(DeviceError::OutOfRange);
        }
        Ok(start..end)
    }
}

impl BlockDevice for MemoryDevice {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let range = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.bytes[range]);
        Ok(())
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let range = self.range(offset, buf.len())?;
        self.bytes[range].copy_from_slice(buf);
        Ok(())
    }
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
}

#[cfg(feature = "std")]
mod file {
    use super::{BlockDevice, DeviceError};
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    fn io(e: std::io::Error) -> DeviceError {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return DeviceError::OutOfRange;
        }
        DeviceError::Io(e.raw_os_error().unwrap_or(0))
    }

    /// An image file or a host block device.
    #[derive(Debug)]
    pub struct FileDevice {
        file: File,
        size: u64,
    }

    impl FileDevice {
        /// Wraps an open file; its size is taken now (a block device's by
        /// seeking to its end, since its metadata says 0).
        pub fn new(mut file: File) -> std::io::Result<FileDevice> {
            use std::io::Seek;
            let size = file.seek(std::io::SeekFrom::End(0))?;
            Ok(FileDevice { file, size })
        }
    }

    impl BlockDevice for FileDevice {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
            if offset
                .checked_add(buf.len() as u64)
                .is_none_or(|end| end > self.size)
            {
                return Err(DeviceError::OutOfRange);
            }
            self.file.read_exact_at(buf, offset).map_err(io)
        }
        fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), DeviceError> {
            if offset
                .checked_add(buf.len() as u64)
                .is_none_or(|end| end > self.size)
            {
                return Err(DeviceError::OutOfRange);
            }
            self.file.write_all_at(buf, offset).map_err(io)
        }
        fn size(&self) -> u64 {
            self.size
        }
        fn flush(&mut self) -> Result<(), DeviceError> {
            self.file.sync_data().map_err(io)
        }
    }
}

#[cfg(feature = "std")]
pub use file::FileDevice;
