//! The local APIC (timer, end of interrupt) and the I/O APIC (external IRQs).
//! Both are memory-mapped and reached through the direct map.

use crate::mm::phys;
use core::sync::atomic::{AtomicU64, Ordering};

/// Local APIC register offsets.
mod reg {
    pub const ID: u64 = 0x20;
    pub const EOI: u64 = 0xb0;
    pub const SPURIOUS: u64 = 0xf0;
    pub const LVT_TIMER: u64 = 0x320;
    pub const TIMER_INITIAL: u64 = 0x380;
    pub const TIMER_CURRENT: u64 = 0x390;
    pub const TIMER_DIVIDE: u64 = 0x3e0;
}

const IA32_APIC_BASE: u32 = 0x1b;
const TIMER_PERIODIC: u32 = 1 << 17;
const LVT_MASKED: u32 = 1 << 16;
/// Divide configuration value for "divide by 16".
const DIVIDE_BY_16: u32 = 0x3;

static LAPIC_BASE: AtomicU64 = AtomicU64::new(0);

fn lapic_read(offset: u64) -> u32 {
    let base = LAPIC_BASE.load(Ordering::Relaxed);
    // SAFETY: `base` is the local APIC's MMIO page (set in `init_local`), which
    // the direct map covers; registers are 32-bit and read with volatile loads.
    unsafe { ((phys::to_virt(base) + offset) as *const u32).read_volatile() }
}

fn lapic_write(offset: u64, value: u32) {
    let base = LAPIC_BASE.load(Ordering::Relaxed);
    // SAFETY: as in `lapic_read`.
    unsafe { ((phys::to_virt(base) + offset) as *mut u32).write_volatile(value) }
}

/// Enables this CPU's local APIC at physical address `base`, with spurious
/// interrupts on [`super::trap::SPURIOUS_VECTOR`].
pub fn init_local(base: u64) {
    // SAFETY: setting the global enable bit (11) of IA32_APIC_BASE, keeping
    // the base the firmware chose, is how the APIC is switched on.
    unsafe {
        let mut msr = x86_64::registers::model_specific::Msr::new(IA32_APIC_BASE);
        let value = msr.read();
        msr.write(value | (1 << 11));
    }
    LAPIC_BASE.store(base, Ordering::Relaxed);
    lapic_write(
        reg::SPURIOUS,
        0x100 | u32::from(super::trap::SPURIOUS_VECTOR),
    );
}

/// This CPU's local APIC id.
pub fn local_id() -> u32 {
    lapic_read(reg::ID) >> 24
}

/// Acknowledges the interrupt being handled.
pub fn end_of_interrupt() {
    lapic_write(reg::EOI, 0);
}

/// Counts how many timer ticks (divided by 16) pass while `wait` runs.
pub fn measure_timer(wait: impl FnOnce()) -> u32 {
    lapic_write(reg::TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(reg::LVT_TIMER, LVT_MASKED);
    lapic_write(reg::TIMER_INITIAL, u32::MAX);
    wait();
    let left = lapic_read(reg::TIMER_CURRENT);
    lapic_write(reg::TIMER_INITIAL, 0);
    u32::MAX - left
}

/// Starts the periodic timer on `vector`, firing every `count` divided ticks.
pub fn start_timer(vector: u8, count: u32) {
    lapic_write(reg::TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(reg::LVT_TIMER, TIMER_PERIODIC | u32::from(vector));
    lapic_write(reg::TIMER_INITIAL, count.max(1));
}

/// One I/O APIC.
#[derive(Debug, Clone, Copy)]
pub struct IoApic {
    pub id: u8,
    pub base: u64,
    pub gsi_base: u32,
}

impl IoApic {
    fn select(&self, register: u32) -> *mut u32 {
        let regsel = phys::to_virt(self.base) as *mut u32;
        // SAFETY: IOREGSEL is the first register of the I/O APIC's MMIO
        // window, which the direct map covers.
        unsafe { regsel.write_volatile(register) };
        (phys::to_virt(self.base) + 0x10) as *mut u32
    }

    fn read(&self, register: u32) -> u32 {
        // SAFETY: IOWIN at base + 0x10 returns the selected register.
        unsafe { self.select(register).read_volatile() }
    }

    fn write(&self, register: u32, value: u32) {
        // SAFETY: IOWIN at base + 0x10 writes the selected register.
        unsafe { self.select(register).write_volatile(value) }
    }

    /// Number of interrupt inputs (redirection entries).
    pub fn inputs(&self) -> u32 {
        ((self.read(1) >> 16) & 0xff) + 1
    }

    /// Masks every input.
    pub fn mask_all(&self) {
        for input in 0..self.inputs() {
            self.write(0x10 + 2 * input, 1 << 16);
            self.write(0x11 + 2 * input, 0);
        }
    }

    /// Delivers global interrupt `gsi` (which must be one of ours) as `vector`
    /// to the APIC `destination`; `active_low` and `level` follow the MADT flags.
    pub fn route(&self, gsi: u32, vector: u8, destination: u32, active_low: bool, level: bool) {
        let input = gsi - self.gsi_base;
        let low = u32::from(vector) | (u32::from(active_low) << 13) | (u32::from(level) << 15);
        self.write(0x11 + 2 * input, destination << 24);
        self.write(0x10 + 2 * input, low);
    }
}
