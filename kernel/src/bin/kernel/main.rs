//! The bootable Basalt kernel image.
//!
//! Only what a freestanding executable needs lives here: the boot assembly,
//! the language items (`panic_handler`, `rust_eh_personality`), the memory
//! functions `core` calls, and the global allocator. Everything else is in the
//! `kernel` library, which also builds and tests on the host.

#![no_std]
#![no_main]

mod runtime;

use kernel::mm::KernelLayout;

core::arch::global_asm!(include_str!("boot.S"), options(att_syntax));

unsafe extern "C" {
    // Bounds from linker.ld.
    static __kernel_phys_start: u8;
    static __kernel_text_start: u8;
    static __kernel_rodata_start: u8;
    static __kernel_data_start: u8;
    static __kernel_end: u8;
}

/// Called by the boot assembly in long mode, on the boot stack.
#[unsafe(no_mangle)]
extern "C" fn kernel_entry(protocol: u32, info_phys: u32, entry_tsc: u64) -> ! {
    let addr = |symbol: *const u8| symbol as u64;
    let layout = KernelLayout {
        phys_start: addr(&raw const __kernel_phys_start),
        text: (
            addr(&raw const __kernel_text_start),
            addr(&raw const __kernel_rodata_start),
        ),
        rodata: (
            addr(&raw const __kernel_rodata_start),
            addr(&raw const __kernel_data_start),
        ),
        data: (
            addr(&raw const __kernel_data_start),
            addr(&raw const __kernel_end),
        ),
    };
    kernel::start::start(protocol, info_phys, entry_tsc, layout)
}
