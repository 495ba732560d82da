//! `dirname`: the directory part of a path name.

use crate::common::{Getopt, Opt, usage_error};
use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["dirname"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: dirname string [...]";

/// POSIX dirname: drop trailing slashes, the last component, and the
/// slashes before it; `.` when nothing is left, `/` for the root.
pub fn dirname(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match trimmed.rfind('/') {
        None => ".",
        Some(at) => {
            let parent = trimmed[..at].trim_end_matches('/');
            if parent.is_empty() { "/" } else { parent }
        }
    }
}

fn main(args: &[String]) -> i32 {
    let mut getopt = Getopt::new(args, "");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(..))) => {}
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    if operands.is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let mut out = std::io::stdout().lock();
    for path in operands {
        if writeln!(out, "{}", dirname(path)).is_err() {
            return 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::dirname;

    #[test]
    fn posix_cases() {
        assert_eq!(dirname("/usr/lib/"), "/usr");
        assert_eq!(dirname("/usr//lib"), "/usr");
        assert_eq!(dirname("lib"), ".");
        assert_eq!(dirname("/"), "/");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(dirname(""), ".");
        assert_eq!(dirname("a/b/"), "a");
    }
}
