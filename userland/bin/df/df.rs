//! `df`: show free space of mounted file systems, from /proc/mounts and
//! statfs(2).

use crate::common::{Getopt, Opt, usage_error, warn_io};
use crate::r#ls::modes::human;
use std::ffi::CString;
use std::io::{BufWriter, Write};
use std::os::unix::fs::MetadataExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["df"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: df [-ahikT] [file ...]";

/// One line of /proc/mounts.
#[derive(Debug, Clone, PartialEq)]
pub struct MountEntry {
    pub source: String,
    pub dir: String,
    pub fstype: String,
    pub options: String,
}

/// Undoes the `\040` octal escapes of mount tables.
pub fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let value = bytes[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
            out.push(value as u8);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a mount table (/proc/mounts, or /etc/fstab's first four fields).
pub fn parse_mounts(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some(MountEntry {
                source: unescape(f.next()?),
                dir: unescape(f.next()?),
                fstype: f.next()?.to_string(),
                options: f.next().unwrap_or("defaults").to_string(),
            })
        })
        .collect()
}

pub fn mounts() -> std::io::Result<Vec<MountEntry>> {
    Ok(parse_mounts(&std::fs::read_to_string("/proc/mounts")?))
}

fn statfs(path: &str) -> std::io::Result<libc::statfs> {
    let c = CString::new(path).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: statfs is plain old data; zeroed is a valid value.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is NUL-terminated; statfs(2) fills the live local.
    if unsafe { libc::statfs(c.as_ptr(), &mut s) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(s)
}

#[derive(Clone, Copy, PartialEq)]
enum Units {
    Kilobytes,
    Human,
    Inodes,
}

fn main(args: &[String]) -> i32 {
    let mut units = Units::Kilobytes;
    let mut all = false;
    let mut show_type = false;
    let mut g = Getopt::new(args, "ahikT");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'a' => all = true,
                'h' => units = Units::Human,
                'i' => units = Units::Inodes,
                'k' => units = Units::Kilobytes,
                _ => show_type = true,
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let table = match mounts() {
        Ok(table) => table,
        Err(e) => {
            warn_io(args, "/proc/mounts", &e);
            return 1;
        }
    };
    let mut status = 0;
    let mut chosen = Vec::new();
    if g.operands().is_empty() {
        chosen.extend(table.iter().cloned());
    }
    for file in g.operands() {
        let dev = match std::fs::metadata(file) {
            Ok(m) => m.dev(),
            Err(e) => {
                warn_io(args, file, &e);
                status = 1;
                continue;
            }
        };
        // The last mount on that device is the one that is visible.
        match table
            .iter()
            .rev()
            .find(|m| std::fs::metadata(&m.dir).is_ok_and(|d| d.dev() == dev))
        {
            Some(m) => chosen.push(m.clone()),
            None => {
                warn_io(args, file, &std::io::Error::from_raw_os_error(libc::ENOENT));
                status = 1;
            }
        }
    }
    let headers: [&str; 4] = match units {
        Units::Kilobytes => ["1K-blocks", "Used", "Available", "Use%"],
        Units::Human => ["Size", "Used", "Avail", "Use%"],
        Units::Inodes => ["Inodes", "IUsed", "IFree", "IUse%"],
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let explicit = !g.operands().is_empty();
    for m in &chosen {
        let Ok(s) = statfs(&m.dir) else {
            continue;
        };
        if !all && !explicit && s.f_blocks == 0 {
            continue;
        }
        // Counts are in fragments; a kernel that leaves f_frsize 0 means blocks.
        let unit = if s.f_frsize > 0 {
            s.f_frsize
        } else {
            s.f_bsize
        } as u64;
        let (total, used, avail) = match units {
            Units::Inodes => (s.f_files, s.f_files.saturating_sub(s.f_ffree), s.f_ffree),
            _ => (
                s.f_blocks * unit,
                s.f_blocks.saturating_sub(s.f_bfree) * unit,
                s.f_bavail * unit,
            ),
        };
        let show = |n: u64| match units {
            Units::Kilobytes => n.div_ceil(1024).to_string(),
            Units::Human => human(n),
            Units::Inodes => n.to_string(),
        };
        let percent = if used + avail == 0 {
            "-".to_string()
        } else {
            format!("{}%", (used * 100).div_ceil(used + avail))
        };
        let mut row = vec![m.source.clone()];
        if show_type {
            row.push(m.fstype.clone());
        }
        row.extend([show(total), show(used), show(avail), percent, m.dir.clone()]);
        rows.push(row);
    }
    let mut header = vec!["Filesystem"];
    if show_type {
        header.push("Type");
    }
    header.extend(headers);
    header.push("Mounted on");
    let header: Vec<String> = header.into_iter().map(str::to_string).collect();
    let columns = header.len();
    // GNU's minimum widths, so the columns line up as people know them.
    let number_column = |i: usize| i > usize::from(show_type) && i < columns - 2;
    let min_width = |i: usize| match i {
        0 => 14,
        _ if units == Units::Human && number_column(i) => 5,
        _ => 0,
    };
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            std::iter::once(&header)
                .chain(rows.iter())
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(min_width(i))
        })
        .collect();
    let left_aligned = |i: usize| i == 0 || i == columns - 1 || (show_type && i == 1);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for row in std::iter::once(&header).chain(rows.iter()) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let w = widths[i];
                if i == columns - 1 {
                    cell.clone()
                } else if left_aligned(i) {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        if writeln!(out, "{}", cells.join(" ")).is_err() {
            return status;
        }
    }
    let _ = out.flush();
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_table() {
        let table =
            parse_mounts("# c\nproc /proc proc rw,nosuid 0 0\n/dev/a /mnt\\040x tmpfs rw 0 0\n");
        assert_eq!(table.len(), 2);
        assert_eq!(table[1].dir, "/mnt x");
        assert_eq!(table[0].options, "rw,nosuid");
    }
}
