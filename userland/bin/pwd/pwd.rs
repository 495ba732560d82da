//! `pwd`: print the working directory, logically ($PWD when it is right)
//! by default or physically (`-P`).

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["pwd"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: pwd [-L | -P]";

fn main(args: &[String]) -> i32 {
    let mut logical = true;
    let mut g = Getopt::new(args, "LP");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => logical = c == 'L',
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if !g.operands().is_empty() {
        return usage_error(args, "too many arguments", USAGE);
    }
    if logical && let Some(pwd) = logical_pwd() {
        let _ = writeln!(std::io::stdout(), "{pwd}");
        return 0;
    }
    match std::env::current_dir() {
        Ok(dir) => {
            let _ = writeln!(std::io::stdout(), "{}", dir.display());
            0
        }
        Err(e) => {
            warn_io(args, ".", &e);
            1
        }
    }
}

/// $PWD when it is absolute, has no `.` or `..` parts, and names `.`.
fn logical_pwd() -> Option<String> {
    let pwd = std::env::var("PWD").ok()?;
    if !pwd.starts_with('/') || pwd.split('/').any(|part| part == "." || part == "..") {
        return None;
    }
    let named = std::fs::metadata(&pwd).ok()?;
    let here = std::fs::metadata(".").ok()?;
    (named.dev() == here.dev() && named.ino() == here.ino()).then_some(pwd)
}
