//! `nologin`: the shell of accounts that must not log in.

use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["nologin"],
    dir: "sbin",
    main,
};

fn main(_args: &[String]) -> i32 {
    let _ = writeln!(std::io::stdout(), "This account is currently not available.");
    1
}
