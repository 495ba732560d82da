//! ext2, revision 1, as Linux and e2fsprogs define it: read, write, make
//! (`mkfs`), check (`check`), and with `std` populate from a host
//! directory tree.
//!
//! 1. The core is `no_std` + `alloc`: the Basalt kernel mounts its root
//!    filesystem with it, through a [`BlockDevice`] it implements over its
//!    block layer. Offsets are bytes, so a [`Partition`] of an image file
//!    works like a disk.
//! 2. Input is hostile: every block number, record length and size read from
//!    the device is checked before use, and every walk is bounded. Malformed
//!    data is an [`Error`], never a panic or a hang.
//! 3. What it writes passes `e2fsck -fn`, and it reads what Debian's
//!    `mke2fs -t ext2` makes (ext_attr, resize_inode, dir_index, filetype,
//!    sparse_super, large_file, 256-byte inodes). Journals, extents and the
//!    other ext3/ext4 incompatible features are refused.
//! 4. Simple and clear over fast and clever: metadata is cached only where
//!    it pays (bitmaps, group descriptors); the rest goes straight to the device.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod check;
mod device;
mod dir;
mod error;
mod file;
mod fs;
mod mkfs;
mod ops;
#[cfg(feature = "std")]
mod populate;
pub mod raw;

#[cfg(feature = "std")]
pub use device::FileDevice;
pub use device::{BlockDevice, MemoryDevice, Partition};
pub use dir::{DirEntry, file_type};
pub use error::{DeviceError, Error, Result};
pub use fs::{Clock, Filesystem, StatFs, has_sparse_super};
pub use mkfs::{MkfsOptions, mkfs};
pub use ops::{SetAttr, Stat};
#[cfg(feature = "std")]
pub use populate::{PopulateCause, PopulateError, populate};
pub use raw::{ROOT_INO, Timestamp, mode};
