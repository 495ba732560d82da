//! `rm`: remove directory entries, and with `-r` whole trees.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::{BufRead, ErrorKind, IsTerminal, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["rm"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: rm [-dfiRrv] file ...";

/// How a removal is done.
#[derive(Default)]
pub struct Removal {
    pub recursive: bool,
    pub force: bool,
    pub interactive: bool,
    pub verbose: bool,
    pub dirs: bool,
}

/// Asks `question` on stderr; true when the answer starts with y or Y.
pub fn ask(question: &str) -> bool {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}");
    let _ = stderr.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    answer.trim_start().starts_with(['y', 'Y'])
}

fn main(args: &[String]) -> i32 {
    let mut r = Removal::default();
    let mut g = Getopt::new(args, "dfiRrv");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'd' => r.dirs = true,
                'f' => {
                    r.force = true;
                    r.interactive = false;
                }
                'i' => {
                    r.interactive = true;
                    r.force = false;
                }
                'v' => r.verbose = true,
                _ => r.recursive = true,
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let files = g.operands();
    if files.is_empty() {
        return if r.force {
            0
        } else {
            usage_error(args, "missing operand", USAGE)
        };
    }
    let mut status = 0;
    for file in files {
        let base = file
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if base == "." || base == ".." {
            crate::common::warn(args, format!("\".\" and \"..\" may not be removed: {file}"));
            status = 1;
            continue;
        }
        if r.recursive
            && Path::new(file)
                .canonicalize()
                .is_ok_and(|p| p == Path::new("/"))
        {
            crate::common::warn(args, format!("\"/\" may not be removed: {file}"));
            status = 1;
            continue;
        }
        if !r.remove(args, Path::new(file)) {
            status = 1;
        }
    }
    status
}

impl Removal {
    /// Removes `path` (a tree with `recursive`); false after a failure,
    /// which has been reported.
    pub fn remove(&self, args: &[String], path: &Path) -> bool {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if self.force && e.kind() == ErrorKind::NotFound => return true,
            Err(e) => {
                warn_io(args, path.display(), &e);
                return false;
            }
        };
        if meta.is_dir() {
            if !self.recursive && !self.dirs {
                warn_io(
                    args,
                    path.display(),
                    &std::io::Error::from_raw_os_error(libc::EISDIR),
                );
                return false;
            }
            if self.recursive {
                if self.interactive
                    && !ask(&format!(
                        "rm: descend into directory '{}'? ",
                        path.display()
                    ))
                {
                    return true;
                }
                let mut ok = true;
                match std::fs::read_dir(path) {
                    Ok(entries) => {
                        for entry in entries {
                            match entry {
                                Ok(entry) => ok &= self.remove(args, &entry.path()),
                                Err(e) => {
                                    warn_io(args, path.display(), &e);
                                    ok = false;
                                }
                            }
                        }
                    }
                    Err(e) => {
                        warn_io(args, path.display(), &e);
                        return false;
                    }
                }
                if !ok {
                    return false;
                }
            }
            if self.interactive && !ask(&format!("rm: remove directory '{}'? ", path.display())) {
                return true;
            }
            return self.report(args, path, std::fs::remove_dir(path));
        }
        if self.interactive {
            if !ask(&format!("rm: remove '{}'? ", path.display())) {
                return true;
            }
        } else if !self.force
            && !meta.file_type().is_symlink()
            && std::io::stdin().is_terminal()
            && !writable(path, meta.mode())
            && !ask(&format!(
                "rm: remove write-protected file '{}'? ",
                path.display()
            ))
        {
            return true;
        }
        self.report(args, path, std::fs::remove_file(path))
    }

    fn report(&self, args: &[String], path: &Path, result: std::io::Result<()>) -> bool {
        match result {
            Ok(()) => {
                if self.verbose {
                    let _ = writeln!(std::io::stdout(), "removed '{}'", path.display());
                }
                true
            }
            Err(e) if self.force && e.kind() == ErrorKind::NotFound => true,
            Err(e) => {
                warn_io(args, path.display(), &e);
                false
            }
        }
    }
}

fn writable(path: &Path, mode: u32) -> bool {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else {
        return mode & 0o200 != 0;
    };
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}
