//! `kill`: send a signal to processes or jobs. The shell's `kill` builtin
//! is this same code, given a way to turn `%n` into a process group.

use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["kill"],
    dir: "bin",
    main,
};

const USAGE: &str =
    "usage: kill [-s signal | -signal] pid... | %job...\n       kill -l [exit_status | signal]";

/// Linux x86_64 signal numbers with their names and descriptions.
const SIGNALS: &[(&str, i32, &str)] = &[
    ("HUP", 1, "Hangup"),
    ("INT", 2, "Interrupt"),
    ("QUIT", 3, "Quit"),
    ("ILL", 4, "Illegal instruction"),
    ("TRAP", 5, "Trace/breakpoint trap"),
    ("ABRT", 6, "Aborted"),
    ("BUS", 7, "Bus error"),
    ("FPE", 8, "Floating point exception"),
    ("KILL", 9, "Killed"),
    ("USR1", 10, "User defined signal 1"),
    ("SEGV", 11, "Segmentation fault"),
    ("USR2", 12, "User defined signal 2"),
    ("PIPE", 13, "Broken pipe"),
    ("ALRM", 14, "Alarm clock"),
    ("TERM", 15, "Terminated"),
    ("STKFLT", 16, "Stack fault"),
    ("CHLD", 17, "Child exited"),
    ("CONT", 18, "Continued"),
    ("STOP", 19, "Stopped (signal)"),
    ("TSTP", 20, "Stopped"),
    ("TTIN", 21, "Stopped (tty input)"),
    ("TTOU", 22, "Stopped (tty output)"),
    ("URG", 23, "Urgent I/O condition"),
    ("XCPU", 24, "CPU time limit exceeded"),
    ("XFSZ", 25, "File size limit exceeded"),
    ("VTALRM", 26, "Virtual timer expired"),
    ("PROF", 27, "Profiling timer expired"),
    ("WINCH", 28, "Window changed"),
    ("IO", 29, "I/O possible"),
    ("PWR", 30, "Power failure"),
    ("SYS", 31, "Bad system call"),
];

/// A signal by name (`TERM`, `SIGTERM`, any case) or number.
pub fn signal_number(name: &str) -> Option<i32> {
    if let Ok(n) = name.parse::<i32>() {
        return (0..65).contains(&n).then_some(n);
    }
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS.iter().find(|s| s.0 == bare).map(|s| s.1)
}

pub fn signal_name(number: i32) -> Option<String> {
    SIGNALS
        .iter()
        .find(|s| s.1 == number)
        .map(|s| s.0.to_string())
}

/// What a shell reports for a job killed by the signal: `Terminated`.
pub fn signal_description(number: i32) -> String {
    SIGNALS
        .iter()
        .find(|s| s.1 == number)
        .map_or_else(|| format!("Signal {number}"), |s| s.2.to_string())
}

fn main(args: &[String]) -> i32 {
    run(args, &|spec| Err(format!("{spec}: no such job")))
}

/// Runs kill; `job` turns a `%n` operand into the pid to signal (negative
/// for a process group).
pub fn run(args: &[String], job: &dyn Fn(&str) -> Result<i32, String>) -> i32 {
    let mut signal = libc::SIGTERM;
    let mut rest = &args[1..];
    match rest.first().map(String::as_str) {
        Some("--help") => {
            println!("{USAGE}");
            return 0;
        }
        Some("-l" | "-L") => return list(args, &rest[1..]),
        Some("-s" | "-n") => {
            let Some(name) = rest.get(1) else {
                return crate::common::usage_error(args, "option requires an argument -- s", USAGE);
            };
            match signal_number(name) {
                Some(n) => signal = n,
                None => {
                    crate::common::warn(args, format!("{name}: invalid signal"));
                    return 1;
                }
            }
            rest = &rest[2..];
        }
        Some("--") => rest = &rest[1..],
        Some(option) if option.len() > 1 && option.starts_with('-') => {
            match signal_number(&option[1..]) {
                Some(n) => signal = n,
                None => {
                    crate::common::warn(args, format!("{}: invalid signal", &option[1..]));
                    return 1;
                }
            }
            rest = &rest[1..];
        }
        _ => {}
    }
    if rest.first().is_some_and(|a| a == "--") {
        rest = &rest[1..];
    }
    if rest.is_empty() {
        return crate::common::usage_error(args, "no process or job given", USAGE);
    }
    let mut status = 0;
    for operand in rest {
        let pid = if operand.starts_with('%') {
            match job(operand) {
                Ok(pid) => pid,
                Err(e) => {
                    crate::common::warn(args, e);
                    status = 1;
                    continue;
                }
            }
        } else {
            match operand.parse::<i32>() {
                Ok(pid) => pid,
                Err(_) => {
                    crate::common::warn(
                        args,
                        format!("{operand}: arguments must be process or job IDs"),
                    );
                    status = 1;
                    continue;
                }
            }
        };
        // SAFETY: kill only sends a signal.
        if unsafe { libc::kill(pid, signal) } != 0 {
            crate::common::warn_io(args, operand, &std::io::Error::last_os_error());
            status = 1;
        }
    }
    status
}

/// `kill -l`: every signal name, or the name of a number (an exit status
/// above 128 counts as 128 + signal), or the number of a name.
fn list(args: &[String], operands: &[String]) -> i32 {
    let mut out = String::new();
    let mut status = 0;
    if operands.is_empty() {
        for (name, _, _) in SIGNALS {
            out.push_str(name);
            out.push('\n');
        }
    }
    for operand in operands {
        match operand.parse::<i32>() {
            Ok(n) => {
                let n = if n > 128 { n - 128 } else { n };
                match signal_name(n) {
                    Some(name) => out.push_str(&format!("{name}\n")),
                    None => {
                        crate::common::warn(args, format!("{operand}: invalid signal"));
                        status = 1;
                    }
                }
            }
            Err(_) => match signal_number(operand) {
                Some(n) => out.push_str(&format!("{n}\n")),
                None => {
                    crate::common::warn(args, format!("{operand}: invalid signal"));
                    status = 1;
                }
            },
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    status
}
