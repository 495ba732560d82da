//! `poweroff`, `halt`, `reboot`: stop the system. Normally they ask init(8)
//! to shut down (a signal to PID 1); `-f` (or `-q`, `-n`) skips init and
//! calls reboot(2) at once, which is also what happens when the program is
//! PID 1 itself (the boot benchmark's one-file initramfs).

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["poweroff", "halt", "reboot"],
    dir: "sbin",
    main,
};

/// What each name does: the signal init(8) takes for it and the reboot(2)
/// command used when acting directly.
fn action(name: &str) -> (libc::c_int, libc::c_int) {
    match name {
        "halt" => (libc::SIGUSR1, libc::RB_HALT_SYSTEM),
        "reboot" => (libc::SIGINT, libc::RB_AUTOBOOT),
        _ => (libc::SIGUSR2, libc::RB_POWER_OFF),
    }
}

fn uptime_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

fn main(args: &[String]) -> i32 {
    let name = crate::common::prog(args).to_string();
    let usage = format!("usage: {name} [-fnqu]");
    let (mut direct, mut sync, mut report_uptime) = (false, true, false);
    let mut getopt = Getopt::new(args, "fnqu");
    loop {
        match getopt.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                println!(
                    "{usage}\n  -f, -q  stop at once, without init\n  -n      do not sync (implies -f)\n  -u      print the uptime in milliseconds first"
                );
                return 0;
            }
            Ok(Some(Opt::Flag('f' | 'q', _))) => direct = true,
            Ok(Some(Opt::Flag('n', _))) => {
                direct = true;
                sync = false;
            }
            Ok(Some(Opt::Flag(_, _))) => report_uptime = true,
            Err(e) => return usage_error(args, &e.0, &usage),
        }
    }
    if let Some(extra) = getopt.operands().first() {
        return usage_error(args, &format!("unexpected operand '{extra}'"), &usage);
    }
    if report_uptime {
        println!("{name}: up {} ms", uptime_ms());
        crate::common::flush_stdout();
    }
    let (signal, command) = action(&name);
    // SAFETY: getpid has no preconditions.
    if !direct && unsafe { libc::getpid() } != 1 {
        // SAFETY: kill takes plain integers.
        if unsafe { libc::kill(1, signal) } != 0 {
            warn_io(args, "init", &std::io::Error::last_os_error());
            return 1;
        }
        return 0;
    }
    if sync {
        // SAFETY: sync has no preconditions.
        unsafe { libc::sync() };
    }
    // SAFETY: reboot(2) either stops the machine or fails with an errno;
    // it touches no memory of ours.
    if unsafe { libc::reboot(command) } != 0 {
        warn(
            args,
            crate::common::strerror(&std::io::Error::last_os_error()),
        );
    }
    1
}
