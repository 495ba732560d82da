//! The system call layer: safe code over the entry in trap.S.
//!
//! One table maps Linux x86_64 numbers to handlers; each family lives in
//! its own file. Handlers take the raw argument words and return a value or
//! an errno; user memory is reached only through [`UserMemory`]. Unknown
//! calls return ENOSYS, logged once per number.

pub mod fs;
pub mod futex;
pub mod info;
pub mod mm;
pub mod process;
pub mod signal;
pub mod socket;
pub mod time;

use crate::arch::trap::TrapFrame;
use crate::task::{Thread, sched};
use abi::errno::Errno;
use abi::sysno::Sysno;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

pub type Result<T = u64> = core::result::Result<T, Errno>;

/// The calling thread and its saved registers.
pub struct Context<'a> {
    pub thread: Arc<Thread>,
    pub frame: &'a mut TrapFrame,
}

impl Context<'_> {
    /// The process's memory, checked: every access is translated page by page.
    pub fn mem(&self) -> UserMemory<'_> {
        UserMemory {
            thread: &self.thread,
        }
    }
}

/// Checked access to the calling process's memory.
pub struct UserMemory<'a> {
    thread: &'a Arc<Thread>,
}

/// Longest path accepted (PATH_MAX).
pub const PATH_MAX: usize = 4096;

impl UserMemory<'_> {
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<()> {
        self.thread
            .process
            .vm
            .lock()
            .copy_in(addr, buf)
            .map_err(|_| Errno::EFAULT)
    }

    pub fn read_vec(&self, addr: u64, len: usize) -> Result<Vec<u8>> {
        let mut buf = alloc::vec![0; len];
        self.read(addr, &mut buf)?;
        Ok(buf)
    }

    pub fn write(&self, addr: u64, data: &[u8]) -> Result<()> {
        self.thread
            .process
            .vm
            .lock()
            .copy_out(addr, data)
            .map_err(|_| Errno::EFAULT)
    }

    pub fn read_u64(&self, addr: u64) -> Result<u64> {
        let mut b = [0; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    pub fn read_u32(&self, addr: u64) -> Result<u32> {
        let mut b = [0; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    pub fn write_u32(&self, addr: u64, value: u32) -> Result<()> {
        self.write(addr, &value.to_le_bytes())
    }

    pub fn write_u64(&self, addr: u64, value: u64) -> Result<()> {
        self.write(addr, &value.to_le_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 64];
        loop {
            // Never read past a page end in one go: the next page may be unmapped.
            let at = addr + out.len() as u64;
            let n =
                (chunk.len() as u64).min(crate::mm::PAGE_SIZE - at % crate::mm::PAGE_SIZE) as usize;
            self.read(at, &mut chunk[..n])?;
            if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..end]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
        }
    }

    /// Reads a path argument.
    pub fn read_path(&self, addr: u64) -> Result<String> {
        let bytes = self.read_cstr(addr, PATH_MAX)?;
        String::from_utf8(bytes).map_err(|_| Errno::EINVAL)
    }

    /// Reads a NULL-terminated array of string pointers (argv, envp), at
    /// most ARG_MAX bytes in all.
    pub fn read_string_array(&self, addr: u64) -> Result<Vec<Vec<u8>>> {
        const ARG_MAX: usize = 2 << 20;
        let mut out = Vec::new();
        let mut total = 0;
        if addr == 0 {
            return Ok(out);
        }
        loop {
            let ptr = self.read_u64(addr + out.len() as u64 * 8)?;
            if ptr == 0 {
                return Ok(out);
            }
            let string = self.read_cstr(ptr, ARG_MAX - total).map_err(|e| {
                if e == Errno::ENAMETOOLONG {
                    Errno::E2BIG
                } else {
                    e
                }
            })?;
            total += string.len() + 1 + 8;
            if total > ARG_MAX {
                return Err(Errno::E2BIG);
            }
            out.push(string);
        }
    }
}

/// Numbers already reported as missing.
static REPORTED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn unimplemented(number: usize) -> Result {
    let mut reported = REPORTED.lock();
    if !reported.contains(&number) {
        reported.push(number);
        let name = Sysno(number).name().unwrap_or("unknown");
        log::warn!("syscall {number} ({name}) is not implemented: ENOSYS");
    }
    Err(Errno::ENOSYS)
}

/// Called by the trap dispatcher for vector 256.
pub fn dispatch(frame: &mut TrapFrame) {
    let number = frame.rax as usize;
    // Kept for restarting the call after a signal handler (Linux's orig_rax);
    // the syscall entry leaves the error-code slot free.
    frame.error_code = frame.rax;
    let args = [
        frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9,
    ];
    let thread = sched::current();
    let mut ctx = Context { thread, frame };
    let result = call(&mut ctx, number, args);
    log::trace!(
        "pid {} {}({:#x}, {:#x}, {:#x}) = {:?}",
        ctx.thread.tid,
        Sysno(number).name().unwrap_or("?"),
        args[0],
        args[1],
        args[2],
        result.map_err(|e| e.name().unwrap_or("?"))
    );
    // rt_sigreturn and execve set every register themselves.
    if number == Sysno::RT_SIGRETURN.0 || (number == Sysno::EXECVE.0 && result.is_ok()) {
        return;
    }
    ctx.frame.rax = match result {
        Ok(value) => value,
        Err(errno) => (-(errno.0 as i64)) as u64,
    };
}

fn call(ctx: &mut Context<'_>, number: usize, a: [u64; 6]) -> Result {
    match Sysno(number) {
        // Files.
        Sysno::READ => fs::read(ctx, a[0], a[1], a[2]),
        Sysno::WRITE => fs::write(ctx, a[0], a[1], a[2]),
        Sysno::OPEN => fs::openat(ctx, fs::AT_FDCWD, a[0], a[1], a[2]),
        Sysno::OPENAT => fs::openat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::CLOSE => fs::close(ctx, a[0]),
        Sysno::READV => fs::readv(ctx, a[0], a[1], a[2]),
        Sysno::WRITEV => fs::writev(ctx, a[0], a[1], a[2]),
        Sysno::PREAD64 => fs::pread(ctx, a[0], a[1], a[2], a[3]),
        Sysno::PWRITE64 => fs::pwrite(ctx, a[0], a[1], a[2], a[3]),
        Sysno::LSEEK => fs::lseek(ctx, a[0], a[1], a[2]),
        Sysno::FSTAT => fs::fstat(ctx, a[0], a[1]),
        Sysno::STAT => fs::newfstatat(ctx, fs::AT_FDCWD, a[0], a[1], 0),
        Sysno::LSTAT => fs::newfstatat(ctx, fs::AT_FDCWD, a[0], a[1], fs::AT_SYMLINK_NOFOLLOW),
        Sysno::NEWFSTATAT => fs::newfstatat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::STATX => fs::statx(ctx, a[0], a[1], a[2], a[4]),
        Sysno::GETDENTS64 => fs::getdents64(ctx, a[0], a[1], a[2]),
        Sysno::DUP => fs::dup(ctx, a[0]),
        Sysno::DUP2 => fs::dup3(ctx, a[0], a[1], 0, true),
        Sysno::DUP3 => fs::dup3(ctx, a[0], a[1], a[2], false),
        Sysno::FCNTL => fs::fcntl(ctx, a[0], a[1], a[2]),
        Sysno::IOCTL => fs::ioctl(ctx, a[0], a[1], a[2]),
        Sysno::PIPE => fs::pipe2(ctx, a[0], 0),
        Sysno::PIPE2 => fs::pipe2(ctx, a[0], a[1]),
        Sysno::GETCWD => fs::getcwd(ctx, a[0], a[1]),
        Sysno::CHDIR => fs::chdir(ctx, a[0]),
        Sysno::FCHDIR => fs::fchdir(ctx, a[0]),
        Sysno::MKDIR => fs::mkdirat(ctx, fs::AT_FDCWD, a[0], a[1]),
        Sysno::MKDIRAT => fs::mkdirat(ctx, a[0], a[1], a[2]),
        Sysno::UNLINK => fs::unlinkat(ctx, fs::AT_FDCWD, a[0], 0),
        Sysno::RMDIR => fs::unlinkat(ctx, fs::AT_FDCWD, a[0], fs::AT_REMOVEDIR),
        Sysno::UNLINKAT => fs::unlinkat(ctx, a[0], a[1], a[2]),
        Sysno::SYMLINK => fs::symlinkat(ctx, a[0], fs::AT_FDCWD, a[1]),
        Sysno::SYMLINKAT => fs::symlinkat(ctx, a[0], a[1], a[2]),
        Sysno::READLINK => fs::readlinkat(ctx, fs::AT_FDCWD, a[0], a[1], a[2]),
        Sysno::READLINKAT => fs::readlinkat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::LINK => fs::linkat(ctx, fs::AT_FDCWD, a[0], fs::AT_FDCWD, a[1]),
        Sysno::LINKAT => fs::linkat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::RENAME => fs::renameat(ctx, fs::AT_FDCWD, a[0], fs::AT_FDCWD, a[1]),
        Sysno::RENAMEAT | Sysno::RENAMEAT2 => fs::renameat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::ACCESS => fs::faccessat(ctx, fs::AT_FDCWD, a[0], a[1]),
        Sysno::FACCESSAT | Sysno::FACCESSAT2 => fs::faccessat(ctx, a[0], a[1], a[2]),
        Sysno::CHMOD => fs::fchmodat(ctx, fs::AT_FDCWD, a[0], a[1]),
        Sysno::FCHMODAT => fs::fchmodat(ctx, a[0], a[1], a[2]),
        Sysno::FCHMOD => fs::fchmod(ctx, a[0], a[1]),
        Sysno::CHOWN | Sysno::LCHOWN => fs::fchownat(ctx, fs::AT_FDCWD, a[0], a[1], a[2]),
        Sysno::FCHOWNAT => fs::fchownat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::FCHOWN => Ok(0),
        Sysno::UMASK => fs::umask(ctx, a[0]),
        Sysno::TRUNCATE => fs::truncate(ctx, a[0], a[1]),
        Sysno::FTRUNCATE => fs::ftruncate(ctx, a[0], a[1]),
        Sysno::FLOCK => fs::flock(ctx, a[0], a[1]),
        Sysno::STATFS => fs::statfs(ctx, a[0], a[1]),
        Sysno::FSTATFS => fs::fstatfs(ctx, a[0], a[1]),
        Sysno::SENDFILE => fs::sendfile(ctx, a[0], a[1], a[2], a[3]),
        Sysno::POLL => fs::poll(ctx, a[0], a[1], a[2] as i64),
        Sysno::PPOLL => fs::ppoll(ctx, a[0], a[1], a[2]),
        Sysno::SELECT => fs::select(ctx, a[0], a[1], a[2], a[3], a[4], false),
        Sysno::PSELECT6 => fs::select(ctx, a[0], a[1], a[2], a[3], a[4], true),
        Sysno::UTIMENSAT => fs::utimensat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::FSYNC | Sysno::FDATASYNC => fs::sync(ctx, Some(a[0])),
        Sysno::SYNC => fs::sync(ctx, None),
        Sysno::MOUNT => fs::mount(ctx, a[0], a[1], a[2], a[3]),
        Sysno::UMOUNT2 => fs::umount(ctx, a[0]),
        // Memory.
        Sysno::BRK => mm::brk(ctx, a[0]),
        Sysno::MMAP => mm::mmap(ctx, a[0], a[1], a[2], a[3], a[4], a[5]),
        Sysno::MUNMAP => mm::munmap(ctx, a[0], a[1]),
        Sysno::MPROTECT => mm::mprotect(ctx, a[0], a[1], a[2]),
        Sysno::MREMAP => mm::mremap(ctx, a[0], a[1], a[2], a[3]),
        Sysno::MADVISE => Ok(0),
        // Processes and threads.
        Sysno::GETPID => Ok(u64::from(ctx.thread.process.pid)),
        Sysno::GETTID => Ok(u64::from(ctx.thread.tid)),
        Sysno::GETPPID => Ok(u64::from(ctx.thread.process.ppid())),
        Sysno::FORK => process::clone(ctx, abi_sigchld(), 0, 0, 0, 0),
        Sysno::VFORK => process::clone(ctx, 0x4000 | 0x100 | abi_sigchld(), 0, 0, 0, 0),
        Sysno::CLONE => process::clone(ctx, a[0], a[1], a[2], a[3], a[4]),
        Sysno::CLONE3 => Err(Errno::ENOSYS),
        Sysno::EXECVE => process::execve(ctx, a[0], a[1], a[2]),
        Sysno::EXIT => process::exit(ctx, a[0]),
        Sysno::EXIT_GROUP => process::exit_group(ctx, a[0]),
        Sysno::WAIT4 => process::wait4(ctx, a[0] as i32, a[1], a[2]),
        Sysno::WAITID => process::waitid(ctx, a[0], a[1], a[2], a[3]),
        Sysno::SET_TID_ADDRESS => process::set_tid_address(ctx, a[0]),
        Sysno::SET_ROBUST_LIST => Ok(0),
        Sysno::ARCH_PRCTL => process::arch_prctl(ctx, a[0], a[1]),
        Sysno::PRCTL => process::prctl(ctx, a[0], a[1]),
        Sysno::FUTEX => futex::futex(ctx, a[0], a[1], a[2], a[3]),
        Sysno::SETPGID => process::setpgid(ctx, a[0], a[1]),
        Sysno::GETPGID => process::getpgid(ctx, a[0]),
        Sysno::GETPGRP => process::getpgid(ctx, 0),
        Sysno::SETSID => process::setsid(ctx),
        Sysno::GETSID => process::getsid(ctx, a[0]),
        Sysno::SCHED_YIELD => Ok(0),
        Sysno::SCHED_GETAFFINITY => process::sched_getaffinity(ctx, a[1], a[2]),
        Sysno::PRLIMIT64 => process::prlimit64(ctx, a[2], a[3]),
        Sysno::GETRLIMIT => process::prlimit64(ctx, 0, a[1]),
        Sysno::GETRUSAGE => process::getrusage(ctx, a[1]),
        Sysno::GETUID | Sysno::GETEUID | Sysno::GETGID | Sysno::GETEGID => {
            process::ids(ctx, Sysno(number))
        }
        Sysno::SETUID
        | Sysno::SETGID
        | Sysno::SETREUID
        | Sysno::SETREGID
        | Sysno::SETRESUID
        | Sysno::SETRESGID => process::set_ids(ctx, Sysno(number), a),
        Sysno::GETRESUID | Sysno::GETRESGID => process::get_res_ids(ctx, Sysno(number), a),
        Sysno::GETGROUPS => process::getgroups(ctx, a[0], a[1]),
        Sysno::SETGROUPS => process::setgroups(ctx, a[0], a[1]),
        // Signals.
        Sysno::RT_SIGACTION => signal::rt_sigaction(ctx, a[0], a[1], a[2], a[3]),
        Sysno::RT_SIGPROCMASK => signal::rt_sigprocmask(ctx, a[0], a[1], a[2], a[3]),
        Sysno::RT_SIGRETURN => signal::rt_sigreturn(ctx),
        Sysno::RT_SIGSUSPEND => signal::rt_sigsuspend(ctx, a[0], a[1]),
        Sysno::SIGALTSTACK => signal::sigaltstack(ctx, a[0], a[1]),
        Sysno::KILL => signal::kill(ctx, a[0] as i32, a[1]),
        Sysno::TKILL => signal::tgkill(ctx, 0, a[0], a[1]),
        Sysno::TGKILL => signal::tgkill(ctx, a[0], a[1], a[2]),
        Sysno::RT_SIGPENDING => signal::rt_sigpending(ctx, a[0]),
        Sysno::PAUSE => signal::pause(ctx),
        // Time.
        Sysno::CLOCK_GETTIME => time::clock_gettime(ctx, a[0], a[1]),
        Sysno::CLOCK_GETRES => time::clock_getres(ctx, a[1]),
        Sysno::GETTIMEOFDAY => time::gettimeofday(ctx, a[0]),
        Sysno::TIME => time::time(ctx, a[0]),
        Sysno::NANOSLEEP => time::nanosleep(ctx, a[0], a[1]),
        Sysno::CLOCK_NANOSLEEP => time::clock_nanosleep(ctx, a[0], a[1], a[2], a[3]),
        Sysno::TIMES => time::times(ctx, a[0]),
        Sysno::ALARM => Ok(0),
        // System.
        Sysno::UNAME => info::uname(ctx, a[0]),
        Sysno::SYSINFO => info::sysinfo(ctx, a[0]),
        Sysno::GETRANDOM => info::getrandom(ctx, a[0], a[1]),
        Sysno::MKNOD => fs::mknodat(ctx, fs::AT_FDCWD, a[0], a[1], a[2]),
        Sysno::MKNODAT => fs::mknodat(ctx, a[0], a[1], a[2], a[3]),
        Sysno::COPY_FILE_RANGE => fs::copy_file_range(ctx, a[0], a[1], a[2], a[3], a[4]),
        Sysno::SOCKETPAIR => socket::socketpair(ctx, a[0], a[1], a[2], a[3]),
        Sysno::SENDTO => socket::sendto(ctx, a[0], a[1], a[2], a[4]),
        Sysno::RECVFROM => socket::recvfrom(ctx, a[0], a[1], a[2], a[5]),
        Sysno::SENDMSG => socket::sendmsg(ctx, a[0], a[1]),
        Sysno::RECVMSG => socket::recvmsg(ctx, a[0], a[1]),
        Sysno::CLOCK_SETTIME => time::clock_settime(ctx, a[0], a[1]),
        Sysno::SETTIMEOFDAY => time::settimeofday(ctx, a[0]),
        Sysno::SYSLOG => info::syslog(ctx, a[0], a[1], a[2]),
        Sysno::REBOOT => info::reboot(ctx, a[0], a[1], a[2]),
        Sysno::SETHOSTNAME => info::sethostname(ctx, a[0], a[1]),
        Sysno::RSEQ => Err(Errno::ENOSYS),
        _ => unimplemented(number),
    }
}

/// SIGCHLD as the exit signal in clone flags.
fn abi_sigchld() -> u64 {
    u64::from(crate::task::signal::SIGCHLD)
}
