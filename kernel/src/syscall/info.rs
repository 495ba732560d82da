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

use abi::process::{
    LINUX_REBOOT_CMD_CAD_OFF, LINUX_REBOOT_CMD_CAD_ON, LINUX_REBOOT_CMD_HALT,
    LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
    LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C,
};

pub fn reboot(ctx: &mut Context<'_>, magic1: u64, magic2: u64, cmd: u64) -> Result {
    let magic2_ok = [
        LINUX_REBOOT_MAGIC2,
        LINUX_REBOOT_MAGIC2A,
        LINUX_REBOOT_MAGIC2B,
        LINUX_REBOOT_MAGIC2C,
    ]
    .contains(&(magic2 as u32));
    if magic1 as u32 != LINUX_REBOOT_MAGIC1 || !magic2_ok {
        return Err(Errno::EINVAL);
    }
    if ctx.thread.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    if matches!(
        cmd as u32,
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_RESTART | LINUX_REBOOT_CMD_HALT
    ) && let Err(e) = crate::fs::sync_all()
    {
        log::error!("sync before {cmd:#x}: {e:?}");
    }
    match cmd as u32 {
        LINUX_REBOOT_CMD_POWER_OFF => crate::platform::power::power_off(),
        LINUX_REBOOT_CMD_RESTART => crate::platform::power::reboot(),
        LINUX_REBOOT_CMD_HALT => {
            log::info!("system halted");
            crate::arch::cpu::halt_forever()
        }
        LINUX_REBOOT_CMD_CAD_ON | LINUX_REBOOT_CMD_CAD_OFF => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// syslog(2): reading (3, 4) and clearing (4, 5) the kernel log, and its
/// size (10). Console-level changes (6-8) are accepted and do nothing.
pub fn syslog(ctx: &mut Context<'_>, action: u64, buf: u64, len: u64) -> Result {
    const READ_ALL: u64 = 3;
    const READ_CLEAR: u64 = 4;
    const CLEAR: u64 = 5;
    const SIZE_UNREAD: u64 = 9;
    const SIZE_BUFFER: u64 = 10;
    let root = ctx.thread.process.creds.lock().euid == 0;
    match action {
        0 | 1 => Ok(0),
        READ_ALL | READ_CLEAR => {
            if action == READ_CLEAR && !root {
                return Err(Errno::EPERM);
            }
            if (len as i64) < 0 {
                return Err(Errno::EINVAL);
            }
            let mut out = alloc::vec![0u8; (len as usize).min(crate::klog::RING_SIZE)];
            let n = {
                let mut ring = crate::klog::RING.lock();
                let n = ring.read_all(&mut out);
                if action == READ_CLEAR {
                    ring.clear();
                }
                n
            };
            ctx.mem().write(buf, &out[..n])?;
            Ok(n as u64)
        }
        CLEAR | 6..=8 if !root => Err(Errno::EPERM),
        CLEAR => {
            crate::klog::RING.lock().clear();
            Ok(0)
        }
        6..=8 => Ok(0),
        SIZE_UNREAD => Ok(0),
        SIZE_BUFFER => Ok(crate::klog::RING_SIZE as u64),
        _ => Err(Errno::EINVAL),
    }
}
