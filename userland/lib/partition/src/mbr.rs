//! The master boot record: four primary slices at byte 446 of LBA 0, an
//! extended slice holding a chain of extended boot records (one logical
//! slice each), and the protective MBR a GPT disk carries.

use alloc::vec::Vec;

use crate::{BlockDevice, Error, SECTOR, le32, types};

/// Logical slices followed at most: bounds the walk of a looping chain.
pub const MAX_LOGICAL: usize = 128;
const TABLE_AT: usize = 446;
/// The protective MBR's slice type.
pub const PROTECTIVE: u8 = 0xEE;

/// One slice; `start` and `sectors` in 512-byte sectors, absolute on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Slice {
    pub active: bool,
    pub kind: u8,
    pub start: u32,
    pub sectors: u32,
}

impl Slice {
    pub fn is_used(&self) -> bool {
        self.kind != 0
    }

    pub fn end(&self) -> u64 {
        u64::from(self.start) + u64::from(self.sectors)
    }
}

/// An MBR: boot code and disk signature kept as they are, four slices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mbr {
    /// Bytes 0..446: boot code, disk signature, reserved.
    pub boot: Vec<u8>,
    pub slices: [Slice; 4],
}

/// CHS address of `lba` in the 255-head, 63-sector geometry every BIOS
/// fakes; past its reach, the conventional 1023/254/63.
fn chs(lba: u64) -> [u8; 3] {
    let (heads, spt) = (255, 63);
    let cylinder = lba / (heads * spt);
    if cylinder > 1023 {
        return [254, 0xFF, 0xFF];
    }
    let head = (lba / spt) % heads;
    let sector = lba % spt + 1;
    [
        head as u8,
        (sector as u8) | (((cylinder >> 8) as u8 & 3) << 6),
        cylinder as u8,
    ]
}

fn parse_slices(b: &[u8]) -> Result<[Slice; 4], Error> {
    let mut slices = [Slice::default(); 4];
    for (i, slice) in slices.iter_mut().enumerate() {
        let e = &b[TABLE_AT + 16 * i..TABLE_AT + 16 * (i + 1)];
        if e[0] & 0x7F != 0 {
            return Err(Error::Corrupt("slice boot flag is neither 0x00 nor 0x80"));
        }
        *slice = Slice {
            active: e[0] == 0x80,
            kind: e[4],
            start: le32(e, 8),
            sectors: le32(e, 12),
        };
    }
    Ok(slices)
}

impl Mbr {
    /// An empty MBR with `disk_signature`.
    pub fn new(disk_signature: u32) -> Mbr {
        let mut boot = alloc::vec![0u8; TABLE_AT];
        boot[440..444].copy_from_slice(&disk_signature.to_le_bytes());
        Mbr {
            boot,
            slices: [Slice::default(); 4],
        }
    }

    /// Parses LBA 0. [`Error::NotFound`] without the 0x55AA signature.
    pub fn parse(b: &[u8]) -> Result<Mbr, Error> {
        let b = b.get(..512).ok_or(Error::NotFound("MBR"))?;
        if b[510..] != [0x55, 0xAA] {
            return Err(Error::NotFound("MBR"));
        }
        Ok(Mbr {
            boot: b[..TABLE_AT].to_vec(),
            slices: parse_slices(b)?,
        })
    }

    /// Reads LBA 0 and checks every slice fits the disk.
    pub fn read<D: BlockDevice + ?Sized>(dev: &D) -> Result<Mbr, Error> {
        if dev.size() < SECTOR {
            return Err(Error::NotFound("MBR"));
        }
        let mut b = [0u8; 512];
        blockdev::read(dev, 0, &mut b)?;
        let mbr = Mbr::parse(&b)?;
        mbr.validate(dev.size() / SECTOR)?;
        Ok(mbr)
    }

    pub fn disk_signature(&self) -> u32 {
        le32(&self.boot, 440)
    }

    /// The MBR in front of a GPT: one 0xEE slice over the whole disk (up to
    /// what 32 bits reach), boot code and disk signature from `lba0`.
    pub fn protective(lba0: &[u8; 512], disk_sectors: u64) -> Mbr {
        let mut mbr = Mbr::new(0);
        mbr.boot[..440].copy_from_slice(&lba0[..440]);
        mbr.boot[440..444].copy_from_slice(&lba0[440..444]);
        mbr.slices[0] = Slice {
            active: false,
            kind: PROTECTIVE,
            start: 1,
            sectors: u32::try_from(disk_sectors - 1).unwrap_or(u32::MAX),
        };
        mbr
    }

    /// A GPT lives behind this MBR.
    pub fn is_protective(&self) -> bool {
        self.slices.iter().any(|s| s.kind == PROTECTIVE)
    }

    /// Used slices lie on the disk, after LBA 0, and do not overlap.
    pub fn validate(&self, disk_sectors: u64) -> Result<(), Error> {
        let used: Vec<&Slice> = self.slices.iter().filter(|s| s.is_used()).collect();
        for (i, s) in used.iter().enumerate() {
            if s.kind == PROTECTIVE {
                continue;
            }
            if s.start == 0 || s.sectors == 0 || s.end() > disk_sectors {
                return Err(Error::Corrupt("slice outside the disk"));
            }
            if used[..i].iter().any(|o| {
                o.kind != PROTECTIVE && u64::from(s.start) < o.end() && u64::from(o.start) < s.end()
            }) {
                return Err(Error::Corrupt("slices overlap"));
            }
        }
        Ok(())
    }

    pub fn to_bytes(&self) -> [u8; 512] {
        let mut b = [0u8; 512];
        b[..TABLE_AT].copy_from_slice(&self.boot[..TABLE_AT]);
        for (i, s) in self.slices.iter().enumerate() {
            if !s.is_used() {
                continue;
            }
            let e = &mut b[TABLE_AT + 16 * i..TABLE_AT + 16 * (i + 1)];
            e[0] = if s.active { 0x80 } else { 0 };
            e[1..4].copy_from_slice(&chs(u64::from(s.start)));
            e[4] = s.kind;
            e[5..8].copy_from_slice(&chs(s.end().saturating_sub(1)));
            e[8..12].copy_from_slice(&s.start.to_le_bytes());
            e[12..16].copy_from_slice(&s.sectors.to_le_bytes());
        }
        b[510] = 0x55;
        b[511] = 0xAA;
        b
    }

    pub fn write<D: BlockDevice + ?Sized>(&self, dev: &mut D) -> Result<(), Error> {
        self.validate(dev.size() / SECTOR)?;
        blockdev::write(dev, 0, &self.to_bytes())?;
        dev.flush()
            .map_err(|error| Error::Device { offset: 0, error })
    }

    /// The logical slices (`s5`, `s6`, ...) of the extended slice, if any,
    /// with absolute starts. Each must lie inside the extended slice.
    pub fn logical<D: BlockDevice + ?Sized>(&self, dev: &D) -> Result<Vec<Slice>, Error> {
        let Some(ext) = self.slices.iter().find(|s| types::is_extended(s.kind)) else {
            return Ok(Vec::new());
        };
        let (ext_start, ext_end) = (u64::from(ext.start), ext.end());
        let mut found = Vec::new();
        let mut ebr = ext_start;
        for _ in 0..MAX_LOGICAL {
            let mut b = [0u8; 512];
            blockdev::read(dev, ebr * SECTOR, &mut b)?;
            if b[510..] != [0x55, 0xAA] {
                return Err(Error::Corrupt("extended boot record without signature"));
            }
            let [data, link, ..] = parse_slices(&b)?;
            if data.is_used() {
                let start = ebr + u64::from(data.start);
                let end = start + u64::from(data.sectors);
                if data.start == 0 || end > ext_end {
                    return Err(Error::Corrupt("logical slice outside the extended slice"));
                }
                found.push(Slice {
                    start: u32::try_from(start)
                        .map_err(|_| Error::Corrupt("logical slice beyond 2 TiB"))?,
                    ..data
                });
            }
            if !link.is_used() {
                return Ok(found);
            }
            let next = ext_start + u64::from(link.start);
            if next <= ebr || next >= ext_end {
                return Err(Error::Corrupt("extended boot record chain goes backwards"));
            }
            ebr = next;
        }
        Err(Error::Corrupt("too many logical slices"))
    }

    /// Adds a primary slice in slot `index` (first free when `None`), at
    /// `start` or the first 1 MiB-aligned free sector, `sectors` long or
    /// to the end of its gap. Returns the slot.
    pub fn add(
        &mut self,
        index: Option<usize>,
        start: Option<u32>,
        sectors: Option<u32>,
        kind: u8,
        disk_sectors: u64,
    ) -> Result<usize, Error> {
        if kind == 0 {
            return Err(Error::Invalid("slice type 0 means unused"));
        }
        let index = match index {
            Some(i) if i >= 4 => return Err(Error::Invalid("an MBR has slices 1 to 4")),
            Some(i) if self.slices[i].is_used() => return Err(Error::Invalid("slice in use")),
            Some(i) => i,
            None => self
                .slices
                .iter()
                .position(|s| !s.is_used())
                .ok_or(Error::Invalid("all four slices are in use"))?,
        };
        let limit = disk_sectors.min(u64::from(u32::MAX));
        let mut used: Vec<(u64, u64)> = self
            .slices
            .iter()
            .filter(|s| s.is_used())
            .map(|s| (u64::from(s.start), s.end()))
            .collect();
        used.sort_unstable();
        let mut gaps = Vec::new();
        let mut next = 1;
        for (s, e) in used {
            if s > next {
                gaps.push((next, s));
            }
            next = next.max(e);
        }
        if next < limit {
            gaps.push((next, limit));
        }
        let (first, len) = gaps
            .into_iter()
            .find_map(|(lo, hi)| {
                let first = match start {
                    Some(s) if u64::from(s) < lo || u64::from(s) >= hi => return None,
                    Some(s) => u64::from(s),
                    None => crate::align_up(lo),
                };
                let room = hi.checked_sub(first).filter(|&r| r > 0)?;
                match sectors {
                    Some(n) if u64::from(n) <= room => Some((first, u64::from(n))),
                    Some(_) => None,
                    None => Some((first, room)),
                }
            })
            .ok_or(Error::Invalid("no free space for the slice"))?;
        if len == 0 {
            return Err(Error::Invalid("slice size is zero"));
        }
        self.slices[index] = Slice {
            active: false,
            kind,
            start: first as u32,
            sectors: len as u32,
        };
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockdev::MemoryDevice;

    #[test]
    fn add_write_read() {
        let mut dev = MemoryDevice::new(8 << 20);
        let sectors = dev.size() / SECTOR;
        let mut mbr = Mbr::new(0x1234_5678);
        assert_eq!(mbr.add(None, None, Some(4096), 0x83, sectors).unwrap(), 0);
        assert_eq!(mbr.add(None, None, None, 0xa5, sectors).unwrap(), 1);
        assert_eq!(mbr.slices[0].start, 2048);
        assert_eq!(mbr.slices[1].start, 2048 + 4096);
        assert_eq!(mbr.slices[1].end(), sectors);
        mbr.write(&mut dev).unwrap();
        assert_eq!(Mbr::read(&dev).unwrap(), mbr);
        assert_eq!(Mbr::read(&dev).unwrap().disk_signature(), 0x1234_5678);
        assert_eq!(chs(0), [0, 1, 0]);
        assert_eq!(chs(2048), [32, 33, 0]);
    }

    #[test]
    fn a_looping_chain_is_an_error() {
        let mut dev = MemoryDevice::new(1 << 20);
        let mut mbr = Mbr::new(0);
        mbr.slices[0] = Slice {
            active: false,
            kind: 0x05,
            start: 100,
            sectors: 1000,
        };
        dev.bytes[..512].copy_from_slice(&mbr.to_bytes());
        let mut ebr = Mbr::new(0);
        ebr.slices[0] = Slice {
            active: false,
            kind: 0x83,
            start: 1,
            sectors: 10,
        };
        // Links back to itself.
        ebr.slices[1] = Slice {
            active: false,
            kind: 0x05,
            start: 0,
            sectors: 10,
        };
        dev.bytes[100 * 512..101 * 512].copy_from_slice(&ebr.to_bytes());
        assert!(mbr.logical(&dev).is_err());
    }
}
