//! `du`: show the disk space used by files and trees, counting each hard
//! linked file once.

use crate::common::{Getopt, Opt, sorted_children, usage_error, warn_io};
use crate::r#ls::modes::human;
use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::os::unix::fs::MetadataExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["du"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: du [-a | -s | -d depth] [-chkx] [file ...]";

struct Du<'a> {
    args: &'a [String],
    all: bool,
    max_depth: Option<usize>,
    human: bool,
    one_fs: bool,
    seen: HashSet<(u64, u64)>,
    out: BufWriter<std::io::Stdout>,
    status: i32,
}

fn main(args: &[String]) -> i32 {
    let mut all = false;
    let mut summary = false;
    let mut total = false;
    let mut human = false;
    let mut one_fs = false;
    let mut max_depth = None;
    let mut g = Getopt::new(args, "ascd:hkx");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'a' => all = true,
                's' => summary = true,
                'c' => total = true,
                'h' => human = true,
                'k' => human = false,
                'x' => one_fs = true,
                _ => {
                    let v = value.unwrap_or_default();
                    match v.parse() {
                        Ok(n) => max_depth = Some(n),
                        Err(_) => return usage_error(args, &format!("invalid depth: {v}"), USAGE),
                    }
                }
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if summary && (all || max_depth.is_some_and(|d| d > 0)) {
        return usage_error(args, "-s cannot be used with -a or -d", USAGE);
    }
    if summary {
        max_depth = Some(0);
    }
    let files: Vec<String> = match g.operands() {
        [] => vec![".".to_string()],
        list => list.to_vec(),
    };
    let mut du = Du {
        args,
        all,
        max_depth,
        human,
        one_fs,
        seen: HashSet::new(),
        out: BufWriter::new(std::io::stdout()),
        status: 0,
    };
    let mut grand = 0;
    for file in &files {
        match std::fs::symlink_metadata(file) {
            Ok(meta) => grand += du.walk(file, &meta, meta.dev(), 0),
            Err(e) => {
                warn_io(args, file, &e);
                du.status = 1;
            }
        }
    }
    if total {
        du.show(grand, "total");
    }
    let _ = du.out.flush();
    du.status
}

impl Du<'_> {
    /// The bytes used by `path` and everything under it; prints as it goes.
    fn walk(&mut self, path: &str, meta: &std::fs::Metadata, dev: u64, depth: usize) -> u64 {
        // Directories too: an operand inside another is counted once, as GNU does.
        if (meta.nlink() > 1 || meta.is_dir()) && !self.seen.insert((meta.dev(), meta.ino())) {
            return 0;
        }
        let mut bytes = meta.blocks() * 512;
        if meta.is_dir() {
            match sorted_children(path) {
                Ok(children) => {
                    for child in children {
                        match std::fs::symlink_metadata(&child) {
                            Ok(m) if self.one_fs && m.dev() != dev => {}
                            Ok(m) => bytes += self.walk(&child, &m, dev, depth + 1),
                            Err(e) => {
                                warn_io(self.args, &child, &e);
                                self.status = 1;
                            }
                        }
                    }
                }
                Err(e) => {
                    let _ = self.out.flush();
                    warn_io(self.args, path, &e);
                    self.status = 1;
                }
            }
        }
        let shown_depth = self.max_depth.is_none_or(|max| depth <= max);
        if depth == 0 || (shown_depth && (meta.is_dir() || self.all)) {
            self.show(bytes, path);
        }
        bytes
    }

    fn show(&mut self, bytes: u64, name: &str) {
        let size = if self.human {
            human(bytes)
        } else {
            bytes.div_ceil(1024).to_string()
        };
        let _ = writeln!(self.out, "{size}\t{name}");
    }
}
