//! Processes and threads.
//!
//! A [`Process`] owns what its threads share: the address space, the
//! descriptor table, the working directory, signal dispositions and its
//! children. A [`Thread`] is what the scheduler runs: a kernel stack, a saved
//! context, a signal mask and pending signals.

pub mod exec;
pub mod exit;
pub mod sched;
pub mod signal;
pub mod wait;

use crate::arch::trap::TrapFrame;
use crate::fs::fdtable::FdTable;
use crate::fs::path::Location;
use crate::mm::vm::AddressSpace;
use crate::mm::{self, PAGE_SIZE, phys};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use signal::{Pending, SigActions, SigSet};
use spin::Mutex;
use wait::WaitQueue;

pub type Pid = u32;

/// Kernel stack per thread.
const KERNEL_STACK_PAGES: usize = 8;

/// Scheduling state of a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadState {
    New,
    Runnable,
    Blocked,
    Dead,
}

/// A thread's kernel stack: contiguous frames reached through the direct map.
pub struct KernelStack {
    base: u64,
}

impl KernelStack {
    fn new() -> Option<KernelStack> {
        let base = mm::FRAMES
            .lock()
            .as_mut()?
            .allocate_contiguous(KERNEL_STACK_PAGES, 1)?;
        Some(KernelStack { base })
    }

    fn top(&self) -> u64 {
        phys::to_virt(self.base) + KERNEL_STACK_PAGES as u64 * PAGE_SIZE
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        for i in 0..KERNEL_STACK_PAGES as u64 {
            mm::free_frame(self.base + i * PAGE_SIZE);
        }
    }
}

/// User and group identity.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub groups: Vec<u32>,
}

/// How a process ended, for wait4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Exited(u8),
    Killed { signal: u32, core: bool },
}

impl ExitStatus {
    /// The wait status word (`WIFEXITED`, `WTERMSIG`, ...).
    pub fn wait_status(self) -> i32 {
        match self {
            ExitStatus::Exited(code) => i32::from(code) << 8,
            ExitStatus::Killed { signal, core } => signal as i32 | if core { 0x80 } else { 0 },
        }
    }
}

/// A change of a child's state under job control, for wait's WUNTRACED and
/// WCONTINUED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEvent {
    Stopped(u32),
    Continued,
}

pub struct Process {
    pub pid: Pid,
    pub parent: Mutex<Weak<Process>>,
    pub pgid: AtomicU32,
    pub sid: AtomicU32,
    /// Replaced whole by execve; shared by the process's threads.
    pub vm: Mutex<AddressSpace>,
    pub files: Arc<Mutex<FdTable>>,
    pub cwd: Mutex<Location>,
    pub umask: AtomicU32,
    pub creds: Mutex<Credentials>,
    pub sigactions: Arc<Mutex<SigActions>>,
    /// Signals sent to the process as a whole.
    pub pending: Mutex<Pending>,
    pub threads: Mutex<Vec<Weak<Thread>>>,
    pub children: Mutex<Vec<Arc<Process>>>,
    pub exit_status: Mutex<Option<ExitStatus>>,
    /// Woken when a child changes state (wait4).
    pub child_event: WaitQueue,
    pub cmdline: Mutex<Vec<String>>,
    pub exe: Mutex<String>,
    /// TSC at creation, for /proc/<pid>/stat.
    pub started: u64,
    /// Stopped by SIGSTOP and friends, until SIGCONT.
    pub stopped: core::sync::atomic::AtomicBool,
    /// Timer ticks that found one of its threads on the CPU.
    pub cpu_ticks: AtomicU64,
    /// `cpu_ticks` of the children it waited for.
    pub children_cpu_ticks: AtomicU64,
    /// A stop or continue the parent has not collected with wait yet.
    pub job_event: Mutex<Option<JobEvent>>,
    /// The controlling terminal, shared by the session.
    pub ctty: Mutex<Option<&'static crate::tty::Tty>>,
    /// Set once the process execs or exits: a vfork parent may go on.
    vfork_done: core::sync::atomic::AtomicBool,
    /// The vfork parent whose address space this process runs on until it
    /// execs or exits (then the parent gets it back).
    vm_lender: Mutex<Option<Weak<Process>>>,
}

pub struct Thread {
    pub tid: Pid,
    pub process: Arc<Process>,
    pub state: Mutex<ThreadState>,
    pub saved_rsp: AtomicU64,
    stack: KernelStack,
    pub fs_base: AtomicU64,
    pub clear_child_tid: AtomicU64,
    pub sigmask: Mutex<SigSet>,
    pub pending: Mutex<Pending>,
    pub altstack: Mutex<signal::AltStack>,
}

static NEXT_PID: AtomicU32 = AtomicU32::new(1);
/// Every live process (zombies included) by pid.
static PROCESSES: Mutex<BTreeMap<Pid, Weak<Process>>> = Mutex::new(BTreeMap::new());

/// Looks a process up by pid.
pub fn process(pid: Pid) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid)?.upgrade()
}

/// All processes, for /proc and kill(-1).
pub fn all_processes() -> Vec<Arc<Process>> {
    PROCESSES
        .lock()
        .values()
        .filter_map(Weak::upgrade)
        .collect()
}

/// Charges the current timer tick to the process on the CPU (the timer
/// interrupt calls this).
pub fn account_tick() {
    if let Some(thread) = sched::try_current() {
        thread.process.cpu_ticks.fetch_add(1, Ordering::Relaxed);
    }
}

/// The live processes of group `pgid`.
pub fn process_group(pgid: Pid) -> Vec<Arc<Process>> {
    all_processes()
        .into_iter()
        .filter(|p| p.pgid.load(Ordering::Relaxed) == pgid && p.exit_status.lock().is_none())
        .collect()
}

/// What a new process inherits or shares.
pub struct ProcessParts {
    pub vm: AddressSpace,
    pub files: Arc<Mutex<FdTable>>,
    pub cwd: Location,
    pub umask: u32,
    pub creds: Credentials,
    pub sigactions: Arc<Mutex<SigActions>>,
    pub pgid: Option<Pid>,
    pub sid: Option<Pid>,
    pub cmdline: Vec<String>,
    pub exe: String,
    pub ctty: Option<&'static crate::tty::Tty>,
}

impl Process {
    /// Creates a process (not yet running any thread).
    pub fn new(parent: Option<&Arc<Process>>, parts: ProcessParts) -> Arc<Process> {
        let pid = NEXT_PID.fetch_add(1, Ordering::Relaxed);
        let process = Arc::new(Process {
            pid,
            parent: Mutex::new(parent.map(Arc::downgrade).unwrap_or_default()),
            pgid: AtomicU32::new(parts.pgid.unwrap_or(pid)),
            sid: AtomicU32::new(parts.sid.unwrap_or(pid)),
            vm: Mutex::new(parts.vm),
            files: parts.files,
            cwd: Mutex::new(parts.cwd),
            umask: AtomicU32::new(parts.umask),
            creds: Mutex::new(parts.creds),
            sigactions: parts.sigactions,
            pending: Mutex::new(Pending::default()),
            threads: Mutex::new(Vec::new()),
            children: Mutex::new(Vec::new()),
            exit_status: Mutex::new(None),
            child_event: WaitQueue::new(),
            cmdline: Mutex::new(parts.cmdline),
            exe: Mutex::new(parts.exe),
            started: crate::arch::cpu::rdtsc(),
            vfork_done: core::sync::atomic::AtomicBool::new(false),
            vm_lender: Mutex::new(None),
            stopped: core::sync::atomic::AtomicBool::new(false),
            job_event: Mutex::new(None),
            cpu_ticks: AtomicU64::new(0),
            children_cpu_ticks: AtomicU64::new(0),
            ctty: Mutex::new(parts.ctty),
        });
        PROCESSES.lock().insert(pid, Arc::downgrade(&process));
        if let Some(parent) = parent {
            parent.children.lock().push(process.clone());
        }
        process
    }

    /// Whether a vfork parent waiting for this child may continue.
    pub fn vfork_released(&self) -> bool {
        self.vfork_done.load(Ordering::Relaxed) || self.exit_status.lock().is_some()
    }

    /// Runs this (vfork) child on `parent`'s address space, as vfork(2)
    /// shares memory: the parent's is moved here and `parent` gets an empty
    /// one until [`Process::give_back_vm`]. The parent must not run meanwhile.
    pub fn borrow_vm(&self, parent: &Arc<Process>) -> Result<(), abi::errno::Errno> {
        let placeholder = AddressSpace::new().ok_or(abi::errno::Errno::ENOMEM)?;
        let shared = core::mem::replace(&mut *parent.vm.lock(), placeholder);
        *self.vm.lock() = shared;
        *self.vm_lender.lock() = Some(Arc::downgrade(parent));
        Ok(())
    }

    /// Returns a borrowed address space to the vfork parent (at exec, with
    /// the new program's `replacement`; at exit, with an empty one), then lets
    /// the parent go on. Without a lender, `replacement` simply takes over.
    pub fn give_back_vm(&self, replacement: AddressSpace) {
        let old = core::mem::replace(&mut *self.vm.lock(), replacement);
        match self.vm_lender.lock().take().and_then(|l| l.upgrade()) {
            Some(lender) => *lender.vm.lock() = old,
            None => drop(old),
        }
        self.release_vfork_parent();
    }

    /// At exit: a vfork child that never exec'd hands the parent's memory
    /// back (it keeps running on it only until it leaves the CPU).
    pub fn give_back_vm_at_exit(&self) {
        if self.vm_lender.lock().is_none() {
            return;
        }
        match AddressSpace::new() {
            Some(empty) => self.give_back_vm(empty),
            None => log::error!("pid {}: no memory to return a vfork parent's", self.pid),
        }
    }

    /// Lets a vfork parent continue (the child exec'd).
    pub fn release_vfork_parent(&self) {
        self.vfork_done.store(true, Ordering::Relaxed);
        if let Some(parent) = self.parent.lock().upgrade() {
            parent.child_event.wake_all();
        }
    }

    pub fn ppid(&self) -> Pid {
        self.parent.lock().upgrade().map_or(0, |p| p.pid)
    }

    /// The live threads.
    pub fn live_threads(&self) -> Vec<Arc<Thread>> {
        self.threads
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|t| *t.state.lock() != ThreadState::Dead)
            .collect()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        PROCESSES.lock().remove(&self.pid);
    }
}

impl Thread {
    /// A thread of `process` that will enter user mode through `entry`;
    /// `tid` None means it is the process's first thread (tid = pid).
    pub fn spawn(
        process: &Arc<Process>,
        entry: &crate::arch::trap::EntryFrame,
        tid: Option<Pid>,
        sigmask: SigSet,
        fs_base: u64,
    ) -> Option<Arc<Thread>> {
        let stack = KernelStack::new()?;
        // SAFETY: the stack was just allocated for this thread alone; its top
        // is page aligned and it is mapped writable by the direct map.
        let rsp = unsafe { crate::arch::context::prepare_stack(stack.top(), entry) };
        let tid = tid.unwrap_or(process.pid);
        let thread = Arc::new(Thread {
            tid,
            process: process.clone(),
            state: Mutex::new(ThreadState::New),
            saved_rsp: AtomicU64::new(rsp),
            stack,
            fs_base: AtomicU64::new(fs_base),
            clear_child_tid: AtomicU64::new(0),
            sigmask: Mutex::new(sigmask),
            pending: Mutex::new(Pending::default()),
            altstack: Mutex::new(signal::AltStack::default()),
        });
        process.threads.lock().push(Arc::downgrade(&thread));
        sched::wake(&thread);
        Some(thread)
    }

    /// Makes the thread's first return to user mode go through `entry`
    /// (for init, which execs before it first runs).
    pub fn set_entry(&self, entry: &crate::arch::trap::EntryFrame) {
        assert_eq!(
            *self.state.lock(),
            ThreadState::Runnable,
            "only a thread that has not run yet"
        );
        // SAFETY: the thread has never run, so nothing lives on its stack.
        let rsp = unsafe { crate::arch::context::prepare_stack(self.stack.top(), entry) };
        self.saved_rsp.store(rsp, Ordering::Relaxed);
    }

    pub fn kernel_stack_top(&self) -> u64 {
        self.stack.top()
    }

    pub fn restore_fs_base(&self) {
        x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new_truncate(
            self.fs_base.load(Ordering::Relaxed),
        ));
    }

    /// Whether a signal could interrupt this thread's sleep now.
    pub fn has_deliverable_signal(&self) -> bool {
        let mask = *self.sigmask.lock();
        let pending = self
            .pending
            .lock()
            .set
            .union(self.process.pending.lock().set);
        !pending.minus(mask).is_empty()
    }
}

/// A new thread id (threads other than a process's first use their own).
pub fn new_tid() -> Pid {
    NEXT_PID.fetch_add(1, Ordering::Relaxed)
}

/// Called on a CPU exception in user mode: resolve a page fault, or signal.
pub fn user_exception(frame: &mut TrapFrame) {
    let me = sched::current();
    if frame.vector == crate::arch::trap::PAGE_FAULT {
        let addr = x86_64::registers::control::Cr2::read_raw();
        let write = frame.error_code & 2 != 0;
        let result = me.process.vm.lock().fault(addr, write);
        match result {
            Ok(()) => return,
            Err(fault) => {
                let code = if fault == crate::mm::vm::Fault::Denied {
                    2
                } else {
                    1
                };
                signal::force(
                    &me,
                    signal::SIGSEGV,
                    signal::SigInfo::fault(signal::SIGSEGV, code, addr),
                );
                return;
            }
        }
    }
    let (signo, code) = match frame.vector {
        0 => (signal::SIGFPE, 1),
        6 => (signal::SIGILL, 2),
        3 | 1 => (signal::SIGTRAP, 1),
        16 | 19 => (signal::SIGFPE, 0),
        17 => (signal::SIGBUS, 1),
        _ => (signal::SIGSEGV, 0x80),
    };
    signal::force(&me, signo, signal::SigInfo::fault(signo, code, frame.rip));
}

/// Called before every return to user mode: deliver signals, then let
/// others run if this thread's time is up.
pub fn return_to_user(frame: &mut TrapFrame) {
    let me = sched::current();
    // Ended by its own exit, a signal, or a sibling's execve: `me` is the
    // last reference this thread's stack holds, so nothing leaks.
    let ended = |me: &Arc<Thread>| *me.state.lock() == ThreadState::Dead;
    if ended(&me) {
        sched::exit_current(me);
    }
    signal::deliver_pending(&me, frame);
    if ended(&me) {
        sched::exit_current(me);
    }
    sched::maybe_preempt(&me);
    signal::deliver_pending(&me, frame);
    if ended(&me) {
        sched::exit_current(me);
    }
}
