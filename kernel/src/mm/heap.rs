//! The kernel heap: a linked-list allocator over frames taken at boot.

use core::alloc::{GlobalAlloc, Layout};
use linked_list_allocator::LockedHeap;

static HEAP: LockedHeap = LockedHeap::empty();

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

// SAFETY: forwards to `LockedHeap`, whose implementation upholds the
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
}

/// Hands the heap its memory.
///
/// # Safety
/// 1. `start..start + size` is mapped, writable, and used by nothing else for
///    the rest of the kernel's life.
/// 2. It is called once.
pub unsafe fn init(start: *mut u8, size: usize) {
    // SAFETY: promised by the caller (points 1 and 2).
    unsafe { HEAP.lock().init(start, size) }
}

/// Bytes in use and in total.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.lock();
    (heap.used(), heap.size())
}
