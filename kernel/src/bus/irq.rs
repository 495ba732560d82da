//! Device interrupts by global system interrupt (GSI) number: several
//! devices may share one level-triggered line (PCI INTx), so each line has
//! a list of handlers and all of them run on every interrupt; each checks
//! and acknowledges its own device.
//!
//! Line `gsi` arrives on vector `0x20 + gsi` (the ISA IRQs keep the vectors
//! [`crate::interrupts::enable_isa_irq`] gives them), so GSIs up to 47 can
//! be used: enough for the PIC, one 24-input I/O APIC and microvm's second.

use crate::arch::{apic, pic, trap};
use crate::platform::Platform;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

/// The highest GSI a device may use.
pub const MAX_GSI: u32 = 47;

/// A device's interrupt handler.
pub type Handler = Arc<dyn Fn() + Send + Sync>;

/// How a line signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    pub level: bool,
    pub active_low: bool,
}

impl Trigger {
    /// PCI INTx above the ISA range: level, active low.
    pub const PCI: Trigger = Trigger {
        level: true,
        active_low: true,
    };
    /// What QEMU's microvm DSDT says of its virtio-mmio lines.
    pub const LEVEL_HIGH: Trigger = Trigger {
        level: true,
        active_low: false,
    };
}

static LINES: Mutex<[Option<Vec<Handler>>; MAX_GSI as usize + 1]> =
    Mutex::new([const { None }; MAX_GSI as usize + 1]);

fn dispatch(frame: &mut trap::TrapFrame) {
    let gsi = frame.vector.wrapping_sub(u64::from(pic::IRQ_BASE)) as usize;
    // Clone the list: a handler may wake threads, which must not happen
    // with the table locked.
    let handlers = LINES.lock().get(gsi).cloned().flatten();
    for handler in handlers.iter().flatten() {
        handler();
    }
}

/// Adds `handler` to line `gsi` and unmasks it. Lines below 16 are ISA
/// IRQs (the MADT's overrides give their trigger, `trigger` is ignored);
/// false when no interrupt controller serves the line.
pub fn attach(platform: &Platform, gsi: u32, trigger: Trigger, handler: Handler) -> bool {
    if gsi > MAX_GSI {
        return false;
    }
    let first = {
        let mut lines = LINES.lock();
        let line = &mut lines[gsi as usize];
        let first = line.is_none();
        line.get_or_insert_with(Vec::new).push(handler);
        first
    };
    if !first {
        return true;
    }
    let routed = if gsi < 16 {
        crate::interrupts::enable_isa_irq(platform, gsi as u8, dispatch)
    } else {
        let vector = pic::IRQ_BASE + gsi as u8;
        match platform
            .io_apics
            .iter()
            .find(|io| (io.gsi_base..io.gsi_base + io.inputs()).contains(&gsi))
        {
            Some(io) if platform.local_apic.is_some() => {
                trap::register(vector, dispatch);
                io.route(
                    gsi,
                    vector,
                    apic::local_id(),
                    trigger.active_low,
                    trigger.level,
                );
                true
            }
            _ => false,
        }
    };
    if !routed {
        LINES.lock()[gsi as usize] = None;
    }
    routed
}
