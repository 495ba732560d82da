//! Labels as text: what `disklabel64 DEV` and `disklabel32 DEV` print, and
//! the prototype files `-R` and `-e` read back, in the layout of DragonFly's
//! disklabel64(8) and disklabel(8). `#` starts a comment.
//!
//! disklabel64: sizes and offsets count `display block size` bytes (the
//! alignment, at most 1024), offsets from `partitions data base`; a size may
//! carry a `K`, `M`, `G` or `T` suffix (bytes then), and `*` as a size takes
//! the rest of the data area, `*` as an offset follows the previous
//! partition.
//! disklabel32: sizes and offsets count 512-byte sectors, offsets from the
//! start of the disk, as on disk; `*` works the same way.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt::Write as _;

use crate::label32::{Label32, Partition32};
use crate::label64::{Label64, Partition64, format_uuid, parse_uuid};
use crate::{fstype, partition_index, partition_letter};

fn fstype_name(code: u8) -> String {
    fstype::name(code).map_or_else(|| code.to_string(), String::from)
}

/// The unit sizes and offsets of a disklabel64 are printed in: its
/// alignment, at most 1024 (DragonFly's `display block size`).
pub fn display_block(label: &Label64) -> u64 {
    u64::from(label.align).clamp(1, 1024)
}

/// Prints a disklabel64 line for line as DragonFly's disklabel64(8)
/// `display()` does.
pub fn print64(label: &Label64, device: &str) -> String {
    let mut s = String::new();
    let mib = |bytes: u64| bytes as f64 / 1024.0 / 1024.0;
    let block = display_block(label);
    let align = u64::from(label.align).max(1);
    let data = label.pstop.saturating_sub(label.pbase);
    let _ = writeln!(s, "# {device}:\n#");
    let _ = writeln!(s, "# Informational fields calculated from the above");
    let _ = writeln!(s, "# All byte equivalent offsets must be aligned\n#");
    let _ = writeln!(
        s,
        "# boot space: {:>10} bytes",
        label.pbase.saturating_sub(label.bbase)
    );
    let _ = writeln!(
        s,
        "# data space: {:>10} blocks\t# {:>6.2} MB ({data} bytes)\n#",
        data / block,
        mib(data)
    );
    let _ = writeln!(s, "# NOTE: If the partition data base looks odd it may be");
    let _ = writeln!(s, "#       physically aligned instead of slice-aligned\n#");
    let _ = writeln!(s, "diskid: {}", format_uuid(&label.storage_uuid));
    let _ = writeln!(s, "label: {}", label.packname);
    let _ = writeln!(s, "boot2 data base:      0x{:012x}", label.bbase);
    let _ = writeln!(s, "partitions data base: 0x{:012x}", label.pbase);
    let _ = writeln!(s, "partitions data stop: 0x{:012x}", label.pstop);
    let _ = writeln!(s, "backup label:         0x{:012x}", label.abase);
    let _ = writeln!(
        s,
        "total size:           0x{:012x}\t# {:>6.2} MB",
        label.total_size,
        mib(label.total_size)
    );
    let _ = writeln!(s, "alignment: {}", label.align);
    let _ = writeln!(
        s,
        "display block size: {block}\t# for partition display only\n"
    );
    let _ = writeln!(s, "{} partitions:", label.partitions.len());
    let _ = writeln!(s, "#          size     offset    fstype   fsuuid");
    let used = || {
        label
            .partitions
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_used())
            .map(|(i, p)| (partition_letter(i).unwrap_or('?'), p))
    };
    for (letter, p) in used() {
        let _ = write!(s, "  {letter}: ");
        if !p.size.is_multiple_of(align) {
            let _ = write!(s, "{:>10}  ", "ILLEGAL");
        } else {
            let _ = write!(s, "{:>10} ", p.size / block);
        }
        let offset = p.offset.wrapping_sub(label.pbase);
        if !offset.is_multiple_of(align) {
            let _ = write!(s, "{:>10}  ", "ILLEGAL");
        } else {
            let _ = write!(s, "{:>10}  ", offset / block);
        }
        let kind = fstype_name(p.fstype);
        let _ = writeln!(s, "{:>8.8}\t# {:>11.3}MB", kind, mib(p.size));
    }
    if label.storage_uuid != [0; 16] {
        for (letter, p) in used() {
            let _ = writeln!(s, "  {letter}-stor_uuid: {}", format_uuid(&p.storage_uuid));
        }
    }
    if used().next().is_none() {
        let _ = writeln!(s, "# EXAMPLE");
        let _ = writeln!(s, "#a:          4g          0    4.2BSD");
        let _ = writeln!(s, "#a:          *           *    4.2BSD");
    }
    s
}

/// Prints a disklabel32 the way disklabel(8) does.
pub fn print32(label: &Label32, device: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {device}:");
    let _ = writeln!(s, "type: {}", label.dtype);
    let _ = writeln!(s, "disk: {}", label.typename);
    let _ = writeln!(s, "label: {}", label.packname);
    let _ = writeln!(s, "flags: {}", label.flags);
    let _ = writeln!(s, "bytes/sector: {}", label.secsize);
    let _ = writeln!(s, "sectors/track: {}", label.nsectors);
    let _ = writeln!(s, "tracks/cylinder: {}", label.ntracks);
    let _ = writeln!(s, "sectors/cylinder: {}", label.secpercyl);
    let _ = writeln!(s, "cylinders: {}", label.ncylinders);
    let _ = writeln!(s, "sectors/unit: {}", label.secperunit);
    let _ = writeln!(s, "rpm: {}", label.rpm);
    let _ = writeln!(s, "interleave: {}", label.interleave);
    let _ = writeln!(s, "boot block size: {}", label.bbsize);
    let _ = writeln!(s, "superblock size: {}\n", label.sbsize);
    let _ = writeln!(s, "{} partitions:", label.partitions.len());
    let _ = writeln!(
        s,
        "#          size     offset    fstype   [fsize bsize bps/cpg]"
    );
    for (i, p) in label.partitions.iter().enumerate() {
        if p.size == 0 {
            continue;
        }
        let letter = partition_letter(i).unwrap_or('?');
        let _ = write!(
            s,
            "  {letter}: {:>10} {:>10} {:>9} {:>6} {:>5} {:>5}",
            p.size,
            p.offset,
            fstype_name(p.fstype),
            p.fsize,
            u64::from(p.fsize) * u64::from(p.frag),
            p.cpg
        );
        if i == crate::label32::RAW_PARTITION {
            s.push_str("\t# \"raw\" part, don't edit");
        }
        s.push('\n');
    }
    s
}

/// A prototype line that does not parse, with its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub line: usize,
    pub message: String,
}

impl core::fmt::Display for TextError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A size: `*`, a number of `unit`-byte blocks, or bytes with K/M/G.
fn parse_amount(text: &str, unit: u64) -> Option<Option<u64>> {
    if text == "*" {
        return Some(None);
    }
    let (digits, scale) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 1 << 10),
        b'm' | b'M' => (&text[..text.len() - 1], 1 << 20),
        b'g' | b'G' => (&text[..text.len() - 1], 1 << 30),
        b't' | b'T' => (&text[..text.len() - 1], 1 << 40),
        _ => (text, unit),
    };
    let n: u64 = digits.parse().ok()?;
    Some(Some(n.checked_mul(scale)?))
}

fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// One line split into its key and the rest, comments removed.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    text.lines().enumerate().filter_map(|(n, line)| {
        let line = line.split('#').next().unwrap_or("").trim();
        let (key, value) = line.split_once(':')?;
        Some((n + 1, key.trim(), value.trim()))
    })
}

/// A partition line's letter, or None for a header key.
fn partition_key(key: &str) -> Option<usize> {
    let mut chars = key.chars();
    let letter = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    partition_index(letter)
}

/// One partition line: line number, index, size, offset (`None` for `*`), fstype.
type Row = (usize, usize, Option<u64>, Option<u64>, u8);

/// Reads a disklabel64 prototype over `base` (the label on disk or the
/// default one): header lines present replace its fields, and the
/// partitions listed replace all of its partitions.
pub fn parse64(text: &str, base: &Label64) -> Result<Label64, TextError> {
    let mut label = base.clone();
    let err = |line, message: &str| TextError {
        line,
        message: message.to_string(),
    };
    let mut rows: alloc::vec::Vec<Row> = alloc::vec::Vec::new();
    let mut stor: alloc::vec::Vec<(usize, usize, [u8; 16])> = alloc::vec::Vec::new();
    let mut count = label.partitions.len();
    let mut block = display_block(&label);
    for (n, key, value) in lines(text) {
        let number = || parse_number(value).ok_or_else(|| err(n, "bad number"));
        match key {
            "diskid" => label.storage_uuid = parse_uuid(value).ok_or_else(|| err(n, "bad UUID"))?,
            "label" => label.packname = value.to_string(),
            "boot2 data base" => label.bbase = number()?,
            "partitions data base" => label.pbase = number()?,
            "partitions data stop" => label.pstop = number()?,
            "backup label" => label.abase = number()?,
            "total size" => label.total_size = number()?,
            "alignment" => {
                label.align = u32::try_from(number()?).map_err(|_| err(n, "bad alignment"))?
            }
            "display block size" => {
                block = Some(number()?)
                    .filter(|&b| b > 0 && b % 512 == 0 && b <= 1 << 20)
                    .ok_or_else(|| err(n, "bad display block size"))?;
            }
            _ if key.ends_with(" partitions") || key == "partitions" => {
                count = key
                    .split_whitespace()
                    .next()
                    .and_then(|c| c.parse().ok())
                    .filter(|&c| c <= crate::label64::MAX_PARTITIONS)
                    .ok_or_else(|| err(n, "bad partition count"))?;
            }
            _ if key.len() == 11 && key.ends_with("-stor_uuid") => {
                let index =
                    partition_key(&key[..1]).ok_or_else(|| err(n, "bad partition letter"))?;
                stor.push((
                    n,
                    index,
                    parse_uuid(value).ok_or_else(|| err(n, "bad UUID"))?,
                ));
            }
            _ => {
                let index =
                    partition_key(key).ok_or_else(|| err(n, &format!("unknown field '{key}'")))?;
                let fields: alloc::vec::Vec<&str> = value.split_whitespace().collect();
                let [size, offset, kind, ..] = fields[..] else {
                    return Err(err(n, "expected: size offset fstype"));
                };
                let size = parse_amount(size, block).ok_or_else(|| err(n, "bad size"))?;
                let offset = match offset {
                    "*" => None,
                    _ => Some(
                        offset
                            .parse::<u64>()
                            .ok()
                            .and_then(|o| o.checked_mul(block))
                            .ok_or_else(|| err(n, "bad offset"))?,
                    ),
                };
                let kind = fstype::parse(kind).ok_or_else(|| err(n, "unknown fstype"))?;
                rows.push((n, index, size, offset, kind));
            }
        }
    }
    let old = core::mem::take(&mut label.partitions);
    label.partitions = alloc::vec![Partition64::default(); count];
    let mut next = label.pbase;
    for &(n, index, size, offset, kind) in &rows {
        if index >= count {
            return Err(err(n, "partition letter beyond the partition count"));
        }
        let offset = match offset {
            Some(o) => label
                .pbase
                .checked_add(o)
                .ok_or_else(|| err(n, "bad offset"))?,
            None => next,
        };
        let size = match size {
            Some(s) => s,
            None => label
                .pstop
                .checked_sub(offset)
                .ok_or_else(|| err(n, "no room left"))?,
        };
        let storage_uuid = old.get(index).map_or([0; 16], |p| p.storage_uuid);
        let type_uuid = match old.get(index) {
            Some(p) if p.fstype == kind && p.type_uuid != [0; 16] => p.type_uuid,
            _ => Label64::type_uuid_for(kind),
        };
        label.partitions[index] = Partition64 {
            offset,
            size,
            fstype: kind,
            type_uuid,
            storage_uuid,
        };
        next = offset.saturating_add(size);
    }
    for (n, index, uuid) in stor {
        label
            .partitions
            .get_mut(index)
            .ok_or_else(|| err(n, "partition letter beyond the partition count"))?
            .storage_uuid = uuid;
    }
    Ok(label)
}

/// Reads a disklabel32 prototype over `base`, like [`parse64`].
pub fn parse32(text: &str, base: &Label32) -> Result<Label32, TextError> {
    let mut label = base.clone();
    let err = |line, message: &str| TextError {
        line,
        message: message.to_string(),
    };
    let slice_start = base
        .partitions
        .get(crate::label32::RAW_PARTITION)
        .map_or(0, |c| c.offset);
    let slice_end = u64::from(slice_start) + u64::from(base.secperunit);
    let mut rows = alloc::vec::Vec::new();
    let mut count = label.partitions.len();
    for (n, key, value) in lines(text) {
        let number = || {
            parse_number(value)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| err(n, "bad number"))
        };
        match key {
            "type" => label.dtype = u16::try_from(number()?).map_err(|_| err(n, "bad type"))?,
            "disk" => label.typename = value.to_string(),
            "label" => label.packname = value.to_string(),
            "flags" => label.flags = number()?,
            "bytes/sector" => label.secsize = number()?,
            "sectors/track" => label.nsectors = number()?,
            "tracks/cylinder" => label.ntracks = number()?,
            "sectors/cylinder" => label.secpercyl = number()?,
            "cylinders" => label.ncylinders = number()?,
            "sectors/unit" => label.secperunit = number()?,
            "rpm" => label.rpm = u16::try_from(number()?).map_err(|_| err(n, "bad rpm"))?,
            "interleave" => {
                label.interleave = u16::try_from(number()?).map_err(|_| err(n, "bad interleave"))?
            }
            "boot block size" => label.bbsize = number()?,
            "superblock size" => label.sbsize = number()?,
            _ if key.ends_with(" partitions") => {
                count = key
                    .split_whitespace()
                    .next()
                    .and_then(|c| c.parse().ok())
                    .filter(|&c| c <= crate::label32::MAX_PARTITIONS)
                    .ok_or_else(|| err(n, "bad partition count"))?;
            }
            _ => {
                let index =
                    partition_key(key).ok_or_else(|| err(n, &format!("unknown field '{key}'")))?;
                let fields: alloc::vec::Vec<&str> = value.split_whitespace().collect();
                let [size, offset, kind, rest @ ..] = &fields[..] else {
                    return Err(err(n, "expected: size offset fstype [fsize bsize cpg]"));
                };
                let size = parse_amount(size, 512).ok_or_else(|| err(n, "bad size"))?;
                let offset = match *offset {
                    "*" => None,
                    _ => Some(offset.parse::<u64>().map_err(|_| err(n, "bad offset"))?),
                };
                let kind = fstype::parse(kind).ok_or_else(|| err(n, "unknown fstype"))?;
                let extra: alloc::vec::Vec<u32> =
                    rest.iter().filter_map(|f| f.parse().ok()).collect();
                rows.push((n, index, size, offset, kind, extra));
            }
        }
    }
    label.partitions = alloc::vec![Partition32::default(); count];
    let mut next = u64::from(slice_start) + u64::from(label.bbsize / 512);
    for (n, index, size, offset, kind, extra) in rows {
        if index >= count {
            return Err(err(n, "partition letter beyond the partition count"));
        }
        let offset = offset.unwrap_or(next);
        let size = match size {
            Some(bytes) if bytes % 512 != 0 => {
                return Err(err(n, "size not a whole number of sectors"));
            }
            Some(bytes) => bytes / 512,
            None => slice_end
                .checked_sub(offset)
                .ok_or_else(|| err(n, "no room left"))?,
        };
        let too_big = || err(n, "beyond 32-bit sector numbers");
        let fsize = extra.first().copied().unwrap_or(0);
        let bsize = extra.get(1).copied().unwrap_or(0);
        label.partitions[index] = Partition32 {
            size: u32::try_from(size).map_err(|_| too_big())?,
            offset: u32::try_from(offset).map_err(|_| too_big())?,
            fsize,
            fstype: kind,
            frag: bsize
                .checked_div(fsize)
                .and_then(|f| u8::try_from(f).ok())
                .unwrap_or(0),
            cpg: extra
                .get(2)
                .and_then(|&c| u16::try_from(c).ok())
                .unwrap_or(0),
        };
        if index != crate::label32::RAW_PARTITION {
            next = offset + size;
        }
    }
    Ok(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label64_prints_and_reads_back() {
        let mut l = Label64::auto(64 << 20, 1 << 20, [3; 16]).unwrap();
        let proto = "a: 16M * ext2fs\nb: 8192 * swap\nd: * * HAMMER2\n";
        l = parse64(proto, &l).unwrap();
        assert_eq!(l.partitions[0].offset, l.pbase);
        assert_eq!(l.partitions[0].size, 16 << 20);
        assert_eq!(l.partitions[1].offset, l.pbase + (16 << 20));
        assert_eq!(l.partitions[3].offset + l.partitions[3].size, l.pstop);
        l.validate(64 << 20).unwrap();
        let text = print64(&l, "disk.img:s1");
        assert_eq!(parse64(&text, &l).unwrap(), l);
        assert!(parse64("a: 10 0 nosuchfs\n", &l).is_err());
        assert_eq!(parse64("z: 10 0 ext2fs\n", &l).unwrap_err().line, 1);
    }

    #[test]
    fn label32_prints_and_reads_back() {
        let base = Label32::auto(2048, 100_000).unwrap();
        let l = parse32(
            "8 partitions:\na: 20M * ext2fs\nc: 100000 2048 unused\n",
            &base,
        )
        .unwrap();
        assert_eq!(l.partitions[0].offset, 2048 + 16);
        assert_eq!(l.partitions.len(), 8);
        l.validate(2048, 100_000).unwrap();
        assert_eq!(parse32(&print32(&l, "d"), &l).unwrap(), l);
    }
}
