//! The GUID Partition Table (UEFI 2.10 §5.3): a protective MBR at LBA 0,
//! the primary header at LBA 1 and its entry array after it, and a backup
//! entry array and header at the end of the disk. Headers and arrays are
//! checked by CRC-32; when the primary is damaged the backup is used, and
//! [`Gpt::write`] puts both back.

use alloc::string::String;
use alloc::vec::Vec;

use crate::mbr::Mbr;
use crate::{ALIGN, BlockDevice, Error, SECTOR, align_up, le32, le64};
use blockdev::crc32::crc32;

pub const SIGNATURE: &[u8; 8] = b"EFI PART";
const REVISION: u32 = 0x0001_0000;
const HEADER_SIZE: u32 = 92;
/// Entries a new table has, of [`ENTRY_SIZE`] bytes: 32 sectors in all.
pub const DEFAULT_ENTRIES: u32 = 128;
pub const ENTRY_SIZE: u32 = 128;
/// The largest entry array read from disk, so a hostile header cannot
/// make us allocate or read without bound.
const MAX_ARRAY_BYTES: u64 = 1 << 20;
/// Characters in a partition name (UTF-16 code units).
pub const NAME_UNITS: usize = 36;

/// One partition entry; unused when its type is all zeroes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub type_guid: [u8; 16],
    pub unique_guid: [u8; 16],
    pub first_lba: u64,
    /// Inclusive.
    pub last_lba: u64,
    pub attributes: u64,
    pub name: String,
}

impl Entry {
    pub fn is_used(&self) -> bool {
        self.type_guid != [0; 16]
    }

    pub fn sectors(&self) -> u64 {
        self.last_lba - self.first_lba + 1
    }
}

/// A partition table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gpt {
    pub disk_guid: [u8; 16],
    pub first_usable: u64,
    pub last_usable: u64,
    /// Every slot of the entry array, used or not.
    pub entries: Vec<Entry>,
}

/// A table read from a disk, with the state of both copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub gpt: Gpt,
    /// Why the primary header or array was rejected, if it was.
    pub primary_error: Option<Error>,
    /// Why the backup was rejected, if it was.
    pub backup_error: Option<Error>,
}

struct Header {
    first_usable: u64,
    last_usable: u64,
    disk_guid: [u8; 16],
    entries_lba: u64,
    count: u32,
    entry_size: u32,
    entries_crc: u32,
}

/// Sectors an array of `count` entries takes.
fn array_sectors(count: u32) -> u64 {
    (u64::from(count) * u64::from(ENTRY_SIZE)).div_ceil(SECTOR)
}

fn parse_header(b: &[u8; 512], my_lba: u64, disk_sectors: u64) -> Result<Header, Error> {
    if &b[..8] != SIGNATURE {
        return Err(Error::NotFound("GPT header"));
    }
    let size = le32(b, 12);
    if !(HEADER_SIZE..=512).contains(&size) {
        return Err(Error::Corrupt("header size"));
    }
    let mut copy = b[..size as usize].to_vec();
    copy[16..20].fill(0);
    if crc32(&copy) != le32(b, 16) {
        return Err(Error::Corrupt("header CRC mismatch"));
    }
    if le64(b, 24) != my_lba {
        return Err(Error::Corrupt("header does not point at itself"));
    }
    let mut disk_guid = [0; 16];
    disk_guid.copy_from_slice(&b[56..72]);
    let h = Header {
        first_usable: le64(b, 40),
        last_usable: le64(b, 48),
        disk_guid,
        entries_lba: le64(b, 72),
        count: le32(b, 80),
        entry_size: le32(b, 84),
        entries_crc: le32(b, 88),
    };
    if h.entry_size < 128 || !h.entry_size.is_multiple_of(8) {
        return Err(Error::Corrupt("entry size"));
    }
    let bytes = u64::from(h.count) * u64::from(h.entry_size);
    if bytes > MAX_ARRAY_BYTES {
        return Err(Error::Corrupt("entry array too large"));
    }
    let array_end = h.entries_lba.checked_add(bytes.div_ceil(SECTOR));
    if h.entries_lba < 2 || array_end.is_none_or(|end| end > disk_sectors) {
        return Err(Error::Corrupt("entry array outside the disk"));
    }
    if h.first_usable > h.last_usable.saturating_add(1) || h.last_usable >= disk_sectors {
        return Err(Error::Corrupt("usable range outside the disk"));
    }
    Ok(h)
}

/// Reads and checks the header at `lba` and its entry array.
fn read_copy<D: BlockDevice + ?Sized>(dev: &D, lba: u64, sectors: u64) -> Result<Gpt, Error> {
    let mut block = [0u8; 512];
    blockdev::read(dev, lba * SECTOR, &mut block)?;
    let h = parse_header(&block, lba, sectors)?;
    let mut array = alloc::vec![0u8; (u64::from(h.count) * u64::from(h.entry_size)) as usize];
    blockdev::read(dev, h.entries_lba * SECTOR, &mut array)?;
    if crc32(&array) != h.entries_crc {
        return Err(Error::Corrupt("entry array CRC mismatch"));
    }
    let entries: Vec<Entry> = array
        .chunks_exact(h.entry_size as usize)
        .map(parse_entry)
        .collect();
    for e in entries.iter().filter(|e| e.is_used()) {
        if e.first_lba > e.last_lba || e.first_lba < h.first_usable || e.last_lba > h.last_usable {
            return Err(Error::Corrupt("partition outside the usable range"));
        }
    }
    Ok(Gpt {
        disk_guid: h.disk_guid,
        first_usable: h.first_usable,
        last_usable: h.last_usable,
        entries,
    })
}

fn parse_entry(e: &[u8]) -> Entry {
    let mut type_guid = [0; 16];
    let mut unique_guid = [0; 16];
    type_guid.copy_from_slice(&e[..16]);
    unique_guid.copy_from_slice(&e[16..32]);
    let units: Vec<u16> = e[56..128]
        .chunks_exact(2)
        .map(|u| u16::from_le_bytes([u[0], u[1]]))
        .take_while(|&u| u != 0)
        .collect();
    Entry {
        type_guid,
        unique_guid,
        first_lba: le64(e, 32),
        last_lba: le64(e, 40),
        attributes: le64(e, 48),
        name: char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    }
}

impl Gpt {
    /// An empty table for a disk of `sectors` sectors.
    pub fn new(sectors: u64, disk_guid: [u8; 16]) -> Result<Gpt, Error> {
        let reserved = 1 + array_sectors(DEFAULT_ENTRIES);
        if sectors < 2 + 2 * reserved + ALIGN {
            return Err(Error::Invalid("disk too small for a GPT"));
        }
        Ok(Gpt {
            disk_guid,
            first_usable: 1 + reserved,
            last_usable: sectors - 1 - reserved,
            entries: alloc::vec![Entry::default(); DEFAULT_ENTRIES as usize],
        })
    }

    /// Reads the table: the primary copy when it is sound, else the backup
    /// (at the last sector). [`Error::NotFound`] when neither copy exists.
    pub fn read<D: BlockDevice + ?Sized>(dev: &D) -> Result<Found, Error> {
        let sectors = dev.size() / SECTOR;
        if sectors < 3 {
            return Err(Error::NotFound("GPT"));
        }
        let primary = read_copy(dev, 1, sectors);
        let backup = read_copy(dev, sectors - 1, sectors);
        match (primary, backup) {
            (Ok(gpt), backup) => Ok(Found {
                gpt,
                primary_error: None,
                backup_error: backup.err(),
            }),
            (Err(primary), Ok(gpt)) => Ok(Found {
                gpt,
                primary_error: Some(primary),
                backup_error: None,
            }),
            (Err(Error::NotFound(_)), Err(Error::NotFound(_))) => Err(Error::NotFound("GPT")),
            (Err(Error::NotFound(_)), Err(e)) | (Err(e), _) => Err(e),
        }
    }

    /// The entry array's bytes.
    fn array(&self) -> Vec<u8> {
        let mut array = alloc::vec![0u8; self.entries.len() * ENTRY_SIZE as usize];
        for (e, slot) in self
            .entries
            .iter()
            .zip(array.chunks_exact_mut(ENTRY_SIZE as usize))
        {
            if !e.is_used() {
                continue;
            }
            slot[..16].copy_from_slice(&e.type_guid);
            slot[16..32].copy_from_slice(&e.unique_guid);
            slot[32..40].copy_from_slice(&e.first_lba.to_le_bytes());
            slot[40..48].copy_from_slice(&e.last_lba.to_le_bytes());
            slot[48..56].copy_from_slice(&e.attributes.to_le_bytes());
            for (i, unit) in e.name.encode_utf16().take(NAME_UNITS).enumerate() {
                slot[56 + 2 * i..58 + 2 * i].copy_from_slice(&unit.to_le_bytes());
            }
        }
        array
    }

    fn header(&self, my_lba: u64, alternate: u64, entries_lba: u64, array_crc: u32) -> [u8; 512] {
        let mut b = [0u8; 512];
        b[..8].copy_from_slice(SIGNATURE);
        b[8..12].copy_from_slice(&REVISION.to_le_bytes());
        b[12..16].copy_from_slice(&HEADER_SIZE.to_le_bytes());
        b[24..32].copy_from_slice(&my_lba.to_le_bytes());
        b[32..40].copy_from_slice(&alternate.to_le_bytes());
        b[40..48].copy_from_slice(&self.first_usable.to_le_bytes());
        b[48..56].copy_from_slice(&self.last_usable.to_le_bytes());
        b[56..72].copy_from_slice(&self.disk_guid);
        b[72..80].copy_from_slice(&entries_lba.to_le_bytes());
        b[80..84].copy_from_slice(&(self.entries.len() as u32).to_le_bytes());
        b[84..88].copy_from_slice(&ENTRY_SIZE.to_le_bytes());
        b[88..92].copy_from_slice(&array_crc.to_le_bytes());
        let crc = crc32(&b[..HEADER_SIZE as usize]);
        b[16..20].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Checks entries against the usable range and each other.
    pub fn validate(&self, sectors: u64) -> Result<(), Error> {
        let reserved = 1 + array_sectors(self.entries.len() as u32);
        if self.first_usable < 1 + reserved || self.last_usable + reserved >= sectors {
            return Err(Error::Invalid("usable range overlaps the table"));
        }
        let used: Vec<&Entry> = self.entries.iter().filter(|e| e.is_used()).collect();
        for (i, e) in used.iter().enumerate() {
            if e.first_lba > e.last_lba
                || e.first_lba < self.first_usable
                || e.last_lba > self.last_usable
            {
                return Err(Error::Invalid("partition outside the usable range"));
            }
            if used[..i]
                .iter()
                .any(|o| e.first_lba <= o.last_lba && o.first_lba <= e.last_lba)
            {
                return Err(Error::Invalid("partitions overlap"));
            }
        }
        Ok(())
    }

    /// Writes the protective MBR (keeping the boot code and disk signature
    /// already at LBA 0), both headers and both entry arrays.
    pub fn write<D: BlockDevice + ?Sized>(&self, dev: &mut D) -> Result<(), Error> {
        let sectors = dev.size() / SECTOR;
        self.validate(sectors)?;
        let mut lba0 = [0u8; 512];
        blockdev::read(dev, 0, &mut lba0)?;
        let mbr = Mbr::protective(&lba0, sectors);
        blockdev::write(dev, 0, &mbr.to_bytes())?;
        let array = self.array();
        let array_crc = crc32(&array);
        let backup_lba = sectors - 1;
        let backup_array = backup_lba - array_sectors(self.entries.len() as u32);
        blockdev::write(dev, 2 * SECTOR, &array)?;
        blockdev::write(dev, backup_array * SECTOR, &array)?;
        blockdev::write(dev, SECTOR, &self.header(1, backup_lba, 2, array_crc))?;
        blockdev::write(
            dev,
            backup_lba * SECTOR,
            &self.header(backup_lba, 1, backup_array, array_crc),
        )?;
        dev.flush()
            .map_err(|error| Error::Device { offset: 0, error })
    }

    /// Gaps between used partitions, as `(first, last)` sectors inclusive.
    pub fn free_ranges(&self) -> Vec<(u64, u64)> {
        let mut used: Vec<(u64, u64)> = self
            .entries
            .iter()
            .filter(|e| e.is_used())
            .map(|e| (e.first_lba, e.last_lba))
            .collect();
        used.sort_unstable();
        let mut gaps = Vec::new();
        let mut next = self.first_usable;
        for (first, last) in used {
            if first > next {
                gaps.push((next, first - 1));
            }
            next = next.max(last.saturating_add(1));
        }
        if next <= self.last_usable {
            gaps.push((next, self.last_usable));
        }
        gaps
    }

    /// Adds a partition in slot `index` (the first free one when `None`),
    /// starting at `start` or the first 1 MiB-aligned free sector, `size`
    /// sectors long or filling its free range (rounded down to 1 MiB).
    /// Returns the slot.
    pub fn add(
        &mut self,
        index: Option<usize>,
        start: Option<u64>,
        size: Option<u64>,
        mut entry: Entry,
    ) -> Result<usize, Error> {
        let index = match index {
            Some(i) if i >= self.entries.len() => {
                return Err(Error::Invalid("no such partition slot"));
            }
            Some(i) if self.entries[i].is_used() => {
                return Err(Error::Invalid("partition slot in use"));
            }
            Some(i) => i,
            None => self
                .entries
                .iter()
                .position(|e| !e.is_used())
                .ok_or(Error::Invalid("every partition slot is in use"))?,
        };
        if size == Some(0) {
            return Err(Error::Invalid("partition size is zero"));
        }
        let (first, last) = self
            .free_ranges()
            .into_iter()
            .find_map(|(lo, hi)| {
                let first = match start {
                    Some(s) if s < lo || s > hi => return None,
                    Some(s) => s,
                    None => align_up(lo),
                };
                let room = hi.checked_sub(first)? + 1;
                match size {
                    Some(n) if n <= room => Some((first, first + n - 1)),
                    Some(_) => None,
                    None if start.is_some() => Some((first, hi)),
                    None => {
                        let aligned = room / ALIGN * ALIGN;
                        (aligned > 0).then(|| (first, first + aligned - 1))
                    }
                }
            })
            .ok_or(Error::Invalid("no free space for the partition"))?;
        entry.first_lba = first;
        entry.last_lba = last;
        if !entry.is_used() {
            return Err(Error::Invalid("partition type is zero"));
        }
        self.entries[index] = entry;
        Ok(index)
    }

    /// The used entry in slot `index`.
    pub fn entry_mut(&mut self, index: usize) -> Result<&mut Entry, Error> {
        self.entries
            .get_mut(index)
            .filter(|e| e.is_used())
            .ok_or(Error::Invalid("no such partition"))
    }

    /// Resizes partition `index` to `size` sectors, or as far as the free
    /// space after it goes (rounded down to 1 MiB) when `None`.
    pub fn resize(&mut self, index: usize, size: Option<u64>) -> Result<(), Error> {
        let first = self.entry_mut(index)?.first_lba;
        let limit = self
            .entries
            .iter()
            .filter(|e| e.is_used() && e.first_lba > first)
            .map(|e| e.first_lba - 1)
            .min()
            .unwrap_or(self.last_usable);
        let room = limit - first + 1;
        let size = match size {
            Some(0) => return Err(Error::Invalid("partition size is zero")),
            Some(n) if n > room => {
                return Err(Error::Invalid("no free space to grow the partition"));
            }
            Some(n) => n,
            None => (room / ALIGN * ALIGN).max(self.entries[index].sectors().min(room)),
        };
        self.entries[index].last_lba = first + size - 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockdev::MemoryDevice;

    fn linux() -> Entry {
        Entry {
            type_guid: crate::types::parse_gpt_type("linux").unwrap(),
            unique_guid: [5; 16],
            name: "root".into(),
            ..Entry::default()
        }
    }

    #[test]
    fn create_add_read_recover() {
        let mut dev = MemoryDevice::new(16 << 20);
        let mut gpt = Gpt::new(dev.size() / SECTOR, [1; 16]).unwrap();
        let i = gpt.add(None, None, Some(4096), linux()).unwrap();
        assert_eq!((i, gpt.entries[0].first_lba), (0, 2048));
        let j = gpt.add(None, None, None, linux()).unwrap();
        assert_eq!(gpt.entries[j].first_lba, 2048 + 4096);
        assert_eq!(gpt.entries[j].sectors() % ALIGN, 0);
        assert!(gpt.add(None, None, Some(4096), linux()).is_err());
        gpt.write(&mut dev).unwrap();
        let found = Gpt::read(&dev).unwrap();
        assert_eq!(
            (found.gpt.clone(), found.primary_error),
            (gpt.clone(), None)
        );
        // Damage the primary header: the backup answers, and writing heals.
        dev.bytes[512 + 40] ^= 1;
        let found = Gpt::read(&dev).unwrap();
        assert_eq!(
            found.primary_error,
            Some(Error::Corrupt("header CRC mismatch"))
        );
        found.gpt.write(&mut dev).unwrap();
        assert_eq!(Gpt::read(&dev).unwrap().primary_error, None);
    }

    #[test]
    fn resize_stops_at_the_next_partition() {
        let mut gpt = Gpt::new(32768, [1; 16]).unwrap();
        gpt.add(None, None, Some(2048), linux()).unwrap();
        gpt.add(None, Some(8192), Some(2048), linux()).unwrap();
        gpt.resize(0, None).unwrap();
        assert_eq!(gpt.entries[0].last_lba, 8191);
        assert!(gpt.resize(0, Some(8192)).is_err());
    }
}
