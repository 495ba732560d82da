//! Memory management: `mmap` protection and flags, `mremap`, `madvise`, `msync` and
//! `mlockall`.
//!
//! Values from `include/uapi/asm-generic/mman-common.h`, `mman.h` and
//! `include/uapi/linux/mman.h` (x86_64 uses the generic values).

/// Size of a base page on x86_64.
pub const PAGE_SIZE: usize = 4096;

// Protection bits (`mmap`, `mprotect`).
/// No access.
pub const PROT_NONE: u32 = 0x0;
/// Readable.
pub const PROT_READ: u32 = 0x1;
/// Writable.
pub const PROT_WRITE: u32 = 0x2;
/// Executable.
pub const PROT_EXEC: u32 = 0x4;
/// `mprotect`: extend the change down to the start of a grows-down mapping.
pub const PROT_GROWSDOWN: u32 = 0x0100_0000;
/// `mprotect`: extend the change up to the end of a grows-up mapping.
pub const PROT_GROWSUP: u32 = 0x0200_0000;

// `mmap` flags.
/// Share changes.
pub const MAP_SHARED: u32 = 0x01;
/// Changes are private (copy-on-write).
pub const MAP_PRIVATE: u32 = 0x02;
/// Shared, and fail on unknown flags.
pub const MAP_SHARED_VALIDATE: u32 = 0x03;
/// Mask of the mapping type.
pub const MAP_TYPE: u32 = 0x0f;
/// Place the mapping exactly at `addr`, replacing what is there.
pub const MAP_FIXED: u32 = 0x10;
/// Not backed by a file; contents are zero.
pub const MAP_ANONYMOUS: u32 = 0x20;
/// Place the mapping in the low 2 GiB (x86_64 only).
pub const MAP_32BIT: u32 = 0x40;
/// Stack-like segment that grows down.
pub const MAP_GROWSDOWN: u32 = 0x100;
/// Ignored.
pub const MAP_DENYWRITE: u32 = 0x800;
/// Ignored.
pub const MAP_EXECUTABLE: u32 = 0x1000;
/// Lock the pages in memory.
pub const MAP_LOCKED: u32 = 0x2000;
/// Do not reserve swap space.
pub const MAP_NORESERVE: u32 = 0x4000;
/// Prefault the page tables.
pub const MAP_POPULATE: u32 = 0x8000;
/// With `MAP_POPULATE`: do not block on I/O.
pub const MAP_NONBLOCK: u32 = 0x1_0000;
/// Allocation is for a stack (a hint).
pub const MAP_STACK: u32 = 0x2_0000;
/// Use huge pages.
pub const MAP_HUGETLB: u32 = 0x4_0000;
/// Synchronous page faults for DAX files.
pub const MAP_SYNC: u32 = 0x8_0000;
/// Like `MAP_FIXED`, but fail instead of replacing an existing mapping.
pub const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;
/// Do not clear anonymous pages (only with a special kernel configuration).
pub const MAP_UNINITIALIZED: u32 = 0x400_0000;

// `mremap` flags.
/// The mapping may be moved.
pub const MREMAP_MAYMOVE: u32 = 1;
/// Move to the given new address.
pub const MREMAP_FIXED: u32 = 2;
/// Keep the old mapping (emptied) after moving.
pub const MREMAP_DONTUNMAP: u32 = 4;

// `madvise` advice.
/// No special treatment.
pub const MADV_NORMAL: u32 = 0;
/// Expect random page references.
pub const MADV_RANDOM: u32 = 1;
/// Expect sequential page references.
pub const MADV_SEQUENTIAL: u32 = 2;
/// Will need these pages.
pub const MADV_WILLNEED: u32 = 3;
/// Drop these pages (anonymous memory reads back as zero).
pub const MADV_DONTNEED: u32 = 4;
/// Pages may be freed lazily.
pub const MADV_FREE: u32 = 8;
/// Free the pages and their backing store.
pub const MADV_REMOVE: u32 = 9;
/// Do not inherit across `fork`.
pub const MADV_DONTFORK: u32 = 10;
/// Do inherit across `fork`.
pub const MADV_DOFORK: u32 = 11;
/// Candidate for KSM merging.
pub const MADV_MERGEABLE: u32 = 12;
/// Not a candidate for KSM merging.
pub const MADV_UNMERGEABLE: u32 = 13;
/// Use transparent huge pages.
pub const MADV_HUGEPAGE: u32 = 14;
/// Do not use transparent huge pages.
pub const MADV_NOHUGEPAGE: u32 = 15;
/// Exclude from core dumps.
pub const MADV_DONTDUMP: u32 = 16;
/// Include in core dumps.
pub const MADV_DODUMP: u32 = 17;
/// Zero the range in the child after `fork`.
pub const MADV_WIPEONFORK: u32 = 18;
/// Undo `MADV_WIPEONFORK`.
pub const MADV_KEEPONFORK: u32 = 19;
/// Deactivate the pages.
pub const MADV_COLD: u32 = 20;
/// Reclaim the pages.
pub const MADV_PAGEOUT: u32 = 21;

// `msync` flags.
/// Schedule the write-back.
pub const MS_ASYNC: u32 = 1;
/// Invalidate other mappings of the file.
pub const MS_INVALIDATE: u32 = 2;
/// Write back and wait.
pub const MS_SYNC: u32 = 4;

// `mlockall` flags.
/// Lock the pages currently mapped.
pub const MCL_CURRENT: u32 = 1;
/// Lock pages mapped in the future.
pub const MCL_FUTURE: u32 = 2;
/// Lock pages only once they are faulted in.
pub const MCL_ONFAULT: u32 = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::same_consts;

    #[test]
    fn constants_match_libc() {
        same_consts! { i64;
            PROT_NONE => libc::PROT_NONE, PROT_READ => libc::PROT_READ,
            PROT_WRITE => libc::PROT_WRITE, PROT_EXEC => libc::PROT_EXEC,
            PROT_GROWSDOWN => libc::PROT_GROWSDOWN, PROT_GROWSUP => libc::PROT_GROWSUP,
            MAP_SHARED => libc::MAP_SHARED, MAP_PRIVATE => libc::MAP_PRIVATE,
            MAP_SHARED_VALIDATE => libc::MAP_SHARED_VALIDATE, MAP_TYPE => libc::MAP_TYPE,
            MAP_FIXED => libc::MAP_FIXED, MAP_ANONYMOUS => libc::MAP_ANONYMOUS,
            MAP_32BIT => libc::MAP_32BIT, MAP_GROWSDOWN => libc::MAP_GROWSDOWN,
            MAP_DENYWRITE => libc::MAP_DENYWRITE, MAP_EXECUTABLE => libc::MAP_EXECUTABLE,
            MAP_LOCKED => libc::MAP_LOCKED, MAP_NORESERVE => libc::MAP_NORESERVE,
            MAP_POPULATE => libc::MAP_POPULATE, MAP_NONBLOCK => libc::MAP_NONBLOCK,
            MAP_STACK => libc::MAP_STACK, MAP_HUGETLB => libc::MAP_HUGETLB,
            MAP_SYNC => libc::MAP_SYNC, MAP_FIXED_NOREPLACE => libc::MAP_FIXED_NOREPLACE,
            MREMAP_MAYMOVE => libc::MREMAP_MAYMOVE, MREMAP_FIXED => libc::MREMAP_FIXED,
            MREMAP_DONTUNMAP => libc::MREMAP_DONTUNMAP,
            MADV_NORMAL => libc::MADV_NORMAL, MADV_RANDOM => libc::MADV_RANDOM,
            MADV_SEQUENTIAL => libc::MADV_SEQUENTIAL, MADV_WILLNEED => libc::MADV_WILLNEED,
            MADV_DONTNEED => libc::MADV_DONTNEED, MADV_FREE => libc::MADV_FREE,
            MADV_REMOVE => libc::MADV_REMOVE, MADV_DONTFORK => libc::MADV_DONTFORK,
            MADV_DOFORK => libc::MADV_DOFORK, MADV_MERGEABLE => libc::MADV_MERGEABLE,
            MADV_UNMERGEABLE => libc::MADV_UNMERGEABLE, MADV_HUGEPAGE => libc::MADV_HUGEPAGE,
            MADV_NOHUGEPAGE => libc::MADV_NOHUGEPAGE, MADV_DONTDUMP => libc::MADV_DONTDUMP,
            MADV_DODUMP => libc::MADV_DODUMP, MADV_WIPEONFORK => libc::MADV_WIPEONFORK,
            MADV_KEEPONFORK => libc::MADV_KEEPONFORK, MADV_COLD => libc::MADV_COLD,
            MADV_PAGEOUT => libc::MADV_PAGEOUT,
            MS_ASYNC => libc::MS_ASYNC, MS_INVALIDATE => libc::MS_INVALIDATE,
            MS_SYNC => libc::MS_SYNC,
            MCL_CURRENT => libc::MCL_CURRENT, MCL_FUTURE => libc::MCL_FUTURE,
            MCL_ONFAULT => libc::MCL_ONFAULT,
        }
    }
}
