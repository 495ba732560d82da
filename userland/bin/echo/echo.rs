//! `echo`: write arguments to standard output, as XSI and dash do: escape
//! sequences are always interpreted and only `-n` is an option.

use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["echo"],
    dir: "bin",
    main,
};

pub fn main(args: &[String]) -> i32 {
    let mut operands = &args[1..];
    let mut newline = true;
    if operands.first().is_some_and(|a| a == "-n") {
        newline = false;
        operands = &operands[1..];
    }
    let mut out = Vec::new();
    let mut stopped = false;
    for (i, arg) in operands.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if unescape(arg.as_bytes(), &mut out) {
            stopped = true;
            break;
        }
    }
    if newline && !stopped {
        out.push(b'\n');
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|_| stdout.flush()) {
        Ok(()) => 0,
        Err(e) => {
            crate::common::warn(
                args,
                format!("write error: {}", crate::common::strerror(&e)),
            );
            1
        }
    }
}

/// Appends `text` with its escapes interpreted; returns true at `\c`
/// (nothing more is written).
fn unescape(text: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' || i + 1 == text.len() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = text[i];
        i += 1;
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'c' => return true,
            b'e' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'0' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 3 && i < text.len() && (b'0'..=b'7').contains(&text[i]) {
                    value = value * 8 + u32::from(text[i] - b'0');
                    i += 1;
                    digits += 1;
                }
                out.push(value as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    false
}
