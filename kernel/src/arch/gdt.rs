//! The GDT and the TSS. The TSS gives the double fault and NMI handlers stacks
//! of their own, so a kernel stack overflow is still reported.

use core::cell::UnsafeCell;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// IST slot (1-based in the IDT, 0-based here) for the double fault handler.
pub const DOUBLE_FAULT_IST: u16 = 0;
/// IST slot for NMI and machine check.
pub const NMI_IST: u16 = 1;

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(align(16))]
struct Stack(UnsafeCell<[u8; IST_STACK_SIZE]>);

// SAFETY: only the CPU writes these stacks, on entry to the one handler that
// uses each; Rust code never reads or writes them directly.
unsafe impl Sync for Stack {}

static DOUBLE_FAULT_STACK: Stack = Stack(UnsafeCell::new([0; IST_STACK_SIZE]));
static NMI_STACK: Stack = Stack(UnsafeCell::new([0; IST_STACK_SIZE]));

/// The TSS; its RSP0 changes on every switch to a user thread, so it lives
/// in a cell the CPU and [`set_kernel_stack`] share.
struct Tss(UnsafeCell<TaskStateSegment>);

// SAFETY: one CPU; RSP0 is written with interrupts off and read by the CPU
// only on a ring change, which cannot happen during the write.
unsafe impl Sync for Tss {}

static TSS: Once<Tss> = Once::new();
static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

/// The segment selectors, in the order `syscall`/`sysret` need them.
#[derive(Debug, Clone, Copy)]
pub struct Selectors {
    pub kernel_code: SegmentSelector,
    pub kernel_data: SegmentSelector,
    pub user_data: SegmentSelector,
    pub user_code: SegmentSelector,
    pub tss: SegmentSelector,
}

fn stack_top(stack: &'static Stack) -> VirtAddr {
    VirtAddr::from_ptr(stack.0.get()) + IST_STACK_SIZE as u64
}

/// Loads the GDT and TSS and reloads the segment registers.
pub fn init() {
    let tss = TSS.call_once(|| {
        let mut tss = TaskStateSegment::new();
        tss.interrupt_stack_table[DOUBLE_FAULT_IST as usize] = stack_top(&DOUBLE_FAULT_STACK);
        tss.interrupt_stack_table[NMI_IST as usize] = stack_top(&NMI_STACK);
        Tss(UnsafeCell::new(tss))
    });
    // SAFETY: the TSS is initialised and lives in a static; the descriptor
    // only records its address.
    let tss: &'static TaskStateSegment = unsafe { &*tss.0.get() };
    let (gdt, selectors) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let selectors = Selectors {
            kernel_code: gdt.append(Descriptor::kernel_code_segment()),
            kernel_data: gdt.append(Descriptor::kernel_data_segment()),
            user_data: gdt.append(Descriptor::user_data_segment()),
            user_code: gdt.append(Descriptor::user_code_segment()),
            tss: gdt.append(Descriptor::tss_segment(tss)),
        };
        (gdt, selectors)
    });
    gdt.load();
    // SAFETY: the selectors index the GDT just loaded, which lives in a static.
    unsafe {
        CS::set_reg(selectors.kernel_code);
        DS::set_reg(selectors.kernel_data);
        ES::set_reg(selectors.kernel_data);
        SS::set_reg(selectors.kernel_data);
        load_tss(selectors.tss);
    }
}

/// The selectors of the loaded GDT.
pub fn selectors() -> Selectors {
    GDT.get().expect("GDT not loaded").1
}

/// Sets the stack the CPU switches to on an interrupt from user mode, and
/// the one the SYSCALL entry uses.
pub fn set_kernel_stack(top: u64) {
    let tss = TSS.get().expect("TSS not loaded");
    // SAFETY: see `Tss`: a single aligned store with interrupts off.
    unsafe {
        (&raw mut (*tss.0.get()).privilege_stack_table[0]).write_volatile(VirtAddr::new(top))
    };
    super::syscall::set_kernel_stack(top);
}
