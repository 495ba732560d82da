//! The machine as ACPI describes it: interrupt controllers, the HPET, and
//! how to power off and reset. Tables are read with the `acpi` crate.

pub mod power;
pub mod s5;

use crate::arch::apic::IoApic;
use crate::bootinfo::RsdpSource;
use crate::mm::{KernelLayout, phys};
use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping, fadt::Fadt, hpet::HpetInfo};
use arrayvec::ArrayVec;
use core::ptr::NonNull;
use spin::Once;

/// Maps ACPI tables through the kernel's direct map.
#[derive(Clone, Copy, Debug)]
pub struct DirectMap;

impl AcpiHandler for DirectMap {
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> PhysicalMapping<Self, T> {
        let virt = phys::to_virt(physical_address as u64) as *mut T;
        // SAFETY: the direct map covers all of physical memory the firmware
        // reports, ACPI tables included, for the kernel's whole life; the
        // pointer is therefore valid and non-null.
        unsafe {
            PhysicalMapping::new(
                physical_address,
                NonNull::new_unchecked(virt),
                size,
                size,
                *self,
            )
        }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// An ISA IRQ that the MADT moves to another global interrupt.
#[derive(Debug, Clone, Copy)]
pub struct IsaOverride {
    pub irq: u8,
    pub gsi: u32,
    pub active_low: bool,
    pub level: bool,
}

/// What the kernel learnt from ACPI.
#[derive(Debug, Default)]
pub struct Platform {
    pub local_apic: Option<u64>,
    pub io_apics: ArrayVec<IoApic, 8>,
    pub isa_overrides: ArrayVec<IsaOverride, 16>,
    pub has_8259: bool,
    pub hpet: Option<u64>,
    pub power: power::PowerControl,
}

impl Platform {
    /// The global interrupt and polarity of ISA IRQ `irq`.
    pub fn isa_irq(&self, irq: u8) -> IsaOverride {
        self.isa_overrides
            .iter()
            .find(|o| o.irq == irq)
            .copied()
            .unwrap_or(IsaOverride {
                irq,
                gsi: u32::from(irq),
                active_low: false,
                level: false,
            })
    }
}

static PLATFORM: Once<Platform> = Once::new();
static AML: Once<ArrayVec<&'static [u8], 8>> = Once::new();

/// The DSDT and SSDT bodies, for drivers that look up devices in them.
pub fn aml_tables() -> ArrayVec<&'static [u8], 8> {
    AML.get().cloned().unwrap_or_default()
}
static RSDP_COPY: Once<[u8; 36]> = Once::new();

/// Reads the ACPI tables once. Without them the machine is treated as a
/// legacy PC (8259 PIC, PIT, no power-off).
pub fn discover(rsdp: RsdpSource) -> &'static Platform {
    PLATFORM.call_once(|| match read_tables(rsdp) {
        Ok(platform) => platform,
        Err(e) => {
            log::warn!("ACPI tables unusable ({e:?}); assuming a legacy PC");
            Platform {
                has_8259: true,
                ..Platform::default()
            }
        }
    })
}

/// The platform found by [`discover`], if it ran.
pub fn get() -> Option<&'static Platform> {
    PLATFORM.get()
}

fn read_tables(rsdp: RsdpSource) -> Result<Platform, acpi::AcpiError> {
    // SAFETY: the addresses come from the boot loader (or the BIOS search),
    // and the handler maps whatever physical memory they name.
    let tables = unsafe {
        match rsdp {
            RsdpSource::Address(addr) => AcpiTables::from_rsdp(DirectMap, addr as usize)?,
            RsdpSource::Copy(bytes) => {
                let copy = RSDP_COPY.call_once(|| bytes);
                let addr = KernelLayout::image_phys(copy.as_ptr() as u64);
                AcpiTables::from_rsdp(DirectMap, addr as usize)?
            }
            RsdpSource::Search => AcpiTables::search_for_rsdp_bios(DirectMap)?,
        }
    };
    let mut platform = Platform {
        has_8259: true,
        ..Platform::default()
    };

    if let Ok(madt) = tables.find_table::<Madt>() {
        let madt = madt.get();
        platform.local_apic = Some(u64::from(madt.local_apic_address));
        platform.has_8259 = madt.supports_8259();
        for entry in madt.entries() {
            match entry {
                MadtEntry::IoApic(io) => {
                    let _ = platform.io_apics.try_push(IoApic {
                        id: io.io_apic_id,
                        base: u64::from(io.io_apic_address),
                        gsi_base: { io.global_system_interrupt_base },
                    });
                }
                MadtEntry::InterruptSourceOverride(o) if o.bus == 0 => {
                    let flags = { o.flags };
                    let _ = platform.isa_overrides.try_push(IsaOverride {
                        irq: o.irq,
                        gsi: { o.global_system_interrupt },
                        active_low: flags & 0b11 == 0b11,
                        level: (flags >> 2) & 0b11 == 0b11,
                    });
                }
                MadtEntry::LocalApicAddressOverride(o) => {
                    platform.local_apic = Some(o.local_apic_address)
                }
                _ => {}
            }
        }
    }

    platform.hpet = HpetInfo::new(&tables).ok().map(|h| h.base_address as u64);

    AML.call_once(|| {
        let dsdt = tables.dsdt().ok().map(|t| aml_bytes(t.address, t.length));
        let ssdts = tables.ssdts().map(|t| aml_bytes(t.address, t.length));
        dsdt.into_iter().chain(ssdts).take(8).collect()
    });
    if let Ok(fadt) = tables.find_table::<Fadt>() {
        let aml = tables
            .dsdt()
            .ok()
            .map(|dsdt| aml_bytes(dsdt.address, dsdt.length));
        let mut s5 = aml.and_then(s5::find_s5);
        for ssdt in tables.ssdts() {
            if s5.is_some() {
                break;
            }
            s5 = s5::find_s5(aml_bytes(ssdt.address, ssdt.length));
        }
        platform.power = power::PowerControl::from_fadt(&fadt, s5);
    }
    Ok(platform)
}

fn aml_bytes(address: usize, length: u32) -> &'static [u8] {
    // SAFETY: the acpi crate read this table's header and checked its
    // checksum, so `length` bytes at `address` belong to the table; the
    // direct map keeps them reachable for the kernel's whole life.
    unsafe {
        core::slice::from_raw_parts(phys::to_virt(address as u64) as *const u8, length as usize)
    }
}
