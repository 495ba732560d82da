//! `uniq`: report or filter out repeated adjacent lines.

use crate::r#cat::{is_broken_pipe, open_input};
use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::{self, BufRead, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["uniq"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: uniq [-c] [-d | -u] [-i] [-f fields] [-s chars] [input [output]]";

struct Options {
    count: bool,
    repeated_only: bool,
    unique_only: bool,
    ignore_case: bool,
    skip_fields: usize,
    skip_chars: usize,
}

impl Options {
    /// The part of a line that decides whether it repeats the one before.
    fn key<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        let blank = |c: u8| c == b' ' || c == b'\t';
        let mut i = 0;
        for _ in 0..self.skip_fields {
            while i < line.len() && blank(line[i]) {
                i += 1;
            }
            while i < line.len() && !blank(line[i]) {
                i += 1;
            }
        }
        &line[(i + self.skip_chars).min(line.len())..]
    }

    fn same(&self, a: &[u8], b: &[u8]) -> bool {
        let (a, b) = (self.key(a), self.key(b));
        if self.ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }
}

fn main(args: &[String]) -> i32 {
    let mut opts = Options {
        count: false,
        repeated_only: false,
        unique_only: false,
        ignore_case: false,
        skip_fields: 0,
        skip_chars: 0,
    };
    let mut getopt = Getopt::new(args, "cdiuf:s:");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'c' => opts.count = true,
                'd' => opts.repeated_only = true,
                'u' => opts.unique_only = true,
                'i' => opts.ignore_case = true,
                _ => {
                    let value = value.unwrap_or_default();
                    let Ok(n) = value.parse() else {
                        let what = if c == 'f' { "fields" } else { "characters" };
                        return usage_error(
                            args,
                            &format!("invalid number of {what} to skip: {value}"),
                            USAGE,
                        );
                    };
                    if c == 'f' {
                        opts.skip_fields = n;
                    } else {
                        opts.skip_chars = n;
                    }
                }
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    if operands.len() > 2 {
        return usage_error(args, &format!("extra operand '{}'", operands[2]), USAGE);
    }
    let input_name = operands.first().map_or("-", String::as_str);
    let mut input = match open_input(input_name) {
        Ok(input) => input,
        Err(e) => {
            warn_io(args, input_name, &e);
            return 1;
        }
    };
    let mut out: Box<dyn Write> = match operands.get(1).filter(|o| *o != "-") {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Box::new(io::BufWriter::new(file)),
            Err(e) => {
                warn_io(args, path, &e);
                return 1;
            }
        },
        None => Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
    };
    match filter(&mut input, &mut out, &opts).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => 0,
        Err(Failure::Read(e)) => {
            warn_io(args, input_name, &e);
            1
        }
        Err(Failure::Write(e)) if is_broken_pipe(&e) => 0,
        Err(Failure::Write(e)) => {
            warn_io(args, "stdout", &e);
            1
        }
    }
}

enum Failure {
    Read(io::Error),
    Write(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Write(e)
    }
}

fn read_line(input: &mut dyn BufRead, line: &mut Vec<u8>) -> Result<bool, Failure> {
    line.clear();
    let n = input.read_until(b'\n', line).map_err(Failure::Read)?;
    if line.ends_with(b"\n") {
        line.pop();
    }
    Ok(n > 0)
}

fn filter(input: &mut dyn BufRead, out: &mut dyn Write, opts: &Options) -> Result<(), Failure> {
    let mut current = Vec::new();
    let mut next = Vec::new();
    if !read_line(input, &mut current)? {
        return Ok(());
    }
    let mut repeats: u64 = 1;
    loop {
        let more = read_line(input, &mut next)?;
        if more && opts.same(&current, &next) {
            repeats += 1;
            continue;
        }
        let shown = if repeats > 1 {
            !opts.unique_only
        } else {
            !opts.repeated_only
        };
        if shown {
            if opts.count {
                write!(out, "{repeats:>7} ")?;
            }
            out.write_all(&current)?;
            out.write_all(b"\n")?;
        }
        if !more {
            return Ok(());
        }
        std::mem::swap(&mut current, &mut next);
        repeats = 1;
    }
}
