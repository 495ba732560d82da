//! Choosing and starting the interrupt controllers and the periodic timer:
//! the local APIC and I/O APICs when ACPI lists them, the 8259 PIC and the
//! PIT otherwise.

use crate::arch::{apic, pic, pit, trap};
use crate::platform::Platform;
use crate::time;

/// The timer's vector (IRQ 0 of the remapped PIC, or the local APIC timer).
pub const TIMER_VECTOR: u8 = pic::IRQ_BASE;

/// Starts interrupt delivery and the periodic tick; returns a description.
pub fn init(platform: &Platform) -> &'static str {
    // Even when unused, the 8259s must not raise IRQs on exception vectors.
    pic::init_masked();
    trap::register(TIMER_VECTOR, time::on_tick);
    match platform.local_apic {
        Some(base) => {
            apic::init_local(base);
            for io in &platform.io_apics {
                io.mask_all();
            }
            trap::set_end_of_interrupt(apic::end_of_interrupt);
            let per_ms = apic::measure_timer(|| time::delay_micros(1000));
            apic::start_timer(TIMER_VECTOR, per_ms * 1000 / time::TICK_HZ);
            "local APIC timer"
        }
        None => {
            trap::set_end_of_interrupt(pic::end_of_interrupt);
            pit::start_periodic(time::TICK_HZ);
            pic::unmask(0);
            "PIT through the 8259 PIC"
        }
    }
}

/// Delivers ISA interrupt `irq` (as the MADT maps it) to `handler`, through
/// the I/O APIC that serves it, or the 8259. Returns false when no
/// controller serves it.
pub fn enable_isa_irq(platform: &Platform, irq: u8, handler: trap::Handler) -> bool {
    let vector = pic::IRQ_BASE + irq;
    trap::register(vector, handler);
    if platform.local_apic.is_none() {
        pic::unmask(irq);
        return true;
    }
    let route = platform.isa_irq(irq);
    let Some(io) = platform
        .io_apics
        .iter()
        .find(|io| (io.gsi_base..io.gsi_base + io.inputs()).contains(&route.gsi))
    else {
        return false;
    };
    io.route(
        route.gsi,
        vector,
        apic::local_id(),
        route.active_low,
        route.level,
    );
    true
}
