//! Ending threads and processes, and reaping them (wait4).

use super::signal::{self, SigInfo};
use super::{ExitStatus, Process, Thread, ThreadState, sched};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// exit(2): ends the calling thread; the last one ends the process.
pub fn exit_thread(me: Arc<Thread>, code: u8) -> ! {
    clear_child_tid(&me);
    let others = me
        .process
        .live_threads()
        .into_iter()
        .filter(|t| t.tid != me.tid)
        .count();
    if others == 0 {
        exit_group(me, ExitStatus::Exited(code));
    }
    sched::exit_current(me)
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
pub fn exit_group(me: Arc<Thread>, status: ExitStatus) -> ! {
    let process = me.process.clone();
    clear_child_tid(&me);
    for thread in process.live_threads() {
        if thread.tid != me.tid {
            *thread.state.lock() = ThreadState::Dead;
        }
    }
    if process.exit_status.lock().is_none() {
        *process.exit_status.lock() = Some(status);
        finish_process(&process, status);
    }
    sched::exit_current(me)
}

fn finish_process(process: &Arc<Process>, status: ExitStatus) {
    if Arc::strong_count(&process.files) == 1 {
        *process.files.lock() = Default::default();
    }
    if process.pid == 1 {
        panic!("init exited ({status:?})");
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

/// Finds an ended child matching `which`, removes it, and returns its pid
/// and status. `None` when there is none yet; ECHILD when there is no such
/// child at all.
pub fn reap(
    parent: &Arc<Process>,
    which: WaitFor,
    remove: bool,
) -> Result<Option<(u32, ExitStatus)>, abi::errno::Errno> {
    let mut children = parent.children.lock();
    let matches = |c: &Arc<Process>| match which {
        WaitFor::Any => true,
        WaitFor::Pid(pid) => c.pid == pid,
        WaitFor::Group(pgid) => c.pgid.load(Ordering::Relaxed) == pgid,
    };
    if !children.iter().any(&matches) {
        return Err(abi::errno::Errno::ECHILD);
    }
    let found = children
        .iter()
        .position(|c| matches(c) && c.exit_status.lock().is_some());
    Ok(found.map(|i| {
        let child = if remove {
            children.remove(i)
        } else {
            children[i].clone()
        };
        let status = child.exit_status.lock().expect("checked above");
        (child.pid, status)
    }))
}
