//! The SYSCALL instruction: model-specific registers and the two words the
//! entry code in trap.S shares with Rust.

use super::gdt;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;

unsafe extern "C" {
    fn syscall_entry();
}

/// Top of the current thread's kernel stack, loaded by `syscall_entry`.
#[unsafe(no_mangle)]
static basalt_kernel_stack_top: AtomicU64 = AtomicU64::new(0);

/// Where `syscall_entry` parks the user stack pointer for one instruction.
#[unsafe(no_mangle)]
static basalt_user_rsp_scratch: AtomicU64 = AtomicU64::new(0);

/// Enables SYSCALL/SYSRET with Basalt's selectors and entry point.
pub fn init() {
    let s = gdt::selectors();
    Star::write(s.user_code, s.user_data, s.kernel_code, s.kernel_data)
        .expect("GDT order fits SYSCALL/SYSRET");
    LStar::write(VirtAddr::new(syscall_entry as *const () as usize as u64));
    // Interrupts, tracing, direction and alignment checks off on entry.
    SFMask::write(
        RFlags::INTERRUPT_FLAG
            | RFlags::TRAP_FLAG
            | RFlags::DIRECTION_FLAG
            | RFlags::ALIGNMENT_CHECK,
    );
    // SAFETY: enabling SYSCALL only adds an entry path, which LSTAR now points at.
    unsafe { Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS)) };
}

pub(super) fn set_kernel_stack(top: u64) {
    basalt_kernel_stack_top.store(top, Ordering::Relaxed);
}
