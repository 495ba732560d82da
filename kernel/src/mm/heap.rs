//! The kernel heap: `talc` over frames taken at boot.
//!
//! Talc keeps its free chunks in size bins found through a bitfield, so an
//! allocation or a free costs about the same however fragmented the heap
//! is (a linked-list allocator, used before, walks every hole: with a busy
//! filesystem that was a third of the kernel's time).

use core::alloc::{GlobalAlloc, Layout};
use talc::TalcLock;
use talc::source::Manual;

static HEAP: TalcLock<spin::mutex::SpinMutex<()>, Manual> = TalcLock::new(Manual);

/// The global allocator; the kernel image declares it `#[global_allocator]`.
pub struct KernelHeap;

impl KernelHeap {
    pub const fn new() -> KernelHeap {
        KernelHeap
    }
}

impl Default for KernelHeap {
    fn default() -> Self {
        KernelHeap::new()
    }
}

// SAFETY: forwards to `TalcLock`, whose implementation upholds the
// `GlobalAlloc` contract.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { HEAP.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { HEAP.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { HEAP.realloc(ptr, layout, new_size) }
    }
}

/// Hands the heap its memory.
///
/// # Safety
/// 1. `start..start + size` is mapped, writable, and used by nothing else for
///    the rest of the kernel's life.
/// 2. It is called once.
pub unsafe fn init(start: *mut u8, size: usize) {
    // SAFETY: promised by the caller (points 1 and 2).
    let claimed = unsafe { HEAP.lock().claim(start, size) };
    assert!(
        claimed.is_some(),
        "the kernel heap of {size} bytes is too small"
    );
}

/// Bytes in use and in total.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.lock();
    let counters = heap.counters();
    (counters.allocated_bytes, counters.claimed_bytes)
}
