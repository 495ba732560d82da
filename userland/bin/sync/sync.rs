//! `sync`: write every file system's cached data to its devices.

use std::io::Write as _;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["sync"],
    dir: "bin",
    main,
};

fn main(args: &[String]) -> i32 {
    if args.get(1).is_some_and(|a| a == "--help") {
        let _ = writeln!(std::io::stdout(), "usage: sync");
        return 0;
    }
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    0
}
