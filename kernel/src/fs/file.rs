//! Open file descriptions: what a descriptor refers to, with its offset and
//! status flags (shared by dup'ed descriptors and across fork).

use super::device;
use super::node::{Body, NodeRef};
use super::path::Location;
use super::pipe::Pipe;
use abi::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use spin::Mutex;

pub use abi::fs::{O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};

/// What the description reads and writes.
pub enum Target {
    /// A node: a regular file, a directory, a device or a symlink (O_PATH).
    Node(Location),
    PipeRead(Arc<Pipe>),
    PipeWrite(Arc<Pipe>),
    /// One end of a connected local socket pair (socketpair(2)): it
    /// reads from one byte queue and writes to the other.
    Socket {
        rx: Arc<Pipe>,
        tx: Arc<Pipe>,
    },
}

pub struct OpenFile {
    pub target: Target,
    pub offset: Mutex<u64>,
    /// Access mode and status flags (O_APPEND, O_NONBLOCK).
    pub flags: AtomicU32,
}

impl OpenFile {
    pub fn new(target: Target, flags: u32) -> Arc<OpenFile> {
        match &target {
            Target::PipeRead(p) => {
                p.readers.fetch_add(1, Ordering::Relaxed);
            }
            Target::PipeWrite(p) => {
                p.writers.fetch_add(1, Ordering::Relaxed);
            }
            Target::Socket { rx, tx } => {
                rx.readers.fetch_add(1, Ordering::Relaxed);
                tx.writers.fetch_add(1, Ordering::Relaxed);
            }
            Target::Node(_) => {}
        }
        Arc::new(OpenFile {
            target,
            offset: Mutex::new(0),
            flags: AtomicU32::new(flags),
        })
    }

    pub fn node(&self) -> Option<&NodeRef> {
        match &self.target {
            Target::Node(loc) => Some(loc.node()),
            _ => None,
        }
    }

    pub fn location(&self) -> Option<&Location> {
        match &self.target {
            Target::Node(loc) => Some(loc),
            _ => None,
        }
    }

    fn nonblocking(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & O_NONBLOCK != 0
    }

    pub fn readable(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & O_ACCMODE != O_WRONLY
    }

    pub fn writable(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & O_ACCMODE != O_RDONLY
    }

    /// Reads at the description's offset and advances it.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        let mut offset = self.offset.lock();
        let n = self.read_at(*offset, buf)?;
        *offset += n as u64;
        Ok(n)
    }

    /// Reads at `offset` without moving the description's offset (pread).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        match &self.target {
            Target::PipeRead(pipe) | Target::Socket { rx: pipe, .. } => {
                pipe.read(buf, self.nonblocking())
            }
            Target::PipeWrite(_) => Err(Errno::EBADF),
            Target::Node(loc) => match &loc.node().body {
                Body::File(data) => {
                    let data = data.lock();
                    let start = (offset as usize).min(data.len());
                    let n = buf.len().min(data.len() - start);
                    buf[..n].copy_from_slice(&data[start..start + n]);
                    Ok(n)
                }
                Body::Dir(_) => Err(Errno::EISDIR),
                Body::Device(major, minor) => {
                    device::read((*major, *minor), buf, self.nonblocking())
                }
                Body::Proc(entry) => {
                    let data = super::procfs::contents(*entry)?;
                    let start = (offset as usize).min(data.len());
                    let n = buf.len().min(data.len() - start);
                    buf[..n].copy_from_slice(&data[start..start + n]);
                    Ok(n)
                }
                Body::Ext2(_) if loc.node().is_dir() => Err(Errno::EISDIR),
                Body::Ext2(node) => node.read_at(offset, buf),
                Body::Block(volume) => volume.read_at(offset, buf).map_err(|e| e.errno()),
                Body::Symlink(_) | Body::Fifo => Err(Errno::EINVAL),
            },
        }
    }

    /// Writes at the offset (or the end, with O_APPEND) and advances it.
    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        let mut offset = self.offset.lock();
        if self.flags.load(Ordering::Relaxed) & O_APPEND != 0
            && let Some(node) = self.node()
        {
            *offset = node.size();
        }
        let n = self.write_at(*offset, data)?;
        *offset += n as u64;
        Ok(n)
    }

    /// Writes at `offset` (pwrite).
    pub fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        match &self.target {
            Target::PipeWrite(pipe) | Target::Socket { tx: pipe, .. } => {
                pipe.write(data, self.nonblocking())
            }
            Target::PipeRead(_) => Err(Errno::EBADF),
            Target::Node(loc) => {
                let node = loc.node();
                match &node.body {
                    Body::File(bytes) => {
                        let mut bytes = bytes.lock();
                        let end = (offset as usize)
                            .checked_add(data.len())
                            .ok_or(Errno::EFBIG)?;
                        if end > crate::fs::MAX_FILE_SIZE {
                            return Err(Errno::EFBIG);
                        }
                        if bytes.len() < end {
                            // tmpfs lives in the kernel heap: running out is ENOSPC, not a panic.
                            let grow = end - bytes.len();
                            bytes.try_reserve(grow).map_err(|_| Errno::ENOSPC)?;
                            bytes.resize(end, 0);
                        }
                        bytes[offset as usize..end].copy_from_slice(data);
                        drop(bytes);
                        node.touch();
                        Ok(data.len())
                    }
                    Body::Dir(_) => Err(Errno::EISDIR),
                    Body::Device(major, minor) => device::write((*major, *minor), data),
                    Body::Proc(_) => Err(Errno::EACCES),
                    Body::Ext2(_) if node.is_dir() => Err(Errno::EISDIR),
                    Body::Ext2(file) => file.write_at(offset, data),
                    Body::Block(volume) => volume.write_at(offset, data).map_err(|e| match e {
                        // Past the end, as Linux says it.
                        crate::block::IoError::OutOfRange => Errno::ENOSPC,
                        e => e.errno(),
                    }),
                    Body::Symlink(_) | Body::Fifo => Err(Errno::EINVAL),
                }
            }
        }
    }

    /// The whole contents of a regular file (for exec).
    pub fn contents(&self) -> Result<Vec<u8>, Errno> {
        match self.node().map(|n| &n.body) {
            Some(Body::File(data)) => Ok(data.lock().clone()),
            Some(Body::Ext2(_)) if self.node().is_some_and(|n| n.is_dir()) => Err(Errno::EISDIR),
            Some(Body::Ext2(file)) => file.read_all(),
            Some(Body::Dir(_)) => Err(Errno::EISDIR),
            _ => Err(Errno::EACCES),
        }
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        super::flock::release_all(self as *const OpenFile as usize);
        match &self.target {
            Target::PipeRead(p) => {
                p.readers.fetch_sub(1, Ordering::Relaxed);
                p.writable.wake_all();
            }
            Target::PipeWrite(p) => {
                p.writers.fetch_sub(1, Ordering::Relaxed);
                p.readable.wake_all();
            }
            Target::Socket { rx, tx } => {
                rx.readers.fetch_sub(1, Ordering::Relaxed);
                rx.writable.wake_all();
                tx.writers.fetch_sub(1, Ordering::Relaxed);
                tx.readable.wake_all();
            }
            Target::Node(_) => {}
        }
    }
}
