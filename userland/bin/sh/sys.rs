//! The system calls the shell makes through libc, each wrapped once so the
//! rest of the shell is safe code.

use std::ffi::CString;
use std::io;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Forks after flushing Rust's buffered stdout, so the child does not write
/// the parent's pending output again. Returns 0 in the child.
pub fn fork() -> io::Result<i32> {
    crate::common::flush_stdout();
    // SAFETY: the shell is single-threaded, so the child may run any code.
    check(unsafe { libc::fork() })
}

/// A pipe whose ends close on exec: (read, write).
pub fn pipe() -> io::Result<(i32, i32)> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    Ok((fds[0], fds[1]))
}

pub fn dup2(from: i32, to: i32) -> io::Result<()> {
    // SAFETY: dup2 only acts on descriptor numbers.
    check(unsafe { libc::dup2(from, to) }).map(|_| ())
}

/// A close-on-exec copy of `fd` numbered 10 or more, out of the way of
/// the descriptors scripts use.
pub fn dup_high(fd: i32) -> io::Result<i32> {
    // SAFETY: F_DUPFD_CLOEXEC only acts on descriptor numbers.
    check(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) })
}

pub fn is_open(fd: i32) -> bool {
    // SAFETY: F_GETFD only queries the descriptor.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

pub fn close(fd: i32) {
    // SAFETY: the caller owns fd; closing it twice at worst gives EBADF.
    unsafe { libc::close(fd) };
}

pub fn write_all(fd: i32, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        // SAFETY: data is a valid buffer of data.len() bytes.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        data = &data[n as usize..];
    }
    Ok(())
}

/// Reads one byte; `None` at end of file. An interrupting signal is an
/// error, so callers can run traps.
pub fn read_byte(fd: i32) -> io::Result<Option<u8>> {
    let mut byte = 0u8;
    // SAFETY: byte is a valid one-byte buffer.
    let n = unsafe { libc::read(fd, (&raw mut byte).cast(), 1) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((n == 1).then_some(byte))
}

/// Reads one byte from a terminal, first waiting in poll(2) until input is
/// there: a console whose reads return at once when nothing has arrived
/// (Basalt's, before its line discipline) must not look like end of file.
pub fn read_tty_byte(fd: i32) -> io::Result<Option<u8>> {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: pollfd is one valid pollfd structure.
    if unsafe { libc::poll(&mut pollfd, 1, -1) } < 0 {
        return Err(io::Error::last_os_error());
    }
    read_byte(fd)
}

/// Reads everything until end of file.
pub fn read_to_end(fd: i32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: buf is a valid buffer of buf.len() bytes.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

/// Waits for a child: its raw wait status, or `None` if it stopped
/// reporting (no such child, or `WNOHANG` and nothing changed).
pub fn waitpid(pid: i32, flags: i32) -> io::Result<Option<(i32, i32)>> {
    let mut status = 0;
    // SAFETY: status is a valid int to store the wait status in.
    let r = unsafe { libc::waitpid(pid, &mut status, flags) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((r > 0).then_some((r, status)))
}

/// The exit status a shell reports for a raw wait status.
pub fn exit_code(status: i32) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else if libc::WIFSTOPPED(status) {
        128 + libc::WSTOPSIG(status)
    } else {
        status
    }
}

pub fn setpgid(pid: i32, pgid: i32) {
    // SAFETY: setpgid only acts on process ids; failures (the child already
    // exec'd) are harmless as both parent and child make the call.
    unsafe { libc::setpgid(pid, pgid) };
}

pub fn getpgrp() -> i32 {
    // SAFETY: getpgrp has no preconditions.
    unsafe { libc::getpgrp() }
}

pub fn tcgetpgrp(fd: i32) -> i32 {
    // SAFETY: tcgetpgrp only queries the terminal.
    unsafe { libc::tcgetpgrp(fd) }
}

pub fn tcsetpgrp(fd: i32, pgid: i32) {
    // SAFETY: tcsetpgrp only acts on the terminal's foreground group.
    unsafe { libc::tcsetpgrp(fd, pgid) };
}

pub fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill only sends a signal.
    check(unsafe { libc::kill(pid, signal) }).map(|_| ())
}

pub fn isatty(fd: i32) -> bool {
    // SAFETY: isatty only queries the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// Sets a signal's disposition to `SIG_DFL`, `SIG_IGN` or a handler.
pub fn set_signal(signal: i32, handler: libc::sighandler_t) {
    // SAFETY: an all-zero sigaction is valid (empty mask, no flags).
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    // SAFETY: action is a valid sigaction; the handlers the shell installs
    // only store to atomics, which is async-signal-safe.
    unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) };
}

/// Replaces the process image; returns only on failure.
pub fn execve(path: &str, args: &[String], env: &[(String, String)]) -> io::Error {
    let to_c = |s: &str| CString::new(s.as_bytes()).unwrap_or_default();
    let path = to_c(path);
    let args: Vec<CString> = args.iter().map(|a| to_c(a)).collect();
    let env: Vec<CString> = env.iter().map(|(k, v)| to_c(&format!("{k}={v}"))).collect();
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|e| e.as_ptr()).collect();
    envp.push(std::ptr::null());
    crate::common::flush_stdout();
    // SAFETY: path, argv and envp are NUL-terminated strings and
    // null-terminated arrays that outlive the call.
    unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    io::Error::last_os_error()
}

/// Ends a forked child at once, without the parent's exit handlers.
pub fn exit_now(status: i32) -> ! {
    crate::common::flush_stdout();
    // SAFETY: _exit has no preconditions.
    unsafe { libc::_exit(status) }
}

pub fn access_executable(path: &str) -> bool {
    let Ok(c) = CString::new(path) else {
        return false;
    };
    // SAFETY: c is a NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}

pub fn umask(mask: u32) -> u32 {
    // SAFETY: umask has no preconditions.
    unsafe { libc::umask(mask as libc::mode_t) as u32 }
}

pub fn termios(fd: i32) -> Option<libc::termios> {
    // SAFETY: an all-zero termios is a valid place for tcgetattr to fill.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: t is a valid termios.
    (unsafe { libc::tcgetattr(fd, &mut t) } == 0).then_some(t)
}

pub fn set_termios(fd: i32, t: &libc::termios) -> bool {
    // SAFETY: t is a valid termios.
    unsafe { libc::tcsetattr(fd, libc::TCSADRAIN, t) == 0 }
}

pub fn open_tty() -> Option<i32> {
    // SAFETY: the path is a NUL-terminated string.
    let fd = unsafe { libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    let high = dup_high(fd).ok();
    close(fd);
    high
}

pub fn getrlimit(resource: u32) -> Option<(u64, u64)> {
    // SAFETY: an all-zero rlimit is valid.
    let mut r: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: r is a valid rlimit.
    (unsafe { libc::getrlimit(resource as _, &mut r) } == 0).then_some((r.rlim_cur, r.rlim_max))
}

pub fn setrlimit(resource: u32, soft: u64, hard: u64) -> io::Result<()> {
    let r = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: r is a valid rlimit.
    check(unsafe { libc::setrlimit(resource as _, &r) }).map(|_| ())
}

/// (user, system, children's user, children's system) in clock ticks, and
/// the ticks per second.
pub fn times() -> ([i64; 4], i64) {
    // SAFETY: an all-zero tms is valid.
    let mut t: libc::tms = unsafe { std::mem::zeroed() };
    // SAFETY: t is a valid tms; sysconf has no preconditions.
    let hz = unsafe {
        libc::times(&mut t);
        libc::sysconf(libc::_SC_CLK_TCK)
    };
    (
        [t.tms_utime, t.tms_stime, t.tms_cutime, t.tms_cstime],
        hz.max(1),
    )
}
