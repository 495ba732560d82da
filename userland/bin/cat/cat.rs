//! `cat`: concatenate files to standard output.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["cat"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: cat [-benstuv] [file ...]";

/// Buffer size for copying: big reads keep the system-call count low.
pub const COPY_BUFFER: usize = 128 * 1024;

/// Opens an input operand; `-` is standard input. Shared by the text tools.
pub fn open_input(operand: &str) -> io::Result<Box<dyn BufRead>> {
    if operand == "-" {
        return Ok(Box::new(BufReader::with_capacity(COPY_BUFFER, io::stdin())));
    }
    let file = File::open(operand)?;
    if file.metadata()?.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    Ok(Box::new(BufReader::with_capacity(COPY_BUFFER, file)))
}

/// The arguments with every option moved before the operands, as
/// getopt_long(3) on FreeBSD and GNU orders them, so options may follow
/// operands (`sort file -o file`). `spec` is the Getopt spec, to tell
/// which options take the next argument as their value; `--` still ends
/// the options.
pub fn options_first(args: &[String], spec: &str) -> Vec<String> {
    let mut options = args[..1.min(args.len())].to_vec();
    let mut operands = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if arg.len() < 2 || !arg.starts_with('-') {
            operands.push(arg.clone());
            continue;
        }
        options.push(arg.clone());
        if arg.starts_with("--") {
            continue;
        }
        // In `-xvalue` the value is attached; in `-x value` it is the next argument.
        for (at, c) in arg.char_indices().skip(1) {
            let takes_value = spec
                .find(c)
                .is_some_and(|p| spec[p + c.len_utf8()..].starts_with(':'));
            if takes_value {
                if at + c.len_utf8() == arg.len()
                    && let Some(value) = args.get(i)
                {
                    options.push(value.clone());
                    i += 1;
                }
                break;
            }
        }
    }
    options.push("--".to_string());
    options.extend(operands);
    options
}

/// True for the error a closed pipe gives: the reader went away, stop quietly.
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

#[derive(Default)]
struct Options {
    number: bool,
    number_nonblank: bool,
    squeeze: bool,
    show_nonprinting: bool,
    show_ends: bool,
    show_tabs: bool,
}

impl Options {
    fn plain(&self) -> bool {
        !(self.number
            || self.number_nonblank
            || self.squeeze
            || self.show_nonprinting
            || self.show_ends
            || self.show_tabs)
    }
}

/// Line state carried across files, as line numbers continue from one to the next.
#[derive(Default)]
struct State {
    line: u64,
    at_line_start: bool,
    blank_run: usize,
}

fn main(args: &[String]) -> i32 {
    let mut opts = Options::default();
    let mut getopt = Getopt::new(args, "benstuvAET");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'b' => opts.number_nonblank = true,
                'n' => opts.number = true,
                's' => opts.squeeze = true,
                'v' => opts.show_nonprinting = true,
                'e' => (opts.show_nonprinting, opts.show_ends) = (true, true),
                't' => (opts.show_nonprinting, opts.show_tabs) = (true, true),
                'E' => opts.show_ends = true,
                'T' => opts.show_tabs = true,
                'A' => (opts.show_nonprinting, opts.show_ends, opts.show_tabs) = (true, true, true),
                _ => {} // -u: output is never held back longer than one read
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let mut operands: Vec<&str> = getopt.operands().iter().map(String::as_str).collect();
    if operands.is_empty() {
        operands.push("-");
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut state = State {
        at_line_start: true,
        ..State::default()
    };
    let mut status = 0;
    for operand in operands {
        let result = match open_input(operand) {
            Ok(mut input) => {
                if opts.plain() {
                    copy(&mut input, &mut out)
                } else {
                    decorate(&mut input, &mut out, &opts, &mut state)
                }
            }
            Err(e) => Err(Failure::Read(e)),
        };
        match result {
            Ok(()) => {}
            Err(Failure::Read(e)) => {
                warn_io(args, operand, &e);
                status = 1;
            }
            Err(Failure::Write(e)) => {
                if !is_broken_pipe(&e) {
                    warn_io(args, "stdout", &e);
                }
                return 1;
            }
        }
    }
    if let Err(e) = out.flush() {
        if !is_broken_pipe(&e) {
            warn_io(args, "stdout", &e);
        }
        return 1;
    }
    status
}

enum Failure {
    Read(io::Error),
    Write(io::Error),
}

fn copy(input: &mut dyn BufRead, out: &mut dyn Write) -> Result<(), Failure> {
    let mut buffer = vec![0u8; COPY_BUFFER];
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::Read(e)),
        };
        out.write_all(&buffer[..n]).map_err(Failure::Write)?;
    }
}

fn decorate(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    opts: &Options,
    state: &mut State,
) -> Result<(), Failure> {
    let mut line = Vec::new();
    let mut rendered = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).map_err(Failure::Read)? == 0 {
            return Ok(());
        }
        let starts_line = state.at_line_start;
        state.at_line_start = line.ends_with(b"\n");
        let blank = starts_line && line == b"\n";
        if blank {
            state.blank_run += 1;
            if opts.squeeze && state.blank_run > 1 {
                continue;
            }
        } else if starts_line {
            state.blank_run = 0;
        }
        rendered.clear();
        if starts_line && (opts.number_nonblank && !blank || opts.number && !opts.number_nonblank) {
            state.line += 1;
            write!(rendered, "{:>6}\t", state.line).map_err(Failure::Write)?;
        }
        for &b in &line {
            render(b, opts, &mut rendered);
        }
        out.write_all(&rendered).map_err(Failure::Write)?;
    }
}

/// Appends one byte as `cat -v` shows it: `^X` for controls, `M-` for the high half.
fn render(b: u8, opts: &Options, out: &mut Vec<u8>) {
    match b {
        b'\n' => {
            if opts.show_ends {
                out.push(b'$');
            }
            out.push(b'\n');
        }
        b'\t' if !opts.show_tabs => out.push(b'\t'),
        _ if !opts.show_nonprinting && b != b'\t' => out.push(b),
        _ => {
            let mut c = b;
            if c >= 0x80 {
                out.extend_from_slice(b"M-");
                c -= 0x80;
            }
            match c {
                0x7f => out.extend_from_slice(b"^?"),
                0..=0x1f => out.extend_from_slice(&[b'^', c + 0x40]),
                _ => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::options_first;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_move_before_operands() {
        assert_eq!(
            options_first(&args(&["sort", "f", "-o", "out", "-rk2", "g"]), "rk:o:"),
            args(&["sort", "-o", "out", "-rk2", "--", "f", "g"])
        );
        assert_eq!(
            options_first(&args(&["grep", "x", "-", "--", "-n"]), "n"),
            args(&["grep", "--", "x", "-", "-n"])
        );
        assert_eq!(
            options_first(&args(&["sort", "-ofile"]), "o:"),
            args(&["sort", "-ofile", "--"])
        );
    }
}
