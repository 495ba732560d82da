//! `ls`: list directory contents.

pub mod ids;
pub mod modes;

use crate::common::{Getopt, Opt, usage_error, warn_io};
use ids::Ids;
use std::fs::Metadata;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::os::unix::fs::MetadataExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["ls"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: ls [-1AaCcdFhilnpRrSstu] [file ...]";

#[derive(Clone, Copy, PartialEq)]
enum Format {
    OnePerLine,
    Columns,
    Long,
}

#[derive(Clone, Copy, PartialEq)]
enum Sort {
    Name,
    Time,
    Size,
}

#[derive(Clone, Copy, PartialEq)]
enum Stamp {
    Modify,
    Change,
    Access,
}

struct Options {
    format: Format,
    all: bool,
    almost_all: bool,
    numeric: bool,
    dir_only: bool,
    classify: bool,
    slash: bool,
    human: bool,
    inode: bool,
    recursive: bool,
    reverse: bool,
    blocks: bool,
    sort: Sort,
    stamp: Stamp,
    width: usize,
}

/// One name to show, with what lstat (or stat, for followed operands) found.
struct Entry {
    name: String,
    path: String,
    meta: Metadata,
}

fn main(args: &[String]) -> i32 {
    let mut o = Options {
        format: if io::stdout().is_terminal() {
            Format::Columns
        } else {
            Format::OnePerLine
        },
        all: false,
        almost_all: false,
        numeric: false,
        dir_only: false,
        classify: false,
        slash: false,
        human: false,
        inode: false,
        recursive: false,
        reverse: false,
        blocks: false,
        sort: Sort::Name,
        stamp: Stamp::Modify,
        width: terminal_width(),
    };
    // Scripts written for GNU ls pass --color; there is no color to turn off.
    let args: Vec<String> = args
        .iter()
        .filter(|a| {
            !matches!(
                a.as_str(),
                "--color=never" | "--color=none" | "--color=auto"
            )
        })
        .cloned()
        .collect();
    let args = args.as_slice();
    let mut g = Getopt::new(args, "1AaCcdFhilnpRrSstu");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                '1' => o.format = Format::OnePerLine,
                'C' => o.format = Format::Columns,
                'l' => o.format = Format::Long,
                'n' => {
                    o.format = Format::Long;
                    o.numeric = true;
                }
                'a' => o.all = true,
                'A' => o.almost_all = true,
                'd' => o.dir_only = true,
                'F' => o.classify = true,
                'p' => o.slash = true,
                'h' => o.human = true,
                'i' => o.inode = true,
                'R' => o.recursive = true,
                'r' => o.reverse = true,
                's' => o.blocks = true,
                't' => o.sort = Sort::Time,
                'S' => o.sort = Sort::Size,
                'c' => o.stamp = Stamp::Change,
                'u' => o.stamp = Stamp::Access,
                _ => unreachable!("getopt only returns letters of the spec"),
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    // As in GNU and BSD ls: -c and -u sort by their time unless -l shows it.
    if o.stamp != Stamp::Modify && o.format != Format::Long && o.sort == Sort::Name {
        o.sort = Sort::Time;
    }
    let operands: Vec<String> = match g.operands() {
        [] => vec![".".to_string()],
        list => list.to_vec(),
    };
    let mut lister = Lister {
        args,
        o,
        ids: Ids::load(),
        now: modes::now(),
        status: 0,
    };
    match lister.run(&operands) {
        Ok(()) => lister.status,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => lister.status,
        Err(e) => {
            warn_io(args, "stdout", &e);
            1
        }
    }
}

/// The output width for `-C`: $COLUMNS, else the terminal's, else 80.
fn terminal_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return n;
    }
    // SAFETY: winsize is plain old data; zeroed is a valid value.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into the live local it is given.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        size.ws_col as usize
    } else {
        80
    }
}

struct Lister<'a> {
    args: &'a [String],
    o: Options,
    ids: Ids,
    now: i64,
    status: i32,
}

impl Lister<'_> {
    fn run(&mut self, operands: &[String]) -> io::Result<()> {
        let follow = !(self.o.format == Format::Long || self.o.dir_only || self.o.classify);
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for name in operands {
            let meta = if follow {
                std::fs::metadata(name).or_else(|_| std::fs::symlink_metadata(name))
            } else {
                std::fs::symlink_metadata(name)
            };
            match meta {
                Ok(meta) => {
                    let entry = Entry {
                        name: name.clone(),
                        path: name.clone(),
                        meta,
                    };
                    if entry.meta.is_dir() && !self.o.dir_only {
                        dirs.push(entry);
                    } else {
                        files.push(entry);
                    }
                }
                Err(e) => {
                    warn_io(self.args, name, &e);
                    self.status = 1;
                }
            }
        }
        let mut out = BufWriter::new(io::stdout().lock());
        self.sort(&mut files);
        self.sort(&mut dirs);
        let headings = operands.len() > 1 || self.o.recursive;
        if !files.is_empty() {
            // GNU sizes the columns of the file operands to fit the directory
            // operands too, though those are listed later.
            self.print_batch(&mut out, &files, &dirs, false)?;
        }
        let mut first = files.is_empty();
        for dir in &dirs {
            self.list_dir(&mut out, &dir.path, headings, &mut first)?;
        }
        out.flush()
    }

    fn list_dir(
        &mut self,
        out: &mut impl Write,
        path: &str,
        heading: bool,
        first: &mut bool,
    ) -> io::Result<()> {
        let mut entries = Vec::new();
        let read = match std::fs::read_dir(path) {
            Ok(read) => read,
            Err(e) => {
                out.flush()?;
                warn_io(self.args, path, &e);
                self.status = 1;
                return Ok(());
            }
        };
        if self.o.all {
            for dot in [".", ".."] {
                if let Ok(meta) = std::fs::symlink_metadata(join(path, dot)) {
                    entries.push(Entry {
                        name: dot.to_string(),
                        path: join(path, dot),
                        meta,
                    });
                }
            }
        }
        for item in read {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    warn_io(self.args, path, &e);
                    self.status = 1;
                    continue;
                }
            };
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && !self.o.all && !self.o.almost_all {
                continue;
            }
            let full = join(path, &name);
            match std::fs::symlink_metadata(&full) {
                Ok(meta) => entries.push(Entry {
                    name,
                    path: full,
                    meta,
                }),
                Err(e) => {
                    warn_io(self.args, &full, &e);
                    self.status = 1;
                }
            }
        }
        self.sort(&mut entries);
        if heading {
            if !*first {
                writeln!(out)?;
            }
            writeln!(out, "{path}:")?;
        }
        *first = false;
        self.print_batch(out, &entries, &[], true)?;
        if self.o.recursive {
            for entry in &entries {
                if entry.meta.is_dir() && entry.name != "." && entry.name != ".." {
                    self.list_dir(out, &entry.path, true, first)?;
                }
            }
        }
        Ok(())
    }

    fn sort(&self, entries: &mut [Entry]) {
        let stamp = self.o.stamp;
        match self.o.sort {
            Sort::Name => entries.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes())),
            Sort::Time => entries.sort_by(|a, b| {
                time_of(&b.meta, stamp)
                    .cmp(&time_of(&a.meta, stamp))
                    .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
            }),
            Sort::Size => entries.sort_by(|a, b| {
                b.meta
                    .len()
                    .cmp(&a.meta.len())
                    .then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
            }),
        }
        if self.o.reverse {
            entries.reverse();
        }
    }

    /// The `-F`/`-p` mark after a name.
    fn indicator(&self, meta: &Metadata) -> &'static str {
        let mode = meta.mode();
        if self.o.classify {
            match mode & libc::S_IFMT {
                libc::S_IFDIR => "/",
                libc::S_IFLNK if self.o.format != Format::Long => "@",
                libc::S_IFIFO => "|",
                libc::S_IFSOCK => "=",
                libc::S_IFREG if mode & 0o111 != 0 => "*",
                _ => "",
            }
        } else if self.o.slash && meta.is_dir() {
            "/"
        } else {
            ""
        }
    }

    fn size_blocks(&self, meta: &Metadata) -> String {
        if self.o.human {
            modes::human(meta.blocks() * 512)
        } else {
            meta.blocks().div_ceil(2).to_string()
        }
    }

    /// Prints `entries`, with columns wide enough for `measured_too` as well.
    fn print_batch(
        &mut self,
        out: &mut impl Write,
        entries: &[Entry],
        measured_too: &[Entry],
        total: bool,
    ) -> io::Result<()> {
        if total && (self.o.format == Format::Long || self.o.blocks) {
            let blocks: u64 = entries.iter().map(|e| e.meta.blocks()).sum();
            if self.o.human {
                writeln!(out, "total {}", modes::human(blocks * 512))?;
            } else {
                writeln!(out, "total {}", blocks.div_ceil(2))?;
            }
        }
        if self.o.format == Format::Long {
            return self.print_long(out, entries, measured_too);
        }
        let measured = || entries.iter().chain(measured_too);
        let inode_width = width(measured().map(|e| e.meta.ino().to_string()));
        let block_width = width(measured().map(|e| self.size_blocks(&e.meta)));
        let cells: Vec<String> = entries
            .iter()
            .map(|e| {
                let mut cell = String::new();
                if self.o.inode {
                    cell += &format!("{:>inode_width$} ", e.meta.ino());
                }
                if self.o.blocks {
                    cell += &format!("{:>block_width$} ", self.size_blocks(&e.meta));
                }
                cell + &e.name + self.indicator(&e.meta)
            })
            .collect();
        if self.o.format == Format::Columns {
            print_columns(out, &cells, self.o.width)
        } else {
            for cell in cells {
                writeln!(out, "{cell}")?;
            }
            Ok(())
        }
    }

    fn print_long(
        &mut self,
        out: &mut impl Write,
        entries: &[Entry],
        measured_too: &[Entry],
    ) -> io::Result<()> {
        struct Row {
            prefix: String,
            mode: String,
            links: String,
            owner: String,
            uid: u32,
            group: String,
            gid: u32,
            size: Size,
            date: String,
            name: String,
        }
        enum Size {
            Bytes(String),
            Device(String, String),
        }
        let measured = || entries.iter().chain(measured_too);
        let inode_width = width(measured().map(|e| e.meta.ino().to_string()));
        let block_width = width(measured().map(|e| self.size_blocks(&e.meta)));
        let mut rows = Vec::new();
        for e in measured() {
            let m = &e.meta;
            let mut prefix = String::new();
            if self.o.inode {
                prefix += &format!("{:>inode_width$} ", m.ino());
            }
            if self.o.blocks {
                prefix += &format!("{:>block_width$} ", self.size_blocks(m));
            }
            let kind = m.mode() & libc::S_IFMT;
            let size = if kind == libc::S_IFCHR || kind == libc::S_IFBLK {
                let (major, minor) = modes::major_minor(m.rdev());
                Size::Device(major.to_string(), minor.to_string())
            } else if self.o.human {
                Size::Bytes(modes::human(m.len()))
            } else {
                Size::Bytes(m.len().to_string())
            };
            let mut name = e.name.clone() + self.indicator(m);
            if m.file_type().is_symlink()
                && let Ok(target) = std::fs::read_link(&e.path)
            {
                name += " -> ";
                name += &target.to_string_lossy();
                // GNU marks the target too: `dirlink -> dir/`.
                if let Ok(target_meta) = std::fs::metadata(&e.path) {
                    name += self.indicator(&target_meta);
                }
            }
            rows.push(Row {
                prefix,
                mode: modes::mode_string(m.mode()),
                links: m.nlink().to_string(),
                owner: if self.o.numeric {
                    m.uid().to_string()
                } else {
                    self.ids.user_name(m.uid())
                },
                uid: m.uid(),
                group: if self.o.numeric {
                    m.gid().to_string()
                } else {
                    self.ids.group_name(m.gid())
                },
                gid: m.gid(),
                size,
                date: modes::ls_date(time_of(m, self.o.stamp).0, self.now),
                name,
            });
        }
        let links_w = width(rows.iter().map(|r| r.links.clone()));
        let owner_w = width(rows.iter().map(|r| r.owner.clone()));
        let group_w = width(rows.iter().map(|r| r.group.clone()));
        let (mut major_w, mut minor_w, mut bytes_w) = (0, 0, 0);
        for r in &rows {
            match &r.size {
                Size::Bytes(b) => bytes_w = bytes_w.max(b.len()),
                Size::Device(major, minor) => {
                    major_w = major_w.max(major.len());
                    minor_w = minor_w.max(minor.len());
                }
            }
        }
        let size_w = if major_w > 0 {
            bytes_w.max(major_w + 2 + minor_w)
        } else {
            bytes_w
        };
        for r in rows.into_iter().take(entries.len()) {
            let size = match r.size {
                Size::Bytes(b) => format!("{b:>size_w$}"),
                Size::Device(major, minor) => {
                    let major_pad = size_w - 2 - minor_w;
                    format!("{major:>major_pad$}, {minor:>minor_w$}")
                }
            };
            // Names line up on the left, numbers (-n, or ids without a name) on the right.
            let align = |text: &str, id: u32, w: usize| {
                if text == id.to_string() {
                    format!("{text:>w$}")
                } else {
                    format!("{text:<w$}")
                }
            };
            writeln!(
                out,
                "{}{} {:>links_w$} {} {} {size} {} {}",
                r.prefix,
                r.mode,
                r.links,
                align(&r.owner, r.uid, owner_w),
                align(&r.group, r.gid, group_w),
                r.date,
                r.name
            )?;
        }
        Ok(())
    }
}

/// Names in columns filled top to bottom, as many columns as fit in
/// `width`, each as wide as its longest name plus two spaces (GNU's layout).
fn print_columns(out: &mut impl Write, cells: &[String], width: usize) -> io::Result<()> {
    const MIN_COLUMN: usize = 3;
    let n = cells.len();
    if n == 0 {
        return Ok(());
    }
    let lengths: Vec<usize> = cells.iter().map(|c| c.chars().count()).collect();
    let max_cols = (width / MIN_COLUMN).clamp(1, n);
    let mut best: Vec<usize> = vec![lengths.iter().copied().max().unwrap_or(0)];
    for cols in (2..=max_cols).rev() {
        let rows = n.div_ceil(cols);
        let mut widths = vec![MIN_COLUMN; cols];
        for (i, &len) in lengths.iter().enumerate() {
            let col = i / rows;
            let real = len + if col == cols - 1 { 0 } else { 2 };
            widths[col] = widths[col].max(real);
        }
        if widths.iter().sum::<usize>() < width {
            best = widths;
            break;
        }
    }
    let rows = n.div_ceil(best.len());
    for row in 0..rows {
        let mut line = String::new();
        let mut index = row;
        let mut col = 0;
        loop {
            line += &cells[index];
            let column_width = best[col];
            let len = lengths[index];
            col += 1;
            index += rows;
            if index >= n {
                break;
            }
            line.extend(std::iter::repeat_n(' ', column_width.saturating_sub(len)));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn width(items: impl Iterator<Item = String>) -> usize {
    items.map(|s| s.chars().count()).max().unwrap_or(0)
}

fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The chosen timestamp as (seconds, nanoseconds).
fn time_of(meta: &Metadata, stamp: Stamp) -> (i64, i64) {
    match stamp {
        Stamp::Modify => (meta.mtime(), meta.mtime_nsec()),
        Stamp::Change => (meta.ctime(), meta.ctime_nsec()),
        Stamp::Access => (meta.atime(), meta.atime_nsec()),
    }
}
