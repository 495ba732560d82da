//! `chmod`: change file modes, octal (`755`) or symbolic (`u+x,go-w`), with
//! GNU's rules for what a symbolic clause without `ugoa` leaves to the umask.

use crate::common::{usage_error, warn_io};
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["chmod"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: chmod [-R] mode file ...";

const USER: u32 = 0o4700;
const GROUP: u32 = 0o2070;
const OTHER: u32 = 0o1007;
const ALL: u32 = 0o7777;
const READ: u32 = 0o444;
const WRITE: u32 = 0o222;
const EXEC: u32 = 0o111;

/// What the permission part of a clause says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// Letters from `rwxst`, plus whether `X` was among them.
    Bits { conditional_exec: bool },
    /// `u`, `g` or `o`: copy that class's current bits.
    Copy(u32),
}

/// One operation: `go-w` is who `go`, op `-`, bits `w`.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    op: char,
    /// Bits of the classes named, 0 when none were (the umask then decides).
    who: u32,
    value: u32,
    source: Source,
}

/// A parsed mode operand.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Octal digits; `digits` says how many there were.
    Octal {
        bits: u32,
        digits: usize,
    },
    Symbolic(Vec<Change>),
}

/// The mode operand could not be parsed.
#[derive(Debug, PartialEq)]
pub struct BadMode;

impl Mode {
    pub fn parse(spec: &str) -> Result<Mode, BadMode> {
        if !spec.is_empty() && spec.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            let bits = u32::from_str_radix(spec, 8).map_err(|_| BadMode)?;
            if bits > ALL {
                return Err(BadMode);
            }
            return Ok(Mode::Octal {
                bits,
                digits: spec.len(),
            });
        }
        let mut changes = Vec::new();
        for clause in spec.split(',') {
            let mut chars = clause.chars().peekable();
            let mut who = 0;
            while let Some(&c) = chars.peek() {
                who |= match c {
                    'u' => USER,
                    'g' => GROUP,
                    'o' => OTHER,
                    'a' => ALL,
                    _ => break,
                };
                chars.next();
            }
            if chars.peek().is_none() {
                return Err(BadMode);
            }
            while let Some(op) = chars.next() {
                if !matches!(op, '+' | '-' | '=') {
                    return Err(BadMode);
                }
                let mut value = 0;
                let mut source = Source::Bits {
                    conditional_exec: false,
                };
                if let Some(&c @ ('u' | 'g' | 'o')) = chars.peek() {
                    chars.next();
                    source = Source::Copy(match c {
                        'u' => 0o700,
                        'g' => 0o070,
                        _ => 0o007,
                    });
                } else {
                    while let Some(&c) = chars.peek() {
                        match c {
                            'r' => value |= READ,
                            'w' => value |= WRITE,
                            'x' => value |= EXEC,
                            'X' => {
                                source = Source::Bits {
                                    conditional_exec: true,
                                }
                            }
                            's' => value |= 0o6000,
                            't' => value |= 0o1000,
                            _ => break,
                        }
                        chars.next();
                    }
                }
                changes.push(Change {
                    op,
                    who,
                    value,
                    source,
                });
            }
        }
        Ok(Mode::Symbolic(changes))
    }

    /// The new permission bits for a file whose mode is `old`.
    pub fn apply(&self, old: u32, is_dir: bool, umask: u32) -> u32 {
        let old = old & ALL;
        let changes = match self {
            Mode::Octal { bits, digits } => {
                // As GNU does: fewer than five digits keep a directory's set-id bits.
                let kept = if is_dir && *digits < 5 {
                    old & 0o6000
                } else {
                    0
                };
                return bits | kept;
            }
            Mode::Symbolic(changes) => changes,
        };
        let mut mode = old;
        for change in changes {
            let mut value = change.value;
            match change.source {
                Source::Copy(class) => {
                    let bits = mode & class;
                    let spread = |mask: u32| if bits & mask != 0 { mask } else { 0 };
                    value = spread(READ) | spread(WRITE) | spread(EXEC);
                }
                Source::Bits {
                    conditional_exec: true,
                } if is_dir || mode & EXEC != 0 => value |= EXEC,
                Source::Bits { .. } => {}
            }
            let mentioned = if change.who != 0 {
                change.who & value
            } else {
                value
            };
            let omit = if is_dir { 0o6000 & !mentioned } else { 0 };
            let affected = if change.who != 0 { change.who } else { !umask };
            value &= affected & !omit;
            match change.op {
                '=' => {
                    let preserved = (if change.who != 0 { !change.who } else { 0 }) | omit;
                    mode = (mode & preserved) | value;
                }
                '+' => mode |= value,
                _ => mode &= !value,
            }
        }
        mode & ALL
    }
}

/// The process's umask (read by setting it, then putting it back).
pub fn current_umask() -> u32 {
    // SAFETY: umask cannot fail; the second call restores the value.
    let mask = unsafe { libc::umask(0o022) };
    // SAFETY: as above.
    unsafe { libc::umask(mask) };
    mask
}

fn main(args: &[String]) -> i32 {
    // `chmod -w file`: a mode may start with `-`, so only `-R` clusters are options.
    let mut recursive = false;
    let mut index = 1;
    while let Some(arg) = args.get(index) {
        if arg == "--" {
            index += 1;
            break;
        }
        if arg == "--help" {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return 0;
        }
        if arg.len() < 2 || !arg.starts_with('-') || Mode::parse(arg).is_ok() {
            break;
        }
        if let Some(bad) = arg[1..].chars().find(|&c| c != 'R') {
            return usage_error(args, &format!("unknown option -- {bad}"), USAGE);
        }
        recursive = true;
        index += 1;
    }
    let rest = &args[index.min(args.len())..];
    if rest.len() < 2 {
        return usage_error(args, "missing operand", USAGE);
    }
    let mode = match Mode::parse(&rest[0]) {
        Ok(mode) => mode,
        Err(BadMode) => {
            return usage_error(args, &format!("invalid file mode: {}", rest[0]), USAGE);
        }
    };
    let umask = current_umask();
    let mut status = 0;
    for file in &rest[1..] {
        change(
            args,
            std::path::Path::new(file),
            &mode,
            umask,
            recursive,
            true,
            &mut status,
        );
    }
    status
}

fn change(
    args: &[String],
    path: &std::path::Path,
    mode: &Mode,
    umask: u32,
    recursive: bool,
    operand: bool,
    status: &mut i32,
) {
    // Operands are followed; links met while recursing are left alone.
    let meta = if operand {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    };
    let meta = match meta {
        Ok(meta) => meta,
        Err(e) => {
            warn_io(args, path.display(), &e);
            *status = 1;
            return;
        }
    };
    if meta.file_type().is_symlink() {
        return;
    }
    let new = mode.apply(meta.mode(), meta.is_dir(), umask);
    if new != meta.mode() & ALL
        && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(new))
    {
        warn_io(args, path.display(), &e);
        *status = 1;
    }
    if recursive && meta.is_dir() {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
                names.sort();
                for child in names {
                    change(args, &child, mode, umask, recursive, false, status);
                }
            }
            Err(e) => {
                warn_io(args, path.display(), &e);
                *status = 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(spec: &str, old: u32, dir: bool) -> u32 {
        Mode::parse(spec).unwrap().apply(old, dir, 0o022)
    }

    #[test]
    fn symbolic() {
        assert_eq!(apply("u+x", 0o644, false), 0o744);
        assert_eq!(apply("go-w", 0o666, false), 0o644);
        assert_eq!(apply("a=r", 0o777, false), 0o444);
        assert_eq!(apply("+x", 0o644, false), 0o755);
        assert_eq!(apply("+w", 0o444, false), 0o644);
        assert_eq!(apply("=", 0o4777, false), 0o000);
        assert_eq!(apply("u=g", 0o640, false), 0o440);
        assert_eq!(apply("a+X", 0o644, false), 0o644);
        assert_eq!(apply("a+X", 0o744, false), 0o755);
        assert_eq!(apply("a+X", 0o600, true), 0o711);
        assert_eq!(apply("u+s,g+s,+t", 0o755, false), 0o7755);
        assert_eq!(apply("o+s", 0o755, false), 0o755);
        assert_eq!(apply("u=rwx,g=rx,o=", 0o000, false), 0o750);
        assert_eq!(apply("u-x+w", 0o500, false), 0o600);
    }

    #[test]
    fn octal_and_errors() {
        assert_eq!(apply("755", 0o644, false), 0o755);
        assert_eq!(apply("755", 0o2700, true), 0o2755);
        assert_eq!(apply("00755", 0o2700, true), 0o755);
        assert!(Mode::parse("8").is_err());
        assert!(Mode::parse("u").is_err());
        assert!(Mode::parse("u+q").is_err());
        assert!(Mode::parse("").is_err());
        assert!(Mode::parse("77777").is_err());
    }
}
