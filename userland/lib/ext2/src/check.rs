//! The consistency check, in e2fsck's passes: every inode's blocks
//! (range, duplicates, `i_blocks`, size), the directory tree (`.` and `..`,
//! record lengths, entries naming live inodes of the right type, one parent
//! per directory, nothing unattached), link counts, then the bitmaps and
//! free counts against what the inodes use.
//!
//! Repairing (when asked) fixes what follows from the rest without
//! guessing: bitmaps, free and directory counts, link counts and
//! `i_blocks`. Damaged directories, duplicate or out-of-range blocks and
//! unattached inodes are reported, not repaired.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::dir::{file_type_of, parse_block};
use crate::error::Result;
use crate::fs::Filesystem;
use crate::raw::{DIRECT_BLOCKS, Inode, RESIZE_INO, ROOT_INO, feature, get32};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// Whether the check repaired it.
    pub fixed: bool,
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub inodes_used: u64,
    pub inodes: u64,
    pub blocks_used: u64,
    pub blocks: u64,
    pub directories: u64,
    pub regular_files: u64,
}

impl Report {
    /// No problem at all.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Problems found and left as they are.
    pub fn unfixed(&self) -> usize {
        self.problems.iter().filter(|p| !p.fixed).count()
    }
}

struct Bits(Vec<u8>);

impl Bits {
    fn new(n: u64) -> Bits {
        Bits(vec![0; n.div_ceil(8) as usize])
    }
    fn get(&self, i: u64) -> bool {
        self.0[(i / 8) as usize] & (1 << (i % 8)) != 0
    }
    fn set(&mut self, i: u64) {
        self.0[(i / 8) as usize] |= 1 << (i % 8);
    }
}

/// What pass 1 learned about one live inode.
struct InodeFacts {
    is_dir: bool,
    links: u16,
}

struct Checker<'a, D: BlockDevice> {
    fs: &'a mut Filesystem<D>,
    repair: bool,
    report: Report,
    used_blocks: Bits,
    /// Live inodes (links > 0 and a mode).
    live: BTreeMap<u32, InodeFacts>,
    /// Inodes whose `i_blocks` is wrong, with the right value.
    wrong_i_blocks: Vec<(u32, u32)>,
    /// Directory entries naming each inode.
    refs: BTreeMap<u32, u32>,
    /// The directory holding each directory's entry.
    parent: BTreeMap<u32, u32>,
    /// Each directory's `..`.
    dotdot: BTreeMap<u32, u32>,
    ea_blocks: BTreeMap<u32, u32>,
}

/// Checks `fs`; with `repair` (and a writable filesystem) fixes what can be
/// fixed safely and syncs.
pub fn check<D: BlockDevice>(fs: &mut Filesystem<D>, repair: bool) -> Result<Report> {
    let blocks = u64::from(fs.sb.blocks_count());
    let repair = repair && !fs.is_read_only();
    let mut c = Checker {
        fs,
        repair,
        report: Report::default(),
        used_blocks: Bits::new(blocks),
        live: BTreeMap::new(),
        wrong_i_blocks: Vec::new(),
        refs: BTreeMap::new(),
        parent: BTreeMap::new(),
        dotdot: BTreeMap::new(),
        ea_blocks: BTreeMap::new(),
    };
    c.superblock();
    c.group_metadata();
    c.inodes()?;
    c.directories()?;
    c.tree_and_links()?;
    c.bitmaps_and_counts()?;
    if c.repair {
        c.fs.sync()?;
    }
    Ok(c.report)
}

impl<D: BlockDevice> Checker<'_, D> {
    fn problem(&mut self, message: String, fixed: bool) {
        self.report.problems.push(Problem { message, fixed });
    }

    fn superblock(&mut self) {
        let sb = &self.fs.sb;
        let counts_exceed = sb.free_blocks_count() > sb.blocks_count()
            || sb.free_inodes_count() > sb.inodes_count();
        let too_reserved = sb.r_blocks_count() > sb.blocks_count() / 2;
        let unclean = sb.state() & 1 == 0;
        if counts_exceed {
            self.problem("superblock free counts exceed the totals".into(), false);
        }
        if too_reserved {
            self.problem("more than half the blocks reserved for root".into(), false);
        }
        if unclean {
            self.problem("filesystem was not cleanly unmounted".into(), false);
        }
    }

    /// Claims block `b` for `owner`; false when it was claimed already.
    fn claim(&mut self, b: u64) -> bool {
        if self.used_blocks.get(b) {
            return false;
        }
        self.used_blocks.set(b);
        true
    }

    fn group_metadata(&mut self) {
        let fs = &*self.fs;
        let mut spans = Vec::new();
        for g in 0..fs.groups {
            let start = fs.group_first_block(g);
            if fs.group_has_super(g) {
                let len = 1 + fs.gdt_blocks() + u64::from(fs.sb.reserved_gdt_blocks());
                spans.push((g, start, len.min(fs.group_block_count(g))));
            }
            let gd = fs.group(g);
            spans.push((g, gd.block_bitmap().into(), 1));
            spans.push((g, gd.inode_bitmap().into(), 1));
            spans.push((g, gd.inode_table().into(), fs.inode_table_blocks()));
        }
        for (g, start, len) in spans {
            for b in start..start + len {
                if !self.claim(b) {
                    self.problem(format!("group {g}: metadata block {b} used twice"), false);
                    break;
                }
            }
        }
    }

    fn inodes(&mut self) -> Result<()> {
        let fs = &*self.fs;
        let ipg = fs.sb.inodes_per_group();
        let isz = usize::from(fs.sb.inode_size());
        let bs = fs.block_size as usize;
        let first_ino = fs.sb.first_ino();
        let mut table = vec![0; bs];
        for g in 0..self.fs.groups {
            let bitmap = self.fs.inode_bitmap(g)?;
            let itable = u64::from(self.fs.group(g).inode_table());
            for tb in 0..self.fs.inode_table_blocks() {
                self.fs.read_block(itable + tb, &mut table)?;
                for (i, raw) in table.chunks_exact(isz).enumerate() {
                    let index = tb as usize * (bs / isz) + i;
                    if index >= ipg as usize {
                        break;
                    }
                    let ino = g * ipg + index as u32 + 1;
                    let in_bitmap = bitmap[index / 8] & (1 << (index % 8)) != 0;
                    let inode = Inode(raw.to_vec());
                    self.inode(ino, &inode, in_bitmap, first_ino)?;
                }
            }
        }
        Ok(())
    }

    fn inode(&mut self, ino: u32, inode: &Inode, in_bitmap: bool, first_ino: u32) -> Result<()> {
        let reserved = ino < first_ino;
        let special = ino == ROOT_INO
            || (ino == RESIZE_INO && self.fs.sb.has_compat(feature::COMPAT_RESIZE_INODE))
            || ino == 1;
        if reserved && !special {
            return Ok(());
        }
        let live = inode.links() > 0 && inode.mode() != 0;
        if ino == ROOT_INO && !(live && inode.is_dir()) {
            self.problem("root inode is not a directory".into(), false);
            return Ok(());
        }
        if !(live || reserved && special) {
            return Ok(());
        }
        if !in_bitmap && !reserved {
            self.problem(
                format!("inode {ino} is in use but marked free"),
                self.repair,
            );
        }
        if inode.dtime() != 0 && live {
            self.problem(
                format!("inode {ino} is in use but has a deletion time"),
                false,
            );
        }
        let bs = self.fs.block_size;
        let mut counted = 0u64;
        let mut last_block = None;
        if inode.has_data_blocks(bs) || (reserved && special) {
            if inode.flags() & (crate::raw::EXTENTS_FL | crate::raw::INLINE_DATA_FL) != 0 {
                self.problem(format!("inode {ino} uses extents or inline data"), false);
                return Ok(());
            }
            let p = self.fs.per_block();
            for i in 0..DIRECT_BLOCKS as usize {
                self.walk(
                    ino,
                    inode.block(i),
                    0,
                    i as u64,
                    &mut counted,
                    &mut last_block,
                )?;
            }
            let mut base = DIRECT_BLOCKS;
            let mut span = p;
            for depth in 1..=3u32 {
                self.walk(
                    ino,
                    inode.block(11 + depth as usize),
                    depth,
                    base,
                    &mut counted,
                    &mut last_block,
                )?;
                base += span;
                span *= p;
            }
        }
        let acl = inode.file_acl();
        if acl != 0 {
            if self.fs.check_block(acl, acl.into()).is_err() {
                self.problem(
                    format!("inode {ino}: extended attribute block {acl} out of range"),
                    false,
                );
            } else {
                counted += 1;
                let seen = self.ea_blocks.entry(acl).or_insert(0);
                *seen += 1;
                if *seen == 1 && !self.claim(acl.into()) {
                    self.problem(
                        format!("inode {ino}: extended attribute block {acl} used twice"),
                        false,
                    );
                }
            }
        }
        if live {
            self.live.insert(
                ino,
                InodeFacts {
                    is_dir: inode.is_dir(),
                    links: inode.links(),
                },
            );
        }
        if ino == RESIZE_INO || ino == 1 {
            return Ok(());
        }
        let sectors = counted * u64::from(bs / 512);
        if sectors != u64::from(inode.blocks512()) {
            self.problem(
                format!(
                    "inode {ino}: i_blocks is {}, should be {sectors}",
                    inode.blocks512()
                ),
                self.repair,
            );
            self.wrong_i_blocks.push((ino, sectors as u32));
        }
        let size = inode.size();
        let bs64 = u64::from(bs);
        if inode.is_dir() {
            self.report.directories += 1;
            if size == 0
                || !size.is_multiple_of(bs64)
                || last_block.is_none_or(|l| l + 1 != size / bs64)
            {
                self.problem(
                    format!("directory inode {ino}: size {size} does not match its blocks"),
                    false,
                );
            }
        } else if inode.is_regular() {
            self.report.regular_files += 1;
            if let Some(last) = last_block
                && (last + 1) * bs64 > size.next_multiple_of(bs64)
            {
                self.problem(
                    format!("inode {ino}: blocks past the end of the file (size {size})"),
                    false,
                );
            }
        } else if inode.is_fast_symlink(bs) && size >= 60 {
            self.problem(
                format!("fast symlink inode {ino}: size {size} too large"),
                false,
            );
        }
        Ok(())
    }

    /// Claims the tree under `block` (indirect of `depth`), whose first
    /// logical block is `base`. Descends only into newly claimed blocks,
    /// so the whole check stays linear in the filesystem's size.
    fn walk(
        &mut self,
        ino: u32,
        block: u32,
        depth: u32,
        base: u64,
        counted: &mut u64,
        last: &mut Option<u64>,
    ) -> Result<()> {
        if block == 0 {
            return Ok(());
        }
        if self.fs.check_block(block, ino.into()).is_err() {
            self.problem(format!("inode {ino}: block {block} out of range"), false);
            return Ok(());
        }
        *counted += 1;
        if !self.claim(block.into()) {
            if ino != RESIZE_INO {
                self.problem(format!("inode {ino}: block {block} is used twice"), false);
            }
            return Ok(());
        }
        if depth == 0 {
            *last = Some(last.map_or(base, |l| l.max(base)));
            return Ok(());
        }
        let mut buf = vec![0; self.fs.block_size as usize];
        self.fs.read_block(block.into(), &mut buf)?;
        let span = self.fs.per_block().pow(depth - 1);
        for (i, chunk) in buf.chunks_exact(4).enumerate() {
            let child = get32(chunk, 0);
            self.walk(ino, child, depth - 1, base + i as u64 * span, counted, last)?;
        }
        Ok(())
    }

    fn directories(&mut self) -> Result<()> {
        let dirs: Vec<u32> = self
            .live
            .iter()
            .filter(|(_, f)| f.is_dir)
            .map(|(&i, _)| i)
            .collect();
        let filetype = self.fs.sb.has_incompat(feature::INCOMPAT_FILETYPE);
        let first_ino = self.fs.sb.first_ino();
        for dir in dirs {
            let inode = self.fs.read_inode(dir)?;
            let Ok(count) = self.fs.dir_blocks(&inode, dir) else {
                continue;
            };
            let mut position = 0;
            for lblk in 0..count {
                let (phys, block) = match self.fs.dir_block(&inode, dir, lblk) {
                    Ok(b) => b,
                    Err(e) => {
                        self.problem(format!("directory {dir}: block {lblk}: {e}"), false);
                        continue;
                    }
                };
                let entries = match parse_block(&block, filetype, phys) {
                    Ok(entries) => entries,
                    Err(e) => {
                        self.problem(format!("directory {dir}: block {lblk}: {e}"), false);
                        continue;
                    }
                };
                for e in entries {
                    let name = &block[e.offset + 8..e.offset + 8 + e.name_len];
                    if position < 2 {
                        let want: &[u8] = if position == 0 { b"." } else { b".." };
                        if name != want || e.ino == 0 {
                            self.problem(
                                format!(
                                    "directory {dir}: missing '{}'",
                                    if position == 0 { "." } else { ".." }
                                ),
                                false,
                            );
                        }
                        if position == 0 && e.ino != dir {
                            self.problem(
                                format!("directory {dir}: '.' names inode {}", e.ino),
                                false,
                            );
                        }
                        if position == 1 {
                            self.dotdot.insert(dir, e.ino);
                        }
                    }
                    position += 1;
                    if e.ino == 0 {
                        continue;
                    }
                    if position > 2 && (name == b"." || name == b"..") {
                        self.problem(
                            format!("directory {dir}: a second '{}'", name.escape_ascii()),
                            false,
                        );
                    }
                    let target = e.ino;
                    let Some(is_dir) = self.live.get(&target).map(|f| f.is_dir) else {
                        self.problem(
                            format!(
                                "directory {dir}: entry '{}' names free inode {target}",
                                name.escape_ascii()
                            ),
                            false,
                        );
                        continue;
                    };
                    if target < first_ino && target != ROOT_INO {
                        self.problem(
                            format!(
                                "directory {dir}: entry '{}' names reserved inode {target}",
                                name.escape_ascii()
                            ),
                            false,
                        );
                    }
                    if filetype {
                        let m = self.fs.read_inode(target)?.mode();
                        if e.file_type != file_type_of(m) {
                            self.problem(
                                format!(
                                    "directory {dir}: entry '{}' has the wrong file type",
                                    name.escape_ascii()
                                ),
                                false,
                            );
                        }
                    }
                    *self.refs.entry(target).or_insert(0) += 1;
                    if is_dir
                        && name != b"."
                        && name != b".."
                        && let Some(other) = self.parent.insert(target, dir)
                    {
                        self.problem(
                            format!("directory {target} is entered in both {other} and {dir}"),
                            false,
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn tree_and_links(&mut self) -> Result<()> {
        self.parent.insert(ROOT_INO, ROOT_INO);
        let live: Vec<(u32, bool, u16)> = self
            .live
            .iter()
            .map(|(&i, f)| (i, f.is_dir, f.links))
            .collect();
        let first_ino = self.fs.sb.first_ino();
        for (ino, is_dir, links) in live {
            if ino < first_ino && ino != ROOT_INO {
                continue;
            }
            let refs = self.refs.get(&ino).copied().unwrap_or(0);
            if refs == 0 {
                self.problem(format!("inode {ino} is not in any directory"), false);
                continue;
            }
            if is_dir {
                match (self.parent.get(&ino), self.dotdot.get(&ino)) {
                    (Some(p), Some(d)) if p != d => self.problem(
                        format!("directory {ino}: '..' is {d}, should be {p}"),
                        false,
                    ),
                    (None, _) => {
                        self.problem(format!("directory {ino} is not in any directory"), false)
                    }
                    _ => {}
                }
            }
            if u32::from(links) != refs {
                self.problem(
                    format!("inode {ino}: link count {links}, should be {refs}"),
                    self.repair,
                );
                if self.repair && refs <= u32::from(crate::raw::LINK_MAX) {
                    let mut inode = self.fs.read_inode(ino)?;
                    inode.set_links(refs as u16);
                    self.fs.write_inode(ino, &inode)?;
                }
            }
        }
        if self.repair {
            for (ino, sectors) in core::mem::take(&mut self.wrong_i_blocks) {
                let mut inode = self.fs.read_inode(ino)?;
                inode.set_blocks512(sectors);
                self.fs.write_inode(ino, &inode)?;
            }
        }
        Ok(())
    }

    fn bitmaps_and_counts(&mut self) -> Result<()> {
        let fs = &*self.fs;
        let ipg = fs.sb.inodes_per_group();
        let bits = 8 * fs.block_size as usize;
        let (mut total_free_blocks, mut total_free_inodes) = (0u64, 0u64);
        for g in 0..self.fs.groups {
            let start = self.fs.group_first_block(g);
            let count = self.fs.group_block_count(g) as usize;
            let mut want = vec![0u8; self.fs.block_size as usize];
            let mut free_blocks = 0u32;
            for bit in 0..bits {
                if bit >= count || self.used_blocks.get(start + bit as u64) {
                    want[bit / 8] |= 1 << (bit % 8);
                } else {
                    free_blocks += 1;
                }
            }
            let have = self.fs.block_bitmap(g)?;
            let differ = (0..count)
                .filter(|&b| (have[b / 8] ^ want[b / 8]) & (1 << (b % 8)) != 0)
                .count();
            if differ > 0 {
                self.problem(
                    format!("group {g}: {differ} blocks differ in the block bitmap"),
                    self.repair,
                );
            }
            let mut want_inodes = vec![0u8; self.fs.block_size as usize];
            let (mut free_inodes, mut dirs) = (0u32, 0u32);
            for bit in 0..bits {
                if bit >= ipg as usize {
                    want_inodes[bit / 8] |= 1 << (bit % 8);
                    continue;
                }
                let ino = g * ipg + bit as u32 + 1;
                if ino < self.fs.sb.first_ino() || self.live.contains_key(&ino) {
                    want_inodes[bit / 8] |= 1 << (bit % 8);
                    if self.live.get(&ino).is_some_and(|f| f.is_dir) {
                        dirs += 1;
                    }
                } else {
                    free_inodes += 1;
                }
            }
            let have = self.fs.inode_bitmap(g)?;
            let differ = (0..ipg as usize)
                .filter(|&b| (have[b / 8] ^ want_inodes[b / 8]) & (1 << (b % 8)) != 0)
                .count();
            if differ > 0 {
                self.problem(
                    format!("group {g}: {differ} inodes differ in the inode bitmap"),
                    self.repair,
                );
            }
            let gd = self.fs.group(g);
            let counts = (gd.free_blocks(), gd.free_inodes(), gd.used_dirs());
            let right = (free_blocks as u16, free_inodes as u16, dirs as u16);
            if counts != right {
                self.problem(
                    format!(
                        "group {g}: free blocks/inodes/directories {counts:?}, should be {right:?}"
                    ),
                    self.repair,
                );
            }
            if self.repair {
                self.fs.set_bitmaps(g, want, want_inodes);
                let mut gd = self.fs.group_mut(g);
                gd.set_free_blocks(right.0);
                gd.set_free_inodes(right.1);
                gd.set_used_dirs(right.2);
            }
            total_free_blocks += u64::from(free_blocks);
            total_free_inodes += u64::from(free_inodes);
        }
        let sb = &self.fs.sb;
        let counts = (
            u64::from(sb.free_blocks_count()),
            u64::from(sb.free_inodes_count()),
        );
        let right = (total_free_blocks, total_free_inodes);
        if counts != right {
            self.problem(
                format!("superblock free blocks/inodes {counts:?}, should be {right:?}"),
                self.repair,
            );
            if self.repair {
                let sb = self.fs.superblock_mut();
                sb.set_free_blocks_count(right.0 as u32);
                sb.set_free_inodes_count(right.1 as u32);
            }
        }
        let sb = &self.fs.sb;
        self.report.inodes = sb.inodes_count().into();
        self.report.blocks = sb.blocks_count().into();
        self.report.blocks_used = self.report.blocks.saturating_sub(total_free_blocks);
        self.report.inodes_used = self.report.inodes.saturating_sub(total_free_inodes);
        Ok(())
    }
}
