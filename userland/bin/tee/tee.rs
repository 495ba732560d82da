//! `tee`: copy standard input to standard output and to files.

use crate::r#cat::{COPY_BUFFER, is_broken_pipe};
use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["tee"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: tee [-ai] [file ...]";

fn main(args: &[String]) -> i32 {
    let mut append = false;
    let mut getopt = Getopt::new(args, "ai");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('a', _))) => append = true,
            Ok(Some(Opt::Flag(_, _))) => ignore_interrupts(),
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let mut status = 0;
    let mut outputs: Vec<(String, Box<dyn Write>)> =
        vec![("stdout".into(), Box::new(io::stdout().lock()))];
    for name in getopt.operands() {
        let opened = if append {
            OpenOptions::new().append(true).create(true).open(name)
        } else {
            File::create(name)
        };
        match opened {
            Ok(file) => outputs.push((name.clone(), Box::new(file))),
            Err(e) => {
                warn_io(args, name, &e);
                status = 1;
            }
        }
    }
    let mut input = io::stdin().lock();
    let mut buffer = vec![0u8; COPY_BUFFER];
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                warn_io(args, "stdin", &e);
                return 1;
            }
        };
        // An output that fails is dropped; the others still get everything.
        outputs.retain_mut(|(name, out)| match out.write_all(&buffer[..n]) {
            Ok(()) => true,
            Err(e) => {
                if !is_broken_pipe(&e) {
                    warn_io(args, &*name, &e);
                }
                status = 1;
                false
            }
        });
    }
    for (name, out) in &mut outputs {
        if let Err(e) = out.flush() {
            warn_io(args, &*name, &e);
            status = 1;
        }
    }
    status
}

/// `-i`: SIGINT no longer stops tee, so a pipeline's end is written whole.
fn ignore_interrupts() {
    // SAFETY: SIG_IGN is a valid disposition for SIGINT and no handler code runs.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}
