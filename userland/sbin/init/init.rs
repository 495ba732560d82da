//! `init`: process 1. Mounts the file systems of /etc/fstab, names the
//! host, runs /etc/rc, then keeps a getty on each terminal of /etc/ttys (or,
//! without that file, a root shell on the console) and reaps every orphan,
//! until a signal asks it to power off, halt or reboot.
//!
//! It must never exit or panic: the kernel stops when process 1 dies. Each
//! failure is printed on the console and init goes on.

mod config;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use config::Tty;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["init"],
    dir: "sbin",
    main,
};

/// The search path of everything init starts.
const PATH: &str = "/sbin:/bin:/usr/sbin:/usr/bin";
/// A session that ends sooner than this after it started exited "quickly".
const QUICK_EXIT: Duration = Duration::from_secs(5);
/// After this many quick exits in a row, a session is restarted only after
/// [`RESPAWN_PAUSE`] (FreeBSD's GETTY_NSPACE and GETTY_SLEEP).
const QUICK_EXITS_ALLOWED: u32 = 3;
const RESPAWN_PAUSE: Duration = Duration::from_secs(30);
/// How long processes have to end after SIGTERM, then after SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);
const KILL_GRACE: Duration = Duration::from_secs(2);

/// The signals caught, one bit each, set by the handler and taken by the
/// main loop.
static PENDING: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    PENDING.fetch_or(1 << signal, Ordering::SeqCst);
}

/// How the system stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    PowerOff,
    Halt,
    Reboot,
}

/// Signals that ask for a stop, as FreeBSD's init takes them. SIGTERM,
/// single-user mode on FreeBSD, halts: Basalt has no single-user mode, and
/// halting keeps the machine as it is for whoever sent it.
const STOP_SIGNALS: [(libc::c_int, Stop); 4] = [
    (libc::SIGUSR2, Stop::PowerOff),
    (libc::SIGUSR1, Stop::Halt),
    (libc::SIGTERM, Stop::Halt),
    (libc::SIGINT, Stop::Reboot),
];
/// Signals init ignores (and its children get back as default).
const IGNORED: [libc::c_int; 6] = [
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
    libc::SIGPIPE,
];

/// Prints `init: message` on the console, never failing.
fn say(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "init: {message}");
}

fn errno() -> String {
    crate::common::strerror(&std::io::Error::last_os_error())
}

fn main(args: &[String]) -> i32 {
    // SAFETY: getpid has no preconditions.
    if unsafe { libc::getpid() } == 1 {
        // The kernel passes init the words of its command line it does not
        // know: they are no reason to stop. `-s` (after `--` on the kernel
        // command line) asks for the recovery shell.
        run(args.iter().skip(1).any(|a| a == "-s"))
    }
    if args.get(1).is_some_and(|a| a == "--help") {
        let _ = writeln!(
            std::io::stdout(),
            "usage: init [-s]\n(init runs as process 1; poweroff(8) stops the system)"
        );
        return 0;
    }
    crate::common::warn(args, "already running (not process 1)");
    1
}

/// Boots the system; `single_user` (recovery) skips /etc/rc and the
/// terminals of /etc/ttys for a root shell on the console.
fn run(single_user: bool) -> ! {
    console_stdio();
    catch_signals();
    // SAFETY: reboot with CAD_OFF only sets a flag: Ctrl-Alt-Del then
    // sends init SIGINT (a clean reboot) instead of restarting at once.
    unsafe { libc::reboot(libc::RB_DISABLE_CAD) };
    mount_file_systems();
    set_hostname();
    if single_user {
        say("single-user mode: a root shell on the console; /etc/rc was not run");
    } else {
        run_rc();
    }
    let ttys = if single_user {
        Err(std::io::ErrorKind::NotFound.into())
    } else {
        std::fs::read_to_string("/etc/ttys")
    };
    let mut sessions: Vec<Session> = match ttys {
        Ok(text) => config::terminals(&text)
            .into_iter()
            .map(|tty| Session::new(Some(tty)))
            .collect(),
        Err(_) => vec![Session::new(None)],
    };
    if sessions.is_empty() {
        say("/etc/ttys turns no terminal on");
    }
    loop {
        // A bug must not kill process 1: report it and go on.
        let step =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| supervise(&mut sessions)));
        if step.is_err() {
            say("internal error; going on");
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// One turn of the main loop: reap, stop if asked, restart what is due,
/// then sleep until a signal (or a delayed restart) wakes us.
fn supervise(sessions: &mut [Session]) {
    deliver_pending_signals();
    reap(sessions);
    let pending = PENDING.swap(0, Ordering::SeqCst);
    if let Some((_, stop)) = STOP_SIGNALS
        .iter()
        .find(|(signal, _)| pending & (1 << signal) != 0)
    {
        shut_down(*stop);
    }
    let now = Instant::now();
    for session in sessions.iter_mut() {
        if session.pid.is_none() && session.not_before.is_none_or(|t| t <= now) {
            session.start();
        }
    }
    let next = sessions
        .iter()
        .filter(|s| s.pid.is_none())
        .filter_map(|s| s.not_before)
        .min();
    wait_for_signal(next);
}

/// Gives init the console as standard input and outputs when the kernel
/// started it without.
fn console_stdio() {
    // SAFETY: fcntl F_GETFD only asks whether fd 0 is open.
    if unsafe { libc::fcntl(0, libc::F_GETFD) } >= 0 {
        return;
    }
    // SAFETY: open reads a NUL-terminated path; dup2 takes integers.
    unsafe {
        let fd = libc::open(c"/dev/console".as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        if fd >= 0 {
            for target in 0..3 {
                libc::dup2(fd, target);
            }
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

/// The signal set of [`STOP_SIGNALS`] and SIGCHLD.
fn caught_set() -> libc::sigset_t {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: set is a valid sigset_t.
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        for (signal, _) in STOP_SIGNALS {
            libc::sigaddset(&mut set, signal);
        }
    }
    set
}

/// Installs the handlers and blocks the caught signals: they are taken
/// only while init waits, so none is missed between a check and a sleep.
fn catch_signals() {
    let set = caught_set();
    // SAFETY: sigaction is plain data; zeroes are a valid starting value.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    action.sa_mask = set;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: the handler only touches an atomic; the structures are valid.
    unsafe {
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::sigaction(libc::SIGCHLD, &action, std::ptr::null_mut());
        for (signal, _) in STOP_SIGNALS {
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
        for signal in IGNORED {
            libc::signal(signal, libc::SIG_IGN);
        }
    }
}

/// Lets the handlers see the signals that arrived while blocked (a
/// poweroff during /etc/rc, say), so they are acted on before anything
/// new is started.
fn deliver_pending_signals() {
    let set = caught_set();
    // SAFETY: sigprocmask reads a valid set; unblocking runs the handlers
    // of pending signals before it returns.
    unsafe {
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Sleeps until a caught signal arrives, or about until `until`.
fn wait_for_signal(until: Option<Instant>) {
    match until {
        None => {
            // SAFETY: sigset_t is plain data; sigemptyset initialises it.
            let mut none: libc::sigset_t = unsafe { std::mem::zeroed() };
            // SAFETY: sigsuspend unblocks everything while it waits,
            // atomically, and restores the mask when a handler has run.
            unsafe {
                libc::sigemptyset(&mut none);
                libc::sigsuspend(&none);
            }
        }
        Some(until) => {
            // No timed sigsuspend: sleep in short steps with the signals
            // open, so one is handled within a second.
            let step = until
                .saturating_duration_since(Instant::now())
                .min(Duration::from_secs(1));
            let set = caught_set();
            // SAFETY: sigprocmask reads a valid set.
            unsafe { libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
            std::thread::sleep(step);
            // SAFETY: as above.
            unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
        }
    }
}

/// Puts the signals init ignores back to their defaults, and unblocks the
/// ones it blocks, in a child about to exec: a process inherits both, and
/// std's spawning leaves the mask alone.
fn reset_signals() -> std::io::Result<()> {
    for signal in IGNORED {
        // SAFETY: signal(2) is async-signal-safe and takes integers.
        unsafe { libc::signal(signal, libc::SIG_DFL) };
    }
    // SAFETY: sigset_t is plain data that sigemptyset initialises, and
    // sigprocmask (async-signal-safe) reads it.
    unsafe {
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
    Ok(())
}

fn base_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command.env_clear().env("PATH", PATH).env("HOME", "/");
    if let Ok(term) = std::env::var("TERM") {
        command.env("TERM", term);
    }
    // SAFETY: reset_signals only calls signal(2) and sigprocmask(2), which
    // are async-signal-safe.
    unsafe { command.pre_exec(reset_signals) };
    command
}

/// Mounts /proc and /dev if the kernel did not, then /etc/fstab's.
fn mount_file_systems() {
    if std::fs::metadata("/proc/self").is_err() {
        mount("proc", "/proc", "proc", 0, "");
    }
    let mounted = mounted_dirs();
    if !mounted.iter().any(|dir| dir == "/dev") {
        // Basalt's devfs is Linux's devtmpfs; either name will do.
        let mounted = try_mount("devfs", "/dev", "devfs", 0, "")
            .or_else(|_| try_mount("devtmpfs", "/dev", "devtmpfs", 0, ""));
        if let Err(e) = mounted {
            say(format_args!("mount devfs on /dev: {e}"));
        }
    }
    let Ok(fstab) = std::fs::read_to_string("/etc/fstab") else {
        return;
    };
    for entry in config::boot_mounts(&fstab) {
        if mounted.contains(&entry.dir) {
            continue;
        }
        let (flags, data) = config::mount_flags(&entry.options);
        mount(&entry.device, &entry.dir, &entry.fstype, flags, &data);
    }
}

/// mount(2), printing a failure.
fn mount(device: &str, dir: &str, fstype: &str, flags: libc::c_ulong, data: &str) {
    if let Err(e) = try_mount(device, dir, fstype, flags, data) {
        say(format_args!("mount {device} on {dir} ({fstype}): {e}"));
    }
}

/// mount(2); the error is the text of errno.
fn try_mount(
    device: &str,
    dir: &str,
    fstype: &str,
    flags: libc::c_ulong,
    data: &str,
) -> Result<(), String> {
    let c = |s: &str| std::ffi::CString::new(s).unwrap_or_default();
    let (device_c, dir_c, fstype_c, data_c) = (c(device), c(dir), c(fstype), c(data));
    // SAFETY: every pointer is a NUL-terminated string that outlives the call.
    let rc = unsafe {
        libc::mount(
            device_c.as_ptr(),
            dir_c.as_ptr(),
            fstype_c.as_ptr(),
            flags,
            data_c.as_ptr().cast(),
        )
    };
    if rc == 0 { Ok(()) } else { Err(errno()) }
}

/// The mount points listed in /proc/mounts, in mount order.
fn mounted_dirs() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    text.lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(unescape_mount_path)
        .collect()
}

/// /proc/mounts writes a space as `\040` (octal escapes).
fn unescape_mount_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], octal) {
            (b'\\', Some(digits)) => {
                out.push(
                    digits
                        .iter()
                        .fold(0u8, |n, d| n.wrapping_mul(8) + (d - b'0')),
                );
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn set_hostname() {
    let Ok(rc_conf) = std::fs::read_to_string("/etc/rc.conf") else {
        return;
    };
    let Some(name) = config::hostname(&rc_conf) else {
        return;
    };
    // SAFETY: sethostname reads name.len() bytes of name.
    if unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) } != 0 {
        say(format_args!("sethostname {name}: {}", errno()));
    }
}

/// Runs `/bin/sh /etc/rc` on the console and waits for it, reaping any
/// orphan that ends meanwhile.
fn run_rc() {
    if !std::path::Path::new("/etc/rc").exists() {
        return;
    }
    let child = match base_command("/bin/sh").arg("/etc/rc").spawn() {
        Ok(child) => child,
        Err(e) => {
            say(format_args!(
                "/bin/sh /etc/rc: {}",
                crate::common::strerror(&e)
            ));
            return;
        }
    };
    let rc = child.id() as libc::pid_t;
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes one int to a valid pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == rc
            || (pid < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR))
        {
            if pid == rc && status != 0 {
                say(format_args!("/etc/rc failed (wait status {status:#x})"));
            }
            return;
        }
    }
}

/// A terminal init keeps a program on: a getty from /etc/ttys, or (no
/// /etc/ttys) a root shell on the console.
struct Session {
    tty: Option<Tty>,
    pid: Option<libc::pid_t>,
    started: Instant,
    quick_exits: u32,
    /// A restart delayed by too many quick exits.
    not_before: Option<Instant>,
}

impl Session {
    fn new(tty: Option<Tty>) -> Session {
        Session {
            tty,
            pid: None,
            started: Instant::now(),
            quick_exits: 0,
            not_before: None,
        }
    }

    fn describe(&self) -> String {
        match &self.tty {
            Some(tty) => format!("/dev/{}", tty.name),
            None => "the console shell".into(),
        }
    }

    fn start(&mut self) {
        self.not_before = None;
        self.started = Instant::now();
        let mut command = match &self.tty {
            Some(tty) => {
                let mut command = base_command(&tty.command[0]);
                command
                    .args(&tty.command[1..])
                    .arg(&tty.name)
                    .env("TERM", &tty.term);
                // SAFETY: setsid is async-signal-safe.
                unsafe {
                    command.pre_exec(|| {
                        libc::setsid();
                        Ok(())
                    })
                };
                command
            }
            None => console_shell(),
        };
        match command.spawn() {
            Ok(child) => self.pid = Some(child.id() as libc::pid_t),
            Err(e) => {
                say(format_args!(
                    "cannot start {}: {}",
                    self.describe(),
                    crate::common::strerror(&e)
                ));
                self.exited();
            }
        }
    }

    /// Notes an exit and decides when to start again.
    fn exited(&mut self) {
        self.pid = None;
        if self.started.elapsed() < QUICK_EXIT {
            self.quick_exits += 1;
        } else {
            self.quick_exits = 0;
        }
        if self.quick_exits >= QUICK_EXITS_ALLOWED {
            say(format_args!(
                "{} repeating too quickly, sleeping {} s",
                self.describe(),
                RESPAWN_PAUSE.as_secs()
            ));
            self.quick_exits = 0;
            self.not_before = Some(Instant::now() + RESPAWN_PAUSE);
        }
    }
}

/// `-sh` for root on the console, which becomes its controlling terminal.
fn console_shell() -> Command {
    let home = users::Database::open_public(std::path::Path::new("/"))
        .ok()
        .and_then(|db| db.user_by_uid(0).map(|root| root.home.clone()))
        .filter(|home| std::path::Path::new(home).is_dir())
        .unwrap_or_else(|| "/".into());
    let mut command = base_command("/bin/sh");
    command
        .arg0("-sh")
        .env("HOME", &home)
        .env("USER", "root")
        .env("LOGNAME", "root")
        .env("SHELL", "/bin/sh")
        .current_dir(&home);
    if std::env::var_os("TERM").is_none() {
        command.env("TERM", "vt100");
    }
    // SAFETY: the closure calls only async-signal-safe functions (setsid,
    // open, ioctl, dup2, close, tcsetpgrp, getpid).
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            let fd = libc::open(c"/dev/console".as_ptr(), libc::O_RDWR);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Failures here leave a shell without job control, still usable.
            libc::ioctl(fd, libc::TIOCSCTTY, 0);
            for target in 0..3 {
                libc::dup2(fd, target);
            }
            if fd > 2 {
                libc::close(fd);
            }
            libc::tcsetpgrp(0, libc::getpid());
            Ok(())
        })
    };
    command
}

/// Reaps every child that ended: sessions are marked for restart, orphans
/// just disappear.
fn reap(sessions: &mut [Session]) {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes one int to a valid pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        if let Some(session) = sessions.iter_mut().find(|s| s.pid == Some(pid)) {
            session.exited();
        }
    }
}

/// Reaps until no child is left or `grace` has passed; true if none is left.
fn reap_all_within(grace: Duration) -> bool {
    let deadline = Instant::now() + grace;
    loop {
        // SAFETY: waitpid with a null status pointer is allowed.
        let pid = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        if pid < 0 {
            return std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD);
        }
        if pid == 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Stops every process, unmounts the file systems and stops the machine.
fn shut_down(stop: Stop) -> ! {
    say("shutting down");
    // SAFETY: kill(-1) signals every process but init; integers only.
    // SIGHUP is for the interactive shells, which ignore SIGTERM; SIGCONT
    // wakes the stopped, so they can act on the others.
    unsafe {
        libc::kill(-1, libc::SIGTERM);
        libc::kill(-1, libc::SIGHUP);
        libc::kill(-1, libc::SIGCONT);
    }
    if !reap_all_within(TERM_GRACE) {
        say("some processes did not stop; killing them");
        // SAFETY: as above.
        unsafe { libc::kill(-1, libc::SIGKILL) };
        reap_all_within(KILL_GRACE);
    }
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
    let mut dirs = mounted_dirs();
    dirs.reverse();
    for dir in dirs.iter().filter(|dir| *dir != "/") {
        let Ok(path) = std::ffi::CString::new(dir.as_str()) else {
            continue;
        };
        // SAFETY: umount2 reads a NUL-terminated path.
        if unsafe { libc::umount2(path.as_ptr(), 0) } != 0 {
            say(format_args!("umount {dir}: {}", errno()));
        }
    }
    // SAFETY: as above.
    unsafe { libc::sync() };
    let command = match stop {
        Stop::PowerOff => libc::RB_POWER_OFF,
        Stop::Halt => libc::RB_HALT_SYSTEM,
        Stop::Reboot => libc::RB_AUTOBOOT,
    };
    // SAFETY: reboot(2) stops the machine or fails; no memory is passed.
    unsafe { libc::reboot(command) };
    say(format_args!("reboot: {}", errno()));
    loop {
        // SAFETY: pause has no preconditions.
        unsafe { libc::pause() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_paths_are_unescaped() {
        assert_eq!(unescape_mount_path("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_mount_path("/plain"), "/plain");
        assert_eq!(unescape_mount_path("/odd\\"), "/odd\\");
    }

    #[test]
    fn quick_exits_delay_the_restart() {
        let mut session = Session::new(None);
        for _ in 0..QUICK_EXITS_ALLOWED - 1 {
            session.exited();
            assert!(session.not_before.is_none());
        }
        session.exited();
        assert!(session.not_before.is_some_and(|t| t > Instant::now()));
    }
}
