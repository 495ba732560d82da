//! virtio-blk over the legacy (0.9.5) PCI interface: registers in an I/O
//! BAR, one virtqueue whose size the device fixes. `virtio-drivers` has no
//! legacy PCI transport, and its block driver uses a 16-entry queue, which
//! a legacy PCI device cannot be told about; so this is a small driver of
//! its own: one request at a time, always descriptors 0, 1 and 2.

use super::wait::DeviceEvent;
use super::{Driver, IoError};
use crate::bus::irq::{self, Trigger};
use crate::bus::pci::{self, Bar, Function, PortConfig};
use crate::mm::{self, PAGE_SIZE, phys};
use crate::platform::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{Ordering, fence};
use x86_64::instructions::port::Port;

// Register offsets in the I/O BAR.
const HOST_FEATURES: u16 = 0x00;
const GUEST_FEATURES: u16 = 0x04;
const QUEUE_PFN: u16 = 0x08;
const QUEUE_NUM: u16 = 0x0c;
const QUEUE_SEL: u16 = 0x0e;
const QUEUE_NOTIFY: u16 = 0x10;
const STATUS: u16 = 0x12;
const ISR: u16 = 0x13;
/// The device configuration, while MSI-X is off.
const CONFIG: u16 = 0x14;

const STATUS_ACKNOWLEDGE: u8 = 1;
const STATUS_DRIVER: u8 = 2;
const STATUS_DRIVER_OK: u8 = 4;
const FEATURE_RO: u32 = 1 << 5;
const FEATURE_FLUSH: u32 = 1 << 9;

const REQ_IN: u32 = 0;
const REQ_OUT: u32 = 1;
const REQ_FLUSH: u32 = 4;

const DESC_NEXT: u16 = 1;
const DESC_WRITE: u16 = 2;

const MAX_SECTORS: usize = 128;
const BUFFER_BYTES: usize = MAX_SECTORS * 512;
/// Larger queues than this are refused (QEMU offers 128 or 256).
const MAX_QUEUE: u16 = 1024;

/// The layout of a legacy virtqueue of `num` entries: the used ring starts
/// on the page after the descriptors and the available ring.
pub fn queue_layout(num: u16) -> (usize, usize) {
    let num = usize::from(num);
    let used_offset = (16 * num + 6 + 2 * num).next_multiple_of(PAGE_SIZE as usize);
    let total = used_offset + (6 + 8 * num).next_multiple_of(PAGE_SIZE as usize);
    (used_offset, total)
}

struct LegacyDisk {
    io: u16,
    num: u16,
    /// The queue's frames, then one page for the header and status, then
    /// the data buffer.
    paddr: u64,
    used_offset: usize,
    queue_bytes: usize,
    avail_idx: u16,
    used_idx: u16,
    features: u32,
    sectors: u64,
    event: Arc<DeviceEvent>,
    broken: bool,
}

fn inb(port: u16) -> u8 {
    // SAFETY: a register of this device's I/O BAR; no memory is touched.
    unsafe { Port::<u8>::new(port).read() }
}

fn outb(port: u16, value: u8) {
    // SAFETY: as in `inb`; this driver owns the device.
    unsafe { Port::<u8>::new(port).write(value) }
}

fn inw(port: u16) -> u16 {
    // SAFETY: as in `inb`.
    unsafe { Port::<u16>::new(port).read() }
}

fn outw(port: u16, value: u16) {
    // SAFETY: as in `outb`.
    unsafe { Port::<u16>::new(port).write(value) }
}

fn inl(port: u16) -> u32 {
    // SAFETY: as in `inb`.
    unsafe { Port::<u32>::new(port).read() }
}

fn outl(port: u16, value: u32) {
    // SAFETY: as in `outb`.
    unsafe { Port::<u32>::new(port).write(value) }
}

impl LegacyDisk {
    fn virt(&self, offset: usize) -> u64 {
        phys::to_virt(self.paddr) + offset as u64
    }

    fn write16(&self, offset: usize, value: u16) {
        // SAFETY: `offset` lies inside this disk's frames (the queue or the
        // header page, by construction below); nothing else uses them.
        unsafe { (self.virt(offset) as *mut u16).write_volatile(value) }
    }

    fn read16(&self, offset: usize) -> u16 {
        // SAFETY: as in `write16`; the device writes the used ring, hence
        // the volatile read.
        unsafe { (self.virt(offset) as *const u16).read_volatile() }
    }

    fn descriptor(&self, index: usize, addr: u64, len: u32, flags: u16, next: u16) {
        let at = self.virt(16 * index);
        // SAFETY: descriptor `index` (< 3 <= num) of this disk's table.
        unsafe {
            (at as *mut u64).write_volatile(addr);
            ((at + 8) as *mut u32).write_volatile(len);
            ((at + 12) as *mut u16).write_volatile(flags);
            ((at + 14) as *mut u16).write_volatile(next);
        }
    }

    fn header_offset(&self) -> usize {
        self.queue_bytes
    }

    fn data(&mut self) -> &mut [u8] {
        let at = self.virt(self.queue_bytes + PAGE_SIZE as usize);
        // SAFETY: the data buffer, the last BUFFER_BYTES of this disk's
        // frames; `&mut self` makes the borrow exclusive.
        unsafe { core::slice::from_raw_parts_mut(at as *mut u8, BUFFER_BYTES) }
    }

    /// Runs one request: header, optional data of `len` bytes, status.
    fn request(&mut self, kind: u32, sector: u64, len: usize) -> Result<(), IoError> {
        if self.broken {
            return Err(IoError::Timeout);
        }
        let header = self.header_offset();
        // SAFETY: the header page belongs to this disk; the request header
        // is 16 bytes at its start, the status byte at offset 16.
        unsafe {
            let at = self.virt(header);
            (at as *mut u32).write_volatile(kind);
            ((at + 4) as *mut u32).write_volatile(0);
            ((at + 8) as *mut u64).write_volatile(sector);
            ((at + 16) as *mut u8).write_volatile(0xff);
        }
        let header_phys = self.paddr + header as u64;
        let data_phys = header_phys + PAGE_SIZE;
        self.descriptor(0, header_phys, 16, DESC_NEXT, 1);
        let status_index = if len > 0 {
            let flags = DESC_NEXT | if kind == REQ_IN { DESC_WRITE } else { 0 };
            self.descriptor(1, data_phys, len as u32, flags, 2);
            2
        } else {
            1
        };
        self.descriptor(status_index, header_phys + 16, 1, DESC_WRITE, 0);
        let avail = 16 * usize::from(self.num);
        self.write16(avail + 4 + 2 * usize::from(self.avail_idx % self.num), 0);
        fence(Ordering::SeqCst);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.write16(avail + 2, self.avail_idx);
        fence(Ordering::SeqCst);
        outw(self.io + QUEUE_NOTIFY, 0);
        let expected = self.used_idx.wrapping_add(1);
        let used = self.used_offset;
        let this = &*self;
        if !self.event.wait_until(|| this.read16(used + 2) == expected) {
            self.broken = true;
            return Err(IoError::Timeout);
        }
        fence(Ordering::SeqCst);
        self.used_idx = expected;
        // SAFETY: the status byte in the header page, written by the device.
        let status = unsafe { (self.virt(header + 16) as *const u8).read_volatile() };
        if status == 0 {
            Ok(())
        } else {
            Err(IoError::Device)
        }
    }
}

// SAFETY: the frames and ports are this device's alone; the block layer
// lets one thread at a time use the disk.
unsafe impl Send for LegacyDisk {}

impl Driver for LegacyDisk {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    fn max_sectors(&self) -> usize {
        MAX_SECTORS
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.request(REQ_IN, sector, buf.len())?;
        buf.copy_from_slice(&self.data()[..buf.len()]);
        Ok(())
    }

    fn write(&mut self, sector: u64, buf: &[u8]) -> Result<(), IoError> {
        if self.features & FEATURE_RO != 0 {
            return Err(IoError::ReadOnly);
        }
        self.data()[..buf.len()].copy_from_slice(buf);
        self.request(REQ_OUT, sector, buf.len())
    }

    fn flush(&mut self) -> Result<(), IoError> {
        if self.features & FEATURE_FLUSH == 0 {
            return Ok(());
        }
        self.request(REQ_FLUSH, 0, 0)
    }
}

/// Sets up a transitional or legacy virtio-blk function through its I/O
/// BAR 0; false when it has none.
pub fn probe(platform: &Platform, function: &Function) -> bool {
    let Some(Bar::Io { port: io, size }) = function.bars[0] else {
        return false;
    };
    if size < 0x1c {
        return false;
    }
    pci::enable(&PortConfig, function.bdf);
    let name = format!("virtio-blk pci {} legacy", function.bdf);
    outb(io + STATUS, 0);
    outb(io + STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    let features = inl(io + HOST_FEATURES) & (FEATURE_RO | FEATURE_FLUSH);
    outl(io + GUEST_FEATURES, features);
    outw(io + QUEUE_SEL, 0);
    let num = inw(io + QUEUE_NUM);
    if !(3..=MAX_QUEUE).contains(&num) || !num.is_power_of_two() {
        log::warn!("{name}: queue of {num} entries; skipped");
        outb(io + STATUS, 0);
        return true;
    }
    let (used_offset, queue_bytes) = queue_layout(num);
    let pages = (queue_bytes + PAGE_SIZE as usize + BUFFER_BYTES) / PAGE_SIZE as usize;
    let Some(paddr) = mm::FRAMES
        .lock()
        .as_mut()
        .and_then(|f| f.allocate_contiguous(pages, 1))
    else {
        log::warn!("{name}: no memory");
        return true;
    };
    // SAFETY: the frames were just allocated for this device alone and the
    // direct map covers them.
    unsafe {
        core::ptr::write_bytes(
            phys::to_virt(paddr) as *mut u8,
            0,
            pages * PAGE_SIZE as usize,
        )
    };
    outl(io + QUEUE_PFN, (paddr / PAGE_SIZE) as u32);
    let sectors = u64::from(inl(io + CONFIG)) | u64::from(inl(io + CONFIG + 4)) << 32;
    let event = Arc::new(DeviceEvent::new());
    let attached = function.irq.is_some_and(|line| {
        let event = event.clone();
        irq::attach(
            platform,
            u32::from(line),
            Trigger::PCI,
            Arc::new(move || {
                // Reading the ISR acknowledges the interrupt.
                if inb(io + ISR) & 1 != 0 {
                    event.signal();
                }
            }),
        )
    });
    outb(
        io + STATUS,
        STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK,
    );
    let disk = LegacyDisk {
        io,
        num,
        paddr,
        used_offset,
        queue_bytes,
        avail_idx: 0,
        used_idx: 0,
        features,
        sectors,
        event,
        broken: false,
    };
    let description = match (attached, function.irq) {
        (true, Some(irq)) => format!("{name}, irq {irq}"),
        _ => format!("{name}, polled"),
    };
    super::register("vbd", description, Box::new(disk));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_queue_layout_follows_the_spec() {
        // 256 entries: 4096 bytes of descriptors, 518 of available ring,
        // so the used ring starts at 8192 and takes 2054 bytes.
        assert_eq!(queue_layout(256), (8192, 12288));
        assert_eq!(queue_layout(128), (4096, 8192));
    }
}
