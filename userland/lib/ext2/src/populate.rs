//! Copying a host directory tree into a filesystem, as `mke2fs -d` does:
//! modes, owners, times, symlinks, hard links, device nodes, FIFOs and
//! sockets; runs of zeros become holes.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::device::BlockDevice;
use crate::error::Error;
use crate::fs::Filesystem;
use crate::ops::SetAttr;
use crate::raw::{Timestamp, mode};

/// A failure while populating, with the host path it concerns.
#[derive(Debug)]
pub struct PopulateError {
    pub path: PathBuf,
    pub cause: PopulateCause,
}

#[derive(Debug)]
pub enum PopulateCause {
    Host(std::io::Error),
    Filesystem(Error),
}

impl fmt::Display for PopulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            PopulateCause::Host(e) => {
                let text = e.to_string();
                let text = text.split(" (os error").next().unwrap_or(&text);
                write!(f, "{}: {text}", self.path.display())
            }
            PopulateCause::Filesystem(e) => write!(f, "{}: {e}", self.path.display()),
        }
    }
}

impl std::error::Error for PopulateError {}

struct Populator<'a, D: BlockDevice> {
    fs: &'a mut Filesystem<D>,
    /// Host (device, inode) of files with several links -> our inode.
    links: HashMap<(u64, u64), u32>,
    buffer: Vec<u8>,
}

/// Copies the tree under `source` into directory `target` (the root: 2);
/// `target` itself takes `source`'s mode, owner and times.
pub fn populate<D: BlockDevice>(
    fs: &mut Filesystem<D>,
    source: &Path,
    target: u32,
) -> Result<(), PopulateError> {
    let mut p = Populator {
        fs,
        links: HashMap::new(),
        buffer: vec![0; 1 << 20],
    };
    let meta = fs::symlink_metadata(source).map_err(|e| host(source, e))?;
    p.copy_dir(source, target, 0)?;
    p.set_attrs(source, target, &meta)
}

fn host(path: &Path, e: std::io::Error) -> PopulateError {
    PopulateError {
        path: path.to_path_buf(),
        cause: PopulateCause::Host(e),
    }
}

fn ours(path: &Path, e: Error) -> PopulateError {
    PopulateError {
        path: path.to_path_buf(),
        cause: PopulateCause::Filesystem(e),
    }
}

/// Linux's `major()` and `minor()` of a `dev_t`.
fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

/// Deeper than this is a loop of bind mounts, not a tree.
const MAX_DEPTH: u32 = 256;

impl<D: BlockDevice> Populator<'_, D> {
    fn copy_dir(&mut self, dir: &Path, target: u32, depth: u32) -> Result<(), PopulateError> {
        if depth > MAX_DEPTH {
            return Err(ours(
                dir,
                Error::InvalidArgument("directory tree deeper than 256"),
            ));
        }
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| host(dir, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| host(dir, e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let meta = fs::symlink_metadata(&path).map_err(|e| host(&path, e))?;
            self.copy_one(&path, name.as_bytes(), &meta, target, depth)?;
        }
        Ok(())
    }

    fn copy_one(
        &mut self,
        path: &Path,
        name: &[u8],
        meta: &fs::Metadata,
        target: u32,
        depth: u32,
    ) -> Result<(), PopulateError> {
        let ft = meta.file_type();
        let key = (meta.dev(), meta.ino());
        if !ft.is_dir()
            && meta.nlink() > 1
            && let Some(&ino) = self.links.get(&key)
        {
            return self.fs.link(ino, target, name).map_err(|e| ours(path, e));
        }
        let (uid, gid) = (meta.uid(), meta.gid());
        let ino = if ft.is_dir() {
            let ino = self
                .fs
                .make_dir(target, name, meta.mode(), uid, gid, false)
                .map_err(|e| ours(path, e))?;
            self.copy_dir(path, ino, depth + 1)?;
            ino
        } else if ft.is_symlink() {
            let to = fs::read_link(path).map_err(|e| host(path, e))?;
            self.fs
                .make_symlink(target, name, to.as_os_str().as_bytes(), uid, gid, false)
                .map_err(|e| ours(path, e))?
        } else if ft.is_file() {
            let ino = self
                .fs
                .make_node(
                    target,
                    name,
                    mode::REGULAR | (meta.mode() & 0o7777),
                    uid,
                    gid,
                    (0, 0),
                    false,
                )
                .map_err(|e| ours(path, e))?;
            self.copy_data(path, ino)?;
            ino
        } else {
            let kind = if ft.is_fifo() {
                mode::FIFO
            } else if ft.is_socket() {
                mode::SOCKET
            } else if ft.is_char_device() {
                mode::CHAR_DEVICE
            } else {
                mode::BLOCK_DEVICE
            };
            let m = kind | (meta.mode() & 0o7777);
            self.fs
                .make_node(target, name, m, uid, gid, split_dev(meta.rdev()), false)
                .map_err(|e| ours(path, e))?
        };
        if !ft.is_dir() && meta.nlink() > 1 {
            self.links.insert(key, ino);
        }
        self.set_attrs(path, ino, meta)
    }

    fn copy_data(&mut self, path: &Path, ino: u32) -> Result<(), PopulateError> {
        let mut file = fs::File::open(path).map_err(|e| host(path, e))?;
        let mut inode = self.fs.read_inode(ino).map_err(|e| ours(path, e))?;
        let mut offset = 0u64;
        let result = loop {
            let n = match file.read(&mut self.buffer) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(host(path, e)),
            };
            if let Err(e) = self
                .fs
                .write_data(ino, &mut inode, offset, &self.buffer[..n], true)
            {
                break Err(ours(path, e));
            }
            offset += n as u64;
        };
        // Trailing zeros left as a hole still count in the size.
        inode.set_size(offset);
        self.fs
            .write_inode(ino, &inode)
            .map_err(|e| ours(path, e))?;
        result
    }

    fn set_attrs(
        &mut self,
        path: &Path,
        ino: u32,
        meta: &fs::Metadata,
    ) -> Result<(), PopulateError> {
        let time = |secs: i64, nanos: i64| Timestamp {
            secs,
            nanos: nanos.clamp(0, 999_999_999) as u32,
        };
        let attr = SetAttr {
            mode: Some(meta.mode() & 0o7777),
            uid: Some(meta.uid()),
            gid: Some(meta.gid()),
            atime: Some(time(meta.atime(), meta.atime_nsec())),
            mtime: Some(time(meta.mtime(), meta.mtime_nsec())),
            ctime: Some(time(meta.ctime(), meta.ctime_nsec())),
        };
        self.fs.set_attr(ino, &attr).map_err(|e| ours(path, e))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn device_numbers_split_like_glibc() {
        assert_eq!(super::split_dev(0x0801), (8, 1));
        assert_eq!(super::split_dev((259 << 8) | 5), (259, 5));
        assert_eq!(super::split_dev(0x1000_5672_3489), (0x1234, 0x56789));
    }
}
