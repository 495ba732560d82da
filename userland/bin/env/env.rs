//! `env`: run a program in a changed environment, or print the environment.

use crate::common::{Getopt, Opt, strerror, usage_error, warn_io};
use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["env"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: env [-i] [-u name] [name=value ...] [utility [argument ...]]";

/// Exit statuses of POSIX: the utility was found but could not be run, or was not found.
const CANNOT_RUN: i32 = 126;
const NOT_FOUND: i32 = 127;

fn main(args: &[String]) -> i32 {
    let mut clear = false;
    let mut unset: Vec<String> = Vec::new();
    let mut getopt = Getopt::new(args, "iu:");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('i', _))) => clear = true,
            Ok(Some(Opt::Flag(_, name))) => unset.push(name.unwrap_or_default()),
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let mut operands = getopt.operands();
    // The historical `env -` is `env -i`.
    if operands.first().is_some_and(|o| o == "-") {
        clear = true;
        operands = &operands[1..];
    }
    let mut environment: Vec<(OsString, OsString)> = if clear {
        Vec::new()
    } else {
        std::env::vars_os().collect()
    };
    environment.retain(|(name, _)| !unset.iter().any(|u| name.as_bytes() == u.as_bytes()));
    while let Some((name, value)) = operands.first().and_then(|o| o.split_once('=')) {
        environment.retain(|(n, _)| n.as_bytes() != name.as_bytes());
        environment.push((name.into(), value.into()));
        operands = &operands[1..];
    }
    let Some(utility) = operands.first() else {
        let mut out = io::stdout().lock();
        for (name, value) in &environment {
            let line = [name.as_bytes(), b"=", value.as_bytes(), b"\n"].concat();
            if let Err(e) = out.write_all(&line) {
                warn_io(args, "stdout", &e);
                return 1;
            }
        }
        return 0;
    };
    let error = std::process::Command::new(utility)
        .args(&operands[1..])
        .env_clear()
        .envs(environment)
        .exec();
    eprintln!("env: {utility}: {}", strerror(&error));
    if error.kind() == io::ErrorKind::NotFound {
        NOT_FOUND
    } else {
        CANNOT_RUN
    }
}
