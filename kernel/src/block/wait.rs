//! Waiting for a device: the thread that issued a request sleeps until the
//! device's interrupt handler wakes it, or — at boot, with no thread, or
//! while a device's interrupt has not been seen to work — halts until the
//! next interrupt (the device's or the 100 Hz tick) and checks again (or
//! spins, if the tick has never run).
//!
//! Unlike [`crate::task::wait::WaitQueue`] a device wait cannot be cut short
//! by a signal: the device owns the request's buffers until it completes.

use crate::arch::cpu;
use crate::task::{Thread, sched};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

/// How long a device may take before a request fails with a timeout.
pub const TIMEOUT_NANOS: u64 = 10_000_000_000;
/// Requests finish in microseconds under QEMU: polling that long first
/// saves two context switches per request.
const SPIN_NANOS: u64 = 20_000;

static SIGNALS: AtomicU64 = AtomicU64::new(0);

/// Device interrupts handled so far, for the boot self-test's log.
pub fn interrupts_handled() -> u64 {
    SIGNALS.load(Ordering::Relaxed)
}

/// Lets pending interrupts in for the length of one instruction, without
/// halting: for waits that cannot count on a timer to end a `hlt`.
pub fn let_interrupts_in() {
    // SAFETY: as for `cpu::wait_for_interrupt`: handlers run on this stack
    // below this function's frame, which is our own code built without a
    // red zone; `sti` takes effect after the `nop`, so interrupts are taken
    // there and nowhere else. Handlers may change memory: no `nomem`.
    unsafe { core::arch::asm!("sti", "nop", "cli", options(nostack)) };
}

/// An interrupt source of one device: threads sleeping on it, and whether
/// its interrupt has been seen to arrive (until then nobody sleeps on it,
/// so a badly routed interrupt costs speed, not a hang).
pub struct DeviceEvent {
    waiters: Mutex<Vec<Weak<Thread>>>,
    verified: AtomicBool,
}

impl DeviceEvent {
    pub const fn new() -> DeviceEvent {
        DeviceEvent {
            waiters: Mutex::new(Vec::new()),
            verified: AtomicBool::new(false),
        }
    }

    /// Called by the interrupt handler once it has acknowledged the device.
    pub fn signal(&self) {
        SIGNALS.fetch_add(1, Ordering::Relaxed);
        self.verified.store(true, Ordering::Relaxed);
        let waiters = core::mem::take(&mut *self.waiters.lock());
        for waiter in waiters.iter().filter_map(Weak::upgrade) {
            sched::wake(&waiter);
        }
    }

    /// Whether the device's interrupt has arrived at least once.
    pub fn interrupt_seen(&self) -> bool {
        self.verified.load(Ordering::Relaxed)
    }

    /// Waits until `done` holds; false on timeout.
    pub fn wait_until(&self, mut done: impl FnMut() -> bool) -> bool {
        let start = crate::time::monotonic_nanos();
        loop {
            if done() {
                return true;
            }
            let waited = crate::time::monotonic_nanos().saturating_sub(start);
            if waited > TIMEOUT_NANOS {
                return false;
            }
            if waited < SPIN_NANOS {
                core::hint::spin_loop();
                continue;
            }
            match sched::try_current() {
                // Interrupts are off in the kernel: nothing can signal
                // between `done()` and the sleep, so no wakeup is lost.
                Some(me) if self.interrupt_seen() => {
                    self.waiters.lock().push(Arc::downgrade(&me));
                    sched::block(&me);
                }
                current => {
                    if let Some(me) = current {
                        sched::maybe_preempt(&me);
                    }
                    // Halting needs a timer to end it: on a machine whose
                    // tick never started (microvm without ACPI has no PIC)
                    // keep polling instead.
                    if crate::time::ticks() > 0 {
                        cpu::wait_for_interrupt();
                    } else {
                        let_interrupts_in();
                    }
                }
            }
        }
    }
}

impl Default for DeviceEvent {
    fn default() -> Self {
        DeviceEvent::new()
    }
}

/// A lock that sleeps instead of spinning, held across a whole request
/// (during which the holder may block). One CPU and no kernel preemption:
/// the check and the sleep cannot be separated by another thread.
pub struct SleepLock<T> {
    busy: AtomicBool,
    waiters: Mutex<Vec<Weak<Thread>>>,
    value: Mutex<T>,
}

/// Access to a [`SleepLock`]'s value; releases it on drop.
pub struct SleepGuard<'a, T> {
    lock: &'a SleepLock<T>,
    value: spin::MutexGuard<'a, T>,
}

impl<T> SleepLock<T> {
    pub const fn new(value: T) -> SleepLock<T> {
        SleepLock {
            busy: AtomicBool::new(false),
            waiters: Mutex::new(Vec::new()),
            value: Mutex::new(value),
        }
    }

    /// Takes the lock, sleeping while another thread holds it.
    pub fn lock(&self) -> SleepGuard<'_, T> {
        while self.busy.swap(true, Ordering::Acquire) {
            match sched::try_current() {
                Some(me) => {
                    self.waiters.lock().push(Arc::downgrade(&me));
                    sched::block(&me);
                }
                // Without threads nobody else can hold it for long.
                None => cpu::wait_for_interrupt(),
            }
        }
        SleepGuard {
            lock: self,
            value: self.value.lock(),
        }
    }
}

impl<T> core::ops::Deref for SleepGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> core::ops::DerefMut for SleepGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T> Drop for SleepGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.busy.store(false, Ordering::Release);
        let waiters = core::mem::take(&mut *self.lock.waiters.lock());
        for waiter in waiters.iter().filter_map(Weak::upgrade) {
            sched::wake(&waiter);
        }
    }
}
