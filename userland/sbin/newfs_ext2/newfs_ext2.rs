//! `newfs_ext2`: make an ext2 filesystem on a device or image file, and
//! optionally fill it from a directory tree (how root images are built).

use std::fs::OpenOptions;
use std::io::{Read, Write};

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use ext2::{FileDevice, MkfsOptions, Partition, ROOT_INO, Timestamp};
use partition::open::{Name, open_named, parse_size};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["newfs_ext2"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: newfs_ext2 [-b 1024|2048|4096] [-i bytes-per-inode] [-L label] [-U uuid] [-d directory] [-s size] device";

struct Args {
    opts: MkfsOptions,
    uuid_given: bool,
    populate: Option<String>,
    size: Option<u64>,
    device: String,
}

fn parse(args: &[String]) -> Result<Option<Args>, String> {
    let mut g = Getopt::new(args, "b:i:L:U:d:s:");
    let mut parsed = Args {
        opts: MkfsOptions::default(),
        uuid_given: false,
        populate: None,
        size: None,
        device: String::new(),
    };
    while let Some(opt) = g.next_opt().map_err(|e| e.0)? {
        match opt {
            Opt::Help => return Ok(None),
            Opt::Flag('b', Some(v)) => match v.parse() {
                Ok(bs @ (1024 | 2048 | 4096)) => parsed.opts.block_size = Some(bs),
                _ => return Err(format!("bad block size: {v}")),
            },
            Opt::Flag('i', Some(v)) => match parse_size(&v).and_then(|n| u32::try_from(n).ok()) {
                Some(n) if (1024..=64 << 20).contains(&n) => parsed.opts.bytes_per_inode = Some(n),
                _ => return Err(format!("bad bytes per inode: {v}")),
            },
            Opt::Flag('L', Some(v)) => {
                if v.len() > 16 {
                    return Err(format!("label longer than 16 bytes: {v}"));
                }
                parsed.opts.label = v.into_bytes();
            }
            Opt::Flag('U', Some(v)) => {
                parsed.opts.uuid = parse_uuid(&v).ok_or_else(|| format!("bad UUID: {v}"))?;
                parsed.uuid_given = true;
            }
            Opt::Flag('d', Some(v)) => parsed.populate = Some(v),
            Opt::Flag('s', Some(v)) => {
                parsed.size = Some(parse_size(&v).ok_or_else(|| format!("bad size: {v}"))?)
            }
            Opt::Flag(c, _) => return Err(format!("unknown option -- {c}")),
        }
    }
    match g.operands() {
        [device] => parsed.device = device.clone(),
        [] => return Err("missing device".into()),
        [_, extra, ..] => return Err(format!("extra operand: {extra}")),
    }
    Ok(Some(parsed))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (dashes optional).
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = text.bytes().filter(|&b| b != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// A random version 4 UUID.
fn random_uuid() -> std::io::Result<[u8; 16]> {
    let mut u = [0; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut u)?;
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    Ok(u)
}

/// SOURCE_DATE_EPOCH, the time of a reproducible build, when set.
fn source_date_epoch() -> Option<Timestamp> {
    let secs = std::env::var("SOURCE_DATE_EPOCH").ok()?.parse().ok()?;
    Some(Timestamp::from_secs(secs))
}

fn now() -> Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_secs(now.as_secs() as i64)
}

fn main(args: &[String]) -> i32 {
    let mut a = match parse(args) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => return usage_error(args, &e, USAGE),
    };
    let name = match Name::parse(&a.device) {
        Ok(name) => name,
        Err(e) => return usage_error(args, &format!("{}: {e}", a.device), USAGE),
    };
    let reproducible = source_date_epoch();
    let randoms = (|| -> std::io::Result<_> { Ok((random_uuid()?, random_uuid()?)) })();
    match randoms {
        Ok((uuid, seed)) => {
            if !a.uuid_given {
                a.opts.uuid = uuid;
            }
            // A reproducible image takes its directory hash seed from its UUID.
            a.opts.hash_seed = if reproducible.is_some() && a.uuid_given {
                a.opts.uuid
            } else {
                seed
            };
        }
        Err(e) => {
            warn_io(args, "/dev/urandom", &e);
            return 1;
        }
    }
    a.opts.time = reproducible.unwrap_or_else(now);
    let device = match open_device(&name, &a.device, a.size) {
        Ok(d) => d,
        Err(e) => {
            warn_io(args, &a.device, &e);
            return 1;
        }
    };
    let mut fs = match ext2::mkfs(device, &a.opts) {
        Ok(fs) => fs,
        Err(e) => {
            warn(args, format!("{}: {e}", a.device));
            return 1;
        }
    };
    // Times that populating does not copy from the tree (creation times)
    // are the build's too.
    fs.set_fixed_time(reproducible);
    if let Some(dir) = &a.populate
        && let Err(e) = ext2::populate(&mut fs, std::path::Path::new(dir), ROOT_INO)
    {
        warn(args, e);
        return 1;
    }
    let st = fs.statfs();
    let groups = fs.group_count();
    if let Err(e) = fs.sync() {
        warn(args, format!("{}: {e}", a.device));
        return 1;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{}: {} blocks of {} bytes in {} groups, {} inodes, {} blocks free",
        a.device, st.blocks, st.block_size, groups, st.inodes, st.free_blocks
    );
    0
}

/// Opens the device; with a size, an image file (or the part of it after
/// `@OFFSET`) is made or grown to hold it, and the filesystem takes only
/// that much. A named partition (`disk.img:p2`) keeps its size.
fn open_device(
    name: &Name,
    text: &str,
    size: Option<u64>,
) -> std::io::Result<Partition<FileDevice>> {
    let invalid = |e: blockdev::DeviceError| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
    };
    let (path, offset) = match (name, size) {
        (Name::Whole(path), Some(_)) => (path, 0),
        (Name::At(path, offset), Some(_)) => (path, *offset),
        (_, None) => return open_named(text, true)?.into_device(),
        (Name::Partition(..), Some(size)) => {
            let opened = open_named(text, true)?;
            let length = opened.length;
            if size > length {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("size larger than the partition ({length} bytes)"),
                ));
            }
            let offset = opened.offset;
            return Partition::new(FileDevice::new(opened.file)?, offset, Some(size))
                .map_err(invalid);
        }
    };
    let size = size.unwrap_or_default();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    let end = offset.saturating_add(size);
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() < end {
        file.set_len(end)?;
    }
    Partition::new(FileDevice::new(file)?, offset, Some(size)).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::parse_uuid;

    #[test]
    fn uuids() {
        let u = parse_uuid("01234567-89ab-cdef-0123-456789ABCDEF").unwrap();
        assert_eq!(u[0], 0x01);
        assert_eq!(u[15], 0xef);
        assert!(parse_uuid("0123").is_none());
        assert!(parse_uuid("zz234567-89ab-cdef-0123-456789abcdef").is_none());
    }
}
