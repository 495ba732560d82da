//! Reading answers from the user: a line at a time from standard input,
//! and passwords with the terminal's echo off.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};

/// Reads one line from `input` a byte at a time, so nothing past the
/// newline is consumed (a later prompt, or the program login runs, reads
/// it). The newline and a carriage return before it are dropped; `None`
/// at end of file with nothing read.
pub fn read_line(mut input: impl Read) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match input.read(&mut byte) {
            Ok(0) if line.is_empty() => return Ok(None),
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Prints `prompt` on standard error and reads a password from standard
/// input, with echo off while it is typed when standard input is a
/// terminal (as readpassphrase(3) without a /dev/tty).
pub fn read_password(prompt: &str) -> std::io::Result<Option<String>> {
    let stdin = std::io::stdin();
    // SAFETY: fd 0 stays open for the whole call: it is standard input.
    let fd = unsafe { BorrowedFd::borrow_raw(stdin.as_raw_fd()) };
    let saved = EchoOff::new(fd);
    let mut err = std::io::stderr().lock();
    err.write_all(prompt.as_bytes())?;
    err.flush()?;
    let line = read_line(stdin.lock());
    if let Some(saved) = saved {
        drop(saved);
        // The newline typed was not echoed: end the prompt's line.
        let _ = err.write_all(b"\n");
    }
    line
}

/// A terminal with echo turned off; dropping it restores the settings.
struct EchoOff<'a> {
    fd: BorrowedFd<'a>,
    saved: libc::termios,
}

impl<'a> EchoOff<'a> {
    /// `None` when `fd` is not a terminal (a pipe needs no hiding).
    fn new(fd: BorrowedFd<'a>) -> Option<EchoOff<'a>> {
        // SAFETY: termios is plain data; all zeros is a valid value.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr writes one termios to a valid pointer.
        if unsafe { libc::tcgetattr(fd.as_raw_fd(), &mut saved) } != 0 {
            return None;
        }
        let mut quiet = saved;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK | libc::ECHONL);
        // SAFETY: tcsetattr reads one termios from a valid pointer.
        unsafe { libc::tcsetattr(fd.as_raw_fd(), libc::TCSAFLUSH, &quiet) };
        Some(EchoOff { fd, saved })
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        // SAFETY: tcsetattr reads one termios from a valid pointer.
        unsafe { libc::tcsetattr(self.fd.as_raw_fd(), libc::TCSAFLUSH, &self.saved) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_stop_at_the_newline() {
        let mut input: &[u8] = b"ann\r\nsecond\nlast";
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("ann"));
        assert_eq!(input, b"second\nlast");
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("second"));
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("last"));
        assert_eq!(read_line(&mut input).unwrap(), None);
        let mut empty_line: &[u8] = b"\n";
        assert_eq!(read_line(&mut empty_line).unwrap().as_deref(), Some(""));
    }
}
