//! Volumes: whole disks and the partitions found on them with the shared
//! `partition` and `disklabel` libraries, named as the BSDs name them
//! (`vbd0`, `vbd0p3`, `vbd0s1`, `vbd0p3a`; see `partition::naming`) and
//! numbered for /dev as block devices of major [`MAJOR`] (Linux's
//! extended block major), minors in the order found.
//!
//! A volume is a byte window of its disk's buffer cache: reads and writes
//! through it are cached like a filesystem's.

use super::IoError;
use super::cache::{self, Cache, CachedDisk};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use partition::naming::{self, Slot, Suffix};
use spin::Once;

/// The major number of every volume (Linux's `blkext`).
pub const MAJOR: u32 = 259;
/// GPT entries and MBR slices looked at per disk.
const MAX_SLOTS: u32 = 128;
/// Disk label partitions `a`..`p`.
const MAX_LABEL_PARTITIONS: usize = 16;

/// A disk or a partition of one.
pub struct Volume {
    pub name: String,
    pub minor: u32,
    cache: Arc<Cache>,
    /// Where it starts on the disk, in bytes.
    pub offset: u64,
    /// Its length in bytes.
    pub length: u64,
}

impl Volume {
    /// Reads `buf.len()` bytes at `offset`, fewer at the end; returns the count.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, IoError> {
        let n = self.clip(offset, buf.len());
        self.cache.read_at(self.offset + offset, &mut buf[..n])?;
        Ok(n)
    }

    /// Writes at `offset`, fewer bytes at the end; returns the count.
    pub fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, IoError> {
        let n = self.clip(offset, data.len());
        if n == 0 && !data.is_empty() {
            return Err(IoError::OutOfRange);
        }
        self.cache.write_at(self.offset + offset, &data[..n])?;
        Ok(n)
    }

    /// Writes back the disk's cache and flushes the disk.
    pub fn sync(&self) -> Result<(), IoError> {
        self.cache.sync()
    }

    /// The volume as the ext2 library's device.
    pub fn device(&self) -> Result<blockdev::Partition<CachedDisk>, IoError> {
        blockdev::Partition::new(
            CachedDisk(self.cache.clone()),
            self.offset,
            Some(self.length),
        )
        .map_err(|_| IoError::OutOfRange)
    }

    fn clip(&self, offset: u64, len: usize) -> usize {
        self.length.saturating_sub(offset).min(len as u64) as usize
    }
}

static VOLUMES: Once<Vec<Arc<Volume>>> = Once::new();

/// Every volume (found on first use, after the drivers registered the disks).
pub fn volumes() -> &'static [Arc<Volume>] {
    VOLUMES.call_once(scan)
}

/// The volume called `name` (`vbd0p3a`).
pub fn by_name(name: &str) -> Option<Arc<Volume>> {
    volumes().iter().find(|v| v.name == name).cloned()
}

fn scan() -> Vec<Arc<Volume>> {
    let mut found = Vec::new();
    for disk in super::disks() {
        let cache = cache::of(&disk);
        let whole = CachedDisk(cache.clone());
        let mut add = |name: String, offset: u64, length: u64| {
            let minor = found.len() as u32;
            log::info!("volume {name}: {length} bytes from byte {offset}");
            found.push(Arc::new(Volume {
                name,
                minor,
                cache: cache.clone(),
                offset,
                length,
            }));
        };
        add(String::from(disk.name()), 0, cache.size());
        for slot in slots(&whole) {
            let bare = Suffix { slot, label: None };
            let Ok(region) = naming::locate(&whole, &bare) else {
                continue;
            };
            add(
                alloc::format!("{}{}", disk.name(), bare),
                region.offset,
                region.length,
            );
            for index in 0..MAX_LABEL_PARTITIONS {
                let lettered = Suffix {
                    slot,
                    label: Some(index),
                };
                if let Ok(region) = naming::locate(&whole, &lettered) {
                    add(
                        alloc::format!("{}{}", disk.name(), lettered),
                        region.offset,
                        region.length,
                    );
                }
            }
        }
    }
    found
}

/// The used slots of the disk's partition table, GPT first.
fn slots(disk: &CachedDisk) -> Vec<Slot> {
    if let Ok(found) = partition::gpt::Gpt::read(disk) {
        return (1..=MAX_SLOTS)
            .zip(found.gpt.entries.iter())
            .filter(|(_, e)| e.is_used())
            .map(|(n, _)| Slot::Gpt(n))
            .collect();
    }
    match partition::mbr::Mbr::read(disk) {
        Ok(mbr) if !mbr.is_protective() => {
            let logical = mbr.logical(disk).map_or(0, |l| l.len() as u32);
            (1..=4)
                .filter(|&n| mbr.slices[n as usize - 1].is_used())
                .chain(5..5 + logical.min(MAX_SLOTS))
                .map(Slot::Mbr)
                .collect()
        }
        _ => Vec::new(),
    }
}
