//! Path resolution over the mount table.
//!
//! A location is the chain of directories from the root, so `..` is a pop
//! (and never climbs above `/`), and a mount point is crossed by looking the
//! node up in the mount table.

use super::access::{EXECUTE, Ids, WRITE};
use super::node::{Node, NodeRef};
use abi::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use spin::{Mutex, Once};

/// Symlinks followed in one resolution before ELOOP, as on Linux.
const MAX_SYMLINKS: u32 = 40;

/// A mounted filesystem.
#[derive(Clone)]
pub struct Mount {
    pub root: NodeRef,
    /// Filesystem type name (`tmpfs`, `devfs`, `proc`).
    pub fstype: String,
    /// What was mounted (`none`, a device path).
    pub source: String,
    /// Absolute path of the mount point, for /proc/mounts.
    pub target: String,
}

/// Mounts by the device and inode number of the directory they cover
/// (inode numbers alone repeat across ext2 filesystems).
static MOUNTS: Mutex<BTreeMap<(u64, u64), Mount>> = Mutex::new(BTreeMap::new());
static ROOT: Once<Mount> = Once::new();

/// Sets the root filesystem (once, at boot).
pub fn set_root(root: NodeRef, fstype: &str, source: &str) {
    ROOT.call_once(|| Mount {
        root,
        fstype: fstype.into(),
        source: source.into(),
        target: "/".into(),
    });
}

/// The root mount.
pub fn root() -> Location {
    Location {
        chain: alloc::vec![ROOT.get().expect("no root filesystem").root.clone()],
    }
}

/// Every mount, root first, for /proc/mounts.
pub fn mounts() -> Vec<Mount> {
    let mut all: Vec<Mount> = ROOT.get().cloned().into_iter().collect();
    all.extend(MOUNTS.lock().values().cloned());
    all
}

/// A resolved place in the tree.
#[derive(Clone)]
pub struct Location {
    /// Directories from the root down to the node itself (the last element).
    chain: Vec<NodeRef>,
}

impl Location {
    pub fn node(&self) -> &NodeRef {
        self.chain.last().expect("a location is never empty")
    }

    fn parent_chain(&self) -> Location {
        let mut chain = self.chain.clone();
        if chain.len() > 1 {
            chain.pop();
        }
        Location { chain }
    }

    /// The absolute path, rebuilt from the chain (for getcwd and /proc).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for pair in self.chain.windows(2) {
            let (parent, child) = (&pair[0], &pair[1]);
            let name = name_in(parent, child).unwrap_or_else(|| String::from("?"));
            out.push('/');
            out.push_str(&name);
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }
}

/// The name under which `parent` (or the directory it covers) holds `child`.
fn name_in(parent: &NodeRef, child: &NodeRef) -> Option<String> {
    let child_id = (child.dev, child.ino);
    let covered: Vec<((u64, u64), (u64, u64))> = MOUNTS
        .lock()
        .iter()
        .map(|(&covered, m)| (covered, (m.root.dev, m.root.ino)))
        .collect();
    let wanted = covered
        .iter()
        .find(|(_, root)| *root == child_id)
        .map(|(c, _)| *c)
        .unwrap_or(child_id);
    parent
        .entries()
        .ok()?
        .into_iter()
        .find(|(_, n)| (n.dev, n.ino) == wanted)
        .map(|(name, _)| name)
}

/// Replaces a directory that is a mount point with the mounted root.
fn cross_mount(node: NodeRef) -> NodeRef {
    match MOUNTS.lock().get(&(node.dev, node.ino)) {
        Some(mount) => mount.root.clone(),
        None => node,
    }
}

/// Mounts `root` on the directory at `target`.
pub fn mount(target: &Location, root: NodeRef, fstype: &str, source: &str) -> Result<(), Errno> {
    if !target.node().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    // The node as found before crossing, so lookups hit the mount.
    let covered = target.node().clone();
    let path = target.path();
    MOUNTS.lock().insert(
        (covered.dev, covered.ino),
        Mount {
            root,
            fstype: fstype.into(),
            source: source.into(),
            target: path,
        },
    );
    Ok(())
}

/// Unmounts whatever is mounted at `path`.
pub fn unmount(path: &str) -> Result<(), Errno> {
    let mut mounts = MOUNTS.lock();
    let key = mounts
        .iter()
        .find(|(_, m)| m.target == path)
        .map(|(k, _)| *k)
        .ok_or(Errno::EINVAL)?;
    mounts.remove(&key);
    Ok(())
}

/// How the last component is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Follow a final symlink (open, stat).
    Yes,
    /// Stop at a final symlink (lstat, readlink, unlink).
    No,
}

/// Resolves `path` from `start` (the cwd or a directory fd).
pub fn resolve(start: &Location, path: &str, follow: Follow) -> Result<Location, Errno> {
    let mut budget = MAX_SYMLINKS;
    walk(start, path, follow, &mut budget)
}

fn walk(start: &Location, path: &str, follow: Follow, budget: &mut u32) -> Result<Location, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut at = if path.starts_with('/') {
        root()
    } else {
        start.clone()
    };
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if *part == ".." {
            at = at.parent_chain();
            continue;
        }
        if part.len() > 255 {
            return Err(Errno::ENAMETOOLONG);
        }
        let dir = at.node().clone();
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        super::access::check(&dir, Ids::Effective, EXECUTE)?;
        let child = cross_mount(dir.lookup(part)?);
        if let Some(target) = child.link_target()
            && (!last || follow == Follow::Yes || path.ends_with('/'))
        {
            if *budget == 0 {
                return Err(Errno::ELOOP);
            }
            *budget -= 1;
            at = walk(&at, &target, Follow::Yes, budget)?;
            continue;
        }
        at.chain.push(child);
    }
    if path.ends_with('/') && !at.node().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(at)
}

/// Resolves everything but the last component: returns the parent
/// directory and the final name (for create, unlink, rename).
pub fn resolve_parent<'p>(start: &Location, path: &'p str) -> Result<(Location, &'p str), Errno> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(if path.is_empty() {
            Errno::ENOENT
        } else {
            Errno::EEXIST
        });
    }
    let (dir, name) = match trimmed.rfind('/') {
        Some(0) => ("/", &trimmed[1..]),
        Some(at) => (&trimmed[..at], &trimmed[at + 1..]),
        None => (".", trimmed),
    };
    if name == "." || name == ".." {
        return Err(Errno::EINVAL);
    }
    let parent = if dir == "." {
        start.clone()
    } else {
        resolve(start, dir, Follow::Yes)?
    };
    if !parent.node().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    // Every caller adds or removes the entry `name`.
    super::access::check(parent.node(), Ids::Effective, WRITE | EXECUTE)?;
    Ok((parent, name))
}

/// Appends `node` to a location (after creating it under the location's node).
pub fn child_of(parent: &Location, node: NodeRef) -> Location {
    let mut chain = parent.chain.clone();
    chain.push(node);
    Location { chain }
}

/// Whether `node` is an ancestor in `location` (rename must not move a
/// directory into itself).
pub fn contains(location: &Location, node: &Node) -> bool {
    location
        .chain
        .iter()
        .any(|n| n.ino == node.ino && n.dev == node.dev)
}

impl core::fmt::Debug for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.path())
    }
}

/// A new filesystem instance's device number (`st_dev`).
pub fn new_dev() -> u64 {
    static NEXT_DEV: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
    NEXT_DEV.fetch_add(1, core::sync::atomic::Ordering::Relaxed)
}

/// A fresh tmpfs: one empty root directory with its own device number.
pub fn new_tmpfs() -> NodeRef {
    Node::directory(new_dev(), 0o755)
}
