//! `basename`: the last component of a path name.

use crate::common::{Getopt, Opt, usage_error};
use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["basename"],
    dir: "bin",
    main,
};

const USAGE: &str =
    "usage: basename string [suffix]\n       basename [-a] [-s suffix] string [...]";

/// POSIX basename: trailing slashes go, then everything up to the last
/// slash; the suffix goes too unless it is the whole rest.
pub fn basename<'a>(path: &'a str, suffix: &str) -> &'a str {
    if path.is_empty() {
        return "";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    match base.strip_suffix(suffix) {
        Some(stripped) if !suffix.is_empty() && !stripped.is_empty() => stripped,
        _ => base,
    }
}

fn main(args: &[String]) -> i32 {
    let mut multiple = false;
    let mut suffix: Option<String> = None;
    let mut getopt = Getopt::new(args, "as:");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('a', _))) => multiple = true,
            Ok(Some(Opt::Flag(_, value))) => {
                multiple = true;
                suffix = value;
            }
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    if operands.is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let (names, suffix): (&[String], String) = if multiple {
        (operands, suffix.unwrap_or_default())
    } else {
        match operands {
            [_] => (operands, String::new()),
            [_, suffix] => (&operands[..1], suffix.clone()),
            _ => return usage_error(args, &format!("extra operand '{}'", operands[2]), USAGE),
        }
    };
    let mut out = std::io::stdout().lock();
    for name in names {
        if writeln!(out, "{}", basename(name, &suffix)).is_err() {
            return 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::basename;

    #[test]
    fn posix_cases() {
        assert_eq!(basename("/usr/lib/", ""), "lib");
        assert_eq!(basename("///", ""), "/");
        assert_eq!(basename("a.c", ".c"), "a");
        assert_eq!(basename(".c", ".c"), ".c");
        assert_eq!(basename("x/", "x"), "x");
        assert_eq!(basename("", ""), "");
    }
}
