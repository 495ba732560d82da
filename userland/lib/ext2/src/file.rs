//! File contents: the block map (12 direct pointers, then single, double and
//! triple indirect blocks), reading, writing, truncating.

use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Filesystem;
use crate::raw::{DIRECT_BLOCKS, Inode, TimeField, feature, get32};

/// Where logical block `lblk` lives: the inode slot of its tree, the tree's
/// depth, and the block's index inside that tree.
fn locate(lblk: u64, per_block: u64) -> Option<(usize, u32, u64)> {
    if lblk < DIRECT_BLOCKS {
        return Some((lblk as usize, 0, 0));
    }
    let mut rest = lblk - DIRECT_BLOCKS;
    let mut span = per_block;
    for depth in 1..=3u32 {
        if rest < span {
            return Some((11 + depth as usize, depth, rest));
        }
        rest -= span;
        span = span.checked_mul(per_block)?;
    }
    None
}

impl<D: BlockDevice> Filesystem<D> {
    pub(crate) fn per_block(&self) -> u64 {
        u64::from(self.block_size / 4)
    }

    /// The largest file size the block map can address (and, without
    /// huge_file, that `i_blocks` can count).
    pub(crate) fn max_file_size(&self) -> u64 {
        let p = self.per_block();
        let blocks = DIRECT_BLOCKS + p + p * p + p * p * p;
        let by_map = blocks.saturating_mul(self.block_size.into());
        by_map.min((1u64 << 32) * 512 - u64::from(self.block_size))
    }

    fn read_pointer(&self, block: u64, index: u64) -> Result<u32> {
        let mut b = [0; 4];
        self.read_bytes(self.block_offset(block) + index * 4, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn write_pointer(&mut self, block: u64, index: u64, value: u32) -> Result<()> {
        let at = self.block_offset(block) + index * 4;
        self.write_bytes(at, &value.to_le_bytes())
    }

    /// The block holding logical block `lblk` of `inode`, or 0 for a hole.
    pub fn bmap(&self, inode: &Inode, lblk: u64) -> Result<u32> {
        let (slot, depth, index) = locate(lblk, self.per_block()).ok_or(Error::FileTooBig)?;
        let mut block = inode.block(slot);
        for level in (0..depth).rev() {
            if block == 0 {
                return Ok(0);
            }
            let b = self.check_block(block, lblk)?;
            let i = index / self.per_block().pow(level) % self.per_block();
            block = self.read_pointer(b, i)?;
        }
        if block != 0 {
            self.check_block(block, lblk)?;
        }
        Ok(block)
    }

    /// Like [`Filesystem::bmap`], allocating the block (and the indirect
    /// blocks on the way) when it is a hole. Returns the block and whether it
    /// is new (its contents are garbage then).
    fn bmap_alloc(&mut self, inode: &mut Inode, lblk: u64, goal: u64) -> Result<(u32, bool)> {
        let (slot, depth, index) = locate(lblk, self.per_block()).ok_or(Error::FileTooBig)?;
        let sectors = self.block_size / 512;
        let mut block = inode.block(slot);
        let mut fresh = false;
        if block == 0 {
            block = self.alloc_block(goal)?;
            inode.set_block(slot, block);
            inode.set_blocks512(inode.blocks512().saturating_add(sectors));
            fresh = true;
            if depth > 0 {
                self.zero_block(block.into())?;
            }
        } else {
            self.check_block(block, lblk)?;
        }
        for level in (0..depth).rev() {
            let parent = u64::from(block);
            let i = index / self.per_block().pow(level) % self.per_block();
            block = self.read_pointer(parent, i)?;
            if block == 0 {
                block = self.alloc_block(goal)?;
                inode.set_blocks512(inode.blocks512().saturating_add(sectors));
                self.write_pointer(parent, i, block)?;
                fresh = true;
                if level > 0 {
                    self.zero_block(block.into())?;
                }
            } else {
                self.check_block(block, lblk)?;
                fresh = false;
            }
        }
        Ok((block, fresh))
    }

    pub(crate) fn zero_block(&mut self, block: u64) -> Result<()> {
        let zeros = vec![0; self.block_size as usize];
        let at = self.block_offset(block);
        self.write_bytes(at, &zeros)
    }

    /// Reads from `offset` into `buf`, stopping at the end of the file;
    /// holes read as zeros. Returns the number of bytes read.
    pub fn read(&self, ino: u32, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let inode = self.read_inode(ino)?;
        if inode.is_dir() {
            return Err(Error::IsDirectory);
        }
        self.read_inode_data(&inode, offset, buf)
    }

    pub(crate) fn read_inode_data(
        &self,
        inode: &Inode,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize> {
        let size = inode.size();
        if offset >= size {
            return Ok(0);
        }
        let bs = u64::from(self.block_size);
        let n = (size - offset).min(buf.len() as u64) as usize;
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let lblk = pos / bs;
            let in_block = (pos % bs) as usize;
            let mut len = (bs as usize - in_block).min(n - done);
            let phys = self.bmap(inode, lblk)?;
            if phys == 0 {
                buf[done..done + len].fill(0);
            } else {
                // Read a run of consecutive blocks at once.
                let mut next = lblk + 1;
                while done + len < n
                    && u64::from(self.bmap(inode, next)?) == u64::from(phys) + (next - lblk)
                {
                    len += (bs as usize).min(n - done - len);
                    next += 1;
                }
                let at = self.block_offset(phys.into()) + in_block as u64;
                self.read_bytes(at, &mut buf[done..done + len])?;
            }
            done += len;
        }
        Ok(n)
    }

    /// A whole file's contents (bounded by the filesystem's size).
    pub fn read_all(&self, ino: u32) -> Result<Vec<u8>> {
        let inode = self.read_inode(ino)?;
        let size = inode.size();
        let limit = u64::from(self.sb.blocks_count()) * u64::from(self.block_size);
        if size > limit.max(1 << 20) || usize::try_from(size).is_err() {
            return Err(Error::FileTooBig);
        }
        let mut out = vec![0; size as usize];
        let n = self.read_inode_data(&inode, 0, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    /// Writes `data` at `offset`, growing the file as needed.
    pub fn write(&mut self, ino: u32, offset: u64, data: &[u8]) -> Result<()> {
        self.writable()?;
        let mut inode = self.read_inode(ino)?;
        if inode.is_dir() {
            return Err(Error::IsDirectory);
        }
        if !inode.is_regular() {
            return Err(Error::InvalidArgument(
                "writing to something not a regular file",
            ));
        }
        let result = self.write_data(ino, &mut inode, offset, data, false);
        let now = self.now();
        inode.set_time(TimeField::Modify, now);
        inode.set_time(TimeField::Change, now);
        self.write_inode(ino, &inode)?;
        result
    }

    /// Writes into the blocks of `inode` (which the caller writes back, also
    /// on error: blocks may have been allocated). `skip_zeros` leaves
    /// all-zero new blocks as holes.
    pub(crate) fn write_data(
        &mut self,
        ino: u32,
        inode: &mut Inode,
        offset: u64,
        data: &[u8],
        skip_zeros: bool,
    ) -> Result<()> {
        let end = offset
            .checked_add(data.len() as u64)
            .filter(|&end| end <= self.max_file_size())
            .ok_or(Error::FileTooBig)?;
        self.note_size(end);
        let bs = u64::from(self.block_size);
        let mut goal = if offset >= bs {
            u64::from(self.bmap(inode, offset / bs - 1)?)
        } else {
            0
        };
        if goal == 0 {
            goal = self.group_first_block((ino - 1) / self.sb.inodes_per_group());
        }
        // A pending run: device offset, range of `data`.
        let mut run: Option<(u64, usize, usize)> = None;
        let mut done = 0;
        let result = (|| {
            while done < data.len() {
                let pos = offset + done as u64;
                let lblk = pos / bs;
                let in_block = (pos % bs) as usize;
                let len = (bs as usize - in_block).min(data.len() - done);
                let chunk = &data[done..done + len];
                if skip_zeros && chunk.iter().all(|&b| b == 0) && self.bmap(inode, lblk)? == 0 {
                    // A hole reads as zeros already.
                    done += len;
                    continue;
                }
                let (phys, fresh) = self.bmap_alloc(inode, lblk, goal)?;
                goal = u64::from(phys) + 1;
                let at = self.block_offset(phys.into()) + in_block as u64;
                if fresh && len < bs as usize {
                    let mut block = vec![0; bs as usize];
                    block[in_block..in_block + len].copy_from_slice(chunk);
                    self.write_bytes(self.block_offset(phys.into()), &block)?;
                } else {
                    match &mut run {
                        // Contiguous on the device and in `data` (a skipped
                        // zero block ends a run).
                        Some((start, from, to))
                            if *to == done && *start + (*to - *from) as u64 == at =>
                        {
                            *to += len
                        }
                        _ => {
                            if let Some((start, from, to)) = run.take() {
                                self.write_bytes(start, &data[from..to])?;
                            }
                            run = Some((at, done, done + len));
                        }
                    }
                }
                done += len;
            }
            if let Some((start, from, to)) = run.take() {
                self.write_bytes(start, &data[from..to])?;
            }
            Ok(())
        })();
        let written_end = offset + done as u64;
        if written_end > inode.size() && done > 0 {
            inode.set_size(written_end);
        }
        result
    }

    /// Turns on large_file once a file reaches 2 GiB.
    fn note_size(&mut self, size: u64) {
        if size >= 1 << 31 && !self.sb.has_ro_compat(feature::RO_COMPAT_LARGE_FILE) {
            let f = self.sb.feature_ro_compat() | feature::RO_COMPAT_LARGE_FILE;
            self.superblock_mut().set_feature_ro_compat(f);
        }
    }

    /// Sets the size of file `ino`, freeing the blocks past the end or
    /// leaving a hole.
    pub fn truncate(&mut self, ino: u32, size: u64) -> Result<()> {
        self.writable()?;
        let mut inode = self.read_inode(ino)?;
        if inode.is_dir() {
            return Err(Error::IsDirectory);
        }
        if !inode.is_regular() {
            return Err(Error::InvalidArgument(
                "truncating something not a regular file",
            ));
        }
        if size > self.max_file_size() {
            return Err(Error::FileTooBig);
        }
        let result = self.truncate_inode(&mut inode, size);
        let now = self.now();
        inode.set_time(TimeField::Modify, now);
        inode.set_time(TimeField::Change, now);
        self.write_inode(ino, &inode)?;
        result
    }

    fn truncate_inode(&mut self, inode: &mut Inode, size: u64) -> Result<()> {
        let bs = u64::from(self.block_size);
        if size < inode.size() {
            let keep = size.div_ceil(bs);
            self.free_blocks_from(inode, keep)?;
            if !size.is_multiple_of(bs) {
                // Zero the tail so that growing the file again reads zeros.
                let phys = self.bmap(inode, size / bs)?;
                if phys != 0 {
                    let tail = vec![0; (bs - size % bs) as usize];
                    self.write_bytes(self.block_offset(phys.into()) + size % bs, &tail)?;
                }
            }
        }
        self.note_size(size);
        inode.set_size(size);
        Ok(())
    }

    /// Frees every block of `inode` at logical block `keep` and after, and
    /// the indirect blocks left empty.
    pub(crate) fn free_blocks_from(&mut self, inode: &mut Inode, keep: u64) -> Result<()> {
        let mut freed = 0u64;
        let result = self.free_blocks_counted(inode, keep, &mut freed);
        let sectors = freed * u64::from(self.block_size / 512);
        inode.set_blocks512(inode.blocks512().saturating_sub(sectors as u32));
        result
    }

    fn free_blocks_counted(&mut self, inode: &mut Inode, keep: u64, freed: &mut u64) -> Result<()> {
        for i in keep.min(DIRECT_BLOCKS)..DIRECT_BLOCKS {
            let b = inode.block(i as usize);
            if b != 0 {
                self.free_block(b)?;
                *freed += 1;
                inode.set_block(i as usize, 0);
            }
        }
        let p = self.per_block();
        let mut start = DIRECT_BLOCKS;
        let mut span = p;
        for depth in 1..=3u32 {
            let slot = 11 + depth as usize;
            let b = inode.block(slot);
            if b != 0 {
                if keep <= start {
                    self.free_tree(b, depth, freed)?;
                    inode.set_block(slot, 0);
                } else if keep < start + span && self.trim_tree(b, depth, keep - start, freed)? {
                    self.free_block(b)?;
                    *freed += 1;
                    inode.set_block(slot, 0);
                }
            }
            start += span;
            span *= p;
        }
        Ok(())
    }

    fn read_pointers(&self, block: u32) -> Result<Vec<u32>> {
        let b = self.check_block(block, block.into())?;
        let mut buf = vec![0; self.block_size as usize];
        self.read_block(b, &mut buf)?;
        Ok(buf.chunks_exact(4).map(|c| get32(c, 0)).collect())
    }

    /// Frees `block` and, when it is an indirect block of `depth`, its tree.
    fn free_tree(&mut self, block: u32, depth: u32, freed: &mut u64) -> Result<()> {
        if depth > 0 {
            for child in self.read_pointers(block)? {
                if child != 0 {
                    self.free_tree(child, depth - 1, freed)?;
                }
            }
        }
        self.free_block(block)?;
        *freed += 1;
        Ok(())
    }

    /// Frees the entries of indirect block `block` (of `depth`) from relative
    /// block `keep` on; returns whether it is empty afterwards.
    fn trim_tree(&mut self, block: u32, depth: u32, keep: u64, freed: &mut u64) -> Result<bool> {
        let mut pointers = self.read_pointers(block)?;
        let child_span = self.per_block().pow(depth - 1);
        let mut changed = false;
        for (i, pointer) in pointers.iter_mut().enumerate() {
            let child_start = i as u64 * child_span;
            if *pointer == 0 || child_start + child_span <= keep {
                continue;
            }
            let empty = if keep <= child_start {
                self.free_tree(*pointer, depth - 1, freed)?;
                true
            } else {
                let empty = self.trim_tree(*pointer, depth - 1, keep - child_start, freed)?;
                if empty {
                    self.free_block(*pointer)?;
                    *freed += 1;
                }
                empty
            };
            if empty {
                *pointer = 0;
                changed = true;
            }
        }
        if changed {
            let bytes: Vec<u8> = pointers.iter().flat_map(|p| p.to_le_bytes()).collect();
            let at = self.block_offset(block.into());
            self.write_bytes(at, &bytes)?;
        }
        Ok(pointers.iter().all(|&p| p == 0))
    }

    /// Frees everything an inode owns: its blocks and its share of an
    /// extended attribute block.
    pub(crate) fn release_inode_blocks(&mut self, inode: &mut Inode) -> Result<()> {
        if inode.has_data_blocks(self.block_size) {
            self.free_blocks_from(inode, 0)?;
        }
        let acl = inode.file_acl();
        if acl != 0 {
            let b = self.check_block(acl, acl.into())?;
            let mut header = [0; 8];
            self.read_bytes(self.block_offset(b), &mut header)?;
            if get32(&header, 0) != 0xea02_0000 {
                return Err(Error::corrupt("extended attribute block without magic", b));
            }
            let refs = get32(&header, 4);
            if refs <= 1 {
                self.free_block(acl)?;
            } else {
                let at = self.block_offset(b) + 4;
                self.write_bytes(at, &(refs - 1).to_le_bytes())?;
            }
            inode.set_file_acl(0);
            let sectors = self.block_size / 512;
            inode.set_blocks512(inode.blocks512().saturating_sub(sectors));
        }
        Ok(())
    }
}

impl Inode {
    /// The device number of a device inode as (major, minor): the old
    /// 8:8 encoding in `i_block[0]`, else the new one in `i_block[1]`.
    pub fn rdev(&self) -> (u32, u32) {
        let old = self.block(0);
        if old != 0 {
            return ((old >> 8) & 0xff, old & 0xff);
        }
        let new = self.block(1);
        ((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00))
    }

    pub(crate) fn set_rdev(&mut self, major: u32, minor: u32) {
        if major < 256 && minor < 256 {
            self.set_block(0, (major << 8) | minor);
            self.set_block(1, 0);
        } else {
            self.set_block(0, 0);
            self.set_block(1, (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn block_map_regions() {
        assert_eq!(locate(0, 256), Some((0, 0, 0)));
        assert_eq!(locate(11, 256), Some((11, 0, 0)));
        assert_eq!(locate(12, 256), Some((12, 1, 0)));
        assert_eq!(locate(12 + 255, 256), Some((12, 1, 255)));
        assert_eq!(locate(12 + 256, 256), Some((13, 2, 0)));
        assert_eq!(locate(12 + 256 + 65536, 256), Some((14, 3, 0)));
        assert_eq!(locate(12 + 256 + 65536 + (1 << 24), 256), None);
    }
}
