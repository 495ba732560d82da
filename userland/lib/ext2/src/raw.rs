//! The on-disk structures, kept as their raw bytes with named accessors, so
//! fields this library does not know survive a read-modify-write.

use alloc::vec;
use alloc::vec::Vec;

pub(crate) fn get16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
pub(crate) fn get32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(crate) fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
pub(crate) fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub const MAGIC: u16 = 0xef53;
/// The superblock is always 1024 bytes at byte 1024.
pub const SUPERBLOCK_OFFSET: u64 = 1024;
pub const SUPERBLOCK_SIZE: usize = 1024;
pub const ROOT_INO: u32 = 2;
pub const RESIZE_INO: u32 = 7;
pub const GOOD_OLD_INODE_SIZE: u16 = 128;
pub const GROUP_DESC_SIZE: usize = 32;
/// ext2's limit on a link count (EXT2_LINK_MAX).
pub const LINK_MAX: u16 = 32000;

/// Feature flags, by compatibility class.
pub mod feature {
    pub const COMPAT_DIR_PREALLOC: u32 = 0x0001;
    pub const COMPAT_EXT_ATTR: u32 = 0x0008;
    pub const COMPAT_RESIZE_INODE: u32 = 0x0010;
    pub const COMPAT_DIR_INDEX: u32 = 0x0020;

    pub const RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
    pub const RO_COMPAT_LARGE_FILE: u32 = 0x0002;

    pub const INCOMPAT_FILETYPE: u32 = 0x0002;

    /// INCOMPAT features this library reads and writes; any other refuses to open.
    pub const INCOMPAT_SUPPORTED: u32 = INCOMPAT_FILETYPE;
    /// RO_COMPAT features this library keeps correct; any other opens read-only.
    pub const RO_COMPAT_SUPPORTED: u32 = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE;
}

/// The superblock.
#[derive(Clone)]
pub struct Superblock(pub Vec<u8>);

macro_rules! field {
    ($get:ident, $set:ident, u32, $at:expr) => {
        pub fn $get(&self) -> u32 {
            get32(&self.0, $at)
        }
        pub fn $set(&mut self, v: u32) {
            put32(&mut self.0, $at, v)
        }
    };
    ($get:ident, $set:ident, u16, $at:expr) => {
        pub fn $get(&self) -> u16 {
            get16(&self.0, $at)
        }
        pub fn $set(&mut self, v: u16) {
            put16(&mut self.0, $at, v)
        }
    };
}

impl Superblock {
    pub fn zeroed() -> Superblock {
        Superblock(vec![0; SUPERBLOCK_SIZE])
    }
    field!(inodes_count, set_inodes_count, u32, 0);
    field!(blocks_count, set_blocks_count, u32, 4);
    field!(r_blocks_count, set_r_blocks_count, u32, 8);
    field!(free_blocks_count, set_free_blocks_count, u32, 12);
    field!(free_inodes_count, set_free_inodes_count, u32, 16);
    field!(first_data_block, set_first_data_block, u32, 20);
    field!(log_block_size, set_log_block_size, u32, 24);
    field!(log_frag_size, set_log_frag_size, u32, 28);
    field!(blocks_per_group, set_blocks_per_group, u32, 32);
    field!(frags_per_group, set_frags_per_group, u32, 36);
    field!(inodes_per_group, set_inodes_per_group, u32, 40);
    field!(mtime, set_mtime, u32, 44);
    field!(wtime, set_wtime, u32, 48);
    field!(max_mnt_count, set_max_mnt_count, u16, 54);
    field!(magic, set_magic, u16, 56);
    field!(state, set_state, u16, 58);
    field!(errors, set_errors, u16, 60);
    field!(lastcheck, set_lastcheck, u32, 64);
    field!(rev_level, set_rev_level, u32, 76);
    field!(first_ino_raw, set_first_ino, u32, 84);
    field!(inode_size_raw, set_inode_size, u16, 88);
    field!(block_group_nr, set_block_group_nr, u16, 90);
    field!(feature_compat, set_feature_compat, u32, 92);
    field!(feature_incompat, set_feature_incompat, u32, 96);
    field!(feature_ro_compat, set_feature_ro_compat, u32, 100);
    field!(reserved_gdt_blocks, set_reserved_gdt_blocks, u16, 206);
    field!(default_mount_opts, set_default_mount_opts, u32, 256);
    field!(mkfs_time, set_mkfs_time, u32, 264);
    field!(min_extra_isize, set_min_extra_isize, u16, 348);
    field!(want_extra_isize, set_want_extra_isize, u16, 350);
    field!(flags, set_flags, u32, 352);

    pub fn uuid(&self) -> [u8; 16] {
        let mut u = [0; 16];
        u.copy_from_slice(&self.0[104..120]);
        u
    }
    pub fn set_uuid(&mut self, uuid: [u8; 16]) {
        self.0[104..120].copy_from_slice(&uuid);
    }
    pub fn volume_name(&self) -> &[u8] {
        let name = &self.0[120..136];
        let len = name.iter().position(|&c| c == 0).unwrap_or(16);
        &name[..len]
    }
    pub fn set_volume_name(&mut self, name: &[u8]) {
        self.0[120..136].fill(0);
        let len = name.len().min(16);
        self.0[120..120 + len].copy_from_slice(&name[..len]);
    }
    pub fn set_hash_seed(&mut self, seed: [u8; 16]) {
        self.0[236..252].copy_from_slice(&seed);
    }
    pub fn set_def_hash_version(&mut self, v: u8) {
        self.0[252] = v;
    }

    /// Rev 0 filesystems have fixed first inode and inode size.
    pub fn first_ino(&self) -> u32 {
        if self.rev_level() == 0 {
            11
        } else {
            self.first_ino_raw()
        }
    }
    pub fn inode_size(&self) -> u16 {
        if self.rev_level() == 0 {
            GOOD_OLD_INODE_SIZE
        } else {
            self.inode_size_raw()
        }
    }
    pub fn has_ro_compat(&self, f: u32) -> bool {
        self.feature_ro_compat() & f != 0
    }
    pub fn has_compat(&self, f: u32) -> bool {
        self.feature_compat() & f != 0
    }
    pub fn has_incompat(&self, f: u32) -> bool {
        self.feature_incompat() & f != 0
    }
}

/// One 32-byte block group descriptor, as a view into the table.
pub struct GroupDesc<'a>(pub &'a [u8]);
pub struct GroupDescMut<'a>(pub &'a mut [u8]);

impl GroupDesc<'_> {
    pub fn block_bitmap(&self) -> u32 {
        get32(self.0, 0)
    }
    pub fn inode_bitmap(&self) -> u32 {
        get32(self.0, 4)
    }
    pub fn inode_table(&self) -> u32 {
        get32(self.0, 8)
    }
    pub fn free_blocks(&self) -> u16 {
        get16(self.0, 12)
    }
    pub fn free_inodes(&self) -> u16 {
        get16(self.0, 14)
    }
    pub fn used_dirs(&self) -> u16 {
        get16(self.0, 16)
    }
}

impl GroupDescMut<'_> {
    pub fn set_block_bitmap(&mut self, v: u32) {
        put32(self.0, 0, v)
    }
    pub fn set_inode_bitmap(&mut self, v: u32) {
        put32(self.0, 4, v)
    }
    pub fn set_inode_table(&mut self, v: u32) {
        put32(self.0, 8, v)
    }
    pub fn set_free_blocks(&mut self, v: u16) {
        put16(self.0, 12, v)
    }
    pub fn set_free_inodes(&mut self, v: u16) {
        put16(self.0, 14, v)
    }
    pub fn set_used_dirs(&mut self, v: u16) {
        put16(self.0, 16, v)
    }
}

/// Inode mode type bits (as in `st_mode`).
pub mod mode {
    pub const TYPE_MASK: u32 = 0o170000;
    pub const SOCKET: u32 = 0o140000;
    pub const SYMLINK: u32 = 0o120000;
    pub const REGULAR: u32 = 0o100000;
    pub const BLOCK_DEVICE: u32 = 0o060000;
    pub const DIRECTORY: u32 = 0o040000;
    pub const CHAR_DEVICE: u32 = 0o020000;
    pub const FIFO: u32 = 0o010000;
}

/// Inode flags this library looks at.
pub const INDEX_FL: u32 = 0x1000;
pub const EXTENTS_FL: u32 = 0x8_0000;
pub const INLINE_DATA_FL: u32 = 0x1000_0000;

/// Number of block pointers in an inode: 12 direct, then single, double
/// and triple indirect.
pub const N_BLOCKS: usize = 15;
pub const DIRECT_BLOCKS: u64 = 12;

/// One inode, `inode_size` raw bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inode(pub Vec<u8>);

impl Inode {
    pub fn zeroed(size: u16) -> Inode {
        Inode(vec![0; usize::from(size)])
    }
    field!(mode16, set_mode16, u16, 0);
    field!(uid_lo, set_uid_lo, u16, 2);
    field!(size_lo, set_size_lo, u32, 4);
    field!(atime_lo, set_atime_lo, u32, 8);
    field!(ctime_lo, set_ctime_lo, u32, 12);
    field!(mtime_lo, set_mtime_lo, u32, 16);
    field!(dtime, set_dtime, u32, 20);
    field!(gid_lo, set_gid_lo, u16, 24);
    field!(links, set_links, u16, 26);
    field!(blocks512, set_blocks512, u32, 28);
    field!(flags, set_flags, u32, 32);
    field!(generation, set_generation, u32, 100);
    field!(file_acl, set_file_acl, u32, 104);
    field!(size_hi, set_size_hi, u32, 108);
    field!(uid_hi, set_uid_hi, u16, 120);
    field!(gid_hi, set_gid_hi, u16, 122);

    pub fn mode(&self) -> u32 {
        u32::from(self.mode16())
    }
    pub fn file_type(&self) -> u32 {
        self.mode() & mode::TYPE_MASK
    }
    pub fn is_dir(&self) -> bool {
        self.file_type() == mode::DIRECTORY
    }
    pub fn is_symlink(&self) -> bool {
        self.file_type() == mode::SYMLINK
    }
    pub fn is_regular(&self) -> bool {
        self.file_type() == mode::REGULAR
    }
    /// Files whose `i_block` holds block pointers (not a device number or
    /// a symlink's target).
    pub fn has_data_blocks(&self, block_size: u32) -> bool {
        matches!(
            self.file_type(),
            mode::REGULAR | mode::DIRECTORY | mode::SYMLINK
        ) && !self.is_fast_symlink(block_size)
    }
    /// A symlink whose target lives in `i_block`: it owns no data block
    /// (its extended attribute block aside), as Linux decides it.
    pub fn is_fast_symlink(&self, block_size: u32) -> bool {
        let ea_sectors = if self.file_acl() != 0 {
            block_size / 512
        } else {
            0
        };
        self.is_symlink() && self.blocks512() == ea_sectors
    }
    pub fn size(&self) -> u64 {
        let hi = if self.is_dir() { 0 } else { self.size_hi() };
        u64::from(self.size_lo()) | u64::from(hi) << 32
    }
    pub fn set_size(&mut self, size: u64) {
        self.set_size_lo(size as u32);
        self.set_size_hi((size >> 32) as u32);
    }
    pub fn uid(&self) -> u32 {
        u32::from(self.uid_lo()) | u32::from(self.uid_hi()) << 16
    }
    pub fn gid(&self) -> u32 {
        u32::from(self.gid_lo()) | u32::from(self.gid_hi()) << 16
    }
    pub fn set_uid(&mut self, uid: u32) {
        self.set_uid_lo(uid as u16);
        self.set_uid_hi((uid >> 16) as u16);
    }
    pub fn set_gid(&mut self, gid: u32) {
        self.set_gid_lo(gid as u16);
        self.set_gid_hi((gid >> 16) as u16);
    }
    pub fn block(&self, i: usize) -> u32 {
        get32(&self.0, 40 + 4 * i)
    }
    pub fn set_block(&mut self, i: usize, v: u32) {
        put32(&mut self.0, 40 + 4 * i, v)
    }
    /// The 60 bytes of `i_block` (a fast symlink's target).
    pub fn block_bytes(&self) -> &[u8] {
        &self.0[40..100]
    }
    pub fn block_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0[40..100]
    }
    /// `i_extra_isize`, 0 for 128-byte inodes or a value that does not fit.
    pub fn extra_isize(&self) -> u16 {
        if self.0.len() <= 128 {
            return 0;
        }
        let extra = get16(&self.0, 128);
        if usize::from(extra) + 128 > self.0.len() {
            0
        } else {
            extra
        }
    }
    pub fn set_extra_isize(&mut self, v: u16) {
        if self.0.len() > 128 {
            put16(&mut self.0, 128, v)
        }
    }
}

/// A time as ext2 (with 256-byte inodes, as ext4 does) stores it: 32 bits of
/// seconds, and in the extra space 2 epoch bits and 30 bits of nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }
}

/// Which inode time: offsets of the base field and of its extra field.
#[derive(Clone, Copy)]
pub enum TimeField {
    Access,
    Change,
    Modify,
    Create,
}

impl TimeField {
    fn offsets(self) -> (usize, usize) {
        match self {
            TimeField::Access => (8, 140),
            TimeField::Change => (12, 132),
            TimeField::Modify => (16, 136),
            TimeField::Create => (144, 148),
        }
    }
}

impl Inode {
    fn has_extra(&self, at: usize) -> bool {
        at + 4 <= 128 + usize::from(self.extra_isize())
    }

    pub fn time(&self, which: TimeField) -> Timestamp {
        let (base, extra) = which.offsets();
        if !self.has_extra(base) {
            return Timestamp::default();
        }
        let lo = i64::from(get32(&self.0, base) as i32);
        if !self.has_extra(extra) {
            return Timestamp::from_secs(lo);
        }
        let x = get32(&self.0, extra);
        Timestamp {
            secs: lo + (i64::from(x & 3) << 32),
            nanos: (x >> 2).min(999_999_999),
        }
    }

    pub fn set_time(&mut self, which: TimeField, t: Timestamp) {
        let (base, extra) = which.offsets();
        if !self.has_extra(base) {
            return;
        }
        put32(&mut self.0, base, t.secs as u32);
        if self.has_extra(extra) {
            let lo = i64::from(t.secs as u32 as i32);
            let epoch = ((t.secs.wrapping_sub(lo)) >> 32) as u32 & 3;
            put32(&mut self.0, extra, epoch | t.nanos.min(999_999_999) << 2);
        }
    }
}
