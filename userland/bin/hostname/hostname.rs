//! `hostname`: print or set the name of this host.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::Write as _;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["hostname"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: hostname [-s] [name]";

fn main(args: &[String]) -> i32 {
    let mut short = false;
    let mut g = Getopt::new(args, "s");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(_, _))) => short = true,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    match g.operands() {
        [] => match crate::r#uname::uname() {
            Ok(u) => {
                let name = if short {
                    u.nodename.split('.').next().unwrap_or_default()
                } else {
                    &u.nodename
                };
                let _ = writeln!(std::io::stdout(), "{name}");
                0
            }
            Err(e) => {
                warn_io(args, "uname", &e);
                1
            }
        },
        [name] => {
            // SAFETY: the pointer and length describe the live bytes of `name`.
            let rc = unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) };
            if rc == 0 {
                0
            } else {
                warn_io(args, name, &std::io::Error::last_os_error());
                1
            }
        }
        [_, extra, ..] => usage_error(args, &format!("extra operand {extra}"), USAGE),
    }
}
