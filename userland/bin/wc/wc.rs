//! `wc`: count lines, words, characters and bytes.

use crate::r#cat::{COPY_BUFFER, open_input};
use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["wc"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: wc [-c | -m] [-lw] [file ...]";

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    chars: u64,
    bytes: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.lines += other.lines;
        self.words += other.words;
        self.chars += other.chars;
        self.bytes += other.bytes;
    }
}

struct Columns {
    lines: bool,
    words: bool,
    chars: bool,
    bytes: bool,
}

impl Columns {
    fn count(&self) -> usize {
        [self.lines, self.words, self.chars, self.bytes]
            .iter()
            .filter(|&&c| c)
            .count()
    }
}

fn main(args: &[String]) -> i32 {
    let mut columns = Columns {
        lines: false,
        words: false,
        chars: false,
        bytes: false,
    };
    let mut getopt = Getopt::new(args, "lwmc");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'l' => columns.lines = true,
                'w' => columns.words = true,
                'm' => columns.chars = true,
                _ => columns.bytes = true,
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if columns.count() == 0 {
        (columns.lines, columns.words, columns.bytes) = (true, true, true);
    }
    let operands = getopt.operands();
    let names: Vec<&str> = if operands.is_empty() {
        vec!["-"]
    } else {
        operands.iter().map(String::as_str).collect()
    };
    let width = column_width(operands, &columns);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut total = Counts::default();
    let mut status = 0;
    for name in &names {
        match open_input(name).and_then(|mut input| count(&mut input)) {
            Ok(counts) => {
                total.add(&counts);
                let label = if operands.is_empty() {
                    None
                } else {
                    Some(*name)
                };
                if print(&mut out, &counts, &columns, width, label).is_err() {
                    return 1;
                }
            }
            Err(e) => {
                warn_io(args, name, &e);
                status = 1;
            }
        }
    }
    if names.len() > 1 && print(&mut out, &total, &columns, width, Some("total")).is_err() {
        return 1;
    }
    if out.flush().is_err() {
        return 1;
    }
    status
}

/// GNU's column width: wide enough for the total size of the regular files,
/// at least 7 when one input is not a regular file, 1 for a lone column of one input.
fn column_width(operands: &[String], columns: &Columns) -> usize {
    if columns.count() == 1 && operands.len() <= 1 {
        return 1;
    }
    let mut minimum = 1;
    let mut total_size: u64 = 0;
    let stdin = ["-".to_string()];
    let operands = if operands.is_empty() {
        &stdin[..]
    } else {
        operands
    };
    for operand in operands {
        let meta = if operand == "-" {
            io::stdin()
                .as_fd()
                .try_clone_to_owned()
                .and_then(|fd| std::fs::File::from(fd).metadata())
        } else {
            std::fs::metadata(operand)
        };
        match meta {
            Ok(m) if m.is_file() => total_size += m.len(),
            Ok(_) => minimum = 7,
            Err(_) => {}
        }
    }
    total_size.to_string().len().max(minimum)
}

fn count(input: &mut dyn Read) -> io::Result<Counts> {
    let mut counts = Counts::default();
    let mut buffer = vec![0u8; COPY_BUFFER];
    let mut in_word = false;
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => return Ok(counts),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        counts.bytes += n as u64;
        for &b in &buffer[..n] {
            if b == b'\n' {
                counts.lines += 1;
            }
            // Every byte but a UTF-8 continuation byte starts a character.
            if b & 0xc0 != 0x80 {
                counts.chars += 1;
            }
            let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
            if space {
                in_word = false;
            } else if !in_word {
                in_word = true;
                counts.words += 1;
            }
        }
    }
}

fn print(
    out: &mut dyn Write,
    counts: &Counts,
    columns: &Columns,
    width: usize,
    label: Option<&str>,
) -> io::Result<()> {
    let mut fields = Vec::new();
    for (shown, value) in [
        (columns.lines, counts.lines),
        (columns.words, counts.words),
        (columns.chars, counts.chars),
        (columns.bytes, counts.bytes),
    ] {
        if shown {
            fields.push(format!("{value:>width$}"));
        }
    }
    let mut line = fields.join(" ");
    if let Some(label) = label {
        line.push(' ');
        line.push_str(label);
    }
    writeln!(out, "{line}")
}
