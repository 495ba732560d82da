//! Opening a filesystem, its superblock and group descriptors, inodes, and
//! the block and inode allocators.
//!
//! Data, inodes and directory blocks go to the device as each operation
//! runs; the superblock, group descriptors and bitmaps are kept in memory
//! and written by [`Filesystem::sync`]. Only the primary superblock and
//! descriptor table are rewritten, as Linux does: the backups keep the
//! geometry, which is all `e2fsck` compares.

use alloc::vec;
use alloc::vec::Vec;

use crate::device::{self, BlockDevice};
use crate::error::{Error, Result};
use crate::raw::{
    self, GROUP_DESC_SIZE, GroupDesc, GroupDescMut, Inode, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE,
    Superblock, Timestamp, feature,
};

/// Where the time comes from: the kernel's clock, or the host's.
pub type Clock = fn() -> Timestamp;

#[cfg(feature = "std")]
fn default_clock() -> Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
        nanos: now.subsec_nanos(),
    }
}

#[cfg(not(feature = "std"))]
fn default_clock() -> Timestamp {
    Timestamp::default()
}

#[derive(Default)]
struct GroupCache {
    block_bitmap: Option<Vec<u8>>,
    inode_bitmap: Option<Vec<u8>>,
    block_dirty: bool,
    inode_dirty: bool,
}

/// What `statfs` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatFs {
    pub block_size: u32,
    pub blocks: u64,
    pub free_blocks: u64,
    /// Free blocks less the ones reserved for root.
    pub available_blocks: u64,
    pub inodes: u64,
    pub free_inodes: u64,
    pub name_max: u32,
    pub uuid: [u8; 16],
    pub label: Vec<u8>,
}

/// An open ext2 filesystem on a device.
///
/// Reading methods take `&self`, changing ones `&mut self`; the kernel keeps
/// one behind a reader-writer lock. Changes to the allocation metadata
/// reach the device only through [`Filesystem::sync`] (or
/// [`Filesystem::into_device`]): call it before letting go of one.
pub struct Filesystem<D: BlockDevice> {
    pub(crate) dev: D,
    pub(crate) sb: Superblock,
    gdt: Vec<u8>,
    pub(crate) block_size: u32,
    pub(crate) groups: u32,
    read_only: bool,
    cache: Vec<GroupCache>,
    meta_dirty: bool,
    clock: Clock,
    fixed_time: Option<Timestamp>,
    next_generation: u32,
    /// Per directory, the first block that may have room for an entry.
    pub(crate) room_hint: alloc::collections::BTreeMap<u32, u64>,
    /// Name indexes of large directories, built on a search (`&self`).
    pub(crate) dir_hash:
        core::cell::RefCell<alloc::collections::BTreeMap<u32, crate::dir::DirHash>>,
}

impl<D: BlockDevice> Filesystem<D> {
    /// Opens read-write (read-only when a feature we do not keep correct is on).
    pub fn open(dev: D) -> Result<Filesystem<D>> {
        Self::open_with(dev, false)
    }

    /// Opens without ever writing.
    pub fn open_read_only(dev: D) -> Result<Filesystem<D>> {
        Self::open_with(dev, true)
    }

    fn open_with(dev: D, read_only: bool) -> Result<Filesystem<D>> {
        let mut sb = Superblock::zeroed();
        blockdev::read(&dev, SUPERBLOCK_OFFSET, &mut sb.0)?;
        let (block_size, groups) = validate_superblock(&sb, dev.size())?;
        let read_only = read_only || sb.feature_ro_compat() & !feature::RO_COMPAT_SUPPORTED != 0;
        let gdt_len = groups as usize * GROUP_DESC_SIZE;
        let gdt_blocks = gdt_len.div_ceil(block_size as usize) as u64;
        let gdt_start = u64::from(sb.first_data_block()) + 1;
        if gdt_start + gdt_blocks > u64::from(sb.blocks_count()) {
            return Err(Error::BadSuperblock("group descriptors beyond the end"));
        }
        let mut gdt = vec![0; gdt_len];
        blockdev::read(&dev, gdt_start * u64::from(block_size), &mut gdt)?;
        let mut cache = Vec::new();
        cache.resize_with(groups as usize, GroupCache::default);
        let fs = Filesystem {
            dev,
            sb,
            gdt,
            block_size,
            groups,
            read_only,
            cache,
            meta_dirty: false,
            clock: default_clock,
            fixed_time: None,
            next_generation: 0,
            room_hint: Default::default(),
            dir_hash: Default::default(),
        };
        fs.validate_groups()?;
        Ok(fs)
    }

    fn validate_groups(&self) -> Result<()> {
        let blocks = u64::from(self.sb.blocks_count());
        let itable = self.inode_table_blocks();
        for g in 0..self.groups {
            let gd = self.group(g);
            let in_range = |b: u32, len: u64| {
                u64::from(b) >= u64::from(self.sb.first_data_block())
                    && u64::from(b) + len <= blocks
            };
            if !in_range(gd.block_bitmap(), 1)
                || !in_range(gd.inode_bitmap(), 1)
                || !in_range(gd.inode_table(), itable)
            {
                return Err(Error::corrupt(
                    "group metadata outside the filesystem",
                    g.into(),
                ));
            }
        }
        Ok(())
    }

    /// Sets where timestamps come from (the kernel's clock).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Stamps every change with `time` instead of the clock's (`None`
    /// goes back to the clock): reproducible images.
    pub fn set_fixed_time(&mut self, time: Option<Timestamp>) {
        self.fixed_time = time;
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.fixed_time.unwrap_or_else(|| (self.clock)())
    }

    /// True when changes are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub(crate) fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        Ok(())
    }

    /// The superblock as read (and as changed in memory).
    pub fn superblock(&self) -> &Superblock {
        &self.sb
    }

    pub fn block_size(&self) -> u32 {
        self.block_size
    }

    pub fn group_count(&self) -> u32 {
        self.groups
    }

    /// The device underneath (to reopen it, or for tests).
    pub fn device(&self) -> &D {
        &self.dev
    }

    /// Writes back and returns the device.
    pub fn into_device(mut self) -> Result<D> {
        self.sync()?;
        Ok(self.dev)
    }

    pub fn statfs(&self) -> StatFs {
        let free = u64::from(self.sb.free_blocks_count());
        StatFs {
            block_size: self.block_size,
            blocks: self.sb.blocks_count().into(),
            free_blocks: free,
            available_blocks: free.saturating_sub(self.sb.r_blocks_count().into()),
            inodes: self.sb.inodes_count().into(),
            free_inodes: self.sb.free_inodes_count().into(),
            name_max: 255,
            uuid: self.sb.uuid(),
            label: self.sb.volume_name().to_vec(),
        }
    }

    // ---- geometry ----

    pub(crate) fn group(&self, g: u32) -> GroupDesc<'_> {
        let at = g as usize * GROUP_DESC_SIZE;
        GroupDesc(&self.gdt[at..at + GROUP_DESC_SIZE])
    }

    pub(crate) fn group_mut(&mut self, g: u32) -> GroupDescMut<'_> {
        let at = g as usize * GROUP_DESC_SIZE;
        self.meta_dirty = true;
        GroupDescMut(&mut self.gdt[at..at + GROUP_DESC_SIZE])
    }

    pub(crate) fn inode_table_blocks(&self) -> u64 {
        (u64::from(self.sb.inodes_per_group()) * u64::from(self.sb.inode_size()))
            .div_ceil(self.block_size.into())
    }

    pub(crate) fn group_first_block(&self, g: u32) -> u64 {
        u64::from(self.sb.first_data_block()) + u64::from(g) * u64::from(self.sb.blocks_per_group())
    }

    /// Blocks in group `g` (the last one may be short).
    pub(crate) fn group_block_count(&self, g: u32) -> u64 {
        let start = self.group_first_block(g);
        (u64::from(self.sb.blocks_count()) - start).min(self.sb.blocks_per_group().into())
    }

    /// Whether group `g` holds a superblock backup.
    pub fn group_has_super(&self, g: u32) -> bool {
        !self.sb.has_ro_compat(feature::RO_COMPAT_SPARSE_SUPER) || has_sparse_super(g)
    }

    pub(crate) fn gdt_blocks(&self) -> u64 {
        (u64::from(self.groups) * GROUP_DESC_SIZE as u64).div_ceil(self.block_size.into())
    }

    /// Checks that `block` is a data block number of this filesystem.
    pub(crate) fn check_block(&self, block: u32, at: u64) -> Result<u64> {
        let b = u64::from(block);
        if b < u64::from(self.sb.first_data_block()) || b >= u64::from(self.sb.blocks_count()) {
            return Err(Error::corrupt("block number out of range", at));
        }
        Ok(b)
    }

    pub(crate) fn block_offset(&self, block: u64) -> u64 {
        block * u64::from(self.block_size)
    }

    pub(crate) fn read_block(&self, block: u64, buf: &mut [u8]) -> Result<()> {
        Ok(blockdev::read(&self.dev, self.block_offset(block), buf)?)
    }

    pub(crate) fn write_bytes(&mut self, offset: u64, buf: &[u8]) -> Result<()> {
        Ok(blockdev::write(&mut self.dev, offset, buf)?)
    }

    pub(crate) fn read_bytes(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        Ok(blockdev::read(&self.dev, offset, buf)?)
    }

    /// Reads block `block` whole, bypassing everything (tools, tests).
    pub fn raw_read_block(&self, block: u64, buf: &mut [u8]) -> Result<()> {
        self.read_block(block, buf)
    }

    /// Writes block `block`, bypassing every consistency rule (tools, tests).
    pub fn raw_write_block(&mut self, block: u64, buf: &[u8]) -> Result<()> {
        self.writable()?;
        self.forget_dir_hash(None);
        let at = self.block_offset(block);
        self.write_bytes(at, buf)
    }

    /// Writes inode `ino` as given, bypassing every consistency rule.
    pub fn raw_write_inode(&mut self, ino: u32, inode: &Inode) -> Result<()> {
        self.forget_dir_hash(None);
        self.write_inode(ino, inode)
    }

    // ---- inodes ----

    fn inode_offset(&self, ino: u32) -> Result<u64> {
        if ino == 0 || ino > self.sb.inodes_count() {
            return Err(Error::corrupt("inode number out of range", ino.into()));
        }
        let ipg = self.sb.inodes_per_group();
        let group = (ino - 1) / ipg;
        let index = u64::from((ino - 1) % ipg);
        let table = u64::from(self.group(group).inode_table());
        Ok(self.block_offset(table) + index * u64::from(self.sb.inode_size()))
    }

    /// Reads inode `ino` (its raw bytes; see [`crate::Filesystem::stat`]).
    pub fn read_inode(&self, ino: u32) -> Result<Inode> {
        let mut inode = Inode::zeroed(self.sb.inode_size());
        blockdev::read(&self.dev, self.inode_offset(ino)?, &mut inode.0)?;
        Ok(inode)
    }

    pub(crate) fn write_inode(&mut self, ino: u32, inode: &Inode) -> Result<()> {
        self.writable()?;
        let at = self.inode_offset(ino)?;
        Ok(blockdev::write(&mut self.dev, at, &inode.0)?)
    }

    /// A fresh inode of `mode`, owned by `uid`:`gid`, all times now.
    pub(crate) fn new_inode(&mut self, mode: u32, uid: u32, gid: u32) -> Inode {
        let mut inode = Inode::zeroed(self.sb.inode_size());
        if self.sb.inode_size() > raw::GOOD_OLD_INODE_SIZE {
            let want = self.sb.want_extra_isize().max(32);
            inode.set_extra_isize(want.min(self.sb.inode_size() - raw::GOOD_OLD_INODE_SIZE) & !3);
        }
        inode.set_mode16(mode as u16);
        inode.set_uid(uid);
        inode.set_gid(gid);
        let now = self.now();
        for which in [
            raw::TimeField::Access,
            raw::TimeField::Change,
            raw::TimeField::Modify,
            raw::TimeField::Create,
        ] {
            inode.set_time(which, now);
        }
        self.next_generation = self.next_generation.wrapping_add(1);
        inode.set_generation(self.next_generation ^ (now.nanos << 2));
        inode
    }

    // ---- bitmaps ----

    fn load_bitmap(&self, block: u32) -> Result<Vec<u8>> {
        let mut buf = vec![0; self.block_size as usize];
        self.read_block(block.into(), &mut buf)?;
        Ok(buf)
    }

    /// Group `g`'s block bitmap (the cached copy when one is loaded).
    pub fn block_bitmap(&self, g: u32) -> Result<Vec<u8>> {
        match &self.cache[g as usize].block_bitmap {
            Some(b) => Ok(b.clone()),
            None => self.load_bitmap(self.group(g).block_bitmap()),
        }
    }

    /// Group `g`'s inode bitmap (the cached copy when one is loaded).
    pub fn inode_bitmap(&self, g: u32) -> Result<Vec<u8>> {
        match &self.cache[g as usize].inode_bitmap {
            Some(b) => Ok(b.clone()),
            None => self.load_bitmap(self.group(g).inode_bitmap()),
        }
    }

    fn cached_block_bitmap(&mut self, g: u32) -> Result<&mut Vec<u8>> {
        if self.cache[g as usize].block_bitmap.is_none() {
            let b = self.load_bitmap(self.group(g).block_bitmap())?;
            self.cache[g as usize].block_bitmap = Some(b);
        }
        Ok(self.cache[g as usize]
            .block_bitmap
            .as_mut()
            .expect("loaded above"))
    }

    fn cached_inode_bitmap(&mut self, g: u32) -> Result<&mut Vec<u8>> {
        if self.cache[g as usize].inode_bitmap.is_none() {
            let b = self.load_bitmap(self.group(g).inode_bitmap())?;
            self.cache[g as usize].inode_bitmap = Some(b);
        }
        Ok(self.cache[g as usize]
            .inode_bitmap
            .as_mut()
            .expect("loaded above"))
    }

    /// Replaces group `g`'s bitmaps (the checker's repair).
    pub(crate) fn set_bitmaps(&mut self, g: u32, blocks: Vec<u8>, inodes: Vec<u8>) {
        let c = &mut self.cache[g as usize];
        c.block_bitmap = Some(blocks);
        c.inode_bitmap = Some(inodes);
        c.block_dirty = true;
        c.inode_dirty = true;
        self.meta_dirty = true;
    }

    pub(crate) fn superblock_mut(&mut self) -> &mut Superblock {
        self.meta_dirty = true;
        &mut self.sb
    }

    /// Allocates a block, near `goal` when it is free.
    pub(crate) fn alloc_block(&mut self, goal: u64) -> Result<u32> {
        self.writable()?;
        let fdb = u64::from(self.sb.first_data_block());
        let bpg = u64::from(self.sb.blocks_per_group());
        let goal = goal.clamp(fdb, u64::from(self.sb.blocks_count()) - 1);
        let first_group = ((goal - fdb) / bpg) as u32;
        for step in 0..self.groups {
            let g = (first_group + step) % self.groups;
            if self.group(g).free_blocks() == 0 {
                continue;
            }
            let count = self.group_block_count(g) as usize;
            let start = if step == 0 {
                ((goal - fdb) % bpg) as usize
            } else {
                0
            };
            let bitmap = self.cached_block_bitmap(g)?;
            let found = find_zero(bitmap, start, count).or_else(|| find_zero(bitmap, 0, start));
            let Some(bit) = found else {
                continue;
            };
            bitmap[bit / 8] |= 1 << (bit % 8);
            self.cache[g as usize].block_dirty = true;
            let free = self.group(g).free_blocks();
            self.group_mut(g).set_free_blocks(free.saturating_sub(1));
            let total = self.sb.free_blocks_count();
            self.superblock_mut()
                .set_free_blocks_count(total.saturating_sub(1));
            return Ok((self.group_first_block(g) + bit as u64) as u32);
        }
        Err(Error::NoSpace)
    }

    /// Frees a block; freeing a free one is corruption.
    pub(crate) fn free_block(&mut self, block: u32) -> Result<()> {
        self.writable()?;
        let b = self.check_block(block, block.into())?;
        let rel = b - u64::from(self.sb.first_data_block());
        let bpg = u64::from(self.sb.blocks_per_group());
        let g = (rel / bpg) as u32;
        let bit = (rel % bpg) as usize;
        let bitmap = self.cached_block_bitmap(g)?;
        if bitmap[bit / 8] & (1 << (bit % 8)) == 0 {
            return Err(Error::corrupt("freeing a block that is already free", b));
        }
        bitmap[bit / 8] &= !(1 << (bit % 8));
        self.cache[g as usize].block_dirty = true;
        let free = self.group(g).free_blocks();
        self.group_mut(g).set_free_blocks(free.saturating_add(1));
        let total = self.sb.free_blocks_count();
        self.superblock_mut()
            .set_free_blocks_count(total.saturating_add(1));
        Ok(())
    }

    /// Allocates an inode: a directory goes to a roomy group with free
    /// inodes to spread the tree, anything else next to its parent.
    pub(crate) fn alloc_inode(&mut self, parent: u32, is_dir: bool) -> Result<u32> {
        self.writable()?;
        let ipg = self.sb.inodes_per_group();
        let parent_group = (parent.saturating_sub(1) / ipg).min(self.groups - 1);
        let first_group = if is_dir {
            let average = self.sb.free_inodes_count() / self.groups;
            (0..self.groups)
                .map(|step| (parent_group + step) % self.groups)
                .filter(|&g| u32::from(self.group(g).free_inodes()) >= average.max(1))
                .max_by_key(|&g| self.group(g).free_blocks())
                .unwrap_or(parent_group)
        } else {
            parent_group
        };
        let first_ino = self.sb.first_ino();
        for step in 0..self.groups {
            let g = (first_group + step) % self.groups;
            if self.group(g).free_inodes() == 0 {
                continue;
            }
            // Reserved inodes are never handed out, whatever the bitmap says.
            let skip = first_ino.saturating_sub(g * ipg + 1).min(ipg) as usize;
            let bitmap = self.cached_inode_bitmap(g)?;
            let Some(bit) = find_zero(bitmap, skip, ipg as usize) else {
                continue;
            };
            bitmap[bit / 8] |= 1 << (bit % 8);
            self.cache[g as usize].inode_dirty = true;
            let gd = self.group(g);
            let (free, dirs) = (gd.free_inodes(), gd.used_dirs());
            let mut gd = self.group_mut(g);
            gd.set_free_inodes(free.saturating_sub(1));
            if is_dir {
                gd.set_used_dirs(dirs.saturating_add(1));
            }
            let total = self.sb.free_inodes_count();
            self.superblock_mut()
                .set_free_inodes_count(total.saturating_sub(1));
            return Ok(g * ipg + bit as u32 + 1);
        }
        Err(Error::NoInodes)
    }

    /// Frees inode `ino` in its bitmap and counts.
    pub(crate) fn free_inode(&mut self, ino: u32, was_dir: bool) -> Result<()> {
        self.writable()?;
        if ino == 0 || ino > self.sb.inodes_count() {
            return Err(Error::corrupt("inode number out of range", ino.into()));
        }
        let ipg = self.sb.inodes_per_group();
        let g = (ino - 1) / ipg;
        let bit = ((ino - 1) % ipg) as usize;
        let bitmap = self.cached_inode_bitmap(g)?;
        if bitmap[bit / 8] & (1 << (bit % 8)) == 0 {
            return Err(Error::corrupt(
                "freeing an inode that is already free",
                ino.into(),
            ));
        }
        bitmap[bit / 8] &= !(1 << (bit % 8));
        self.cache[g as usize].inode_dirty = true;
        let gd = self.group(g);
        let (free, dirs) = (gd.free_inodes(), gd.used_dirs());
        let mut gd = self.group_mut(g);
        gd.set_free_inodes(free.saturating_add(1));
        if was_dir {
            gd.set_used_dirs(dirs.saturating_sub(1));
        }
        let total = self.sb.free_inodes_count();
        self.superblock_mut()
            .set_free_inodes_count(total.saturating_add(1));
        Ok(())
    }

    /// Counts one more directory in inode `ino`'s group (a reserved inode
    /// made a directory: the root).
    pub(crate) fn count_dir(&mut self, ino: u32) {
        let g = (ino - 1) / self.sb.inodes_per_group();
        let dirs = self.group(g).used_dirs();
        self.group_mut(g).set_used_dirs(dirs.saturating_add(1));
    }

    /// Writes the bitmaps, group descriptors and superblock, then flushes.
    pub fn sync(&mut self) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        for g in 0..self.groups {
            let (bb, ib) = {
                let gd = self.group(g);
                (gd.block_bitmap(), gd.inode_bitmap())
            };
            let c = &mut self.cache[g as usize];
            if c.block_dirty {
                if let Some(b) = &c.block_bitmap {
                    let at = u64::from(bb) * u64::from(self.block_size);
                    blockdev::write(&mut self.dev, at, b)?;
                }
                c.block_dirty = false;
            }
            let c = &mut self.cache[g as usize];
            if c.inode_dirty {
                if let Some(b) = &c.inode_bitmap {
                    let at = u64::from(ib) * u64::from(self.block_size);
                    blockdev::write(&mut self.dev, at, b)?;
                }
                c.inode_dirty = false;
            }
        }
        if self.meta_dirty {
            let gdt_at = (u64::from(self.sb.first_data_block()) + 1) * u64::from(self.block_size);
            blockdev::write(&mut self.dev, gdt_at, &self.gdt)?;
            let now = self.now();
            self.sb.set_wtime(now.secs as u32);
            blockdev::write(&mut self.dev, SUPERBLOCK_OFFSET, &self.sb.0)?;
            self.meta_dirty = false;
        }
        device::flush(&mut self.dev)
    }

    /// The raw group descriptor table (mkfs writes its backups).
    pub(crate) fn gdt_bytes(&self) -> &[u8] {
        &self.gdt
    }

    /// The superblock's bytes as they would be written now.
    pub(crate) fn superblock_bytes(&self) -> [u8; SUPERBLOCK_SIZE] {
        let mut out = [0; SUPERBLOCK_SIZE];
        out.copy_from_slice(&self.sb.0);
        out
    }
}

/// Sparse superblock groups: 0, 1 and the powers of 3, 5 and 7.
pub fn has_sparse_super(g: u32) -> bool {
    if g <= 1 {
        return true;
    }
    [3u32, 5, 7].iter().any(|&base| {
        let mut n = base;
        while n < g {
            match n.checked_mul(base) {
                Some(next) => n = next,
                None => return false,
            }
        }
        n == g
    })
}

/// The first clear bit in `[from, to)`.
pub(crate) fn find_zero(bitmap: &[u8], from: usize, to: usize) -> Option<usize> {
    let to = to.min(bitmap.len() * 8);
    let mut bit = from;
    while bit < to {
        if bit.is_multiple_of(8) && bitmap[bit / 8] == 0xff {
            bit += 8;
            continue;
        }
        if bitmap[bit / 8] & (1 << (bit % 8)) == 0 {
            return Some(bit);
        }
        bit += 1;
    }
    None
}

/// Checks a superblock against itself and the device; returns the block
/// size and the number of groups.
fn validate_superblock(sb: &Superblock, device_size: u64) -> Result<(u32, u32)> {
    if sb.magic() != raw::MAGIC {
        return Err(Error::BadSuperblock("no ext2 magic number"));
    }
    if sb.rev_level() > 1 {
        return Err(Error::BadSuperblock("revision level newer than 1"));
    }
    if sb.log_block_size() > 6 {
        return Err(Error::BadSuperblock("block size above 64 KiB"));
    }
    let block_size = 1024u32 << sb.log_block_size();
    let unknown = sb.feature_incompat() & !feature::INCOMPAT_SUPPORTED;
    if unknown != 0 {
        return Err(Error::Unsupported(
            "incompatible feature (journal recovery, extents, 64bit, meta_bg, flex_bg, ...)",
        ));
    }
    let expected_first = if block_size == 1024 { 1 } else { 0 };
    if sb.first_data_block() != expected_first {
        return Err(Error::BadSuperblock(
            "first data block does not match the block size",
        ));
    }
    let bpg = sb.blocks_per_group();
    if bpg < 8 || !bpg.is_multiple_of(8) || bpg > 8 * block_size {
        return Err(Error::BadSuperblock("bad blocks per group"));
    }
    let ipg = sb.inodes_per_group();
    if ipg == 0 || ipg > 8 * block_size {
        return Err(Error::BadSuperblock("bad inodes per group"));
    }
    let isz = sb.inode_size();
    if isz < raw::GOOD_OLD_INODE_SIZE || !isz.is_power_of_two() || u32::from(isz) > block_size {
        return Err(Error::BadSuperblock("bad inode size"));
    }
    let blocks = sb.blocks_count();
    if blocks <= sb.first_data_block() {
        return Err(Error::BadSuperblock("no blocks"));
    }
    if u64::from(blocks) * u64::from(block_size) > device_size {
        return Err(Error::BadSuperblock("filesystem is larger than the device"));
    }
    let groups = (blocks - sb.first_data_block()).div_ceil(bpg);
    if u64::from(groups) * u64::from(ipg) != u64::from(sb.inodes_count()) {
        return Err(Error::BadSuperblock(
            "inode count does not match the groups",
        ));
    }
    let first_ino = sb.first_ino();
    if first_ino < 11 || first_ino >= sb.inodes_count() {
        return Err(Error::BadSuperblock("bad first inode"));
    }
    Ok((block_size, groups))
}
