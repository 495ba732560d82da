//! Xen PVH `hvm_start_info` (xen/include/public/arch-x86/hvm/start_info.h).

use super::{
    BootInfo, BootInfoError, MemoryKind, MemoryRegion, Module, PhysRead, Protocol, RsdpSource,
};

/// `hvm_start_info.magic`.
pub const START_INFO_MAGIC: u32 = 0x336e_c578;

const START_INFO_V0_SIZE: u64 = 40;
const START_INFO_V1_SIZE: u64 = 56;
const MODLIST_ENTRY_SIZE: u64 = 32;
const MEMMAP_ENTRY_SIZE: u64 = 24;

/// Parses the `hvm_start_info` at `addr`.
pub fn parse(addr: u64, mem: &impl PhysRead) -> Result<BootInfo, BootInfoError> {
    let magic = mem.read_u32(addr)?;
    if magic != START_INFO_MAGIC {
        return Err(BootInfoError::BadMagic(magic));
    }
    let version = mem.read_u32(addr + 4)?;
    let nr_modules = mem.read_u32(addr + 12)?;
    let modlist = mem.read_u64(addr + 16)?;
    let cmdline = mem.read_u64(addr + 24)?;
    let rsdp = mem.read_u64(addr + 32)?;

    let mut info = BootInfo::new(Protocol::Pvh);
    let size = if version >= 1 {
        START_INFO_V1_SIZE
    } else {
        START_INFO_V0_SIZE
    };
    info.info_range = (addr, addr + size);
    if cmdline != 0 {
        info.cmdline = mem.read_cstr(cmdline)?;
    }
    if rsdp != 0 {
        info.rsdp = RsdpSource::Address(rsdp);
    }
    if nr_modules as usize > super::MAX_MODULES {
        return Err(BootInfoError::Malformed("too many PVH modules"));
    }
    for i in 0..u64::from(nr_modules) {
        let entry = modlist + i * MODLIST_ENTRY_SIZE;
        let start = mem.read_u64(entry)?;
        let len = mem.read_u64(entry + 8)?;
        let cmdline_addr = mem.read_u64(entry + 16)?;
        let cmdline = if cmdline_addr != 0 {
            mem.read_cstr(cmdline_addr)?
        } else {
            Default::default()
        };
        info.modules.push(Module {
            start,
            len,
            cmdline,
        });
    }
    if version >= 1 {
        let memmap = mem.read_u64(addr + 40)?;
        let entries = mem.read_u32(addr + 48)?;
        for i in 0..u64::from(entries).min(super::MAX_MEMORY_REGIONS as u64) {
            let entry = memmap + i * MEMMAP_ENTRY_SIZE;
            info.push_region(MemoryRegion {
                start: mem.read_u64(entry)?,
                len: mem.read_u64(entry + 8)?,
                kind: MemoryKind::from_e820(mem.read_u32(entry + 16)?),
            });
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootinfo::fake::FakeMemory;
    use std::vec::Vec;

    fn start_info(version: u32, modules: u32, cmdline: u64, memmap_entries: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&START_INFO_MAGIC.to_le_bytes());
        b.extend_from_slice(&version.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&modules.to_le_bytes());
        b.extend_from_slice(&0x3000u64.to_le_bytes()); // modlist
        b.extend_from_slice(&cmdline.to_le_bytes());
        b.extend_from_slice(&0xf5000u64.to_le_bytes()); // rsdp
        b.extend_from_slice(&0x4000u64.to_le_bytes()); // memmap
        b.extend_from_slice(&memmap_entries.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b
    }

    fn memmap_entry(start: u64, len: u64, kind: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&start.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b
    }

    #[test]
    fn reads_memory_map_cmdline_modules_and_rsdp() {
        let mut mem = FakeMemory::default();
        mem.put(0x1000, &start_info(1, 1, 0x2000, 2));
        mem.put(0x2000, b"console=ttyS0 basalt.poweroff=1\0");
        let mut module = Vec::new();
        module.extend_from_slice(&0x80_0000u64.to_le_bytes());
        module.extend_from_slice(&4096u64.to_le_bytes());
        module.extend_from_slice(&0x2800u64.to_le_bytes());
        module.extend_from_slice(&0u64.to_le_bytes());
        mem.put(0x3000, &module);
        mem.put(0x2800, b"initrd\0");
        let mut map = memmap_entry(0, 0x9fc00, 1);
        map.extend(memmap_entry(0x10_0000, 0x1ff0_0000, 1));
        mem.put(0x4000, &map);

        let info = parse(0x1000, &mem).unwrap();
        assert_eq!(info.protocol, Protocol::Pvh);
        assert_eq!(info.cmdline.as_str(), "console=ttyS0 basalt.poweroff=1");
        assert_eq!(info.modules.len(), 1);
        assert_eq!(info.modules[0].start, 0x80_0000);
        assert_eq!(info.modules[0].cmdline.as_str(), "initrd");
        assert_eq!(info.memory.len(), 2);
        assert_eq!(info.usable_bytes(), 0x9fc00 + 0x1ff0_0000);
        assert_eq!(info.rsdp, RsdpSource::Address(0xf5000));
    }

    #[test]
    fn rejects_wrong_magic() {
        let mut mem = FakeMemory::default();
        let mut b = start_info(1, 0, 0, 0);
        b[0] ^= 1;
        mem.put(0x1000, &b);
        assert!(matches!(
            parse(0x1000, &mem),
            Err(BootInfoError::BadMagic(_))
        ));
    }

    #[test]
    fn refuses_absurd_module_count_without_reading_it() {
        let mut mem = FakeMemory::default();
        mem.put(0x1000, &start_info(1, 1_000_000, 0, 0));
        assert!(matches!(
            parse(0x1000, &mem),
            Err(BootInfoError::Malformed(_))
        ));
    }

    #[test]
    fn unreadable_pointers_are_errors_not_crashes() {
        let mut mem = FakeMemory::default();
        mem.put(0x1000, &start_info(1, 0, 0xdead_0000, 0));
        assert_eq!(
            parse(0x1000, &mem).unwrap_err(),
            BootInfoError::Unreadable(0xdead_0000)
        );
    }
}
