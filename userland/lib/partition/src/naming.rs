//! BSD names of partitions, and finding the bytes a name means.
//!
//! The disk's own name (`vbd0`, `ada0`) is the kernel's business; after it:
//!
//! - `pN` — GPT partition N, counting entry slots from 1 (FreeBSD style):
//!   `vbd0p3`;
//! - `sN` — MBR slice N (DragonFly style): `s1`..`s4` are the primary
//!   slices, `s5` on the logical slices of the extended one, in chain order:
//!   `vbd0s1`;
//! - a letter `a`..`p` after either names a partition of the disk label
//!   (disklabel64 or disklabel32) inside it: `vbd0s1a`, `vbd0p3a`.
//!
//! On a host an image file names its partitions the same way after a
//! colon: `disk.img:p3`, `disk.img:s1`, `disk.img:p3a` (see [`crate::open`]).

use alloc::string::String;
use core::fmt::Write as _;

use crate::gpt::Gpt;
use crate::mbr::Mbr;
use crate::{BlockDevice, Error, SECTOR};
use disklabel::label32::Label32;
use disklabel::label64::Label64;

/// A partition table slot named by a suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// `pN`: GPT entry N (from 1).
    Gpt(u32),
    /// `sN`: MBR slice N (from 1; 5 and up are logical).
    Mbr(u32),
}

/// What a suffix names: a slot, and maybe a disk label partition in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suffix {
    pub slot: Slot,
    /// Index of the label partition (`a` = 0).
    pub label: Option<usize>,
}

impl Suffix {
    /// Parses `p3`, `s1`, `p3a`, `s5d`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Suffix> {
        let (body, label) = match text.as_bytes().last()? {
            c @ b'a'..=b'p' => (&text[..text.len() - 1], Some(usize::from(c - b'a'))),
            _ => (text, None),
        };
        let (kind, digits) = body.split_at_checked(1)?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return None;
        }
        let n: u32 = digits.parse().ok()?;
        let slot = match kind {
            "p" => Slot::Gpt(n),
            "s" => Slot::Mbr(n),
            _ => return None,
        };
        Some(Suffix { slot, label })
    }

    /// Splits a BSD device name such as `vbd0s1a` into `vbd0` and its
    /// suffix. The disk name must end in a digit, as BSD disk names do.
    pub fn split_device(name: &str) -> Option<(&str, Suffix)> {
        let cut = name.rfind(['p', 's'])?;
        let (disk, suffix) = name.split_at(cut);
        if !disk.ends_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some((disk, Suffix::parse(suffix)?))
    }
}

impl core::fmt::Display for Suffix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.slot {
            Slot::Gpt(n) => write!(f, "p{n}")?,
            Slot::Mbr(n) => write!(f, "s{n}")?,
        }
        if let Some(letter) = self.label.and_then(disklabel::partition_letter) {
            f.write_char(letter)?;
        }
        Ok(())
    }
}

/// Where a named partition lies, in bytes from the start of the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub offset: u64,
    pub length: u64,
}

/// The suffix's text, e.g. for building `vbd0` + `p3`.
pub fn suffix_text(suffix: &Suffix) -> String {
    let mut s = String::new();
    let _ = write!(s, "{suffix}");
    s
}

/// Finds the bytes `suffix` names on `dev`, reading its partition table and,
/// for a letter, the disk label of the slot.
pub fn locate<D: BlockDevice + ?Sized>(dev: &D, suffix: &Suffix) -> Result<Region, Error> {
    let slot = match suffix.slot {
        Slot::Gpt(n) => {
            let found = Gpt::read(dev)?;
            let entry = found
                .gpt
                .entries
                .get(n as usize - 1)
                .filter(|e| e.is_used())
                .ok_or(Error::NotFound("such GPT partition"))?;
            Region {
                offset: entry.first_lba * SECTOR,
                length: entry.sectors() * SECTOR,
            }
        }
        Slot::Mbr(n) => {
            let mbr = Mbr::read(dev)?;
            if mbr.is_protective() {
                return Err(Error::Invalid("the disk has a GPT: name its partitions pN"));
            }
            let slice = if n <= 4 {
                Some(mbr.slices[n as usize - 1]).filter(|s| s.is_used())
            } else {
                mbr.logical(dev)?.get(n as usize - 5).copied()
            }
            .ok_or(Error::NotFound("such MBR slice"))?;
            Region {
                offset: u64::from(slice.start) * SECTOR,
                length: u64::from(slice.sectors) * SECTOR,
            }
        }
    };
    let Some(index) = suffix.label else {
        return Ok(slot);
    };
    let window = SliceView { dev, region: slot };
    let (offset, length) = match Label64::read(&window) {
        Ok(label) => {
            let p = label
                .partitions
                .get(index)
                .filter(|p| p.is_used())
                .ok_or(Error::NotFound("such disk label partition"))?;
            (p.offset, p.size)
        }
        Err(disklabel::Error::NoLabel) => {
            let label = Label32::read(&window, slot.offset / SECTOR)?;
            let p = label
                .partitions
                .get(index)
                .filter(|p| p.size != 0)
                .ok_or(Error::NotFound("such disk label partition"))?;
            let start = u64::from(p.offset) * SECTOR;
            (start - slot.offset, u64::from(p.size) * SECTOR)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Region {
        offset: slot.offset + offset,
        length,
    })
}

/// A read-only window of a borrowed device: a slot while its label is read.
struct SliceView<'a, D: ?Sized> {
    dev: &'a D,
    region: Region,
}

impl<D: BlockDevice + ?Sized> BlockDevice for SliceView<'_, D> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), blockdev::DeviceError> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.region.length) {
            return Err(blockdev::DeviceError::OutOfRange);
        }
        self.dev.read_at(self.region.offset + offset, buf)
    }
    fn write_at(&mut self, _: u64, _: &[u8]) -> Result<(), blockdev::DeviceError> {
        Err(blockdev::DeviceError::Io(30)) // EROFS: only ever read through
    }
    fn size(&self) -> u64 {
        self.region.length
    }
    fn flush(&mut self) -> Result<(), blockdev::DeviceError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        let p3a = Suffix {
            slot: Slot::Gpt(3),
            label: Some(0),
        };
        assert_eq!(Suffix::parse("p3a"), Some(p3a));
        assert_eq!(
            Suffix::parse("s1"),
            Some(Suffix {
                slot: Slot::Mbr(1),
                label: None
            })
        );
        assert_eq!(
            Suffix::parse("s12p"),
            Some(Suffix {
                slot: Slot::Mbr(12),
                label: Some(15)
            })
        );
        for bad in ["", "p", "p0", "pa", "x1", "p1q", "s01", "p99999999999"] {
            assert_eq!(Suffix::parse(bad), None, "{bad}");
        }
        assert_eq!(suffix_text(&p3a), "p3a");
        assert_eq!(Suffix::split_device("vbd0p3a"), Some(("vbd0", p3a)));
        assert_eq!(Suffix::split_device("/dev/ada1s2").unwrap().0, "/dev/ada1");
        assert_eq!(Suffix::split_device("disks1"), None);
    }
}
