//! The 8254 programmable interval timer (1.193182 MHz): a periodic tick on
//! channel 0 when there is no local APIC, and before that a stopwatch for
//! calibrating the TSC when nothing better is known.

use x86_64::instructions::port::Port;

/// The PIT's input clock, in Hz.
pub const FREQUENCY: u64 = 1_193_182;

fn outb(port: u16, value: u8) {
    // SAFETY: PIT ports 0x40-0x43, owned by this module.
    unsafe { Port::new(port).write(value) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: as in `outb`; reads have no side effects beyond the latch sequence.
    unsafe { Port::new(port).read() }
}

/// Starts channel 0 as a rate generator at `hz`.
pub fn start_periodic(hz: u32) {
    let divisor = (FREQUENCY / u64::from(hz)).clamp(1, 0xffff) as u16;
    outb(0x43, 0x34);
    outb(0x40, divisor as u8);
    outb(0x40, (divisor >> 8) as u8);
}

/// Reads channel 0's current count (latched, so both bytes belong together).
fn channel0_count() -> u16 {
    outb(0x43, 0x00);
    let low = inb(0x40);
    let high = inb(0x40);
    u16::from_le_bytes([low, high])
}

/// Times the TSC against channel 0 for about `micros` microseconds and
/// returns the TSC frequency, or `None` when no PIT counts. Channel 0 is used
/// because it needs no gate: microvm has a PIT but no port 0x61.
pub fn tsc_frequency(micros: u64) -> Option<u64> {
    let target = FREQUENCY * micros / 1_000_000;
    // Rate generator, full 65536 period, so the count keeps running.
    outb(0x43, 0x34);
    outb(0x40, 0);
    outb(0x40, 0);
    let mut last = channel0_count();
    let start = super::cpu::rdtsc();
    let mut elapsed = 0u64;
    let mut unchanged = 0u32;
    while elapsed < target {
        let now = channel0_count();
        if now == last {
            unchanged += 1;
            if unchanged > 1_000_000 {
                return None;
            }
            continue;
        }
        unchanged = 0;
        elapsed += u64::from(last.wrapping_sub(now));
        last = now;
    }
    let ticks = super::cpu::rdtsc() - start;
    Some(ticks * FREQUENCY / elapsed)
}
