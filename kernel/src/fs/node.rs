//! Inodes of every filesystem.
//!
//! tmpfs and devfs share one node type: a file's bytes, a directory's
//! entries, a symlink's target, or a device's number; /proc and ext2 nodes
//! are made on demand and hold where their data is (an entry, an inode),
//! and block devices their volume. The rest of the kernel reaches them
//! through [`super::path`] and [`super::file`].

use abi::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

pub use abi::fs::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG};

pub type NodeRef = Arc<Node>;

/// The major number of block devices (see [`crate::block::volume`]).
pub const BLOCK_MAJOR: u32 = crate::block::volume::MAJOR;

static NEXT_INODE: AtomicU64 = AtomicU64::new(1);

/// Attributes every node has.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    /// Seconds and nanoseconds since the epoch.
    pub atime: (i64, u32),
    pub mtime: (i64, u32),
    pub ctime: (i64, u32),
}

/// What a node holds.
pub enum Body {
    File(Mutex<Vec<u8>>),
    Dir(Mutex<BTreeMap<String, NodeRef>>),
    Symlink(Mutex<String>),
    /// A character device: (major, minor).
    Device(u32, u32),
    /// A named pipe's data lives in the pipe it opens.
    Fifo,
    /// A /proc node, rendered when read.
    Proc(super::procfs::Entry),
    /// An inode of a mounted ext2 filesystem.
    Ext2(super::ext2fs::Ext2Node),
    /// A block device: a disk or a partition of one.
    Block(Arc<crate::block::volume::Volume>),
}

/// An inode.
pub struct Node {
    pub ino: u64,
    /// Which filesystem instance holds it (`st_dev`).
    pub dev: u64,
    pub meta: Mutex<Meta>,
    pub body: Body,
}

impl Node {
    /// A new node of mode `mode` (type and permission bits).
    pub fn new(dev: u64, mode: u32, body: Body) -> NodeRef {
        Node::with_ino(dev, NEXT_INODE.fetch_add(1, Ordering::Relaxed), mode, body)
    }

    /// A node with a chosen inode number (/proc derives them from what they show).
    pub fn with_ino(dev: u64, ino: u64, mode: u32, body: Body) -> NodeRef {
        let now = crate::time::realtime();
        Arc::new(Node {
            ino,
            dev,
            meta: Mutex::new(Meta {
                mode,
                uid: 0,
                gid: 0,
                // Links are counted as directories take the node in (`link`).
                nlink: if mode & S_IFMT == S_IFDIR { 2 } else { 0 },
                atime: now,
                mtime: now,
                ctime: now,
            }),
            body,
        })
    }

    pub fn directory(dev: u64, perm: u32) -> NodeRef {
        Node::new(dev, S_IFDIR | perm, Body::Dir(Mutex::new(BTreeMap::new())))
    }

    pub fn file(dev: u64, perm: u32, data: Vec<u8>) -> NodeRef {
        Node::new(dev, S_IFREG | perm, Body::File(Mutex::new(data)))
    }

    pub fn mode(&self) -> u32 {
        self.meta.lock().mode
    }

    pub fn is_dir(&self) -> bool {
        self.mode() & S_IFMT == S_IFDIR
    }

    /// A symlink's target (for /proc links, computed now).
    pub fn link_target(&self) -> Option<String> {
        match &self.body {
            Body::Symlink(target) => Some(target.lock().clone()),
            Body::Proc(entry) if self.mode() & S_IFMT == S_IFLNK => {
                super::procfs::link_target(*entry).ok()
            }
            Body::Ext2(node) if self.mode() & S_IFMT == S_IFLNK => node.link_target(),
            _ => None,
        }
    }

    /// Size in bytes (`st_size`).
    pub fn size(&self) -> u64 {
        match &self.body {
            Body::File(data) => data.lock().len() as u64,
            Body::Symlink(target) => target.lock().len() as u64,
            Body::Proc(entry) if !self.is_dir() && self.mode() & S_IFMT != S_IFLNK => {
                super::procfs::contents(*entry).map_or(0, |c| c.len() as u64)
            }
            Body::Dir(entries) => entries.lock().len() as u64 * 32,
            Body::Ext2(node) => node.size(),
            Body::Block(volume) => volume.length,
            _ => 0,
        }
    }

    /// Looks `name` up in this directory.
    pub fn lookup(&self, name: &str) -> Result<NodeRef, Errno> {
        match &self.body {
            Body::Dir(entries) => entries.lock().get(name).cloned().ok_or(Errno::ENOENT),
            Body::Proc(entry) if self.is_dir() => super::procfs::lookup(*entry, name),
            Body::Ext2(node) if self.is_dir() => node.lookup(name),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Makes `name` in this directory from `template`, a fresh node of
    /// the kind wanted; returns the node now named (on tmpfs the template
    /// itself, on ext2 a node of the inode made like it).
    pub fn create(&self, name: &str, template: NodeRef) -> Result<NodeRef, Errno> {
        match &self.body {
            Body::Ext2(dir) if self.is_dir() => dir.create(name, &template),
            _ => {
                self.link(name, template.clone())?;
                Ok(template)
            }
        }
    }

    /// Adds `name` -> `node` to this directory.
    pub fn link(&self, name: &str, node: NodeRef) -> Result<(), Errno> {
        if let Body::Ext2(dir) = &self.body {
            return dir.link(name, &node);
        }
        let Body::Dir(entries) = &self.body else {
            return Err(if self.is_dir() {
                Errno::EACCES
            } else {
                Errno::ENOTDIR
            });
        };
        let mut entries = entries.lock();
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        if node.is_dir() {
            self.meta.lock().nlink += 1;
        } else {
            node.meta.lock().nlink += 1;
        }
        entries.insert(name.into(), node);
        self.touch();
        Ok(())
    }

    /// Removes `name` from this directory; `want_dir` says rmdir or unlink.
    pub fn unlink(&self, name: &str, want_dir: bool) -> Result<NodeRef, Errno> {
        if let Body::Ext2(dir) = &self.body {
            return dir.unlink(name, want_dir);
        }
        let Body::Dir(entries) = &self.body else {
            return Err(Errno::ENOTDIR);
        };
        let mut entries = entries.lock();
        let node = entries.get(name).cloned().ok_or(Errno::ENOENT)?;
        match (&node.body, want_dir) {
            (Body::Dir(children), true) => {
                if !children.lock().is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
                self.meta.lock().nlink -= 1;
            }
            (Body::Dir(_), false) => return Err(Errno::EISDIR),
            (_, true) => return Err(Errno::ENOTDIR),
            (_, false) => node.meta.lock().nlink -= 1,
        }
        entries.remove(name);
        self.touch();
        Ok(node)
    }

    /// Takes `name` out of this directory whatever it is (rename moves it).
    pub fn detach(&self, name: &str) -> Result<NodeRef, Errno> {
        let Body::Dir(entries) = &self.body else {
            return Err(Errno::ENOTDIR);
        };
        let node = entries.lock().remove(name).ok_or(Errno::ENOENT)?;
        if node.is_dir() {
            self.meta.lock().nlink -= 1;
        } else {
            node.meta.lock().nlink -= 1;
        }
        self.touch();
        Ok(node)
    }

    /// The names in this directory, in order.
    pub fn entries(&self) -> Result<Vec<(String, NodeRef)>, Errno> {
        match &self.body {
            Body::Dir(entries) => Ok(entries
                .lock()
                .iter()
                .map(|(n, c)| (n.clone(), c.clone()))
                .collect()),
            Body::Proc(entry) if self.is_dir() => super::procfs::entries(*entry),
            Body::Ext2(node) if self.is_dir() => node.entries(),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Writes changed meta (chmod, chown, utimes) to where it is kept.
    pub fn store_meta(&self) -> Result<(), Errno> {
        match &self.body {
            Body::Ext2(node) => node.store_meta(self),
            _ => Ok(()),
        }
    }

    /// Marks a change of contents (mtime and ctime).
    pub fn touch(&self) {
        let now = crate::time::realtime();
        let mut meta = self.meta.lock();
        meta.mtime = now;
        meta.ctime = now;
    }
}
