//! The kernel's own page tables: a direct map of physical memory at
//! [`phys::DIRECT_MAP_BASE`] and the kernel image at -2 GiB with per-section
//! permissions. The lower half is left empty for user address spaces, so a
//! null pointer faults.

use super::frame::FrameAllocator;
use super::{KernelLayout, PAGE_SIZE, phys};
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::control::{Cr3, Cr3Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};
use x86_64::structures::paging::mapper::MapToError;
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as Flags, PhysFrame, Size2MiB,
    Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

const TWO_MIB: u64 = 2 << 20;

static KERNEL_PML4: AtomicU64 = AtomicU64::new(0);
static NX: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Whether the CPU enforces no-execute (EFER.NXE).
pub fn nx_enabled() -> bool {
    NX.load(Ordering::Relaxed)
}

/// Lends the frame allocator to the `x86_64` crate's mapper.
struct Frames<'a, 'b>(&'a mut FrameAllocator<'b>);

// SAFETY: every frame returned comes from the allocator, is unused, and is
// below 4 GiB while the kernel still runs on the boot page tables (they
// direct-map only the first 4 GiB, and the allocator hands out low frames first).
unsafe impl x86_64::structures::paging::FrameAllocator<Size4KiB> for Frames<'_, '_> {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        let addr = self.0.allocate()?;
        Some(PhysFrame::containing_address(PhysAddr::new(addr)))
    }
}

/// Why the page tables could not be built.
#[derive(Debug)]
pub enum PagingError {
    OutOfFrames,
    AlreadyMapped(u64),
}

impl<S: x86_64::structures::paging::PageSize> From<MapToError<S>> for PagingError {
    fn from(e: MapToError<S>) -> PagingError {
        match e {
            MapToError::FrameAllocationFailed => PagingError::OutOfFrames,
            MapToError::PageAlreadyMapped(f) => {
                PagingError::AlreadyMapped(f.start_address().as_u64())
            }
            MapToError::ParentEntryHugePage => PagingError::AlreadyMapped(0),
        }
    }
}

/// Builds the kernel's page tables and switches to them.
///
/// `direct_map_end` is the first physical address not to map (a multiple of
/// 2 MiB covering all RAM and the MMIO below 4 GiB).
pub fn build_and_switch(
    layout: &KernelLayout,
    direct_map_end: u64,
    frames: &mut FrameAllocator<'_>,
) -> Result<(), PagingError> {
    let nx = if Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE) {
        Flags::NO_EXECUTE
    } else {
        Flags::empty()
    };
    // SAFETY: enabling global pages only changes TLB retention; nothing is
    // mapped global yet.
    unsafe { Cr4::update(|f| f.insert(Cr4Flags::PAGE_GLOBAL)) };

    let pml4_phys = frames.allocate().ok_or(PagingError::OutOfFrames)?;
    let pml4_ptr = phys::to_virt(pml4_phys) as *mut PageTable;
    // SAFETY: the frame was just allocated (so it is unused), is mapped by the
    // boot direct map, and is page aligned: it can hold a fresh table.
    let pml4 = unsafe {
        pml4_ptr.write(PageTable::new());
        &mut *pml4_ptr
    };
    // SAFETY: all physical memory the mapper touches (new table frames from
    // the allocator, below 4 GiB) is reachable through the boot direct map.
    let mut mapper = unsafe { OffsetPageTable::new(pml4, VirtAddr::new(phys::DIRECT_MAP_BASE)) };
    let mut alloc = Frames(frames);

    let data = Flags::PRESENT | Flags::WRITABLE | Flags::GLOBAL | nx;
    for addr in (0..direct_map_end).step_by(TWO_MIB as usize) {
        let page =
            Page::<Size2MiB>::containing_address(VirtAddr::new(phys::DIRECT_MAP_BASE + addr));
        let frame = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(addr));
        // SAFETY: the direct map aliases memory the kernel manages through
        // the frame allocator; nothing relies on it being unmapped.
        unsafe { mapper.map_to(page, frame, data, &mut alloc)?.ignore() };
    }

    let sections = [
        (layout.text, Flags::PRESENT | Flags::GLOBAL),
        (layout.rodata, Flags::PRESENT | Flags::GLOBAL | nx),
        (layout.data, data),
    ];
    for ((start, end), flags) in sections {
        for virt in (start..end).step_by(PAGE_SIZE as usize) {
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virt));
            let frame =
                PhysFrame::containing_address(PhysAddr::new(KernelLayout::image_phys(virt)));
            // SAFETY: maps the kernel image to where the loader put it, with
            // the same contents the boot tables showed at these addresses.
            unsafe { mapper.map_to(page, frame, flags, &mut alloc)?.ignore() };
        }
    }

    let frame = PhysFrame::containing_address(PhysAddr::new(pml4_phys));
    // SAFETY: the new tables map the running code (text), its stack and
    // statics (data) at unchanged addresses, and the direct map over all the
    // physical memory the kernel reaches through `phys::to_virt`.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
    KERNEL_PML4.store(pml4_phys, Ordering::Relaxed);
    Ok(())
}

/// Physical address of the kernel's top-level page table.
pub fn kernel_pml4() -> u64 {
    KERNEL_PML4.load(Ordering::Relaxed)
}

/// Switches to the kernel's own page tables (before an address space that
/// may be current is freed).
pub fn activate_kernel() {
    let frame = PhysFrame::containing_address(PhysAddr::new(kernel_pml4()));
    // SAFETY: the kernel's tables map everything the kernel runs on.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
}
