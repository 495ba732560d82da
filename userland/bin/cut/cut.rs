//! `cut`: select bytes, characters or fields of each line.

use crate::r#cat::{is_broken_pipe, open_input};
use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::{self, BufRead, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["cut"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: cut -b list [-n] [file ...]\n       cut -c list [file ...]\n       cut -f list [-s] [-d delim] [file ...]";

/// A list like `1,3-5,7-`: which positions (1-based) are selected.
struct List {
    /// Inclusive ranges, sorted; `usize::MAX` ends an open range.
    ranges: Vec<(usize, usize)>,
}

impl List {
    fn parse(text: &str) -> Result<List, String> {
        let mut ranges = Vec::new();
        for part in text.split([',', ' ']) {
            let bad = || format!("invalid list: {text}");
            let number = |t: &str| -> Result<usize, String> {
                match t.parse::<usize>() {
                    Ok(0) => Err("positions are numbered from 1".to_string()),
                    Ok(n) => Ok(n),
                    Err(_) => Err(bad()),
                }
            };
            let range = match part.split_once('-') {
                None => {
                    let n = number(part)?;
                    (n, n)
                }
                Some(("", "")) => return Err(bad()),
                Some(("", high)) => (1, number(high)?),
                Some((low, "")) => (number(low)?, usize::MAX),
                Some((low, high)) => (number(low)?, number(high)?),
            };
            if range.0 > range.1 {
                return Err(format!("invalid decreasing range: {part}"));
            }
            ranges.push(range);
        }
        ranges.sort_unstable();
        Ok(List { ranges })
    }

    fn contains(&self, position: usize) -> bool {
        self.ranges
            .iter()
            .any(|&(low, high)| low <= position && position <= high)
    }
}

enum Mode {
    Bytes(List),
    Fields {
        list: List,
        delimiter: u8,
        only_delimited: bool,
    },
}

fn main(args: &[String]) -> i32 {
    let mut list_text: Option<(char, String)> = None;
    let mut delimiter = b'\t';
    let mut only_delimited = false;
    let mut getopt = Getopt::new(args, "b:c:f:d:sn");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'b' | 'c' | 'f' => {
                    if list_text.is_some() {
                        return usage_error(args, "only one type of list may be specified", USAGE);
                    }
                    list_text = Some((c, value.unwrap_or_default()));
                }
                'd' => {
                    let value = value.unwrap_or_default();
                    if value.len() != 1 {
                        return usage_error(
                            args,
                            "the delimiter must be a single character",
                            USAGE,
                        );
                    }
                    delimiter = value.as_bytes()[0];
                }
                's' => only_delimited = true,
                _ => {} // -n: bytes are never split, as characters are bytes here
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let Some((kind, text)) = list_text else {
        return usage_error(
            args,
            "you must specify a list of bytes, characters, or fields",
            USAGE,
        );
    };
    let list = match List::parse(&text) {
        Ok(list) => list,
        Err(e) => return usage_error(args, &e, USAGE),
    };
    let mode = if kind == 'f' {
        Mode::Fields {
            list,
            delimiter,
            only_delimited,
        }
    } else {
        Mode::Bytes(list)
    };
    let operands = getopt.operands();
    let names: Vec<&str> = if operands.is_empty() {
        vec!["-"]
    } else {
        operands.iter().map(String::as_str).collect()
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut status = 0;
    for name in names {
        let result = open_input(name).and_then(|mut input| cut(&mut input, &mut out, &mode));
        if let Err(e) = result {
            if is_broken_pipe(&e) {
                return status;
            }
            warn_io(args, name, &e);
            status = 1;
        }
    }
    if out.flush().is_err() {
        return 1;
    }
    status
}

fn cut(input: &mut dyn BufRead, out: &mut dyn Write, mode: &Mode) -> io::Result<()> {
    let mut line = Vec::new();
    let mut selected = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if line.ends_with(b"\n") {
            line.pop();
        }
        selected.clear();
        match mode {
            Mode::Bytes(list) => {
                for (i, &b) in line.iter().enumerate() {
                    if list.contains(i + 1) {
                        selected.push(b);
                    }
                }
            }
            Mode::Fields {
                list,
                delimiter,
                only_delimited,
            } => {
                if !line.contains(delimiter) {
                    if *only_delimited {
                        continue;
                    }
                    selected.extend_from_slice(&line);
                } else {
                    let mut first = true;
                    for (i, field) in line.split(|b| b == delimiter).enumerate() {
                        if list.contains(i + 1) {
                            if !first {
                                selected.push(*delimiter);
                            }
                            selected.extend_from_slice(field);
                            first = false;
                        }
                    }
                }
            }
        }
        selected.push(b'\n');
        out.write_all(&selected)?;
    }
}
