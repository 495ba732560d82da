//! Wait queues: threads sleep on a condition and are woken when it may
//! have changed. One CPU with interrupts off in the kernel means nothing can
//! change between the check and the sleep, so no wakeup is lost.

use super::Thread;
use super::sched;
use abi::errno::Errno;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use spin::Mutex;

pub struct WaitQueue {
    waiters: Mutex<Vec<Weak<Thread>>>,
}

impl WaitQueue {
    pub const fn new() -> WaitQueue {
        WaitQueue {
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// Sleeps while `condition` holds. Returns EINTR when a signal arrives
    /// for the sleeping thread first.
    pub fn wait_while(&self, mut condition: impl FnMut() -> bool) -> Result<(), Errno> {
        let me = sched::current();
        while condition() {
            if me.has_deliverable_signal() {
                return Err(Errno::EINTR);
            }
            self.waiters.lock().push(Arc::downgrade(&me));
            sched::block(&me);
        }
        Ok(())
    }

    /// Sleeps while `condition` holds, whatever signals arrive: for waits
    /// that must not end early (a vfork parent, whose memory the child is
    /// using).
    pub fn wait_uninterruptible(&self, mut condition: impl FnMut() -> bool) {
        let me = sched::current();
        while condition() {
            self.waiters.lock().push(Arc::downgrade(&me));
            sched::block(&me);
        }
    }

    /// Wakes every waiter; each checks its condition again.
    pub fn wake_all(&self) {
        let waiters: Vec<Weak<Thread>> = core::mem::take(&mut *self.waiters.lock());
        for waiter in waiters.iter().filter_map(Weak::upgrade) {
            sched::wake(&waiter);
        }
    }
}

impl Default for WaitQueue {
    fn default() -> Self {
        WaitQueue::new()
    }
}
