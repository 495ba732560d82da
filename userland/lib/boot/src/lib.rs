//! Booting Basalt with GRUB2: `grub.cfg` menus that load the kernel with
//! `multiboot2` (modules with `module2`), and bootable media built with
//! GRUB's own tools, or installed on a disk image directly ([`bios`]).
//! Images, the installer and the test farm all use this one library, so
//! every Basalt boot menu looks the same.

pub mod bios;
pub mod grub_cfg;
pub mod iso;

pub use grub_cfg::{GrubConfig, MenuEntry};
pub use iso::{IsoError, make_rescue_iso};
