//! `stat`: show file status, in GNU's layout or a `-c` format.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use crate::r#ls::ids::Ids;
use crate::r#ls::modes;
use std::fs::Metadata;
use std::io::{BufWriter, Write};
use std::os::unix::fs::MetadataExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["stat"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: stat [-L] [-c format] file ...";

const DEFAULT: &str = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n\
Device: %Hd,%Ld\tInode: %-11i Links: %h\n\
Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n\
Access: %x\nModify: %y\nChange: %z\n Birth: -";

const DEFAULT_DEVICE: &str = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n\
Device: %Hd,%Ld\tInode: %-11i Links: %-5h Device type: %Hr,%Lr\n\
Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n\
Access: %x\nModify: %y\nChange: %z\n Birth: -";

fn main(args: &[String]) -> i32 {
    let mut follow = false;
    let mut format = None;
    let mut g = Getopt::new(args, "Lc:");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('L', _))) => follow = true,
            Ok(Some(Opt::Flag(_, value))) => format = value,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if g.operands().is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let mut ids = Ids::load();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut status = 0;
    for file in g.operands() {
        let meta = if follow {
            std::fs::metadata(file)
        } else {
            std::fs::symlink_metadata(file)
        };
        match meta {
            Ok(meta) => {
                let device = matches!(meta.mode() & libc::S_IFMT, libc::S_IFCHR | libc::S_IFBLK);
                let chosen = match &format {
                    Some(f) => f.as_str(),
                    None if device => DEFAULT_DEVICE,
                    None => DEFAULT,
                };
                let text = expand(chosen, file, &meta, &mut ids, format.is_none());
                if writeln!(out, "{text}").is_err() {
                    return status;
                }
            }
            Err(e) => {
                let _ = out.flush();
                warn_io(args, file, &e);
                status = 1;
            }
        }
    }
    let _ = out.flush();
    status
}

/// GNU's names of file types, as `%F` shows them.
pub fn type_name(meta: &Metadata) -> &'static str {
    match meta.mode() & libc::S_IFMT {
        libc::S_IFREG if meta.len() == 0 => "regular empty file",
        libc::S_IFREG => "regular file",
        libc::S_IFDIR => "directory",
        libc::S_IFLNK => "symbolic link",
        libc::S_IFCHR => "character special file",
        libc::S_IFBLK => "block special file",
        libc::S_IFIFO => "fifo",
        libc::S_IFSOCK => "socket",
        _ => "weird file",
    }
}

/// A name quoted as GNU's `%N` does it.
fn quote(name: &str) -> String {
    if name.contains('\'') {
        format!("\"{name}\"")
    } else {
        format!("'{name}'")
    }
}

/// Expands the `%` directives of `format` for one file; `plain_name` shows
/// `%N` unquoted, as the default layout does.
fn expand(format: &str, name: &str, meta: &Metadata, ids: &mut Ids, plain_name: bool) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Flags and width, as printf's: %-10s, %04a, %10.10A.
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || d == '-' || d == '.' {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let Some(mut directive) = chars.next() else {
            out.push('%');
            out.push_str(&spec);
            break;
        };
        // %Hd %Ld %Hr %Lr: the major or minor half of a device number.
        let mut half = None;
        if matches!(directive, 'H' | 'L') && matches!(chars.peek(), Some('d' | 'r')) {
            half = Some(directive);
            directive = chars.next().unwrap_or('d');
        }
        let value = match directive {
            '%' => "%".to_string(),
            'n' => name.to_string(),
            'N' => {
                let shown = if plain_name {
                    name.to_string()
                } else {
                    quote(name)
                };
                match std::fs::read_link(name) {
                    Ok(target) if meta.file_type().is_symlink() => {
                        let target = target.to_string_lossy();
                        if plain_name {
                            format!("{shown} -> {target}")
                        } else {
                            format!("{shown} -> {}", quote(&target))
                        }
                    }
                    _ => shown,
                }
            }
            's' => meta.len().to_string(),
            'b' => meta.blocks().to_string(),
            'B' => "512".to_string(),
            'o' => meta.blksize().to_string(),
            'a' => format!("{:o}", meta.mode() & 0o7777),
            'A' => modes::mode_string(meta.mode()),
            'f' => format!("{:x}", meta.mode()),
            'F' => type_name(meta).to_string(),
            'u' => meta.uid().to_string(),
            'U' => ids.user_name(meta.uid()),
            'g' => meta.gid().to_string(),
            'G' => ids.group_name(meta.gid()),
            'i' => meta.ino().to_string(),
            'h' => meta.nlink().to_string(),
            'd' | 'r' => {
                let number = if directive == 'd' {
                    meta.dev()
                } else {
                    meta.rdev()
                };
                let (major, minor) = modes::major_minor(number);
                match half {
                    Some('H') => major.to_string(),
                    Some(_) => minor.to_string(),
                    None => number.to_string(),
                }
            }
            'D' => format!("{:x}", meta.dev()),
            't' => format!("{:x}", modes::major_minor(meta.rdev()).0),
            'T' => format!("{:x}", modes::major_minor(meta.rdev()).1),
            'X' => meta.atime().to_string(),
            'Y' => meta.mtime().to_string(),
            'Z' => meta.ctime().to_string(),
            'x' => modes::full_date(meta.atime(), meta.atime_nsec()),
            'y' => modes::full_date(meta.mtime(), meta.mtime_nsec()),
            'z' => modes::full_date(meta.ctime(), meta.ctime_nsec()),
            'w' => "-".to_string(),
            'W' => "0".to_string(),
            other => format!("?{other}"),
        };
        out.push_str(&pad(&spec, &value));
    }
    out
}

/// Applies a printf-style `[-][0][width][.precision]` to a value.
fn pad(spec: &str, value: &str) -> String {
    if spec.is_empty() {
        return value.to_string();
    }
    let left = spec.starts_with('-');
    let spec = spec.trim_start_matches('-');
    let zero = spec.starts_with('0');
    let (width, precision) = match spec.split_once('.') {
        Some((w, p)) => (w, p.parse::<usize>().ok()),
        None => (spec, None),
    };
    let width: usize = width.parse().unwrap_or(0);
    let value: String = match precision {
        Some(p) => value.chars().take(p).collect(),
        None => value.to_string(),
    };
    let fill = width.saturating_sub(value.chars().count());
    if left {
        value + &" ".repeat(fill)
    } else if zero {
        "0".repeat(fill) + &value
    } else {
        " ".repeat(fill) + &value
    }
}
