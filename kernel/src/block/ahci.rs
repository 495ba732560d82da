//! AHCI (SATA) disks: the HBA is reset and switched to AHCI mode, each
//! implemented port with an ATA disk behind it gets a command list, a
//! received-FIS area, one command table and a 64 KiB DMA buffer (frames
//! from the kernel allocator), and runs one command at a time in slot 0:
//! IDENTIFY DEVICE, READ/WRITE DMA EXT, FLUSH CACHE EXT.
//!
//! The HBA interrupts (legacy INTx, the line the firmware programmed) on
//! completion; the handler clears every port's status and the HBA's, and
//! wakes the waiting threads.

use super::wait::DeviceEvent;
use super::{Driver, IoError};
use crate::bus::irq::{self, Trigger};
use crate::bus::pci::{self, Bar, Function, PortConfig};
use crate::mm::{self, PAGE_SIZE, phys};
use crate::platform::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::sync::Arc;

/// Sectors per command: the size of each port's DMA buffer.
const MAX_SECTORS: usize = 128;
const BUFFER_PAGES: usize = MAX_SECTORS * 512 / PAGE_SIZE as usize;

// HBA registers.
const CAP: u64 = 0x00;
const GHC: u64 = 0x04;
const IS: u64 = 0x08;
const PI: u64 = 0x0c;
const CAP_S64A: u32 = 1 << 31;
const GHC_RESET: u32 = 1 << 0;
const GHC_IE: u32 = 1 << 1;
const GHC_AE: u32 = 1 << 31;

// Port registers, from the port's base.
const PX_CLB: u64 = 0x00;
const PX_CLBU: u64 = 0x04;
const PX_FB: u64 = 0x08;
const PX_FBU: u64 = 0x0c;
const PX_IS: u64 = 0x10;
const PX_IE: u64 = 0x14;
const PX_CMD: u64 = 0x18;
const PX_TFD: u64 = 0x20;
const PX_SIG: u64 = 0x24;
const PX_SSTS: u64 = 0x28;
const PX_SERR: u64 = 0x30;
const PX_CI: u64 = 0x38;
const CMD_ST: u32 = 1 << 0;
const CMD_FRE: u32 = 1 << 4;
const CMD_FR: u32 = 1 << 14;
const CMD_CR: u32 = 1 << 15;
const TFD_ERR: u32 = 1 << 0;
const TFD_DRQ: u32 = 1 << 3;
const TFD_BSY: u32 = 1 << 7;
const IS_TFES: u32 = 1 << 30;
/// Register FIS, PIO setup, DMA setup, set device bits; the error bits.
const PORT_INTERRUPTS: u32 = 0x0000_000f | 0x7800_0000;
const SIG_ATA: u32 = 0x0000_0101;

const ATA_READ_DMA_EXT: u8 = 0x25;
const ATA_WRITE_DMA_EXT: u8 = 0x35;
const ATA_FLUSH_CACHE_EXT: u8 = 0xea;
const ATA_IDENTIFY: u8 = 0xec;

/// 32-bit registers at a physical address in the direct map.
#[derive(Debug, Clone, Copy)]
struct Registers {
    virt: u64,
}

impl Registers {
    fn read(&self, offset: u64) -> u32 {
        // SAFETY: `virt` maps the HBA's ABAR (checked to lie below 4 GiB;
        // only ports inside its size are used); registers are 32-bit.
        unsafe { ((self.virt + offset) as *const u32).read_volatile() }
    }

    fn write(&self, offset: u64, value: u32) {
        // SAFETY: as in `read`.
        unsafe { ((self.virt + offset) as *mut u32).write_volatile(value) }
    }

    fn at(&self, offset: u64) -> Registers {
        Registers {
            virt: self.virt + offset,
        }
    }
}

/// Spins (briefly: these are register handshakes) until `done`.
fn spin_until(mut done: impl FnMut() -> bool) -> bool {
    let start = crate::time::monotonic_nanos();
    while !done() {
        if crate::time::monotonic_nanos() - start > 500_000_000 {
            return false;
        }
        core::hint::spin_loop();
    }
    true
}

/// Physically contiguous zeroed frames, owned for good.
struct Frames {
    paddr: u64,
}

impl Frames {
    fn new(pages: usize) -> Option<Frames> {
        let paddr = mm::FRAMES.lock().as_mut()?.allocate_contiguous(pages, 1)?;
        // SAFETY: freshly allocated frames, in the direct map, used by
        // nothing else.
        unsafe {
            core::ptr::write_bytes(
                phys::to_virt(paddr) as *mut u8,
                0,
                pages * PAGE_SIZE as usize,
            )
        };
        Some(Frames { paddr })
    }

    fn bytes(&mut self, offset: usize, len: usize) -> &mut [u8] {
        // SAFETY: the frames belong to this value alone; callers stay
        // within what they allocated (offsets are constants of this file).
        unsafe {
            core::slice::from_raw_parts_mut((phys::to_virt(self.paddr) as *mut u8).add(offset), len)
        }
    }
}

struct AhciDisk {
    port: Registers,
    event: Arc<DeviceEvent>,
    /// Command list (1 KiB) at 0, received FIS (256 bytes) at 0x400,
    /// command table (CFIS at 0x1000, PRDT at 0x1080).
    control: Frames,
    buffer: Frames,
    sectors: u64,
}

// SAFETY: the registers and frames are this port's alone; the block layer
// lets one thread at a time use the disk.
unsafe impl Send for AhciDisk {}

const TABLE: usize = 0x1000;

impl AhciDisk {
    fn stop(&self) -> bool {
        let port = self.port;
        port.write(PX_CMD, port.read(PX_CMD) & !CMD_ST);
        let stopped = spin_until(|| port.read(PX_CMD) & CMD_CR == 0);
        port.write(PX_CMD, port.read(PX_CMD) & !CMD_FRE);
        stopped && spin_until(|| port.read(PX_CMD) & CMD_FR == 0)
    }

    fn start(&mut self) -> bool {
        let port = self.port;
        let paddr = self.control.paddr;
        port.write(PX_CLB, paddr as u32);
        port.write(PX_CLBU, (paddr >> 32) as u32);
        port.write(PX_FB, (paddr + 0x400) as u32);
        port.write(PX_FBU, ((paddr + 0x400) >> 32) as u32);
        port.write(PX_SERR, u32::MAX);
        port.write(PX_IS, u32::MAX);
        port.write(PX_CMD, port.read(PX_CMD) | CMD_FRE);
        if !spin_until(|| port.read(PX_TFD) & (TFD_BSY | TFD_DRQ) == 0) {
            return false;
        }
        port.write(PX_IE, PORT_INTERRUPTS);
        port.write(PX_CMD, port.read(PX_CMD) | CMD_ST);
        true
    }

    /// Runs one ATA command with `len` bytes of data through the buffer.
    fn command(
        &mut self,
        op: u8,
        sector: u64,
        count: u16,
        len: usize,
        write: bool,
    ) -> Result<(), IoError> {
        let buffer = self.buffer.paddr;
        let table = self.control.paddr + TABLE as u64;
        let header = self.control.bytes(0, 32);
        header.fill(0);
        // CFL 5 dwords, W when writing, one PRD entry.
        let flags = 5u32 | (u32::from(write) << 6) | (u32::from(len > 0) << 16);
        header[0..4].copy_from_slice(&flags.to_le_bytes());
        header[8..16].copy_from_slice(&table.to_le_bytes());
        let fis = self.control.bytes(TABLE, 0x90);
        fis.fill(0);
        fis[0] = 0x27; // host to device register FIS
        fis[1] = 0x80; // command, not control
        fis[2] = op;
        fis[4] = sector as u8;
        fis[5] = (sector >> 8) as u8;
        fis[6] = (sector >> 16) as u8;
        fis[7] = 0x40; // LBA mode
        fis[8] = (sector >> 24) as u8;
        fis[9] = (sector >> 32) as u8;
        fis[10] = (sector >> 40) as u8;
        fis[12..14].copy_from_slice(&count.to_le_bytes());
        if len > 0 {
            fis[0x80..0x88].copy_from_slice(&buffer.to_le_bytes());
            let byte_count = (len as u32 - 1) | (1 << 31);
            fis[0x8c..0x90].copy_from_slice(&byte_count.to_le_bytes());
        }
        let port = self.port;
        if !spin_until(|| port.read(PX_TFD) & (TFD_BSY | TFD_DRQ) == 0) {
            return Err(IoError::Timeout);
        }
        port.write(PX_IS, u32::MAX);
        port.write(PX_CI, 1);
        let finished = self
            .event
            .wait_until(|| port.read(PX_CI) & 1 == 0 || port.read(PX_IS) & IS_TFES != 0);
        let failed = port.read(PX_IS) & IS_TFES != 0 || port.read(PX_TFD) & TFD_ERR != 0;
        if !finished || failed {
            // Recover: a stopped and restarted port clears the error.
            self.stop();
            self.start();
            return Err(if finished {
                IoError::Device
            } else {
                IoError::Timeout
            });
        }
        Ok(())
    }
}

impl Driver for AhciDisk {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    fn max_sectors(&self) -> usize {
        MAX_SECTORS
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let count = (buf.len() / 512) as u16;
        self.command(ATA_READ_DMA_EXT, sector, count, buf.len(), false)?;
        buf.copy_from_slice(self.buffer.bytes(0, buf.len()));
        Ok(())
    }

    fn write(&mut self, sector: u64, buf: &[u8]) -> Result<(), IoError> {
        self.buffer.bytes(0, buf.len()).copy_from_slice(buf);
        let count = (buf.len() / 512) as u16;
        self.command(ATA_WRITE_DMA_EXT, sector, count, buf.len(), true)
    }

    fn flush(&mut self) -> Result<(), IoError> {
        self.command(ATA_FLUSH_CACHE_EXT, 0, 0, 0, false)
    }
}

/// Sets up an AHCI controller and registers its disks.
pub fn probe(platform: &Platform, function: &Function) {
    let Some(Bar::Memory { address, size, .. }) = function.bars[5] else {
        log::warn!("ahci {}: no ABAR", function.bdf);
        return;
    };
    if size < 0x180 || address.checked_add(size).is_none_or(|end| end > 1 << 32) {
        log::warn!("ahci {}: ABAR {address:#x} unusable", function.bdf);
        return;
    }
    pci::enable(&PortConfig, function.bdf);
    let hba = Registers {
        virt: phys::to_virt(address),
    };
    hba.write(GHC, GHC_AE);
    hba.write(GHC, GHC_AE | GHC_RESET);
    if !spin_until(|| hba.read(GHC) & GHC_RESET == 0) {
        log::warn!("ahci {}: reset did not finish", function.bdf);
        return;
    }
    hba.write(GHC, GHC_AE);
    let ports_implemented = hba.read(PI);
    let cap = hba.read(CAP);
    log::debug!(
        "ahci {}: cap {cap:#x}, ports {ports_implemented:#x}",
        function.bdf
    );

    let event = Arc::new(DeviceEvent::new());
    let attached = function.irq.is_some_and(|line| {
        let event = event.clone();
        irq::attach(
            platform,
            u32::from(line),
            Trigger::PCI,
            Arc::new(move || {
                let pending = hba.read(IS);
                if pending == 0 {
                    return;
                }
                for port in (0..32).filter(|p| pending & (1 << p) != 0) {
                    let regs = hba.at(0x100 + 0x80 * port);
                    regs.write(PX_IS, regs.read(PX_IS));
                }
                hba.write(IS, pending);
                event.signal();
            }),
        )
    });
    // Registers are ready before the HBA may interrupt.
    let mut disks = alloc::vec::Vec::new();
    // Ports whose registers would lie past the ABAR do not exist.
    let ports_in_bar = ((size - 0x100) / 0x80).min(32);
    for index in (0..ports_in_bar).filter(|p| ports_implemented & (1 << p) != 0) {
        let port = hba.at(0x100 + 0x80 * index);
        if port.read(PX_SSTS) & 0xf != 3 {
            continue;
        }
        let (Some(control), Some(buffer)) = (Frames::new(2), Frames::new(BUFFER_PAGES)) else {
            log::warn!("ahci {}: no memory for port {index}", function.bdf);
            break;
        };
        let top =
            (control.paddr + 2 * PAGE_SIZE).max(buffer.paddr + BUFFER_PAGES as u64 * PAGE_SIZE);
        if cap & CAP_S64A == 0 && top > 1 << 32 {
            log::warn!(
                "ahci {}: 32-bit HBA and no memory below 4 GiB",
                function.bdf
            );
            break;
        }
        let mut disk = AhciDisk {
            port,
            event: event.clone(),
            control,
            buffer,
            sectors: 0,
        };
        if !disk.stop() || !disk.start() {
            log::warn!("ahci {} port {index}: does not start", function.bdf);
            continue;
        }
        // The signature arrives with the device's first register FIS,
        // once FIS receive is on.
        spin_until(|| port.read(PX_SIG) != u32::MAX);
        if port.read(PX_SIG) != SIG_ATA {
            log::debug!(
                "ahci {} port {index}: signature {:#x}, not a disk",
                function.bdf,
                port.read(PX_SIG)
            );
            disk.stop();
            continue;
        }
        disks.push((index, disk));
    }
    if attached {
        hba.write(GHC, GHC_AE | GHC_IE);
    }
    for (index, mut disk) in disks {
        if disk.command(ATA_IDENTIFY, 0, 0, 512, false).is_err() {
            log::warn!("ahci {} port {index}: IDENTIFY failed", function.bdf);
            continue;
        }
        let mut data = [0u8; 512];
        data.copy_from_slice(disk.buffer.bytes(0, 512));
        let Some(identity) = super::ide::parse_identify(&data) else {
            continue;
        };
        disk.sectors = identity.sectors;
        let description = format!(
            "AHCI {} port {index}, {}{}",
            function.bdf,
            identity.model,
            match (attached, function.irq) {
                (true, Some(irq)) => format!(", irq {irq}"),
                _ => alloc::string::String::from(", polled"),
            }
        );
        super::register("ada", description, Box::new(disk));
    }
}
