//! `yes`: print a line over and over.

use crate::r#cat::is_broken_pipe;
use std::io::{self, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["yes"],
    dir: "bin",
    main,
};

fn main(args: &[String]) -> i32 {
    if args.get(1).is_some_and(|a| a == "--help") {
        let _ = writeln!(io::stdout(), "usage: yes [string ...]");
        return 0;
    }
    let line = if args.len() > 1 {
        args[1..].join(" ")
    } else {
        "y".to_string()
    };
    // Many copies per write: one system call moves kilobytes, not two bytes.
    let mut block = String::new();
    while block.len() < 16 * 1024 {
        block.push_str(&line);
        block.push('\n');
    }
    let mut out = io::stdout().lock();
    loop {
        if let Err(e) = out.write_all(block.as_bytes()) {
            if !is_broken_pipe(&e) {
                crate::common::warn_io(args, "stdout", &e);
            }
            return 1;
        }
    }
}
