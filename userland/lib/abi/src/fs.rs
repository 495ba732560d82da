//! Files: open flags, `*at` flags, mode bits, `stat`/`statx`/`statfs`, directory
//! entries, `fcntl`, `lseek`, `access`, `renameat2`, `utimensat`, `iovec` and `poll`.
//!
//! Values from `include/uapi/asm-generic/fcntl.h`, `include/uapi/linux/{fcntl,stat}.h`,
//! `arch/x86/include/uapi/asm/stat.h` and `include/uapi/asm-generic/{poll,statfs}.h`.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// `open` flags (octal, as in the headers).
/// Open for reading only.
pub const O_RDONLY: u32 = 0o0;
/// Open for writing only.
pub const O_WRONLY: u32 = 0o1;
/// Open for reading and writing.
pub const O_RDWR: u32 = 0o2;
/// Mask of the access mode bits.
pub const O_ACCMODE: u32 = 0o3;
/// Create the file if it does not exist.
pub const O_CREAT: u32 = 0o100;
/// With `O_CREAT`: fail if the file exists.
pub const O_EXCL: u32 = 0o200;
/// Do not make a terminal the controlling terminal.
pub const O_NOCTTY: u32 = 0o400;
/// Truncate to length 0.
pub const O_TRUNC: u32 = 0o1000;
/// Writes append.
pub const O_APPEND: u32 = 0o2000;
/// Non-blocking I/O.
pub const O_NONBLOCK: u32 = 0o4000;
/// Alias of [`O_NONBLOCK`].
pub const O_NDELAY: u32 = O_NONBLOCK;
/// Synchronized data integrity writes.
pub const O_DSYNC: u32 = 0o10000;
/// Signal-driven I/O (`FASYNC`).
pub const O_ASYNC: u32 = 0o20000;
/// Bypass the page cache.
pub const O_DIRECT: u32 = 0o40000;
/// Allow files over 2 GiB (implied on 64-bit; glibc defines it as 0 there).
pub const O_LARGEFILE: u32 = 0o100000;
/// Fail unless the path is a directory.
pub const O_DIRECTORY: u32 = 0o200000;
/// Do not follow a final symlink.
pub const O_NOFOLLOW: u32 = 0o400000;
/// Do not update the access time.
pub const O_NOATIME: u32 = 0o1000000;
/// Close on `execve`.
pub const O_CLOEXEC: u32 = 0o2000000;
/// Synchronized file integrity writes (`__O_SYNC | O_DSYNC`).
pub const O_SYNC: u32 = 0o4010000;
/// Obtain a path-only descriptor.
pub const O_PATH: u32 = 0o10000000;
/// Create an unnamed temporary file in the given directory (`__O_TMPFILE | O_DIRECTORY`).
pub const O_TMPFILE: u32 = 0o20200000;

// `*at` directory file descriptor and flags.
/// Use the current working directory as `dirfd`.
pub const AT_FDCWD: i32 = -100;
/// Do not follow a final symlink.
pub const AT_SYMLINK_NOFOLLOW: u32 = 0x100;
/// `unlinkat`: remove a directory.
pub const AT_REMOVEDIR: u32 = 0x200;
/// `faccessat`: check with effective ids.
pub const AT_EACCESS: u32 = 0x200;
/// `linkat`: follow a final symlink.
pub const AT_SYMLINK_FOLLOW: u32 = 0x400;
/// Do not trigger automounts on the final component.
pub const AT_NO_AUTOMOUNT: u32 = 0x800;
/// Operate on `dirfd` itself when the path is empty.
pub const AT_EMPTY_PATH: u32 = 0x1000;
/// `statx`: mask of the sync-type bits.
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;
/// `statx`: do what `stat` does.
pub const AT_STATX_SYNC_AS_STAT: u32 = 0x0000;
/// `statx`: force synchronization with the server.
pub const AT_STATX_FORCE_SYNC: u32 = 0x2000;
/// `statx`: do not synchronize.
pub const AT_STATX_DONT_SYNC: u32 = 0x4000;
/// Apply to the whole subtree.
pub const AT_RECURSIVE: u32 = 0x8000;

// File type and permission bits of `st_mode`.
/// Mask of the file type bits.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;
/// Set-user-id.
pub const S_ISUID: u32 = 0o4000;
/// Set-group-id.
pub const S_ISGID: u32 = 0o2000;
/// Sticky bit.
pub const S_ISVTX: u32 = 0o1000;
/// Owner: read, write, execute.
pub const S_IRWXU: u32 = 0o700;
/// Owner: read.
pub const S_IRUSR: u32 = 0o400;
/// Owner: write.
pub const S_IWUSR: u32 = 0o200;
/// Owner: execute.
pub const S_IXUSR: u32 = 0o100;
/// Group: read, write, execute.
pub const S_IRWXG: u32 = 0o070;
/// Group: read.
pub const S_IRGRP: u32 = 0o040;
/// Group: write.
pub const S_IWGRP: u32 = 0o020;
/// Group: execute.
pub const S_IXGRP: u32 = 0o010;
/// Others: read, write, execute.
pub const S_IRWXO: u32 = 0o007;
/// Others: read.
pub const S_IROTH: u32 = 0o004;
/// Others: write.
pub const S_IWOTH: u32 = 0o002;
/// Others: execute.
pub const S_IXOTH: u32 = 0o001;

/// `struct stat` as x86_64 `stat`/`fstat`/`newfstatat` fill it (144 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Stat {
    /// Device containing the file.
    pub st_dev: u64,
    /// Inode number.
    pub st_ino: u64,
    /// Number of hard links (64-bit and before `st_mode` on x86_64).
    pub st_nlink: u64,
    /// File type and mode.
    pub st_mode: u32,
    /// Owner user id.
    pub st_uid: u32,
    /// Owner group id.
    pub st_gid: u32,
    /// Padding.
    pub _pad0: u32,
    /// Device number, for device files.
    pub st_rdev: u64,
    /// Size in bytes.
    pub st_size: i64,
    /// Preferred I/O block size.
    pub st_blksize: i64,
    /// Number of 512-byte blocks allocated.
    pub st_blocks: i64,
    /// Last access time, seconds.
    pub st_atime: i64,
    /// Last access time, nanoseconds.
    pub st_atime_nsec: i64,
    /// Last modification time, seconds.
    pub st_mtime: i64,
    /// Last modification time, nanoseconds.
    pub st_mtime_nsec: i64,
    /// Last status change time, seconds.
    pub st_ctime: i64,
    /// Last status change time, nanoseconds.
    pub st_ctime_nsec: i64,
    /// Reserved.
    pub _unused: [i64; 3],
}

/// `struct statx_timestamp` (16 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct StatxTimestamp {
    /// Seconds since the epoch.
    pub tv_sec: i64,
    /// Nanoseconds.
    pub tv_nsec: u32,
    /// Reserved.
    pub _reserved: i32,
}

/// `struct statx` (256 bytes), as of Linux 6.16.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Statx {
    /// `STATX_*` bits of the fields that are filled in.
    pub stx_mask: u32,
    /// Preferred I/O block size.
    pub stx_blksize: u32,
    /// `STATX_ATTR_*` file attributes.
    pub stx_attributes: u64,
    /// Number of hard links.
    pub stx_nlink: u32,
    /// Owner user id.
    pub stx_uid: u32,
    /// Owner group id.
    pub stx_gid: u32,
    /// File type and mode.
    pub stx_mode: u16,
    /// Padding.
    pub _spare0: u16,
    /// Inode number.
    pub stx_ino: u64,
    /// Size in bytes.
    pub stx_size: u64,
    /// Number of 512-byte blocks allocated.
    pub stx_blocks: u64,
    /// Which `stx_attributes` bits are supported.
    pub stx_attributes_mask: u64,
    /// Last access time.
    pub stx_atime: StatxTimestamp,
    /// Creation time.
    pub stx_btime: StatxTimestamp,
    /// Last status change time.
    pub stx_ctime: StatxTimestamp,
    /// Last modification time.
    pub stx_mtime: StatxTimestamp,
    /// Device number (major), for device files.
    pub stx_rdev_major: u32,
    /// Device number (minor), for device files.
    pub stx_rdev_minor: u32,
    /// Containing device (major).
    pub stx_dev_major: u32,
    /// Containing device (minor).
    pub stx_dev_minor: u32,
    /// Mount id.
    pub stx_mnt_id: u64,
    /// Memory alignment for direct I/O.
    pub stx_dio_mem_align: u32,
    /// File offset alignment for direct I/O.
    pub stx_dio_offset_align: u32,
    /// Subvolume id.
    pub stx_subvol: u64,
    /// Minimum atomic write unit.
    pub stx_atomic_write_unit_min: u32,
    /// Maximum atomic write unit.
    pub stx_atomic_write_unit_max: u32,
    /// Maximum atomic write segments.
    pub stx_atomic_write_segments_max: u32,
    /// File offset alignment for direct I/O reads.
    pub stx_dio_read_offset_align: u32,
    /// Optimised maximum atomic write unit.
    pub stx_atomic_write_unit_max_opt: u32,
    /// Reserved.
    pub _spare2: u32,
    /// Reserved.
    pub _spare3: [u64; 8],
}

// `statx` mask bits.
/// Want/got `stx_mode & S_IFMT`.
pub const STATX_TYPE: u32 = 0x0001;
/// Want/got `stx_mode & !S_IFMT`.
pub const STATX_MODE: u32 = 0x0002;
/// Want/got `stx_nlink`.
pub const STATX_NLINK: u32 = 0x0004;
/// Want/got `stx_uid`.
pub const STATX_UID: u32 = 0x0008;
/// Want/got `stx_gid`.
pub const STATX_GID: u32 = 0x0010;
/// Want/got `stx_atime`.
pub const STATX_ATIME: u32 = 0x0020;
/// Want/got `stx_mtime`.
pub const STATX_MTIME: u32 = 0x0040;
/// Want/got `stx_ctime`.
pub const STATX_CTIME: u32 = 0x0080;
/// Want/got `stx_ino`.
pub const STATX_INO: u32 = 0x0100;
/// Want/got `stx_size`.
pub const STATX_SIZE: u32 = 0x0200;
/// Want/got `stx_blocks`.
pub const STATX_BLOCKS: u32 = 0x0400;
/// Everything `stat` returns.
pub const STATX_BASIC_STATS: u32 = 0x07ff;
/// Want/got `stx_btime`.
pub const STATX_BTIME: u32 = 0x0800;
/// Want/got `stx_mnt_id`.
pub const STATX_MNT_ID: u32 = 0x1000;
/// Want/got the direct I/O alignment fields.
pub const STATX_DIOALIGN: u32 = 0x2000;
/// Want/got a unique `stx_mnt_id`.
pub const STATX_MNT_ID_UNIQUE: u32 = 0x4000;
/// Want/got `stx_subvol`.
pub const STATX_SUBVOL: u32 = 0x8000;
/// Want/got the atomic write fields.
pub const STATX_WRITE_ATOMIC: u32 = 0x1_0000;
/// Want/got `stx_dio_read_offset_align`.
pub const STATX_DIO_READ_ALIGN: u32 = 0x2_0000;

/// The fixed header of `struct linux_dirent64` as `getdents64` writes it (19 bytes,
/// packed); the NUL-terminated name follows at [`LinuxDirent64::NAME_OFFSET`] and the
/// record is padded to `d_reclen`, a multiple of 8.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, packed)]
pub struct LinuxDirent64 {
    /// Inode number.
    pub d_ino: u64,
    /// Opaque offset of the next entry (for `lseek`).
    pub d_off: i64,
    /// Length of this whole record.
    pub d_reclen: u16,
    /// `DT_*` file type.
    pub d_type: u8,
}

impl LinuxDirent64 {
    /// Offset of `d_name` within the record.
    pub const NAME_OFFSET: usize = 19;

    /// The `d_reclen` of a record whose name is `name_len` bytes (without the NUL).
    pub const fn reclen(name_len: usize) -> usize {
        (Self::NAME_OFFSET + name_len + 1).next_multiple_of(8)
    }
}

// `d_type` values.
/// Unknown type.
pub const DT_UNKNOWN: u8 = 0;
/// FIFO.
pub const DT_FIFO: u8 = 1;
/// Character device.
pub const DT_CHR: u8 = 2;
/// Directory.
pub const DT_DIR: u8 = 4;
/// Block device.
pub const DT_BLK: u8 = 6;
/// Regular file.
pub const DT_REG: u8 = 8;
/// Symbolic link.
pub const DT_LNK: u8 = 10;
/// Socket.
pub const DT_SOCK: u8 = 12;
/// Whiteout.
pub const DT_WHT: u8 = 14;

// `fcntl` commands.
/// Duplicate to the lowest free fd >= arg.
pub const F_DUPFD: u32 = 0;
/// Get the fd flags (`FD_CLOEXEC`).
pub const F_GETFD: u32 = 1;
/// Set the fd flags.
pub const F_SETFD: u32 = 2;
/// Get the file status flags (`O_*`).
pub const F_GETFL: u32 = 3;
/// Set the file status flags.
pub const F_SETFL: u32 = 4;
/// Test a record lock.
pub const F_GETLK: u32 = 5;
/// Set a record lock.
pub const F_SETLK: u32 = 6;
/// Set a record lock, waiting.
pub const F_SETLKW: u32 = 7;
/// Set the owner for `SIGIO`.
pub const F_SETOWN: u32 = 8;
/// Get the owner for `SIGIO`.
pub const F_GETOWN: u32 = 9;
/// Set the signal sent for I/O readiness.
pub const F_SETSIG: u32 = 10;
/// Get the signal sent for I/O readiness.
pub const F_GETSIG: u32 = 11;
/// Open file description lock: test.
pub const F_OFD_GETLK: u32 = 36;
/// Open file description lock: set.
pub const F_OFD_SETLK: u32 = 37;
/// Open file description lock: set, waiting.
pub const F_OFD_SETLKW: u32 = 38;
/// Set a lease.
pub const F_SETLEASE: u32 = 1024;
/// Get the lease.
pub const F_GETLEASE: u32 = 1025;
/// Request directory change notifications.
pub const F_NOTIFY: u32 = 1026;
/// Like `F_DUPFD`, with `FD_CLOEXEC` set on the new fd.
pub const F_DUPFD_CLOEXEC: u32 = 1030;
/// Set the pipe buffer size.
pub const F_SETPIPE_SZ: u32 = 1031;
/// Get the pipe buffer size.
pub const F_GETPIPE_SZ: u32 = 1032;
/// Add file seals.
pub const F_ADD_SEALS: u32 = 1033;
/// Get file seals.
pub const F_GET_SEALS: u32 = 1034;

// flock(2) operations.
/// Shared lock.
pub const LOCK_SH: u32 = 1;
/// Exclusive lock.
pub const LOCK_EX: u32 = 2;
/// Do not wait for the lock (or'ed with `LOCK_SH`/`LOCK_EX`).
pub const LOCK_NB: u32 = 4;
/// Release the lock.
pub const LOCK_UN: u32 = 8;
/// Lock type: shared.
pub const F_RDLCK: i16 = 0;
/// Lock type: exclusive.
pub const F_WRLCK: i16 = 1;
/// Lock type: unlock.
pub const F_UNLCK: i16 = 2;
/// Close-on-exec fd flag (`F_GETFD`/`F_SETFD`).
pub const FD_CLOEXEC: u32 = 1;

// `lseek` whence values.
/// From the start.
pub const SEEK_SET: u32 = 0;
/// From the current offset.
pub const SEEK_CUR: u32 = 1;
/// From the end.
pub const SEEK_END: u32 = 2;
/// To the next data at or after the offset.
pub const SEEK_DATA: u32 = 3;
/// To the next hole at or after the offset.
pub const SEEK_HOLE: u32 = 4;

// `access` modes.
/// The file exists.
pub const F_OK: u32 = 0;
/// Execute permission.
pub const X_OK: u32 = 1;
/// Write permission.
pub const W_OK: u32 = 2;
/// Read permission.
pub const R_OK: u32 = 4;

// `renameat2` flags.
/// Do not overwrite the target.
pub const RENAME_NOREPLACE: u32 = 1 << 0;
/// Atomically exchange source and target.
pub const RENAME_EXCHANGE: u32 = 1 << 1;
/// Leave a whiteout object at the source.
pub const RENAME_WHITEOUT: u32 = 1 << 2;

// Special `tv_nsec` values for `utimensat`.
/// Set the time to now.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
/// Leave the time unchanged.
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// `struct iovec`, one buffer of a vectored I/O call.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Iovec {
    /// Start address.
    pub iov_base: u64,
    /// Length in bytes.
    pub iov_len: u64,
}

/// `struct pollfd`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct PollFd {
    /// File descriptor (negative: ignored).
    pub fd: i32,
    /// Requested `POLL*` events.
    pub events: i16,
    /// Returned `POLL*` events.
    pub revents: i16,
}

// `poll` event bits.
/// Data to read.
pub const POLLIN: i16 = 0x001;
/// Urgent data to read.
pub const POLLPRI: i16 = 0x002;
/// Writing will not block.
pub const POLLOUT: i16 = 0x004;
/// Error condition (output only).
pub const POLLERR: i16 = 0x008;
/// Hang up (output only).
pub const POLLHUP: i16 = 0x010;
/// Invalid descriptor (output only).
pub const POLLNVAL: i16 = 0x020;
/// Normal data to read.
pub const POLLRDNORM: i16 = 0x040;
/// Priority band data to read.
pub const POLLRDBAND: i16 = 0x080;
/// Normal data may be written.
pub const POLLWRNORM: i16 = 0x100;
/// Priority data may be written.
pub const POLLWRBAND: i16 = 0x200;
/// Message available (unused).
pub const POLLMSG: i16 = 0x400;
/// Peer closed its writing end.
pub const POLLRDHUP: i16 = 0x2000;

/// `struct statfs` as x86_64 `statfs`/`fstatfs` fill it (120 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Statfs {
    /// Filesystem magic number.
    pub f_type: i64,
    /// Optimal transfer block size.
    pub f_bsize: i64,
    /// Total data blocks.
    pub f_blocks: u64,
    /// Free blocks.
    pub f_bfree: u64,
    /// Free blocks available to unprivileged users.
    pub f_bavail: u64,
    /// Total inodes.
    pub f_files: u64,
    /// Free inodes.
    pub f_ffree: u64,
    /// Filesystem id.
    pub f_fsid: [i32; 2],
    /// Maximum file name length.
    pub f_namelen: i64,
    /// Fragment size.
    pub f_frsize: i64,
    /// Mount flags (`ST_*`).
    pub f_flags: i64,
    /// Reserved.
    pub f_spare: [i64; 4],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{same_consts, same_layout};

    #[test]
    fn constants_match_libc() {
        same_consts! { i64;
            O_RDONLY => libc::O_RDONLY, O_WRONLY => libc::O_WRONLY, O_RDWR => libc::O_RDWR,
            O_ACCMODE => libc::O_ACCMODE, O_CREAT => libc::O_CREAT, O_EXCL => libc::O_EXCL,
            O_NOCTTY => libc::O_NOCTTY, O_TRUNC => libc::O_TRUNC, O_APPEND => libc::O_APPEND,
            O_NONBLOCK => libc::O_NONBLOCK, O_NDELAY => libc::O_NDELAY,
            O_DSYNC => libc::O_DSYNC, O_ASYNC => libc::O_ASYNC, O_DIRECT => libc::O_DIRECT,
            O_DIRECTORY => libc::O_DIRECTORY, O_NOFOLLOW => libc::O_NOFOLLOW,
            O_NOATIME => libc::O_NOATIME, O_CLOEXEC => libc::O_CLOEXEC,
            O_SYNC => libc::O_SYNC, O_PATH => libc::O_PATH, O_TMPFILE => libc::O_TMPFILE,
            AT_FDCWD => libc::AT_FDCWD, AT_SYMLINK_NOFOLLOW => libc::AT_SYMLINK_NOFOLLOW,
            AT_REMOVEDIR => libc::AT_REMOVEDIR, AT_EACCESS => libc::AT_EACCESS,
            AT_SYMLINK_FOLLOW => libc::AT_SYMLINK_FOLLOW,
            AT_NO_AUTOMOUNT => libc::AT_NO_AUTOMOUNT, AT_EMPTY_PATH => libc::AT_EMPTY_PATH,
            AT_STATX_SYNC_TYPE => libc::AT_STATX_SYNC_TYPE,
            AT_STATX_SYNC_AS_STAT => libc::AT_STATX_SYNC_AS_STAT,
            AT_STATX_FORCE_SYNC => libc::AT_STATX_FORCE_SYNC,
            AT_STATX_DONT_SYNC => libc::AT_STATX_DONT_SYNC, AT_RECURSIVE => libc::AT_RECURSIVE,
            S_IFMT => libc::S_IFMT, S_IFSOCK => libc::S_IFSOCK, S_IFLNK => libc::S_IFLNK,
            S_IFREG => libc::S_IFREG, S_IFBLK => libc::S_IFBLK, S_IFDIR => libc::S_IFDIR,
            S_IFCHR => libc::S_IFCHR, S_IFIFO => libc::S_IFIFO, S_ISUID => libc::S_ISUID,
            S_ISGID => libc::S_ISGID, S_ISVTX => libc::S_ISVTX, S_IRWXU => libc::S_IRWXU,
            S_IRUSR => libc::S_IRUSR, S_IWUSR => libc::S_IWUSR, S_IXUSR => libc::S_IXUSR,
            S_IRWXG => libc::S_IRWXG, S_IRGRP => libc::S_IRGRP, S_IWGRP => libc::S_IWGRP,
            S_IXGRP => libc::S_IXGRP, S_IRWXO => libc::S_IRWXO, S_IROTH => libc::S_IROTH,
            S_IWOTH => libc::S_IWOTH, S_IXOTH => libc::S_IXOTH,
            STATX_TYPE => libc::STATX_TYPE, STATX_MODE => libc::STATX_MODE,
            STATX_NLINK => libc::STATX_NLINK, STATX_UID => libc::STATX_UID,
            STATX_GID => libc::STATX_GID, STATX_ATIME => libc::STATX_ATIME,
            STATX_MTIME => libc::STATX_MTIME, STATX_CTIME => libc::STATX_CTIME,
            STATX_INO => libc::STATX_INO, STATX_SIZE => libc::STATX_SIZE,
            STATX_BLOCKS => libc::STATX_BLOCKS, STATX_BASIC_STATS => libc::STATX_BASIC_STATS,
            STATX_BTIME => libc::STATX_BTIME, STATX_MNT_ID => libc::STATX_MNT_ID,
            STATX_DIOALIGN => libc::STATX_DIOALIGN,
            DT_UNKNOWN => libc::DT_UNKNOWN, DT_FIFO => libc::DT_FIFO, DT_CHR => libc::DT_CHR,
            DT_DIR => libc::DT_DIR, DT_BLK => libc::DT_BLK, DT_REG => libc::DT_REG,
            DT_LNK => libc::DT_LNK, DT_SOCK => libc::DT_SOCK,
            F_DUPFD => libc::F_DUPFD, F_GETFD => libc::F_GETFD, F_SETFD => libc::F_SETFD,
            F_GETFL => libc::F_GETFL, F_SETFL => libc::F_SETFL, F_GETLK => libc::F_GETLK,
            F_SETLK => libc::F_SETLK, F_SETLKW => libc::F_SETLKW, F_SETOWN => libc::F_SETOWN,
            F_GETOWN => libc::F_GETOWN, F_OFD_GETLK => libc::F_OFD_GETLK,
            F_OFD_SETLK => libc::F_OFD_SETLK, F_OFD_SETLKW => libc::F_OFD_SETLKW,
            F_SETLEASE => libc::F_SETLEASE, F_GETLEASE => libc::F_GETLEASE,
            F_NOTIFY => libc::F_NOTIFY, F_DUPFD_CLOEXEC => libc::F_DUPFD_CLOEXEC,
            F_SETPIPE_SZ => libc::F_SETPIPE_SZ, F_GETPIPE_SZ => libc::F_GETPIPE_SZ,
            F_ADD_SEALS => libc::F_ADD_SEALS, F_GET_SEALS => libc::F_GET_SEALS,
            LOCK_SH => libc::LOCK_SH, LOCK_EX => libc::LOCK_EX, LOCK_NB => libc::LOCK_NB,
            LOCK_UN => libc::LOCK_UN,
            F_RDLCK => libc::F_RDLCK, F_WRLCK => libc::F_WRLCK, F_UNLCK => libc::F_UNLCK,
            FD_CLOEXEC => libc::FD_CLOEXEC,
            SEEK_SET => libc::SEEK_SET, SEEK_CUR => libc::SEEK_CUR, SEEK_END => libc::SEEK_END,
            SEEK_DATA => libc::SEEK_DATA, SEEK_HOLE => libc::SEEK_HOLE,
            F_OK => libc::F_OK, X_OK => libc::X_OK, W_OK => libc::W_OK, R_OK => libc::R_OK,
            RENAME_NOREPLACE => libc::RENAME_NOREPLACE, RENAME_EXCHANGE => libc::RENAME_EXCHANGE,
            RENAME_WHITEOUT => libc::RENAME_WHITEOUT,
            UTIME_NOW => libc::UTIME_NOW, UTIME_OMIT => libc::UTIME_OMIT,
            POLLIN => libc::POLLIN, POLLPRI => libc::POLLPRI, POLLOUT => libc::POLLOUT,
            POLLERR => libc::POLLERR, POLLHUP => libc::POLLHUP, POLLNVAL => libc::POLLNVAL,
            POLLRDNORM => libc::POLLRDNORM, POLLRDBAND => libc::POLLRDBAND,
            POLLWRNORM => libc::POLLWRNORM, POLLWRBAND => libc::POLLWRBAND,
            POLLRDHUP => libc::POLLRDHUP,
        }
        // glibc defines O_LARGEFILE as 0 on x86_64; the kernel's bit is fixed.
        assert_eq!(libc::O_LARGEFILE, 0);
    }

    #[test]
    fn layouts_match_libc() {
        same_layout!(Stat, libc::stat;
            st_dev => st_dev, st_ino => st_ino, st_nlink => st_nlink, st_mode => st_mode,
            st_uid => st_uid, st_gid => st_gid, st_rdev => st_rdev, st_size => st_size,
            st_blksize => st_blksize, st_blocks => st_blocks, st_atime => st_atime,
            st_atime_nsec => st_atime_nsec, st_mtime => st_mtime,
            st_mtime_nsec => st_mtime_nsec, st_ctime => st_ctime,
            st_ctime_nsec => st_ctime_nsec);
        assert_eq!(core::mem::size_of::<Stat>(), 144);
        same_layout!(StatxTimestamp, libc::statx_timestamp;
            tv_sec => tv_sec, tv_nsec => tv_nsec);
        same_layout!(Statx, libc::statx;
            stx_mask => stx_mask, stx_blksize => stx_blksize,
            stx_attributes => stx_attributes, stx_nlink => stx_nlink, stx_uid => stx_uid,
            stx_gid => stx_gid, stx_mode => stx_mode, stx_ino => stx_ino,
            stx_size => stx_size, stx_blocks => stx_blocks,
            stx_attributes_mask => stx_attributes_mask, stx_atime => stx_atime,
            stx_btime => stx_btime, stx_ctime => stx_ctime, stx_mtime => stx_mtime,
            stx_rdev_major => stx_rdev_major, stx_rdev_minor => stx_rdev_minor,
            stx_dev_major => stx_dev_major, stx_dev_minor => stx_dev_minor,
            stx_mnt_id => stx_mnt_id, stx_dio_mem_align => stx_dio_mem_align,
            stx_dio_offset_align => stx_dio_offset_align, stx_subvol => stx_subvol,
            stx_atomic_write_unit_min => stx_atomic_write_unit_min,
            stx_atomic_write_unit_max => stx_atomic_write_unit_max,
            stx_atomic_write_segments_max => stx_atomic_write_segments_max,
            stx_dio_read_offset_align => stx_dio_read_offset_align,
            stx_atomic_write_unit_max_opt => stx_atomic_write_unit_max_opt);
        assert_eq!(core::mem::size_of::<Statx>(), 256);
        same_layout!(Iovec, libc::iovec; iov_base => iov_base, iov_len => iov_len);
        same_layout!(PollFd, libc::pollfd; fd => fd, events => events, revents => revents);
        same_layout!(Statfs, libc::statfs;
            f_type => f_type, f_bsize => f_bsize, f_blocks => f_blocks, f_bfree => f_bfree,
            f_bavail => f_bavail, f_files => f_files, f_ffree => f_ffree, f_fsid => f_fsid,
            f_namelen => f_namelen, f_frsize => f_frsize);
        // libc folds `f_flags` (added in 2.6.36) into a private `f_spare[5]`.
        assert_eq!(core::mem::offset_of!(Statfs, f_flags), 80);
    }

    /// The structures are plain bytes both ways, as the kernel's user copies need.
    #[test]
    fn byte_views() {
        use zerocopy::{FromBytes, IntoBytes};
        let mut st = Stat {
            st_mode: S_IFDIR | 0o755,
            st_size: -1,
            ..Stat::default()
        };
        st.st_atime_nsec = 5;
        let bytes = st.as_bytes();
        assert_eq!(bytes.len(), 144);
        assert_eq!(&bytes[24..28], (S_IFDIR | 0o755).to_ne_bytes());
        assert_eq!(Stat::read_from_bytes(bytes), Ok(st));
        assert!(Stat::read_from_bytes(&bytes[..143]).is_err());

        let d = LinuxDirent64 {
            d_ino: 7,
            d_off: 1,
            d_reclen: 24,
            d_type: DT_REG,
        };
        let bytes = d.as_bytes();
        assert_eq!((bytes[16], bytes[17], bytes[18]), (24, 0, DT_REG));
        assert_eq!(
            LinuxDirent64::read_from_prefix(bytes).map(|(h, _)| h),
            Ok(d)
        );
    }

    #[test]
    fn dirent_header_matches_libc() {
        use core::mem::offset_of;
        assert_eq!(
            core::mem::size_of::<LinuxDirent64>(),
            LinuxDirent64::NAME_OFFSET
        );
        assert_eq!(
            offset_of!(LinuxDirent64, d_ino),
            offset_of!(libc::dirent64, d_ino)
        );
        assert_eq!(
            offset_of!(LinuxDirent64, d_off),
            offset_of!(libc::dirent64, d_off)
        );
        assert_eq!(
            offset_of!(LinuxDirent64, d_reclen),
            offset_of!(libc::dirent64, d_reclen)
        );
        assert_eq!(
            offset_of!(LinuxDirent64, d_type),
            offset_of!(libc::dirent64, d_type)
        );
        assert_eq!(
            LinuxDirent64::NAME_OFFSET,
            offset_of!(libc::dirent64, d_name)
        );
        assert_eq!(LinuxDirent64::reclen(1), 24);
        assert_eq!(LinuxDirent64::reclen(4), 24);
        assert_eq!(LinuxDirent64::reclen(5), 32);
    }
}
