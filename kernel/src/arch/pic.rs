//! The legacy 8259 interrupt controllers: remapped out of the exception
//! vectors and masked when the APIC is used, or driving IRQs when it is not.

use x86_64::instructions::port::Port;

/// Vector of IRQ 0 after remapping; IRQ n arrives on `IRQ_BASE + n`.
pub const IRQ_BASE: u8 = 0x20;

fn outb(port: u16, value: u8) {
    // SAFETY: the 8259 command/data ports (0x20, 0x21, 0xa0, 0xa1); writing
    // them only changes interrupt routing, which this module owns.
    unsafe { Port::new(port).write(value) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: reading an 8259 mask register has no side effects.
    unsafe { Port::new(port).read() }
}

/// Remaps both controllers to `IRQ_BASE..IRQ_BASE + 16` and masks every IRQ.
pub fn init_masked() {
    // ICW1: edge triggered, cascade, ICW4 follows.
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    // ICW2: vector offsets.
    outb(0x21, IRQ_BASE);
    outb(0xa1, IRQ_BASE + 8);
    // ICW3: the slave on IRQ 2.
    outb(0x21, 4);
    outb(0xa1, 2);
    // ICW4: 8086 mode.
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/// Lets `irq` through.
pub fn unmask(irq: u8) {
    let (port, bit) = if irq < 8 {
        (0x21, irq)
    } else {
        (0xa1, irq - 8)
    };
    outb(port, inb(port) & !(1 << bit));
    if irq >= 8 {
        outb(0x21, inb(0x21) & !(1 << 2));
    }
}

/// Acknowledges an interrupt on both controllers (harmless for the master's IRQs).
pub fn end_of_interrupt() {
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
}
