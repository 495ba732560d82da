//! Switching between kernel threads, and starting new ones.

use super::trap::EntryFrame;

unsafe extern "C" {
    fn context_switch(from: *mut u64, to: u64);
    fn thread_start();
}

/// Saves the current thread's stack pointer in `*from` and resumes the
/// thread whose saved stack pointer is `to`.
///
/// # Safety
/// 1. `from` is where the current thread's context is kept until it is resumed.
/// 2. `to` was saved by this function, or made by [`prepare_stack`], and its
///    stack is still allocated.
pub unsafe fn switch(from: *mut u64, to: u64) {
    // SAFETY: promised by the caller; the asm saves and restores exactly the
    // callee-saved registers of the C ABI.
    unsafe { context_switch(from, to) }
}

/// Lays out a new thread's kernel stack so that its first switch returns to
/// user mode through `entry`; returns the stack pointer to switch to.
///
/// # Safety
/// `stack_top` is the 16-byte aligned top of an unused stack of at least
/// 4 KiB, mapped writable.
pub unsafe fn prepare_stack(stack_top: u64, entry: &EntryFrame) -> u64 {
    let frame_at = stack_top - core::mem::size_of::<EntryFrame>() as u64;
    // The switch frame: six callee-saved registers, then the return address.
    let switch_at = frame_at - 7 * 8;
    // SAFETY: both writes stay inside the stack the caller handed over;
    // `frame_at` keeps EntryFrame's 16-byte alignment (its size is 688).
    unsafe {
        (frame_at as *mut EntryFrame).write(entry.clone());
        let words = switch_at as *mut u64;
        for i in 0..6 {
            words.add(i).write(0);
        }
        words
            .add(6)
            .write(thread_start as *const () as usize as u64);
    }
    switch_at
}
