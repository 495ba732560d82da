//! PCI: configuration space through the legacy ports 0xCF8/0xCFC (every PC
//! chipset QEMU models has them, q35 included), enumeration of every bus
//! reachable from bus 0 through PCI-to-PCI bridges, BAR decoding, and
//! switching on decoding and bus mastering.
//!
//! Interrupts use legacy INTx: the line number the firmware (SeaBIOS, OVMF,
//! or the BIOS before GRUB) programmed into the Interrupt Line register,
//! which on QEMU's pc and q35 is an ISA IRQ (5, 9, 10 or 11) that the MADT
//! declares level-triggered. No AML is needed; a device whose line is
//! unset (0 or 0xff) is polled.

use alloc::vec::Vec;

/// Bus, device and function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bdf {
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl core::fmt::Display for Bdf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:02x}:{:02x}.{}", self.bus, self.device, self.function)
    }
}

/// 32-bit access to configuration space; `offset` is 4-byte aligned.
pub trait ConfigSpace {
    fn read32(&self, bdf: Bdf, offset: u8) -> u32;
    fn write32(&self, bdf: Bdf, offset: u8, value: u32);

    fn read16(&self, bdf: Bdf, offset: u8) -> u16 {
        (self.read32(bdf, offset & !3) >> ((offset & 2) * 8)) as u16
    }

    fn read8(&self, bdf: Bdf, offset: u8) -> u8 {
        (self.read32(bdf, offset & !3) >> ((offset & 3) * 8)) as u8
    }
}

/// Configuration mechanism #1: address to 0xCF8, data at 0xCFC.
#[derive(Debug, Clone, Copy)]
pub struct PortConfig;

impl PortConfig {
    fn address(bdf: Bdf, offset: u8) -> u32 {
        0x8000_0000
            | u32::from(bdf.bus) << 16
            | u32::from(bdf.device & 31) << 11
            | u32::from(bdf.function & 7) << 8
            | u32::from(offset & 0xfc)
    }
}

impl ConfigSpace for PortConfig {
    fn read32(&self, bdf: Bdf, offset: u8) -> u32 {
        use x86_64::instructions::port::Port;
        // SAFETY: 0xCF8/0xCFC are the PCI configuration ports; selecting an
        // address and reading its data has no effect on memory. One CPU
        // with interrupts off: nothing interleaves between the two.
        unsafe {
            Port::<u32>::new(0xcf8).write(Self::address(bdf, offset));
            Port::<u32>::new(0xcfc).read()
        }
    }

    fn write32(&self, bdf: Bdf, offset: u8, value: u32) {
        use x86_64::instructions::port::Port;
        // SAFETY: as in `read32`; the callers write only registers whose
        // meaning they know (command, BARs while sizing them).
        unsafe {
            Port::<u32>::new(0xcf8).write(Self::address(bdf, offset));
            Port::<u32>::new(0xcfc).write(value);
        }
    }
}

/// One base address register, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bar {
    Io {
        port: u16,
        size: u32,
    },
    Memory {
        address: u64,
        size: u64,
        prefetchable: bool,
    },
}

/// A function found on a bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub bdf: Bdf,
    pub vendor: u16,
    pub device: u16,
    pub class: u8,
    pub subclass: u8,
    pub prog_if: u8,
    /// Interrupt Line as the firmware programmed it, if set.
    pub irq: Option<u8>,
    /// Interrupt Pin: 1 = INTA .. 4 = INTD, 0 = none.
    pub pin: u8,
    pub bars: [Option<Bar>; 6],
}

impl core::fmt::Display for Function {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} {:04x}:{:04x} class {:02x}.{:02x}.{:02x}",
            self.bdf, self.vendor, self.device, self.class, self.subclass, self.prog_if
        )
    }
}

const COMMAND: u8 = 0x04;
const COMMAND_IO: u32 = 1 << 0;
const COMMAND_MEMORY: u32 = 1 << 1;
const COMMAND_BUS_MASTER: u32 = 1 << 2;
const COMMAND_INTX_DISABLE: u32 = 1 << 10;

/// Every function on every bus reachable from bus 0.
pub fn enumerate(config: &impl ConfigSpace) -> Vec<Function> {
    let mut found = Vec::new();
    let mut seen_buses = [false; 256];
    scan_bus(config, 0, &mut seen_buses, &mut found);
    found
}

fn scan_bus(config: &impl ConfigSpace, bus: u8, seen: &mut [bool; 256], found: &mut Vec<Function>) {
    // A bridge that names a bus already scanned (hostile or broken
    // hardware) must not send the scan round in circles.
    if core::mem::replace(&mut seen[bus as usize], true) {
        return;
    }
    for device in 0..32 {
        let first = Bdf {
            bus,
            device,
            function: 0,
        };
        if config.read16(first, 0) == 0xffff {
            continue;
        }
        let functions = if config.read8(first, 0x0e) & 0x80 != 0 {
            8
        } else {
            1
        };
        for function in 0..functions {
            let bdf = Bdf {
                bus,
                device,
                function,
            };
            let id = config.read32(bdf, 0);
            if id & 0xffff == 0xffff {
                continue;
            }
            let class = config.read32(bdf, 0x08);
            let header_type = config.read8(bdf, 0x0e) & 0x7f;
            let line = config.read8(bdf, 0x3c);
            let bar_count = match header_type {
                0 => 6,
                1 => 2,
                _ => 0,
            };
            let function_info = Function {
                bdf,
                vendor: id as u16,
                device: (id >> 16) as u16,
                class: (class >> 24) as u8,
                subclass: (class >> 16) as u8,
                prog_if: (class >> 8) as u8,
                irq: (line != 0 && line != 0xff).then_some(line),
                pin: config.read8(bdf, 0x3d),
                bars: decode_bars(config, bdf, bar_count),
            };
            found.push(function_info);
            if header_type == 1 {
                let secondary = config.read8(bdf, 0x19);
                if secondary != 0 {
                    scan_bus(config, secondary, seen, found);
                }
            }
        }
    }
}

/// Decodes the first `count` BARs, sizing each by writing all ones (with
/// decoding off meanwhile, so the device answers no stray address).
pub fn decode_bars(config: &impl ConfigSpace, bdf: Bdf, count: usize) -> [Option<Bar>; 6] {
    let mut bars = [None; 6];
    let command = config.read32(bdf, COMMAND);
    config.write32(
        bdf,
        COMMAND,
        command & !(COMMAND_IO | COMMAND_MEMORY) & 0xffff,
    );
    let mut index = 0;
    while index < count.min(6) {
        let offset = 0x10 + 4 * index as u8;
        let original = config.read32(bdf, offset);
        config.write32(bdf, offset, u32::MAX);
        let mask = config.read32(bdf, offset);
        config.write32(bdf, offset, original);
        if original & 1 == 1 {
            let size_mask = mask & 0xffff_fffc;
            let size = (!size_mask).wrapping_add(1) & 0xffff;
            if size_mask != 0 && size != 0 {
                bars[index] = Some(Bar::Io {
                    port: (original & 0xfffc) as u16,
                    size,
                });
            }
            index += 1;
            continue;
        }
        let is_64 = (original >> 1) & 3 == 2 && index + 1 < count.min(6);
        let prefetchable = original & 8 != 0;
        let (address, size) = if is_64 {
            let high_offset = offset + 4;
            let original_high = config.read32(bdf, high_offset);
            config.write32(bdf, high_offset, u32::MAX);
            let mask_high = config.read32(bdf, high_offset);
            config.write32(bdf, high_offset, original_high);
            let full_mask = u64::from(mask_high) << 32 | u64::from(mask & 0xffff_fff0);
            (
                u64::from(original_high) << 32 | u64::from(original & 0xffff_fff0),
                (!full_mask).wrapping_add(1),
            )
        } else {
            let size_mask = mask & 0xffff_fff0;
            (
                u64::from(original & 0xffff_fff0),
                u64::from((!size_mask).wrapping_add(1)),
            )
        };
        if mask & 0xffff_fff0 != 0 && size != 0 {
            bars[index] = Some(Bar::Memory {
                address,
                size,
                prefetchable,
            });
        }
        index += if is_64 { 2 } else { 1 };
    }
    config.write32(bdf, COMMAND, command & 0xffff);
    bars
}

/// Switches on I/O and memory decoding and bus mastering, and leaves INTx
/// enabled.
pub fn enable(config: &impl ConfigSpace, bdf: Bdf) {
    let command = config.read32(bdf, COMMAND) & 0xffff;
    let command =
        (command | COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER) & !COMMAND_INTX_DISABLE;
    config.write32(bdf, COMMAND, command);
}

/// The functions found at boot by [`scan`].
static FUNCTIONS: spin::Once<Vec<Function>> = spin::Once::new();

/// Enumerates the buses once (only on machines with PCI: microvm has none,
/// and its ports read all ones).
pub fn scan() -> &'static [Function] {
    FUNCTIONS.call_once(|| {
        let found = enumerate(&PortConfig);
        for function in &found {
            log::debug!("pci: {function}");
        }
        found
    })
}

/// The bridge between this module and the `virtio-drivers` crate, which
/// reads capabilities and BARs itself.
impl virtio_drivers::transport::pci::bus::ConfigurationAccess for PortConfig {
    fn read_word(
        &self,
        device_function: virtio_drivers::transport::pci::bus::DeviceFunction,
        register_offset: u8,
    ) -> u32 {
        self.read32(bdf_of(device_function), register_offset)
    }

    fn write_word(
        &mut self,
        device_function: virtio_drivers::transport::pci::bus::DeviceFunction,
        register_offset: u8,
        data: u32,
    ) {
        self.write32(bdf_of(device_function), register_offset, data)
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortConfig
    }
}

fn bdf_of(df: virtio_drivers::transport::pci::bus::DeviceFunction) -> Bdf {
    Bdf {
        bus: df.bus,
        device: df.device,
        function: df.function,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// A configuration space in memory: registers by (bdf, offset), and
    /// for each BAR the bits its size makes read-only zero.
    #[derive(Default)]
    struct FakeConfig {
        registers: RefCell<BTreeMap<(Bdf, u8), u32>>,
        size_masks: BTreeMap<(Bdf, u8), u32>,
    }

    impl ConfigSpace for FakeConfig {
        fn read32(&self, bdf: Bdf, offset: u8) -> u32 {
            *self
                .registers
                .borrow()
                .get(&(bdf, offset))
                .unwrap_or(&if offset == 0 { u32::MAX } else { 0 })
        }

        fn write32(&self, bdf: Bdf, offset: u8, value: u32) {
            let value = match self.size_masks.get(&(bdf, offset)) {
                Some(&mask) => {
                    // The bits below the size are read-only.
                    (value & mask) | (self.read32(bdf, offset) & !mask)
                }
                // An unimplemented BAR is hard-wired to zero.
                None if (0x10..0x28).contains(&offset) => return,
                None => value,
            };
            self.registers.borrow_mut().insert((bdf, offset), value);
        }
    }

    fn bdf(bus: u8, device: u8, function: u8) -> Bdf {
        Bdf {
            bus,
            device,
            function,
        }
    }

    impl FakeConfig {
        fn add(&mut self, at: Bdf, id: u32, class: u32, header: u8) {
            let regs = self.registers.get_mut();
            regs.insert((at, 0), id);
            regs.insert((at, 8), class);
            regs.insert((at, 0x0c), u32::from(header) << 16);
        }
    }

    #[test]
    fn bars_of_every_kind_are_decoded() {
        let mut fake = FakeConfig::default();
        let dev = bdf(0, 3, 0);
        fake.add(dev, 0x1001_1af4, 0x0100_0000, 0);
        let regs = fake.registers.get_mut();
        regs.insert((dev, 0x10), 0xc041); // I/O at 0xc040, 64 bytes
        regs.insert((dev, 0x14), 0xfebf_1000); // 32-bit memory, 4 KiB
        regs.insert((dev, 0x18), 0x0000_000c); // 64-bit prefetchable...
        regs.insert((dev, 0x1c), 0x0000_0008); // ...at 0x8_0000_0000, 16 KiB
        fake.size_masks.insert((dev, 0x10), 0xffff_ffc0);
        fake.size_masks.insert((dev, 0x14), 0xffff_f000);
        fake.size_masks.insert((dev, 0x18), 0xffff_c000);
        fake.size_masks.insert((dev, 0x1c), 0xffff_ffff);
        let bars = decode_bars(&fake, dev, 6);
        assert_eq!(
            bars[0],
            Some(Bar::Io {
                port: 0xc040,
                size: 64
            })
        );
        assert_eq!(
            bars[1],
            Some(Bar::Memory {
                address: 0xfebf_1000,
                size: 4096,
                prefetchable: false
            })
        );
        assert_eq!(
            bars[2],
            Some(Bar::Memory {
                address: 0x8_0000_0000,
                size: 16384,
                prefetchable: true
            })
        );
        assert_eq!(&bars[3..], &[None, None, None]);
        // Sizing restored the BARs.
        assert_eq!(fake.read32(dev, 0x10), 0xc041);
        assert_eq!(fake.read32(dev, 0x1c), 8);
    }

    #[test]
    fn bridges_are_followed_and_loops_cut() {
        let mut fake = FakeConfig::default();
        fake.add(bdf(0, 0, 0), 0x29c0_8086, 0x0600_0000, 0);
        // A multi-function device: function 2 only.
        fake.add(bdf(0, 1, 0), 0x0001_1234, 0x0200_0000, 0x80);
        fake.add(bdf(0, 1, 2), 0x0002_1234, 0x0200_0000, 0);
        // A bridge to bus 1, where another bridge points back at bus 0.
        fake.add(bdf(0, 2, 0), 0x0001_1b36, 0x0604_0000, 1);
        fake.registers
            .get_mut()
            .insert((bdf(0, 2, 0), 0x18), 0x0001_0100);
        fake.add(bdf(1, 0, 0), 0x1001_1af4, 0x0100_0000, 0);
        fake.add(bdf(1, 5, 0), 0x0001_1b36, 0x0604_0000, 1);
        fake.registers
            .get_mut()
            .insert((bdf(1, 5, 0), 0x18), 0x0000_0001);
        fake.registers
            .get_mut()
            .insert((bdf(1, 0, 0), 0x3c), 0x0000_010b);
        let found: Vec<Bdf> = enumerate(&fake).iter().map(|f| f.bdf).collect();
        assert_eq!(
            found,
            [
                bdf(0, 0, 0),
                bdf(0, 1, 0),
                bdf(0, 1, 2),
                bdf(0, 2, 0),
                bdf(1, 0, 0),
                bdf(1, 5, 0)
            ]
        );
        let disk = enumerate(&fake)
            .into_iter()
            .find(|f| f.bdf == bdf(1, 0, 0))
            .unwrap();
        assert_eq!((disk.vendor, disk.device, disk.class), (0x1af4, 0x1001, 1));
        assert_eq!((disk.irq, disk.pin), (Some(11), 1));
    }

    #[test]
    fn the_port_address_encodes_bus_device_function_and_register() {
        assert_eq!(PortConfig::address(bdf(1, 31, 7), 0x3f), 0x8001_ff3c);
    }
}
