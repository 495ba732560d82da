//! `find`: walk file trees, evaluating an expression for each file.

mod expr;

use crate::common::{sorted_children, usage_error, warn_io};
use expr::{Expr, Parsed};
use std::ffi::CString;
use std::fs::Metadata;
use std::io::{BufWriter, Stdout, Write};
use std::os::unix::fs::MetadataExt;
use std::process::Command;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["find"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: find [path ...] [expression]";

/// How many names one `-exec ... {} +` run gets at most.
const BATCH: usize = 1000;

fn main(args: &[String]) -> i32 {
    if args.get(1).is_some_and(|a| a == "--help") {
        let _ = writeln!(std::io::stdout(), "{USAGE}");
        return 0;
    }
    let split = args[1..]
        .iter()
        .position(|a| (a.starts_with('-') && a.len() > 1) || a == "(" || a == "!")
        .map_or(args.len(), |i| i + 1);
    let mut paths: Vec<String> = args[1..split].to_vec();
    if paths.is_empty() {
        paths.push(".".to_string());
    }
    let parsed = match expr::parse(&args[split..]) {
        Ok(parsed) => parsed,
        Err(expr::Error::Usage(message)) => return usage_error(args, &message, USAGE),
        Err(expr::Error::File(file, e)) => {
            warn_io(args, file, &e);
            return 1;
        }
    };
    let mut finder = Finder {
        args,
        batches: vec![Vec::new(); parsed.batch_count()],
        parsed,
        now: crate::r#ls::modes::now(),
        out: BufWriter::new(std::io::stdout()),
        status: 0,
        pruned: false,
    };
    for path in &paths {
        match std::fs::symlink_metadata(path) {
            Ok(meta) => finder.walk(path, meta, 0),
            Err(e) => {
                warn_io(args, path, &e);
                finder.status = 1;
            }
        }
    }
    for id in 0..finder.batches.len() {
        finder.run_batch(id);
    }
    if finder.out.flush().is_err() {
        return 1;
    }
    finder.status
}

struct Finder<'a> {
    args: &'a [String],
    parsed: Parsed,
    batches: Vec<Vec<String>>,
    now: i64,
    out: BufWriter<Stdout>,
    status: i32,
    /// Set by `-prune` for the file being looked at.
    pruned: bool,
}

impl Finder<'_> {
    fn walk(&mut self, path: &str, meta: Metadata, depth: usize) {
        let in_range = depth >= self.parsed.min_depth;
        self.pruned = false;
        if in_range && !self.parsed.depth_first {
            let expr = std::mem::replace(&mut self.parsed.expr, Expr::True);
            self.eval(&expr, path, &meta);
            self.parsed.expr = expr;
        }
        let descend = meta.is_dir()
            && (self.parsed.depth_first || !self.pruned)
            && self.parsed.max_depth.is_none_or(|max| depth < max);
        if descend {
            match sorted_children(path) {
                Ok(children) => {
                    for child in children {
                        match std::fs::symlink_metadata(&child) {
                            Ok(m) => self.walk(&child, m, depth + 1),
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
        if in_range && self.parsed.depth_first {
            let expr = std::mem::replace(&mut self.parsed.expr, Expr::True);
            self.eval(&expr, path, &meta);
            self.parsed.expr = expr;
        }
    }

    fn eval(&mut self, expr: &Expr, path: &str, meta: &Metadata) -> bool {
        match expr {
            Expr::And(a, b) => self.eval(a, path, meta) && self.eval(b, path, meta),
            Expr::Or(a, b) => self.eval(a, path, meta) || self.eval(b, path, meta),
            Expr::Not(a) => !self.eval(a, path, meta),
            Expr::True => true,
            Expr::False => false,
            Expr::Name { pattern, fold } => glob(pattern, base(path), *fold),
            Expr::Path { pattern, fold } => glob(pattern, path, *fold),
            Expr::Type(kinds) => kinds.contains(&(meta.mode() & libc::S_IFMT)),
            Expr::Size { cmp, n, unit } => cmp.test(meta.len().div_ceil(*unit) as i64, *n),
            Expr::Age {
                cmp,
                n,
                unit,
                which,
            } => {
                let t = match which {
                    'a' => meta.atime(),
                    'c' => meta.ctime(),
                    _ => meta.mtime(),
                };
                cmp.test((self.now - t).div_euclid(*unit), *n)
            }
            Expr::Newer(seconds, nanos) => (meta.mtime(), meta.mtime_nsec()) > (*seconds, *nanos),
            Expr::Perm { mode, how } => {
                let bits = meta.mode() & 0o7777;
                match how {
                    '-' => bits & mode == *mode,
                    '/' => *mode == 0 || bits & mode != 0,
                    _ => bits == *mode,
                }
            }
            Expr::User(uid) => meta.uid() == *uid,
            Expr::Group(gid) => meta.gid() == *gid,
            Expr::Empty => {
                if meta.is_dir() {
                    std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none())
                } else {
                    meta.is_file() && meta.len() == 0
                }
            }
            Expr::Prune => {
                self.pruned = true;
                true
            }
            Expr::Print => writeln!(self.out, "{path}").is_ok(),
            Expr::Print0 => write!(self.out, "{path}\0").is_ok(),
            Expr::Delete => self.delete(path, meta),
            Expr::Exec(argv) => {
                let argv: Vec<String> = argv.iter().map(|a| a.replace("{}", path)).collect();
                self.run(&argv)
            }
            Expr::ExecBatch(id) => {
                self.batches[*id].push(path.to_string());
                if self.batches[*id].len() >= BATCH {
                    self.run_batch(*id);
                }
                true
            }
        }
    }

    fn delete(&mut self, path: &str, meta: &Metadata) -> bool {
        if path == "." {
            return true;
        }
        let result = if meta.is_dir() {
            std::fs::remove_dir(path)
        } else {
            std::fs::remove_file(path)
        };
        match result {
            Ok(()) => true,
            Err(e) => {
                warn_io(self.args, path, &e);
                self.status = 1;
                false
            }
        }
    }

    /// Runs a command, with our output flushed first so the two keep their order.
    fn run(&mut self, argv: &[String]) -> bool {
        let _ = self.out.flush();
        match Command::new(&argv[0]).args(&argv[1..]).status() {
            Ok(status) => status.success(),
            Err(e) => {
                warn_io(self.args, &argv[0], &e);
                self.status = 1;
                false
            }
        }
    }

    /// Runs an `-exec ... {} +` command with the names gathered so far.
    fn run_batch(&mut self, id: usize) {
        let names = std::mem::take(&mut self.batches[id]);
        if names.is_empty() {
            return;
        }
        let Some(argv) = self.parsed.batch_command(id) else {
            return;
        };
        let mut full = argv.to_vec();
        full.extend(names);
        if !self.run(&full) {
            self.status = 1;
        }
    }
}

/// The last component of a path, as `-name` sees it.
fn base(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Shell pattern matching by fnmatch(3); `*` also matches `/` and leading dots.
fn glob(pattern: &CString, text: &str, fold: bool) -> bool {
    let Ok(text) = CString::new(text) else {
        return false;
    };
    let flags = if fold { libc::FNM_CASEFOLD } else { 0 };
    // SAFETY: both strings are NUL-terminated and live for the call.
    unsafe { libc::fnmatch(pattern.as_ptr(), text.as_ptr(), flags) == 0 }
}
