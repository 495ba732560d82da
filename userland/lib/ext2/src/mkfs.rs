//! Making a filesystem: the layout `mke2fs -t ext2 -O ^resize_inode` makes
//! (sparse superblock backups, no flex_bg), with its default features
//! otherwise: ext_attr, dir_index, filetype, sparse_super, large_file,
//! 256-byte inodes. The resize inode is left out: it only serves online
//! growing, which Basalt does not do.

use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::{Filesystem, has_sparse_super};
use crate::raw::{
    self, GROUP_DESC_SIZE, GroupDescMut, ROOT_INO, SUPERBLOCK_OFFSET, Superblock, Timestamp,
    feature, mode,
};

/// How to make a filesystem.
#[derive(Debug, Clone)]
pub struct MkfsOptions {
    /// 1024, 2048 or 4096; `None` picks as mke2fs does (1024 below 512 MiB).
    pub block_size: Option<u32>,
    /// One inode per this many bytes; `None` picks as mke2fs does.
    pub bytes_per_inode: Option<u32>,
    /// 128 or 256.
    pub inode_size: u16,
    /// Up to 16 bytes.
    pub label: Vec<u8>,
    pub uuid: [u8; 16],
    /// Seed of the directory index hash.
    pub hash_seed: [u8; 16],
    /// Percent of blocks reserved for root.
    pub reserved_percent: u32,
    /// Creation time of everything.
    pub time: Timestamp,
}

impl Default for MkfsOptions {
    fn default() -> Self {
        MkfsOptions {
            block_size: None,
            bytes_per_inode: None,
            inode_size: 256,
            label: Vec::new(),
            uuid: [0; 16],
            hash_seed: [0; 16],
            reserved_percent: 5,
            time: Timestamp::default(),
        }
    }
}

/// mke2fs.conf's size classes: floppy below 3 MiB, small below 512 MiB.
fn defaults_for(bytes: u64) -> (u32, u32) {
    if bytes < 3 << 20 {
        (1024, 8192)
    } else if bytes < 512 << 20 {
        (1024, 4096)
    } else {
        (4096, 16384)
    }
}

struct Layout {
    block_size: u32,
    blocks: u32,
    groups: u32,
    inodes_per_group: u32,
    itable_blocks: u32,
    gdt_blocks: u32,
}

impl Layout {
    fn first_data_block(&self) -> u32 {
        u32::from(self.block_size == 1024)
    }
    fn group_start(&self, g: u32) -> u32 {
        self.first_data_block() + g * 8 * self.block_size
    }
    fn group_blocks(&self, g: u32) -> u32 {
        (self.blocks - self.group_start(g)).min(8 * self.block_size)
    }
    /// Blocks at the start of group `g` before its bitmaps.
    fn super_blocks(&self, g: u32) -> u32 {
        if has_sparse_super(g) {
            1 + self.gdt_blocks
        } else {
            0
        }
    }
    fn overhead(&self, g: u32) -> u32 {
        self.super_blocks(g) + 2 + self.itable_blocks
    }
}

fn plan(size: u64, opts: &MkfsOptions) -> Result<Layout> {
    let (default_bs, default_ratio) = defaults_for(size);
    let bs = opts.block_size.unwrap_or(default_bs);
    if !matches!(bs, 1024 | 2048 | 4096) {
        return Err(Error::InvalidArgument(
            "block size must be 1024, 2048 or 4096",
        ));
    }
    if !matches!(opts.inode_size, 128 | 256) {
        return Err(Error::InvalidArgument("inode size must be 128 or 256"));
    }
    let ratio = opts.bytes_per_inode.unwrap_or(default_ratio.max(bs));
    if !(1024..=64 << 20).contains(&ratio) || ratio < bs {
        return Err(Error::InvalidArgument(
            "bytes per inode must be from the block size to 64 MiB",
        ));
    }
    let mut blocks = u32::try_from(size / u64::from(bs))
        .map_err(|_| Error::InvalidArgument("device too large for 32-bit block numbers"))?;
    let fdb = u32::from(bs == 1024);
    let bpg = 8 * bs;
    let inode_size = u32::from(opts.inode_size);
    let inodes_per_block = bs / inode_size;
    loop {
        if blocks < 64 {
            return Err(Error::InvalidArgument(
                "device too small for ext2 (64 blocks at least)",
            ));
        }
        let groups = (blocks - fdb).div_ceil(bpg);
        let wanted = (u64::from(blocks) * u64::from(bs) / u64::from(ratio)).max(16);
        let mut ipg = u32::try_from(wanted.div_ceil(groups.into())).unwrap_or(u32::MAX);
        // Whole inode table blocks, whole bitmap bytes, one bitmap block.
        let step = inodes_per_block.max(8);
        ipg = ipg.div_ceil(step) * step;
        ipg = ipg.clamp(16, 8 * bs).min(65528);
        let layout = Layout {
            block_size: bs,
            blocks,
            groups,
            inodes_per_group: ipg,
            itable_blocks: ipg * inode_size / bs,
            gdt_blocks: (groups * GROUP_DESC_SIZE as u32).div_ceil(bs),
        };
        let last = groups - 1;
        // As mke2fs: a last group too small to hold data is dropped.
        if layout.group_blocks(last) < layout.overhead(last) + 50 {
            if groups == 1 {
                return Err(Error::InvalidArgument("device too small for ext2"));
            }
            blocks = layout.group_start(last);
            continue;
        }
        return Ok(layout);
    }
}

/// Makes an empty filesystem (root and lost+found) on `dev` and opens it.
pub fn mkfs<D: BlockDevice>(mut dev: D, opts: &MkfsOptions) -> Result<Filesystem<D>> {
    if opts.label.len() > 16 {
        return Err(Error::InvalidArgument("label longer than 16 bytes"));
    }
    let layout = plan(dev.size(), opts)?;
    let bs = layout.block_size;
    let bs64 = u64::from(bs);
    let ipg = layout.inodes_per_group;
    let mut gdt = vec![0u8; layout.groups as usize * GROUP_DESC_SIZE];
    let (mut free_blocks, mut free_inodes) = (0u64, 0u64);
    let itable_zeros = vec![0u8; (layout.itable_blocks * bs) as usize];
    for g in 0..layout.groups {
        let start = layout.group_start(g);
        let block_bitmap = start + layout.super_blocks(g);
        let count = layout.group_blocks(g);
        let overhead = layout.overhead(g);
        let mut gd = GroupDescMut(&mut gdt[g as usize * GROUP_DESC_SIZE..][..GROUP_DESC_SIZE]);
        gd.set_block_bitmap(block_bitmap);
        gd.set_inode_bitmap(block_bitmap + 1);
        gd.set_inode_table(block_bitmap + 2);
        gd.set_free_blocks((count - overhead) as u16);
        let reserved_inodes = if g == 0 { 10 } else { 0 };
        gd.set_free_inodes((ipg - reserved_inodes) as u16);
        free_blocks += u64::from(count - overhead);
        free_inodes += u64::from(ipg - reserved_inodes);

        let mut bitmap = vec![0u8; bs as usize];
        set_bits(&mut bitmap, 0, overhead as usize);
        set_bits(&mut bitmap, count as usize, 8 * bs as usize);
        blockdev::write(&mut dev, u64::from(block_bitmap) * bs64, &bitmap)?;
        bitmap.fill(0);
        set_bits(&mut bitmap, 0, reserved_inodes as usize);
        set_bits(&mut bitmap, ipg as usize, 8 * bs as usize);
        blockdev::write(&mut dev, u64::from(block_bitmap + 1) * bs64, &bitmap)?;
        blockdev::write(&mut dev, u64::from(block_bitmap + 2) * bs64, &itable_zeros)?;
    }

    let mut sb = Superblock::zeroed();
    sb.set_inodes_count(layout.groups * ipg);
    sb.set_blocks_count(layout.blocks);
    sb.set_r_blocks_count(
        (u64::from(layout.blocks) * u64::from(opts.reserved_percent.min(50)) / 100) as u32,
    );
    sb.set_free_blocks_count(free_blocks as u32);
    sb.set_free_inodes_count(free_inodes as u32);
    sb.set_first_data_block(layout.first_data_block());
    let log = bs.trailing_zeros() - 10;
    sb.set_log_block_size(log);
    sb.set_log_frag_size(log);
    sb.set_blocks_per_group(8 * bs);
    sb.set_frags_per_group(8 * bs);
    sb.set_inodes_per_group(ipg);
    let t = opts.time.secs as u32;
    sb.set_wtime(t);
    sb.set_mkfs_time(t);
    sb.set_lastcheck(t);
    sb.set_max_mnt_count(0xffff);
    sb.set_magic(raw::MAGIC);
    sb.set_state(1);
    sb.set_errors(1);
    sb.set_rev_level(1);
    sb.set_first_ino(11);
    sb.set_inode_size(opts.inode_size);
    sb.set_feature_compat(feature::COMPAT_EXT_ATTR | feature::COMPAT_DIR_INDEX);
    sb.set_feature_incompat(feature::INCOMPAT_FILETYPE);
    sb.set_feature_ro_compat(feature::RO_COMPAT_SPARSE_SUPER | feature::RO_COMPAT_LARGE_FILE);
    sb.set_uuid(opts.uuid);
    sb.set_volume_name(&opts.label);
    sb.set_hash_seed(opts.hash_seed);
    sb.set_def_hash_version(1); // half_md4, as mke2fs
    sb.set_default_mount_opts(0x000c); // user_xattr, acl
    if opts.inode_size > 128 {
        sb.set_min_extra_isize(32);
        sb.set_want_extra_isize(32);
    }
    sb.set_flags(1); // signed directory hash, as x86 Linux

    // Wipe the boot block's old signatures, then the primary superblock and table.
    blockdev::write(&mut dev, 0, &[0; 1024])?;
    blockdev::write(&mut dev, SUPERBLOCK_OFFSET, &sb.0)?;
    let gdt_at = u64::from(layout.first_data_block() + 1) * bs64;
    blockdev::write(&mut dev, gdt_at, &gdt)?;

    let mut fs = Filesystem::open(dev)?;
    fs.set_fixed_time(Some(opts.time));
    make_root(&mut fs)?;
    let lost = fs.make_dir(ROOT_INO, b"lost+found", 0o700, 0, 0, false)?;
    // mke2fs gives lost+found 16 KiB so e2fsck can fill it without allocating.
    let mut inode = fs.read_inode(lost)?;
    while inode.size() < 16384 {
        let mut block = vec![0u8; bs as usize];
        raw::put16(&mut block, 4, bs as u16);
        fs.append_dir_block(lost, &mut inode, &block)?;
    }
    fs.write_inode(lost, &inode)?;
    fs.sync()?;
    write_backups(&mut fs)?;
    fs.set_fixed_time(None);
    Ok(fs)
}

fn set_bits(bitmap: &mut [u8], from: usize, to: usize) {
    for bit in from..to {
        bitmap[bit / 8] |= 1 << (bit % 8);
    }
}

/// The root directory, inode 2 (reserved, so never allocated).
fn make_root<D: BlockDevice>(fs: &mut Filesystem<D>) -> Result<()> {
    fs.count_dir(ROOT_INO);
    let mut root = fs.new_inode(mode::DIRECTORY | 0o755, 0, 0);
    root.set_links(2);
    let block = fs.new_dir_block(ROOT_INO, ROOT_INO);
    fs.append_dir_block(ROOT_INO, &mut root, &block)?;
    fs.write_inode(ROOT_INO, &root)
}

/// Copies the superblock and descriptor table into every backup group.
fn write_backups<D: BlockDevice>(fs: &mut Filesystem<D>) -> Result<()> {
    let bs = u64::from(fs.block_size());
    let gdt = fs.gdt_bytes().to_vec();
    for g in 1..fs.group_count() {
        if !fs.group_has_super(g) {
            continue;
        }
        let mut sb = Superblock(fs.superblock_bytes().to_vec());
        sb.set_block_group_nr(g as u16);
        let start = fs.group_first_block(g);
        fs.write_bytes(start * bs, &sb.0)?;
        fs.write_bytes((start + 1) * bs, &gdt)?;
    }
    Ok(())
}
