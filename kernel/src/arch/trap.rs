//! The IDT and the common trap handler.
//!
//! Exceptions in the kernel print the faulting state and panic. Interrupt
//! vectors call the handler registered with [`register`], then signal the end
//! of interrupt to whichever controller is in use.

use super::gdt;
use core::fmt;
use spin::Mutex;
use x86_64::VirtAddr;
use x86_64::instructions::tables::lidt;
use x86_64::registers::control::Cr2;
use x86_64::structures::DescriptorTablePointer;

core::arch::global_asm!(include_str!("trap.S"), options(att_syntax));

unsafe extern "C" {
    /// First of 256 entry stubs, 16 bytes apart (trap.S).
    static trap_stubs_start: u8;
}

const STUB_SIZE: u64 = 16;
/// The `vector` of a frame built by the SYSCALL entry.
pub const SYSCALL_VECTOR: u64 = 256;
/// Page fault.
pub const PAGE_FAULT: u64 = 14;
/// The vector the interrupt controllers never deliver a real interrupt on.
pub const SPURIOUS_VECTOR: u8 = 0xff;

/// The registers saved on a trap, in the order trap.S pushes them.
#[repr(C)]
#[derive(Debug, Clone, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// One IDT gate descriptor.
#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    attributes: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

impl Gate {
    const MISSING: Gate = Gate {
        offset_low: 0,
        selector: 0,
        ist: 0,
        attributes: 0,
        offset_mid: 0,
        offset_high: 0,
        reserved: 0,
    };

    /// A present, ring-0 interrupt gate (IF is cleared on entry).
    fn interrupt(handler: u64, selector: u16, ist: Option<u16>) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector,
            ist: ist.map_or(0, |slot| slot as u8 + 1),
            attributes: 0x8e,
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt([Gate; 256]);

static IDT: Mutex<Idt> = Mutex::new(Idt([Gate::MISSING; 256]));

pub type Handler = fn(&mut TrapFrame);

struct Dispatch {
    handlers: [Option<Handler>; 256],
    end_of_interrupt: Option<fn()>,
}

static DISPATCH: Mutex<Dispatch> = Mutex::new(Dispatch {
    handlers: [None; 256],
    end_of_interrupt: None,
});

/// Fills and loads the IDT. Call after [`gdt::init`].
pub fn init() {
    let selector = gdt::selectors().kernel_code.0;
    let stubs = VirtAddr::from_ptr(&raw const trap_stubs_start).as_u64();
    let mut idt = IDT.lock();
    for (vector, gate) in idt.0.iter_mut().enumerate() {
        let ist = match vector {
            8 => Some(gdt::DOUBLE_FAULT_IST),
            2 | 18 => Some(gdt::NMI_IST),
            _ => None,
        };
        *gate = Gate::interrupt(stubs + vector as u64 * STUB_SIZE, selector, ist);
    }
    let pointer = DescriptorTablePointer {
        limit: (core::mem::size_of::<Idt>() - 1) as u16,
        base: VirtAddr::from_ptr(&idt.0),
    };
    // SAFETY: the IDT lives in a static (never moves or goes away) and every
    // gate points at a stub in trap.S with the kernel code selector.
    unsafe { lidt(&pointer) };
}

/// Routes `vector` to `handler`.
pub fn register(vector: u8, handler: Handler) {
    assert!(vector >= 32, "vector {vector} is an exception");
    DISPATCH.lock().handlers[vector as usize] = Some(handler);
}

/// Sets how an interrupt is acknowledged (local APIC or 8259).
pub fn set_end_of_interrupt(eoi: fn()) {
    DISPATCH.lock().end_of_interrupt = Some(eoi);
}

impl TrapFrame {
    fn fpu_area(&mut self) -> *mut [u8; 512] {
        (self as *mut TrapFrame as usize - 512) as *mut [u8; 512]
    }

    /// The FPU/SSE state trap.S saved for this entry (just below the frame).
    pub fn fpu(&mut self) -> [u8; 512] {
        // SAFETY: every TrapFrame handed to Rust sits right above its 512-byte
        // FXSAVE area on the kernel stack (trap.S), which outlives the borrow.
        unsafe { *self.fpu_area() }
    }

    /// Replaces the state `trap_exit` will load with fxrstor.
    pub fn set_fpu(&mut self, state: &[u8; 512]) {
        // SAFETY: as in `fpu`.
        unsafe { *self.fpu_area() = *state }
    }

    /// Whether the trap interrupted user mode (ring 3).
    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }
}

/// The FXSAVE image stored below every TrapFrame.
#[repr(C, align(16))]
#[derive(Clone)]
pub struct FpuState(pub [u8; 512]);

impl FpuState {
    /// The state after `fninit` with SSE exceptions masked: FCW 0x37f, MXCSR 0x1f80.
    pub fn initial() -> FpuState {
        let mut area = [0u8; 512];
        area[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        area[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        area[28..32].copy_from_slice(&0xffffu32.to_le_bytes()); // MXCSR_MASK
        FpuState(area)
    }
}

/// What trap.S keeps on a kernel stack for every entry: the FPU/SSE state,
/// then the registers. `trap_exit` leaves the kernel through one.
#[repr(C)]
#[derive(Clone)]
pub struct EntryFrame {
    pub fpu: FpuState,
    pub frame: TrapFrame,
}

#[unsafe(no_mangle)]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    let vector = frame.vector;
    match vector {
        SYSCALL_VECTOR => crate::syscall::dispatch(frame),
        0..=31 if frame.from_user() => crate::task::user_exception(frame),
        0..=31 => exception(frame),
        v if v == u64::from(SPURIOUS_VECTOR) => return,
        _ => {
            let (handler, eoi) = {
                let dispatch = DISPATCH.lock();
                (
                    dispatch.handlers[vector as usize],
                    dispatch.end_of_interrupt,
                )
            };
            match handler {
                Some(handler) => handler(frame),
                None => log::warn!("unexpected interrupt on vector {vector}"),
            }
            if let Some(eoi) = eoi {
                eoi();
            }
        }
    }
    if frame.from_user() {
        crate::task::return_to_user(frame);
    }
}

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error",
    "debug",
    "non-maskable interrupt",
    "breakpoint",
    "overflow",
    "bound range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved",
    "x87 floating-point error",
    "alignment check",
    "machine check",
    "SIMD floating-point error",
    "virtualization exception",
    "control protection exception",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "hypervisor injection exception",
    "VMM communication exception",
    "security exception",
    "reserved",
];

impl fmt::Display for TrapFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "rip {:#018x} cs {:#06x} rflags {:#010x} rsp {:#018x} ss {:#06x}",
            self.rip, self.cs, self.rflags, self.rsp, self.ss
        )?;
        writeln!(
            f,
            "rax {:#018x} rbx {:#018x} rcx {:#018x} rdx {:#018x}",
            self.rax, self.rbx, self.rcx, self.rdx
        )?;
        writeln!(
            f,
            "rsi {:#018x} rdi {:#018x} rbp {:#018x} r8  {:#018x}",
            self.rsi, self.rdi, self.rbp, self.r8
        )?;
        writeln!(
            f,
            "r9  {:#018x} r10 {:#018x} r11 {:#018x} r12 {:#018x}",
            self.r9, self.r10, self.r11, self.r12
        )?;
        write!(
            f,
            "r13 {:#018x} r14 {:#018x} r15 {:#018x}",
            self.r13, self.r14, self.r15
        )
    }
}

fn exception(frame: &TrapFrame) -> ! {
    let vector = frame.vector as usize;
    let name = EXCEPTION_NAMES[vector];
    crate::console::emergency_write(format_args!(
        "basalt: exception {vector} ({name}), error code {:#x}\n",
        frame.error_code
    ));
    if vector == 14 {
        crate::console::emergency_write(format_args!(
            "basalt: faulting address {:#x}\n",
            Cr2::read_raw()
        ));
    }
    crate::console::emergency_write(format_args!("{frame}\n"));
    panic!("unhandled exception {vector} ({name}) at {:#x}", frame.rip);
}
