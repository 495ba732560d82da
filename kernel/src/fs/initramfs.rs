//! Unpacking the initramfs (an uncompressed newc cpio boot module) into the
//! root tmpfs, as Linux does.

use super::node::{Body, Node, NodeRef, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use super::path::{self, Follow};
use abi::errno::Errno;
use alloc::string::String;
use spin::Mutex;

/// Members unpacked and bytes of file data, for the boot log.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unpacked {
    pub entries: usize,
    pub bytes: usize,
}

/// Unpacks `archive` under the root. A malformed archive stops the unpacking
/// with an error; what came before it stays.
pub fn unpack(archive: &[u8]) -> Result<Unpacked, cpio::Error> {
    let root = path::root();
    let mut done = Unpacked::default();
    for member in cpio::Reader::new(archive) {
        let (entry, data) = member?;
        let name = entry.name.trim_end_matches('/');
        if name.is_empty() || name == "." {
            continue;
        }
        let Ok((parent, leaf)) = path::resolve_parent(&root, name) else {
            log::warn!("initramfs: no parent directory for {name}");
            continue;
        };
        let dir = parent.node().clone();
        let dev = dir.dev;
        let perm = entry.mode & 0o7777;
        let node: NodeRef = match entry.mode & S_IFMT {
            S_IFDIR => {
                if let Ok(existing) = path::resolve(&root, name, Follow::No)
                    && existing.node().is_dir()
                {
                    existing.node().meta.lock().mode = S_IFDIR | perm;
                    continue;
                }
                Node::directory(dev, perm)
            }
            S_IFREG => Node::file(dev, perm, data.to_vec()),
            S_IFLNK => {
                let target = String::from_utf8_lossy(data).into_owned();
                Node::new(dev, S_IFLNK | 0o777, Body::Symlink(Mutex::new(target)))
            }
            S_IFCHR => Node::new(
                dev,
                S_IFCHR | perm,
                Body::Device(entry.rdev.0, entry.rdev.1),
            ),
            _ => {
                log::warn!("initramfs: skipping {name}: unsupported file type");
                continue;
            }
        };
        {
            let mut meta = node.meta.lock();
            meta.uid = entry.uid;
            meta.gid = entry.gid;
            meta.mtime = (i64::from(entry.mtime), 0);
        }
        // A later member replaces an earlier one of the same name.
        let _ = dir.unlink(leaf, false);
        match dir.link(leaf, node) {
            Ok(()) => {}
            Err(Errno::EEXIST) => log::warn!("initramfs: {name} exists"),
            Err(e) => log::warn!("initramfs: {name}: {}", e.description()),
        }
        done.entries += 1;
        done.bytes += data.len();
    }
    Ok(done)
}
