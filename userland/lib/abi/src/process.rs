//! Processes and threads: `clone` flags and `clone_args`, wait options and status
//! encoding, resource limits and usage, `prctl`, `arch_prctl`, futex operations, the
//! auxiliary vector and `reboot`.
//!
//! Values from `include/uapi/linux/{sched,wait,resource,prctl,futex,reboot}.h`,
//! `include/uapi/asm-generic/resource.h`, `arch/x86/include/uapi/asm/prctl.h` and
//! `include/uapi/linux/auxvec.h` / `arch/x86/include/uapi/asm/auxvec.h`.

use crate::time::Timeval;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// `clone` flags (the low byte of `clone`'s flags is the exit signal, `CSIGNAL`).
/// Mask of the exit signal in `clone`'s flags.
pub const CSIGNAL: u64 = 0x0000_00ff;
/// New time namespace.
pub const CLONE_NEWTIME: u64 = 0x0000_0080;
/// Share the address space.
pub const CLONE_VM: u64 = 0x0000_0100;
/// Share cwd, root and umask.
pub const CLONE_FS: u64 = 0x0000_0200;
/// Share the file descriptor table.
pub const CLONE_FILES: u64 = 0x0000_0400;
/// Share signal handlers.
pub const CLONE_SIGHAND: u64 = 0x0000_0800;
/// Return a pidfd for the child.
pub const CLONE_PIDFD: u64 = 0x0000_1000;
/// Continue tracing the child.
pub const CLONE_PTRACE: u64 = 0x0000_2000;
/// Suspend the parent until the child execs or exits.
pub const CLONE_VFORK: u64 = 0x0000_4000;
/// The child gets the caller's parent.
pub const CLONE_PARENT: u64 = 0x0000_8000;
/// Same thread group (a thread).
pub const CLONE_THREAD: u64 = 0x0001_0000;
/// New mount namespace.
pub const CLONE_NEWNS: u64 = 0x0002_0000;
/// Share System V semaphore undo lists.
pub const CLONE_SYSVSEM: u64 = 0x0004_0000;
/// Set the child's TLS (FS base) from `tls`.
pub const CLONE_SETTLS: u64 = 0x0008_0000;
/// Store the child's tid at `parent_tid` in the parent.
pub const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
/// Clear `child_tid` and futex-wake it when the child exits.
pub const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
/// Ignored.
pub const CLONE_DETACHED: u64 = 0x0040_0000;
/// A tracer cannot force `CLONE_PTRACE`.
pub const CLONE_UNTRACED: u64 = 0x0080_0000;
/// Store the child's tid at `child_tid` in the child.
pub const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
/// New cgroup namespace.
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;
/// New UTS namespace.
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
/// New IPC namespace.
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
/// New user namespace.
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
/// New PID namespace.
pub const CLONE_NEWPID: u64 = 0x2000_0000;
/// New network namespace.
pub const CLONE_NEWNET: u64 = 0x4000_0000;
/// Share the I/O context.
pub const CLONE_IO: u64 = 0x8000_0000;
/// `clone3` only: reset all signal handlers to default.
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
/// `clone3` only: put the child in the cgroup given by `cgroup`.
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// `struct clone_args` for `clone3` (88 bytes in its latest version; callers pass the
/// size they know, at least [`CloneArgs::SIZE_VER0`]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct CloneArgs {
    /// `CLONE_*` flags (no exit signal in the low byte).
    pub flags: u64,
    /// With `CLONE_PIDFD`: where to store the pidfd.
    pub pidfd: u64,
    /// With `CLONE_CHILD_SETTID`/`CLONE_CHILD_CLEARTID`: the child's tid address.
    pub child_tid: u64,
    /// With `CLONE_PARENT_SETTID`: where to store the child's tid in the parent.
    pub parent_tid: u64,
    /// Signal sent to the parent when the child exits.
    pub exit_signal: u64,
    /// Lowest address of the child's stack.
    pub stack: u64,
    /// Size of the child's stack.
    pub stack_size: u64,
    /// With `CLONE_SETTLS`: the new FS base.
    pub tls: u64,
    /// Address of an array of tids to use, one per PID namespace level.
    pub set_tid: u64,
    /// Number of elements in `set_tid`.
    pub set_tid_size: u64,
    /// With `CLONE_INTO_CGROUP`: cgroup directory fd.
    pub cgroup: u64,
}

impl CloneArgs {
    /// Size of the first version (up to `tls`).
    pub const SIZE_VER0: usize = 64;
    /// Size with `set_tid` and `set_tid_size`.
    pub const SIZE_VER1: usize = 80;
    /// Size with `cgroup`.
    pub const SIZE_VER2: usize = 88;
}

// `wait4`/`waitid` options.
/// Return immediately if no child has changed state.
pub const WNOHANG: u32 = 0x0000_0001;
/// Also report stopped children (`wait4`).
pub const WUNTRACED: u32 = 0x0000_0002;
/// Report stopped children (`waitid`).
pub const WSTOPPED: u32 = WUNTRACED;
/// Report exited children (`waitid`).
pub const WEXITED: u32 = 0x0000_0004;
/// Report continued children.
pub const WCONTINUED: u32 = 0x0000_0008;
/// Leave the child waitable (`waitid`).
pub const WNOWAIT: u32 = 0x0100_0000;
/// Only wait for children of this thread.
pub const __WNOTHREAD: u32 = 0x2000_0000;
/// Wait for all children, clone or not.
pub const __WALL: u32 = 0x4000_0000;
/// Wait only for clone children.
pub const __WCLONE: u32 = 0x8000_0000;

// Wait status encoding (the `int *wstatus` of `wait4`).
/// Status of a child that exited with `code` (only the low 8 bits are kept).
pub const fn wait_status_exited(code: i32) -> i32 {
    (code & 0xff) << 8
}

/// Status of a child killed by `signal`, with the core-dump bit if `core_dumped`.
pub const fn wait_status_signaled(signal: u32, core_dumped: bool) -> i32 {
    (signal & 0x7f) as i32 | if core_dumped { WCOREFLAG } else { 0 }
}

/// Status of a child stopped by `signal`.
pub const fn wait_status_stopped(signal: u32) -> i32 {
    (((signal & 0xff) as i32) << 8) | 0x7f
}

/// Status of a stopped child that was continued.
pub const WAIT_STATUS_CONTINUED: i32 = 0xffff;
/// Core-dump bit of a "signaled" status.
pub const WCOREFLAG: i32 = 0x80;

/// `WIFEXITED`: the child exited normally.
pub const fn wifexited(status: i32) -> bool {
    status & 0x7f == 0
}

/// `WEXITSTATUS`: the exit code of an exited child.
pub const fn wexitstatus(status: i32) -> i32 {
    (status >> 8) & 0xff
}

/// `WIFSIGNALED`: the child was killed by a signal.
pub const fn wifsignaled(status: i32) -> bool {
    let sig = status & 0x7f;
    sig != 0 && sig != 0x7f
}

/// `WTERMSIG`: the signal that killed the child.
pub const fn wtermsig(status: i32) -> i32 {
    status & 0x7f
}

/// `WCOREDUMP`: the killed child dumped core.
pub const fn wcoredump(status: i32) -> bool {
    status & WCOREFLAG != 0
}

/// `WIFSTOPPED`: the child is stopped.
pub const fn wifstopped(status: i32) -> bool {
    status & 0xff == 0x7f
}

/// `WSTOPSIG`: the signal that stopped the child.
pub const fn wstopsig(status: i32) -> i32 {
    wexitstatus(status)
}

/// `WIFCONTINUED`: the child was continued.
pub const fn wifcontinued(status: i32) -> bool {
    status == WAIT_STATUS_CONTINUED
}

// `waitid` id types.
/// Any child.
pub const P_ALL: u32 = 0;
/// The child with this pid.
pub const P_PID: u32 = 1;
/// Any child in this process group.
pub const P_PGID: u32 = 2;
/// The child referred to by this pidfd.
pub const P_PIDFD: u32 = 3;

// Resource limits.
/// CPU time in seconds.
pub const RLIMIT_CPU: u32 = 0;
/// Maximum file size.
pub const RLIMIT_FSIZE: u32 = 1;
/// Maximum data segment size.
pub const RLIMIT_DATA: u32 = 2;
/// Maximum stack size.
pub const RLIMIT_STACK: u32 = 3;
/// Maximum core file size.
pub const RLIMIT_CORE: u32 = 4;
/// Maximum resident set size.
pub const RLIMIT_RSS: u32 = 5;
/// Maximum number of processes.
pub const RLIMIT_NPROC: u32 = 6;
/// Maximum number of open files.
pub const RLIMIT_NOFILE: u32 = 7;
/// Maximum locked memory.
pub const RLIMIT_MEMLOCK: u32 = 8;
/// Maximum address space size.
pub const RLIMIT_AS: u32 = 9;
/// Maximum number of file locks.
pub const RLIMIT_LOCKS: u32 = 10;
/// Maximum number of pending signals.
pub const RLIMIT_SIGPENDING: u32 = 11;
/// Maximum bytes in POSIX message queues.
pub const RLIMIT_MSGQUEUE: u32 = 12;
/// Ceiling of the nice value.
pub const RLIMIT_NICE: u32 = 13;
/// Ceiling of the real-time priority.
pub const RLIMIT_RTPRIO: u32 = 14;
/// Real-time CPU time without blocking, in microseconds.
pub const RLIMIT_RTTIME: u32 = 15;
/// Number of resource limits.
pub const RLIM_NLIMITS: u32 = 16;
/// No limit.
pub const RLIM_INFINITY: u64 = u64::MAX;

/// `struct rlimit` (`getrlimit`, `setrlimit`, `prlimit64`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Rlimit {
    /// Soft limit.
    pub rlim_cur: u64,
    /// Hard limit.
    pub rlim_max: u64,
}

// `getrusage` targets.
/// The calling process.
pub const RUSAGE_SELF: i32 = 0;
/// Its terminated and waited-for children.
pub const RUSAGE_CHILDREN: i32 = -1;
/// The calling thread.
pub const RUSAGE_THREAD: i32 = 1;

/// `struct rusage` (144 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Rusage {
    /// User CPU time.
    pub ru_utime: Timeval,
    /// System CPU time.
    pub ru_stime: Timeval,
    /// Maximum resident set size, KiB.
    pub ru_maxrss: i64,
    /// Unused.
    pub ru_ixrss: i64,
    /// Unused.
    pub ru_idrss: i64,
    /// Unused.
    pub ru_isrss: i64,
    /// Minor page faults.
    pub ru_minflt: i64,
    /// Major page faults.
    pub ru_majflt: i64,
    /// Unused.
    pub ru_nswap: i64,
    /// Block input operations.
    pub ru_inblock: i64,
    /// Block output operations.
    pub ru_oublock: i64,
    /// Unused.
    pub ru_msgsnd: i64,
    /// Unused.
    pub ru_msgrcv: i64,
    /// Unused.
    pub ru_nsignals: i64,
    /// Voluntary context switches.
    pub ru_nvcsw: i64,
    /// Involuntary context switches.
    pub ru_nivcsw: i64,
}

// `prctl` options.
/// Set the signal sent when the parent dies.
pub const PR_SET_PDEATHSIG: u32 = 1;
/// Get the parent-death signal.
pub const PR_GET_PDEATHSIG: u32 = 2;
/// Get the dumpable flag.
pub const PR_GET_DUMPABLE: u32 = 3;
/// Set the dumpable flag.
pub const PR_SET_DUMPABLE: u32 = 4;
/// Get the keep-capabilities flag.
pub const PR_GET_KEEPCAPS: u32 = 7;
/// Set the keep-capabilities flag.
pub const PR_SET_KEEPCAPS: u32 = 8;
/// Set the thread name (up to [`TASK_COMM_LEN`] bytes with the NUL).
pub const PR_SET_NAME: u32 = 15;
/// Get the thread name (into a [`TASK_COMM_LEN`]-byte buffer).
pub const PR_GET_NAME: u32 = 16;
/// Get the seccomp mode.
pub const PR_GET_SECCOMP: u32 = 21;
/// Set the seccomp mode.
pub const PR_SET_SECCOMP: u32 = 22;
/// Whether a capability is in the bounding set.
pub const PR_CAPBSET_READ: u32 = 23;
/// Set the timer slack.
pub const PR_SET_TIMERSLACK: u32 = 29;
/// Get the timer slack.
pub const PR_GET_TIMERSLACK: u32 = 30;
/// Make this process a subreaper.
pub const PR_SET_CHILD_SUBREAPER: u32 = 36;
/// Whether this process is a subreaper.
pub const PR_GET_CHILD_SUBREAPER: u32 = 37;
/// Set the no-new-privileges flag.
pub const PR_SET_NO_NEW_PRIVS: u32 = 38;
/// Get the no-new-privileges flag.
pub const PR_GET_NO_NEW_PRIVS: u32 = 39;
/// Manage ambient capabilities.
pub const PR_CAP_AMBIENT: u32 = 47;
/// Set attributes of a memory area.
pub const PR_SET_VMA: u32 = 0x53564d41;
/// `PR_SET_VMA` sub-option: name an anonymous mapping.
pub const PR_SET_VMA_ANON_NAME: u32 = 0;
/// Allow a process to ptrace this one (Yama).
pub const PR_SET_PTRACER: u32 = 0x59616d61;
/// Length of a task name (`comm`), including the NUL.
pub const TASK_COMM_LEN: usize = 16;

// `arch_prctl` codes.
/// Set the GS base.
pub const ARCH_SET_GS: u32 = 0x1001;
/// Set the FS base (the TLS pointer).
pub const ARCH_SET_FS: u32 = 0x1002;
/// Get the FS base.
pub const ARCH_GET_FS: u32 = 0x1003;
/// Get the GS base.
pub const ARCH_GET_GS: u32 = 0x1004;
/// Whether `cpuid` is enabled.
pub const ARCH_GET_CPUID: u32 = 0x1011;
/// Enable or disable `cpuid`.
pub const ARCH_SET_CPUID: u32 = 0x1012;

// Futex operations (ORed with the flags below).
/// Wait if the word still holds the expected value.
pub const FUTEX_WAIT: u32 = 0;
/// Wake up to `val` waiters.
pub const FUTEX_WAKE: u32 = 1;
/// Obsolete.
pub const FUTEX_FD: u32 = 2;
/// Wake some waiters and requeue the rest.
pub const FUTEX_REQUEUE: u32 = 3;
/// `FUTEX_REQUEUE` after comparing the word.
pub const FUTEX_CMP_REQUEUE: u32 = 4;
/// Modify a second word and conditionally wake.
pub const FUTEX_WAKE_OP: u32 = 5;
/// Priority-inheritance lock.
pub const FUTEX_LOCK_PI: u32 = 6;
/// Priority-inheritance unlock.
pub const FUTEX_UNLOCK_PI: u32 = 7;
/// Priority-inheritance try-lock.
pub const FUTEX_TRYLOCK_PI: u32 = 8;
/// Wait with a bitset (absolute timeout).
pub const FUTEX_WAIT_BITSET: u32 = 9;
/// Wake waiters matching a bitset.
pub const FUTEX_WAKE_BITSET: u32 = 10;
/// Wait on a non-PI futex, to be requeued to a PI one.
pub const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
/// Requeue from a non-PI futex to a PI one.
pub const FUTEX_CMP_REQUEUE_PI: u32 = 12;
/// `FUTEX_LOCK_PI` honouring the clock flag.
pub const FUTEX_LOCK_PI2: u32 = 13;
/// The futex is process-private.
pub const FUTEX_PRIVATE_FLAG: u32 = 128;
/// Timeouts are against `CLOCK_REALTIME`.
pub const FUTEX_CLOCK_REALTIME: u32 = 256;
/// Mask of the operation, without the flags.
pub const FUTEX_CMD_MASK: u32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
/// Bitset matching every waiter.
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;
/// PI/robust futex word: there are waiters.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// PI/robust futex word: the owner died.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// PI/robust futex word: mask of the owner's tid.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

// Auxiliary vector entry types.
/// End of the vector.
pub const AT_NULL: u64 = 0;
/// Entry to ignore.
pub const AT_IGNORE: u64 = 1;
/// File descriptor of the program.
pub const AT_EXECFD: u64 = 2;
/// Address of the program headers.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// Page size.
pub const AT_PAGESZ: u64 = 6;
/// Base address of the interpreter.
pub const AT_BASE: u64 = 7;
/// Flags (unused).
pub const AT_FLAGS: u64 = 8;
/// Entry point of the program.
pub const AT_ENTRY: u64 = 9;
/// The program is not ELF.
pub const AT_NOTELF: u64 = 10;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Address of the platform string (`"x86_64"`).
pub const AT_PLATFORM: u64 = 15;
/// CPU capability bits (CPUID 1 EDX on x86).
pub const AT_HWCAP: u64 = 16;
/// Clock ticks per second (for `times`).
pub const AT_CLKTCK: u64 = 17;
/// Secure mode (setuid and similar).
pub const AT_SECURE: u64 = 23;
/// Address of the base platform string.
pub const AT_BASE_PLATFORM: u64 = 24;
/// Address of 16 random bytes.
pub const AT_RANDOM: u64 = 25;
/// More CPU capability bits.
pub const AT_HWCAP2: u64 = 26;
/// Supported rseq feature size.
pub const AT_RSEQ_FEATURE_SIZE: u64 = 27;
/// Required rseq area alignment.
pub const AT_RSEQ_ALIGN: u64 = 28;
/// Address of the executable's file name.
pub const AT_EXECFN: u64 = 31;
/// Address of the vDSO ELF header.
pub const AT_SYSINFO_EHDR: u64 = 33;
/// Minimal signal stack size the kernel needs for a frame.
pub const AT_MINSIGSTKSZ: u64 = 51;

// `reboot` magic numbers and commands.
/// First magic argument.
pub const LINUX_REBOOT_MAGIC1: u32 = 0xfee1_dead;
/// Second magic argument (Torvalds' birthday).
pub const LINUX_REBOOT_MAGIC2: u32 = 672_274_793;
/// Alternative second magic argument.
pub const LINUX_REBOOT_MAGIC2A: u32 = 85_072_278;
/// Alternative second magic argument.
pub const LINUX_REBOOT_MAGIC2B: u32 = 369_367_448;
/// Alternative second magic argument.
pub const LINUX_REBOOT_MAGIC2C: u32 = 537_993_216;
/// Restart the system.
pub const LINUX_REBOOT_CMD_RESTART: u32 = 0x0123_4567;
/// Halt the system.
pub const LINUX_REBOOT_CMD_HALT: u32 = 0xcdef_0123;
/// Ctrl-Alt-Del reboots immediately.
pub const LINUX_REBOOT_CMD_CAD_ON: u32 = 0x89ab_cdef;
/// Ctrl-Alt-Del sends `SIGINT` to init.
pub const LINUX_REBOOT_CMD_CAD_OFF: u32 = 0x0000_0000;
/// Power the system off.
pub const LINUX_REBOOT_CMD_POWER_OFF: u32 = 0x4321_fedc;
/// Restart with a command string.
pub const LINUX_REBOOT_CMD_RESTART2: u32 = 0xa1b2_c3d4;
/// Hibernate.
pub const LINUX_REBOOT_CMD_SW_SUSPEND: u32 = 0xd000_fce2;
/// Boot a loaded kexec kernel.
pub const LINUX_REBOOT_CMD_KEXEC: u32 = 0x4558_4543;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{same_consts, same_layout};

    #[test]
    fn constants_match_libc() {
        // Many libc flag constants are `c_int`; compare as 32-bit patterns.
        same_consts! { u32;
            CSIGNAL => libc::CSIGNAL, CLONE_NEWTIME => libc::CLONE_NEWTIME,
            CLONE_VM => libc::CLONE_VM, CLONE_FS => libc::CLONE_FS,
            CLONE_FILES => libc::CLONE_FILES, CLONE_SIGHAND => libc::CLONE_SIGHAND,
            CLONE_PIDFD => libc::CLONE_PIDFD, CLONE_PTRACE => libc::CLONE_PTRACE,
            CLONE_VFORK => libc::CLONE_VFORK, CLONE_PARENT => libc::CLONE_PARENT,
            CLONE_THREAD => libc::CLONE_THREAD, CLONE_NEWNS => libc::CLONE_NEWNS,
            CLONE_SYSVSEM => libc::CLONE_SYSVSEM, CLONE_SETTLS => libc::CLONE_SETTLS,
            CLONE_PARENT_SETTID => libc::CLONE_PARENT_SETTID,
            CLONE_CHILD_CLEARTID => libc::CLONE_CHILD_CLEARTID,
            CLONE_DETACHED => libc::CLONE_DETACHED, CLONE_UNTRACED => libc::CLONE_UNTRACED,
            CLONE_CHILD_SETTID => libc::CLONE_CHILD_SETTID,
            CLONE_NEWCGROUP => libc::CLONE_NEWCGROUP, CLONE_NEWUTS => libc::CLONE_NEWUTS,
            CLONE_NEWIPC => libc::CLONE_NEWIPC, CLONE_NEWUSER => libc::CLONE_NEWUSER,
            CLONE_NEWPID => libc::CLONE_NEWPID, CLONE_NEWNET => libc::CLONE_NEWNET,
            CLONE_IO => libc::CLONE_IO,
            WNOHANG => libc::WNOHANG, WUNTRACED => libc::WUNTRACED,
            WSTOPPED => libc::WSTOPPED, WEXITED => libc::WEXITED,
            WCONTINUED => libc::WCONTINUED, WNOWAIT => libc::WNOWAIT,
            __WNOTHREAD => libc::__WNOTHREAD, __WALL => libc::__WALL,
            __WCLONE => libc::__WCLONE,
            P_ALL => libc::P_ALL, P_PID => libc::P_PID, P_PGID => libc::P_PGID,
            P_PIDFD => libc::P_PIDFD,
            RLIMIT_CPU => libc::RLIMIT_CPU, RLIMIT_FSIZE => libc::RLIMIT_FSIZE,
            RLIMIT_DATA => libc::RLIMIT_DATA, RLIMIT_STACK => libc::RLIMIT_STACK,
            RLIMIT_CORE => libc::RLIMIT_CORE, RLIMIT_RSS => libc::RLIMIT_RSS,
            RLIMIT_NPROC => libc::RLIMIT_NPROC, RLIMIT_NOFILE => libc::RLIMIT_NOFILE,
            RLIMIT_MEMLOCK => libc::RLIMIT_MEMLOCK, RLIMIT_AS => libc::RLIMIT_AS,
            RLIMIT_LOCKS => libc::RLIMIT_LOCKS, RLIMIT_SIGPENDING => libc::RLIMIT_SIGPENDING,
            RLIMIT_MSGQUEUE => libc::RLIMIT_MSGQUEUE, RLIMIT_NICE => libc::RLIMIT_NICE,
            RLIMIT_RTPRIO => libc::RLIMIT_RTPRIO, RLIMIT_RTTIME => libc::RLIMIT_RTTIME,
            RUSAGE_SELF => libc::RUSAGE_SELF, RUSAGE_CHILDREN => libc::RUSAGE_CHILDREN,
            RUSAGE_THREAD => libc::RUSAGE_THREAD,
            PR_SET_PDEATHSIG => libc::PR_SET_PDEATHSIG,
            PR_GET_PDEATHSIG => libc::PR_GET_PDEATHSIG,
            PR_GET_DUMPABLE => libc::PR_GET_DUMPABLE, PR_SET_DUMPABLE => libc::PR_SET_DUMPABLE,
            PR_GET_KEEPCAPS => libc::PR_GET_KEEPCAPS, PR_SET_KEEPCAPS => libc::PR_SET_KEEPCAPS,
            PR_SET_NAME => libc::PR_SET_NAME, PR_GET_NAME => libc::PR_GET_NAME,
            PR_GET_SECCOMP => libc::PR_GET_SECCOMP, PR_SET_SECCOMP => libc::PR_SET_SECCOMP,
            PR_CAPBSET_READ => libc::PR_CAPBSET_READ,
            PR_SET_TIMERSLACK => libc::PR_SET_TIMERSLACK,
            PR_GET_TIMERSLACK => libc::PR_GET_TIMERSLACK,
            PR_SET_CHILD_SUBREAPER => libc::PR_SET_CHILD_SUBREAPER,
            PR_GET_CHILD_SUBREAPER => libc::PR_GET_CHILD_SUBREAPER,
            PR_SET_NO_NEW_PRIVS => libc::PR_SET_NO_NEW_PRIVS,
            PR_GET_NO_NEW_PRIVS => libc::PR_GET_NO_NEW_PRIVS,
            PR_CAP_AMBIENT => libc::PR_CAP_AMBIENT, PR_SET_VMA => libc::PR_SET_VMA,
            PR_SET_VMA_ANON_NAME => libc::PR_SET_VMA_ANON_NAME,
            PR_SET_PTRACER => libc::PR_SET_PTRACER,
            FUTEX_WAIT => libc::FUTEX_WAIT, FUTEX_WAKE => libc::FUTEX_WAKE,
            FUTEX_FD => libc::FUTEX_FD, FUTEX_REQUEUE => libc::FUTEX_REQUEUE,
            FUTEX_CMP_REQUEUE => libc::FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP => libc::FUTEX_WAKE_OP,
            FUTEX_LOCK_PI => libc::FUTEX_LOCK_PI, FUTEX_UNLOCK_PI => libc::FUTEX_UNLOCK_PI,
            FUTEX_TRYLOCK_PI => libc::FUTEX_TRYLOCK_PI,
            FUTEX_WAIT_BITSET => libc::FUTEX_WAIT_BITSET,
            FUTEX_WAKE_BITSET => libc::FUTEX_WAKE_BITSET,
            FUTEX_WAIT_REQUEUE_PI => libc::FUTEX_WAIT_REQUEUE_PI,
            FUTEX_CMP_REQUEUE_PI => libc::FUTEX_CMP_REQUEUE_PI,
            FUTEX_LOCK_PI2 => libc::FUTEX_LOCK_PI2,
            FUTEX_PRIVATE_FLAG => libc::FUTEX_PRIVATE_FLAG,
            FUTEX_CLOCK_REALTIME => libc::FUTEX_CLOCK_REALTIME,
            FUTEX_BITSET_MATCH_ANY => libc::FUTEX_BITSET_MATCH_ANY,
            FUTEX_WAITERS => libc::FUTEX_WAITERS, FUTEX_OWNER_DIED => libc::FUTEX_OWNER_DIED,
            FUTEX_TID_MASK => libc::FUTEX_TID_MASK,
            LINUX_REBOOT_MAGIC1 => libc::LINUX_REBOOT_MAGIC1,
            LINUX_REBOOT_MAGIC2 => libc::LINUX_REBOOT_MAGIC2,
            LINUX_REBOOT_MAGIC2A => libc::LINUX_REBOOT_MAGIC2A,
            LINUX_REBOOT_MAGIC2B => libc::LINUX_REBOOT_MAGIC2B,
            LINUX_REBOOT_MAGIC2C => libc::LINUX_REBOOT_MAGIC2C,
            LINUX_REBOOT_CMD_RESTART => libc::LINUX_REBOOT_CMD_RESTART,
            LINUX_REBOOT_CMD_HALT => libc::LINUX_REBOOT_CMD_HALT,
            LINUX_REBOOT_CMD_CAD_ON => libc::LINUX_REBOOT_CMD_CAD_ON,
            LINUX_REBOOT_CMD_CAD_OFF => libc::LINUX_REBOOT_CMD_CAD_OFF,
            LINUX_REBOOT_CMD_POWER_OFF => libc::LINUX_REBOOT_CMD_POWER_OFF,
            LINUX_REBOOT_CMD_RESTART2 => libc::LINUX_REBOOT_CMD_RESTART2,
            LINUX_REBOOT_CMD_SW_SUSPEND => libc::LINUX_REBOOT_CMD_SW_SUSPEND,
            LINUX_REBOOT_CMD_KEXEC => libc::LINUX_REBOOT_CMD_KEXEC,
        }
        // libc 0.2's CLONE_CLEAR_SIGHAND / CLONE_INTO_CGROUP are `c_int` and overflow to 0
        // (deprecated, rust-lang/libc#3584), so they cannot serve as a reference.
        same_consts! { u64;
            RLIM_INFINITY => libc::RLIM_INFINITY,
            AT_NULL => libc::AT_NULL, AT_IGNORE => libc::AT_IGNORE,
            AT_EXECFD => libc::AT_EXECFD, AT_PHDR => libc::AT_PHDR, AT_PHENT => libc::AT_PHENT,
            AT_PHNUM => libc::AT_PHNUM, AT_PAGESZ => libc::AT_PAGESZ, AT_BASE => libc::AT_BASE,
            AT_FLAGS => libc::AT_FLAGS, AT_ENTRY => libc::AT_ENTRY,
            AT_NOTELF => libc::AT_NOTELF, AT_UID => libc::AT_UID, AT_EUID => libc::AT_EUID,
            AT_GID => libc::AT_GID, AT_EGID => libc::AT_EGID,
            AT_PLATFORM => libc::AT_PLATFORM, AT_HWCAP => libc::AT_HWCAP,
            AT_CLKTCK => libc::AT_CLKTCK, AT_SECURE => libc::AT_SECURE,
            AT_BASE_PLATFORM => libc::AT_BASE_PLATFORM, AT_RANDOM => libc::AT_RANDOM,
            AT_HWCAP2 => libc::AT_HWCAP2, AT_EXECFN => libc::AT_EXECFN,
            AT_SYSINFO_EHDR => libc::AT_SYSINFO_EHDR, AT_MINSIGSTKSZ => libc::AT_MINSIGSTKSZ,
        }
        // libc's FUTEX_CMD_MASK also strips the newest robust-futex flag bits (512, 1024),
        // which this ABI does not define; the classic mask keeps them in the command so
        // such operations are rejected.
        assert_eq!(
            FUTEX_CMD_MASK,
            !(libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME) as u32
        );
    }

    #[test]
    fn layouts_match_libc() {
        same_layout!(CloneArgs, libc::clone_args;
            flags => flags, pidfd => pidfd, child_tid => child_tid, parent_tid => parent_tid,
            exit_signal => exit_signal, stack => stack, stack_size => stack_size, tls => tls,
            set_tid => set_tid, set_tid_size => set_tid_size, cgroup => cgroup);
        assert_eq!(
            core::mem::offset_of!(CloneArgs, set_tid),
            CloneArgs::SIZE_VER0
        );
        assert_eq!(
            core::mem::offset_of!(CloneArgs, cgroup),
            CloneArgs::SIZE_VER1
        );
        assert_eq!(core::mem::size_of::<CloneArgs>(), CloneArgs::SIZE_VER2);
        same_layout!(Rlimit, libc::rlimit; rlim_cur => rlim_cur, rlim_max => rlim_max);
        same_layout!(Rusage, libc::rusage;
            ru_utime => ru_utime, ru_stime => ru_stime, ru_maxrss => ru_maxrss,
            ru_ixrss => ru_ixrss, ru_idrss => ru_idrss, ru_isrss => ru_isrss,
            ru_minflt => ru_minflt, ru_majflt => ru_majflt, ru_nswap => ru_nswap,
            ru_inblock => ru_inblock, ru_oublock => ru_oublock, ru_msgsnd => ru_msgsnd,
            ru_msgrcv => ru_msgrcv, ru_nsignals => ru_nsignals, ru_nvcsw => ru_nvcsw,
            ru_nivcsw => ru_nivcsw);
    }

    /// Our encoders produce what glibc's `W*` macros decode, and our decoders agree.
    #[test]
    fn wait_status_matches_libc() {
        for code in [0, 1, 42, 255, 256 + 3] {
            let s = wait_status_exited(code);
            assert!(libc::WIFEXITED(s) && wifexited(s));
            assert_eq!(libc::WEXITSTATUS(s), code & 0xff);
            assert_eq!(wexitstatus(s), code & 0xff);
            assert!(!libc::WIFSIGNALED(s) && !wifsignaled(s));
            assert!(!libc::WIFSTOPPED(s) && !wifstopped(s));
        }
        for sig in [1, 9, 11, 31, 64] {
            for core in [false, true] {
                let s = wait_status_signaled(sig, core);
                assert!(libc::WIFSIGNALED(s) && wifsignaled(s));
                assert_eq!(libc::WTERMSIG(s), sig as i32);
                assert_eq!(wtermsig(s), sig as i32);
                assert_eq!(libc::WCOREDUMP(s), core);
                assert_eq!(wcoredump(s), core);
                assert!(!libc::WIFEXITED(s) && !wifexited(s));
            }
            let s = wait_status_stopped(sig);
            assert!(libc::WIFSTOPPED(s) && wifstopped(s));
            assert_eq!(libc::WSTOPSIG(s), sig as i32);
            assert_eq!(wstopsig(s), sig as i32);
            assert!(!libc::WIFEXITED(s) && !libc::WIFSIGNALED(s));
            assert!(!wifexited(s) && !wifsignaled(s));
        }
        let s = WAIT_STATUS_CONTINUED;
        assert!(libc::WIFCONTINUED(s) && wifcontinued(s));
        assert!(!libc::WIFEXITED(s) && !libc::WIFSIGNALED(s) && !libc::WIFSTOPPED(s));
        assert!(!wifexited(s) && !wifsignaled(s) && !wifstopped(s));
    }
}
