//! Naming a device on the command line: a device or an image file, or a
//! partition inside one as `FILE@OFFSET`, the offset in bytes or with a
//! K, M, G (binary) or s (512-byte sector) suffix.

use std::fs::OpenOptions;
use std::path::PathBuf;

use crate::device::{FileDevice, Partition};

/// A parsed device name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    pub path: PathBuf,
    /// Byte offset of the filesystem inside the file.
    pub offset: u64,
}

/// Parses a size: digits with an optional K, M, G or s suffix.
pub fn parse_size(text: &str) -> Option<u64> {
    let (digits, unit) = match text.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 'c'),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit {
        'c' => 1,
        's' => 512,
        'k' | 'K' => 1 << 10,
        'm' | 'M' => 1 << 20,
        'g' | 'G' => 1 << 30,
        _ => return None,
    };
    n.checked_mul(scale)
}

impl DeviceSpec {
    /// `FILE` or `FILE@OFFSET`; `None` when the offset does not parse.
    pub fn parse(text: &str) -> Option<DeviceSpec> {
        match text.rsplit_once('@') {
            Some((path, offset)) if !path.is_empty() => Some(DeviceSpec {
                path: path.into(),
                offset: parse_size(offset)?,
            }),
            _ => Some(DeviceSpec {
                path: text.into(),
                offset: 0,
            }),
        }
    }

    /// Opens the device, read-write when `write`.
    pub fn open(&self, write: bool) -> std::io::Result<Partition<FileDevice>> {
        let file = OpenOptions::new()
            .read(true)
            .write(write)
            .open(&self.path)?;
        let dev = FileDevice::new(file)?;
        Partition::new(dev, self.offset, None)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_offsets() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("2048s"), Some(1 << 20));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size("3k"), Some(3072));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("1Q"), None);
        assert_eq!(parse_size(""), None);
        let spec = DeviceSpec::parse("disk.img@1M").unwrap();
        assert_eq!(
            (spec.path, spec.offset),
            (PathBuf::from("disk.img"), 1 << 20)
        );
        assert_eq!(DeviceSpec::parse("disk.img").unwrap().offset, 0);
        assert_eq!(DeviceSpec::parse("disk.img@zz"), None);
    }
}
