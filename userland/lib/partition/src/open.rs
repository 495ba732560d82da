//! Naming a disk, or a partition inside one, on the command line — the one
//! resolver every disk tool uses:
//!
//! - `FILE` — the whole device or image file;
//! - `FILE:p3`, `FILE:s1`, `FILE:s5`, `FILE:p3a`, `FILE:s1a` — a partition
//!   inside it, named by the suffixes of [`crate::naming`];
//! - `/dev/vbd0p3`, `/dev/vbd0s1a` when no such file exists but `/dev/vbd0`
//!   does: the BSD name of a partition of that disk;
//! - `FILE@OFFSET` — from byte OFFSET to the end (`K`, `M`, `G` or `s`
//!   suffix for KiB, MiB, GiB, 512-byte sectors), as before.

use std::fs::{File, OpenOptions};
use std::io::{Error, ErrorKind, Result, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::naming::{Suffix, locate};
use blockdev::FileDevice;

/// A device name taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    Whole(PathBuf),
    Partition(PathBuf, Suffix),
    At(PathBuf, u64),
}

/// Parses a size: digits with an optional K, M, G or s suffix.
pub fn parse_size(text: &str) -> Option<u64> {
    let (digits, scale) = match text.as_bytes().last()? {
        b's' => (&text[..text.len() - 1], 512),
        b'k' | b'K' => (&text[..text.len() - 1], 1 << 10),
        b'm' | b'M' => (&text[..text.len() - 1], 1 << 20),
        b'g' | b'G' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

impl Name {
    /// Takes `text` apart; a name that exists as a file is always whole.
    pub fn parse(text: &str) -> Result<Name> {
        if Path::new(text).exists() {
            return Ok(Name::Whole(text.into()));
        }
        if let Some((path, suffix)) = text.rsplit_once(':')
            && !path.is_empty()
        {
            let parsed = Suffix::parse(suffix).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("bad partition name '{suffix}' (want pN, sN, pNa or sNa)"),
                )
            })?;
            return Ok(Name::Partition(path.into(), parsed));
        }
        if let Some((path, offset)) = text.rsplit_once('@')
            && !path.is_empty()
        {
            let offset = parse_size(offset).ok_or_else(|| {
                Error::new(ErrorKind::InvalidInput, format!("bad offset '{offset}'"))
            })?;
            return Ok(Name::At(path.into(), offset));
        }
        if let Some((disk, suffix)) = Suffix::split_device(text)
            && Path::new(disk).exists()
        {
            return Ok(Name::Partition(disk.into(), suffix));
        }
        Ok(Name::Whole(text.into()))
    }

    pub fn path(&self) -> &Path {
        match self {
            Name::Whole(p) | Name::Partition(p, _) | Name::At(p, _) => p,
        }
    }
}

/// An open device, or the part of it a name picked.
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    /// Where the named part starts, in bytes.
    pub offset: u64,
    pub length: u64,
}

/// Opens what `text` names (read-write when `write`) and finds its bytes.
pub fn open_named(text: &str, write: bool) -> Result<Opened> {
    let name = Name::parse(text)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(write)
        .open(name.path())?;
    let size = file.seek(SeekFrom::End(0))?;
    let (offset, length) = match &name {
        Name::Whole(_) => (0, size),
        Name::At(_, offset) if *offset > size => {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "offset beyond the end of the device",
            ));
        }
        Name::At(_, offset) => (*offset, size - offset),
        Name::Partition(_, suffix) => {
            let dev = FileDevice::new(file.try_clone()?)?;
            let region =
                locate(&dev, suffix).map_err(|e| Error::new(ErrorKind::NotFound, e.to_string()))?;
            (region.offset, region.length)
        }
    };
    Ok(Opened {
        file,
        offset,
        length,
    })
}

impl Opened {
    /// The named bytes as a device.
    pub fn into_device(self) -> Result<blockdev::Partition<FileDevice>> {
        let dev = FileDevice::new(self.file)?;
        blockdev::Partition::new(dev, self.offset, Some(self.length))
            .map_err(|e| Error::new(ErrorKind::InvalidInput, e.to_string()))
    }
}

/// A random (version 4) GUID in on-disk byte order, from /dev/urandom.
pub fn random_guid() -> Result<[u8; 16]> {
    use std::io::Read;
    let mut g = [0u8; 16];
    File::open("/dev/urandom")?.read_exact(&mut g)?;
    // The version lives in the top of the little-endian third field.
    g[7] = (g[7] & 0x0F) | 0x40;
    g[8] = (g[8] & 0x3F) | 0x80;
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let p = |t: &str| Name::parse(t).unwrap();
        assert!(matches!(p("disk.img:p3a"), Name::Partition(_, s) if s.label == Some(0)));
        assert_eq!(p("disk.img@1M"), Name::At("disk.img".into(), 1 << 20));
        assert_eq!(
            p("/nonexistent/vbd0p1"),
            Name::Whole("/nonexistent/vbd0p1".into())
        );
        assert!(Name::parse("disk.img:q1").is_err());
        assert!(Name::parse("disk.img@zz").is_err());
        assert_eq!(parse_size("2048s"), Some(1 << 20));
    }
}
