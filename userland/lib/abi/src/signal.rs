//! Signals: numbers, `rt_sigaction` flags and structures, `siginfo_t`, and the pieces of
//! the x86_64 signal frame (`ucontext`, `sigcontext`, the fxsave `fpstate`).
//!
//! Layouts follow the kernel's `include/uapi/asm-generic/signal.h`,
//! `arch/x86/include/uapi/asm/{signal,sigcontext}.h` and `include/uapi/asm-generic/siginfo.h`.

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

/// A signal number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Signal(pub u32);

/// Defines the named signals and their name table.
macro_rules! signals {
    ($($name:ident = $val:literal, $doc:literal;)*) => {
        impl Signal {
            $(
                #[doc = $doc]
                pub const $name: Signal = Signal($val);
            )*

            /// The symbolic name (`"SIGHUP"`); `None` for numbers without one (33..=63
            /// and anything out of range).
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

signals! {
    SIGHUP = 1, "Hangup.";
    SIGINT = 2, "Interrupt from keyboard.";
    SIGQUIT = 3, "Quit from keyboard.";
    SIGILL = 4, "Illegal instruction.";
    SIGTRAP = 5, "Trace/breakpoint trap.";
    SIGABRT = 6, "Abort (also `SIGIOT`).";
    SIGBUS = 7, "Bus error.";
    SIGFPE = 8, "Arithmetic exception.";
    SIGKILL = 9, "Kill (cannot be caught or ignored).";
    SIGUSR1 = 10, "User-defined signal 1.";
    SIGSEGV = 11, "Invalid memory reference.";
    SIGUSR2 = 12, "User-defined signal 2.";
    SIGPIPE = 13, "Write to a pipe with no readers.";
    SIGALRM = 14, "Timer signal from `alarm`.";
    SIGTERM = 15, "Termination.";
    SIGSTKFLT = 16, "Coprocessor stack fault (unused).";
    SIGCHLD = 17, "Child stopped or terminated.";
    SIGCONT = 18, "Continue if stopped.";
    SIGSTOP = 19, "Stop (cannot be caught or ignored).";
    SIGTSTP = 20, "Stop typed at terminal.";
    SIGTTIN = 21, "Terminal input for background process.";
    SIGTTOU = 22, "Terminal output for background process.";
    SIGURG = 23, "Urgent condition on socket.";
    SIGXCPU = 24, "CPU time limit exceeded.";
    SIGXFSZ = 25, "File size limit exceeded.";
    SIGVTALRM = 26, "Virtual alarm clock.";
    SIGPROF = 27, "Profiling timer expired.";
    SIGWINCH = 28, "Window resize.";
    SIGIO = 29, "I/O now possible (also `SIGPOLL`).";
    SIGPWR = 30, "Power failure.";
    SIGSYS = 31, "Bad system call.";
    SIGRTMIN = 32, "First real-time signal (the kernel's; glibc reserves 32 and 33).";
    SIGRTMAX = 64, "Last real-time signal.";
}

impl Signal {
    /// Alias of [`Signal::SIGABRT`].
    pub const SIGIOT: Signal = Signal::SIGABRT;
    /// Alias of [`Signal::SIGIO`].
    pub const SIGPOLL: Signal = Signal::SIGIO;

    /// The signal's bit in a kernel [`SigSet`] (`1 << (n - 1)`), or 0 if the number is
    /// not in `1..=NSIG`.
    pub const fn mask_bit(self) -> SigSet {
        if self.0 >= 1 && self.0 <= NSIG {
            1 << (self.0 - 1)
        } else {
            0
        }
    }
}

/// Number of signals the kernel supports (`_NSIG`); valid numbers are `1..=NSIG`.
pub const NSIG: u32 = 64;

/// The kernel's signal set on x86_64 (`sigset_t`, one bit per signal, 8 bytes).
pub type SigSet = u64;

// `sa_flags` bits.
/// Do not send `SIGCHLD` when children stop.
pub const SA_NOCLDSTOP: u64 = 0x0000_0001;
/// Do not create zombies on child exit.
pub const SA_NOCLDWAIT: u64 = 0x0000_0002;
/// Handler takes `(sig, siginfo_t *, ucontext *)`.
pub const SA_SIGINFO: u64 = 0x0000_0004;
/// Marker bit used to probe for flag support; never reported as set.
pub const SA_UNSUPPORTED: u64 = 0x0000_0400;
/// Keep architecture tag bits in `si_addr`.
pub const SA_EXPOSE_TAGBITS: u64 = 0x0000_0800;
/// `sa_restorer` is valid (always set by libcs on x86_64).
pub const SA_RESTORER: u64 = 0x0400_0000;
/// Run the handler on the alternate signal stack.
pub const SA_ONSTACK: u64 = 0x0800_0000;
/// Restart interrupted syscalls.
pub const SA_RESTART: u64 = 0x1000_0000;
/// Do not block the signal while its handler runs.
pub const SA_NODEFER: u64 = 0x4000_0000;
/// Reset the handler to `SIG_DFL` on delivery.
pub const SA_RESETHAND: u64 = 0x8000_0000;

// `rt_sigprocmask` `how` values.
/// Add the set to the blocked mask.
pub const SIG_BLOCK: u32 = 0;
/// Remove the set from the blocked mask.
pub const SIG_UNBLOCK: u32 = 1;
/// Replace the blocked mask.
pub const SIG_SETMASK: u32 = 2;

// Special `sa_handler` values.
/// Default action.
pub const SIG_DFL: u64 = 0;
/// Ignore the signal.
pub const SIG_IGN: u64 = 1;
/// Error return of `signal()` (`(void (*)(int))-1`).
pub const SIG_ERR: u64 = u64::MAX;

// `ss_flags` values and sizes for `sigaltstack`.
/// The thread is currently running on the alternate stack.
pub const SS_ONSTACK: i32 = 1;
/// The alternate stack is disabled.
pub const SS_DISABLE: i32 = 2;
/// Disable the alternate stack on signal delivery (flag, ORed into `ss_flags`).
pub const SS_AUTODISARM: i32 = 1 << 31;
/// Minimum alternate stack size (the historical constant; see `AT_MINSIGSTKSZ`).
pub const MINSIGSTKSZ: usize = 2048;
/// Default alternate stack size.
pub const SIGSTKSZ: usize = 8192;

/// `struct sigaction` as x86_64 `rt_sigaction` takes it (32 bytes; unlike glibc's, the
/// mask is a single 64-bit word and comes last).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SigAction {
    /// Handler address, or [`SIG_DFL`] / [`SIG_IGN`].
    pub sa_handler: u64,
    /// `SA_*` flags.
    pub sa_flags: u64,
    /// Address of the `rt_sigreturn` trampoline (with [`SA_RESTORER`]).
    pub sa_restorer: u64,
    /// Signals blocked while the handler runs.
    pub sa_mask: SigSet,
}

/// `stack_t`, the alternate signal stack description for `sigaltstack` (24 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SignalStack {
    /// Base address of the stack.
    pub ss_sp: u64,
    /// `SS_*` flags.
    pub ss_flags: i32,
    /// Padding (implicit in C).
    pub _pad: u32,
    /// Size of the stack in bytes.
    pub ss_size: u64,
}

// `si_code` values.
/// Sent by `kill`, `sigsend` or `raise`.
pub const SI_USER: i32 = 0;
/// Sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// Sent by `sigqueue`.
pub const SI_QUEUE: i32 = -1;
/// Sent by a POSIX timer expiring.
pub const SI_TIMER: i32 = -2;
/// Sent by `tkill` / `tgkill`.
pub const SI_TKILL: i32 = -6;
/// `SIGCHLD`: child exited.
pub const CLD_EXITED: i32 = 1;
/// `SIGCHLD`: child was killed.
pub const CLD_KILLED: i32 = 2;
/// `SIGCHLD`: child was killed and dumped core.
pub const CLD_DUMPED: i32 = 3;
/// `SIGCHLD`: traced child trapped.
pub const CLD_TRAPPED: i32 = 4;
/// `SIGCHLD`: child stopped.
pub const CLD_STOPPED: i32 = 5;
/// `SIGCHLD`: stopped child continued.
pub const CLD_CONTINUED: i32 = 6;
/// `SIGSEGV`: address not mapped.
pub const SEGV_MAPERR: i32 = 1;
/// `SIGSEGV`: invalid permissions for a mapped object.
pub const SEGV_ACCERR: i32 = 2;

/// `siginfo_t` (128 bytes): three header words, then a union whose layout depends on
/// the signal and `si_code`. Accessors cover the common layouts; offsets are those of
/// the kernel's `union __sifields` on 64-bit (the union starts at byte 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SigInfo {
    /// Signal number.
    pub si_signo: i32,
    /// Associated errno (usually 0).
    pub si_errno: i32,
    /// Origin of the signal (`SI_*`, `CLD_*`, `SEGV_*`, ...).
    pub si_code: i32,
    /// Padding (implicit in C: the union is 8-byte aligned).
    pub _pad: i32,
    /// The union, as 64-bit words (`fields[0]` is at byte 16).
    pub fields: [u64; 14],
}

impl Default for SigInfo {
    fn default() -> Self {
        Self::new(0, 0)
    }
}

impl SigInfo {
    /// A siginfo with the header set and the union zeroed.
    pub const fn new(signo: u32, code: i32) -> Self {
        SigInfo {
            si_signo: signo as i32,
            si_errno: 0,
            si_code: code,
            _pad: 0,
            fields: [0; 14],
        }
    }

    /// For `kill`-style signals (`SI_USER`, `SI_TKILL`, `SI_QUEUE`): sender pid and uid.
    pub const fn kill(signo: u32, code: i32, pid: i32, uid: u32) -> Self {
        let mut info = Self::new(signo, code);
        info.fields[0] = (pid as u32 as u64) | ((uid as u64) << 32);
        info
    }

    /// For `SIGCHLD`: child pid and uid, `CLD_*` code, and the exit status or signal
    /// (`si_status`). User and system times are left 0.
    pub const fn sigchld(code: i32, pid: i32, uid: u32, status: i32) -> Self {
        let mut info = Self::kill(Signal::SIGCHLD.0, code, pid, uid);
        info.fields[1] = status as u32 as u64;
        info
    }

    /// For faults (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`, `SIGTRAP`): faulting address.
    pub const fn fault(signo: u32, code: i32, addr: u64) -> Self {
        let mut info = Self::new(signo, code);
        info.fields[0] = addr;
        info
    }

    /// `si_pid` (byte 16; kill, rt, SIGCHLD layouts).
    pub const fn si_pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }

    /// `si_uid` (byte 20; kill, rt, SIGCHLD layouts).
    pub const fn si_uid(&self) -> u32 {
        (self.fields[0] >> 32) as u32
    }

    /// `si_status` (byte 24; SIGCHLD layout).
    pub const fn si_status(&self) -> i32 {
        self.fields[1] as u32 as i32
    }

    /// `si_value` (byte 24; rt and timer layouts), as the raw 64-bit `sigval`.
    pub const fn si_value(&self) -> u64 {
        self.fields[1]
    }

    /// `si_addr` (byte 16; fault layout).
    pub const fn si_addr(&self) -> u64 {
        self.fields[0]
    }
}

/// `struct _fpstate_64`: the 512-byte legacy `fxsave` area (x87, MXCSR, XMM registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct FpState {
    /// x87 control word.
    pub cwd: u16,
    /// x87 status word.
    pub swd: u16,
    /// Abridged x87 tag word.
    pub twd: u16,
    /// Last x87 opcode.
    pub fop: u16,
    /// Last x87 instruction pointer.
    pub rip: u64,
    /// Last x87 data pointer.
    pub rdp: u64,
    /// MXCSR register.
    pub mxcsr: u32,
    /// Valid MXCSR bits.
    pub mxcsr_mask: u32,
    /// ST0..ST7 / MM0..MM7, 16 bytes each.
    pub st_space: [u32; 32],
    /// XMM0..XMM15, 16 bytes each.
    pub xmm_space: [u32; 64],
    /// Reserved.
    pub reserved2: [u32; 12],
    /// Software-reserved words (the XSAVE frame marker lives here).
    pub sw_reserved: [u32; 12],
}

impl Default for FpState {
    fn default() -> Self {
        FpState::new_zeroed()
    }
}

/// `struct sigcontext` (x86_64): the saved registers in a signal frame (256 bytes);
/// the `uc_mcontext` of [`UContext`].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct SigContext {
    /// Saved `r8`.
    pub r8: u64,
    /// Saved `r9`.
    pub r9: u64,
    /// Saved `r10`.
    pub r10: u64,
    /// Saved `r11`.
    pub r11: u64,
    /// Saved `r12`.
    pub r12: u64,
    /// Saved `r13`.
    pub r13: u64,
    /// Saved `r14`.
    pub r14: u64,
    /// Saved `r15`.
    pub r15: u64,
    /// Saved `rdi`.
    pub rdi: u64,
    /// Saved `rsi`.
    pub rsi: u64,
    /// Saved `rbp`.
    pub rbp: u64,
    /// Saved `rbx`.
    pub rbx: u64,
    /// Saved `rdx`.
    pub rdx: u64,
    /// Saved `rax`.
    pub rax: u64,
    /// Saved `rcx`.
    pub rcx: u64,
    /// Saved `rsp`.
    pub rsp: u64,
    /// Saved `rip`.
    pub rip: u64,
    /// Saved `eflags`.
    pub eflags: u64,
    /// Saved `cs`.
    pub cs: u16,
    /// Saved `gs`.
    pub gs: u16,
    /// Saved `fs`.
    pub fs: u16,
    /// Saved `ss`.
    pub ss: u16,
    /// Hardware error code of the exception.
    pub err: u64,
    /// Exception vector number.
    pub trapno: u64,
    /// Low word of the blocked mask (legacy).
    pub oldmask: u64,
    /// Faulting address of a page fault.
    pub cr2: u64,
    /// User address of the [`FpState`] (0 if none).
    pub fpstate: u64,
    /// Reserved.
    pub reserved1: [u64; 8],
}

/// `struct ucontext` as the x86_64 kernel builds it in an `rt_sigframe` (304 bytes; the
/// mask is the 8-byte kernel [`SigSet`], shorter than glibc's `ucontext_t`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct UContext {
    /// `UC_*` flags.
    pub uc_flags: u64,
    /// Address of the linked context (unused by the kernel).
    pub uc_link: u64,
    /// The alternate stack in effect.
    pub uc_stack: SignalStack,
    /// Saved registers.
    pub uc_mcontext: SigContext,
    /// Signal mask to restore on `rt_sigreturn`.
    pub uc_sigmask: SigSet,
}

// `uc_flags` bits.
/// The frame has an extended (XSAVE) fpstate.
pub const UC_FP_XSTATE: u64 = 0x1;
/// `ss` was saved in `sigcontext` and will be restored.
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
/// `ss` is strictly restored as saved.
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{same_consts, same_layout, same_offsets};

    #[test]
    fn numbers_match_libc() {
        same_consts! { i64;
            Signal::SIGHUP.0 => libc::SIGHUP, Signal::SIGINT.0 => libc::SIGINT,
            Signal::SIGQUIT.0 => libc::SIGQUIT, Signal::SIGILL.0 => libc::SIGILL,
            Signal::SIGTRAP.0 => libc::SIGTRAP, Signal::SIGABRT.0 => libc::SIGABRT,
            Signal::SIGIOT.0 => libc::SIGIOT, Signal::SIGBUS.0 => libc::SIGBUS,
            Signal::SIGFPE.0 => libc::SIGFPE, Signal::SIGKILL.0 => libc::SIGKILL,
            Signal::SIGUSR1.0 => libc::SIGUSR1, Signal::SIGSEGV.0 => libc::SIGSEGV,
            Signal::SIGUSR2.0 => libc::SIGUSR2, Signal::SIGPIPE.0 => libc::SIGPIPE,
            Signal::SIGALRM.0 => libc::SIGALRM, Signal::SIGTERM.0 => libc::SIGTERM,
            Signal::SIGSTKFLT.0 => libc::SIGSTKFLT, Signal::SIGCHLD.0 => libc::SIGCHLD,
            Signal::SIGCONT.0 => libc::SIGCONT, Signal::SIGSTOP.0 => libc::SIGSTOP,
            Signal::SIGTSTP.0 => libc::SIGTSTP, Signal::SIGTTIN.0 => libc::SIGTTIN,
            Signal::SIGTTOU.0 => libc::SIGTTOU, Signal::SIGURG.0 => libc::SIGURG,
            Signal::SIGXCPU.0 => libc::SIGXCPU, Signal::SIGXFSZ.0 => libc::SIGXFSZ,
            Signal::SIGVTALRM.0 => libc::SIGVTALRM, Signal::SIGPROF.0 => libc::SIGPROF,
            Signal::SIGWINCH.0 => libc::SIGWINCH, Signal::SIGIO.0 => libc::SIGIO,
            Signal::SIGPOLL.0 => libc::SIGPOLL, Signal::SIGPWR.0 => libc::SIGPWR,
            Signal::SIGSYS.0 => libc::SIGSYS,
            SIG_BLOCK => libc::SIG_BLOCK, SIG_UNBLOCK => libc::SIG_UNBLOCK,
            SIG_SETMASK => libc::SIG_SETMASK,
            SIG_DFL => libc::SIG_DFL, SIG_IGN => libc::SIG_IGN, SIG_ERR => libc::SIG_ERR,
            SS_ONSTACK => libc::SS_ONSTACK, SS_DISABLE => libc::SS_DISABLE,
            MINSIGSTKSZ => libc::MINSIGSTKSZ, SIGSTKSZ => libc::SIGSTKSZ,
            SI_USER => libc::SI_USER, SI_KERNEL => libc::SI_KERNEL,
            SI_QUEUE => libc::SI_QUEUE, SI_TIMER => libc::SI_TIMER,
            SI_TKILL => libc::SI_TKILL,
            CLD_EXITED => libc::CLD_EXITED, CLD_KILLED => libc::CLD_KILLED,
            CLD_DUMPED => libc::CLD_DUMPED, CLD_TRAPPED => libc::CLD_TRAPPED,
            CLD_STOPPED => libc::CLD_STOPPED, CLD_CONTINUED => libc::CLD_CONTINUED,
        }
        // libc's SA_* are `c_int`; compare the low 32 bits (all ours fit).
        same_consts! { u32;
            SA_NOCLDSTOP => libc::SA_NOCLDSTOP, SA_NOCLDWAIT => libc::SA_NOCLDWAIT,
            SA_SIGINFO => libc::SA_SIGINFO, SA_ONSTACK => libc::SA_ONSTACK,
            SA_RESTART => libc::SA_RESTART, SA_NODEFER => libc::SA_NODEFER,
            SA_RESETHAND => libc::SA_RESETHAND,
        }
    }

    #[test]
    fn signal_names_and_masks() {
        assert_eq!(Signal::SIGHUP.name(), Some("SIGHUP"));
        assert_eq!(Signal(17).name(), Some("SIGCHLD"));
        assert_eq!(Signal::SIGSYS.name(), Some("SIGSYS"));
        assert_eq!(Signal(64).name(), Some("SIGRTMAX"));
        assert_eq!(Signal(0).name(), None);
        assert_eq!(Signal(40).name(), None);
        assert_eq!(Signal(65).name(), None);
        assert_eq!(Signal::SIGHUP.mask_bit(), 1);
        assert_eq!(Signal::SIGRTMAX.mask_bit(), 1 << 63);
        assert_eq!(Signal(0).mask_bit(), 0);
        assert_eq!(Signal(65).mask_bit(), 0);
    }

    #[test]
    fn kernel_sigaction_layout() {
        // arch/x86/include/uapi/asm/signal.h (non-x32): handler, flags, restorer, mask.
        assert_eq!(core::mem::size_of::<SigAction>(), 32);
        assert_eq!(core::mem::offset_of!(SigAction, sa_flags), 8);
        assert_eq!(core::mem::offset_of!(SigAction, sa_restorer), 16);
        assert_eq!(core::mem::offset_of!(SigAction, sa_mask), 24);
    }

    #[test]
    fn layouts_match_libc() {
        same_layout!(SignalStack, libc::stack_t;
            ss_sp => ss_sp, ss_flags => ss_flags, ss_size => ss_size);
        same_layout!(SigInfo, libc::siginfo_t;
            si_signo => si_signo, si_errno => si_errno, si_code => si_code);
        assert_eq!(
            core::mem::align_of::<SigInfo>(),
            core::mem::align_of::<libc::siginfo_t>()
        );
        same_layout!(FpState, libc::_libc_fpstate;
            cwd => cwd, swd => swd, twd => ftw, fop => fop, rip => rip, rdp => rdp,
            mxcsr => mxcsr, mxcsr_mask => mxcr_mask, st_space => _st, xmm_space => _xmm);
        same_layout!(SigContext, libc::mcontext_t; r8 => gregs, fpstate => fpregs);
        // UContext stops at the kernel's 8-byte mask; glibc's ucontext_t continues.
        same_offsets!(UContext, libc::ucontext_t;
            uc_flags => uc_flags, uc_link => uc_link, uc_stack => uc_stack,
            uc_mcontext => uc_mcontext, uc_sigmask => uc_sigmask);
        assert_eq!(core::mem::size_of::<UContext>(), 304);
    }

    /// Each register sits where glibc's `gregs[REG_*]` puts it.
    #[test]
    fn sigcontext_matches_gregs() {
        use core::mem::offset_of;
        let greg = |i: libc::c_int| i as usize * 8;
        let regs = [
            (offset_of!(SigContext, r8), libc::REG_R8),
            (offset_of!(SigContext, r15), libc::REG_R15),
            (offset_of!(SigContext, rdi), libc::REG_RDI),
            (offset_of!(SigContext, rsi), libc::REG_RSI),
            (offset_of!(SigContext, rbp), libc::REG_RBP),
            (offset_of!(SigContext, rbx), libc::REG_RBX),
            (offset_of!(SigContext, rdx), libc::REG_RDX),
            (offset_of!(SigContext, rax), libc::REG_RAX),
            (offset_of!(SigContext, rcx), libc::REG_RCX),
            (offset_of!(SigContext, rsp), libc::REG_RSP),
            (offset_of!(SigContext, rip), libc::REG_RIP),
            (offset_of!(SigContext, eflags), libc::REG_EFL),
            (offset_of!(SigContext, cs), libc::REG_CSGSFS),
            (offset_of!(SigContext, err), libc::REG_ERR),
            (offset_of!(SigContext, trapno), libc::REG_TRAPNO),
            (offset_of!(SigContext, oldmask), libc::REG_OLDMASK),
            (offset_of!(SigContext, cr2), libc::REG_CR2),
        ];
        for (ours, reg) in regs {
            assert_eq!(ours, greg(reg), "REG {reg}");
        }
    }

    #[test]
    fn siginfo_layouts() {
        use zerocopy::IntoBytes;
        let word = |info: &SigInfo, off: usize| {
            i32::from_ne_bytes(info.as_bytes()[off..off + 4].try_into().unwrap())
        };
        let info = SigInfo::kill(Signal::SIGTERM.0, SI_USER, 42, 1000);
        assert_eq!((info.si_signo, info.si_code), (15, 0));
        assert_eq!((word(&info, 16), word(&info, 20)), (42, 1000));
        assert_eq!((info.si_pid(), info.si_uid()), (42, 1000));

        let info = SigInfo::sigchld(CLD_KILLED, 7, 0, Signal::SIGKILL.0 as i32);
        assert_eq!(info.si_signo, libc::SIGCHLD);
        assert_eq!((word(&info, 16), word(&info, 24)), (7, 9));
        assert_eq!((info.si_pid(), info.si_status()), (7, 9));

        let info = SigInfo::fault(Signal::SIGSEGV.0, SEGV_MAPERR, 0xdead_beef_0000);
        assert_eq!(
            u64::from_ne_bytes(info.as_bytes()[16..24].try_into().unwrap()),
            0xdead_beef_0000
        );
        assert_eq!(info.si_addr(), 0xdead_beef_0000);
        assert_eq!(SigInfo::default().as_bytes(), [0u8; 128]);
    }
}
