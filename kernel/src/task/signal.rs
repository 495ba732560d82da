//! Signals: dispositions, masks, pending sets, default actions, and
//! delivery to user handlers through an x86_64 `rt_sigframe`.

use super::{Thread, sched};
use crate::arch::trap::TrapFrame;
use abi::signal::{
    SS_DISABLE, SigContext, SignalStack, UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS, UContext,
};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use zerocopy::{FromZeros, IntoBytes};

// Signal numbers as the kernel handles them (plain numbers), from the ABI crate.
macro_rules! signals {
    ($($name:ident),*) => {
        $(pub const $name: u32 = abi::signal::Signal::$name.0;)*
    };
}
signals!(
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGSEGV, SIGPIPE,
    SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH, SIGXCPU, SIGXFSZ,
    SIGSYS
);
/// Highest signal number.
pub const NSIG: u32 = 64;

pub use abi::signal::{
    CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SA_NOCLDSTOP, SA_NODEFER,
    SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SA_SIGINFO, SI_TKILL, SI_USER, SIG_DFL,
    SIG_IGN,
};

/// A set of signals (bit n-1 for signal n), as the kernel's `sigset_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SigSet(pub u64);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);
    /// Signals that can never be blocked or caught.
    pub const UNBLOCKABLE: SigSet = SigSet((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));

    pub fn single(signo: u32) -> SigSet {
        SigSet(1 << (signo - 1))
    }
    pub fn contains(self, signo: u32) -> bool {
        (1..=NSIG).contains(&signo) && self.0 & (1 << (signo - 1)) != 0
    }
    pub fn union(self, other: SigSet) -> SigSet {
        SigSet(self.0 | other.0)
    }
    pub fn minus(self, other: SigSet) -> SigSet {
        SigSet(self.0 & !other.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The lowest signal in the set (synchronous signals first, as on Linux).
    pub fn first(self) -> Option<u32> {
        (self.0 != 0).then(|| self.0.trailing_zeros() + 1)
    }
}

/// One `sigaction`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Action {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: SigSet,
}

/// A process's dispositions, indexed by signal number.
#[derive(Clone)]
pub struct SigActions(pub [Action; NSIG as usize + 1]);

impl Default for SigActions {
    fn default() -> Self {
        SigActions([Action::default(); NSIG as usize + 1])
    }
}

impl SigActions {
    /// After execve: caught signals go back to default, ignored stay ignored.
    pub fn reset_for_exec(&mut self) {
        for action in self.0.iter_mut() {
            if action.handler != SIG_IGN {
                *action = Action::default();
            }
        }
    }
}

/// sigaltstack state.
#[derive(Debug, Clone, Copy, Default)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
    pub flags: i32,
}

/// The 128-byte `siginfo_t`.
#[derive(Debug, Clone, Copy)]
pub struct SigInfo(pub [u8; 128]);

impl SigInfo {
    fn base(signo: u32, code: i32) -> SigInfo {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&(signo as i32).to_le_bytes());
        b[8..12].copy_from_slice(&code.to_le_bytes());
        SigInfo(b)
    }
    /// From kill(2) or tgkill(2).
    pub fn user(signo: u32, code: i32, pid: u32, uid: u32) -> SigInfo {
        let mut info = SigInfo::base(signo, code);
        info.0[16..20].copy_from_slice(&pid.to_le_bytes());
        info.0[20..24].copy_from_slice(&uid.to_le_bytes());
        info
    }
    /// Sent by the kernel itself (a terminal's signal keys, hang-ups).
    pub fn kernel(signo: u32) -> SigInfo {
        SigInfo::base(signo, abi::signal::SI_KERNEL)
    }
    /// A hardware fault at `addr`.
    pub fn fault(signo: u32, code: i32, addr: u64) -> SigInfo {
        let mut info = SigInfo::base(signo, code);
        info.0[16..24].copy_from_slice(&addr.to_le_bytes());
        info
    }
    /// SIGCHLD for a child that ended.
    pub fn child(pid: u32, code: i32, status: i32) -> SigInfo {
        let mut info = SigInfo::base(SIGCHLD, code);
        info.0[16..20].copy_from_slice(&pid.to_le_bytes());
        info.0[24..28].copy_from_slice(&status.to_le_bytes());
        info
    }
}

/// Signals waiting for delivery, with the information of each.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub set: SigSet,
    pub info: BTreeMap<u32, SigInfo>,
}

impl Pending {
    fn add(&mut self, signo: u32, info: SigInfo) {
        self.set = self.set.union(SigSet::single(signo));
        self.info.insert(signo, info);
    }
    fn take(&mut self, signo: u32) -> Option<SigInfo> {
        if !self.set.contains(signo) {
            return None;
        }
        self.set = self.set.minus(SigSet::single(signo));
        Some(
            self.info
                .remove(&signo)
                .unwrap_or_else(|| SigInfo::base(signo, SI_USER)),
        )
    }
}

impl Pending {
    fn discard(&mut self, set: SigSet) {
        self.set = self.set.minus(set);
        self.info.retain(|signo, _| !set.contains(*signo));
    }
}

fn stop_signals() -> SigSet {
    [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU]
        .into_iter()
        .fold(SigSet::EMPTY, |s, n| s.union(SigSet::single(n)))
}

fn is_stop(signo: u32) -> bool {
    stop_signals().contains(signo)
}

/// Tells the parent of `process` that it stopped or went on: SIGCHLD
/// (unless the parent asked for none with SA_NOCLDSTOP) and a wait event.
fn report_job_event(process: &Arc<super::Process>, event: super::JobEvent) {
    *process.job_event.lock() = Some(event);
    let Some(parent) = process.parent.lock().upgrade() else {
        return;
    };
    let quiet = parent.sigactions.lock().0[SIGCHLD as usize].flags & SA_NOCLDSTOP != 0;
    if !quiet {
        let (code, status) = match event {
            super::JobEvent::Stopped(signo) => (CLD_STOPPED, signo as i32),
            super::JobEvent::Continued => (CLD_CONTINUED, SIGCONT as i32),
        };
        send_process(&parent, SIGCHLD, SigInfo::child(process.pid, code, status));
    }
    parent.child_event.wake_all();
}

/// SIGCONT: the process runs again and pending stop signals are dropped.
fn continue_process(process: &Arc<super::Process>) {
    let was_stopped = process
        .stopped
        .swap(false, core::sync::atomic::Ordering::Relaxed);
    if was_stopped {
        report_job_event(process, super::JobEvent::Continued);
    }
    process.pending.lock().discard(stop_signals());
    for thread in process.live_threads() {
        thread.pending.lock().discard(stop_signals());
        sched::wake(&thread);
    }
}

/// The default action of a stop signal: the parent hears of it (wait's
/// WUNTRACED, SIGCHLD) and the thread sleeps until SIGCONT or SIGKILL.
fn stop(me: &Arc<Thread>, signo: u32) {
    use core::sync::atomic::Ordering::Relaxed;
    if !me.process.stopped.swap(true, Relaxed) {
        report_job_event(&me.process, super::JobEvent::Stopped(signo));
    }
    log::debug!("pid {}: stopped", me.process.pid);
    while me.process.stopped.load(Relaxed)
        && !me
            .pending
            .lock()
            .set
            .union(me.process.pending.lock().set)
            .contains(SIGKILL)
    {
        sched::block(me);
    }
}

/// What a signal does when its disposition is SIG_DFL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultAction {
    Terminate,
    Core,
    Ignore,
    Stop,
    Continue,
}

fn default_action(signo: u32) -> DefaultAction {
    match signo {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | 24 | 25 | 31 => {
            DefaultAction::Core
        }
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// Sends `signo` to one thread.
pub fn send_thread(thread: &Arc<Thread>, signo: u32, info: SigInfo) {
    if signo == 0 || signo > NSIG || ignored(thread, signo) {
        return;
    }
    if signo == SIGCONT {
        continue_process(&thread.process);
    }
    thread.pending.lock().add(signo, info);
    sched::wake(thread);
}

/// Sends `signo` to a process: any thread not blocking it may take it.
pub fn send_process(process: &Arc<super::Process>, signo: u32, info: SigInfo) {
    let threads = process.live_threads();
    let Some(first) = threads.first() else { return };
    if signo == 0 || signo > NSIG || ignored(first, signo) {
        return;
    }
    if signo == SIGCONT {
        continue_process(process);
    }
    if is_stop(signo) {
        // A stop signal cancels a pending continue, and the other way round.
        process.pending.lock().discard(SigSet::single(SIGCONT));
    }
    process.pending.lock().add(signo, info);
    if signo == SIGKILL || signo == SIGCONT {
        threads.iter().for_each(sched::wake);
        return;
    }
    if let Some(t) = threads.iter().find(|t| !t.sigmask.lock().contains(signo)) {
        sched::wake(t);
    }
}

/// A synchronous fault: the signal cannot be blocked or ignored; if it is,
/// the default action applies (as Linux's force_sig).
pub fn force(thread: &Arc<Thread>, signo: u32, info: SigInfo) {
    {
        let mut actions = thread.process.sigactions.lock();
        let blocked = thread.sigmask.lock().contains(signo);
        if blocked || actions.0[signo as usize].handler == SIG_IGN {
            actions.0[signo as usize] = Action::default();
        }
    }
    {
        let mut mask = thread.sigmask.lock();
        *mask = mask.minus(SigSet::single(signo));
    }
    thread.pending.lock().add(signo, info);
}

/// Whether `thread` ignores or blocks `signo` (job control then refuses
/// instead of stopping).
pub fn ignores_or_blocks(thread: &Arc<Thread>, signo: u32) -> bool {
    thread.process.sigactions.lock().0[signo as usize].handler == SIG_IGN
        || thread.sigmask.lock().contains(signo)
}

fn ignored(thread: &Arc<Thread>, signo: u32) -> bool {
    let action = thread.process.sigactions.lock().0[signo as usize];
    action.handler == SIG_IGN
        || (action.handler == SIG_DFL && default_action(signo) == DefaultAction::Ignore)
}

/// Takes the next deliverable signal of `me`.
fn next_signal(me: &Arc<Thread>) -> Option<(u32, SigInfo)> {
    let mask = me.sigmask.lock().minus(SigSet::UNBLOCKABLE);
    let mut own = me.pending.lock();
    if let Some(signo) = own.set.minus(mask).first() {
        return own.take(signo).map(|i| (signo, i));
    }
    drop(own);
    let mut shared = me.process.pending.lock();
    let signo = shared.set.minus(mask).first()?;
    shared.take(signo).map(|i| (signo, i))
}

/// Delivers pending signals before a return to user mode: default actions
/// happen here; a handler gets a signal frame built on the user stack.
pub fn deliver_pending(me: &Arc<Thread>, frame: &mut TrapFrame) {
    while let Some((signo, info)) = next_signal(me) {
        let action = me.process.sigactions.lock().0[signo as usize];
        match action.handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(signo) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    stop(me, signo);
                    continue;
                }
                DefaultAction::Terminate | DefaultAction::Core => {
                    let core = default_action(signo) == DefaultAction::Core;
                    super::exit::exit_group(
                        me,
                        super::ExitStatus::Killed {
                            signal: signo,
                            core,
                        },
                    );
                    return;
                }
            },
            handler => {
                restart_if_asked(frame, &action);
                if setup_frame(me, frame, signo, &info, &action, handler).is_err() {
                    // The stack is unusable: as on Linux, the process dies of SIGSEGV.
                    super::exit::exit_group(
                        me,
                        super::ExitStatus::Killed {
                            signal: SIGSEGV,
                            core: true,
                        },
                    );
                    return;
                }
                frame.error_code = NO_CALL;
                if action.flags & SA_RESETHAND != 0 {
                    me.process.sigactions.lock().0[signo as usize] = Action::default();
                }
                return;
            }
        }
    }
    // No handler ran (the signals were ignored, or stopped and continued
    // the process): as with Linux's ERESTARTSYS, the call starts again.
    if interrupted_call(frame) {
        restart(frame);
    }
}

/// In a system call frame's `error_code` (which holds the call number):
/// the call's outcome is settled, so no signal may restart it (Linux's
/// `orig_ax = -1`).
const NO_CALL: u64 = u64::MAX;

fn interrupted_call(frame: &TrapFrame) -> bool {
    frame.vector == crate::arch::trap::SYSCALL_VECTOR
        && frame.error_code != NO_CALL
        && frame.rax as i64 == -i64::from(abi::errno::Errno::EINTR.0)
}

fn restart(frame: &mut TrapFrame) {
    frame.rax = frame.error_code;
    // Back over the two-byte SYSCALL instruction.
    frame.rip -= 2;
}

/// Calls that return EINTR after a handler whatever SA_RESTART says, as on
/// Linux (signal(7)): the waits for a signal or for time, and the
/// multiplexers.
const NEVER_RESTARTED: &[abi::sysno::Sysno] = &[
    abi::sysno::Sysno::PAUSE,
    abi::sysno::Sysno::RT_SIGSUSPEND,
    abi::sysno::Sysno::RT_SIGTIMEDWAIT,
    abi::sysno::Sysno::NANOSLEEP,
    abi::sysno::Sysno::CLOCK_NANOSLEEP,
    abi::sysno::Sysno::SELECT,
    abi::sysno::Sysno::PSELECT6,
    abi::sysno::Sysno::POLL,
    abi::sysno::Sysno::PPOLL,
    abi::sysno::Sysno::EPOLL_WAIT,
    abi::sysno::Sysno::EPOLL_PWAIT,
];

/// A system call cut short by this signal (EINTR) runs again after the
/// handler when the handler was installed with SA_RESTART.
fn restart_if_asked(frame: &mut TrapFrame, action: &Action) {
    let never = NEVER_RESTARTED
        .iter()
        .any(|call| call.0 as u64 == frame.error_code);
    if interrupted_call(frame) && action.flags & SA_RESTART != 0 && !never {
        restart(frame);
    }
}

// The x86_64 signal frame (arch/x86/include/asm/sigframe.h): the restorer
// address, a ucontext, a siginfo, and the FXSAVE image below them.
const UC_OFFSET: u64 = 8;
const INFO_OFFSET: u64 = UC_OFFSET + core::mem::size_of::<UContext>() as u64;
const FRAME_SIZE: u64 = INFO_OFFSET + 128;
const FPSTATE_SIZE: u64 = 512;
const RED_ZONE: u64 = 128;
/// Flags a handler may change through the saved context: CF PF AF ZF SF TF DF OF AC.
const USER_FLAGS: u64 = 0x0cd5 | 0x100 | 0x40000;

fn setup_frame(
    me: &Arc<Thread>,
    frame: &mut TrapFrame,
    signo: u32,
    info: &SigInfo,
    action: &Action,
    handler: u64,
) -> Result<(), crate::mm::vm::Fault> {
    let fpu = frame.fpu();
    let alt = *me.altstack.lock();
    let on_alt = alt.size > 0
        && alt.flags & SS_DISABLE == 0
        && !(alt.sp..alt.sp + alt.size).contains(&frame.rsp);
    let mut sp = if action.flags & SA_ONSTACK != 0 && on_alt {
        alt.sp + alt.size
    } else {
        frame.rsp - RED_ZONE
    };
    sp = (sp - FPSTATE_SIZE) & !63;
    let fpstate_at = sp;
    sp = ((sp - FRAME_SIZE) & !15) - 8;

    let old_mask = *me.sigmask.lock();
    let uc = UContext {
        uc_flags: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
        uc_stack: SignalStack {
            ss_sp: alt.sp,
            ss_flags: alt.flags,
            ss_size: alt.size,
            ..Default::default()
        },
        uc_mcontext: SigContext {
            r8: frame.r8,
            r9: frame.r9,
            r10: frame.r10,
            r11: frame.r11,
            r12: frame.r12,
            r13: frame.r13,
            r14: frame.r14,
            r15: frame.r15,
            rdi: frame.rdi,
            rsi: frame.rsi,
            rbp: frame.rbp,
            rbx: frame.rbx,
            rdx: frame.rdx,
            rax: frame.rax,
            rcx: frame.rcx,
            rsp: frame.rsp,
            rip: frame.rip,
            eflags: frame.rflags,
            cs: frame.cs as u16,
            ss: frame.ss as u16,
            err: frame.error_code,
            trapno: frame.vector,
            oldmask: old_mask.0,
            fpstate: fpstate_at,
            ..Default::default()
        },
        uc_sigmask: old_mask.0,
        ..Default::default()
    };
    {
        let mut vm = me.process.vm.lock();
        vm.copy_out(fpstate_at, &fpu)?;
        vm.copy_out(sp, &action.restorer.to_le_bytes())?;
        vm.copy_out(sp + UC_OFFSET, uc.as_bytes())?;
        vm.copy_out(sp + INFO_OFFSET, &info.0)?;
    }

    let mut mask = old_mask.union(action.mask);
    if action.flags & SA_NODEFER == 0 {
        mask = mask.union(SigSet::single(signo));
    }
    *me.sigmask.lock() = mask.minus(SigSet::UNBLOCKABLE);
    frame.rdi = u64::from(signo);
    frame.rsi = sp + INFO_OFFSET;
    frame.rdx = sp + UC_OFFSET;
    frame.rax = 0;
    frame.rsp = sp;
    frame.rip = handler;
    // No single-stepping or string-direction surprises in the handler.
    frame.rflags &= !(0x100 | 0x400);
    Ok(())
}

/// rt_sigreturn: restores what `setup_frame` saved; the frame is at rsp - 8
/// (the handler's `ret` popped the restorer address).
pub fn sigreturn(me: &Arc<Thread>, frame: &mut TrapFrame) -> Result<(), crate::mm::vm::Fault> {
    let mut uc = UContext::new_zeroed();
    me.process.vm.lock().copy_in(frame.rsp, uc.as_mut_bytes())?;
    let mc = &uc.uc_mcontext;
    frame.r8 = mc.r8;
    frame.r9 = mc.r9;
    frame.r10 = mc.r10;
    frame.r11 = mc.r11;
    frame.r12 = mc.r12;
    frame.r13 = mc.r13;
    frame.r14 = mc.r14;
    frame.r15 = mc.r15;
    frame.rdi = mc.rdi;
    frame.rsi = mc.rsi;
    frame.rbp = mc.rbp;
    frame.rbx = mc.rbx;
    frame.rdx = mc.rdx;
    frame.rax = mc.rax;
    frame.rcx = mc.rcx;
    frame.rsp = mc.rsp;
    frame.rip = mc.rip;
    // The restored registers are a program's, not a call to start again.
    frame.error_code = NO_CALL;
    // Interrupts stay on in user mode whatever the saved flags say.
    frame.rflags = (frame.rflags & !USER_FLAGS) | (mc.eflags & USER_FLAGS) | 0x200;
    *me.sigmask.lock() = SigSet(uc.uc_sigmask).minus(SigSet::UNBLOCKABLE);
    if mc.fpstate != 0 {
        let mut fpu = [0u8; 512];
        me.process.vm.lock().copy_in(mc.fpstate, &mut fpu)?;
        // MXCSR reserved bits would fault on fxrstor: keep them clear.
        let mxcsr = u32::from_le_bytes(fpu[24..28].try_into().expect("4 bytes")) & 0xffff;
        fpu[24..28].copy_from_slice(&mxcsr.to_le_bytes());
        frame.set_fpu(&fpu);
    }
    Ok(())
}
