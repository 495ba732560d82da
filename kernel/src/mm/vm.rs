//! User address spaces: page tables, mappings (VMAs), demand paging,
//! copy-on-write, and checked copies between kernel and user memory.
//!
//! A user pointer is never dereferenced by the kernel: [`AddressSpace::copy_in`]
//! and [`AddressSpace::copy_out`] translate it page by page through the page
//! tables (faulting pages in by software, as the CPU would) and reach the
//! frames through the direct map. A bad pointer is therefore `EFAULT`, never a
//! kernel page fault.

use super::{PAGE_SIZE, alloc_zeroed_frame, free_frame, paging, phys};
use alloc::collections::BTreeMap;
use spin::Mutex;
use x86_64::structures::paging::{PageTable, PageTableFlags as Flags};

/// First address above user space (Linux's TASK_SIZE on x86_64).
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;
/// Lowest address a mapping may use (no mappings at null).
pub const USER_START: u64 = 0x1_0000;
/// The initial stack's top.
pub const STACK_TOP: u64 = 0x0000_7fff_ffff_0000;
/// Maximum size the main stack may grow to.
pub const STACK_LIMIT: u64 = 8 << 20;
/// Where `mmap` without a hint starts searching, downwards.
pub const MMAP_TOP: u64 = 0x0000_7f00_0000_0000;
/// Where position-independent executables are loaded (Linux's ELF_ET_DYN_BASE).
pub const PIE_BASE: u64 = 0x0000_5555_5555_4000;

/// Frames mapped by more than one address space (copy-on-write after fork),
/// with their number of users. Frames with a single user are not listed.
static SHARED_FRAMES: Mutex<BTreeMap<u64, u32>> = Mutex::new(BTreeMap::new());

/// Access rights of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    /// From PROT_READ (1), PROT_WRITE (2), PROT_EXEC (4).
    pub fn from_bits(bits: u64) -> Prot {
        Prot {
            read: bits & 1 != 0,
            write: bits & 2 != 0,
            exec: bits & 4 != 0,
        }
    }

    pub const RW: Prot = Prot {
        read: true,
        write: true,
        exec: false,
    };

    fn page_flags(self) -> Flags {
        let mut flags = Flags::PRESENT | Flags::USER_ACCESSIBLE;
        if self.write {
            flags |= Flags::WRITABLE;
        }
        if !self.exec && paging::nx_enabled() {
            flags |= Flags::NO_EXECUTE;
        }
        flags
    }
}

/// What a mapping is, for /proc/<pid>/maps and for growth rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmaKind {
    Anonymous,
    Heap,
    Stack,
    /// Loaded from an executable.
    Image,
}

/// One mapping: `[start, end)` with its rights; pages appear on first touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vma {
    pub end: u64,
    pub prot: Prot,
    pub kind: VmaKind,
}

/// Why an access could not be satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No mapping there (SIGSEGV with SEGV_MAPERR).
    Unmapped,
    /// A mapping, but not with that right (SEGV_ACCERR).
    Denied,
    /// No memory left.
    OutOfMemory,
}

/// A user address space.
pub struct AddressSpace {
    pml4: u64,
    vmas: BTreeMap<u64, Vma>,
    pub brk_start: u64,
    pub brk: u64,
}

fn table(phys_addr: u64) -> &'static mut PageTable {
    // SAFETY: page-table frames of user address spaces are owned by their
    // AddressSpace, reached through the direct map, and only touched with
    // interrupts off on this CPU, so no two references are used at once.
    unsafe { &mut *(phys::to_virt(phys_addr) as *mut PageTable) }
}

fn page_indices(addr: u64) -> [usize; 4] {
    [
        (addr >> 39) as usize & 511,
        (addr >> 30) as usize & 511,
        (addr >> 21) as usize & 511,
        (addr >> 12) as usize & 511,
    ]
}

fn share(frame: u64) {
    *SHARED_FRAMES.lock().entry(frame).or_insert(1) += 1;
}

/// Drops one user of `frame`; frees it when it was the last.
fn release(frame: u64) {
    let mut shared = SHARED_FRAMES.lock();
    match shared.get_mut(&frame) {
        Some(users) if *users > 2 => *users -= 1,
        Some(_) => {
            shared.remove(&frame);
        }
        None => {
            drop(shared);
            free_frame(frame);
        }
    }
}

fn is_shared(frame: u64) -> bool {
    SHARED_FRAMES.lock().contains_key(&frame)
}

impl AddressSpace {
    /// An empty address space sharing the kernel's upper half.
    pub fn new() -> Option<AddressSpace> {
        let pml4 = alloc_zeroed_frame()?;
        let kernel = table(paging::kernel_pml4());
        let new = table(pml4);
        for i in 256..512 {
            new[i] = kernel[i].clone();
        }
        Some(AddressSpace {
            pml4,
            vmas: BTreeMap::new(),
            brk_start: 0,
            brk: 0,
        })
    }

    /// Makes this the address space the CPU uses.
    pub fn activate(&self) {
        use x86_64::registers::control::{Cr3, Cr3Flags};
        use x86_64::structures::paging::PhysFrame;
        let frame = PhysFrame::containing_address(x86_64::PhysAddr::new(self.pml4));
        // SAFETY: the kernel half of every address space is the kernel's own
        // (copied in `new`), so the running kernel code stays mapped.
        unsafe { Cr3::write(frame, Cr3Flags::empty()) };
    }

    /// The mappings, for /proc.
    pub fn vmas(&self) -> impl Iterator<Item = (u64, &Vma)> {
        self.vmas.iter().map(|(s, v)| (*s, v))
    }

    fn vma_at(&self, addr: u64) -> Option<(u64, Vma)> {
        let (&start, vma) = self.vmas.range(..=addr).next_back()?;
        (addr < vma.end).then_some((start, *vma))
    }

    /// Whether `[start, end)` is free of mappings.
    fn is_free(&self, start: u64, end: u64) -> bool {
        if let Some((_, vma)) = self.vmas.range(..end).next_back() {
            return vma.end <= start;
        }
        true
    }

    /// Finds room for `len` bytes below `MMAP_TOP`, highest first.
    pub fn find_free(&self, len: u64) -> Option<u64> {
        let mut top = MMAP_TOP;
        for (&start, vma) in self.vmas.range(..MMAP_TOP).rev() {
            if vma.end <= top && top - vma.end >= len {
                return Some(top - len);
            }
            top = top.min(start);
        }
        top.checked_sub(len).filter(|&s| s >= USER_START)
    }

    /// Adds a mapping over `[start, start + len)`, replacing what was there.
    pub fn map(&mut self, start: u64, len: u64, prot: Prot, kind: VmaKind) -> Result<(), Fault> {
        let end = start
            .checked_add(len)
            .filter(|&e| e <= USER_END && start >= USER_START)
            .ok_or(Fault::Denied)?;
        self.unmap(start, len);
        self.vmas.insert(start, Vma { end, prot, kind });
        Ok(())
    }

    /// Removes mappings (and their pages) in `[start, start + len)`, splitting
    /// mappings that straddle the range.
    pub fn unmap(&mut self, start: u64, len: u64) {
        let end = start.saturating_add(len).min(USER_END);
        self.split_at(start);
        self.split_at(end);
        let doomed: alloc::vec::Vec<u64> = self.vmas.range(start..end).map(|(&s, _)| s).collect();
        for s in doomed {
            if let Some(vma) = self.vmas.remove(&s) {
                self.free_pages(s, vma.end);
            }
        }
    }

    /// Changes the rights of `[start, start + len)`; every page must be mapped.
    pub fn protect(&mut self, start: u64, len: u64, prot: Prot) -> Result<(), Fault> {
        let end = start.saturating_add(len);
        let mut at = start;
        while at < end {
            let (_, vma) = self.vma_at(at).ok_or(Fault::Unmapped)?;
            at = vma.end;
        }
        self.split_at(start);
        self.split_at(end);
        let starts: alloc::vec::Vec<u64> = self.vmas.range(start..end).map(|(&s, _)| s).collect();
        for s in starts {
            let vma = self.vmas.get_mut(&s).expect("listed above");
            vma.prot = prot;
            let vma_end = vma.end;
            let mut page = s;
            while page < vma_end {
                if let Some(pte) = self.pte(page, false)
                    && pte.flags().contains(Flags::PRESENT)
                {
                    let frame = pte.addr().as_u64();
                    // Shared frames stay read-only until copied.
                    let mut p = prot;
                    p.write &= !is_shared(frame);
                    pte.set_addr(pte.addr(), p.page_flags());
                }
                page += PAGE_SIZE;
            }
        }
        x86_64::instructions::tlb::flush_all();
        Ok(())
    }

    fn split_at(&mut self, at: u64) {
        if let Some((start, vma)) = self.vma_at(at)
            && start < at
        {
            self.vmas.insert(start, Vma { end: at, ..vma });
            self.vmas.insert(at, vma);
        }
    }

    /// The page-table entry of `addr`, creating tables on the way if `create`.
    fn pte(
        &mut self,
        addr: u64,
        create: bool,
    ) -> Option<&'static mut x86_64::structures::paging::page_table::PageTableEntry> {
        let idx = page_indices(addr);
        let mut t = table(self.pml4);
        for level in 0..3 {
            let entry = &mut t[idx[level]];
            if !entry.flags().contains(Flags::PRESENT) {
                if !create {
                    return None;
                }
                let frame = alloc_zeroed_frame()?;
                entry.set_addr(
                    x86_64::PhysAddr::new(frame),
                    Flags::PRESENT | Flags::WRITABLE | Flags::USER_ACCESSIBLE,
                );
            }
            t = table(entry.addr().as_u64());
        }
        Some(&mut t[idx[3]])
    }

    fn free_pages(&mut self, start: u64, end: u64) {
        let mut page = start;
        while page < end {
            if let Some(pte) = self.pte(page, false)
                && pte.flags().contains(Flags::PRESENT)
            {
                release(pte.addr().as_u64());
                pte.set_unused();
                x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(page));
            }
            page += PAGE_SIZE;
        }
    }

    /// Makes `addr` accessible as asked, as the page-fault handler does:
    /// a zeroed page on first touch, a private copy on a write to a shared one.
    pub fn fault(&mut self, addr: u64, write: bool) -> Result<(), Fault> {
        let (_, vma) = match self.vma_at(addr) {
            Some(found) => found,
            None => self.grow_stack(addr)?,
        };
        if (write && !vma.prot.write) || (!write && !vma.prot.read && !vma.prot.exec) {
            return Err(Fault::Denied);
        }
        let page = addr & !(PAGE_SIZE - 1);
        let pte = self.pte(page, true).ok_or(Fault::OutOfMemory)?;
        if !pte.flags().contains(Flags::PRESENT) {
            let frame = alloc_zeroed_frame().ok_or(Fault::OutOfMemory)?;
            pte.set_addr(x86_64::PhysAddr::new(frame), vma.prot.page_flags());
        } else if write && !pte.flags().contains(Flags::WRITABLE) {
            let old = pte.addr().as_u64();
            if is_shared(old) {
                let new = alloc_zeroed_frame().ok_or(Fault::OutOfMemory)?;
                // SAFETY: both frames are reached through the direct map; the
                // new one is ours alone, the old one is only read.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        phys::to_virt(old) as *const u8,
                        phys::to_virt(new) as *mut u8,
                        PAGE_SIZE as usize,
                    )
                };
                release(old);
                pte.set_addr(x86_64::PhysAddr::new(new), vma.prot.page_flags());
            } else {
                pte.set_addr(pte.addr(), vma.prot.page_flags());
            }
        }
        x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(page));
        Ok(())
    }

    /// Extends the stack mapping down to `addr` if it is within the limit.
    fn grow_stack(&mut self, addr: u64) -> Result<(u64, Vma), Fault> {
        let (&start, vma) = self.vmas.range(addr..).next().ok_or(Fault::Unmapped)?;
        if vma.kind != VmaKind::Stack || vma.end - addr > STACK_LIMIT {
            return Err(Fault::Unmapped);
        }
        let new_start = addr & !(PAGE_SIZE - 1);
        let vma = *vma;
        self.vmas.remove(&start);
        self.vmas.insert(new_start, vma);
        Ok((new_start, vma))
    }

    /// The frame behind `addr`, faulting it in for the access.
    fn frame_for(&mut self, addr: u64, write: bool) -> Result<u64, Fault> {
        if !(USER_START..USER_END).contains(&addr) {
            return Err(Fault::Unmapped);
        }
        let ok = |flags: Flags| {
            flags.contains(Flags::PRESENT) && (!write || flags.contains(Flags::WRITABLE))
        };
        match self.pte(addr, false) {
            Some(pte) if ok(pte.flags()) => Ok(pte.addr().as_u64()),
            _ => {
                self.fault(addr, write)?;
                Ok(self
                    .pte(addr, false)
                    .map(|p| p.addr().as_u64())
                    .ok_or(Fault::Unmapped)?)
            }
        }
    }

    /// Copies user memory at `addr` into `buf`.
    pub fn copy_in(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let mut done = 0;
        while done < buf.len() {
            let at = addr.checked_add(done as u64).ok_or(Fault::Unmapped)?;
            let offset = at % PAGE_SIZE;
            let n = ((PAGE_SIZE - offset) as usize).min(buf.len() - done);
            let frame = self.frame_for(at, false)?;
            // SAFETY: `frame` is a user frame of this address space, reached
            // through the direct map; `offset + n` stays within the page.
            let src = unsafe {
                core::slice::from_raw_parts((phys::to_virt(frame) + offset) as *const u8, n)
            };
            buf[done..done + n].copy_from_slice(src);
            done += n;
        }
        Ok(())
    }

    /// Copies `data` into user memory at `addr`.
    pub fn copy_out(&mut self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        let mut done = 0;
        while done < data.len() {
            let at = addr.checked_add(done as u64).ok_or(Fault::Unmapped)?;
            let offset = at % PAGE_SIZE;
            let n = ((PAGE_SIZE - offset) as usize).min(data.len() - done);
            let frame = self.frame_for(at, true)?;
            // SAFETY: as in `copy_in`; the frame was made writable for us.
            let dst = unsafe {
                core::slice::from_raw_parts_mut((phys::to_virt(frame) + offset) as *mut u8, n)
            };
            dst.copy_from_slice(&data[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Fills user memory with zeros.
    pub fn zero(&mut self, addr: u64, len: u64) -> Result<(), Fault> {
        let zeros = [0u8; 256];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(zeros.len() as u64);
            self.copy_out(addr + done, &zeros[..n as usize])?;
            done += n;
        }
        Ok(())
    }

    /// A copy for a forked child: private writable pages become shared and
    /// read-only in both, to be copied on the first write.
    pub fn fork(&mut self) -> Option<AddressSpace> {
        let mut child = AddressSpace::new()?;
        child.vmas = self.vmas.clone();
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        let ranges: alloc::vec::Vec<(u64, Vma)> = self.vmas.iter().map(|(&s, v)| (s, *v)).collect();
        for (start, vma) in ranges {
            let mut page = start;
            while page < vma.end {
                if let Some(pte) = self.pte(page, false)
                    && pte.flags().contains(Flags::PRESENT)
                {
                    let frame = pte.addr();
                    let flags = pte.flags() - Flags::WRITABLE;
                    pte.set_addr(frame, flags);
                    share(frame.as_u64());
                    let child_pte = child.pte(page, true)?;
                    child_pte.set_addr(frame, flags);
                }
                page += PAGE_SIZE;
            }
        }
        x86_64::instructions::tlb::flush_all();
        Some(child)
    }

    /// Sets the program break; returns the new (or, on failure, the old) break.
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start || new > self.brk_start + (1 << 30) {
            return self.brk;
        }
        let old_end = self.brk.next_multiple_of(PAGE_SIZE);
        let new_end = new.next_multiple_of(PAGE_SIZE);
        if new_end > old_end {
            if !self.is_free(old_end, new_end) {
                return self.brk;
            }
            // Extend (or create) the heap mapping.
            match self
                .vma_at(self.brk_start)
                .filter(|(_, v)| v.kind == VmaKind::Heap)
            {
                Some((start, vma)) => {
                    self.vmas.insert(
                        start,
                        Vma {
                            end: new_end,
                            ..vma
                        },
                    );
                }
                None => {
                    self.vmas.insert(
                        old_end,
                        Vma {
                            end: new_end,
                            prot: Prot::RW,
                            kind: VmaKind::Heap,
                        },
                    );
                }
            }
        } else if new_end < old_end {
            self.unmap(new_end, old_end - new_end);
        }
        self.brk = new;
        new
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let all: alloc::vec::Vec<(u64, u64)> = self.vmas.iter().map(|(&s, v)| (s, v.end)).collect();
        for (start, end) in all {
            self.free_pages(start, end);
        }
        // Free the lower half's page tables, then the PML4.
        let pml4 = table(self.pml4);
        for l4 in pml4.iter_mut().take(256) {
            if !l4.flags().contains(Flags::PRESENT) {
                continue;
            }
            let pdpt = table(l4.addr().as_u64());
            for l3 in pdpt.iter_mut() {
                if !l3.flags().contains(Flags::PRESENT) {
                    continue;
                }
                let pd = table(l3.addr().as_u64());
                for l2 in pd.iter_mut() {
                    if l2.flags().contains(Flags::PRESENT) {
                        free_frame(l2.addr().as_u64());
                    }
                }
                free_frame(l3.addr().as_u64());
            }
            free_frame(l4.addr().as_u64());
        }
        free_frame(self.pml4);
    }
}
