//! `update`: writes cached data to the disks every few seconds.
//!
//! Basalt's kernel writes its buffer cache back only on sync(2), fsync,
//! eviction and unmount, as early Unix did; `update` bounds what a crash
//! or a pulled plug can lose, as BSD's update(8) did.

use crate::common::{Getopt, Opt, usage_error};
use std::io::Write;
use std::time::Duration;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["update"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: update [-i seconds]";
/// BSD's interval.
const DEFAULT_SECONDS: u64 = 30;

fn main(args: &[String]) -> i32 {
    let mut interval = DEFAULT_SECONDS;
    let mut g = Getopt::new(args, "i:");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(_, value))) => {
                let value = value.unwrap_or_default();
                match value.parse::<u64>() {
                    Ok(seconds @ 1..=86400) => interval = seconds,
                    _ => {
                        return usage_error(
                            args,
                            &format!("invalid interval '{value}' (1 to 86400 seconds)"),
                            USAGE,
                        );
                    }
                }
            }
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if let Some(extra) = g.operands().first() {
        return usage_error(args, &format!("extra operand: {extra}"), USAGE);
    }
    // Started with `&` from a shell without job control it shares that
    // shell's process group, which a terminal hang-up reaches: ignore
    // SIGHUP, as nohup(1) does.
    // SAFETY: SIG_IGN installs no handler code.
    unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
    loop {
        std::thread::sleep(Duration::from_secs(interval));
        // SAFETY: sync(2) takes no arguments and cannot fail.
        unsafe { libc::sync() };
    }
}
