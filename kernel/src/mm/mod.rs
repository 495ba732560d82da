//! Physical frames, the kernel's page tables and its heap.

pub mod frame;
pub mod heap;
pub mod paging;
pub mod phys;
pub mod vm;

/// Size of a page and of a physical frame.
pub const PAGE_SIZE: u64 = 4096;

/// Where the kernel's image lives, from the linker script's symbols.
#[derive(Debug, Clone, Copy)]
pub struct KernelLayout {
    /// Physical start of the image (the 32-bit boot code).
    pub phys_start: u64,
    /// Virtual bounds of the higher-half sections.
    pub text: (u64, u64),
    pub rodata: (u64, u64),
    pub data: (u64, u64),
}

impl KernelLayout {
    /// The offset between a higher-half image address and its physical address.
    pub const VIRT_OFFSET: u64 = 0xffff_ffff_8000_0000;

    /// Physical end of the image, .bss included.
    pub fn phys_end(&self) -> u64 {
        self.data.1 - Self::VIRT_OFFSET
    }

    /// The physical address of something inside the kernel image.
    pub fn image_phys(virt: u64) -> u64 {
        virt - Self::VIRT_OFFSET
    }
}

use crate::bootinfo::{BootInfo, MemoryKind};
use frame::FrameAllocator;
use spin::Mutex;

/// The kernel's frame allocator, once [`init`] has run.
pub static FRAMES: Mutex<Option<FrameAllocator<'static>>> = Mutex::new(None);

const MIB: u64 = 1 << 20;
const FOUR_GIB: u64 = 1 << 32;

/// What [`init`] set up, for the boot log.
#[derive(Debug, Clone, Copy)]
pub struct MemoryReport {
    pub usable_bytes: u64,
    pub free_frames: usize,
    pub heap_bytes: usize,
}

/// Sets up the frame allocator, the kernel page tables and the heap.
pub fn init(info: &BootInfo, layout: &KernelLayout) -> MemoryReport {
    let usable = || {
        info.memory
            .iter()
            .filter(|r| r.kind == MemoryKind::Usable)
            .map(|r| (r.start, r.end()))
    };
    let max_usable = usable().map(|(_, end)| end).max().unwrap_or(0);
    let mut reserved: arrayvec::ArrayVec<(u64, u64), { crate::bootinfo::MAX_MODULES + 4 }> =
        arrayvec::ArrayVec::new();
    // Real-mode structures, the BIOS data area and option ROMs live below 1 MiB.
    reserved.push((0, MIB));
    reserved.push((layout.phys_start, layout.phys_end()));
    reserved.push(info.info_range);
    for module in &info.modules {
        reserved.push((module.start, module.start + module.len));
    }
    // Firmware-reported holes inside usable ranges are not ours either.
    let not_usable = info
        .memory
        .iter()
        .filter(|r| r.kind != MemoryKind::Usable)
        .map(|r| (r.start, r.end()));

    let words = frame::bitmap_words(max_usable);
    let bytes = (words * 8) as u64;
    let bitmap_at =
        frame::find_free_range(usable(), reserved.iter().copied(), bytes, MIB, FOUR_GIB)
            .expect("no room for the frame bitmap");
    // SAFETY: the range is usable RAM below 4 GiB (mapped by the boot tables
    // and by the direct map after), outside every reserved range, and is
    // reserved in the allocator it backs, so nothing else will use it.
    let bitmap =
        unsafe { core::slice::from_raw_parts_mut(phys::to_virt(bitmap_at) as *mut u64, words) };
    let reserved_all = reserved
        .iter()
        .copied()
        .chain(not_usable)
        .chain([(bitmap_at, bitmap_at + bytes)]);
    let mut frames = FrameAllocator::new(bitmap, usable(), reserved_all);

    // Reserved ranges far above RAM (AMD's HyperTransport hole at 1 TiB, say)
    // are not worth mapping; everything below 4 GiB is, for MMIO.
    let highest = info
        .memory
        .iter()
        .filter(|r| r.kind != MemoryKind::Reserved)
        .map(|r| r.end())
        .max()
        .unwrap_or(0);
    let direct_map_end = highest.max(FOUR_GIB).next_multiple_of(2 * MIB);
    if let Err(e) = paging::build_and_switch(layout, direct_map_end, &mut frames) {
        panic!("cannot build the kernel page tables: {e:?}");
    }

    // An eighth of memory, between 4 and 64 MiB, for kernel objects.
    let heap_bytes = (info.usable_bytes() / 8).clamp(4 * MIB, 64 * MIB) as usize;
    let heap_at = frames
        .allocate_contiguous(heap_bytes / PAGE_SIZE as usize, 1)
        .expect("no contiguous memory for the kernel heap");
    // SAFETY: the frames were just taken from the allocator for good, and the
    // direct map (now live) maps them writable.
    unsafe { heap::init(phys::to_virt(heap_at) as *mut u8, heap_bytes) };

    let report = MemoryReport {
        usable_bytes: info.usable_bytes(),
        free_frames: frames.free_frames(),
        heap_bytes,
    };
    *FRAMES.lock() = Some(frames);
    report
}

/// Takes a zeroed frame from the kernel's allocator.
pub fn alloc_zeroed_frame() -> Option<u64> {
    let addr = FRAMES.lock().as_mut()?.allocate()?;
    // SAFETY: the frame was just allocated, so nothing else uses it, and the
    // direct map covers it.
    unsafe { core::ptr::write_bytes(phys::to_virt(addr) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(addr)
}

/// Returns a frame to the allocator.
pub fn free_frame(addr: u64) {
    if let Some(frames) = FRAMES.lock().as_mut() {
        frames.free(addr);
    }
}

/// Free frames, for /proc/meminfo.
pub fn free_frames() -> usize {
    FRAMES.lock().as_ref().map_or(0, |f| f.free_frames())
}
