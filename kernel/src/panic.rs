//! What a kernel panic does: print the message and where it happened, then
//! halt — or reboot, as Linux's `panic=N` asks.

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicI64, Ordering};

/// Seconds to wait before rebooting after a panic: 0 halts, a negative value
/// reboots at once (`panic=` on the command line).
static REBOOT_AFTER: AtomicI64 = AtomicI64::new(0);

/// Applies `panic=N`.
pub fn set_reboot_after(seconds: i64) {
    REBOOT_AFTER.store(seconds, Ordering::Relaxed);
}

/// Reports a panic on the console and stops the machine.
pub fn report(info: &PanicInfo<'_>) -> ! {
    x86_64::instructions::interrupts::disable();
    match info.location() {
        Some(at) => crate::console::emergency_write(format_args!(
            "basalt: panic at {}:{}:{}: {}\n",
            at.file(),
            at.line(),
            at.column(),
            info.message()
        )),
        None => {
            crate::console::emergency_write(format_args!("basalt: panic: {}\n", info.message()))
        }
    }
    let seconds = REBOOT_AFTER.load(Ordering::Relaxed);
    if seconds != 0 && crate::time::tsc_hz() != 0 {
        crate::time::delay_micros(seconds.max(0) as u64 * 1_000_000);
        crate::platform::power::reboot();
    }
    crate::arch::cpu::halt_forever()
}
