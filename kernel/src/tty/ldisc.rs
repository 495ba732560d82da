//! The line discipline: what a terminal does between the wire and read(2),
//! as POSIX's "General Terminal Interface" describes it. Input: CR/NL
//! mapping, signal keys, canonical line editing (erase, word erase, kill,
//! reprint, literal next, end of file) and echo. Output: newline mapping.
//!
//! It is plain data and logic, free of devices and processes, so the host
//! tests it; the kernel's `Tty` feeds it bytes and delivers what it asks for.

use crate::task::signal::{SIGINT, SIGQUIT, SIGTSTP};
use abi::tty::*;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Longest line canonical mode keeps (Linux's N_TTY_BUF_SIZE - 1).
pub const MAX_CANON: usize = 4095;
/// Most bytes waiting to be read in raw mode before input is dropped.
pub const MAX_INPUT: usize = 64 * 1024;

/// Linux's initial settings: a cooked 38400-baud 8N1 terminal with echo and
/// the usual control characters.
pub const fn default_termios() -> Termios {
    let mut c_cc = [0u8; NCCS];
    c_cc[VINTR] = 0x03;
    c_cc[VQUIT] = 0x1c;
    c_cc[VERASE] = 0x7f;
    c_cc[VKILL] = 0x15;
    c_cc[VEOF] = 0x04;
    c_cc[VMIN] = 1;
    c_cc[VSTART] = 0x11;
    c_cc[VSTOP] = 0x13;
    c_cc[VSUSP] = 0x1a;
    c_cc[VREPRINT] = 0x12;
    c_cc[VDISCARD] = 0x0f;
    c_cc[VWERASE] = 0x17;
    c_cc[VLNEXT] = 0x16;
    Termios {
        c_iflag: ICRNL | IXON,
        c_oflag: OPOST | ONLCR,
        c_cflag: B38400 | CS8 | CREAD | HUPCL,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE,
        c_line: 0,
        c_cc,
    }
}

/// What receiving input asks of the terminal.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reaction {
    /// Bytes to show (already through output processing).
    pub echo: Vec<u8>,
    /// A signal for the foreground process group.
    pub signal: Option<u32>,
    /// Whether a reader may now have something to read.
    pub readable: bool,
}

pub struct LineDiscipline {
    termios: Termios,
    /// Finished lines (canonical mode); an empty line is an end of file.
    lines: VecDeque<Vec<u8>>,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Input as it came (raw mode).
    raw: VecDeque<u8>,
    /// The previous byte was VLNEXT: take this one literally.
    literal_next: bool,
}

impl LineDiscipline {
    pub const fn new() -> LineDiscipline {
        LineDiscipline {
            termios: default_termios(),
            lines: VecDeque::new(),
            line: Vec::new(),
            raw: VecDeque::new(),
            literal_next: false,
        }
    }

    pub fn termios(&self) -> Termios {
        self.termios
    }

    fn lflag(&self, flag: u32) -> bool {
        self.termios.c_lflag & flag != 0
    }

    fn iflag(&self, flag: u32) -> bool {
        self.termios.c_iflag & flag != 0
    }

    fn canonical(&self) -> bool {
        self.lflag(ICANON)
    }

    /// A control character of `c_cc`; 0 (`_POSIX_VDISABLE`) never matches.
    fn is_cc(&self, index: usize, byte: u8) -> bool {
        let value = self.termios.c_cc[index];
        value != 0 && value == byte
    }

    /// New settings. Input already typed moves between the line editor and
    /// the raw queue when canonical mode changes, so nothing is lost.
    pub fn set_termios(&mut self, termios: Termios) {
        let was_canonical = self.canonical();
        self.termios = termios;
        match (was_canonical, self.canonical()) {
            (true, false) => {
                for line in self.lines.drain(..) {
                    self.raw.extend(line);
                }
                self.raw.extend(self.line.drain(..));
            }
            (false, true) => self.line.extend(self.raw.drain(..)),
            _ => {}
        }
    }

    /// Throws away unread input (TCFLSH, TCSETSF, a signal key).
    pub fn flush_input(&mut self) {
        self.lines.clear();
        self.line.clear();
        self.raw.clear();
        self.literal_next = false;
    }

    /// Bytes a read could return now (FIONREAD).
    pub fn available(&self) -> usize {
        if self.canonical() {
            self.lines.iter().map(|l| l.len().max(1)).sum()
        } else {
            self.raw.len()
        }
    }

    /// Whether a read of `want` bytes would return now.
    pub fn readable(&self, want: usize) -> bool {
        if self.canonical() {
            return !self.lines.is_empty();
        }
        let min = usize::from(self.termios.c_cc[VMIN]);
        !self.raw.is_empty() && self.raw.len() >= min.min(want.max(1))
    }

    /// Whether raw reads return at once even with nothing typed (VMIN 0).
    pub fn polls(&self) -> bool {
        !self.canonical() && self.termios.c_cc[VMIN] == 0
    }

    /// Tenths of a second a VMIN 0 read waits for input (VTIME).
    pub fn read_timeout(&self) -> u8 {
        self.termios.c_cc[VTIME]
    }

    /// Takes what a read returns: in canonical mode at most one line (0 at
    /// an end of file), in raw mode what is there.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        if self.canonical() {
            let Some(line) = self.lines.front_mut() else {
                return 0;
            };
            let n = buf.len().min(line.len());
            buf[..n].copy_from_slice(&line[..n]);
            line.drain(..n);
            // An empty line is consumed by the read that sees it (EOF), or
            // by the read that took its last byte.
            if line.is_empty() {
                self.lines.pop_front();
            }
            n
        } else {
            let n = buf.len().min(self.raw.len());
            for (slot, byte) in buf.iter_mut().zip(self.raw.drain(..n)) {
                *slot = byte;
            }
            n
        }
    }

    /// Output processing (OPOST): NL to CR-NL (ONLCR), CR to NL (OCRNL).
    pub fn output(&self, data: &[u8], out: &mut Vec<u8>) {
        let oflag = self.termios.c_oflag;
        if oflag & OPOST == 0 {
            out.extend_from_slice(data);
            return;
        }
        for &byte in data {
            match byte {
                b'\n' if oflag & ONLCR != 0 => out.extend_from_slice(b"\r\n"),
                b'\r' if oflag & OCRNL != 0 => out.push(b'\n'),
                _ => out.push(byte),
            }
        }
    }

    /// Echoes `byte` as typed: control characters as `^X` with ECHOCTL.
    fn echo_byte(&self, byte: u8, echo: &mut Vec<u8>) {
        if self.lflag(ECHOCTL) && (byte < 0x20 || byte == 0x7f) && byte != b'\t' && byte != b'\n' {
            echo.extend_from_slice(&[b'^', byte ^ 0x40]);
        } else {
            self.output(&[byte], echo);
        }
    }

    /// Columns a byte took when echoed.
    fn echo_width(&self, byte: u8) -> usize {
        if (byte < 0x20 || byte == 0x7f) && byte != b'\t' {
            if self.lflag(ECHOCTL) { 2 } else { 0 }
        } else if byte & 0xc0 == 0x80 {
            // UTF-8 continuation bytes share their character's column.
            0
        } else {
            1
        }
    }

    /// Removes the last character of the line (all its UTF-8 bytes) and
    /// rubs it out on the screen.
    fn erase_char(&mut self, echo: &mut Vec<u8>) -> Option<u8> {
        let mut width = 0;
        let mut first = None;
        while let Some(byte) = self.line.pop() {
            width += self.echo_width(byte);
            first = Some(byte);
            if byte & 0xc0 != 0x80 || !self.iflag(IUTF8) {
                break;
            }
        }
        if first.is_some() && self.lflag(ECHO) && self.lflag(ECHOE) {
            for _ in 0..width {
                echo.extend_from_slice(b"\x08 \x08");
            }
        }
        first
    }

    /// Handles one byte from the wire.
    pub fn receive(&mut self, byte: u8) -> Reaction {
        let mut reaction = Reaction::default();
        let mut byte = if self.iflag(ISTRIP) {
            byte & 0x7f
        } else {
            byte
        };
        if self.literal_next {
            self.literal_next = false;
            if self.lflag(ECHO) && self.lflag(ECHOE) {
                reaction.echo.extend_from_slice(b"\x08\x08");
            }
            self.insert(byte, &mut reaction);
            return reaction;
        }
        match byte {
            b'\r' if self.iflag(IGNCR) => return reaction,
            b'\r' if self.iflag(ICRNL) => byte = b'\n',
            b'\n' if self.iflag(INLCR) => byte = b'\r',
            _ => {}
        }
        if self.lflag(ISIG) {
            let signal = [(VINTR, SIGINT), (VQUIT, SIGQUIT), (VSUSP, SIGTSTP)]
                .into_iter()
                .find(|&(index, _)| self.is_cc(index, byte));
            if let Some((_, signal)) = signal {
                if !self.lflag(NOFLSH) {
                    self.flush_input();
                }
                if self.lflag(ECHO) {
                    self.echo_byte(byte, &mut reaction.echo);
                }
                reaction.signal = Some(signal);
                return reaction;
            }
        }
        if self.lflag(IEXTEN) && self.is_cc(VLNEXT, byte) {
            self.literal_next = true;
            if self.lflag(ECHO) && self.lflag(ECHOCTL) {
                reaction.echo.extend_from_slice(b"^\x08");
            }
            return reaction;
        }
        if !self.canonical() {
            self.insert(byte, &mut reaction);
            return reaction;
        }
        let echo = self.lflag(ECHO);
        if self.is_cc(VERASE, byte) {
            let erased = self.erase_char(&mut reaction.echo);
            if erased.is_some() && echo && !self.lflag(ECHOE) {
                self.echo_byte(byte, &mut reaction.echo);
            }
        } else if self.lflag(IEXTEN) && self.is_cc(VWERASE, byte) {
            // Blanks before the word, then the word.
            while self.line.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                self.erase_char(&mut reaction.echo);
            }
            while self.line.last().is_some_and(|b| *b != b' ' && *b != b'\t') {
                self.erase_char(&mut reaction.echo);
            }
        } else if self.is_cc(VKILL, byte) {
            if echo && self.lflag(ECHOKE) && self.lflag(ECHOE) {
                while self.erase_char(&mut reaction.echo).is_some() {}
            } else {
                self.line.clear();
                if echo {
                    self.echo_byte(byte, &mut reaction.echo);
                    if self.lflag(ECHOK) {
                        self.output(b"\n", &mut reaction.echo);
                    }
                }
            }
        } else if self.lflag(IEXTEN) && self.is_cc(VREPRINT, byte) {
            if echo {
                self.echo_byte(byte, &mut reaction.echo);
                self.output(b"\n", &mut reaction.echo);
                let line = self.line.clone();
                for b in line {
                    self.echo_byte(b, &mut reaction.echo);
                }
            }
        } else if self.is_cc(VEOF, byte) {
            self.finish_line();
            reaction.readable = true;
        } else {
            self.insert(byte, &mut reaction);
        }
        reaction
    }

    /// Adds an ordinary byte: to the raw queue, or to the line, which a
    /// newline or VEOL ends.
    fn insert(&mut self, byte: u8, reaction: &mut Reaction) {
        if !self.canonical() {
            if self.raw.len() < MAX_INPUT {
                self.raw.push_back(byte);
                reaction.readable = true;
            }
            if self.lflag(ECHO) {
                self.echo_byte(byte, &mut reaction.echo);
            }
            return;
        }
        let ends_line = byte == b'\n' || self.is_cc(VEOL, byte) || self.is_cc(VEOL2, byte);
        if self.line.len() >= MAX_CANON && !ends_line {
            // A full line takes only its end; ring the bell like Linux.
            if self.iflag(IMAXBEL) {
                reaction.echo.push(0x07);
            }
            return;
        }
        self.line.push(byte);
        if self.lflag(ECHO) || (byte == b'\n' && self.lflag(ECHONL)) {
            self.echo_byte(byte, &mut reaction.echo);
        }
        if ends_line {
            self.finish_line();
            reaction.readable = true;
        }
    }

    fn finish_line(&mut self) {
        self.lines.push_back(core::mem::take(&mut self.line));
    }
}

impl Default for LineDiscipline {
    fn default() -> Self {
        LineDiscipline::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn feed(ld: &mut LineDiscipline, input: &[u8]) -> (Vec<u8>, Vec<u32>) {
        let mut echo = Vec::new();
        let mut signals = Vec::new();
        for &b in input {
            let r = ld.receive(b);
            echo.extend(r.echo);
            signals.extend(r.signal);
        }
        (echo, signals)
    }

    fn read_all(ld: &mut LineDiscipline) -> Vec<u8> {
        let mut buf = [0u8; 256];
        let n = ld.read(&mut buf);
        buf[..n].to_vec()
    }

    #[test]
    fn canonical_lines_wait_for_newline_and_echo_crlf() {
        let mut ld = LineDiscipline::new();
        let (echo, _) = feed(&mut ld, b"ls");
        assert_eq!(echo, b"ls");
        assert!(!ld.readable(100));
        let (echo, _) = feed(&mut ld, b"\r");
        assert_eq!(echo, b"\r\n");
        assert!(ld.readable(100));
        assert_eq!(read_all(&mut ld), b"ls\n");
        assert!(!ld.readable(100));
    }

    #[test]
    fn one_line_per_read_and_partial_reads() {
        let mut ld = LineDiscipline::new();
        feed(&mut ld, b"abc\ndef\n");
        let mut two = [0u8; 2];
        assert_eq!(ld.read(&mut two), 2);
        assert_eq!(&two, b"ab");
        assert_eq!(read_all(&mut ld), b"c\n");
        assert_eq!(read_all(&mut ld), b"def\n");
    }

    #[test]
    fn erase_kill_and_word_erase() {
        let mut ld = LineDiscipline::new();
        let (echo, _) = feed(&mut ld, b"lx\x7fs -l foo\x17bar\n");
        assert!(echo.starts_with(b"lx\x08 \x08s"));
        assert_eq!(read_all(&mut ld), b"ls -l bar\n");
        feed(&mut ld, b"rm -rf /\x15echo hi\n");
        assert_eq!(read_all(&mut ld), b"echo hi\n");
    }

    #[test]
    fn erasing_a_control_character_rubs_out_two_columns() {
        let mut ld = LineDiscipline::new();
        let (echo, _) = feed(&mut ld, b"\x01\x7f");
        assert_eq!(echo, b"^A\x08 \x08\x08 \x08");
    }

    #[test]
    fn end_of_file_returns_the_partial_line_then_zero() {
        let mut ld = LineDiscipline::new();
        feed(&mut ld, b"par\x04");
        assert_eq!(read_all(&mut ld), b"par");
        assert!(!ld.readable(1));
        feed(&mut ld, b"\x04");
        assert!(ld.readable(1));
        assert_eq!(read_all(&mut ld), b"");
        assert!(!ld.readable(1));
    }

    #[test]
    fn signal_keys_flush_and_echo() {
        let mut ld = LineDiscipline::new();
        let (echo, signals) = feed(&mut ld, b"sleep 9\x03");
        assert_eq!(signals, vec![SIGINT]);
        assert!(echo.ends_with(b"^C"));
        feed(&mut ld, b"\n");
        assert_eq!(read_all(&mut ld), b"\n");
        let (_, signals) = feed(&mut ld, b"\x1a\x1c");
        assert_eq!(signals, vec![SIGTSTP, SIGQUIT]);
        let mut t = ld.termios();
        t.c_lflag &= !ISIG;
        ld.set_termios(t);
        let (_, signals) = feed(&mut ld, b"\x03\n");
        assert!(signals.is_empty());
        assert_eq!(read_all(&mut ld), b"\x03\n");
    }

    #[test]
    fn raw_mode_passes_bytes_and_honours_vmin() {
        let mut ld = LineDiscipline::new();
        feed(&mut ld, b"typed");
        let mut t = ld.termios();
        t.c_lflag &= !(ICANON | ECHO);
        t.c_cc[VMIN] = 3;
        ld.set_termios(t);
        // What was typed in canonical mode is kept.
        assert!(ld.readable(100));
        assert_eq!(read_all(&mut ld), b"typed");
        let (echo, _) = feed(&mut ld, b"\x1b[");
        assert!(echo.is_empty());
        assert!(!ld.readable(100));
        assert!(ld.readable(2));
        feed(&mut ld, b"A\x7f");
        assert_eq!(read_all(&mut ld), b"\x1b[A\x7f");
    }

    #[test]
    fn literal_next_inserts_a_control_character() {
        let mut ld = LineDiscipline::new();
        let (_, signals) = feed(&mut ld, b"\x16\x03\n");
        assert!(signals.is_empty());
        assert_eq!(read_all(&mut ld), b"\x03\n");
    }

    #[test]
    fn output_maps_newlines_only_with_opost() {
        let mut ld = LineDiscipline::new();
        let mut out = Vec::new();
        ld.output(b"a\nb", &mut out);
        assert_eq!(out, b"a\r\nb");
        let mut t = ld.termios();
        t.c_oflag &= !OPOST;
        ld.set_termios(t);
        out.clear();
        ld.output(b"a\nb", &mut out);
        assert_eq!(out, b"a\nb");
    }

    #[test]
    fn lines_are_bounded() {
        let mut ld = LineDiscipline::new();
        feed(&mut ld, &[b'x'; MAX_CANON + 100]);
        feed(&mut ld, b"\n");
        let mut buf = vec![0u8; MAX_CANON + 200];
        assert_eq!(ld.read(&mut buf), MAX_CANON + 1);
    }
}
