//! One error type for every operation, with the errno the kernel returns
//! for it.

use core::fmt;

pub use blockdev::DeviceError;

/// Everything that can go wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Reading or writing the device at `offset` (bytes) failed.
    Device {
        offset: u64,
        error: DeviceError,
    },
    /// The superblock is not a usable ext2 rev 0/1 superblock.
    BadSuperblock(&'static str),
    /// The filesystem uses something this library does not implement.
    Unsupported(&'static str),
    /// On-disk structures contradict each other; `at` is the inode or block.
    Corrupt {
        what: &'static str,
        at: u64,
    },
    NotFound,
    NotDirectory,
    IsDirectory,
    Exists,
    NotEmpty,
    NoSpace,
    NoInodes,
    NameTooLong,
    /// A name that is empty, `.`, `..` or holds `/` or NUL.
    InvalidName,
    ReadOnly,
    TooManyLinks,
    FileTooBig,
    SymlinkLoop,
    InvalidArgument(&'static str),
}

/// Short for `Result<T, ext2::Error>`.
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    pub(crate) fn corrupt(what: &'static str, at: u64) -> Error {
        Error::Corrupt { what, at }
    }

    /// The Linux errno for this error, for the kernel's system calls.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Device { .. } => 5,                            // EIO
            Error::BadSuperblock(_) => 22,                        // EINVAL
            Error::Unsupported(_) => 95,                          // EOPNOTSUPP
            Error::Corrupt { .. } => 117,                         // EUCLEAN
            Error::NotFound => 2,                                 // ENOENT
            Error::NotDirectory => 20,                            // ENOTDIR
            Error::IsDirectory => 21,                             // EISDIR
            Error::Exists => 17,                                  // EEXIST
            Error::NotEmpty => 39,                                // ENOTEMPTY
            Error::NoSpace | Error::NoInodes => 28,               // ENOSPC
            Error::NameTooLong => 36,                             // ENAMETOOLONG
            Error::InvalidName | Error::InvalidArgument(_) => 22, // EINVAL
            Error::ReadOnly => 30,                                // EROFS
            Error::TooManyLinks => 31,                            // EMLINK
            Error::FileTooBig => 27,                              // EFBIG
            Error::SymlinkLoop => 40,                             // ELOOP
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Device { offset, error } => write!(f, "device at byte {offset}: {error}"),
            Error::BadSuperblock(why) => write!(f, "bad superblock: {why}"),
            Error::Unsupported(what) => write!(f, "unsupported: {what}"),
            Error::Corrupt { what, at } => write!(f, "filesystem corrupt: {what} ({at})"),
            Error::NotFound => f.write_str("No such file or directory"),
            Error::NotDirectory => f.write_str("Not a directory"),
            Error::IsDirectory => f.write_str("Is a directory"),
            Error::Exists => f.write_str("File exists"),
            Error::NotEmpty => f.write_str("Directory not empty"),
            Error::NoSpace => f.write_str("No space left on device"),
            Error::NoInodes => f.write_str("No free inodes left on device"),
            Error::NameTooLong => f.write_str("File name too long"),
            Error::InvalidName => f.write_str("Invalid file name"),
            Error::ReadOnly => f.write_str("Read-only file system"),
            Error::TooManyLinks => f.write_str("Too many links"),
            Error::FileTooBig => f.write_str("File too large"),
            Error::SymlinkLoop => f.write_str("Too many levels of symbolic links"),
            Error::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
        }
    }
}

impl core::error::Error for Error {}
