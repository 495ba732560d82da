//! `poweroff`: flush file systems and power the machine off.
//!
//! Until Basalt has an init that shuts down services (see init(8)), this is
//! the direct form: sync(2), then reboot(2) with RB_POWER_OFF. It is also the
//! one-file init of the boot benchmark's Linux initramfs, where `-u` prints
//! how long the system has been up when init started.

use std::process::ExitCode;

const USAGE: &str = "usage: poweroff [-u]";

fn uptime_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

fn main() -> ExitCode {
    let mut report_uptime = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-u" => report_uptime = true,
            "-h" | "--help" => {
                println!("{USAGE}\n  -u  print the uptime in milliseconds first");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("poweroff: unknown option '{other}'\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if report_uptime {
        println!("poweroff: up {} ms", uptime_ms());
    }
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    // SAFETY: reboot(2) with RB_POWER_OFF either stops the machine or fails
    // with an errno; it touches no memory of ours.
    let rc = unsafe { libc::reboot(libc::RB_POWER_OFF) };
    if rc != 0 {
        eprintln!("poweroff: {}", std::io::Error::last_os_error());
    }
    ExitCode::FAILURE
}
