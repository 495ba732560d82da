//! `test` and `[`: evaluate conditional expressions (POSIX XCU test). The
//! shell's builtins of the same names call [`main`].

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["test", "["],
    dir: "bin",
    main,
};

pub fn main(args: &[String]) -> i32 {
    let mut operands: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    if crate::common::prog(args) == "[" {
        if operands.last() != Some(&"]") {
            crate::common::warn(args, "missing ]");
            return 2;
        }
        operands.pop();
    }
    match evaluate(&operands) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(message) => {
            crate::common::warn(args, message);
            2
        }
    }
}

fn is_unary(op: &str) -> bool {
    matches!(
        op,
        "-b" | "-c"
            | "-d"
            | "-e"
            | "-f"
            | "-g"
            | "-h"
            | "-L"
            | "-k"
            | "-n"
            | "-p"
            | "-r"
            | "-s"
            | "-S"
            | "-t"
            | "-u"
            | "-w"
            | "-x"
            | "-z"
            | "-O"
            | "-G"
    )
}

fn is_binary(op: &str) -> bool {
    matches!(
        op,
        "=" | "=="
            | "!="
            | "<"
            | ">"
            | "-eq"
            | "-ne"
            | "-gt"
            | "-ge"
            | "-lt"
            | "-le"
            | "-nt"
            | "-ot"
            | "-ef"
            | "-a"
            | "-o"
    )
}

/// POSIX's rules by argument count, then a parser for longer expressions.
fn evaluate(args: &[&str]) -> Result<bool, String> {
    match args {
        [] => Ok(false),
        [one] => Ok(!one.is_empty()),
        ["!", rest @ ..] if args.len() <= 4 => evaluate(rest).map(|b| !b),
        [op, operand] if is_unary(op) => unary(op, operand),
        [_, _] => Err(format!("{}: unary operator expected", args[0])),
        [a, op, b] if is_binary(op) => binary(a, op, b),
        ["(", inner, ")"] => Ok(!inner.is_empty()),
        ["(", a, b, ")"] => evaluate(&[a, b]),
        _ => {
            let mut parser = Parser { args, pos: 0 };
            let value = parser.or()?;
            if parser.pos < args.len() {
                return Err(format!("{}: unexpected operator", args[parser.pos]));
            }
            Ok(value)
        }
    }
}

struct Parser<'a> {
    args: &'a [&'a str],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.args.get(self.pos).copied()
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut value = self.and()?;
        while self.peek() == Some("-o") {
            self.pos += 1;
            let right = self.and()?;
            value = value || right;
        }
        Ok(value)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut value = self.not()?;
        while self.peek() == Some("-a") {
            self.pos += 1;
            let right = self.not()?;
            value = value && right;
        }
        Ok(value)
    }

    fn not(&mut self) -> Result<bool, String> {
        if self.peek() == Some("!") {
            self.pos += 1;
            return self.not().map(|b| !b);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<bool, String> {
        let Some(first) = self.peek() else {
            return Err("argument expected".into());
        };
        if first == "(" {
            self.pos += 1;
            let value = self.or()?;
            if self.peek() != Some(")") {
                return Err("closing paren expected".into());
            }
            self.pos += 1;
            return Ok(value);
        }
        if let Some(op) = self.args.get(self.pos + 1).copied()
            && is_binary(op)
            && op != "-a"
            && op != "-o"
            && let Some(b) = self.args.get(self.pos + 2).copied()
        {
            self.pos += 3;
            return binary(first, op, b);
        }
        if is_unary(first)
            && let Some(operand) = self.args.get(self.pos + 1).copied()
        {
            self.pos += 2;
            return unary(first, operand);
        }
        self.pos += 1;
        Ok(!first.is_empty())
    }
}

fn integer(text: &str) -> Result<i64, String> {
    text.trim_start()
        .parse::<i64>()
        .map_err(|_| format!("{text}: integer expression expected"))
}

fn access(path: &str, mode: libc::c_int) -> bool {
    let Ok(c) = std::ffi::CString::new(path) else {
        return false;
    };
    // SAFETY: c is a NUL-terminated path.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, libc::AT_EACCESS) == 0 }
}

fn unary(op: &str, operand: &str) -> Result<bool, String> {
    let meta = || std::fs::metadata(operand);
    Ok(match op {
        "-n" => !operand.is_empty(),
        "-z" => operand.is_empty(),
        "-e" => meta().is_ok(),
        "-f" => meta().is_ok_and(|m| m.is_file()),
        "-d" => meta().is_ok_and(|m| m.is_dir()),
        "-b" => meta().is_ok_and(|m| m.file_type().is_block_device()),
        "-c" => meta().is_ok_and(|m| m.file_type().is_char_device()),
        "-p" => meta().is_ok_and(|m| m.file_type().is_fifo()),
        "-S" => meta().is_ok_and(|m| m.file_type().is_socket()),
        "-h" | "-L" => std::fs::symlink_metadata(operand).is_ok_and(|m| m.file_type().is_symlink()),
        "-s" => meta().is_ok_and(|m| m.len() > 0),
        "-g" => meta().is_ok_and(|m| m.permissions().mode() & 0o2000 != 0),
        "-u" => meta().is_ok_and(|m| m.permissions().mode() & 0o4000 != 0),
        "-k" => meta().is_ok_and(|m| m.permissions().mode() & 0o1000 != 0),
        "-r" => access(operand, libc::R_OK),
        "-w" => access(operand, libc::W_OK),
        "-x" => access(operand, libc::X_OK),
        // SAFETY: geteuid and getegid have no preconditions.
        "-O" => meta().is_ok_and(|m| m.uid() == unsafe { libc::geteuid() }),
        // SAFETY: as above.
        "-G" => meta().is_ok_and(|m| m.gid() == unsafe { libc::getegid() }),
        "-t" => {
            let fd = integer(operand)?;
            // SAFETY: isatty only queries the descriptor.
            i32::try_from(fd).is_ok_and(|fd| unsafe { libc::isatty(fd) } == 1)
        }
        _ => return Err(format!("{op}: unary operator expected")),
    })
}

fn modified(path: &str) -> Option<(i64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.mtime(), m.mtime_nsec()))
}

fn binary(a: &str, op: &str, b: &str) -> Result<bool, String> {
    Ok(match op {
        "=" | "==" => a == b,
        "!=" => a != b,
        "<" => a < b,
        ">" => a > b,
        "-a" => !a.is_empty() && !b.is_empty(),
        "-o" => !a.is_empty() || !b.is_empty(),
        "-eq" => integer(a)? == integer(b)?,
        "-ne" => integer(a)? != integer(b)?,
        "-gt" => integer(a)? > integer(b)?,
        "-ge" => integer(a)? >= integer(b)?,
        "-lt" => integer(a)? < integer(b)?,
        "-le" => integer(a)? <= integer(b)?,
        // As dash: both files must exist.
        "-nt" => matches!((modified(a), modified(b)), (Some(x), Some(y)) if x > y),
        "-ot" => matches!((modified(a), modified(b)), (Some(x), Some(y)) if x < y),
        "-ef" => match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        },
        _ => return Err(format!("{op}: binary operator expected")),
    })
}
