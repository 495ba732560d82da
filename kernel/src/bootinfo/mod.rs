//! What the boot loader tells the kernel: the protocol, the memory map, the
//! command line, the boot modules and where the ACPI tables are.
//!
//! Parsing runs before the kernel has a heap, so everything is copied into
//! fixed-capacity containers. The parsers read physical memory through
//! [`PhysRead`], so they are tested on the host against fake memory.

pub mod multiboot2;
pub mod pvh;

use arrayvec::{ArrayString, ArrayVec};

/// At most this many memory-map entries are kept; firmware rarely reports more.
pub const MAX_MEMORY_REGIONS: usize = 128;
/// At most this many boot modules are kept.
pub const MAX_MODULES: usize = 16;
/// Longest command line kept, in bytes (Linux's x86 limit is 2048).
pub const MAX_CMDLINE: usize = 2048;
/// Longest module command line kept, in bytes.
pub const MAX_MODULE_CMDLINE: usize = 256;

/// The protocol that started the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Xen PVH direct boot (QEMU `-kernel`, Xen, Firecracker, cloud-hypervisor).
    Pvh,
    /// Multiboot2 (GRUB2 `multiboot2`).
    Multiboot2,
}

impl Protocol {
    /// Decodes the number the boot assembly passes (`PROTOCOL_*` in boot.S).
    pub fn from_entry(value: u32) -> Option<Protocol> {
        match value {
            1 => Some(Protocol::Pvh),
            2 => Some(Protocol::Multiboot2),
            _ => None,
        }
    }

    /// The name printed in `basalt: booted via <name>`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Pvh => "pvh",
            Protocol::Multiboot2 => "multiboot2",
        }
    }
}

/// The kind of a physical memory range, as E820 and Multiboot2 number them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    Usable,
    Reserved,
    AcpiReclaimable,
    AcpiNvs,
    Defective,
}

impl MemoryKind {
    /// Maps an E820 type (also used by Multiboot2 and PVH); unknown types are reserved.
    pub fn from_e820(kind: u32) -> MemoryKind {
        match kind {
            1 => MemoryKind::Usable,
            3 => MemoryKind::AcpiReclaimable,
            4 => MemoryKind::AcpiNvs,
            5 => MemoryKind::Defective,
            _ => MemoryKind::Reserved,
        }
    }
}

/// One range of the physical memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryRegion {
    pub start: u64,
    pub len: u64,
    pub kind: MemoryKind,
}

impl MemoryRegion {
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// A file the boot loader loaded beside the kernel (an initramfs, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub start: u64,
    pub len: u64,
    pub cmdline: ArrayString<MAX_MODULE_CMDLINE>,
}

/// Where the ACPI root pointer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsdpSource {
    /// The loader gave its physical address (PVH).
    Address(u64),
    /// The loader handed a copy (Multiboot2 tags 14/15): 36 bytes, v1 uses 20.
    Copy([u8; 36]),
    /// Not given: search the BIOS areas.
    Search,
}

/// Everything the kernel keeps from its boot loader.
#[derive(Debug, Clone)]
pub struct BootInfo {
    pub protocol: Protocol,
    pub memory: ArrayVec<MemoryRegion, MAX_MEMORY_REGIONS>,
    pub modules: ArrayVec<Module, MAX_MODULES>,
    pub cmdline: ArrayString<MAX_CMDLINE>,
    pub rsdp: RsdpSource,
    /// Booted by UEFI firmware: there is no legacy VGA text console.
    pub uefi: bool,
    /// The physical range of the loader's own information block, to keep.
    pub info_range: (u64, u64),
}

impl BootInfo {
    fn new(protocol: Protocol) -> BootInfo {
        BootInfo {
            protocol,
            memory: ArrayVec::new(),
            modules: ArrayVec::new(),
            cmdline: ArrayString::new(),
            rsdp: RsdpSource::Search,
            uefi: false,
            info_range: (0, 0),
        }
    }

    /// Bytes of usable RAM in the memory map.
    pub fn usable_bytes(&self) -> u64 {
        self.memory
            .iter()
            .filter(|r| r.kind == MemoryKind::Usable)
            .map(|r| r.len)
            .sum()
    }

    fn push_region(&mut self, region: MemoryRegion) {
        if region.len > 0 {
            // A longer map is truncated: losing a tail of tiny ranges is
            // better than refusing to boot.
            let _ = self.memory.try_push(region);
        }
    }
}

/// Why the boot information could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootInfoError {
    /// The protocol number from the entry code is unknown.
    UnknownProtocol(u32),
    /// The information block does not start with the protocol's magic.
    BadMagic(u32),
    /// A size or an offset in the block points outside it.
    Malformed(&'static str),
    /// Physical memory could not be read at this address.
    Unreadable(u64),
    /// No usable memory was reported.
    NoMemoryMap,
}

impl core::fmt::Display for BootInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BootInfoError::UnknownProtocol(p) => write!(f, "unknown boot protocol {p}"),
            BootInfoError::BadMagic(m) => write!(f, "bad boot information magic {m:#x}"),
            BootInfoError::Malformed(what) => write!(f, "malformed boot information: {what}"),
            BootInfoError::Unreadable(a) => write!(f, "cannot read physical memory at {a:#x}"),
            BootInfoError::NoMemoryMap => write!(f, "the boot loader gave no memory map"),
        }
    }
}

/// Read access to physical memory.
pub trait PhysRead {
    /// Fills `buf` from physical address `addr`.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), BootInfoError>;

    fn read_u32(&self, addr: u64) -> Result<u32, BootInfoError> {
        let mut b = [0; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn read_u64(&self, addr: u64) -> Result<u64, BootInfoError> {
        let mut b = [0; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Reads a NUL-terminated string of at most `N` bytes (longer ones are cut;
    /// invalid UTF-8 is replaced by `?`).
    fn read_cstr<const N: usize>(&self, addr: u64) -> Result<ArrayString<N>, BootInfoError> {
        let mut out = ArrayString::new();
        let mut chunk = [0u8; 64];
        let mut at = addr;
        while out.len() < N {
            self.read(at, &mut chunk)?;
            for &b in &chunk {
                if b == 0 || out.len() == N {
                    return Ok(out);
                }
                out.push(if b.is_ascii() { b as char } else { '?' });
            }
            at += chunk.len() as u64;
        }
        Ok(out)
    }
}

/// Parses the boot information handed over by the entry code.
pub fn parse(protocol: u32, info: u64, mem: &impl PhysRead) -> Result<BootInfo, BootInfoError> {
    let info = match Protocol::from_entry(protocol) {
        Some(Protocol::Pvh) => pvh::parse(info, mem)?,
        Some(Protocol::Multiboot2) => multiboot2::parse(info, mem)?,
        None => return Err(BootInfoError::UnknownProtocol(protocol)),
    };
    if info.usable_bytes() == 0 {
        return Err(BootInfoError::NoMemoryMap);
    }
    Ok(info)
}

#[cfg(test)]
pub(crate) mod fake {
    //! Physical memory for host tests: a few byte blocks at chosen addresses.
    use super::{BootInfoError, PhysRead};
    use std::vec::Vec;

    #[derive(Default)]
    pub struct FakeMemory {
        blocks: Vec<(u64, Vec<u8>)>,
    }

    impl FakeMemory {
        pub fn put(&mut self, addr: u64, bytes: &[u8]) {
            self.blocks.push((addr, bytes.to_vec()));
        }
    }

    impl PhysRead for FakeMemory {
        fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), BootInfoError> {
            for (base, bytes) in &self.blocks {
                let end = base + bytes.len() as u64;
                if addr >= *base && addr < end {
                    let off = (addr - base) as usize;
                    let n = buf.len().min(bytes.len() - off);
                    buf[..n].copy_from_slice(&bytes[off..off + n]);
                    buf[n..].fill(0);
                    return Ok(());
                }
            }
            Err(BootInfoError::Unreadable(addr))
        }
    }
}
