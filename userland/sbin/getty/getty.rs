//! `getty`: set up a terminal, greet, ask for a login name and hand it to
//! login(1). init(8) starts it from /etc/ttys as `getty TYPE TTY`.

use std::io::Write;
use std::os::unix::process::CommandExt;

use crate::common::{warn, warn_io};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["getty"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: getty [type [tty]]";

fn main(args: &[String]) -> i32 {
    if args.get(1).is_some_and(|a| a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    if args.len() > 3 {
        return crate::common::usage_error(args, &format!("extra operand '{}'", args[3]), USAGE);
    }
    // The type (a gettytab entry such as `std.115200`) picks a line speed
    // on a real serial line; Basalt's console has none to set.
    let tty = match args.get(2) {
        Some(tty) => {
            let path = if tty.starts_with('/') {
                tty.clone()
            } else {
                format!("/dev/{tty}")
            };
            if let Err(e) = take_terminal(&path) {
                warn_io(args, &path, &e);
                return 1;
            }
            tty.rsplit('/').next().unwrap_or(tty).to_string()
        }
        None => std::fs::read_link("/proc/self/fd/0")
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "console".into()),
    };
    sane_modes();
    let banner = format!("\r\n{} ({}) ({tty})\r\n\r\n", system(), hostname());
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes());
    let name = loop {
        let _ = out.write_all(b"login: ");
        let _ = out.flush();
        match users::terminal::read_line(std::io::stdin().lock()) {
            Ok(Some(name)) => {
                let name = name.trim().to_string();
                // A name that looks like an option would be one to login.
                if !name.is_empty() && !name.starts_with('-') {
                    break name;
                }
            }
            Ok(None) => return 1,
            Err(e) => {
                warn_io(args, "stdin", &e);
                return 1;
            }
        }
    };
    drop(out);
    let e = std::process::Command::new("/bin/login").arg(&name).exec();
    warn(
        args,
        format_args!("/bin/login: {}", crate::common::strerror(&e)),
    );
    1
}

/// Makes `path` this process's controlling terminal and its standard
/// input and outputs, in a session of its own.
fn take_terminal(path: &str) -> std::io::Result<()> {
    let c_path = std::ffi::CString::new(path)?;
    // SAFETY: setsid takes no arguments; it fails harmlessly when init
    // already made us a session leader.
    unsafe { libc::setsid() };
    // SAFETY: open reads a NUL-terminated path.
    let fd = unsafe { libc::open(c_path.as_ptr(), libc::O_RDWR) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: ioctl TIOCSCTTY takes an integer argument; dup2 and close take
    // descriptors; tcsetpgrp takes integers.
    unsafe {
        if libc::ioctl(fd, libc::TIOCSCTTY, 0) != 0 {
            let e = std::io::Error::last_os_error();
            let _ = writeln!(
                std::io::stderr(),
                "getty: {path}: cannot become the controlling terminal: {}",
                crate::common::strerror(&e)
            );
        }
        for target in 0..3 {
            libc::dup2(fd, target);
        }
        if fd > 2 {
            libc::close(fd);
        }
        libc::tcsetpgrp(0, libc::getpid());
    }
    Ok(())
}

/// Canonical input with echo, CR read as NL, NL written as CR NL, and the
/// usual control characters: what login(1) and the shell expect.
fn sane_modes() {
    // SAFETY: termios is plain data; tcgetattr fills it.
    let mut modes: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: tcgetattr writes one termios to a valid pointer.
    if unsafe { libc::tcgetattr(0, &mut modes) } != 0 {
        return;
    }
    modes.c_iflag |= libc::ICRNL | libc::IXON | libc::BRKINT;
    modes.c_iflag &= !(libc::INLCR | libc::IGNCR | libc::ISTRIP);
    modes.c_oflag |= libc::OPOST | libc::ONLCR;
    modes.c_lflag |=
        libc::ICANON | libc::ECHO | libc::ECHOE | libc::ECHOK | libc::ISIG | libc::IEXTEN;
    modes.c_cc[libc::VINTR] = 0x03;
    modes.c_cc[libc::VQUIT] = 0x1c;
    modes.c_cc[libc::VERASE] = 0x7f;
    modes.c_cc[libc::VKILL] = 0x15;
    modes.c_cc[libc::VEOF] = 0x04;
    modes.c_cc[libc::VSUSP] = 0x1a;
    // SAFETY: tcsetattr reads one termios from a valid pointer.
    unsafe { libc::tcsetattr(0, libc::TCSANOW, &modes) };
}

fn field(chars: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `Basalt/x86_64`: the system's name and machine, as getty's `%s/%m`.
fn system() -> String {
    // SAFETY: utsname is plain data; uname fills it.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname writes one utsname to a valid pointer.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return "Basalt/x86_64".into();
    }
    format!("{}/{}", field(&uts.sysname), field(&uts.machine))
}

fn hostname() -> String {
    // SAFETY: as in system().
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as in system().
    if unsafe { libc::uname(&mut uts) } != 0 {
        return "localhost".into();
    }
    field(&uts.nodename)
}
