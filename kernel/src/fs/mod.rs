//! Files: an in-memory filesystem (tmpfs, also behind devfs), the mount
//! table, path resolution, open files and descriptor tables.

pub mod access;
pub mod device;
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
