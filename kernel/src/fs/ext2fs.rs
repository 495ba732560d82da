//! ext2 in the VFS: a filesystem on a [`Volume`] opened with the shared
//! `ext2` library, kept behind one sleeping lock, its nodes made on demand
//! from inodes (as /proc's are made from what they show) and kept while
//! anything holds them, so one inode is one [`Node`].
//!
//! A node's [`Meta`] mirrors its inode: it is read again whenever the node
//! is looked up or stat'ed, and changes made to it (chmod, chown, utimes)
//! are written back by [`store_meta`].
//!
//! The library frees an inode at its last unlink even while it is open.
//! Here an unlink that would remove the last name of a node still in use
//! first links the inode into `/lost+found` (the root if there is none) as
//! `#INO`, and that name is removed when the node is let go: the data stays
//! readable until the last close, and after a crash `e2fsck` finds the
//! file where it puts orphans anyway.

use super::node::{Body, Meta, Node, NodeRef, S_IFDIR, S_IFLNK, S_IFMT};
use crate::block::volume::Volume;
use crate::block::wait::SleepLock;
use abi::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use ext2::{Filesystem, SetAttr, Timestamp};
use spin::Mutex;

type Device = blockdev::Partition<crate::block::cache::CachedDisk>;

/// The magic `statfs` reports (Linux's EXT2_SUPER_MAGIC).
pub const MAGIC: i64 = 0xef53;

/// A mounted ext2 filesystem.
pub struct Ext2 {
    fs: SleepLock<Filesystem<Device>>,
    nodes: Mutex<BTreeMap<u32, Weak<Node>>>,
    dev: u64,
    /// Where unlinked inodes still in use keep a name.
    orphanage: u32,
}

/// What an ext2 node holds: its filesystem and inode number.
pub struct Ext2Node {
    fs: Arc<Ext2>,
    ino: u32,
    /// Named `#INO` in the orphanage until dropped.
    orphaned: AtomicBool,
}

static MOUNTED: Mutex<Vec<Weak<Ext2>>> = Mutex::new(Vec::new());

fn errno(e: ext2::Error) -> Errno {
    Errno(e.errno())
}

fn now() -> Timestamp {
    let (secs, nanos) = crate::time::realtime();
    Timestamp { secs, nanos }
}

fn pair(t: Timestamp) -> (i64, u32) {
    (t.secs, t.nanos)
}

fn orphan_name(ino: u32) -> String {
    format!("#{ino}")
}

/// Mounts the ext2 filesystem on `volume`; returns its root directory.
pub fn mount(volume: &Volume, read_only: bool) -> Result<NodeRef, Errno> {
    let device = volume.device().map_err(|e| e.errno())?;
    let mut fs = if read_only {
        Filesystem::open_read_only(device)
    } else {
        Filesystem::open(device)
    }
    .map_err(|e| {
        log::warn!("{}: not a usable ext2 filesystem: {e}", volume.name);
        errno(e)
    })?;
    fs.set_clock(now);
    let orphanage = fs
        .lookup(ext2::ROOT_INO, b"lost+found")
        .unwrap_or(ext2::ROOT_INO);
    let ext2 = Arc::new(Ext2 {
        fs: SleepLock::new(fs),
        nodes: Mutex::new(BTreeMap::new()),
        dev: super::path::new_dev(),
        orphanage,
    });
    let mut mounted = MOUNTED.lock();
    mounted.retain(|held| held.strong_count() > 0);
    mounted.push(Arc::downgrade(&ext2));
    drop(mounted);
    ext2.node(ext2::ROOT_INO)
}

/// Writes every mounted ext2 filesystem's metadata to its cache (sync(2)
/// then writes the caches back).
pub fn sync_all() {
    let mounted: Vec<Arc<Ext2>> = MOUNTED.lock().iter().filter_map(Weak::upgrade).collect();
    for ext2 in mounted {
        if let Err(e) = ext2.fs.lock().sync() {
            log::error!("ext2 sync: {e}");
        }
    }
}

impl Ext2 {
    /// The node of inode `ino`, made if nobody holds it, its meta read anew.
    fn node(self: &Arc<Self>, ino: u32) -> Result<NodeRef, Errno> {
        let stat = self.fs.lock().stat(ino).map_err(errno)?;
        let mut nodes = self.nodes.lock();
        let node = match nodes.get(&ino).and_then(Weak::upgrade) {
            Some(node) => node,
            None => {
                let node = Node::with_ino(
                    self.dev,
                    u64::from(ino),
                    stat.mode,
                    Body::Ext2(Ext2Node {
                        fs: self.clone(),
                        ino,
                        orphaned: AtomicBool::new(false),
                    }),
                );
                // Forget the inodes nobody holds now and then.
                if nodes.len() >= 1024 && nodes.len().is_power_of_two() {
                    nodes.retain(|_, held| held.strong_count() > 0);
                }
                nodes.insert(ino, Arc::downgrade(&node));
                node
            }
        };
        drop(nodes);
        set_meta(&node, &stat);
        Ok(node)
    }
}

fn set_meta(node: &Node, stat: &ext2::Stat) {
    *node.meta.lock() = Meta {
        mode: stat.mode,
        uid: stat.uid,
        gid: stat.gid,
        nlink: u32::from(stat.nlink),
        atime: pair(stat.atime),
        mtime: pair(stat.mtime),
        ctime: pair(stat.ctime),
    };
}

impl Ext2Node {
    pub fn ino(&self) -> u32 {
        self.ino
    }

    /// Reads the inode's attributes into `node`'s meta; returns them.
    pub fn refresh(&self, node: &Node) -> Result<ext2::Stat, Errno> {
        let stat = self.fs.fs.lock().stat(self.ino).map_err(errno)?;
        set_meta(node, &stat);
        Ok(stat)
    }

    pub fn size(&self) -> u64 {
        self.fs.fs.lock().stat(self.ino).map_or(0, |s| s.size)
    }

    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        self.fs.fs.lock().read(self.ino, offset, buf).map_err(errno)
    }

    pub fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.fs
            .fs
            .lock()
            .write(self.ino, offset, data)
            .map_err(errno)?;
        Ok(data.len())
    }

    pub fn read_all(&self) -> Result<Vec<u8>, Errno> {
        self.fs.fs.lock().read_all(self.ino).map_err(errno)
    }

    pub fn truncate(&self, len: u64) -> Result<(), Errno> {
        self.fs.fs.lock().truncate(self.ino, len).map_err(errno)
    }

    pub fn link_target(&self) -> Option<String> {
        let target = self.fs.fs.lock().readlink(self.ino).ok()?;
        Some(String::from_utf8_lossy(&target).into_owned())
    }

    pub fn lookup(&self, name: &str) -> Result<NodeRef, Errno> {
        let ino = self
            .fs
            .fs
            .lock()
            .lookup(self.ino, name.as_bytes())
            .map_err(errno)?;
        self.fs.node(ino)
    }

    /// The entries but `.` and `..`.
    pub fn entries(&self) -> Result<Vec<(String, NodeRef)>, Errno> {
        let list = self.fs.fs.lock().read_dir(self.ino).map_err(errno)?;
        list.into_iter()
            .filter(|e| e.name != b"." && e.name != b"..")
            .map(|e| {
                let node = self.fs.node(e.ino)?;
                Ok((String::from_utf8_lossy(&e.name).into_owned(), node))
            })
            .collect()
    }

    /// Creates `name` in this directory like `template` (a fresh in-memory
    /// node: its type, permissions, owner, symlink target or device).
    pub fn create(&self, name: &str, template: &Node) -> Result<NodeRef, Errno> {
        let meta = *template.meta.lock();
        let perm = meta.mode & 0o7777;
        let name = name.as_bytes();
        let mut fs = self.fs.fs.lock();
        let ino = match (&template.body, meta.mode & S_IFMT) {
            (_, S_IFDIR) => fs.mkdir(self.ino, name, perm, meta.uid, meta.gid),
            (Body::Symlink(target), S_IFLNK) => {
                let target = target.lock().clone();
                fs.symlink(self.ino, name, target.as_bytes(), meta.uid, meta.gid)
            }
            (Body::Device(major, minor), kind) => fs.mknod(
                self.ino,
                name,
                kind | perm,
                meta.uid,
                meta.gid,
                (*major, *minor),
            ),
            (Body::Fifo, kind) | (Body::File(_), kind) => {
                fs.mknod(self.ino, name, kind | perm, meta.uid, meta.gid, (0, 0))
            }
            _ => return Err(Errno::EPERM),
        }
        .map_err(errno)?;
        drop(fs);
        self.fs.node(ino)
    }

    /// A hard link `name` here to `node` (same filesystem only).
    pub fn link(&self, name: &str, node: &Node) -> Result<(), Errno> {
        let Body::Ext2(other) = &node.body else {
            return Err(Errno::EXDEV);
        };
        if !Arc::ptr_eq(&other.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        if node.is_dir() {
            return Err(Errno::EPERM);
        }
        self.fs
            .fs
            .lock()
            .link(other.ino, self.ino, name.as_bytes())
            .map_err(errno)?;
        other.refresh(node)?;
        Ok(())
    }

    /// Removes `name` (rmdir when `want_dir`); returns what it named.
    pub fn unlink(&self, name: &str, want_dir: bool) -> Result<NodeRef, Errno> {
        let node = self.lookup(name)?;
        let Body::Ext2(child) = &node.body else {
            unreachable!("ext2 directories hold ext2 nodes");
        };
        let mut fs = self.fs.fs.lock();
        match (node.is_dir(), want_dir) {
            (true, true) => fs.rmdir(self.ino, name.as_bytes()).map_err(errno)?,
            (true, false) => return Err(Errno::EISDIR),
            (false, true) => return Err(Errno::ENOTDIR),
            (false, false) => {
                // Held by someone besides this call: keep the inode alive.
                let in_use = Arc::strong_count(&node) > 1;
                if in_use
                    && node.meta.lock().nlink <= 1
                    && !child.orphaned.swap(true, Ordering::Relaxed)
                {
                    let orphan = orphan_name(child.ino);
                    if let Err(e) = fs.link(child.ino, self.fs.orphanage, orphan.as_bytes()) {
                        child.orphaned.store(false, Ordering::Relaxed);
                        return Err(errno(e));
                    }
                }
                fs.unlink(self.ino, name.as_bytes()).map_err(errno)?;
            }
        }
        drop(fs);
        let _ = child.refresh(&node);
        Ok(node)
    }

    /// Renames `from` here to `to` in `target` (another directory of the
    /// same filesystem).
    pub fn rename(&self, from: &str, target: &Node, to: &str) -> Result<(), Errno> {
        let Body::Ext2(target) = &target.body else {
            return Err(Errno::EXDEV);
        };
        if !Arc::ptr_eq(&target.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        self.fs
            .fs
            .lock()
            .rename(self.ino, from.as_bytes(), target.ino, to.as_bytes())
            .map_err(errno)
    }

    /// Writes `node`'s meta (permissions, owner, times) to the inode.
    pub fn store_meta(&self, node: &Node) -> Result<(), Errno> {
        let meta = *node.meta.lock();
        let stamp = |(secs, nanos): (i64, u32)| Some(Timestamp { secs, nanos });
        let attr = SetAttr {
            mode: Some(meta.mode & 0o7777),
            uid: Some(meta.uid),
            gid: Some(meta.gid),
            atime: stamp(meta.atime),
            mtime: stamp(meta.mtime),
            ctime: None,
        };
        self.fs.fs.lock().set_attr(self.ino, &attr).map_err(errno)?;
        self.refresh(node).map(|_| ())
    }

    pub fn statfs(&self) -> ext2::StatFs {
        self.fs.fs.lock().statfs()
    }
}

impl Drop for Ext2Node {
    fn drop(&mut self) {
        if self.orphaned.load(Ordering::Relaxed) {
            let name = orphan_name(self.ino);
            if let Err(e) = self.fs.fs.lock().unlink(self.fs.orphanage, name.as_bytes()) {
                log::error!("ext2: cannot free orphan inode {}: {e}", self.ino);
            }
        }
    }
}
