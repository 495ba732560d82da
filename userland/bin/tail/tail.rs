//! `tail`: copy the last part of files, and follow them as they grow.

use crate::r#cat::is_broken_pipe;
use crate::common::{Getopt, Opt, usage_error, warn_io};
use crate::r#head::parse_count;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::time::Duration;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["tail"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: tail [-fqv] [-n [+]lines | -c [+]bytes] [file ...]";

/// How often `-f` looks for new data: there is no inotify, so it polls.
const POLL: Duration = Duration::from_millis(250);

#[derive(Clone, Copy)]
struct Amount {
    bytes: bool,
    /// `+N`: from the Nth line (byte) of the input on, rather than the last N.
    from_start: bool,
    count: u64,
}

fn main(args: &[String]) -> i32 {
    let args = legacy_form(args);
    let args = &args[..];
    let mut amount = Amount {
        bytes: false,
        from_start: false,
        count: 10,
    };
    let mut follow = false;
    let mut headers: Option<bool> = None;
    let mut getopt = Getopt::new(args, "n:c:fFqv");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'f' | 'F' => follow = true,
                'q' => headers = Some(false),
                'v' => headers = Some(true),
                _ => {
                    let value = value.unwrap_or_default();
                    let (from_start, digits) = match value.strip_prefix('+') {
                        Some(rest) => (true, rest),
                        None => (false, value.strip_prefix('-').unwrap_or(&value)),
                    };
                    let Some(count) = parse_count(digits) else {
                        let what = if c == 'n' { "line" } else { "byte" };
                        return usage_error(args, &format!("invalid {what} count: {value}"), USAGE);
                    };
                    amount = Amount {
                        bytes: c == 'c',
                        from_start,
                        count,
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
    if amount.count == 0 && !amount.from_start && !follow {
        // Nothing to print: GNU opens no file, so neither headers nor errors.
        return 0;
    }
    let show_headers = headers.unwrap_or(names.len() > 1);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut status = 0;
    let mut followed: Vec<(&str, File)> = Vec::new();
    let mut first = true;
    for &name in &names {
        // The header goes out only once the file is open, as GNU does.
        let mut header = |out: &mut dyn Write| {
            let result = if show_headers {
                let gap = if first { "" } else { "\n" };
                writeln!(out, "{gap}==> {} <==", shown_name(name))
            } else {
                Ok(())
            };
            first = false;
            result
        };
        let result = if name == "-" {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            header(&mut out).and_then(|()| tail_stream(&mut input, &mut out, amount))
        } else {
            File::open(name).and_then(|mut file| {
                if file.metadata()?.is_dir() {
                    return Err(io::Error::from_raw_os_error(libc::EISDIR));
                }
                header(&mut out)?;
                tail_file(&mut file, &mut out, amount)?;
                if follow {
                    followed.push((name, file));
                }
                Ok(())
            })
        };
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
    if !followed.is_empty() {
        drop(out);
        return follow_files(args, &mut followed, show_headers);
    }
    status
}

fn shown_name(name: &str) -> &str {
    if name == "-" { "standard input" } else { name }
}

/// Rewrites the historical `tail -5`, `tail +5`, `tail -5f` and `tail -c`-less
/// `tail -20c` into options.
fn legacy_form(args: &[String]) -> Vec<String> {
    let mut args = args.to_vec();
    let Some(first) = args.get(1) else {
        return args;
    };
    let Some(sign) = first.chars().next().filter(|c| *c == '-' || *c == '+') else {
        return args;
    };
    let body = &first[1..];
    let digits_end = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let suffix = &body[digits_end..];
    if (digits_end == 0 && sign == '-')
        || !suffix.chars().all(|c| "lcf".contains(c))
        || suffix.chars().filter(|c| *c != 'f').count() > 1
    {
        return args;
    }
    if sign == '+' && digits_end == 0 && suffix.is_empty() {
        return args;
    }
    let digits = if digits_end == 0 {
        "10"
    } else {
        &body[..digits_end]
    };
    let mut replacement = vec![
        if suffix.contains('c') { "-c" } else { "-n" }.to_string(),
        format!("{}{digits}", if sign == '+' { "+" } else { "" }),
    ];
    if suffix.contains('f') {
        replacement.push("-f".to_string());
    }
    args.splice(1..2, replacement);
    args
}

/// Index in `data` (which ends where the input ends) where its last `n`
/// lines begin, or `None` when `data` holds fewer than `n` lines.
pub fn last_lines_start(data: &[u8], n: u64) -> Option<usize> {
    if n == 0 {
        return Some(data.len());
    }
    let end = if data.ends_with(b"\n") {
        data.len() - 1
    } else {
        data.len()
    };
    let mut seen = 0;
    for i in (0..end).rev() {
        if data[i] == b'\n' {
            seen += 1;
            if seen == n {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Skips what comes before the `+N`th line or byte of `input`.
fn skip_to_start(input: &mut dyn Read, amount: Amount) -> io::Result<Vec<u8>> {
    let mut to_skip = amount.count.saturating_sub(1);
    let mut buffer = vec![0u8; 64 * 1024];
    while to_skip > 0 {
        let n = input.read(&mut buffer)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        if amount.bytes {
            let skipped = (n as u64).min(to_skip);
            to_skip -= skipped;
            if to_skip == 0 {
                return Ok(buffer[skipped as usize..n].to_vec());
            }
        } else {
            for i in 0..n {
                if buffer[i] == b'\n' {
                    to_skip -= 1;
                    if to_skip == 0 {
                        return Ok(buffer[i + 1..n].to_vec());
                    }
                }
            }
        }
    }
    Ok(Vec::new())
}

fn tail_stream(input: &mut dyn Read, out: &mut dyn Write, amount: Amount) -> io::Result<()> {
    if amount.from_start {
        let rest = skip_to_start(input, amount)?;
        out.write_all(&rest)?;
        io::copy(input, out)?;
        return Ok(());
    }
    let mut data = Vec::new();
    input.read_to_end(&mut data)?;
    let start = if amount.bytes {
        data.len()
            .saturating_sub(amount.count.min(usize::MAX as u64) as usize)
    } else {
        last_lines_start(&data, amount.count).unwrap_or(0)
    };
    out.write_all(&data[start..])
}

/// Like [`tail_stream`], but a regular file is read from its end backwards
/// so a short tail of a huge file costs little.
fn tail_file(file: &mut File, out: &mut dyn Write, amount: Amount) -> io::Result<()> {
    let size = file.metadata()?.len();
    if amount.from_start || !file.metadata()?.is_file() {
        return tail_stream(file, out, amount);
    }
    let start = if amount.bytes {
        size.saturating_sub(amount.count)
    } else {
        let mut chunk = 64 * 1024u64;
        loop {
            let from = size.saturating_sub(chunk);
            file.seek(SeekFrom::Start(from))?;
            let mut data = Vec::with_capacity((size - from) as usize);
            file.take(size - from).read_to_end(&mut data)?;
            match last_lines_start(&data, amount.count) {
                Some(i) => break from + i as u64,
                None if from == 0 => break 0,
                None => chunk *= 4,
            }
        }
    };
    file.seek(SeekFrom::Start(start))?;
    io::copy(&mut file.take(size - start), out)?;
    Ok(())
}

/// `-f`: polls the files for data past what was printed; runs until killed.
fn follow_files(args: &[String], files: &mut [(&str, File)], show_headers: bool) -> i32 {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut last_shown = files.len() - 1;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        for (i, (name, file)) in files.iter_mut().enumerate() {
            // A file truncated under us is read again from its start.
            if let (Ok(position), Ok(meta)) = (file.stream_position(), file.metadata())
                && meta.len() < position
            {
                let _ = file.seek(SeekFrom::Start(0));
            }
            loop {
                let n = match file.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) => {
                        warn_io(args, name, &e);
                        return 1;
                    }
                };
                if show_headers && last_shown != i {
                    let _ = writeln!(out, "\n==> {} <==", shown_name(name));
                    last_shown = i;
                }
                if out
                    .write_all(&buffer[..n])
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    return 1;
                }
            }
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines() {
        assert_eq!(last_lines_start(b"a\nb\nc\n", 2), Some(2));
        assert_eq!(last_lines_start(b"a\nb\nc", 1), Some(4));
        assert_eq!(last_lines_start(b"a\nb\n", 2), None);
        assert_eq!(last_lines_start(b"a\nb\n", 0), Some(4));
    }

    #[test]
    fn legacy() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(legacy_form(&a(&["tail", "-5"])), a(&["tail", "-n", "5"]));
        assert_eq!(
            legacy_form(&a(&["tail", "+3", "f"])),
            a(&["tail", "-n", "+3", "f"])
        );
        assert_eq!(
            legacy_form(&a(&["tail", "-20cf"])),
            a(&["tail", "-c", "20", "-f"])
        );
        assert_eq!(legacy_form(&a(&["tail", "-f"])), a(&["tail", "-f"]));
        assert_eq!(
            legacy_form(&a(&["tail", "-n", "2"])),
            a(&["tail", "-n", "2"])
        );
    }
}
