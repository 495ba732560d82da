//! The Basalt kernel.
//!
//! Principles, in order of precedence:
//!
//! 1. Safe code first. `unsafe` lives in a few small modules — `arch`, `mm`,
//!    the console and platform register access — and every block carries a
//!    `// SAFETY:` line saying why it is sound.
//! 2. Simple, clear algorithms over fast and clever ones, until a measurement
//!    says otherwise.
//! 3. What can run on the host does: boot-information parsing, the frame
//!    allocator, the command line and ACPI lookups are tested with
//!    `cargo test -p kernel`.
//! 4. Interrupts stay off in ring 0 outside the idle loop: the precompiled
//!    `core` uses the red zone, which an interrupt on the same stack would
//!    overwrite.
//!
//! The bootable image is the `kernel` binary (`src/bin/kernel`), built by
//! `images build` with the kernel's own code generation flags.

#![cfg_attr(not(test), no_std)]
// An `unsafe fn` body is not one big unsafe block: each operation is justified.
#![forbid(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod arch;
pub mod block;
pub mod bootinfo;
pub mod bus;
pub mod cmdline;
pub mod console;
pub mod fs;
pub mod init;
pub mod interrupts;
pub mod klog;
pub mod mm;
pub mod panic;
pub mod platform;
pub mod random;
pub mod start;
pub mod syscall;
pub mod task;
pub mod time;
pub mod tty;

/// The release this kernel belongs to.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The source revision it was built from (`git describe`-like, set by build.rs).
pub const GIT_REVISION: &str = env!("BASALT_GIT_REVISION");
