//! Memory system calls.

use super::{Context, Result};
use crate::mm::PAGE_SIZE;
use crate::mm::vm::{Prot, USER_END, USER_START, VmaKind};
use abi::errno::Errno;

const MAP_SHARED: u64 = abi::mm::MAP_SHARED as u64;
const MAP_PRIVATE: u64 = abi::mm::MAP_PRIVATE as u64;
const MAP_FIXED: u64 = abi::mm::MAP_FIXED as u64;
const MAP_ANONYMOUS: u64 = abi::mm::MAP_ANONYMOUS as u64;
const MAP_FIXED_NOREPLACE: u64 = abi::mm::MAP_FIXED_NOREPLACE as u64;

pub fn brk(ctx: &mut Context<'_>, addr: u64) -> Result {
    Ok(ctx.thread.process.vm.lock().set_brk(addr))
}

pub fn mmap(
    ctx: &mut Context<'_>,
    addr: u64,
    len: u64,
    prot: u64,
    flags: u64,
    fd: u64,
    offset: u64,
) -> Result {
    if len == 0
        || !offset.is_multiple_of(PAGE_SIZE)
        || !addr.is_multiple_of(PAGE_SIZE) && flags & MAP_FIXED != 0
    {
        return Err(Errno::EINVAL);
    }
    if flags & (MAP_SHARED | MAP_PRIVATE) == 0 {
        return Err(Errno::EINVAL);
    }
    let len = len
        .checked_next_multiple_of(PAGE_SIZE)
        .ok_or(Errno::ENOMEM)?;
    // File mappings are private copies: the file's bytes are read in now.
    let file = if flags & MAP_ANONYMOUS == 0 {
        Some(ctx.thread.process.files.lock().get(fd as i32)?)
    } else {
        None
    };
    let mut vm = ctx.thread.process.vm.lock();
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let start = if fixed {
        if addr < USER_START || addr.checked_add(len).is_none_or(|e| e > USER_END) {
            return Err(Errno::ENOMEM);
        }
        addr
    } else {
        vm.find_free(len).ok_or(Errno::ENOMEM)?
    };
    let prot = Prot::from_bits(prot);
    if let Some(file) = &file {
        vm.map(start, len, Prot::RW, VmaKind::Anonymous)
            .map_err(|_| Errno::ENOMEM)?;
        // In pieces, so the kernel never holds more than one chunk.
        let mut chunk = alloc::vec![0u8; 64 * 1024];
        let mut done = 0;
        while done < len {
            let want = ((len - done) as usize).min(chunk.len());
            let n = file.read_at(offset + done, &mut chunk[..want])?;
            vm.copy_out(start + done, &chunk[..n])
                .map_err(|_| Errno::ENOMEM)?;
            done += want as u64;
            if n < want {
                break;
            }
        }
        vm.protect(start, len, prot).map_err(|_| Errno::ENOMEM)?;
    } else {
        vm.map(start, len, prot, VmaKind::Anonymous)
            .map_err(|_| Errno::ENOMEM)?;
    }
    Ok(start)
}

pub fn munmap(ctx: &mut Context<'_>, addr: u64, len: u64) -> Result {
    if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(Errno::EINVAL);
    }
    ctx.thread
        .process
        .vm
        .lock()
        .unmap(addr, len.next_multiple_of(PAGE_SIZE));
    Ok(0)
}

pub fn mprotect(ctx: &mut Context<'_>, addr: u64, len: u64, prot: u64) -> Result {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let len = len.next_multiple_of(PAGE_SIZE);
    ctx.thread
        .process
        .vm
        .lock()
        .protect(addr, len, Prot::from_bits(prot))
        .map_err(|_| Errno::ENOMEM)?;
    Ok(0)
}

/// mremap by copying into a new mapping (MREMAP_MAYMOVE); shrinking unmaps the tail.
pub fn mremap(ctx: &mut Context<'_>, old: u64, old_len: u64, new_len: u64, flags: u64) -> Result {
    const MREMAP_MAYMOVE: u64 = abi::mm::MREMAP_MAYMOVE as u64;
    if !old.is_multiple_of(PAGE_SIZE) || new_len == 0 {
        return Err(Errno::EINVAL);
    }
    let old_len = old_len.next_multiple_of(PAGE_SIZE);
    let new_len = new_len.next_multiple_of(PAGE_SIZE);
    let mut vm = ctx.thread.process.vm.lock();
    if new_len <= old_len {
        vm.unmap(old + new_len, old_len - new_len);
        return Ok(old);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let start = vm.find_free(new_len).ok_or(Errno::ENOMEM)?;
    vm.map(start, new_len, Prot::RW, VmaKind::Anonymous)
        .map_err(|_| Errno::ENOMEM)?;
    let mut page = alloc::vec![0u8; PAGE_SIZE as usize];
    for off in (0..old_len).step_by(PAGE_SIZE as usize) {
        vm.copy_in(old + off, &mut page)
            .map_err(|_| Errno::EFAULT)?;
        vm.copy_out(start + off, &page).map_err(|_| Errno::ENOMEM)?;
    }
    vm.unmap(old, old_len);
    Ok(start)
}
