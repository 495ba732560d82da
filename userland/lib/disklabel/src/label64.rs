//! DragonFly BSD's disklabel64: a 64-bit label of byte offsets inside a
//! slice, at byte 512 of it, protected by CRC-32, with a backup copy at
//! `abase`. Layout (little-endian, offsets from the slice start) as in
//! DragonFly's `sys/sys/disklabel64.h`, summed up in the repository's
//! FORMATS.md:
//!
//! ```text
//! 0x000 boot1 (512 bytes, outside the CRC)   0x228 u64 bbase  (boot2 area)
//! 0x200 u32 magic 0xC4464C59                 0x230 u64 pbase  (first partition byte)
//! 0x204 u32 crc                              0x238 u64 pstop
//! 0x208 u32 align                            0x240 u64 abase  (backup label, 0 = none)
//! 0x20C u32 npartitions                      0x248 packname[64]
//! 0x210 storage uuid[16]                     0x288 reserved[64]
//! 0x220 u64 total_size                       0x2C8 + 64*i partition i
//! ```
//! A partition is `u64 boffset, u64 bsize, u8 fstype, 15 reserved bytes,
//! type uuid[16], storage uuid[16]`, offsets relative to the slice.
//! The CRC covers `[0x200, 0x2C8 + 64*npartitions)` with the CRC field zero.

use alloc::vec::Vec;

use crate::{BlockDevice, Error, fstype, le32, le64, name_field, name_of, put32, put64};
use blockdev::crc32::crc32;

pub const MAGIC: u32 = 0xC446_4C59;
/// Byte offset of the label in its slice.
pub const LABEL_OFFSET: u64 = 512;
/// Entries the on-disk structure has room for.
pub const MAX_PARTITIONS: usize = 32;
/// Entries DragonFly uses (`a`..`p`) and gives a new label.
pub const DEFAULT_PARTITIONS: usize = 16;
const PARTS_AT: usize = 0xC8;
const ENTRY: usize = 64;
/// Bytes of the label from its magic on, all entries included.
pub const LABEL_SIZE: usize = PARTS_AT + ENTRY * MAX_PARTITIONS;
/// Where DragonFly puts boot2 (`bbase`), and the alignment it gives sizes.
pub const BOOT2_BASE: u64 = 4096;
const MIB: u64 = 1 << 20;
/// DragonFly's first partition byte for a 1 MiB-aligned slice: 1 MiB + 32 KiB.
pub const ALIGNED_PBASE: u64 = MIB + 32 * 1024;

/// One partition of a disklabel64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Partition64 {
    /// Offset in bytes from the start of the slice.
    pub offset: u64,
    /// Size in bytes; 0 for an unused entry.
    pub size: u64,
    pub fstype: u8,
    pub type_uuid: [u8; 16],
    pub storage_uuid: [u8; 16],
}

impl Partition64 {
    pub fn is_used(&self) -> bool {
        self.size != 0
    }
}

/// A disklabel64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label64 {
    pub align: u32,
    pub storage_uuid: [u8; 16],
    pub total_size: u64,
    pub bbase: u64,
    pub pbase: u64,
    pub pstop: u64,
    pub abase: u64,
    pub packname: alloc::string::String,
    /// `npartitions` entries, used or not.
    pub partitions: Vec<Partition64>,
}

impl Label64 {
    /// DragonFly's default label for a slice of `total_size` bytes that
    /// starts `slice_offset` bytes into its disk (`disklabel64 -w auto`):
    /// boot2 at 4096; partitions from the first byte that lies 32 KiB past a
    /// 1 MiB boundary of the disk and at least 1 MiB + 32 KiB into the slice
    /// (exactly 1 MiB + 32 KiB for an aligned slice); they stop at
    /// `total - 4096` rounded down to 4096, where the backup label goes.
    pub fn auto(
        total_size: u64,
        slice_offset: u64,
        storage_uuid: [u8; 16],
    ) -> Result<Label64, Error> {
        let skew = 32 * 1024;
        let phys = slice_offset
            .checked_add(ALIGNED_PBASE - skew)
            .ok_or(Error::TooSmall)?
            .div_ceil(MIB)
            * MIB;
        let pbase = phys + skew - slice_offset;
        let pstop = total_size.saturating_sub(BOOT2_BASE) / BOOT2_BASE * BOOT2_BASE;
        if pstop <= pbase {
            return Err(Error::TooSmall);
        }
        Ok(Label64 {
            align: BOOT2_BASE as u32,
            storage_uuid,
            total_size,
            bbase: BOOT2_BASE,
            pbase,
            pstop,
            abase: pstop,
            packname: alloc::string::String::new(),
            partitions: alloc::vec![Partition64::default(); DEFAULT_PARTITIONS],
        })
    }

    /// Parses the label from the first [`LABEL_OFFSET`] + [`LABEL_SIZE`]
    /// bytes of a slice (fewer is fine if they hold every entry), checking
    /// magic, CRC and that it fits a slice of `slice_size` bytes.
    pub fn parse(bytes: &[u8], slice_size: u64) -> Result<Label64, Error> {
        let b = bytes.get(LABEL_OFFSET as usize..).ok_or(Error::TooSmall)?;
        if b.len() < PARTS_AT {
            return Err(Error::TooSmall);
        }
        if le32(b, 0) != MAGIC {
            return Err(Error::NoLabel);
        }
        let n = le32(b, 0x0C) as usize;
        if n > MAX_PARTITIONS {
            return Err(Error::Invalid("more than 32 partitions"));
        }
        let end = PARTS_AT + ENTRY * n;
        let covered = b.get(..end).ok_or(Error::TooSmall)?;
        if le32(b, 4) != crc(covered) {
            return Err(Error::BadChecksum);
        }
        let mut uuid = [0; 16];
        uuid.copy_from_slice(&b[0x10..0x20]);
        let label = Label64 {
            align: le32(b, 0x08),
            storage_uuid: uuid,
            total_size: le64(b, 0x20),
            bbase: le64(b, 0x28),
            pbase: le64(b, 0x30),
            pstop: le64(b, 0x38),
            abase: le64(b, 0x40),
            packname: name_of(&b[0x48..0x88]),
            partitions: (0..n)
                .map(|i| {
                    let e = &b[PARTS_AT + ENTRY * i..PARTS_AT + ENTRY * (i + 1)];
                    let mut type_uuid = [0; 16];
                    let mut storage_uuid = [0; 16];
                    type_uuid.copy_from_slice(&e[32..48]);
                    storage_uuid.copy_from_slice(&e[48..64]);
                    Partition64 {
                        offset: le64(e, 0),
                        size: le64(e, 8),
                        fstype: e[16],
                        type_uuid,
                        storage_uuid,
                    }
                })
                .collect(),
        };
        label.validate(slice_size)?;
        Ok(label)
    }

    /// Checks the rules DragonFly's kernel enforces: the areas are ordered
    /// and inside the slice, every used partition lies in `[pbase, pstop)`,
    /// and no two overlap.
    pub fn validate(&self, slice_size: u64) -> Result<(), Error> {
        if self.partitions.len() > MAX_PARTITIONS {
            return Err(Error::Invalid("more than 32 partitions"));
        }
        if self.total_size > slice_size {
            return Err(Error::Invalid("total size larger than the slice"));
        }
        if !(self.bbase <= self.pbase && self.pbase <= self.pstop && self.pstop <= self.total_size)
        {
            return Err(Error::Invalid(
                "boot, partition and stop offsets out of order",
            ));
        }
        if self.bbase != 0 && self.bbase < LABEL_OFFSET + LABEL_SIZE as u64 {
            return Err(Error::Invalid("boot2 area overlaps the label"));
        }
        if self.abase != 0
            && (self.abase < self.pstop
                || self
                    .abase
                    .checked_add(LABEL_OFFSET + LABEL_SIZE as u64)
                    .is_none_or(|end| end > self.total_size))
        {
            return Err(Error::Invalid("backup label outside [pstop, total size)"));
        }
        let used: Vec<&Partition64> = self.partitions.iter().filter(|p| p.is_used()).collect();
        for (i, p) in used.iter().enumerate() {
            let end = p
                .offset
                .checked_add(p.size)
                .ok_or(Error::Invalid("partition end overflows"))?;
            if p.offset < self.pbase || end > self.pstop {
                return Err(Error::Invalid("partition outside the data area"));
            }
            if used[..i]
                .iter()
                .any(|q| p.offset < q.offset + q.size && q.offset < end)
            {
                return Err(Error::Invalid("partitions overlap"));
            }
        }
        Ok(())
    }

    /// The label's bytes from the magic on ([`LABEL_SIZE`] of them), CRC set.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = alloc::vec![0u8; LABEL_SIZE];
        put32(&mut b, 0, MAGIC);
        put32(&mut b, 0x08, self.align);
        put32(&mut b, 0x0C, self.partitions.len() as u32);
        b[0x10..0x20].copy_from_slice(&self.storage_uuid);
        put64(&mut b, 0x20, self.total_size);
        put64(&mut b, 0x28, self.bbase);
        put64(&mut b, 0x30, self.pbase);
        put64(&mut b, 0x38, self.pstop);
        put64(&mut b, 0x40, self.abase);
        b[0x48..0x88].copy_from_slice(&name_field::<64>(&self.packname));
        for (i, p) in self.partitions.iter().take(MAX_PARTITIONS).enumerate() {
            let e = &mut b[PARTS_AT + ENTRY * i..PARTS_AT + ENTRY * (i + 1)];
            put64(e, 0, p.offset);
            put64(e, 8, p.size);
            e[16] = p.fstype;
            e[32..48].copy_from_slice(&p.type_uuid);
            e[48..64].copy_from_slice(&p.storage_uuid);
        }
        let end = PARTS_AT + ENTRY * self.partitions.len().min(MAX_PARTITIONS);
        let sum = crc(&b[..end]);
        put32(&mut b, 4, sum);
        b
    }

    /// Reads the label of a slice; when the primary is damaged, the backup
    /// at the `abase` the caller knows (from [`Label64::auto`]'s rules) is
    /// not guessed: DragonFly does not either.
    pub fn read<D: BlockDevice + ?Sized>(dev: &D) -> Result<Label64, Error> {
        let size = dev.size();
        let want = (LABEL_OFFSET as usize + LABEL_SIZE) as u64;
        if size < LABEL_OFFSET + PARTS_AT as u64 {
            return Err(Error::TooSmall);
        }
        let mut buf = alloc::vec![0u8; want.min(size) as usize];
        crate::read(dev, 0, &mut buf)?;
        Label64::parse(&buf, size)
    }

    /// Validates and writes the label at byte 512 and its backup at `abase`.
    pub fn write<D: BlockDevice + ?Sized>(&self, dev: &mut D) -> Result<(), Error> {
        self.validate(dev.size())?;
        let bytes = self.to_bytes();
        crate::write(dev, LABEL_OFFSET, &bytes)?;
        if self.abase != 0 {
            crate::write(dev, self.abase + LABEL_OFFSET, &bytes)?;
        }
        Ok(())
    }

    /// The type UUID DragonFly gives a partition of this `fstype`, so a new
    /// partition carries one (zero when there is none).
    pub fn type_uuid_for(code: u8) -> [u8; 16] {
        match code {
            fstype::SWAP => uuid_bytes("9d58fdbd-1ca5-11dc-8817-01301bb8a9f5"),
            fstype::BSDFFS => uuid_bytes("9d94ce7c-1ca5-11dc-8817-01301bb8a9f5"),
            fstype::HAMMER => uuid_bytes("61dc63ac-6e38-11dc-8513-01301bb8a9f5"),
            fstype::HAMMER2 => uuid_bytes("5cbb9ad1-862d-11dc-a94d-01301bb8a9f5"),
            // Linux's "filesystem data" type, as GPT uses it for ext2.
            fstype::EXT2FS => uuid_bytes("0fc63daf-8483-4772-8e79-3d69d8477de4"),
            _ => [0; 16],
        }
    }
}

fn crc(covered: &[u8]) -> u32 {
    let mut copy = covered.to_vec();
    copy[4..8].fill(0);
    crc32(&copy)
}

/// A UUID's text form in its on-disk byte order (the first three fields
/// little-endian, as DragonFly's `uuid_enc_le` and GPT store them).
/// Returns zeroes for text that is not a UUID.
pub fn uuid_bytes(text: &str) -> [u8; 16] {
    parse_uuid(text).unwrap_or([0; 16])
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` into on-disk order.
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = text.bytes().filter(|&c| c != b'-').collect();
    if hex.len() != 32
        || text.len() != 36
        || [8, 13, 18, 23].iter().any(|&i| text.as_bytes()[i] != b'-')
    {
        return None;
    }
    let mut be = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let s = core::str::from_utf8(pair).ok()?;
        be[i] = u8::from_str_radix(s, 16).ok()?;
    }
    be[0..4].reverse();
    be[4..6].reverse();
    be[6..8].reverse();
    Some(be)
}

/// Formats on-disk UUID bytes as text.
pub fn format_uuid(b: &[u8; 16]) -> alloc::string::String {
    alloc::format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockdev::MemoryDevice;

    #[test]
    fn auto_follows_dragonfly_defaults() {
        let l = Label64::auto(64 << 20, 1 << 20, [1; 16]).unwrap();
        assert_eq!((l.bbase, l.pbase), (4096, ALIGNED_PBASE));
        assert_eq!(l.pstop, (64 << 20) - 4096);
        assert_eq!(l.abase, l.pstop);
        // An unaligned (sector 63) slice: partitions start 32 KiB past a MiB.
        let l = Label64::auto(64 << 20, 63 * 512, [1; 16]).unwrap();
        assert_eq!((63 * 512 + l.pbase) % MIB, 32 * 1024);
        assert!(l.pbase >= ALIGNED_PBASE - 63 * 512);
        assert_eq!(Label64::auto(1 << 20, 0, [0; 16]), Err(Error::TooSmall));
    }

    #[test]
    fn write_then_read() {
        let mut dev = MemoryDevice::new(8 << 20);
        let mut l = Label64::auto(8 << 20, 0, [7; 16]).unwrap();
        l.packname = "basalt".into();
        l.partitions[0] = Partition64 {
            offset: l.pbase,
            size: 4 << 20,
            fstype: fstype::EXT2FS,
            type_uuid: Label64::type_uuid_for(fstype::EXT2FS),
            storage_uuid: [9; 16],
        };
        l.write(&mut dev).unwrap();
        assert_eq!(Label64::read(&dev).unwrap(), l);
        // The backup is a byte-for-byte copy.
        let at = (l.abase + LABEL_OFFSET) as usize;
        assert_eq!(
            dev.bytes[at..at + LABEL_SIZE],
            dev.bytes[512..512 + LABEL_SIZE]
        );
        dev.bytes[0x2C8 + 3] ^= 1;
        assert_eq!(Label64::read(&dev), Err(Error::BadChecksum));
    }

    #[test]
    fn uuids_round_trip() {
        let text = "3d48ce54-1d16-11dc-8696-01301bb8a9f5";
        let b = parse_uuid(text).unwrap();
        assert_eq!(b[0], 0x54);
        assert_eq!(format_uuid(&b), text);
        assert_eq!(parse_uuid("nonsense"), None);
    }
}
