//! virtio-blk through the `virtio-drivers` crate: the modern PCI transport
//! (virtio 1.0 capabilities; QEMU's `virtio-blk-pci` offers it by default
//! on pc and q35) and the MMIO transport, legacy and modern (microvm's
//! `virtio-blk-device`). Legacy-only PCI devices go to [`super::virtio_legacy`].
//!
//! Each request goes through a DMA buffer of this driver's (frames from the
//! kernel allocator, reached through the direct map), so the crate only
//! ever sees physically contiguous memory. The interrupt handler reads the
//! device's ISR (PCI) or acknowledges InterruptStatus (MMIO) directly,
//! without the driver's lock, and wakes the waiting thread.

use super::wait::DeviceEvent;
use super::{Driver, IoError};
use crate::bus::irq::{self, Trigger};
use crate::bus::pci::{self, Bar, ConfigSpace, Function, PortConfig};
use crate::mm::{self, KernelLayout, PAGE_SIZE, phys};
use crate::platform::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::sync::Arc;
use core::ptr::NonNull;
use virtio_drivers::device::blk::{BlkReq, BlkResp, RespStatus, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{DeviceFunction, PciRoot};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

/// Sectors per request: the DMA buffer is this many bytes.
const MAX_SECTORS: usize = 2048;
const BUFFER_PAGES: usize = MAX_SECTORS * SECTOR_SIZE / PAGE_SIZE as usize;
/// Where virtio-drivers may map device registers: the direct map covers at
/// least the first 4 GiB.
const MMIO_LIMIT: u64 = 1 << 32;

/// DMA memory and address translation for `virtio-drivers`.
pub struct KernelHal;

fn alloc_frames(pages: usize) -> Option<u64> {
    let paddr = mm::FRAMES.lock().as_mut()?.allocate_contiguous(pages, 1)?;
    // SAFETY: the frames were just allocated, so nothing else uses them,
    // and the direct map covers them.
    unsafe {
        core::ptr::write_bytes(
            phys::to_virt(paddr) as *mut u8,
            0,
            pages * PAGE_SIZE as usize,
        )
    };
    Some(paddr)
}

/// The physical address of kernel memory that is physically contiguous
/// behind its virtual address: the direct map and the kernel image.
fn virt_to_phys(virt: u64) -> Option<u64> {
    if virt >= KernelLayout::VIRT_OFFSET {
        Some(virt - KernelLayout::VIRT_OFFSET)
    } else if virt >= phys::DIRECT_MAP_BASE {
        Some(virt - phys::DIRECT_MAP_BASE)
    } else {
        None
    }
}

// SAFETY: `dma_alloc` hands out zeroed frames owned by nobody else, reached
// through the direct map, which maps them for the kernel's whole life;
// `share` returns the physical address of memory that is contiguous behind
// its virtual address, so the device sees exactly the buffer.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        // The crate cannot take a failure here; `probe` checked that memory
        // is plentiful, so running out now is a kernel bug.
        let paddr = alloc_frames(pages).expect("no frames for a virtio queue");
        let vaddr =
            NonNull::new(phys::to_virt(paddr) as *mut u8).expect("the direct map is not at 0");
        (paddr, vaddr)
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        for page in 0..pages as u64 {
            mm::free_frame(paddr + page * PAGE_SIZE);
        }
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(phys::to_virt(paddr) as *mut u8).expect("the direct map is not at 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        // This driver passes only its DMA buffer, which is in the direct map.
        virt_to_phys(buffer.as_ptr() as *mut u8 as u64)
            .expect("a virtio buffer outside the direct map")
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// The request header, status and data of one request, in DMA frames.
struct DmaBuffer {
    paddr: u64,
}

impl DmaBuffer {
    fn new() -> Option<DmaBuffer> {
        // One page more for the request header and status.
        Some(DmaBuffer {
            paddr: alloc_frames(BUFFER_PAGES + 1)?,
        })
    }

    /// The data area, the header and the status, borrowed together.
    fn parts(&mut self) -> (&mut [u8], &mut BlkReq, &mut BlkResp) {
        let base = phys::to_virt(self.paddr);
        let data_len = BUFFER_PAGES * PAGE_SIZE as usize;
        let req = (base + data_len as u64) as *mut BlkReq;
        let resp = (base + data_len as u64 + 64) as *mut BlkResp;
        // SAFETY: the frames belong to this buffer alone (allocated in
        // `new`, never freed) and the three ranges do not overlap: data,
        // then the header at the start of the extra page, the status 64
        // bytes further (both well aligned). `&mut self` makes the borrows
        // exclusive.
        unsafe {
            req.write(BlkReq::default());
            resp.write(BlkResp::default());
            (
                core::slice::from_raw_parts_mut(base as *mut u8, data_len),
                &mut *req,
                &mut *resp,
            )
        }
    }
}

struct VirtioDisk<T: Transport> {
    blk: VirtIOBlk<KernelHal, T>,
    buffer: DmaBuffer,
    event: Arc<DeviceEvent>,
    /// Set after a timeout: the device still owns the buffer.
    broken: bool,
}

// SAFETY: the transports hold pointers to device registers only; the
// disk is used by one thread at a time (the block layer's lock).
unsafe impl<T: Transport> Send for VirtioDisk<T> {}

impl<T: Transport> VirtioDisk<T> {
    fn transfer(&mut self, sector: u64, len: usize, write: bool) -> Result<(), IoError> {
        if self.broken {
            return Err(IoError::Timeout);
        }
        let (data, req, resp) = self.buffer.parts();
        let data = &mut data[..len];
        // SAFETY: the buffers live in this disk's DMA frames, which nothing
        // else touches until the request is completed below (or, after a
        // timeout, ever again: `broken`).
        let token = unsafe {
            if write {
                self.blk.write_blocks_nb(sector as usize, req, data, resp)
            } else {
                self.blk.read_blocks_nb(sector as usize, req, data, resp)
            }
        }
        .map_err(|_| IoError::Device)?;
        let blk = &mut self.blk;
        if !self.event.wait_until(|| blk.peek_used() == Some(token)) {
            self.broken = true;
            return Err(IoError::Timeout);
        }
        // SAFETY: the same buffers as the ones submitted with `token`.
        let result = unsafe {
            if write {
                self.blk.complete_write_blocks(token, req, data, resp)
            } else {
                self.blk.complete_read_blocks(token, req, data, resp)
            }
        };
        match result {
            Ok(()) if resp.status() == RespStatus::OK => Ok(()),
            _ => Err(IoError::Device),
        }
    }
}

impl<T: Transport> Driver for VirtioDisk<T> {
    fn sectors(&self) -> u64 {
        self.blk.capacity()
    }

    fn max_sectors(&self) -> usize {
        MAX_SECTORS
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.transfer(sector, buf.len(), false)?;
        buf.copy_from_slice(&self.buffer.parts().0[..buf.len()]);
        Ok(())
    }

    fn write(&mut self, sector: u64, buf: &[u8]) -> Result<(), IoError> {
        if self.blk.readonly() {
            return Err(IoError::ReadOnly);
        }
        self.buffer.parts().0[..buf.len()].copy_from_slice(buf);
        self.transfer(sector, buf.len(), true)
    }

    fn flush(&mut self) -> Result<(), IoError> {
        if self.broken {
            return Err(IoError::Timeout);
        }
        self.blk.flush().map_err(|_| IoError::Device)
    }
}

/// Enough free memory for a queue and a buffer, checked before the crate's
/// allocator (which cannot fail) runs.
fn memory_left() -> bool {
    mm::free_frames() > 4 * (BUFFER_PAGES + 8)
}

/// The address of a modern virtio-pci device's ISR byte, from its
/// vendor capability of type 3.
fn isr_address(function: &Function) -> Option<u64> {
    let config = PortConfig;
    let mut cap = config.read8(function.bdf, 0x34) & 0xfc;
    for _ in 0..48 {
        // Capabilities live past the header, and a virtio one takes 16
        // bytes: a pointer elsewhere ends the walk.
        if !(0x40..=0xf0).contains(&cap) {
            break;
        }
        let id = config.read8(function.bdf, cap);
        if id == 0x09 && config.read8(function.bdf, cap + 3) == 3 {
            let bar = config.read8(function.bdf, cap + 4);
            let offset = config.read32(function.bdf, cap + 8);
            return match function.bars.get(usize::from(bar)).copied().flatten() {
                Some(Bar::Memory { address, size, .. }) if u64::from(offset) < size => {
                    Some(address + u64::from(offset))
                }
                _ => None,
            };
        }
        cap = config.read8(function.bdf, cap + 1) & 0xfc;
    }
    None
}

/// Sets up a virtio-blk function found on PCI.
pub fn probe_pci(platform: &Platform, function: &Function) {
    let info = virtio_drivers::transport::pci::bus::DeviceFunctionInfo {
        vendor_id: function.vendor,
        device_id: function.device,
        class: function.class,
        subclass: function.subclass,
        prog_if: function.prog_if,
        revision: 0,
        header_type: virtio_drivers::transport::pci::bus::HeaderType::Standard,
    };
    if virtio_drivers::transport::pci::virtio_device_type(&info) != Some(DeviceType::Block) {
        return;
    }
    let name = format!("virtio-blk pci {}", function.bdf);
    let out_of_reach = function.bars.iter().flatten().any(|bar| {
        matches!(bar, Bar::Memory { address, size, .. }
            if address.checked_add(*size).is_none_or(|end| end > MMIO_LIMIT))
    });
    if out_of_reach || !memory_left() {
        log::warn!("{name}: registers above 4 GiB or no memory; skipped");
        return;
    }
    let Some(isr) = isr_address(function) else {
        if !super::virtio_legacy::probe(platform, function) {
            log::warn!("{name}: neither a modern nor a legacy interface; skipped");
        }
        return;
    };
    pci::enable(&PortConfig, function.bdf);
    let mut root = PciRoot::new(PortConfig);
    let df = DeviceFunction {
        bus: function.bdf.bus,
        device: function.bdf.device,
        function: function.bdf.function,
    };
    let transport = match PciTransport::new::<KernelHal, _>(&mut root, df) {
        Ok(transport) => transport,
        Err(e) => {
            log::warn!("{name}: {e}");
            return;
        }
    };
    let event = Arc::new(DeviceEvent::new());
    let irq = function.irq.map(u32::from);
    if let Some(gsi) = irq {
        let event = event.clone();
        irq::attach(
            platform,
            gsi,
            Trigger::PCI,
            Arc::new(move || {
                // SAFETY: the ISR byte lies inside the device's memory BAR
                // (checked against its size), below 4 GiB, in the direct
                // map; reading it acknowledges the interrupt.
                let status = unsafe { (phys::to_virt(isr) as *const u8).read_volatile() };
                if status & 1 != 0 {
                    event.signal();
                }
            }),
        );
    }
    finish(transport, event, name, irq);
}

fn finish<T: Transport + 'static>(
    transport: T,
    event: Arc<DeviceEvent>,
    name: alloc::string::String,
    irq: Option<u32>,
) {
    let blk = match VirtIOBlk::<KernelHal, T>::new(transport) {
        Ok(blk) => blk,
        Err(e) => {
            log::warn!("{name}: {e}");
            return;
        }
    };
    let Some(buffer) = DmaBuffer::new() else {
        log::warn!("{name}: no memory for buffers");
        return;
    };
    let mut disk = VirtioDisk {
        blk,
        buffer,
        event,
        broken: false,
    };
    disk.blk.enable_interrupts();
    let description = match irq {
        Some(irq) => format!("{name}, irq {irq}"),
        None => format!("{name}, polled"),
    };
    super::register("vbd", description, Box::new(disk));
}

/// A virtio-mmio window: registers at `base`, `size` bytes, and its GSI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmioDevice {
    pub base: u64,
    pub size: u64,
    pub irq: u32,
}

/// Sets up a virtio-mmio device if it is a block device.
pub fn probe_mmio(platform: &Platform, device: MmioDevice) {
    let name = format!("virtio-blk mmio {:#x}", device.base);
    if device.size < 0x100
        || !device.base.is_multiple_of(4)
        || device
            .base
            .checked_add(device.size)
            .is_none_or(|end| end > MMIO_LIMIT)
        || !memory_left()
    {
        log::warn!(
            "virtio-mmio at {:#x}: unusable window; skipped",
            device.base
        );
        return;
    }
    let registers = phys::to_virt(device.base);
    // SAFETY: the window is below 4 GiB, in the direct map, 4-byte aligned,
    // and at least as large as the header; firmware or the command line
    // says a virtio-mmio device lives there, and the magic is checked by
    // the transport before anything else.
    let transport = unsafe {
        MmioTransport::new(
            NonNull::new_unchecked(registers as *mut VirtIOHeader),
            device.size as usize,
        )
    };
    let transport = match transport {
        Ok(transport) if transport.device_type() == DeviceType::Block => transport,
        Ok(_) => return,
        Err(e) => {
            log::debug!("virtio-mmio at {:#x}: {e}", device.base);
            return;
        }
    };
    let event = Arc::new(DeviceEvent::new());
    let handler_event = event.clone();
    let attached = irq::attach(
        platform,
        device.irq,
        Trigger::LEVEL_HIGH,
        Arc::new(move || {
            // SAFETY: InterruptStatus (0x60) and InterruptACK (0x64) of the
            // window checked above; acknowledging only what was pending.
            unsafe {
                let status = ((registers + 0x60) as *const u32).read_volatile();
                ((registers + 0x64) as *mut u32).write_volatile(status);
                if status & 1 != 0 {
                    handler_event.signal();
                }
            }
        }),
    );
    finish(transport, event, name, attached.then_some(device.irq));
}
