//! `dmesg`: print the kernel's message buffer, read with syslog(2).

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["dmesg"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: dmesg [-cr]";

/// The syslog(2) actions used (Linux's numbers; Basalt implements 3 and 10).
const READ_ALL: libc::c_int = 3;
const CLEAR: libc::c_int = 5;
const SIZE_BUFFER: libc::c_int = 10;

fn main(args: &[String]) -> i32 {
    let mut clear = false;
    let mut raw = false;
    let mut g = Getopt::new(args, "cr");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('c', _))) => clear = true,
            Ok(Some(Opt::Flag(_, _))) => raw = true,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if let Some(extra) = g.operands().first() {
        return usage_error(args, &format!("extra operand {extra}"), USAGE);
    }
    let log = match read_log() {
        Ok(log) => log,
        Err(e) => {
            warn_io(args, "syslog", &e);
            return 1;
        }
    };
    let text = String::from_utf8_lossy(&log);
    let mut out = std::io::stdout().lock();
    for line in text.lines() {
        let line = if raw { line } else { strip_level(line) };
        if writeln!(out, "{line}").is_err() {
            return 0;
        }
    }
    let _ = out.flush();
    if clear {
        // SAFETY: CLEAR takes no buffer.
        if unsafe { libc::klogctl(CLEAR, std::ptr::null_mut(), 0) } < 0 {
            warn_io(args, "syslog", &std::io::Error::last_os_error());
            return 1;
        }
    }
    0
}

fn read_log() -> std::io::Result<Vec<u8>> {
    // SAFETY: SIZE_BUFFER takes no buffer.
    let size = unsafe { libc::klogctl(SIZE_BUFFER, std::ptr::null_mut(), 0) };
    if size < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut buf = vec![0u8; size.max(1) as usize];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let n = unsafe { libc::klogctl(READ_ALL, buf.as_mut_ptr().cast(), buf.len() as libc::c_int) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

/// A line without its `<6>` priority prefix.
fn strip_level(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('<')
        && let Some(end) = rest.find('>')
        && end > 0
        && rest[..end].bytes().all(|b| b.is_ascii_digit())
    {
        return &rest[end + 1..];
    }
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn strip_level() {
        assert_eq!(super::strip_level("<6>[    0.0] hi"), "[    0.0] hi");
        assert_eq!(super::strip_level("<x>hi"), "<x>hi");
        assert_eq!(super::strip_level("plain"), "plain");
    }
}
