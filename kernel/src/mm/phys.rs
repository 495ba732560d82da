//! Reaching physical memory through the direct map at [`DIRECT_MAP_BASE`].
//! The boot page tables already map its first 4 GiB; the kernel's own tables
//! extend it over all memory.

/// Start of the direct map of physical memory in the kernel's address space.
pub const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;

/// The virtual address at which physical address `addr` is reached.
pub fn to_virt(addr: u64) -> u64 {
    addr + DIRECT_MAP_BASE
}

/// Reads physical memory for the boot-information parsers.
pub struct PhysMemory;

impl crate::bootinfo::PhysRead for PhysMemory {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), crate::bootinfo::BootInfoError> {
        // While booting only the first 4 GiB are mapped.
        let end = addr.checked_add(buf.len() as u64).filter(|&e| e <= 1 << 32);
        if end.is_none() || addr == 0 {
            return Err(crate::bootinfo::BootInfoError::Unreadable(addr));
        }
        // SAFETY: the range lies in the first 4 GiB, which the boot page
        // tables direct-map; the boot loader's structures are not otherwise in use.
        let src = unsafe { core::slice::from_raw_parts(to_virt(addr) as *const u8, buf.len()) };
        buf.copy_from_slice(src);
        Ok(())
    }
}
