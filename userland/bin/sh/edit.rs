//! Where an interactive or piped shell reads its lines: standard input a
//! byte at a time (so commands that read it later get the rest), or, on a
//! terminal, a small line editor with history.
//!
//! The editor draws with `\r`, backspace, `ESC[K`, `ESC[nC`, `ESC[nD` and
//! `ESC[2J ESC[H` only: all that Basalt's console implements.

use std::io::Write;

use super::parse::LineSource;
use super::sys;

/// Reads standard input one byte at a time, printing prompts on stderr when
/// `prompt` is set (an interactive shell that is not on a terminal).
pub struct StdinLines {
    pub prompt: bool,
}

impl LineSource for StdinLines {
    fn read_line(&mut self, prompt: &str) -> Option<String> {
        if self.prompt {
            eprint!("{prompt}");
        }
        read_plain_line()
    }
}

fn read_plain_line() -> Option<String> {
    let mut bytes = Vec::new();
    let terminal = sys::isatty(0);
    loop {
        let byte = if terminal {
            sys::read_tty_byte(0)
        } else {
            sys::read_byte(0)
        };
        match byte {
            Ok(Some(b)) => {
                bytes.push(b);
                if b == b'\n' {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            _ => break,
        }
    }
    if bytes.is_empty() {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Default)]
pub struct Editor {
    history: Vec<String>,
    /// Where history is kept between sessions, if anywhere.
    history_file: Option<String>,
    interrupted: bool,
}

/// How many lines of history are kept.
const HISTORY_LINES: usize = 500;

/// A key, decoded from the bytes the terminal sends.
enum Key {
    Char(char),
    Enter,
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    Up,
    Down,
    KillToEnd,
    KillToStart,
    KillWord,
    Interrupt,
    EndOfFile,
    Clear,
    Ignored,
}

struct Line<'a> {
    prompt: &'a str,
    text: Vec<char>,
    cursor: usize,
    out: String,
}

impl Line<'_> {
    /// Redraws the line: back to its start, prompt, text, erase the rest,
    /// cursor back into place.
    fn redraw(&mut self) {
        let last_prompt_line = self.prompt.rsplit('\n').next().unwrap_or("");
        self.out.push('\r');
        self.out.push_str(last_prompt_line);
        self.out.extend(self.text.iter());
        self.out.push_str("\x1b[K");
        let back = self.text.len() - self.cursor;
        if back > 0 {
            self.out.push_str(&format!("\x1b[{back}D"));
        }
    }

    fn flush(&mut self) {
        let _ = sys::write_all(2, self.out.as_bytes());
        self.out.clear();
    }
}

fn read_key() -> Option<Key> {
    let byte = loop {
        match sys::read_tty_byte(0) {
            Ok(Some(b)) => break b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            _ => return None,
        }
    };
    Some(match byte {
        b'\r' | b'\n' => Key::Enter,
        0x7f | 0x08 => Key::Backspace,
        0x01 => Key::Home,
        0x05 => Key::End,
        0x02 => Key::Left,
        0x06 => Key::Right,
        0x10 => Key::Up,
        0x0e => Key::Down,
        0x0b => Key::KillToEnd,
        0x15 => Key::KillToStart,
        0x17 => Key::KillWord,
        0x03 => Key::Interrupt,
        0x04 => Key::EndOfFile,
        0x0c => Key::Clear,
        0x1b => {
            let Ok(Some(kind)) = sys::read_tty_byte(0) else {
                return Some(Key::Ignored);
            };
            if kind != b'[' && kind != b'O' {
                return Some(Key::Ignored);
            }
            let mut code = Vec::new();
            loop {
                let Ok(Some(b)) = sys::read_tty_byte(0) else {
                    return Some(Key::Ignored);
                };
                if b.is_ascii_digit() || b == b';' {
                    code.push(b);
                    continue;
                }
                break match (b, code.as_slice()) {
                    (b'A', _) => Key::Up,
                    (b'B', _) => Key::Down,
                    (b'C', _) => Key::Right,
                    (b'D', _) => Key::Left,
                    (b'H', _) => Key::Home,
                    (b'F', _) => Key::End,
                    (b'~', b"3") => Key::Delete,
                    (b'~', b"1" | b"7") => Key::Home,
                    (b'~', b"4" | b"8") => Key::End,
                    _ => Key::Ignored,
                };
            }
        }
        b if b < 0x20 => Key::Ignored,
        b if b < 0x80 => Key::Char(b as char),
        lead => {
            let len = match lead {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let mut bytes = vec![lead];
            for _ in 1..len {
                match sys::read_tty_byte(0) {
                    Ok(Some(b)) => bytes.push(b),
                    _ => break,
                }
            }
            match String::from_utf8_lossy(&bytes).chars().next() {
                Some(c) => Key::Char(c),
                None => Key::Ignored,
            }
        }
    })
}

impl LineSource for Editor {
    fn take_interrupt(&mut self) -> bool {
        std::mem::take(&mut self.interrupted)
    }

    fn read_line(&mut self, prompt: &str) -> Option<String> {
        let Some(cooked) = sys::termios(0) else {
            eprint!("{prompt}");
            return read_plain_line();
        };
        let mut raw = cooked;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
        raw.c_iflag &= !(libc::ICRNL | libc::IXON);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        if !sys::set_termios(0, &raw) {
            eprint!("{prompt}");
            return read_plain_line();
        }
        let _ = std::io::stderr().write_all(prompt.as_bytes());
        let line = self.edit(prompt);
        sys::set_termios(0, &cooked);
        if let Some(text) = &line {
            let entry = text.trim_end_matches('\n');
            if !entry.trim().is_empty() && self.history.last().is_none_or(|last| last != entry) {
                self.history.push(entry.to_string());
                if self.history.len() > HISTORY_LINES {
                    self.history.remove(0);
                }
                self.save(entry);
            }
        }
        line
    }
}

impl Editor {
    /// An editor with the history of `file` (`$HOME/.sh_history`).
    pub fn new(file: Option<String>) -> Editor {
        let mut history: Vec<String> = file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default();
        if history.len() > HISTORY_LINES {
            history.drain(..history.len() - HISTORY_LINES);
        }
        Editor {
            history,
            history_file: file,
            interrupted: false,
        }
    }

    /// Appends a line to the history file; a file that cannot be written
    /// just means no saved history.
    fn save(&mut self, entry: &str) {
        let Some(path) = &self.history_file else {
            return;
        };
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{entry}"));
        if appended.is_err() {
            self.history_file = None;
        }
    }

    fn edit(&mut self, prompt: &str) -> Option<String> {
        let mut line = Line {
            prompt,
            text: Vec::new(),
            cursor: 0,
            out: String::new(),
        };
        let mut browsing = self.history.len();
        let mut unsent = Vec::new();
        loop {
            let key = read_key()?;
            match key {
                Key::Enter => {
                    line.out.push_str("\r\n");
                    line.flush();
                    let mut text: String = line.text.iter().collect();
                    text.push('\n');
                    return Some(text);
                }
                Key::Char(c) if line.cursor == line.text.len() => {
                    // Typing at the end only needs the character echoed.
                    line.text.push(c);
                    line.cursor += 1;
                    line.out.push(c);
                    line.flush();
                    continue;
                }
                Key::Char(c) => {
                    line.text.insert(line.cursor, c);
                    line.cursor += 1;
                }
                Key::Backspace if line.cursor > 0 && line.cursor == line.text.len() => {
                    line.cursor -= 1;
                    line.text.pop();
                    line.out.push_str("\x08\x1b[K");
                    line.flush();
                    continue;
                }
                Key::Backspace if line.cursor > 0 => {
                    line.cursor -= 1;
                    line.text.remove(line.cursor);
                }
                Key::Left if line.cursor > 0 => {
                    line.cursor -= 1;
                    line.out.push_str("\x1b[1D");
                    line.flush();
                    continue;
                }
                Key::Right if line.cursor < line.text.len() => {
                    line.cursor += 1;
                    line.out.push_str("\x1b[1C");
                    line.flush();
                    continue;
                }
                Key::Delete if line.cursor < line.text.len() => {
                    line.text.remove(line.cursor);
                }
                Key::EndOfFile if line.text.is_empty() => {
                    line.out.push_str("\r\n");
                    line.flush();
                    return None;
                }
                Key::EndOfFile if line.cursor < line.text.len() => {
                    line.text.remove(line.cursor);
                }
                Key::Home => line.cursor = 0,
                Key::End => line.cursor = line.text.len(),
                Key::KillToEnd => line.text.truncate(line.cursor),
                Key::KillToStart => {
                    line.text.drain(..line.cursor);
                    line.cursor = 0;
                }
                Key::KillWord => {
                    let mut start = line.cursor;
                    while start > 0 && line.text[start - 1] == ' ' {
                        start -= 1;
                    }
                    while start > 0 && line.text[start - 1] != ' ' {
                        start -= 1;
                    }
                    line.text.drain(start..line.cursor);
                    line.cursor = start;
                }
                Key::Interrupt => {
                    line.out.push_str("^C\r\n");
                    line.flush();
                    self.interrupted = true;
                    return None;
                }
                Key::Clear => {
                    line.out.push_str("\x1b[2J\x1b[H");
                    line.out.push_str(prompt);
                }
                Key::Up if browsing > 0 => {
                    if browsing == self.history.len() {
                        unsent = line.text.clone();
                    }
                    browsing -= 1;
                    line.text = self.history[browsing].chars().collect();
                    line.cursor = line.text.len();
                }
                Key::Down if browsing < self.history.len() => {
                    browsing += 1;
                    line.text = match self.history.get(browsing) {
                        Some(entry) => entry.chars().collect(),
                        None => unsent.clone(),
                    };
                    line.cursor = line.text.len();
                }
                _ => continue,
            }
            line.redraw();
            line.flush();
        }
    }
}
