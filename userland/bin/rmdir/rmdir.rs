//! `rmdir`: remove empty directories.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::Write as _;
use std::path::Path;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["rmdir"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: rmdir [-pv] directory ...";

fn main(args: &[String]) -> i32 {
    let mut parents = false;
    let mut verbose = false;
    let mut g = Getopt::new(args, "pv");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('p', _))) => parents = true,
            Ok(Some(Opt::Flag(_, _))) => verbose = true,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if g.operands().is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let mut status = 0;
    for dir in g.operands() {
        let mut path = Path::new(dir.trim_end_matches('/'));
        if path.as_os_str().is_empty() {
            path = Path::new("/");
        }
        loop {
            if let Err(e) = std::fs::remove_dir(path) {
                warn_io(args, path.display(), &e);
                status = 1;
                break;
            }
            if verbose {
                let _ = writeln!(
                    std::io::stdout(),
                    "rmdir: removing directory, '{}'",
                    path.display()
                );
            }
            match path.parent() {
                Some(parent)
                    if parents && !parent.as_os_str().is_empty() && parent != Path::new("/") =>
                {
                    path = parent;
                }
                _ => break,
            }
        }
    }
    status
}
