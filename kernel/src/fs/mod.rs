//! Files: an in-memory filesystem (tmpfs, also behind devfs), /proc, ext2
//! on a block device, the mount table, path resolution, open files and
//! descriptor tables.

pub mod access;
pub mod device;
pub mod ext2fs;
pub mod fdtable;
pub mod file;
pub mod flock;
pub mod initramfs;
pub mod node;
pub mod path;
pub mod pipe;
pub mod procfs;

pub use node::{Body, Node, NodeRef};

/// Largest regular file tmpfs holds (a guard against runaway writes).
pub const MAX_FILE_SIZE: usize = 256 << 20;

/// sync(2): every ext2 filesystem's metadata into the buffer caches, then
/// every cache to its disk and the disks flushed.
pub fn sync_all() -> Result<(), abi::errno::Errno> {
    ext2fs::sync_all();
    crate::block::cache::sync_all().map_err(|e| e.errno())
}
