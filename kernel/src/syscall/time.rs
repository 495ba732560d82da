//! Clocks and sleeping.

use super::{Context, Result};
use crate::time;
use abi::errno::Errno;

const TIMER_ABSTIME: u64 = abi::time::TIMER_ABSTIME as u64;

fn now(clock: u64) -> Result<(i64, u32)> {
    match clock {
        // REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI.
        0 | 5 | 8 | 11 => Ok(time::realtime()),
        // MONOTONIC(_RAW, _COARSE), BOOTTIME(_ALARM), process and thread CPU time.
        1 | 2 | 3 | 4 | 6 | 7 | 9 => {
            let n = time::monotonic_nanos();
            Ok(((n / 1_000_000_000) as i64, (n % 1_000_000_000) as u32))
        }
        _ => Err(Errno::EINVAL),
    }
}

fn write_timespec(ctx: &Context<'_>, addr: u64, (secs, nanos): (i64, u32)) -> Result<()> {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&secs.to_le_bytes());
    b[8..].copy_from_slice(&u64::from(nanos).to_le_bytes());
    ctx.mem().write(addr, &b)
}

fn read_timespec(ctx: &Context<'_>, addr: u64) -> Result<(i64, u64)> {
    let secs = ctx.mem().read_u64(addr)? as i64;
    let nanos = ctx.mem().read_u64(addr + 8)?;
    if secs < 0 || nanos >= 1_000_000_000 {
        return Err(Errno::EINVAL);
    }
    Ok((secs, nanos))
}

pub fn clock_gettime(ctx: &mut Context<'_>, clock: u64, addr: u64) -> Result {
    let t = now(clock)?;
    write_timespec(ctx, addr, t)?;
    Ok(0)
}

pub fn clock_getres(ctx: &mut Context<'_>, addr: u64) -> Result {
    if addr != 0 {
        write_timespec(ctx, addr, (0, 1))?;
    }
    Ok(0)
}

pub fn gettimeofday(ctx: &mut Context<'_>, addr: u64) -> Result {
    if addr != 0 {
        let (secs, nanos) = time::realtime();
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&secs.to_le_bytes());
        b[8..].copy_from_slice(&u64::from(nanos / 1000).to_le_bytes());
        ctx.mem().write(addr, &b)?;
    }
    Ok(0)
}

pub fn time(ctx: &mut Context<'_>, addr: u64) -> Result {
    let secs = time::realtime().0 as u64;
    if addr != 0 {
        ctx.mem().write_u64(addr, secs)?;
    }
    Ok(secs)
}

/// Sleeps for a relative duration in ticks (rounded up).
fn sleep_nanos(nanos: u64) -> Result<()> {
    let ticks = nanos.div_ceil(1_000_000_000 / u64::from(time::TICK_HZ));
    time::sleep_ticks(ticks)
}

pub fn nanosleep(ctx: &mut Context<'_>, req: u64, _rem: u64) -> Result {
    let (secs, nanos) = read_timespec(ctx, req)?;
    sleep_nanos(secs as u64 * 1_000_000_000 + nanos)?;
    Ok(0)
}

pub fn clock_nanosleep(
    ctx: &mut Context<'_>,
    clock: u64,
    flags: u64,
    req: u64,
    _rem: u64,
) -> Result {
    let (secs, nanos) = read_timespec(ctx, req)?;
    let mut wait = secs as u64 * 1_000_000_000 + nanos;
    if flags & TIMER_ABSTIME != 0 {
        let (now_s, now_ns) = now(clock)?;
        let current = now_s as u64 * 1_000_000_000 + u64::from(now_ns);
        wait = wait.saturating_sub(current);
    }
    sleep_nanos(wait)?;
    Ok(0)
}

pub fn times(ctx: &mut Context<'_>, addr: u64) -> Result {
    // All of a process's time counts as user time: the kernel does not
    // split user and system time.
    let process = &ctx.thread.process;
    let own = process
        .cpu_ticks
        .load(core::sync::atomic::Ordering::Relaxed);
    let children = process
        .children_cpu_ticks
        .load(core::sync::atomic::Ordering::Relaxed);
    if addr != 0 {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&own.to_le_bytes());
        b[16..24].copy_from_slice(&children.to_le_bytes());
        ctx.mem().write(addr, &b)?;
    }
    Ok(time::ticks())
}

/// clock_settime(2) for CLOCK_REALTIME, by root.
pub fn clock_settime(ctx: &mut Context<'_>, clock: u64, ts: u64) -> Result {
    if clock != 0 {
        return Err(Errno::EINVAL);
    }
    if ctx.thread.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let secs = ctx.mem().read_u64(ts)?;
    let nanos = ctx.mem().read_u64(ts + 8)?;
    if (secs as i64) < 0 || nanos >= 1_000_000_000 {
        return Err(Errno::EINVAL);
    }
    time::set_realtime(secs, nanos as u32);
    Ok(0)
}

/// settimeofday(2): the time (microseconds) as clock_settime; the time
/// zone argument is obsolete and ignored.
pub fn settimeofday(ctx: &mut Context<'_>, tv: u64) -> Result {
    if tv == 0 {
        return Ok(0);
    }
    if ctx.thread.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let secs = ctx.mem().read_u64(tv)?;
    let micros = ctx.mem().read_u64(tv + 8)?;
    if (secs as i64) < 0 || micros >= 1_000_000 {
        return Err(Errno::EINVAL);
    }
    time::set_realtime(secs, micros as u32 * 1000);
    Ok(0)
}
