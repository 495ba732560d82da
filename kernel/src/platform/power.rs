//! Power-off and reset through the FADT's registers.

use super::s5::SleepTypes;
use crate::mm::phys;
use acpi::address::{AccessSize, AddressSpace, GenericAddress};
use acpi::fadt::Fadt;
use x86_64::instructions::port::Port;

/// SLP_EN in PM1 control (bit 13) and in the sleep control register (bit 5).
const PM1_SLP_EN: u64 = 1 << 13;
const SLEEP_CONTROL_SLP_EN: u64 = 1 << 5;
/// SCI_EN in PM1 control: set once the firmware is in ACPI mode.
const PM1_SCI_EN: u64 = 1;

/// The registers that put the machine to sleep state S5 or reset it.
#[derive(Debug, Default, Clone, Copy)]
pub struct PowerControl {
    pm1a_control: Option<GenericAddress>,
    pm1b_control: Option<GenericAddress>,
    /// Hardware-reduced ACPI (microvm): sleep control replaces PM1 control.
    sleep_control: Option<GenericAddress>,
    reset: Option<(GenericAddress, u8)>,
    /// Writing `acpi_enable` to `smi_command` switches the firmware to ACPI mode.
    smi_command: u32,
    acpi_enable: u8,
    s5: Option<SleepTypes>,
}

impl PowerControl {
    pub fn from_fadt(fadt: &Fadt, s5: Option<SleepTypes>) -> PowerControl {
        let flags = fadt.flags;
        let hardware_reduced = flags.system_is_hw_reduced_acpi();
        let reset = flags
            .supports_system_reset_via_fadt()
            .then(|| fadt.reset_register().ok())
            .flatten()
            .map(|r| (r, fadt.reset_value));
        PowerControl {
            pm1a_control: if hardware_reduced {
                None
            } else {
                fadt.pm1a_control_block().ok()
            },
            pm1b_control: if hardware_reduced {
                None
            } else {
                fadt.pm1b_control_block().ok().flatten()
            },
            sleep_control: fadt.sleep_control_register().ok().flatten(),
            reset,
            smi_command: fadt.smi_cmd_port,
            acpi_enable: fadt.acpi_enable,
            s5,
        }
    }

    /// How power-off will be done, for the boot log.
    pub fn describe(&self) -> &'static str {
        match (self.s5, self.sleep_control, self.pm1a_control) {
            (None, _, _) => "none (no _S5_ in the DSDT)",
            (Some(_), Some(_), _) => "ACPI S5 via the sleep control register",
            (Some(_), None, Some(_)) => "ACPI S5 via PM1 control",
            _ => "none (no sleep registers)",
        }
    }

    /// Enters S5. Returns only if the registers had no effect.
    pub fn power_off(&self) {
        let Some(s5) = self.s5 else { return };
        if let Some(reg) = self.sleep_control {
            write(&reg, (u64::from(s5.a & 7) << 2) | SLEEP_CONTROL_SLP_EN);
            return;
        }
        let Some(pm1a) = self.pm1a_control else {
            return;
        };
        if read(&pm1a) & PM1_SCI_EN == 0 && self.smi_command != 0 && self.acpi_enable != 0 {
            port_write(self.smi_command as u16, 1, u64::from(self.acpi_enable));
            for _ in 0..1_000_000 {
                if read(&pm1a) & PM1_SCI_EN != 0 {
                    break;
                }
                core::hint::spin_loop();
            }
        }
        let sleep = |reg: &GenericAddress, slp_typ: u8| {
            let value = (read(reg) & !(0x7 << 10)) | (u64::from(slp_typ & 7) << 10) | PM1_SLP_EN;
            write(reg, value);
        };
        if let Some(pm1b) = self.pm1b_control {
            sleep(&pm1b, s5.b);
        }
        sleep(&pm1a, s5.a);
    }

    /// Resets through the FADT reset register. Returns if there is none.
    pub fn reset(&self) {
        if let Some((reg, value)) = self.reset {
            write(&reg, u64::from(value));
        }
    }
}

fn width(reg: &GenericAddress) -> u8 {
    match reg.access_size {
        AccessSize::ByteAccess => 1,
        AccessSize::WordAccess => 2,
        AccessSize::DWordAccess => 4,
        AccessSize::QWordAccess => 8,
        AccessSize::Undefined => (reg.bit_width / 8).clamp(1, 8),
    }
}

fn port_write(port: u16, width: u8, value: u64) {
    // SAFETY: the port is one the firmware's FADT names for power control;
    // writing it is what ACPI prescribes.
    unsafe {
        match width {
            1 => Port::<u8>::new(port).write(value as u8),
            2 => Port::<u16>::new(port).write(value as u16),
            _ => Port::<u32>::new(port).write(value as u32),
        }
    }
}

fn read(reg: &GenericAddress) -> u64 {
    match reg.address_space {
        // SAFETY: a FADT power-control port; reading it has no side effects.
        AddressSpace::SystemIo => unsafe {
            match width(reg) {
                1 => u64::from(Port::<u8>::new(reg.address as u16).read()),
                2 => u64::from(Port::<u16>::new(reg.address as u16).read()),
                _ => u64::from(Port::<u32>::new(reg.address as u16).read()),
            }
        },
        AddressSpace::SystemMemory => {
            let p = phys::to_virt(reg.address);
            // SAFETY: a FADT register in MMIO space, reached through the direct map.
            unsafe {
                match width(reg) {
                    1 => u64::from((p as *const u8).read_volatile()),
                    2 => u64::from((p as *const u16).read_volatile()),
                    4 => u64::from((p as *const u32).read_volatile()),
                    _ => (p as *const u64).read_volatile(),
                }
            }
        }
        _ => 0,
    }
}

fn write(reg: &GenericAddress, value: u64) {
    match reg.address_space {
        AddressSpace::SystemIo => port_write(reg.address as u16, width(reg), value),
        AddressSpace::SystemMemory => {
            let p = phys::to_virt(reg.address);
            // SAFETY: a FADT register in MMIO space, reached through the direct map.
            unsafe {
                match width(reg) {
                    1 => (p as *mut u8).write_volatile(value as u8),
                    2 => (p as *mut u16).write_volatile(value as u16),
                    4 => (p as *mut u32).write_volatile(value as u32),
                    _ => (p as *mut u64).write_volatile(value),
                }
            }
        }
        other => log::warn!("power register in unsupported address space {other:?}"),
    }
}

/// Powers the machine off; halts if that fails.
pub fn power_off() -> ! {
    log::info!("powering off");
    if let Some(platform) = super::get() {
        platform.power.power_off();
        // The machine stops asynchronously (QEMU finishes the instruction
        // stream it is in first): give it a moment before calling it failed.
        if crate::time::tsc_hz() != 0 {
            crate::time::delay_micros(1_000_000);
        }
    }
    log::error!("power-off failed; halting");
    crate::arch::cpu::halt_forever()
}

/// Resets the machine: FADT reset register, then the keyboard controller,
/// then a triple fault.
pub fn reboot() -> ! {
    log::info!("rebooting");
    if let Some(platform) = super::get() {
        platform.power.reset();
    }
    // SAFETY: 0xfe to the 8042's command port pulses the CPU reset line.
    unsafe { Port::<u8>::new(0x64).write(0xfe) };
    // SAFETY: with an empty IDT the breakpoint below triple-faults, which
    // resets the machine; nothing else is running.
    unsafe {
        x86_64::instructions::tables::lidt(&x86_64::structures::DescriptorTablePointer {
            limit: 0,
            base: x86_64::VirtAddr::zero(),
        });
        core::arch::asm!("int3");
    }
    crate::arch::cpu::halt_forever()
}
