//! System information, randomness, hostname and reboot.

use super::{Context, Result};
use abi::errno::Errno;
use spin::Mutex;

static HOSTNAME: Mutex<([u8; 65], usize)> = Mutex::new((*b"basalt\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 6));

pub fn uname(ctx: &mut Context<'_>, addr: u64) -> Result {
    let mut b = [0u8; 65 * 6];
    let (host, len) = *HOSTNAME.lock();
    let fields: [&[u8]; 6] = [
        b"Basalt",
        &host[..len],
        crate::VERSION.as_bytes(),
        crate::GIT_REVISION.as_bytes(),
        b"x86_64",
        b"(none)",
    ];
    for (i, field) in fields.iter().enumerate() {
        let n = field.len().min(64);
        b[i * 65..i * 65 + n].copy_from_slice(&field[..n]);
    }
    ctx.mem().write(addr, &b)?;
    Ok(0)
}

pub fn sethostname(ctx: &mut Context<'_>, addr: u64, len: u64) -> Result {
    if len > 64 {
        return Err(Errno::EINVAL);
    }
    let name = ctx.mem().read_vec(addr, len as usize)?;
    let mut host = HOSTNAME.lock();
    host.0 = [0; 65];
    host.0[..name.len()].copy_from_slice(&name);
    host.1 = name.len();
    Ok(0)
}

pub fn sysinfo(ctx: &mut Context<'_>, addr: u64) -> Result {
    let mut b = [0u8; 112];
    let uptime = crate::time::monotonic_nanos() / 1_000_000_000;
    let free = crate::mm::free_frames() as u64 * crate::mm::PAGE_SIZE;
    b[0..8].copy_from_slice(&uptime.to_le_bytes());
    b[32..40].copy_from_slice(&crate::start::total_memory().to_le_bytes());
    b[40..48].copy_from_slice(&free.to_le_bytes());
    b[80..82].copy_from_slice(&(crate::task::all_processes().len() as u16).to_le_bytes());
    b[104..108].copy_from_slice(&1u32.to_le_bytes());
    ctx.mem().write(addr, &b)?;
    Ok(0)
}

pub fn getrandom(ctx: &mut Context<'_>, addr: u64, len: u64) -> Result {
    let mut buf = alloc::vec![0u8; (len as usize).min(1 << 20)];
    crate::random::fill(&mut buf);
    ctx.mem().write(addr, &buf)?;
    Ok(buf.len() as u64)
}

const MAGIC1: u64 = 0xfee1_dead;
const CMD_RESTART: u64 = 0x0123_4567;
const CMD_HALT: u64 = 0xcdef_0123;
const CMD_POWER_OFF: u64 = 0x4321_fedc;
const CMD_CAD_ON: u64 = 0x89ab_cdef;
const CMD_CAD_OFF: u64 = 0;

pub fn reboot(ctx: &mut Context<'_>, magic1: u64, magic2: u64, cmd: u64) -> Result {
    if magic1 as u32 != MAGIC1 as u32
        || !matches!(
            magic2 as u32,
            0x2812_1969 | 0x0512_1996 | 0x1604_1998 | 0x2011_2000
        )
    {
        return Err(Errno::EINVAL);
    }
    if ctx.thread.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    match cmd as u32 {
        c if c == CMD_POWER_OFF as u32 => crate::platform::power::power_off(),
        c if c == CMD_RESTART as u32 => crate::platform::power::reboot(),
        c if c == CMD_HALT as u32 => {
            log::info!("system halted");
            crate::arch::cpu::halt_forever()
        }
        c if c == CMD_CAD_ON as u32 || c == CMD_CAD_OFF as u32 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
