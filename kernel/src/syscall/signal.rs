//! Signal system calls.

use super::{Context, Result};
use crate::task::signal::{self as sig, Action, NSIG, SigInfo, SigSet};
use crate::task::{self, sched};
use abi::errno::Errno;
use core::sync::atomic::Ordering;

pub fn rt_sigaction(ctx: &mut Context<'_>, signo: u64, new: u64, old: u64, size: u64) -> Result {
    if signo == 0 || signo > u64::from(NSIG) || size != 8 {
        return Err(Errno::EINVAL);
    }
    let signo = signo as u32;
    let previous = ctx.thread.process.sigactions.lock().0[signo as usize];
    if new != 0 {
        if signo == sig::SIGKILL || signo == sig::SIGSTOP {
            return Err(Errno::EINVAL);
        }
        let m = ctx.mem();
        let action = Action {
            handler: m.read_u64(new)?,
            flags: m.read_u64(new + 8)?,
            restorer: m.read_u64(new + 16)?,
            mask: SigSet(m.read_u64(new + 24)?).minus(SigSet::UNBLOCKABLE),
        };
        ctx.thread.process.sigactions.lock().0[signo as usize] = action;
    }
    if old != 0 {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&previous.handler.to_le_bytes());
        b[8..16].copy_from_slice(&previous.flags.to_le_bytes());
        b[16..24].copy_from_slice(&previous.restorer.to_le_bytes());
        b[24..32].copy_from_slice(&previous.mask.0.to_le_bytes());
        ctx.mem().write(old, &b)?;
    }
    Ok(0)
}

pub fn rt_sigprocmask(ctx: &mut Context<'_>, how: u64, new: u64, old: u64, size: u64) -> Result {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let current = *ctx.thread.sigmask.lock();
    if new != 0 {
        let set = SigSet(ctx.mem().read_u64(new)?);
        let updated = match how {
            0 => current.union(set),
            1 => current.minus(set),
            2 => set,
            _ => return Err(Errno::EINVAL),
        };
        *ctx.thread.sigmask.lock() = updated.minus(SigSet::UNBLOCKABLE);
    }
    if old != 0 {
        ctx.mem().write_u64(old, current.0)?;
    }
    Ok(0)
}

pub fn rt_sigreturn(ctx: &mut Context<'_>) -> Result {
    if sig::sigreturn(&ctx.thread, ctx.frame).is_err() {
        task::exit::exit_group(
            &ctx.thread,
            task::ExitStatus::Killed {
                signal: sig::SIGSEGV,
                core: true,
            },
        );
    }
    Ok(0)
}

pub fn rt_sigsuspend(ctx: &mut Context<'_>, mask: u64, size: u64) -> Result {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let set = SigSet(ctx.mem().read_u64(mask)?);
    let old = core::mem::replace(
        &mut *ctx.thread.sigmask.lock(),
        set.minus(SigSet::UNBLOCKABLE),
    );
    let me = ctx.thread.clone();
    let _ = sig_wait(&me);
    // The handler runs with the suspend mask; the old mask comes back after.
    // Restoring it here is what glibc expects when no handler runs.
    if !me.has_deliverable_signal() {
        *me.sigmask.lock() = old;
    }
    Err(Errno::EINTR)
}

fn sig_wait(me: &alloc::sync::Arc<task::Thread>) -> Result<()> {
    while !me.has_deliverable_signal() {
        sched::block(me);
    }
    Ok(())
}

pub fn pause(ctx: &mut Context<'_>) -> Result {
    let me = ctx.thread.clone();
    sig_wait(&me)?;
    Err(Errno::EINTR)
}

pub fn rt_sigpending(ctx: &mut Context<'_>, addr: u64) -> Result {
    let set = ctx
        .thread
        .pending
        .lock()
        .set
        .union(ctx.thread.process.pending.lock().set);
    ctx.mem().write_u64(addr, set.0)?;
    Ok(0)
}

pub fn sigaltstack(ctx: &mut Context<'_>, new: u64, old: u64) -> Result {
    let current = *ctx.thread.altstack.lock();
    if old != 0 {
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&current.sp.to_le_bytes());
        let flags = if current.size == 0 { 2 } else { current.flags };
        b[8..12].copy_from_slice(&flags.to_le_bytes());
        b[16..24].copy_from_slice(&current.size.to_le_bytes());
        ctx.mem().write(old, &b)?;
    }
    if new != 0 {
        let m = ctx.mem();
        let sp = m.read_u64(new)?;
        let flags = m.read_u64(new + 8)? as i32;
        let size = m.read_u64(new + 16)?;
        *ctx.thread.altstack.lock() = if flags & 2 != 0 {
            Default::default()
        } else {
            sig::AltStack { sp, size, flags: 0 }
        };
    }
    Ok(0)
}

/// POSIX's rule: root signals anyone; others signal processes whose real
/// or saved user id is their real or effective one; SIGCONT reaches the
/// whole session (job control).
fn may_signal(me: &task::Process, target: &task::Process, signo: u32) -> bool {
    let sender = me.creds.lock().clone();
    if sender.euid == 0 {
        return true;
    }
    if signo == sig::SIGCONT && me.sid.load(Ordering::Relaxed) == target.sid.load(Ordering::Relaxed)
    {
        return true;
    }
    let receiver = target.creds.lock();
    [sender.uid, sender.euid]
        .iter()
        .any(|id| *id == receiver.uid || *id == receiver.suid)
}

pub fn kill(ctx: &mut Context<'_>, pid: i32, signo: u64) -> Result {
    if signo > u64::from(NSIG) {
        return Err(Errno::EINVAL);
    }
    let signo = signo as u32;
    let me = &ctx.thread.process;
    let info = SigInfo::user(signo, sig::SI_USER, me.pid, me.creds.lock().uid);
    let targets: alloc::vec::Vec<_> = match pid {
        p if p > 0 => task::process(p as u32).into_iter().collect(),
        0 => {
            let group = me.pgid.load(Ordering::Relaxed);
            task::all_processes()
                .into_iter()
                .filter(|p| p.pgid.load(Ordering::Relaxed) == group)
                .collect()
        }
        -1 => task::all_processes()
            .into_iter()
            .filter(|p| p.pid != 1 && p.pid != me.pid)
            .collect(),
        p => task::all_processes()
            .into_iter()
            .filter(|q| q.pgid.load(Ordering::Relaxed) == p.unsigned_abs())
            .collect(),
    };
    let alive: alloc::vec::Vec<_> = targets
        .into_iter()
        .filter(|p| p.exit_status.lock().is_none())
        .collect();
    if alive.is_empty() {
        return Err(Errno::ESRCH);
    }
    let allowed: alloc::vec::Vec<_> = alive
        .into_iter()
        .filter(|target| may_signal(me, target, signo))
        .collect();
    if allowed.is_empty() {
        return Err(Errno::EPERM);
    }
    for process in allowed {
        sig::send_process(&process, signo, info);
    }
    Ok(0)
}

pub fn tgkill(ctx: &mut Context<'_>, tgid: u64, tid: u64, signo: u64) -> Result {
    if signo > u64::from(NSIG) {
        return Err(Errno::EINVAL);
    }
    let thread = task::all_processes()
        .into_iter()
        .filter(|p| tgid == 0 || u64::from(p.pid) == tgid)
        .flat_map(|p| p.live_threads())
        .find(|t| u64::from(t.tid) == tid)
        .ok_or(Errno::ESRCH)?;
    let me = &ctx.thread.process;
    sig::send_thread(
        &thread,
        signo as u32,
        SigInfo::user(signo as u32, sig::SI_TKILL, me.pid, me.creds.lock().uid),
    );
    Ok(0)
}
