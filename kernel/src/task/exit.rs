//! Ending threads and processes, and reaping them (wait4).

use super::signal::{self, SigInfo};
use super::{ExitStatus, Process, Thread, ThreadState};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

// Ending is two steps: these functions mark threads dead and finish the
// process; the thread leaves the CPU for good on its way back to user mode
// (`task::return_to_user`), when no caller's frame holds a reference to it
// any more. Leaving from deep inside a call would leak those references,
// and with them the process and its memory.

/// exit(2): ends the calling thread; the last one ends the process.
pub fn exit_thread(me: &Arc<Thread>, code: u8) {
    clear_child_tid(me);
    let others = me
        .process
        .live_threads()
        .into_iter()
        .filter(|t| t.tid != me.tid)
        .count();
    if others == 0 {
        exit_group(me, ExitStatus::Exited(code));
    } else {
        *me.state.lock() = ThreadState::Dead;
    }
}

/// Writes 0 to the thread's clear_child_tid address and wakes a futex
/// waiter there (how pthread_join learns a thread ended).
fn clear_child_tid(me: &Arc<Thread>) {
    let addr = me.clear_child_tid.swap(0, Ordering::Relaxed);
    if addr != 0
        && me
            .process
            .vm
            .lock()
            .copy_out(addr, &0u32.to_le_bytes())
            .is_ok()
    {
        crate::syscall::futex::wake(addr, 1);
    }
}

/// exit_group(2) and death by signal: ends every thread of the process.
/// The others get SIGKILL, as Linux's zap_other_threads: it wakes them
/// wherever they sleep, and each ends itself the same way.
pub fn exit_group(me: &Arc<Thread>, status: ExitStatus) {
    let process = &me.process;
    clear_child_tid(me);
    *me.state.lock() = ThreadState::Dead;
    if process.exit_status.lock().is_none() {
        *process.exit_status.lock() = Some(status);
        finish_process(process, status);
    }
    for thread in process.live_threads() {
        signal::send_thread(&thread, signal::SIGKILL, SigInfo::kernel(signal::SIGKILL));
    }
}

fn finish_process(process: &Arc<Process>, status: ExitStatus) {
    process.give_back_vm_at_exit();
    if Arc::strong_count(&process.files) == 1 {
        *process.files.lock() = Default::default();
    }
    if process.pid == 1 {
        panic!("init exited ({status:?})");
    }
    if process.sid.load(Ordering::Relaxed) == process.pid {
        crate::tty::hang_up(process);
    }
    // Orphans go to init, which reaps them.
    let orphans = core::mem::take(&mut *process.children.lock());
    if let Some(init) = super::process(1) {
        for child in orphans {
            *child.parent.lock() = Arc::downgrade(&init);
            let zombie = child.exit_status.lock().is_some();
            init.children.lock().push(child);
            if zombie {
                init.child_event.wake_all();
            }
        }
    }
    if let Some(parent) = process.parent.lock().upgrade() {
        let (code, value) = match status {
            ExitStatus::Exited(code) => (signal::CLD_EXITED, i32::from(code)),
            ExitStatus::Killed { signal, core } => (
                if core {
                    signal::CLD_DUMPED
                } else {
                    signal::CLD_KILLED
                },
                signal as i32,
            ),
        };
        signal::send_process(
            &parent,
            signal::SIGCHLD,
            SigInfo::child(process.pid, code, value),
        );
        parent.child_event.wake_all();
    }
}

/// Which children a wait accepts.
#[derive(Debug, Clone, Copy)]
pub enum WaitFor {
    Any,
    Pid(u32),
    Group(u32),
}

/// What a wait may report about a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEvent {
    Ended(ExitStatus),
    Job(super::JobEvent),
}

impl ChildEvent {
    /// The wait status word (`WIFEXITED`, `WIFSTOPPED`, `WIFCONTINUED`, ...).
    pub fn wait_status(self) -> i32 {
        match self {
            ChildEvent::Ended(status) => status.wait_status(),
            ChildEvent::Job(super::JobEvent::Stopped(signo)) => ((signo as i32) << 8) | 0x7f,
            ChildEvent::Job(super::JobEvent::Continued) => 0xffff,
        }
    }

    /// waitid's `si_code` and `si_status`.
    pub fn siginfo(self) -> (i32, i32) {
        match self {
            ChildEvent::Ended(ExitStatus::Exited(code)) => (signal::CLD_EXITED, i32::from(code)),
            ChildEvent::Ended(ExitStatus::Killed {
                signal: signo,
                core,
            }) => (
                if core {
                    signal::CLD_DUMPED
                } else {
                    signal::CLD_KILLED
                },
                signo as i32,
            ),
            ChildEvent::Job(super::JobEvent::Stopped(signo)) => (signal::CLD_STOPPED, signo as i32),
            ChildEvent::Job(super::JobEvent::Continued) => {
                (signal::CLD_CONTINUED, signal::SIGCONT as i32)
            }
        }
    }
}

/// What a wait asks for.
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    pub exited: bool,
    pub stopped: bool,
    pub continued: bool,
    /// Collect the event (not WNOWAIT).
    pub consume: bool,
}

/// Finds a child matching `which` with an event `options` asks for, and
/// collects it (an ended child is removed). `None` when there is none yet;
/// ECHILD when there is no such child at all.
pub fn reap(
    parent: &Arc<Process>,
    which: WaitFor,
    options: WaitOptions,
) -> Result<Option<(u32, ChildEvent)>, abi::errno::Errno> {
    let mut children = parent.children.lock();
    let matches = |c: &Arc<Process>| match which {
        WaitFor::Any => true,
        WaitFor::Pid(pid) => c.pid == pid,
        WaitFor::Group(pgid) => c.pgid.load(Ordering::Relaxed) == pgid,
    };
    if !children.iter().any(&matches) {
        return Err(abi::errno::Errno::ECHILD);
    }
    for i in 0..children.len() {
        let child = children[i].clone();
        if !matches(&child) {
            continue;
        }
        let ended = *child.exit_status.lock();
        if options.exited
            && let Some(status) = ended
        {
            let pid = child.pid;
            if options.consume {
                children.remove(i);
                let spent = child.cpu_ticks.load(Ordering::Relaxed)
                    + child.children_cpu_ticks.load(Ordering::Relaxed);
                parent
                    .children_cpu_ticks
                    .fetch_add(spent, Ordering::Relaxed);
            }
            return Ok(Some((pid, ChildEvent::Ended(status))));
        }
        let mut job_event = child.job_event.lock();
        let wanted = match *job_event {
            Some(super::JobEvent::Stopped(_)) => options.stopped,
            Some(super::JobEvent::Continued) => options.continued,
            None => false,
        };
        if wanted {
            let event = job_event.expect("checked above");
            if options.consume {
                *job_event = None;
            }
            return Ok(Some((child.pid, ChildEvent::Job(event))));
        }
    }
    Ok(None)
}
