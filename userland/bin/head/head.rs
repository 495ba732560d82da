//! `head`: copy the first part of files.

use crate::r#cat::{COPY_BUFFER, is_broken_pipe, open_input};
use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["head"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: head [-qv] [-n lines | -c bytes] [file ...]";

#[derive(Clone, Copy)]
enum Amount {
    Lines(u64),
    Bytes(u64),
    /// GNU's `-n -N` and `-c -N`: all but the last N.
    AllButLines(u64),
    AllButBytes(u64),
}

/// Parses a count with the optional multiplier suffixes BSD and GNU accept.
pub fn parse_count(text: &str) -> Option<u64> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let value: u64 = text[..digits_end].parse().ok()?;
    let multiplier: u64 = match &text[digits_end..] {
        "" => 1,
        "b" => 512,
        "k" | "K" | "KiB" => 1024,
        "kB" | "KB" => 1000,
        "m" | "M" | "MiB" => 1024 * 1024,
        "MB" => 1000 * 1000,
        "g" | "G" | "GiB" => 1024 * 1024 * 1024,
        "GB" => 1000 * 1000 * 1000,
        _ => return None,
    };
    value.checked_mul(multiplier)
}

fn main(args: &[String]) -> i32 {
    // The historical `head -5` is `head -n 5`.
    let mut args = args.to_vec();
    if let Some(first) = args.get(1)
        && first.len() > 1
        && first.starts_with('-')
        && first[1..].bytes().all(|b| b.is_ascii_digit())
    {
        let count = first[1..].to_string();
        args.splice(1..2, ["-n".to_string(), count]);
    }
    let args = &args[..];
    let mut amount = Amount::Lines(10);
    let mut headers: Option<bool> = None;
    let mut getopt = Getopt::new(args, "n:c:qv");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'q' => headers = Some(false),
                'v' => headers = Some(true),
                _ => {
                    let value = value.unwrap_or_default();
                    let (all_but, digits) = match value.strip_prefix('-') {
                        Some(rest) => (true, rest),
                        None => (false, value.as_str()),
                    };
                    let Some(n) = parse_count(digits) else {
                        let what = if c == 'n' { "line" } else { "byte" };
                        return usage_error(args, &format!("invalid {what} count: {value}"), USAGE);
                    };
                    amount = match (c, all_but) {
                        ('n', false) => Amount::Lines(n),
                        ('n', true) => Amount::AllButLines(n),
                        (_, false) => Amount::Bytes(n),
                        (_, true) => Amount::AllButBytes(n),
                    };
                }
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    let names: Vec<&str> = if operands.is_empty() {
        vec!["-"]
    } else {
        operands.iter().map(String::as_str).collect()
    };
    let show_headers = headers.unwrap_or(names.len() > 1);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut status = 0;
    let mut first = true;
    for name in names {
        let mut input = if name == "-" {
            None
        } else {
            match open_input(name) {
                Ok(input) => Some(input),
                Err(e) => {
                    warn_io(args, name, &e);
                    status = 1;
                    continue;
                }
            }
        };
        let result = (|| {
            if show_headers {
                let shown = if name == "-" { "standard input" } else { name };
                let gap = if first { "" } else { "\n" };
                writeln!(out, "{gap}==> {shown} <==")?;
            }
            first = false;
            match input.as_mut() {
                Some(input) => copy_head(input, &mut out, amount),
                None => head_stdin(&mut out, amount),
            }
        })();
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

/// Standard input is read through a duplicate of descriptor 0, so what was
/// read past the output can be given back: POSIX leaves a seekable input
/// just past the bytes used, for the next reader (`{ head -n 1; cat; } < f`).
fn head_stdin(out: &mut dyn Write, amount: Amount) -> io::Result<()> {
    let descriptor = io::stdin().as_fd().try_clone_to_owned()?;
    let mut reader = BufReader::with_capacity(COPY_BUFFER, File::from(descriptor));
    copy_head(&mut reader, out, amount)?;
    let unread = reader.buffer().len() as i64;
    if unread > 0 {
        // A pipe cannot seek; its extra bytes are gone, as with any reader.
        let _ = reader.get_mut().seek(SeekFrom::Current(-unread));
    }
    Ok(())
}

fn copy_head(input: &mut dyn BufRead, out: &mut dyn Write, amount: Amount) -> io::Result<()> {
    match amount {
        Amount::AllButLines(n) | Amount::AllButBytes(n) => {
            let mut data = Vec::new();
            input.read_to_end(&mut data)?;
            let end = match amount {
                Amount::AllButLines(_) => crate::r#tail::last_lines_start(&data, n).unwrap_or(0),
                _ => data
                    .len()
                    .saturating_sub(usize::try_from(n).unwrap_or(usize::MAX)),
            };
            out.write_all(&data[..end])?;
        }
        Amount::Bytes(n) => {
            io::copy(&mut (&mut *input).take(n), out)?;
        }
        Amount::Lines(n) => {
            let mut left = n;
            while left > 0 {
                let buffer = input.fill_buf()?;
                if buffer.is_empty() {
                    break;
                }
                let mut used = buffer.len();
                for (i, _) in buffer.iter().enumerate().filter(|(_, b)| **b == b'\n') {
                    left -= 1;
                    if left == 0 {
                        used = i + 1;
                        break;
                    }
                }
                out.write_all(&buffer[..used])?;
                input.consume(used);
            }
        }
    }
    Ok(())
}
