//! x86_64 specifics: descriptor tables, traps, interrupt controllers, timers.
//!
//! This is one of the few modules allowed to use `unsafe`; every block says
//! why it is sound.

pub mod apic;
pub mod context;
pub mod cpu;
pub mod gdt;
pub mod pic;
pub mod pit;
pub mod rtc;
pub mod syscall;
pub mod trap;
