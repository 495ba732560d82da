//! The classic BSD disklabel (`struct disklabel`, DragonFly's disklabel32):
//! 512 bytes at byte 512 of a slice (sector 1), sector numbers absolute on
//! the disk, protected by an XOR of 16-bit words. Layout (little-endian):
//!
//! ```text
//! 0x00 u32 magic 0x82564557   0x28 u32 secsize, nsectors, ntracks,      0x84 u32 magic again
//! 0x04 u16 type, u16 subtype       ncylinders, secpercyl, secperunit   0x88 u16 checksum
//! 0x08 typename[16]           0x40 spares, acylinders, rpm, interleave, 0x8A u16 npartitions
//! 0x18 packname[16]                skews, seek times, flags, drivedata 0x8C u32 bbsize, sbsize
//!                                                                      0x94 + 16*i partition i
//! ```
//! A partition is `u32 size, u32 offset, u32 fsize, u8 fstype, u8 frag,
//! u16 cpg`. Partition `c` covers the whole slice. The rules are those of
//! DragonFly's sys/kern/subr_disklabel32.c.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{BlockDevice, Error, le16, le32, name_field, name_of, put16, put32};

pub const MAGIC: u32 = 0x8256_4557;
pub const LABEL_OFFSET: u64 = 512;
/// Partitions DragonFly's disklabel32 has (`a`..`p`).
pub const MAX_PARTITIONS: usize = 16;
const PARTS_AT: usize = 0x94;
const ENTRY: usize = 16;
/// The boot area (boot1 + label + boot2) and the superblock size.
pub const BBSIZE: u32 = 8192;
pub const SBSIZE: u32 = 8192;
/// Index of the raw partition `c`.
pub const RAW_PARTITION: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Partition32 {
    /// Sectors.
    pub size: u32,
    /// First sector, counted from the start of the disk.
    pub offset: u32,
    pub fsize: u32,
    pub fstype: u8,
    pub frag: u8,
    pub cpg: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label32 {
    pub dtype: u16,
    pub typename: String,
    pub packname: String,
    pub secsize: u32,
    pub nsectors: u32,
    pub ntracks: u32,
    pub ncylinders: u32,
    pub secpercyl: u32,
    pub secperunit: u32,
    pub rpm: u16,
    pub interleave: u16,
    pub flags: u32,
    pub bbsize: u32,
    pub sbsize: u32,
    pub partitions: Vec<Partition32>,
}

impl Label32 {
    /// The default label of a slice of `sectors` 512-byte sectors starting
    /// at disk sector `start`: a 255-head, 63-sector geometry, and `c`
    /// covering the slice.
    pub fn auto(start: u32, sectors: u32) -> Result<Label32, Error> {
        if sectors < BBSIZE / 512 * 2 {
            return Err(Error::TooSmall);
        }
        let mut partitions = alloc::vec![Partition32::default(); MAX_PARTITIONS];
        partitions[RAW_PARTITION] = Partition32 {
            size: sectors,
            offset: start,
            ..Partition32::default()
        };
        Ok(Label32 {
            dtype: 0,
            typename: String::new(),
            packname: String::new(),
            secsize: 512,
            nsectors: 63,
            ntracks: 255,
            ncylinders: sectors / (63 * 255),
            secpercyl: 63 * 255,
            secperunit: sectors,
            rpm: 3600,
            interleave: 1,
            flags: 0,
            bbsize: BBSIZE,
            sbsize: SBSIZE,
            partitions,
        })
    }

    /// Parses the label from a slice's first 1024 bytes; `start` and
    /// `sectors` are the slice's place on the disk, for validation.
    pub fn parse(bytes: &[u8], start: u64, sectors: u64) -> Result<Label32, Error> {
        let b = bytes.get(512..1024).ok_or(Error::TooSmall)?;
        if le32(b, 0) != MAGIC || le32(b, 0x84) != MAGIC {
            return Err(Error::NoLabel);
        }
        let n = usize::from(le16(b, 0x8A));
        if n > MAX_PARTITIONS {
            return Err(Error::Invalid("more than 16 partitions"));
        }
        if checksum(&b[..PARTS_AT + ENTRY * n]) != 0 {
            return Err(Error::BadChecksum);
        }
        let label = Label32 {
            dtype: le16(b, 4),
            typename: name_of(&b[0x08..0x18]),
            packname: name_of(&b[0x18..0x28]),
            secsize: le32(b, 0x28),
            nsectors: le32(b, 0x2C),
            ntracks: le32(b, 0x30),
            ncylinders: le32(b, 0x34),
            secpercyl: le32(b, 0x38),
            secperunit: le32(b, 0x3C),
            rpm: le16(b, 0x48),
            interleave: le16(b, 0x4A),
            flags: le32(b, 0x58),
            bbsize: le32(b, 0x8C),
            sbsize: le32(b, 0x90),
            partitions: (0..n)
                .map(|i| {
                    let e = &b[PARTS_AT + ENTRY * i..];
                    Partition32 {
                        size: le32(e, 0),
                        offset: le32(e, 4),
                        fsize: le32(e, 8),
                        fstype: e[12],
                        frag: e[13],
                        cpg: le16(e, 14),
                    }
                })
                .collect(),
        };
        label.validate(start, sectors)?;
        Ok(label)
    }

    /// What DragonFly's `l32_fixlabel` checks: the raw partition `c` starts
    /// at the slice and fits it, and every used partition lies inside the
    /// slice `[start, start + sectors)`.
    pub fn validate(&self, start: u64, sectors: u64) -> Result<(), Error> {
        if self.partitions.len() > MAX_PARTITIONS {
            return Err(Error::Invalid("more than 16 partitions"));
        }
        if self.secsize != 512 {
            return Err(Error::Invalid("sector size is not 512"));
        }
        if self.secpercyl == 0 {
            return Err(Error::Invalid("zero sectors per cylinder"));
        }
        // DragonFly's l32_fixlabel rejects a label whose raw partition does
        // not start at the slice.
        if let Some(raw) = self.partitions.get(RAW_PARTITION).filter(|c| c.size != 0)
            && (u64::from(raw.offset) != start || u64::from(raw.size) > sectors)
        {
            return Err(Error::Invalid("raw partition c does not match the slice"));
        }
        let end = start + sectors;
        for p in self.partitions.iter().filter(|p| p.size != 0) {
            let p_end = u64::from(p.offset) + u64::from(p.size);
            if u64::from(p.offset) < start || p_end > end {
                return Err(Error::Invalid("partition outside the slice"));
            }
        }
        Ok(())
    }

    /// The label's 512 bytes, checksum set.
    pub fn to_bytes(&self) -> [u8; 512] {
        let mut b = [0u8; 512];
        put32(&mut b, 0, MAGIC);
        put16(&mut b, 4, self.dtype);
        b[0x08..0x18].copy_from_slice(&name_field::<16>(&self.typename));
        b[0x18..0x28].copy_from_slice(&name_field::<16>(&self.packname));
        for (at, v) in [
            (0x28, self.secsize),
            (0x2C, self.nsectors),
            (0x30, self.ntracks),
            (0x34, self.ncylinders),
            (0x38, self.secpercyl),
            (0x3C, self.secperunit),
            (0x58, self.flags),
            (0x84, MAGIC),
            (0x8C, self.bbsize),
            (0x90, self.sbsize),
        ] {
            put32(&mut b, at, v);
        }
        put16(&mut b, 0x48, self.rpm);
        put16(&mut b, 0x4A, self.interleave);
        let n = self.partitions.len().min(MAX_PARTITIONS);
        put16(&mut b, 0x8A, n as u16);
        for (i, p) in self.partitions.iter().take(n).enumerate() {
            let e = &mut b[PARTS_AT + ENTRY * i..PARTS_AT + ENTRY * (i + 1)];
            put32(e, 0, p.size);
            put32(e, 4, p.offset);
            put32(e, 8, p.fsize);
            e[12] = p.fstype;
            e[13] = p.frag;
            put16(e, 14, p.cpg);
        }
        let sum = checksum(&b[..PARTS_AT + ENTRY * n]);
        put16(&mut b, 0x88, sum);
        b
    }

    /// Reads the label of a slice that starts at disk sector `start`.
    pub fn read<D: BlockDevice + ?Sized>(dev: &D, start: u64) -> Result<Label32, Error> {
        if dev.size() < 1024 {
            return Err(Error::TooSmall);
        }
        let mut buf = [0u8; 1024];
        blockdev::read(dev, 0, &mut buf)?;
        Label32::parse(&buf, start, dev.size() / 512)
    }

    /// Validates and writes the label at byte 512 of the slice.
    pub fn write<D: BlockDevice + ?Sized>(&self, dev: &mut D, start: u64) -> Result<(), Error> {
        if dev.size() < u64::from(BBSIZE) {
            return Err(Error::TooSmall);
        }
        self.validate(start, dev.size() / 512)?;
        Ok(blockdev::write(dev, LABEL_OFFSET, &self.to_bytes())?)
    }
}

/// XOR of the 16-bit words; over a label with its checksum in place it is 0.
fn checksum(bytes: &[u8]) -> u16 {
    bytes
        .chunks(2)
        .map(|w| u16::from_le_bytes([w[0], *w.get(1).unwrap_or(&0)]))
        .fold(0, |a, w| a ^ w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockdev::{MemoryDevice, Partition};

    #[test]
    fn write_then_read() {
        let disk = MemoryDevice::new(8 << 20);
        let mut slice = Partition::new(disk, 63 * 512, None).unwrap();
        let sectors = (slice.size() / 512) as u32;
        let mut l = Label32::auto(63, sectors).unwrap();
        l.partitions[0] = Partition32 {
            size: 4096,
            offset: 63 + 16,
            fstype: crate::fstype::EXT2FS,
            ..Partition32::default()
        };
        l.write(&mut slice, 63).unwrap();
        assert_eq!(Label32::read(&slice, 63).unwrap(), l);
        let mut disk = slice.into_inner();
        disk.bytes[63 * 512 + 512 + 0x94] ^= 4;
        let slice = Partition::new(disk, 63 * 512, None).unwrap();
        assert_eq!(Label32::read(&slice, 63), Err(Error::BadChecksum));
    }
}
