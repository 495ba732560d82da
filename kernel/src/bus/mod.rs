//! Buses that devices hang off: PCI, and the interrupt lines they share.

pub mod irq;
pub mod pci;
