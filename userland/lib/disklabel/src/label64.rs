//! DragonFly BSD's disklabel64: a 64-bit label of byte offsets inside a
//! slice, at byte 512 of it, protected by CRC-32. Layout (little-endian,
//! offsets from the slice start) as DragonFly's `sys/sys/disklabel64.h`
//! defines `struct disklabel64`:
//!
//! ```text
//! 0x000 boot1 (512 bytes, outside the CRC)   0x228 u64 bbase  (boot2 area)
//! 0x200 u32 magic 0xC4464C59                 0x230 u64 pbase  (first partition byte)
//! 0x204 u32 crc                              0x238 u64 pstop
//! 0x208 u32 align                            0x240 u64 abase  (backup label, 0 = none)
//! 0x20C u32 npartitions (at most 16)         0x248 packname[64]
//! 0x210 storage uuid[16]                     0x288 reserved[64]
//! 0x220 u64 total_size                       0x2C8 + 64*i partition i
//! ```
//! A partition is `u64 boffset, u64 bsize, u8 fstype, 15 reserved bytes,
//! type uuid[16], storage uuid[16]`, offsets relative to the slice.
//! The CRC covers `[0x200, 0x2C8 + 64*npartitions)` with the CRC field zero.
//!
//! The rules follow DragonFly's code: reading as `l64_readdisklabel` and
//! validating as `l64_setdisklabel` (sys/kern/subr_disklabel64.c) and
//! `checklabel` (sbin/disklabel64/disklabel64.c); the default label as
//! `l64_makevirginlabel`. Like DragonFly we write the label and its 16
//! entries only, and no backup copy: `abase` is reserved, never written.

use alloc::vec::Vec;

use crate::{BlockDevice, Error, fstype, le32, le64, name_field, name_of, put32, put64};
use blockdev::crc32::crc32;

pub const MAGIC: u32 = 0xC446_4C59;
/// Byte offset of the label in its slice.
pub const LABEL_OFFSET: u64 = 512;
/// Entries a label may have (`MAXPARTITIONS64`), `a`..`p`.
pub const MAX_PARTITIONS: usize = 16;
/// Entries a new label leaves room for (`RESPARTITIONS64`).
const RESERVED_PARTITIONS: u64 = 32;
const PARTS_AT: usize = 0xC8;
const ENTRY: usize = 64;
/// Bytes of the label from its magic on, with all 16 entries.
pub const LABEL_SIZE: usize = PARTS_AT + ENTRY * MAX_PARTITIONS;
/// The block size DragonFly lays a new label out with (at least 4096).
pub const BLOCK: u64 = 4096;
/// Room for boot2 (`BOOT2SIZE64`).
pub const BOOT2_SIZE: u64 = 32 * 1024;
/// Partitions are aligned to this physically, on the disk (`PALIGN_SIZE`).
pub const PALIGN: u64 = 1 << 20;
const SECTOR: u64 = 512;

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
    /// DragonFly's default label (`disklabel64 -w auto`, from the
    /// kernel's `l64_makevirginlabel`) for a slice of `total_size` bytes that
    /// starts `slice_offset` bytes into its disk: 16 empty partitions; the
    /// label and room for 32 entries rounded up to 4096 (`bbase` = 4096);
    /// boot2's 32 KiB after it; partitions from there rounded up to a 1 MiB
    /// boundary of the disk (`pbase` = 1 MiB for an aligned slice); the
    /// backup label's place 4096 bytes before the end (`abase`), and `pstop`
    /// a whole number of MiB after `pbase` below it.
    pub fn auto(
        total_size: u64,
        slice_offset: u64,
        storage_uuid: [u8; 16],
    ) -> Result<Label64, Error> {
        let reserved = (LABEL_OFFSET + PARTS_AT as u64 + ENTRY as u64 * RESERVED_PARTITIONS)
            .next_multiple_of(BLOCK);
        let bbase = reserved;
        let abase = total_size.checked_sub(reserved).ok_or(Error::TooSmall)?;
        let pbase = (slice_offset + bbase + BOOT2_SIZE)
            .checked_next_multiple_of(PALIGN)
            .ok_or(Error::TooSmall)?
            - slice_offset;
        let data = abase.checked_sub(pbase).ok_or(Error::TooSmall)?;
        let pstop = data / PALIGN * PALIGN + pbase;
        if pstop == pbase {
            return Err(Error::TooSmall);
        }
        Ok(Label64 {
            align: BLOCK as u32,
            storage_uuid,
            total_size,
            bbase,
            pbase,
            pstop,
            abase,
            packname: alloc::string::String::new(),
            partitions: alloc::vec![Partition64::default(); MAX_PARTITIONS],
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
            return Err(Error::Invalid("more than 16 partitions"));
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

    /// Checks what DragonFly's `checklabel` and `l64_setdisklabel` check:
    /// a power-of-two alignment; boot2 after the label, then partitions,
    /// stop, backup label and total size in order and inside the slice;
    /// offsets and sizes whole sectors; every used partition in
    /// `[pbase, pstop)`, unused ones all zero; and no two overlapping.
    pub fn validate(&self, slice_size: u64) -> Result<(), Error> {
        let n = self.partitions.len();
        if n > MAX_PARTITIONS {
            return Err(Error::Invalid("more than 16 partitions"));
        }
        if self.align < 512 || !self.align.is_power_of_two() {
            return Err(Error::Invalid(
                "alignment is not a power of two of at least 512",
            ));
        }
        if self.total_size > slice_size {
            return Err(Error::Invalid("total size larger than the slice"));
        }
        let sectors = [
            self.total_size,
            self.bbase,
            self.pbase,
            self.pstop,
            self.abase,
        ];
        if sectors.iter().any(|v| !v.is_multiple_of(SECTOR)) {
            return Err(Error::Invalid("offset not a whole number of sectors"));
        }
        let label_end =
            (LABEL_OFFSET + (PARTS_AT + ENTRY * n) as u64).next_multiple_of(u64::from(self.align));
        if self.bbase < label_end || !self.bbase.is_multiple_of(u64::from(self.align)) {
            return Err(Error::Invalid("illegal boot2 data base"));
        }
        if self.pbase < self.bbase || self.pstop < self.pbase || self.pstop > self.total_size {
            return Err(Error::Invalid("partition data base or stop out of order"));
        }
        if self.abase != 0 && (self.abase < self.pstop || self.abase > self.total_size - label_end)
        {
            return Err(Error::Invalid("illegal backup label location"));
        }
        let mut used: Vec<&Partition64> = Vec::new();
        for p in &self.partitions {
            if p.size == 0 {
                if p.offset != 0 {
                    return Err(Error::Invalid("unused partition with an offset"));
                }
                continue;
            }
            if !p.offset.is_multiple_of(SECTOR) || !p.size.is_multiple_of(SECTOR) {
                return Err(Error::Invalid("partition not a whole number of sectors"));
            }
            let end = p
                .offset
                .checked_add(p.size)
                .ok_or(Error::Invalid("partition end overflows"))?;
            if p.offset < self.pbase || end > self.pstop {
                return Err(Error::Invalid("partition outside the data area"));
            }
            if used
                .iter()
                .any(|q| p.offset < q.offset + q.size && q.offset < end)
            {
                return Err(Error::Invalid("partitions overlap"));
            }
            used.push(p);
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

    /// Reads and validates the label of a slice.
    pub fn read<D: BlockDevice + ?Sized>(dev: &D) -> Result<Label64, Error> {
        let size = dev.size();
        if size < LABEL_OFFSET + PARTS_AT as u64 {
            return Err(Error::TooSmall);
        }
        let want = (LABEL_OFFSET + LABEL_SIZE as u64).min(size);
        let mut buf = alloc::vec![0u8; want as usize];
        blockdev::read(dev, 0, &mut buf)?;
        Label64::parse(&buf, size)
    }

    /// Validates the label and writes it at byte 512, leaving boot1 and
    /// everything after the 16 entries as they are (as DragonFly does).
    pub fn write<D: BlockDevice + ?Sized>(&self, dev: &mut D) -> Result<(), Error> {
        self.validate(dev.size())?;
        Ok(blockdev::write(dev, LABEL_OFFSET, &self.to_bytes())?)
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
        assert_eq!((l.bbase, l.pbase, l.align), (4096, 1 << 20, 4096));
        assert_eq!(l.abase, (64 << 20) - 4096);
        assert_eq!(l.pstop, 63 << 20);
        l.validate(64 << 20).unwrap();
        // A slice at sector 63: partitions start on a MiB of the disk.
        let l = Label64::auto(64 << 20, 63 * 512, [1; 16]).unwrap();
        assert_eq!((63 * 512 + l.pbase) % PALIGN, 0);
        assert_eq!(l.pbase, (1 << 20) - 63 * 512);
        assert_eq!((l.pstop - l.pbase) % PALIGN, 0);
        l.validate(64 << 20).unwrap();
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
        dev.bytes[..512].fill(0xEB);
        l.write(&mut dev).unwrap();
        assert_eq!(Label64::read(&dev).unwrap(), l);
        // boot1 is left alone.
        assert!(dev.bytes[..512].iter().all(|&b| b == 0xEB));
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
