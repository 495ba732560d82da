//! CPU identification, the time-stamp counter, and halting.

use core::arch::x86_64::{__cpuid, __cpuid_count, _rdtsc, CpuidResult};

/// Executes CPUID for `leaf` (sub-leaf 0).
pub fn cpuid(leaf: u32) -> CpuidResult {
    __cpuid_count(leaf, 0)
}

/// The highest basic leaf and the highest hypervisor leaf (0 when there is none).
pub fn max_leaves() -> (u32, u32) {
    let basic = __cpuid(0).eax;
    let hypervisor_present = cpuid(1).ecx & (1 << 31) != 0;
    let hv = if hypervisor_present {
        cpuid(0x4000_0000).eax
    } else {
        0
    };
    (basic, if hv >= 0x4000_0000 { hv } else { 0 })
}

/// The hypervisor's 12-byte signature ("KVMKVMKVM\0\0\0", "TCGTCGTCGTCG", ...).
pub fn hypervisor_signature() -> Option<[u8; 12]> {
    let (_, hv) = max_leaves();
    if hv == 0 {
        return None;
    }
    let r = cpuid(0x4000_0000);
    let mut sig = [0; 12];
    sig[0..4].copy_from_slice(&r.ebx.to_le_bytes());
    sig[4..8].copy_from_slice(&r.ecx.to_le_bytes());
    sig[8..12].copy_from_slice(&r.edx.to_le_bytes());
    Some(sig)
}

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC is unprivileged unless CR4.TSD is set, which Basalt never sets.
    unsafe { _rdtsc() }
}

/// Waits for the next interrupt with interrupts enabled, then disables them
/// again. The kernel runs with interrupts off everywhere else: the
/// precompiled `core` uses the red zone, which an interrupt on the same stack
/// would overwrite. The `sti; hlt` pair is atomic with respect to interrupts.
pub fn wait_for_interrupt() {
    // SAFETY: the asm block touches no memory the compiler knows about; the
    // handler runs on this stack below the current red zone because this
    // function's frame is our own code built without a red zone.
    unsafe { core::arch::asm!("sti", "hlt", "cli", options(nomem, nostack)) };
}

/// Stops this CPU for good.
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Reads a quadword at `addr`, which must be unmapped: the resulting page
/// fault shows the exception path (`basalt.crash=pagefault`).
pub fn read_unmapped(addr: u64) -> ! {
    // SAFETY: the load faults before anything is read, and the page-fault
    // handler never returns to this code.
    unsafe { core::arch::asm!("mov {0}, [{0}]", inout(reg) addr => _, options(nostack)) };
    unreachable!("reading {addr:#x} did not fault")
}
