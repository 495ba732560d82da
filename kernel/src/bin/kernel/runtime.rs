//! Language items and the C memory functions for a freestanding build.

use core::panic::PanicInfo;

#[global_allocator]
static HEAP: kernel::mm::heap::KernelHeap = kernel::mm::heap::KernelHeap::new();

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    kernel::panic::report(info)
}

/// The precompiled `core` refers to the unwinding personality even with
/// `panic = "abort"`; nothing ever unwinds, so it is never called.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}

/// The precompiled `alloc` has landing pads that resume unwinding; with
/// `panic = "abort"` no unwinding ever starts, so this is unreachable.
#[unsafe(no_mangle)]
extern "C" fn _Unwind_Resume() -> ! {
    panic!("_Unwind_Resume called in a kernel that never unwinds")
}

// `core` lowers copies and fills to these symbols. They are written with
// string instructions so that LLVM cannot turn them back into calls to
// themselves. The forward ones move eight bytes a step (`movsq`/`stosq`)
// and the last few bytes singly: under QEMU's TCG each step of a `rep`
// costs about the same whatever its width, so this is ~8x faster there
// than `rep movsb` (which fast-string hardware runs just as well).

/// # Safety
/// `dest` and `src` are valid for `n` bytes and do not overlap.
#[unsafe(no_mangle)]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller promises both ranges are valid for `n` bytes;
    // `n / 8` quadwords then `n % 8` bytes cover exactly those `n` bytes.
    unsafe {
        core::arch::asm!(
            "rep movsq",
            "mov rcx, {tail}",
            "rep movsb",
            tail = in(reg) n % 8,
            inout("rcx") n / 8 => _,
            inout("rdi") dest => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags)
        );
    }
    dest
}

/// # Safety
/// `dest` and `src` are valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) || (dest as usize) >= (src as usize).wrapping_add(n) {
        // SAFETY: a forward copy is correct when dest starts before src or
        // after its end; validity is the caller's promise.
        return unsafe { memcpy(dest, src, n) };
    }
    // SAFETY: copy backwards (direction flag set, restored after) so the
    // overlapping tail is read before it is overwritten.
    unsafe {
        core::arch::asm!(
            "std",
            "rep movsb",
            "cld",
            inout("rcx") n => _,
            inout("rdi") dest.add(n - 1) => _,
            inout("rsi") src.add(n - 1) => _,
            options(nostack)
        );
    }
    dest
}

/// # Safety
/// `dest` is valid for `n` bytes.
#[unsafe(no_mangle)]
unsafe extern "C" fn memset(dest: *mut u8, value: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller promises `dest` is valid for `n` bytes; `n / 8`
    // quadwords then `n % 8` bytes cover exactly those `n` bytes.
    unsafe {
        core::arch::asm!(
            "rep stosq",
            "mov rcx, {tail}",
            "rep stosb",
            tail = in(reg) n % 8,
            inout("rcx") n / 8 => _,
            inout("rdi") dest => _,
            in("rax") u64::from(value as u8) * 0x0101_0101_0101_0101,
            options(nostack, preserves_flags)
        );
    }
    dest
}

/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[unsafe(no_mangle)]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: `i < n` and both ranges are valid for `n` bytes. Volatile
        // reads keep LLVM from recognising the loop as a call to memcmp.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[unsafe(no_mangle)]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}
