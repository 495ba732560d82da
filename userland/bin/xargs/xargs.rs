//! `xargs`: build command lines from standard input and run them.

use crate::common::{Getopt, Opt, strerror, usage_error, warn};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["xargs"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: xargs [-0rtx] [-E eofstr] [-I replstr] [-L number] [-n number] [-P maxprocs] [-s size] [utility [argument ...]]";

/// Exit statuses of POSIX and GNU xargs.
const SOME_FAILED: i32 = 123;
const STOPPED_BY_255: i32 = 124;
const KILLED: i32 = 125;
const CANNOT_RUN: i32 = 126;
const NOT_FOUND: i32 = 127;

/// The default limit on a command line, in bytes.
const DEFAULT_SIZE: usize = 128 * 1024;

struct Options {
    null_separated: bool,
    replace: Option<String>,
    max_lines: Option<usize>,
    max_args: Option<usize>,
    max_size: usize,
    trace: bool,
    skip_if_empty: bool,
    parallel: usize,
    end_of_file: Option<String>,
}

/// Reads the items of standard input one at a time, as POSIX splits them.
struct Items<R: BufRead> {
    input: R,
    null_separated: bool,
    whole_lines: bool,
    end_of_file: Option<String>,
    finished: bool,
}

/// One item and whether an unescaped newline ended it (for `-L`).
type Item = (String, bool);

impl<R: BufRead> Items<R> {
    fn next_item(&mut self) -> Result<Option<Item>, String> {
        if self.finished {
            return Ok(None);
        }
        let item = if self.null_separated {
            self.null_item()
        } else if self.whole_lines {
            self.line_item()
        } else {
            self.quoted_item()
        };
        let item = item?;
        if let (Some((text, _)), Some(eof)) = (&item, &self.end_of_file)
            && text == eof
        {
            self.finished = true;
            return Ok(None);
        }
        if item.is_none() {
            self.finished = true;
        }
        Ok(item)
    }

    fn null_item(&mut self) -> Result<Option<Item>, String> {
        let mut raw = Vec::new();
        let n = self
            .input
            .read_until(0, &mut raw)
            .map_err(|e| strerror(&e))?;
        if n == 0 {
            return Ok(None);
        }
        if raw.last() == Some(&0) {
            raw.pop();
        }
        Ok(Some((String::from_utf8_lossy(&raw).into_owned(), true)))
    }

    /// `-I`: each line is one item, without its leading blanks.
    fn line_item(&mut self) -> Result<Option<Item>, String> {
        loop {
            let mut raw = Vec::new();
            let n = self
                .input
                .read_until(b'\n', &mut raw)
                .map_err(|e| strerror(&e))?;
            if n == 0 {
                return Ok(None);
            }
            let text = String::from_utf8_lossy(&raw);
            let text = text.trim_end_matches('\n').trim_start_matches([' ', '\t']);
            if !text.is_empty() {
                return Ok(Some((text.to_string(), true)));
            }
        }
    }

    fn byte(&mut self) -> Result<Option<u8>, String> {
        let mut b = [0u8];
        match self.input.read(&mut b) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(b[0])),
            Err(e) => Err(strerror(&e)),
        }
    }

    /// Items separated by blanks and newlines, with `'...'`, `"..."` and
    /// backslash quoting.
    fn quoted_item(&mut self) -> Result<Option<Item>, String> {
        let mut raw = Vec::new();
        let mut started = false;
        loop {
            let Some(b) = self.byte()? else {
                return Ok(started.then(|| (String::from_utf8_lossy(&raw).into_owned(), true)));
            };
            match b {
                b' ' | b'\t' | b'\n' if !started => {}
                b' ' | b'\t' => {
                    return Ok(Some((String::from_utf8_lossy(&raw).into_owned(), false)));
                }
                b'\n' => return Ok(Some((String::from_utf8_lossy(&raw).into_owned(), true))),
                b'\'' | b'"' => {
                    started = true;
                    loop {
                        match self.byte()? {
                            Some(c) if c == b => break,
                            Some(b'\n') | None => {
                                let which = if b == b'\'' { "single" } else { "double" };
                                return Err(format!("unmatched {which} quote"));
                            }
                            Some(c) => raw.push(c),
                        }
                    }
                }
                b'\\' => {
                    started = true;
                    if let Some(c) = self.byte()? {
                        raw.push(c);
                    }
                }
                _ => {
                    started = true;
                    raw.push(b);
                }
            }
        }
    }
}

fn main(args: &[String]) -> i32 {
    let mut opts = Options {
        null_separated: false,
        replace: None,
        max_lines: None,
        max_args: None,
        max_size: DEFAULT_SIZE,
        trace: false,
        skip_if_empty: false,
        parallel: 1,
        end_of_file: None,
    };
    let mut getopt = Getopt::new(args, "0rtxE:I:L:n:P:s:");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => {
                let value = value.unwrap_or_default();
                let number = || value.parse::<usize>().ok().filter(|n| *n > 0 || c == 'P');
                match c {
                    '0' => opts.null_separated = true,
                    'r' => opts.skip_if_empty = true,
                    't' => opts.trace = true,
                    'x' => {}
                    'E' => opts.end_of_file = Some(value.clone()),
                    'I' => opts.replace = Some(value.clone()),
                    _ => {
                        let Some(n) = number() else {
                            return usage_error(
                                args,
                                &format!("invalid number for -{c}: {value}"),
                                USAGE,
                            );
                        };
                        match c {
                            'L' => opts.max_lines = Some(n),
                            'n' => opts.max_args = Some(n),
                            'P' => opts.parallel = if n == 0 { usize::MAX } else { n },
                            _ => opts.max_size = n,
                        }
                    }
                }
            }
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    let command: Vec<String> = if operands.is_empty() {
        vec!["echo".to_string()]
    } else {
        operands.to_vec()
    };
    let stdin = io::stdin();
    let mut items = Items {
        input: BufReader::new(stdin.lock()),
        null_separated: opts.null_separated,
        whole_lines: opts.replace.is_some(),
        end_of_file: opts.end_of_file.clone(),
        finished: false,
    };
    let mut runner = Runner {
        args,
        trace: opts.trace,
        parallel: opts.parallel,
        running: Vec::new(),
        status: 0,
    };
    let base_size: usize = command.iter().map(|a| a.len() + 1).sum();
    let mut batch: Vec<String> = Vec::new();
    let mut batch_size = base_size;
    let mut batch_lines = 0;
    let mut ran_any = false;
    loop {
        let item = match items.next_item() {
            Ok(item) => item,
            Err(e) => {
                warn(args, e);
                runner.wait_all();
                return 1;
            }
        };
        let Some((text, ends_line)) = item else {
            break;
        };
        if let Some(replace) = &opts.replace {
            let line: Vec<String> = command
                .iter()
                .map(|a| a.replace(replace.as_str(), &text))
                .collect();
            ran_any = true;
            if let Some(status) = runner.run(&line) {
                return status;
            }
            continue;
        }
        if !batch.is_empty() && batch_size + text.len() + 1 > opts.max_size {
            ran_any = true;
            if let Some(status) =
                runner.run(&[command.clone(), std::mem::take(&mut batch)].concat())
            {
                return status;
            }
            batch_size = base_size;
            batch_lines = 0;
        }
        batch_size += text.len() + 1;
        batch.push(text);
        if ends_line {
            batch_lines += 1;
        }
        let full = opts.max_args.is_some_and(|n| batch.len() >= n)
            || opts.max_lines.is_some_and(|n| batch_lines >= n);
        if full {
            ran_any = true;
            if let Some(status) =
                runner.run(&[command.clone(), std::mem::take(&mut batch)].concat())
            {
                return status;
            }
            batch_size = base_size;
            batch_lines = 0;
        }
    }
    if (!batch.is_empty() || (!ran_any && !opts.skip_if_empty && opts.replace.is_none()))
        && let Some(status) = runner.run(&[command, batch].concat())
    {
        return status;
    }
    if let Some(status) = runner.wait_all() {
        return status;
    }
    runner.status
}

struct Runner<'a> {
    args: &'a [String],
    trace: bool,
    parallel: usize,
    running: Vec<(String, Child)>,
    status: i32,
}

impl Runner<'_> {
    /// Starts one command line; `Some(status)` when xargs must stop now.
    fn run(&mut self, line: &[String]) -> Option<i32> {
        if self.trace {
            eprintln!("{}", line.join(" "));
        }
        while self.running.len() >= self.parallel {
            if let Some(status) = self.wait_oldest() {
                return Some(status);
            }
        }
        match Command::new(&line[0])
            .args(&line[1..])
            .stdin(Stdio::null())
            .spawn()
        {
            Ok(child) => {
                self.running.push((line[0].clone(), child));
                if self.parallel == 1 {
                    return self.wait_oldest();
                }
                None
            }
            Err(e) => {
                warn(self.args, format!("{}: {}", line[0], strerror(&e)));
                self.wait_all();
                Some(if e.kind() == io::ErrorKind::NotFound {
                    NOT_FOUND
                } else {
                    CANNOT_RUN
                })
            }
        }
    }

    fn wait_oldest(&mut self) -> Option<i32> {
        let (name, mut child) = self.running.remove(0);
        let status = match child.wait() {
            Ok(status) => status,
            Err(e) => {
                warn(self.args, format!("{name}: {}", strerror(&e)));
                return Some(CANNOT_RUN);
            }
        };
        if let Some(signal) = status.signal() {
            warn(self.args, format!("{name}: terminated by signal {signal}"));
            self.wait_all();
            return Some(KILLED);
        }
        match status.code() {
            Some(255) => {
                warn(
                    self.args,
                    format!("{name}: exited with status 255; aborting"),
                );
                self.wait_all();
                Some(STOPPED_BY_255)
            }
            Some(0) => None,
            _ => {
                self.status = SOME_FAILED;
                None
            }
        }
    }

    fn wait_all(&mut self) -> Option<i32> {
        while !self.running.is_empty() {
            if let Some(status) = self.wait_oldest() {
                return Some(status);
            }
        }
        None
    }
}
