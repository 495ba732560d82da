//! Process and thread system calls.

use super::{Context, Result};
use crate::arch::trap::{EntryFrame, FpuState};
use crate::mm::vm::AddressSpace;
use crate::task::exit::{self, ChildEvent, WaitFor, WaitOptions};
use crate::task::{self, Process, ProcessParts, Thread, exec};
use abi::errno::Errno;
use abi::sysno::Sysno;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use abi::process::{
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FILES, CLONE_PARENT_SETTID, CLONE_SETTLS,
    CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK, CLONE_VM,
};

/// The child's first frame: the parent's, returning 0 on `stack` if given.
fn child_entry(ctx: &mut Context<'_>, stack: u64) -> EntryFrame {
    let mut frame = ctx.frame.clone();
    frame.rax = 0;
    if stack != 0 {
        frame.rsp = stack;
    }
    EntryFrame {
        fpu: FpuState(ctx.frame.fpu()),
        frame,
    }
}

pub fn clone(
    ctx: &mut Context<'_>,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
) -> Result {
    let me = ctx.thread.clone();
    let entry = child_entry(ctx, stack);
    let fs_base = if flags & CLONE_SETTLS != 0 {
        tls
    } else {
        me.fs_base.load(Ordering::Relaxed)
    };
    let sigmask = *me.sigmask.lock();

    if flags & CLONE_THREAD != 0 {
        if flags & CLONE_VM == 0 || flags & CLONE_SIGHAND == 0 {
            return Err(Errno::EINVAL);
        }
        let tid = task::new_tid();
        if flags & CLONE_PARENT_SETTID != 0 {
            ctx.mem().write_u32(parent_tid, tid)?;
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            ctx.mem().write_u32(child_tid, tid)?;
        }
        let thread =
            Thread::spawn(&me.process, &entry, Some(tid), sigmask, fs_base).ok_or(Errno::ENOMEM)?;
        if flags & CLONE_CHILD_CLEARTID != 0 {
            thread.clear_child_tid.store(child_tid, Ordering::Relaxed);
        }
        return Ok(u64::from(tid));
    }

    // A new process. A vfork (CLONE_VM|CLONE_VFORK, as posix_spawn makes)
    // of a single-threaded parent shares its memory: the child runs on the
    // parent's address space while the parent sleeps, which is how
    // posix_spawn learns that exec failed. Otherwise a copy-on-write copy.
    let parent = &me.process;
    let share = flags & (CLONE_VM | CLONE_VFORK) == CLONE_VM | CLONE_VFORK
        && parent.live_threads().len() == 1;
    let vm = if share {
        AddressSpace::new()
    } else {
        parent.vm.lock().fork()
    }
    .ok_or(Errno::ENOMEM)?;
    let files = if flags & CLONE_FILES != 0 {
        parent.files.clone()
    } else {
        Arc::new(spin::Mutex::new(parent.files.lock().clone()))
    };
    let sigactions = if flags & CLONE_SIGHAND != 0 {
        parent.sigactions.clone()
    } else {
        Arc::new(spin::Mutex::new(parent.sigactions.lock().clone()))
    };
    let child = Process::new(
        Some(parent),
        ProcessParts {
            vm,
            files,
            cwd: parent.cwd.lock().clone(),
            umask: parent.umask.load(Ordering::Relaxed),
            creds: parent.creds.lock().clone(),
            sigactions,
            pgid: Some(parent.pgid.load(Ordering::Relaxed)),
            sid: Some(parent.sid.load(Ordering::Relaxed)),
            cmdline: parent.cmdline.lock().clone(),
            exe: parent.exe.lock().clone(),
            ctty: *parent.ctty.lock(),
        },
    );
    let pid = child.pid;
    if flags & CLONE_PARENT_SETTID != 0 {
        ctx.mem().write_u32(parent_tid, pid)?;
    }
    if share {
        child.borrow_vm(parent)?;
    }
    let thread = Thread::spawn(&child, &entry, None, sigmask, fs_base).ok_or(Errno::ENOMEM)?;
    if flags & CLONE_CHILD_CLEARTID != 0 {
        thread.clear_child_tid.store(child_tid, Ordering::Relaxed);
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        let _ = child.vm.lock().copy_out(child_tid, &pid.to_le_bytes());
    }
    if flags & CLONE_VFORK != 0 {
        // Not cut short by signals: the child may be using our memory.
        parent
            .child_event
            .wait_uninterruptible(|| !child.vfork_released());
    }
    Ok(u64::from(pid))
}

pub fn execve(ctx: &mut Context<'_>, path: u64, argv: u64, envp: u64) -> Result {
    let path = ctx.mem().read_path(path)?;
    let argv = ctx.mem().read_string_array(argv)?;
    let envp = ctx.mem().read_string_array(envp)?;
    let me = ctx.thread.clone();
    exec::execve(&me, &path, argv, envp, ctx.frame)?;
    Ok(0)
}

/// The thread leaves the CPU on its way back to user mode.
pub fn exit(ctx: &mut Context<'_>, code: u64) -> Result {
    exit::exit_thread(&ctx.thread, code as u8);
    Ok(0)
}

pub fn exit_group(ctx: &mut Context<'_>, code: u64) -> Result {
    exit::exit_group(&ctx.thread, task::ExitStatus::Exited(code as u8));
    Ok(0)
}

const WNOHANG: u64 = abi::process::WNOHANG as u64;
const WNOWAIT: u64 = abi::process::WNOWAIT as u64;
const WUNTRACED: u64 = abi::process::WUNTRACED as u64;
const WEXITED: u64 = abi::process::WEXITED as u64;
const WCONTINUED: u64 = abi::process::WCONTINUED as u64;

fn wait_for(
    ctx: &Context<'_>,
    which: WaitFor,
    options: u64,
    exited: bool,
) -> Result<Option<(u32, ChildEvent)>> {
    let process = ctx.thread.process.clone();
    let wanted = WaitOptions {
        exited,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        consume: options & WNOWAIT == 0,
    };
    let peek = WaitOptions {
        consume: false,
        ..wanted
    };
    loop {
        if let Some(found) = exit::reap(&process, which, wanted)? {
            return Ok(Some(found));
        }
        if options & WNOHANG != 0 {
            return Ok(None);
        }
        process
            .child_event
            .wait_while(|| matches!(exit::reap(&process, which, peek), Ok(None)))?;
    }
}

pub fn wait4(ctx: &mut Context<'_>, pid: i32, status: u64, options: u64) -> Result {
    let which = match pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(ctx.thread.process.pgid.load(Ordering::Relaxed)),
        p if p > 0 => WaitFor::Pid(p as u32),
        p => WaitFor::Group(p.unsigned_abs()),
    };
    match wait_for(ctx, which, options, true)? {
        Some((pid, event)) => {
            if status != 0 {
                ctx.mem().write_u32(status, event.wait_status() as u32)?;
            }
            Ok(u64::from(pid))
        }
        None => Ok(0),
    }
}

pub fn waitid(ctx: &mut Context<'_>, idtype: u64, id: u64, info: u64, options: u64) -> Result {
    let which = match idtype {
        0 => WaitFor::Any,
        1 => WaitFor::Pid(id as u32),
        2 => WaitFor::Group(id as u32),
        _ => return Err(Errno::EINVAL),
    };
    let found = wait_for(ctx, which, options, options & WEXITED != 0)?;
    if info != 0 {
        let siginfo = match found {
            Some((pid, event)) => {
                let (code, status) = event.siginfo();
                task::signal::SigInfo::child(pid, code, status)
            }
            None => task::signal::SigInfo([0; 128]),
        };
        ctx.mem().write(info, &siginfo.0)?;
    }
    Ok(0)
}

pub fn set_tid_address(ctx: &mut Context<'_>, addr: u64) -> Result {
    ctx.thread.clear_child_tid.store(addr, Ordering::Relaxed);
    Ok(u64::from(ctx.thread.tid))
}

pub fn arch_prctl(ctx: &mut Context<'_>, code: u64, addr: u64) -> Result {
    use abi::process::{ARCH_GET_FS, ARCH_SET_FS, ARCH_SET_GS};
    match code as u32 {
        ARCH_SET_FS => {
            if addr >= crate::mm::vm::USER_END {
                return Err(Errno::EPERM);
            }
            ctx.thread.fs_base.store(addr, Ordering::Relaxed);
            ctx.thread.restore_fs_base();
            Ok(0)
        }
        ARCH_GET_FS => {
            ctx.mem()
                .write_u64(addr, ctx.thread.fs_base.load(Ordering::Relaxed))?;
            Ok(0)
        }
        ARCH_SET_GS => Err(Errno::EINVAL),
        _ => Err(Errno::EINVAL),
    }
}

pub fn prctl(ctx: &mut Context<'_>, option: u64, arg: u64) -> Result {
    use abi::process::{PR_GET_NAME, PR_SET_NAME};
    match option as u32 {
        PR_SET_NAME => {
            let name = ctx.mem().read_cstr(arg, 16)?;
            if let Some(first) = ctx.thread.process.cmdline.lock().first_mut() {
                *first = alloc::string::String::from_utf8_lossy(&name[..name.len().min(15)])
                    .into_owned();
            }
            Ok(0)
        }
        PR_GET_NAME => {
            let name = ctx
                .thread
                .process
                .cmdline
                .lock()
                .first()
                .cloned()
                .unwrap_or_default();
            let mut b = [0u8; 16];
            let n = name.len().min(15);
            b[..n].copy_from_slice(&name.as_bytes()[..n]);
            ctx.mem().write(arg, &b)?;
            Ok(0)
        }
        _ => Ok(0),
    }
}

pub fn setpgid(ctx: &mut Context<'_>, pid: u64, pgid: u64) -> Result {
    let me = &ctx.thread.process;
    let target = if pid == 0 {
        me.clone()
    } else {
        task::process(pid as u32).ok_or(Errno::ESRCH)?
    };
    let is_child = target
        .parent
        .lock()
        .upgrade()
        .is_some_and(|p| Arc::ptr_eq(&p, me));
    if !Arc::ptr_eq(&target, me) && !is_child {
        return Err(Errno::ESRCH);
    }
    if (pgid as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let session = me.sid.load(Ordering::Relaxed);
    if target.sid.load(Ordering::Relaxed) != session
        || target.sid.load(Ordering::Relaxed) == target.pid
    {
        return Err(Errno::EPERM);
    }
    let pgid = if pgid == 0 { target.pid } else { pgid as u32 };
    // Joining a group: it must exist in the same session.
    if pgid != target.pid
        && !task::process_group(pgid)
            .iter()
            .any(|p| p.sid.load(Ordering::Relaxed) == session)
    {
        return Err(Errno::EPERM);
    }
    target.pgid.store(pgid, Ordering::Relaxed);
    Ok(0)
}

pub fn getpgid(ctx: &mut Context<'_>, pid: u64) -> Result {
    let target = if pid == 0 {
        ctx.thread.process.clone()
    } else {
        task::process(pid as u32).ok_or(Errno::ESRCH)?
    };
    Ok(u64::from(target.pgid.load(Ordering::Relaxed)))
}

pub fn setsid(ctx: &mut Context<'_>) -> Result {
    let me = &ctx.thread.process;
    if me.pgid.load(Ordering::Relaxed) == me.pid {
        return Err(Errno::EPERM);
    }
    me.sid.store(me.pid, Ordering::Relaxed);
    me.pgid.store(me.pid, Ordering::Relaxed);
    *me.ctty.lock() = None;
    Ok(u64::from(me.pid))
}

pub fn getsid(ctx: &mut Context<'_>, pid: u64) -> Result {
    let target = if pid == 0 {
        ctx.thread.process.clone()
    } else {
        task::process(pid as u32).ok_or(Errno::ESRCH)?
    };
    Ok(u64::from(target.sid.load(Ordering::Relaxed)))
}

pub fn sched_getaffinity(ctx: &mut Context<'_>, len: u64, mask: u64) -> Result {
    if len < 8 {
        return Err(Errno::EINVAL);
    }
    ctx.mem().write_u64(mask, 1)?;
    Ok(8)
}

pub fn prlimit64(ctx: &mut Context<'_>, new: u64, old: u64) -> Result {
    let _ = new;
    if old != 0 {
        // No limits are enforced yet: report them as unlimited, but the
        // stack at 8 MiB and descriptors at what the table holds.
        let mut b = [0xffu8; 16];
        b[..8].copy_from_slice(&(crate::mm::vm::STACK_LIMIT).to_le_bytes());
        ctx.mem().write(old, &b)?;
    }
    Ok(0)
}

pub fn getrusage(ctx: &mut Context<'_>, addr: u64) -> Result {
    ctx.mem().write(addr, &[0u8; 144])?;
    Ok(0)
}

pub fn ids(ctx: &mut Context<'_>, which: Sysno) -> Result {
    let c = ctx.thread.process.creds.lock();
    Ok(u64::from(match which {
        Sysno::GETUID => c.uid,
        Sysno::GETEUID => c.euid,
        Sysno::GETGID => c.gid,
        _ => c.egid,
    }))
}

/// One identity triple: real, effective, saved (user or group ids).
struct Ids<'a> {
    real: &'a mut u32,
    effective: &'a mut u32,
    saved: &'a mut u32,
}

impl Ids<'_> {
    /// setuid/setgid: root sets all three; others may only return to the real id.
    fn set(&mut self, root: bool, id: u32) -> Result<()> {
        if !root && id != *self.real {
            return Err(Errno::EPERM);
        }
        *self.effective = id;
        if root {
            *self.real = id;
            *self.saved = id;
        }
        Ok(())
    }

    /// setre*id / setres*id (root only): -1 keeps a value.
    fn set_each(&mut self, real: u64, effective: u64, saved: Option<u64>) {
        let keep = |v: u64| v as u32 == u32::MAX;
        if !keep(real) {
            *self.real = real as u32;
        }
        if !keep(effective) {
            *self.effective = effective as u32;
        }
        if let Some(saved) = saved.filter(|&s| !keep(s)) {
            *self.saved = saved as u32;
        }
    }
}

pub fn set_ids(ctx: &mut Context<'_>, which: Sysno, a: [u64; 6]) -> Result {
    let mut guard = ctx.thread.process.creds.lock();
    let c = &mut *guard;
    let root = c.euid == 0;
    let user = matches!(which, Sysno::SETUID | Sysno::SETREUID | Sysno::SETRESUID);
    let mut ids = if user {
        Ids {
            real: &mut c.uid,
            effective: &mut c.euid,
            saved: &mut c.suid,
        }
    } else {
        Ids {
            real: &mut c.gid,
            effective: &mut c.egid,
            saved: &mut c.sgid,
        }
    };
    match which {
        Sysno::SETUID | Sysno::SETGID => ids.set(root, a[0] as u32)?,
        _ if !root => return Err(Errno::EPERM),
        Sysno::SETRESUID | Sysno::SETRESGID => ids.set_each(a[0], a[1], Some(a[2])),
        _ => ids.set_each(a[0], a[1], None),
    }
    Ok(0)
}

pub fn get_res_ids(ctx: &mut Context<'_>, which: Sysno, a: [u64; 6]) -> Result {
    let c = ctx.thread.process.creds.lock().clone();
    let values = if which == Sysno::GETRESUID {
        [c.uid, c.euid, c.suid]
    } else {
        [c.gid, c.egid, c.sgid]
    };
    for (addr, value) in a.iter().zip(values) {
        ctx.mem().write_u32(*addr, value)?;
    }
    Ok(0)
}

pub fn getgroups(ctx: &mut Context<'_>, size: u64, list: u64) -> Result {
    let groups = ctx.thread.process.creds.lock().groups.clone();
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    for (i, g) in groups.iter().enumerate() {
        ctx.mem().write_u32(list + i as u64 * 4, *g)?;
    }
    Ok(groups.len() as u64)
}

pub fn setgroups(ctx: &mut Context<'_>, size: u64, list: u64) -> Result {
    if ctx.thread.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    if size > 65536 {
        return Err(Errno::EINVAL);
    }
    let mut groups = alloc::vec::Vec::new();
    for i in 0..size {
        let mut b = [0u8; 4];
        ctx.mem().read(list + i * 4, &mut b)?;
        groups.push(u32::from_le_bytes(b));
    }
    ctx.thread.process.creds.lock().groups = groups;
    Ok(0)
}
