//! execve: loading static ELF executables (and `#!` scripts) into a fresh
//! address space, with the stack laid out as Linux lays it out.

use super::{Credentials, Thread};
use crate::arch::trap::{FpuState, TrapFrame};
use crate::fs::access;
use crate::fs::node::Body;
use crate::fs::path::{self, Follow};
use crate::mm::PAGE_SIZE;
use crate::mm::vm::{AddressSpace, PIE_BASE, Prot, STACK_LIMIT, STACK_TOP, VmaKind};
use abi::errno::Errno;
use abi::fs::{S_IFMT, S_IFREG, S_ISGID, S_ISUID};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use elf::ElfBytes;
use elf::abi::{EM_X86_64, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};
use elf::endian::LittleEndian;

/// `#!` interpreters may nest this deep (Linux allows 4 levels too).
const MAX_INTERPRETERS: usize = 4;
/// Argument and environment bytes accepted (Linux's default ARG_MAX is 2 MiB).
const ARG_MAX: usize = 2 << 20;

use abi::process::{
    AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN, AT_FLAGS, AT_GID, AT_HWCAP, AT_NULL,
    AT_PAGESZ, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PLATFORM, AT_RANDOM, AT_SECURE, AT_UID,
};

/// A loaded program, ready to be entered.
struct Image {
    vm: AddressSpace,
    entry: u64,
    stack_pointer: u64,
}

/// Finds the file at `path` for execution; its bytes are read in place.
fn executable(me: &Arc<Thread>, path: &str) -> Result<crate::fs::NodeRef, Errno> {
    let cwd = me.process.cwd.lock().clone();
    let location = path::resolve(&cwd, path, Follow::Yes)?;
    let node = location.node().clone();
    let regular = match &node.body {
        Body::File(_) => true,
        Body::Ext2(_) => node.mode() & S_IFMT == S_IFREG,
        _ => false,
    };
    if !regular {
        return Err(Errno::EACCES);
    }
    access::check(&node, access::Ids::Effective, access::EXECUTE)?;
    Ok(node)
}

/// The file's first line, enough for a `#!` line (Linux reads 256 bytes).
fn first_bytes(node: &crate::fs::NodeRef) -> Vec<u8> {
    match &node.body {
        Body::File(data) => data.lock().iter().take(256).copied().collect(),
        Body::Ext2(file) => {
            let mut first = alloc::vec![0; 256];
            let n = file.read_at(0, &mut first).unwrap_or(0);
            first.truncate(n);
            first
        }
        _ => Vec::new(),
    }
}

/// Splits a `#!` line into the interpreter and its optional argument.
fn shebang(data: &[u8]) -> Option<(String, Option<String>)> {
    let rest = data.strip_prefix(b"#!")?;
    let line = &rest[..rest
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(rest.len())
        .min(255)];
    let line = core::str::from_utf8(line).ok()?.trim();
    let (interp, arg) = match line.split_once([' ', '\t']) {
        Some((i, a)) => (i, Some(a.trim()).filter(|a| !a.is_empty())),
        None => (line, None),
    };
    (!interp.is_empty()).then(|| (interp.into(), arg.map(String::from)))
}

/// Replaces the calling process's program (execve(2)). On success the
/// frame returns into the new program.
pub fn execve(
    me: &Arc<Thread>,
    path: &str,
    mut argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    frame: &mut TrapFrame,
) -> Result<(), Errno> {
    let size: usize = argv.iter().chain(envp.iter()).map(|a| a.len() + 1).sum();
    if size > ARG_MAX {
        return Err(Errno::E2BIG);
    }
    let mut file = String::from(path);
    let mut node = executable(me, &file)?;
    let named = node.clone();
    for _ in 0..MAX_INTERPRETERS {
        let Some((interp, arg)) = shebang(&first_bytes(&node)) else {
            break;
        };
        let mut new_argv = vec![interp.clone().into_bytes()];
        new_argv.extend(arg.map(String::into_bytes));
        new_argv.push(file.clone().into_bytes());
        new_argv.extend(argv.into_iter().skip(1));
        argv = new_argv;
        file = interp;
        node = executable(me, &file)?;
    }
    if first_bytes(&node).starts_with(b"#!") {
        return Err(Errno::ELOOP);
    }
    // Set-user-id and set-group-id apply to binaries, never to scripts.
    let creds = credentials_after_exec(&me.process.creds.lock(), &node, Arc::ptr_eq(&named, &node));
    // A tmpfs file is loaded in place; an ext2 file is read whole first.
    let image = match &node.body {
        Body::File(bytes) => load(&bytes.lock(), path, &argv, &envp, &creds)?,
        Body::Ext2(file) => load(&file.read_all()?, path, &argv, &envp, &creds)?,
        _ => return Err(Errno::EACCES),
    };

    // The point of no return: the old program is gone from here on.
    let process = &me.process;
    for thread in process.live_threads() {
        if thread.tid != me.tid {
            *thread.state.lock() = super::ThreadState::Dead;
        }
    }
    // The old program's memory goes back to a vfork parent, or away.
    process.give_back_vm(image.vm);
    *process.creds.lock() = creds;
    process.vm.lock().activate();
    process.files.lock().close_on_exec();
    process.sigactions.lock().reset_for_exec();
    *me.altstack.lock() = Default::default();
    me.clear_child_tid
        .store(0, core::sync::atomic::Ordering::Relaxed);
    me.fs_base.store(0, core::sync::atomic::Ordering::Relaxed);
    me.restore_fs_base();
    *process.cmdline.lock() = argv
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    // /proc/self/exe names the binary that runs: for a script, its interpreter.
    *process.exe.lock() = path::resolve(&process.cwd.lock().clone(), &file, Follow::Yes)
        .map(|l| l.path())
        .unwrap_or_default();

    let selectors = crate::arch::gdt::selectors();
    *frame = TrapFrame {
        rip: image.entry,
        rsp: image.stack_pointer,
        cs: u64::from(selectors.user_code.0),
        ss: u64::from(selectors.user_data.0),
        rflags: 0x202,
        ..TrapFrame::default()
    };
    frame.set_fpu(&FpuState::initial().0);
    Ok(())
}

/// A blank user-mode entry frame (selectors, flags, FPU state) for init's
/// first thread, which execve then fills in.
pub fn initial_frame() -> crate::arch::trap::EntryFrame {
    let selectors = crate::arch::gdt::selectors();
    crate::arch::trap::EntryFrame {
        fpu: FpuState::initial(),
        frame: TrapFrame {
            cs: u64::from(selectors.user_code.0),
            ss: u64::from(selectors.user_data.0),
            rflags: 0x202,
            ..TrapFrame::default()
        },
    }
}

fn prot(flags: u32) -> Prot {
    Prot {
        read: flags & PF_R != 0,
        write: flags & PF_W != 0,
        exec: flags & PF_X != 0,
    }
}

fn fault(_: crate::mm::vm::Fault) -> Errno {
    Errno::ENOMEM
}

/// The identity a program runs with: the file's owner (group) as the
/// effective id when it is set-user-id (set-group-id), and the saved ids
/// equal to the effective ones, as POSIX says.
fn credentials_after_exec(
    current: &Credentials,
    node: &crate::fs::NodeRef,
    honour_set_id: bool,
) -> Credentials {
    let mut creds = current.clone();
    let (mode, uid, gid) = {
        let meta = node.meta.lock();
        (meta.mode, meta.uid, meta.gid)
    };
    if honour_set_id && mode & S_ISUID != 0 {
        creds.euid = uid;
    }
    if honour_set_id && mode & S_ISGID != 0 && mode & 0o010 != 0 {
        creds.egid = gid;
    }
    creds.suid = creds.euid;
    creds.sgid = creds.egid;
    creds
}

fn load(
    data: &[u8],
    path: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    creds: &Credentials,
) -> Result<Image, Errno> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(data).map_err(|_| Errno::ENOEXEC)?;
    let header = file.ehdr;
    if header.e_machine != EM_X86_64 || header.class != elf::file::Class::ELF64 {
        return Err(Errno::ENOEXEC);
    }
    let base = match header.e_type {
        ET_EXEC => 0,
        ET_DYN => PIE_BASE,
        _ => return Err(Errno::ENOEXEC),
    };
    let segments = file.segments().ok_or(Errno::ENOEXEC)?;
    if segments.iter().any(|p| p.p_type == PT_INTERP) {
        // Dynamic linking is not supported: static binaries only.
        return Err(Errno::ENOEXEC);
    }
    let mut vm = AddressSpace::new().ok_or(Errno::ENOMEM)?;
    let mut phdr_addr = None;
    let mut end_of_image = 0;
    for ph in segments.iter() {
        if ph.p_type == PT_PHDR {
            phdr_addr = Some(base + ph.p_vaddr);
        }
        if ph.p_type != PT_LOAD || ph.p_memsz == 0 {
            continue;
        }
        let start = base + ph.p_vaddr;
        let end = start.checked_add(ph.p_memsz).ok_or(Errno::ENOEXEC)?;
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(Errno::ENOEXEC)?;
        if ph.p_filesz > ph.p_memsz || file_end > data.len() as u64 {
            return Err(Errno::ENOEXEC);
        }
        let page_start = start & !(PAGE_SIZE - 1);
        let page_end = end.next_multiple_of(PAGE_SIZE);
        // Map writable while filling, then set the segment's own rights.
        vm.map(page_start, page_end - page_start, Prot::RW, VmaKind::Image)
            .map_err(|_| Errno::ENOMEM)?;
        vm.copy_out(start, &data[ph.p_offset as usize..file_end as usize])
            .map_err(fault)?;
        vm.protect(page_start, page_end - page_start, prot(ph.p_flags))
            .map_err(fault)?;
        if phdr_addr.is_none() && ph.p_offset <= header.e_phoff && header.e_phoff < file_end {
            phdr_addr = Some(start + header.e_phoff - ph.p_offset);
        }
        end_of_image = end_of_image.max(page_end);
    }
    if end_of_image == 0 {
        return Err(Errno::ENOEXEC);
    }
    vm.brk_start = end_of_image;
    vm.brk = end_of_image;
    vm.map(
        STACK_TOP - STACK_LIMIT / 8,
        STACK_LIMIT / 8,
        Prot::RW,
        VmaKind::Stack,
    )
    .map_err(|_| Errno::ENOMEM)?;

    let entry = base + header.e_entry;
    let secure = creds.euid != creds.uid || creds.egid != creds.gid;
    let auxv = [
        (AT_PHDR, phdr_addr.unwrap_or(0)),
        (AT_PHENT, u64::from(header.e_phentsize)),
        (AT_PHNUM, u64::from(header.e_phnum)),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, entry),
        (AT_UID, u64::from(creds.uid)),
        (AT_EUID, u64::from(creds.euid)),
        (AT_GID, u64::from(creds.gid)),
        (AT_EGID, u64::from(creds.egid)),
        (AT_HWCAP, u64::from(crate::arch::cpu::cpuid(1).edx)),
        (AT_CLKTCK, 100),
        (AT_SECURE, u64::from(secure)),
    ];
    let stack_pointer = build_stack(&mut vm, path, argv, envp, &auxv).map_err(fault)?;
    Ok(Image {
        vm,
        entry,
        stack_pointer,
    })
}

/// Writes strings, then auxv/envp/argv pointers and argc; returns the stack
/// pointer (16-byte aligned at argc, as the ABI requires).
fn build_stack(
    vm: &mut AddressSpace,
    execfn: &str,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    auxv: &[(u64, u64)],
) -> Result<u64, crate::mm::vm::Fault> {
    let mut sp = STACK_TOP;
    let mut push_bytes =
        |vm: &mut AddressSpace, bytes: &[u8]| -> Result<u64, crate::mm::vm::Fault> {
            sp -= bytes.len() as u64 + 1;
            vm.copy_out(sp, bytes)?;
            vm.copy_out(sp + bytes.len() as u64, &[0])?;
            Ok(sp)
        };
    let execfn_at = push_bytes(vm, execfn.as_bytes())?;
    let platform_at = push_bytes(vm, b"x86_64")?;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let random_at = push_bytes(vm, &random)?;
    let env_ptrs: Vec<u64> = envp
        .iter()
        .map(|e| push_bytes(vm, e))
        .collect::<Result<_, _>>()?;
    let arg_ptrs: Vec<u64> = argv
        .iter()
        .map(|a| push_bytes(vm, a))
        .collect::<Result<_, _>>()?;

    let mut words: Vec<u64> = Vec::new();
    words.push(argv.len() as u64);
    words.extend(&arg_ptrs);
    words.push(0);
    words.extend(&env_ptrs);
    words.push(0);
    for &(key, value) in auxv {
        words.push(key);
        words.push(value);
    }
    words.extend([
        AT_PLATFORM,
        platform_at,
        AT_RANDOM,
        random_at,
        AT_EXECFN,
        execfn_at,
        AT_NULL,
        0,
    ]);
    let sp = (sp - words.len() as u64 * 8) & !15;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    vm.copy_out(sp, &bytes)?;
    Ok(sp)
}
