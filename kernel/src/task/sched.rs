//! The scheduler: a round-robin run queue on one CPU.
//!
//! The idle loop, on the boot stack, is the scheduler's home: a thread that
//! blocks, yields or exits switches to it, and it switches to the next
//! runnable thread. Two switches per change keep every path simple.

use super::{Thread, ThreadState};
use crate::arch::{context, cpu, gdt};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

/// Timer ticks a thread runs before another runnable one gets the CPU.
const TIME_SLICE_TICKS: u64 = 2;

struct Scheduler {
    run_queue: VecDeque<Arc<Thread>>,
    current: Option<Arc<Thread>>,
}

static SCHED: Mutex<Scheduler> = Mutex::new(Scheduler {
    run_queue: VecDeque::new(),
    current: None,
});
/// The idle loop's saved stack pointer.
static IDLE_RSP: AtomicU64 = AtomicU64::new(0);
static SLICE_START: AtomicU64 = AtomicU64::new(0);

/// The running thread. Only called from thread context (system calls,
/// traps from user mode), where there always is one.
pub fn current() -> Arc<Thread> {
    SCHED.lock().current.clone().expect("no current thread")
}

/// The running thread, if any (none in the idle loop).
pub fn try_current() -> Option<Arc<Thread>> {
    SCHED.lock().current.clone()
}

/// Makes `thread` runnable.
pub fn wake(thread: &Arc<Thread>) {
    let mut state = thread.state.lock();
    if *state == ThreadState::Blocked || *state == ThreadState::New {
        *state = ThreadState::Runnable;
        drop(state);
        SCHED.lock().run_queue.push_back(thread.clone());
    }
}

/// Puts the current thread to sleep until [`wake`]; returns when woken.
pub fn block(me: &Arc<Thread>) {
    *me.state.lock() = ThreadState::Blocked;
    switch_to_idle(me);
}

/// Gives the CPU to others if the current thread's slice is used up.
pub fn maybe_preempt(me: &Arc<Thread>) {
    let now = crate::time::ticks();
    if now - SLICE_START.load(Ordering::Relaxed) >= TIME_SLICE_TICKS
        && !SCHED.lock().run_queue.is_empty()
    {
        switch_to_idle(me);
    }
}

/// Leaves the CPU for good (the thread has exited).
pub fn exit_current(me: Arc<Thread>) -> ! {
    *me.state.lock() = ThreadState::Dead;
    let rsp = me.saved_rsp.as_ptr();
    drop(me);
    // SAFETY: the idle context was saved by `idle_loop`; this thread is never
    // resumed, so the slot its context goes to only has to be valid memory,
    // which it is until the idle loop drops the thread.
    unsafe { context::switch(rsp, IDLE_RSP.load(Ordering::Relaxed)) };
    unreachable!("a dead thread was resumed")
}

fn switch_to_idle(me: &Arc<Thread>) {
    // SAFETY: `saved_rsp` belongs to this thread, which the idle loop resumes
    // (switching to that value) only while the thread is alive.
    unsafe { context::switch(me.saved_rsp.as_ptr(), IDLE_RSP.load(Ordering::Relaxed)) };
}

/// Runs threads forever; the CPU halts when none is runnable.
pub fn idle_loop() -> ! {
    loop {
        let next = SCHED.lock().run_queue.pop_front();
        let Some(next) = next else {
            cpu::wait_for_interrupt();
            continue;
        };
        if *next.state.lock() != ThreadState::Runnable {
            continue;
        }
        next.process.vm.lock().activate();
        gdt::set_kernel_stack(next.kernel_stack_top());
        next.restore_fs_base();
        SLICE_START.store(crate::time::ticks(), Ordering::Relaxed);
        let to = next.saved_rsp.load(Ordering::Relaxed);
        SCHED.lock().current = Some(next);
        let idle_rsp = IDLE_RSP.as_ptr();
        // SAFETY: `to` is the thread's saved context (from a switch or from
        // `prepare_stack`), and its stack stays allocated while the scheduler
        // holds the thread.
        unsafe { context::switch(idle_rsp, to) };
        let prev = SCHED.lock().current.take();
        // The thread's address space may go away with it.
        crate::mm::paging::activate_kernel();
        if let Some(prev) = prev
            && *prev.state.lock() == ThreadState::Runnable
        {
            SCHED.lock().run_queue.push_back(prev);
        }
    }
}
