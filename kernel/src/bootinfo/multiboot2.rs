//! Multiboot2 boot information (the Multiboot2 specification, section 3.6).

use super::{
    BootInfo, BootInfoError, MemoryKind, MemoryRegion, Module, PhysRead, Protocol, RsdpSource,
};
use arrayvec::ArrayString;

/// Value of eax at a Multiboot2 entry; the entry code passes the protocol instead.
pub const BOOTLOADER_MAGIC: u32 = 0x36d7_6289;

/// The information block is read in one piece; GRUB's is a few KiB.
const MAX_INFO_SIZE: usize = 64 * 1024;

const TAG_END: u32 = 0;
const TAG_CMDLINE: u32 = 1;
const TAG_MODULE: u32 = 3;
const TAG_MMAP: u32 = 6;
const TAG_EFI64: u32 = 12;
const TAG_ACPI_OLD: u32 = 14;
const TAG_ACPI_NEW: u32 = 15;
const TAG_EFI_MMAP: u32 = 17;

/// Parses the Multiboot2 information block at `addr`.
pub fn parse(addr: u64, mem: &impl PhysRead) -> Result<BootInfo, BootInfoError> {
    let total = mem.read_u32(addr)? as usize;
    if !(16..=MAX_INFO_SIZE).contains(&total) {
        return Err(BootInfoError::Malformed("Multiboot2 information size"));
    }
    // A static buffer: the boot stack is too small for the block.
    static BUFFER: spin::Mutex<[u8; MAX_INFO_SIZE]> = spin::Mutex::new([0; MAX_INFO_SIZE]);
    let mut buffer = BUFFER.lock();
    let block = &mut buffer[..total];
    mem.read(addr, block)?;
    let mut info = parse_block(block)?;
    info.info_range = (addr, addr + total as u64);
    Ok(info)
}

fn u32_at(b: &[u8], off: usize) -> Result<u32, BootInfoError> {
    b.get(off..off + 4)
        .map(|s| u32::from_le_bytes(s.try_into().unwrap_or_default()))
        .ok_or(BootInfoError::Malformed("field past the end of a tag"))
}

fn u64_at(b: &[u8], off: usize) -> Result<u64, BootInfoError> {
    b.get(off..off + 8)
        .map(|s| u64::from_le_bytes(s.try_into().unwrap_or_default()))
        .ok_or(BootInfoError::Malformed("field past the end of a tag"))
}

fn cstr<const N: usize>(b: &[u8]) -> ArrayString<N> {
    let mut out = ArrayString::new();
    for &c in b.iter().take_while(|&&c| c != 0).take(N) {
        out.push(if c.is_ascii() { c as char } else { '?' });
    }
    out
}

/// Parses a whole information block held in memory.
pub fn parse_block(block: &[u8]) -> Result<BootInfo, BootInfoError> {
    let mut info = BootInfo::new(Protocol::Multiboot2);
    let mut off = 8;
    loop {
        let kind = u32_at(block, off)?;
        let size = u32_at(block, off + 4)? as usize;
        if size < 8 || off + size > block.len() {
            return Err(BootInfoError::Malformed("tag size"));
        }
        let tag = &block[off..off + size];
        match kind {
            TAG_END => break,
            TAG_CMDLINE => info.cmdline = cstr(&tag[8..]),
            TAG_MODULE => {
                let start = u64::from(u32_at(tag, 8)?);
                let end = u64::from(u32_at(tag, 12)?);
                if end < start {
                    return Err(BootInfoError::Malformed("module ends before it starts"));
                }
                let module = Module {
                    start,
                    len: end - start,
                    cmdline: cstr(&tag[16..]),
                };
                info.modules
                    .try_push(module)
                    .map_err(|_| BootInfoError::Malformed("too many modules"))?;
            }
            TAG_MMAP => {
                let entry_size = u32_at(tag, 8)? as usize;
                if entry_size < 24 {
                    return Err(BootInfoError::Malformed("memory map entry size"));
                }
                for entry in tag[16..].chunks_exact(entry_size) {
                    info.push_region(MemoryRegion {
                        start: u64_at(entry, 0)?,
                        len: u64_at(entry, 8)?,
                        kind: MemoryKind::from_e820(u32_at(entry, 16)?),
                    });
                }
            }
            TAG_ACPI_OLD | TAG_ACPI_NEW => {
                // A v2 copy replaces a v1 copy, whatever their order.
                let newer = kind == TAG_ACPI_NEW || !matches!(info.rsdp, RsdpSource::Copy(_));
                if newer {
                    let mut copy = [0u8; 36];
                    let n = (size - 8).min(36);
                    copy[..n].copy_from_slice(&tag[8..8 + n]);
                    info.rsdp = RsdpSource::Copy(copy);
                }
            }
            TAG_EFI64 | TAG_EFI_MMAP => info.uefi = true,
            _ => {}
        }
        off += size.next_multiple_of(8);
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    struct Builder(Vec<u8>);

    impl Builder {
        fn new() -> Builder {
            Builder(vec![0; 8])
        }
        fn tag(mut self, kind: u32, body: &[u8]) -> Builder {
            self.0.extend_from_slice(&kind.to_le_bytes());
            self.0
                .extend_from_slice(&(8 + body.len() as u32).to_le_bytes());
            self.0.extend_from_slice(body);
            while !self.0.len().is_multiple_of(8) {
                self.0.push(0);
            }
            self
        }
        fn finish(self) -> Vec<u8> {
            let mut b = self.tag(TAG_END, &[]).0;
            let len = b.len() as u32;
            b[..4].copy_from_slice(&len.to_le_bytes());
            b
        }
    }

    fn mmap(entries: &[(u64, u64, u32)]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&24u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        for &(start, len, kind) in entries {
            b.extend_from_slice(&start.to_le_bytes());
            b.extend_from_slice(&len.to_le_bytes());
            b.extend_from_slice(&kind.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes());
        }
        b
    }

    fn module(start: u32, end: u32, name: &str) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&start.to_le_bytes());
        b.extend_from_slice(&end.to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        b
    }

    #[test]
    fn reads_every_tag_grub_gives() {
        let mut rsdp = vec![0u8; 20];
        rsdp[..8].copy_from_slice(b"RSD PTR ");
        let block = Builder::new()
            .tag(TAG_CMDLINE, b"/boot/kernel basalt.poweroff=1\0")
            .tag(TAG_MODULE, &module(0x20_0000, 0x20_1000, "/boot/initrd"))
            .tag(
                TAG_MMAP,
                &mmap(&[
                    (0, 0x9fc00, 1),
                    (0x9fc00, 0x400, 2),
                    (0x10_0000, 0x1000_0000, 1),
                ]),
            )
            .tag(TAG_ACPI_OLD, &rsdp)
            .finish();
        let info = parse_block(&block).unwrap();
        assert_eq!(info.cmdline.as_str(), "/boot/kernel basalt.poweroff=1");
        assert_eq!(info.modules[0].len, 0x1000);
        assert_eq!(info.modules[0].cmdline.as_str(), "/boot/initrd");
        assert_eq!(info.memory.len(), 3);
        assert_eq!(info.memory[1].kind, MemoryKind::Reserved);
        assert_eq!(info.usable_bytes(), 0x9fc00 + 0x1000_0000);
        let RsdpSource::Copy(copy) = info.rsdp else {
            panic!("no RSDP copy")
        };
        assert_eq!(&copy[..8], b"RSD PTR ");
        assert!(!info.uefi);
    }

    #[test]
    fn efi_tags_mark_a_uefi_boot() {
        let block = Builder::new().tag(TAG_EFI64, &[0; 8]).finish();
        assert!(parse_block(&block).unwrap().uefi);
    }

    #[test]
    fn a_tag_running_past_the_block_is_an_error() {
        let mut block = Builder::new().tag(TAG_CMDLINE, b"x\0").finish();
        block[12..16].copy_from_slice(&4096u32.to_le_bytes());
        assert!(matches!(
            parse_block(&block),
            Err(BootInfoError::Malformed(_))
        ));
    }

    #[test]
    fn a_zero_sized_tag_cannot_loop_forever() {
        let mut block = Builder::new().tag(TAG_CMDLINE, b"x\0").finish();
        block[12..16].copy_from_slice(&0u32.to_le_bytes());
        assert!(parse_block(&block).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz: every single-byte corruption of a valid block.
        let block = Builder::new()
            .tag(TAG_CMDLINE, b"a=b\0")
            .tag(TAG_MMAP, &mmap(&[(0, 0x1000, 1)]))
            .tag(TAG_MODULE, &module(1, 2, "m"))
            .finish();
        for i in 0..block.len() {
            for v in [0u8, 1, 7, 8, 0x7f, 0xff] {
                let mut b = block.clone();
                b[i] = v;
                let _ = parse_block(&b);
            }
        }
    }
}
