//! Directories: entries in blocks, each `inode, rec_len, name_len,
//! file_type, name`, the last one of a block stretching to its end.
//!
//! Indexed (dir_index, "htree") directories are read linearly: their index
//! blocks look like empty entries. Adding an entry to one clears its
//! `EXT2_INDEX_FL`, as a driver without htree support legally does (e2fsck
//! accepts it, and may rebuild the index); removing entries keeps the
//! index valid, so the flag stays.
//!
//! Searching a linear directory costs a read of every block, so creating
//! n files in one directory would cost n² block reads. Instead, as
//! FreeBSD's UFS "dirhash" does, a directory of [`HASHED_DIR_BLOCKS`] or
//! more blocks gets an in-memory index of its names on its first search,
//! which every change made through this library keeps up to date.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Filesystem;
use crate::raw::{INDEX_FL, Inode, TimeField, feature, get16, get32, mode, put16, put32};

/// The `file_type` byte of an entry (with the filetype feature).
pub mod file_type {
    pub const UNKNOWN: u8 = 0;
    pub const REGULAR: u8 = 1;
    pub const DIRECTORY: u8 = 2;
    pub const CHAR_DEVICE: u8 = 3;
    pub const BLOCK_DEVICE: u8 = 4;
    pub const FIFO: u8 = 5;
    pub const SOCKET: u8 = 6;
    pub const SYMLINK: u8 = 7;
}

/// The entry file type for an inode mode.
pub fn file_type_of(m: u32) -> u8 {
    match m & mode::TYPE_MASK {
        mode::REGULAR => file_type::REGULAR,
        mode::DIRECTORY => file_type::DIRECTORY,
        mode::CHAR_DEVICE => file_type::CHAR_DEVICE,
        mode::BLOCK_DEVICE => file_type::BLOCK_DEVICE,
        mode::FIFO => file_type::FIFO,
        mode::SOCKET => file_type::SOCKET,
        mode::SYMLINK => file_type::SYMLINK,
        _ => file_type::UNKNOWN,
    }
}

/// Directories of at least this many blocks get a name index.
const HASHED_DIR_BLOCKS: u64 = 2;
/// The most names all directory indexes of a filesystem hold together.
const HASHED_NAMES_MAX: usize = 1 << 17;

/// The name index of one directory: each name, the logical block holding
/// it, and the directory's size in blocks when the index was last right.
#[derive(Debug, Default)]
pub(crate) struct DirHash {
    blocks: u64,
    names: BTreeMap<Vec<u8>, u64>,
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: u32,
    pub name: Vec<u8>,
    /// One of [`file_type`]; `UNKNOWN` without the filetype feature.
    pub file_type: u8,
}

/// An entry as it sits in a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEntry {
    pub offset: usize,
    pub ino: u32,
    pub rec_len: usize,
    pub name_len: usize,
    pub file_type: u8,
}

/// The smallest record holding a name of `len` bytes.
pub(crate) fn record_len(name_len: usize) -> usize {
    (8 + name_len + 3) & !3
}

/// Parses one directory block, checking every record stays inside it.
pub(crate) fn parse_block(block: &[u8], filetype: bool, at: u64) -> Result<Vec<RawEntry>> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < block.len() {
        if offset + 8 > block.len() {
            return Err(Error::corrupt(
                "directory entry header crosses the block end",
                at,
            ));
        }
        let ino = get32(block, offset);
        let rec_len = usize::from(get16(block, offset + 4));
        let name_len = usize::from(block[offset + 6]);
        if rec_len < 8 || rec_len % 4 != 0 || offset + rec_len > block.len() {
            return Err(Error::corrupt("bad directory record length", at));
        }
        if ino != 0 && record_len(name_len) > rec_len {
            return Err(Error::corrupt(
                "directory entry name longer than its record",
                at,
            ));
        }
        if !filetype && block[offset + 7] != 0 && ino != 0 {
            return Err(Error::corrupt("directory entry name longer than 255", at));
        }
        entries.push(RawEntry {
            offset,
            ino,
            rec_len,
            name_len,
            file_type: if filetype { block[offset + 7] } else { 0 },
        });
        offset += rec_len;
    }
    Ok(entries)
}

/// Writes an entry header and name at `offset`.
pub(crate) fn put_entry(
    block: &mut [u8],
    offset: usize,
    ino: u32,
    rec_len: usize,
    name: &[u8],
    ft: u8,
) {
    put32(block, offset, ino);
    put16(block, offset + 4, rec_len as u16);
    block[offset + 6] = name.len() as u8;
    block[offset + 7] = ft;
    block[offset + 8..offset + 8 + name.len()].copy_from_slice(name);
}

/// Checks a name for a new entry.
pub(crate) fn check_name(name: &[u8]) -> Result<()> {
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0)
    {
        return Err(Error::InvalidName);
    }
    if name.len() > 255 {
        return Err(Error::NameTooLong);
    }
    Ok(())
}

impl<D: BlockDevice> Filesystem<D> {
    fn has_filetype(&self) -> bool {
        self.sb.has_incompat(feature::INCOMPAT_FILETYPE)
    }

    /// The number of blocks of directory `inode`, refusing sizes no
    /// filesystem of this size could hold.
    pub(crate) fn dir_blocks(&self, inode: &Inode, ino: u32) -> Result<u64> {
        let bytes = u64::from(self.sb.blocks_count()) * u64::from(self.block_size);
        if inode.size() > bytes {
            return Err(Error::corrupt(
                "directory larger than the filesystem",
                ino.into(),
            ));
        }
        Ok(inode.size().div_ceil(self.block_size.into()))
    }

    /// Reads directory block `lblk`; a hole in a directory is corruption.
    pub(crate) fn dir_block(&self, inode: &Inode, ino: u32, lblk: u64) -> Result<(u64, Vec<u8>)> {
        let phys = self.bmap(inode, lblk)?;
        if phys == 0 {
            return Err(Error::corrupt("hole in a directory", ino.into()));
        }
        let mut buf = vec![0; self.block_size as usize];
        self.read_block(phys.into(), &mut buf)?;
        Ok((phys.into(), buf))
    }

    fn dir_inode(&self, ino: u32) -> Result<Inode> {
        let inode = self.read_inode(ino)?;
        if !inode.is_dir() {
            return Err(Error::NotDirectory);
        }
        Ok(inode)
    }

    /// Every entry of directory `ino`, `.` and `..` included.
    pub fn read_dir(&self, ino: u32) -> Result<Vec<DirEntry>> {
        let inode = self.dir_inode(ino)?;
        let mut out = Vec::new();
        for lblk in 0..self.dir_blocks(&inode, ino)? {
            let (phys, block) = self.dir_block(&inode, ino, lblk)?;
            for e in parse_block(&block, self.has_filetype(), phys)? {
                if e.ino != 0 {
                    out.push(DirEntry {
                        ino: e.ino,
                        name: block[e.offset + 8..e.offset + 8 + e.name_len].to_vec(),
                        file_type: e.file_type,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Finds `name` in directory `dir`: (logical block, entry).
    fn find_entry(&self, dir: u32, inode: &Inode, name: &[u8]) -> Result<Option<(u64, RawEntry)>> {
        let blocks = self.dir_blocks(inode, dir)?;
        if blocks >= HASHED_DIR_BLOCKS {
            return self.find_hashed(dir, inode, blocks, name);
        }
        self.scan_for(dir, inode, 0..blocks, name)
    }

    /// Looks for `name` in blocks `range` of directory `dir`.
    fn scan_for(
        &self,
        dir: u32,
        inode: &Inode,
        range: Range<u64>,
        name: &[u8],
    ) -> Result<Option<(u64, RawEntry)>> {
        for lblk in range {
            let (phys, block) = self.dir_block(inode, dir, lblk)?;
            for e in parse_block(&block, self.has_filetype(), phys)? {
                if e.ino != 0 && &block[e.offset + 8..e.offset + 8 + e.name_len] == name {
                    return Ok(Some((lblk, e)));
                }
            }
        }
        Ok(None)
    }

    /// Finds `name` through `dir`'s name index (built if missing); an index
    /// found wrong is dropped and the directory scanned.
    fn find_hashed(
        &self,
        dir: u32,
        inode: &Inode,
        blocks: u64,
        name: &[u8],
    ) -> Result<Option<(u64, RawEntry)>> {
        let known = self
            .dir_hash
            .borrow()
            .get(&dir)
            .filter(|hash| hash.blocks == blocks)
            .map(|hash| hash.names.get(name).copied());
        let lblk = match known {
            Some(lblk) => lblk,
            None => {
                let hash = self.build_dir_hash(dir, inode, blocks)?;
                let lblk = hash.names.get(name).copied();
                self.keep_dir_hash(dir, hash);
                lblk
            }
        };
        let Some(lblk) = lblk else {
            return Ok(None);
        };
        match self.scan_for(dir, inode, lblk..lblk + 1, name)? {
            Some(found) => Ok(Some(found)),
            None => {
                self.dir_hash.borrow_mut().remove(&dir);
                self.scan_for(dir, inode, 0..blocks, name)
            }
        }
    }

    fn build_dir_hash(&self, dir: u32, inode: &Inode, blocks: u64) -> Result<DirHash> {
        let mut hash = DirHash {
            blocks,
            names: BTreeMap::new(),
        };
        for lblk in 0..blocks {
            let (phys, block) = self.dir_block(inode, dir, lblk)?;
            for e in parse_block(&block, self.has_filetype(), phys)? {
                if e.ino != 0 {
                    let name = block[e.offset + 8..e.offset + 8 + e.name_len].to_vec();
                    hash.names.insert(name, lblk);
                }
            }
        }
        Ok(hash)
    }

    /// Keeps `hash` within [`HASHED_NAMES_MAX`], forgetting the others when
    /// they would go over it.
    fn keep_dir_hash(&self, dir: u32, hash: DirHash) {
        let mut hashes = self.dir_hash.borrow_mut();
        hashes.remove(&dir);
        if hash.names.len() > HASHED_NAMES_MAX {
            return;
        }
        let held: usize = hashes.values().map(|h| h.names.len()).sum();
        if held + hash.names.len() > HASHED_NAMES_MAX {
            hashes.clear();
        }
        hashes.insert(dir, hash);
    }

    /// Records in `dir`'s index that `name` now sits in block `lblk` and
    /// the directory has `blocks` blocks; an index that was already wrong
    /// (its size differs from `blocks_before`) is dropped.
    fn hash_added(&self, dir: u32, name: &[u8], lblk: u64, blocks_before: u64, blocks: u64) {
        let mut hashes = self.dir_hash.borrow_mut();
        match hashes.get_mut(&dir) {
            Some(hash) if hash.blocks == blocks_before => {
                hash.blocks = blocks;
                hash.names.insert(name.to_vec(), lblk);
            }
            Some(_) => {
                hashes.remove(&dir);
            }
            None => {}
        }
    }

    /// Forgets the name index of `dir` (its inode is gone), or of every
    /// directory when `dir` is `None` (blocks were written behind the
    /// library's back).
    pub(crate) fn forget_dir_hash(&self, dir: Option<u32>) {
        let mut hashes = self.dir_hash.borrow_mut();
        match dir {
            Some(dir) => {
                hashes.remove(&dir);
            }
            None => hashes.clear(),
        }
    }

    /// The inode `name` names in directory `dir`.
    pub fn lookup(&self, dir: u32, name: &[u8]) -> Result<u32> {
        let inode = self.dir_inode(dir)?;
        match self.find_entry(dir, &inode, name)? {
            Some((_, e)) => Ok(e.ino),
            None => Err(Error::NotFound),
        }
    }

    /// Adds entry `name` -> `ino` to directory `dir` (whose inode the caller
    /// passes and this writes back), appending a block when none has room.
    pub(crate) fn add_entry(
        &mut self,
        dir: u32,
        inode: &mut Inode,
        name: &[u8],
        ino: u32,
        ft: u8,
    ) -> Result<()> {
        check_name(name)?;
        let ft = if self.has_filetype() { ft } else { 0 };
        let needed = record_len(name.len());
        inode.set_flags(inode.flags() & !INDEX_FL);
        let blocks = self.dir_blocks(inode, dir)?;
        let first = self.room_hint.get(&dir).copied().unwrap_or(0).min(blocks);
        for lblk in first..blocks {
            let (phys, mut block) = self.dir_block(inode, dir, lblk)?;
            for e in parse_block(&block, self.has_filetype(), phys)? {
                let used = if e.ino == 0 {
                    0
                } else {
                    record_len(e.name_len)
                };
                if e.rec_len - used < needed {
                    continue;
                }
                if e.ino == 0 {
                    put_entry(&mut block, e.offset, ino, e.rec_len, name, ft);
                } else {
                    put16(&mut block, e.offset + 4, used as u16);
                    put_entry(&mut block, e.offset + used, ino, e.rec_len - used, name, ft);
                }
                if let Err(e) = self.write_bytes(self.block_offset(phys), &block) {
                    self.forget_dir_hash(Some(dir));
                    return Err(e);
                }
                self.hash_added(dir, name, lblk, blocks, blocks);
                self.room_hint.insert(dir, lblk);
                return self.touch_dir(dir, inode);
            }
        }
        let mut block = vec![0; self.block_size as usize];
        let len = block.len();
        put_entry(&mut block, 0, ino, len, name, ft);
        if let Err(e) = self.append_dir_block(dir, inode, &block) {
            self.forget_dir_hash(Some(dir));
            return Err(e);
        }
        self.hash_added(dir, name, blocks, blocks, blocks + 1);
        self.room_hint.insert(dir, blocks);
        self.touch_dir(dir, inode)
    }

    /// Appends `block` to directory `dir` (the caller writes the inode).
    pub(crate) fn append_dir_block(
        &mut self,
        dir: u32,
        inode: &mut Inode,
        block: &[u8],
    ) -> Result<()> {
        let bs = u64::from(self.block_size);
        let lblk = inode.size().div_ceil(bs);
        let size = (lblk + 1) * bs;
        if size > u64::from(u32::MAX) {
            return Err(Error::FileTooBig);
        }
        // A directory is written whole blocks at a time, so this is one block.
        let result = self.write_data(dir, inode, lblk * bs, block, false);
        inode.set_size(size);
        result
    }

    fn touch_dir(&mut self, dir: u32, inode: &mut Inode) -> Result<()> {
        let now = self.now();
        inode.set_time(TimeField::Modify, now);
        inode.set_time(TimeField::Change, now);
        self.write_inode(dir, inode)
    }

    /// Removes entry `name` from directory `dir`; returns the inode it named.
    pub(crate) fn remove_entry(&mut self, dir: u32, inode: &mut Inode, name: &[u8]) -> Result<u32> {
        let (lblk, entry) = self.find_entry(dir, inode, name)?.ok_or(Error::NotFound)?;
        let (phys, mut block) = self.dir_block(inode, dir, lblk)?;
        let entries = parse_block(&block, self.has_filetype(), phys)?;
        let previous = entries
            .iter()
            .take_while(|e| e.offset != entry.offset)
            .last();
        match previous {
            Some(p) => put16(&mut block, p.offset + 4, (p.rec_len + entry.rec_len) as u16),
            None => put32(&mut block, entry.offset, 0),
        }
        if let Err(e) = self.write_bytes(self.block_offset(phys), &block) {
            self.forget_dir_hash(Some(dir));
            return Err(e);
        }
        if let Some(hash) = self.dir_hash.borrow_mut().get_mut(&dir) {
            hash.names.remove(name);
        }
        let hint = self.room_hint.entry(dir).or_insert(lblk);
        *hint = (*hint).min(lblk);
        self.touch_dir(dir, inode)?;
        Ok(entry.ino)
    }

    /// Points the `..` entry of directory `dir` at `parent`.
    pub(crate) fn set_dotdot(&mut self, dir: u32, parent: u32) -> Result<()> {
        let inode = self.dir_inode(dir)?;
        let (phys, mut block) = self.dir_block(&inode, dir, 0)?;
        let entries = parse_block(&block, self.has_filetype(), phys)?;
        let dotdot = entries
            .iter()
            .find(|e| e.ino != 0 && &block[e.offset + 8..e.offset + 8 + e.name_len] == b"..")
            .ok_or(Error::corrupt("directory without '..'", dir.into()))?;
        put32(&mut block, dotdot.offset, parent);
        self.write_bytes(self.block_offset(phys), &block)
    }

    /// Whether directory `ino` holds nothing but `.` and `..`.
    pub(crate) fn dir_is_empty(&self, ino: u32) -> Result<bool> {
        Ok(self
            .read_dir(ino)?
            .iter()
            .all(|e| e.name == b"." || e.name == b".."))
    }

    /// The first block of a new directory: `.` and `..`.
    pub(crate) fn new_dir_block(&self, ino: u32, parent: u32) -> Vec<u8> {
        let mut block = vec![0; self.block_size as usize];
        let ft = if self.has_filetype() {
            file_type::DIRECTORY
        } else {
            0
        };
        put_entry(&mut block, 0, ino, 12, b".", ft);
        let rest = block.len() - 12;
        put_entry(&mut block, 12, parent, rest, b"..", ft);
        block
    }
}
