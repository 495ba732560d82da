//! The "newc" cpio format (`070701`), as Linux's initramfs and Basalt's
//! initrd use it: ASCII-hex headers, names and data padded to 4 bytes, a
//! `TRAILER!!!` entry at the end.
//!
//! The writer needs `alloc`; the kernel will read archives without `std`.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

/// The newc magic.
pub const MAGIC: &[u8; 6] = b"070701";
const HEADER_LEN: usize = 110;
const TRAILER: &str = "TRAILER!!!";

/// File type bits of `mode` (as in `st_mode`).
pub mod mode {
    pub const DIRECTORY: u32 = 0o040000;
    pub const REGULAR: u32 = 0o100000;
    pub const SYMLINK: u32 = 0o120000;
    pub const CHAR_DEVICE: u32 = 0o020000;
}

/// One archive member's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative path, without a leading `/` (archives never hold absolute names).
    pub name: String,
    /// Type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
    /// Device number of a device node: (major, minor).
    pub rdev: (u32, u32),
}

impl Entry {
    fn new(name: &str, mode: u32) -> Entry {
        Entry {
            name: name.trim_start_matches('/').into(),
            mode,
            uid: 0,
            gid: 0,
            mtime: 0,
            rdev: (0, 0),
        }
    }

    pub fn directory(name: &str, permissions: u32) -> Entry {
        Entry::new(name, mode::DIRECTORY | permissions)
    }

    pub fn file(name: &str, permissions: u32) -> Entry {
        Entry::new(name, mode::REGULAR | permissions)
    }

    pub fn symlink(name: &str) -> Entry {
        Entry::new(name, mode::SYMLINK | 0o777)
    }

    pub fn char_device(name: &str, permissions: u32, major: u32, minor: u32) -> Entry {
        Entry {
            rdev: (major, minor),
            ..Entry::new(name, mode::CHAR_DEVICE | permissions)
        }
    }
}

/// Builds an archive in memory. Inode numbers are assigned in order, so the
/// same entries always give the same bytes (reproducible images).
#[derive(Debug, Default)]
pub struct Writer {
    out: Vec<u8>,
    next_inode: u32,
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            out: Vec::new(),
            next_inode: 1,
        }
    }

    /// Appends `entry` with `data` (a file's contents, a symlink's target,
    /// empty for directories and devices).
    pub fn add(&mut self, entry: &Entry, data: &[u8]) {
        let inode = self.next_inode;
        self.next_inode += 1;
        let nlink = if entry.mode & 0o170000 == mode::DIRECTORY {
            2
        } else {
            1
        };
        self.header(inode, entry, nlink, data.len(), &entry.name);
        self.out.extend_from_slice(data);
        pad4(&mut self.out);
    }

    fn header(&mut self, inode: u32, entry: &Entry, nlink: u32, size: usize, name: &str) {
        let fields = [
            inode,
            entry.mode,
            entry.uid,
            entry.gid,
            nlink,
            entry.mtime,
            size as u32,
            0, // dev major
            0, // dev minor
            entry.rdev.0,
            entry.rdev.1,
            name.len() as u32 + 1,
            0, // checksum: unused by newc
        ];
        self.out.extend_from_slice(MAGIC);
        for field in fields {
            self.out
                .extend_from_slice(alloc::format!("{field:08X}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        pad4(&mut self.out);
    }

    /// Adds the tree at `dir` (directories, files, symlinks) under the
    /// archive name `prefix`, in sorted order so the bytes are reproducible.
    /// Owners become root; other file types are refused.
    #[cfg(feature = "std")]
    pub fn add_tree(&mut self, dir: &std::path::Path, prefix: &str) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let mut names: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
        names.sort_by_key(|e| e.file_name());
        for entry in names {
            let name = entry.file_name();
            let name = name
                .to_str()
                .ok_or_else(|| std::io::Error::other("a file name is not UTF-8"))?;
            let inside = if prefix.is_empty() {
                name.to_string()
            } else {
                alloc::format!("{prefix}/{name}")
            };
            let meta = std::fs::symlink_metadata(entry.path())?;
            let perm = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(entry.path())?;
                self.add(
                    &Entry::symlink(&inside),
                    target.as_os_str().as_encoded_bytes(),
                );
            } else if meta.is_dir() {
                self.add(&Entry::directory(&inside, perm), b"");
                self.add_tree(&entry.path(), &inside)?;
            } else if meta.is_file() {
                self.add(&Entry::file(&inside, perm), &std::fs::read(entry.path())?);
            } else {
                return Err(std::io::Error::other(alloc::format!(
                    "{inside}: not a file, directory or symlink"
                )));
            }
        }
        Ok(())
    }

    /// Ends the archive and returns its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let trailer = Entry::new(TRAILER, 0);
        self.header(0, &trailer, 1, 0, TRAILER);
        self.out
    }
}

/// Why an archive could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A header does not start with `070701` (offset given).
    BadMagic(usize),
    /// A header field is not hexadecimal (offset given).
    BadField(usize),
    /// A name or the data runs past the end of the archive (offset given).
    Truncated(usize),
    /// A name is not UTF-8, is absolute or climbs out with `..`.
    BadName(usize),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::BadMagic(at) => write!(f, "no cpio newc header at offset {at}"),
            Error::BadField(at) => write!(f, "malformed cpio header field at offset {at}"),
            Error::Truncated(at) => write!(f, "cpio member at offset {at} runs past the end"),
            Error::BadName(at) => write!(f, "unsafe or invalid member name at offset {at}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Iterates over the members of an archive held in memory.
pub struct Reader<'a> {
    data: &'a [u8],
    at: usize,
    done: bool,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            at: 0,
            done: false,
        }
    }

    fn field(&self, start: usize, index: usize) -> Result<u32, Error> {
        let at = start + 6 + index * 8;
        let text = core::str::from_utf8(&self.data[at..at + 8]).map_err(|_| Error::BadField(at))?;
        u32::from_str_radix(text, 16).map_err(|_| Error::BadField(at))
    }

    fn next_member(&mut self) -> Result<Option<(Entry, &'a [u8])>, Error> {
        let start = self.at;
        if self.data.len() < start + HEADER_LEN {
            return Err(Error::Truncated(start));
        }
        if &self.data[start..start + 6] != MAGIC {
            return Err(Error::BadMagic(start));
        }
        let f = |i| self.field(start, i);
        let (mode, uid, gid, mtime, size) = (f(1)?, f(2)?, f(3)?, f(5)?, f(6)? as usize);
        let rdev = (f(9)?, f(10)?);
        let name_len = f(11)? as usize;
        let name_start = start + HEADER_LEN;
        let name_end = name_start
            .checked_add(name_len)
            .filter(|&e| e <= self.data.len() && name_len > 0);
        let name_end = name_end.ok_or(Error::Truncated(start))?;
        let name = core::str::from_utf8(&self.data[name_start..name_end - 1])
            .map_err(|_| Error::BadName(start))?;
        let data_start = name_end.next_multiple_of(4);
        let data_end = data_start
            .checked_add(size)
            .filter(|&e| e <= self.data.len());
        let data_end = data_end.ok_or(Error::Truncated(start))?;
        self.at = data_end.next_multiple_of(4);
        if name == TRAILER {
            return Ok(None);
        }
        if name.starts_with('/') || name.split('/').any(|part| part == "..") {
            return Err(Error::BadName(start));
        }
        let name = name.trim_start_matches("./");
        let entry = Entry {
            name: name.into(),
            mode,
            uid,
            gid,
            mtime,
            rdev,
        };
        Ok(Some((entry, &self.data[data_start..data_end])))
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<(Entry, &'a [u8]), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_member() {
            Ok(Some(member)) => Some(Ok(member)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn sample() -> Vec<u8> {
        let mut w = Writer::new();
        w.add(&Entry::directory("dev", 0o755), b"");
        w.add(&Entry::char_device("dev/console", 0o600, 5, 1), b"");
        w.add(&Entry::file("/init", 0o755), b"#!/bin/sh\necho hi\n");
        w.add(&Entry::symlink("bin"), b"usr/bin");
        w.finish()
    }

    #[test]
    fn gnu_cpio_lists_what_we_write() {
        let archive = sample();
        let mut child = match Command::new("cpio")
            .args(["-t", "-v", "--quiet"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => panic!("GNU cpio is needed as the judge (ci/setup installs it): {e}"),
        };
        child.stdin.take().unwrap().write_all(&archive).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let listing = String::from_utf8(out.stdout).unwrap();
        assert!(listing.contains("crw-------"), "{listing}");
        assert!(
            listing.contains("5,") && listing.contains("dev/console"),
            "{listing}"
        );
        assert!(
            listing.contains("-rwxr-xr-x") && listing.contains(" init"),
            "{listing}"
        );
        assert!(listing.contains("bin -> usr/bin"), "{listing}");
    }

    #[test]
    fn a_directory_tree_goes_in_sorted_with_modes_and_links() {
        let dir = std::env::temp_dir().join(alloc::format!("cpio-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b/c")).unwrap();
        std::fs::write(dir.join("b/c/f"), b"data").unwrap();
        std::fs::write(dir.join("a"), b"").unwrap();
        std::os::unix::fs::symlink("b/c/f", dir.join("l")).unwrap();
        let mut w = Writer::new();
        w.add_tree(&dir, "root").unwrap();
        let archive = w.finish();
        let names: Vec<String> = Reader::new(&archive).map(|m| m.unwrap().0.name).collect();
        assert_eq!(
            names,
            ["root/a", "root/b", "root/b/c", "root/b/c/f", "root/l"]
        );
        let link = Reader::new(&archive)
            .map(|m| m.unwrap())
            .find(|(e, _)| e.name == "root/l")
            .unwrap();
        assert_eq!(link.1, b"b/c/f");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_back_what_it_writes() {
        let archive = sample();
        let members: Vec<_> = Reader::new(&archive).collect::<Result<_, _>>().unwrap();
        assert_eq!(members.len(), 4);
        assert_eq!(members[1].0.rdev, (5, 1));
        assert_eq!(members[2].0.name, "init");
        assert_eq!(members[2].1, b"#!/bin/sh\necho hi\n");
        assert_eq!(members[3].1, b"usr/bin");
    }

    #[test]
    fn the_same_entries_give_the_same_bytes() {
        assert_eq!(sample(), sample());
    }

    #[test]
    fn hostile_archives_are_errors() {
        let archive = sample();
        for len in 0..archive.len() - 1 {
            let result: Result<Vec<_>, _> = Reader::new(&archive[..len]).collect();
            assert!(result.is_err(), "a truncation at {len} was accepted");
        }
        let mut w = Writer::new();
        w.add(
            &Entry {
                name: "../etc/passwd".into(),
                ..Entry::file("x", 0o644)
            },
            b"",
        );
        let escaping = w.finish();
        assert!(matches!(
            Reader::new(&escaping).next(),
            Some(Err(Error::BadName(0)))
        ));
        let mut bad = sample();
        bad[0] = b'1';
        assert!(matches!(
            Reader::new(&bad).next(),
            Some(Err(Error::BadMagic(0)))
        ));
    }
}
