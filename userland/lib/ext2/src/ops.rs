//! The operations a VFS calls: stat, path lookup, readlink, creating and
//! removing names, rename, attributes.

use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::dir::file_type_of;
use crate::error::{Error, Result};
use crate::fs::Filesystem;
use crate::raw::{Inode, LINK_MAX, ROOT_INO, TimeField, Timestamp, mode};

/// What `stat` reports about an inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub ino: u32,
    /// Type and permission bits, as `st_mode`.
    pub mode: u32,
    pub nlink: u16,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Allocated space in 512-byte units, as `st_blocks`.
    pub blocks: u64,
    pub atime: Timestamp,
    pub mtime: Timestamp,
    pub ctime: Timestamp,
    /// (major, minor) of a device node, else (0, 0).
    pub rdev: (u32, u32),
    pub flags: u32,
}

/// Attributes to change; `None` leaves one as it is. The change time is
/// set to now unless given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (`0o7777`); the file type never changes.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub atime: Option<Timestamp>,
    pub mtime: Option<Timestamp>,
    pub ctime: Option<Timestamp>,
}

/// How many symbolic links one path lookup follows (Linux's limit).
const MAX_SYMLINKS: u32 = 40;

impl<D: BlockDevice> Filesystem<D> {
    /// The attributes of inode `ino`.
    pub fn stat(&self, ino: u32) -> Result<Stat> {
        let inode = self.read_inode(ino)?;
        let is_device = matches!(inode.file_type(), mode::CHAR_DEVICE | mode::BLOCK_DEVICE);
        Ok(Stat {
            ino,
            mode: inode.mode(),
            nlink: inode.links(),
            uid: inode.uid(),
            gid: inode.gid(),
            size: inode.size(),
            blocks: inode.blocks512().into(),
            atime: inode.time(TimeField::Access),
            mtime: inode.time(TimeField::Modify),
            ctime: inode.time(TimeField::Change),
            rdev: if is_device { inode.rdev() } else { (0, 0) },
            flags: inode.flags(),
        })
    }

    /// The target of symbolic link `ino`.
    pub fn readlink(&self, ino: u32) -> Result<Vec<u8>> {
        let inode = self.read_inode(ino)?;
        if !inode.is_symlink() {
            return Err(Error::InvalidArgument("not a symbolic link"));
        }
        let size = inode.size();
        if inode.is_fast_symlink(self.block_size) {
            if size > 60 {
                return Err(Error::corrupt(
                    "fast symlink longer than 60 bytes",
                    ino.into(),
                ));
            }
            return Ok(inode.block_bytes()[..size as usize].to_vec());
        }
        if size >= u64::from(self.block_size) {
            return Err(Error::corrupt("symlink longer than a block", ino.into()));
        }
        let mut target = alloc::vec![0; size as usize];
        let n = self.read_inode_data(&inode, 0, &mut target)?;
        target.truncate(n);
        Ok(target)
    }

    /// Resolves an absolute path (relative ones start at the root too),
    /// following symbolic links on the way, and at the end when `follow`.
    pub fn lookup_path(&self, path: &[u8], follow: bool) -> Result<u32> {
        let mut budget = MAX_SYMLINKS;
        self.walk(ROOT_INO, path, follow, &mut budget)
    }

    fn walk(&self, start: u32, path: &[u8], follow: bool, budget: &mut u32) -> Result<u32> {
        let mut dir = if path.first() == Some(&b'/') {
            ROOT_INO
        } else {
            start
        };
        let parts: Vec<&[u8]> = path
            .split(|&c| c == b'/')
            .filter(|p| !p.is_empty())
            .collect();
        for (i, part) in parts.iter().enumerate() {
            let ino = self.lookup(dir, part)?;
            let last = i + 1 == parts.len();
            let inode = self.read_inode(ino)?;
            if inode.is_symlink() && (!last || follow) {
                *budget = budget.checked_sub(1).ok_or(Error::SymlinkLoop)?;
                let target = self.readlink(ino)?;
                dir = self.walk(dir, &target, true, budget)?;
            } else {
                dir = ino;
            }
        }
        Ok(dir)
    }

    /// Splits a path into its parent directory's inode and its last name.
    pub fn lookup_parent<'p>(&self, path: &'p [u8]) -> Result<(u32, &'p [u8])> {
        let trimmed = path.strip_suffix(b"/").unwrap_or(path);
        match trimmed.iter().rposition(|&c| c == b'/') {
            Some(i) => Ok((self.lookup_path(&trimmed[..i], true)?, &trimmed[i + 1..])),
            None => Ok((ROOT_INO, trimmed)),
        }
    }

    fn parent_dir(&self, dir: u32) -> Result<Inode> {
        let inode = self.read_inode(dir)?;
        if !inode.is_dir() {
            return Err(Error::NotDirectory);
        }
        if inode.links() == 0 {
            return Err(Error::NotFound);
        }
        Ok(inode)
    }

    /// Creates a regular file, FIFO, socket or device node `name` in `dir`.
    pub fn mknod(
        &mut self,
        dir: u32,
        name: &[u8],
        m: u32,
        uid: u32,
        gid: u32,
        rdev: (u32, u32),
    ) -> Result<u32> {
        self.make_node(dir, name, m, uid, gid, rdev, true)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn make_node(
        &mut self,
        dir: u32,
        name: &[u8],
        m: u32,
        uid: u32,
        gid: u32,
        rdev: (u32, u32),
        check_exists: bool,
    ) -> Result<u32> {
        let kind = m & mode::TYPE_MASK;
        if !matches!(
            kind,
            mode::REGULAR | mode::FIFO | mode::SOCKET | mode::CHAR_DEVICE | mode::BLOCK_DEVICE
        ) {
            return Err(Error::InvalidArgument(
                "mknod makes files, FIFOs, sockets and devices",
            ));
        }
        self.create(dir, name, m, uid, gid, check_exists, |_, _, inode| {
            if matches!(kind, mode::CHAR_DEVICE | mode::BLOCK_DEVICE) {
                inode.set_rdev(rdev.0, rdev.1);
            }
            Ok(())
        })
    }

    /// Allocates an inode, lets `fill` complete it, and enters it in `dir`;
    /// undoes the allocation when a step fails.
    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        dir: u32,
        name: &[u8],
        m: u32,
        uid: u32,
        gid: u32,
        check_exists: bool,
        fill: impl FnOnce(&mut Self, u32, &mut Inode) -> Result<()>,
    ) -> Result<u32> {
        self.writable()?;
        crate::dir::check_name(name)?;
        let mut parent = self.parent_dir(dir)?;
        if check_exists && self.lookup(dir, name).is_ok() {
            return Err(Error::Exists);
        }
        let is_dir = m & mode::TYPE_MASK == mode::DIRECTORY;
        if is_dir && parent.links() >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let ino = self.alloc_inode(dir, is_dir)?;
        let mut inode = self.new_inode(m, uid, gid);
        inode.set_links(if is_dir { 2 } else { 1 });
        let result = fill(self, ino, &mut inode)
            .and_then(|()| self.write_inode(ino, &inode))
            .and_then(|()| self.add_entry(dir, &mut parent, name, ino, file_type_of(m)));
        if let Err(e) = result {
            let _ = self.release_inode_blocks(&mut inode);
            let _ = self.free_inode(ino, is_dir);
            let _ = self.write_inode(ino, &Inode::zeroed(self.sb.inode_size()));
            return Err(e);
        }
        if is_dir {
            parent.set_links(parent.links() + 1);
            self.write_inode(dir, &parent)?;
        }
        Ok(ino)
    }

    /// Creates directory `name` in `dir` with permissions `perm`.
    pub fn mkdir(&mut self, dir: u32, name: &[u8], perm: u32, uid: u32, gid: u32) -> Result<u32> {
        self.make_dir(dir, name, perm, uid, gid, true)
    }

    pub(crate) fn make_dir(
        &mut self,
        dir: u32,
        name: &[u8],
        perm: u32,
        uid: u32,
        gid: u32,
        check: bool,
    ) -> Result<u32> {
        let m = mode::DIRECTORY | (perm & 0o7777);
        self.create(dir, name, m, uid, gid, check, |fs, ino, inode| {
            let block = fs.new_dir_block(ino, dir);
            fs.append_dir_block(ino, inode, &block)
        })
    }

    /// Creates symbolic link `name` in `dir` pointing at `target`.
    pub fn symlink(
        &mut self,
        dir: u32,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
    ) -> Result<u32> {
        self.make_symlink(dir, name, target, uid, gid, true)
    }

    pub(crate) fn make_symlink(
        &mut self,
        dir: u32,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
        check: bool,
    ) -> Result<u32> {
        if target.is_empty() || target.len() >= self.block_size as usize {
            return Err(Error::NameTooLong);
        }
        self.create(
            dir,
            name,
            mode::SYMLINK | 0o777,
            uid,
            gid,
            check,
            |fs, ino, inode| {
                if target.len() < 60 {
                    inode.block_bytes_mut()[..target.len()].copy_from_slice(target);
                    inode.set_size(target.len() as u64);
                    Ok(())
                } else {
                    fs.write_data(ino, inode, 0, target, false)
                }
            },
        )
    }

    /// Adds another name `name` in `dir` for inode `ino` (not a directory).
    pub fn link(&mut self, ino: u32, dir: u32, name: &[u8]) -> Result<()> {
        self.writable()?;
        crate::dir::check_name(name)?;
        let mut inode = self.read_inode(ino)?;
        if inode.is_dir() {
            return Err(Error::IsDirectory);
        }
        if inode.links() == 0 {
            return Err(Error::NotFound);
        }
        if inode.links() >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let mut parent = self.parent_dir(dir)?;
        if self.lookup(dir, name).is_ok() {
            return Err(Error::Exists);
        }
        self.add_entry(dir, &mut parent, name, ino, file_type_of(inode.mode()))?;
        inode.set_links(inode.links() + 1);
        inode.set_time(TimeField::Change, self.now());
        self.write_inode(ino, &inode)
    }

    /// Removes name `name` (not a directory) from `dir`; the inode goes
    /// when its last name does.
    pub fn unlink(&mut self, dir: u32, name: &[u8]) -> Result<()> {
        self.writable()?;
        let mut parent = self.parent_dir(dir)?;
        let ino = self.lookup(dir, name)?;
        if self.read_inode(ino)?.is_dir() {
            return Err(Error::IsDirectory);
        }
        self.remove_entry(dir, &mut parent, name)?;
        self.drop_link(ino)
    }

    /// One name of `ino` is gone: count it, and free the inode at zero.
    fn drop_link(&mut self, ino: u32) -> Result<()> {
        let mut inode = self.read_inode(ino)?;
        let links = inode.links().saturating_sub(1);
        inode.set_links(links);
        let now = self.now();
        inode.set_time(TimeField::Change, now);
        if links > 0 {
            return self.write_inode(ino, &inode);
        }
        self.destroy_inode(ino, &mut inode, false)
    }

    fn destroy_inode(&mut self, ino: u32, inode: &mut Inode, was_dir: bool) -> Result<()> {
        let result = self.release_inode_blocks(inode);
        inode.set_links(0);
        inode.set_dtime(self.now().secs as u32);
        inode.set_size(0);
        self.write_inode(ino, inode)?;
        self.free_inode(ino, was_dir)?;
        self.room_hint.remove(&ino);
        self.forget_dir_hash(Some(ino));
        result
    }

    /// Removes empty directory `name` from `dir`.
    pub fn rmdir(&mut self, dir: u32, name: &[u8]) -> Result<()> {
        self.writable()?;
        if name == b"." || name == b".." {
            return Err(Error::InvalidName);
        }
        let mut parent = self.parent_dir(dir)?;
        let ino = self.lookup(dir, name)?;
        let mut inode = self.read_inode(ino)?;
        if !inode.is_dir() {
            return Err(Error::NotDirectory);
        }
        if !self.dir_is_empty(ino)? {
            return Err(Error::NotEmpty);
        }
        self.remove_entry(dir, &mut parent, name)?;
        parent.set_links(parent.links().saturating_sub(1));
        self.write_inode(dir, &parent)?;
        self.destroy_inode(ino, &mut inode, true)
    }

    /// Renames `from_dir`/`from` to `to_dir`/`to`, replacing a file there
    /// (or an empty directory, when moving a directory).
    pub fn rename(&mut self, from_dir: u32, from: &[u8], to_dir: u32, to: &[u8]) -> Result<()> {
        self.writable()?;
        crate::dir::check_name(to)?;
        if from == b"." || from == b".." {
            return Err(Error::InvalidName);
        }
        let ino = self.lookup(from_dir, from)?;
        let inode = self.read_inode(ino)?;
        let moving_dir = inode.is_dir();
        self.parent_dir(to_dir)?;
        if moving_dir && from_dir != to_dir {
            self.refuse_moving_into_itself(ino, to_dir)?;
        }
        match self.lookup(to_dir, to) {
            Ok(existing) if existing == ino => return Ok(()),
            Ok(existing) => {
                let target_is_dir = self.read_inode(existing)?.is_dir();
                match (moving_dir, target_is_dir) {
                    (true, true) => self.rmdir(to_dir, to)?,
                    (false, false) => self.unlink(to_dir, to)?,
                    (true, false) => return Err(Error::NotDirectory),
                    (false, true) => return Err(Error::IsDirectory),
                }
            }
            Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
        let mut target = self.parent_dir(to_dir)?;
        if moving_dir && from_dir != to_dir && target.links() >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        self.add_entry(to_dir, &mut target, to, ino, file_type_of(inode.mode()))?;
        let mut source = self.parent_dir(from_dir)?;
        self.remove_entry(from_dir, &mut source, from)?;
        if moving_dir && from_dir != to_dir {
            self.set_dotdot(ino, to_dir)?;
            source.set_links(source.links().saturating_sub(1));
            self.write_inode(from_dir, &source)?;
            let mut target = self.read_inode(to_dir)?;
            target.set_links(target.links() + 1);
            self.write_inode(to_dir, &target)?;
        }
        let mut inode = self.read_inode(ino)?;
        inode.set_time(TimeField::Change, self.now());
        self.write_inode(ino, &inode)
    }

    /// A directory cannot move below itself: walk up from the new parent.
    fn refuse_moving_into_itself(&self, ino: u32, new_parent: u32) -> Result<()> {
        let mut at = new_parent;
        for _ in 0..self.sb.inodes_count() {
            if at == ino {
                return Err(Error::InvalidArgument("moving a directory below itself"));
            }
            if at == ROOT_INO {
                return Ok(());
            }
            at = self.lookup(at, b"..")?;
        }
        Err(Error::corrupt(
            "directory tree has a cycle",
            new_parent.into(),
        ))
    }

    /// Changes attributes (chmod, chown, utimes).
    pub fn set_attr(&mut self, ino: u32, attr: &SetAttr) -> Result<()> {
        self.writable()?;
        let mut inode = self.read_inode(ino)?;
        if let Some(perm) = attr.mode {
            let m = (inode.mode() & mode::TYPE_MASK) | (perm & 0o7777);
            inode.set_mode16(m as u16);
        }
        if let Some(uid) = attr.uid {
            inode.set_uid(uid);
        }
        if let Some(gid) = attr.gid {
            inode.set_gid(gid);
        }
        if let Some(t) = attr.atime {
            inode.set_time(TimeField::Access, t);
        }
        if let Some(t) = attr.mtime {
            inode.set_time(TimeField::Modify, t);
        }
        let ctime = attr.ctime.unwrap_or_else(|| self.now());
        inode.set_time(TimeField::Change, ctime);
        self.write_inode(ino, &inode)
    }
}
