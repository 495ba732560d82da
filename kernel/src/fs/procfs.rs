//! /proc: processes and kernel state, generated when read.
//!
//! Nodes are made on lookup; their contents are rendered on each read, so a
//! reader always sees the present state.

use super::node::{Body, Node, NodeRef, S_IFDIR, S_IFLNK, S_IFREG};
use crate::task::{self, Process};
use abi::errno::Errno;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

/// The device number all of /proc reports.
const PROC_DEV: u64 = 0x16;

/// What a /proc node shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Root,
    SelfLink,
    Meminfo,
    Mounts,
    Uptime,
    Cpuinfo,
    Pid(u32),
    Stat(u32),
    Status(u32),
    Cmdline(u32),
    Exe(u32),
    FdDir(u32),
    Fd(u32, i32),
}

fn ino(entry: Entry) -> u64 {
    let (kind, pid, fd): (u64, u32, i32) = match entry {
        Entry::Root => (1, 0, 0),
        Entry::SelfLink => (2, 0, 0),
        Entry::Meminfo => (3, 0, 0),
        Entry::Mounts => (4, 0, 0),
        Entry::Uptime => (5, 0, 0),
        Entry::Cpuinfo => (6, 0, 0),
        Entry::Pid(p) => (7, p, 0),
        Entry::Stat(p) => (8, p, 0),
        Entry::Status(p) => (9, p, 0),
        Entry::Cmdline(p) => (10, p, 0),
        Entry::Exe(p) => (11, p, 0),
        Entry::FdDir(p) => (12, p, 0),
        Entry::Fd(p, f) => (13, p, f),
    };
    (1 << 62) | (kind << 48) | (u64::from(pid) << 20) | u64::from(fd as u32)
}

/// A node for `entry`, owned by the process it describes.
fn node(entry: Entry) -> NodeRef {
    let mode = match entry {
        Entry::Root | Entry::Pid(_) | Entry::FdDir(_) => S_IFDIR | 0o555,
        Entry::SelfLink | Entry::Exe(_) | Entry::Fd(..) => S_IFLNK | 0o777,
        _ => S_IFREG | 0o444,
    };
    let owner = match entry {
        Entry::Pid(p)
        | Entry::Stat(p)
        | Entry::Status(p)
        | Entry::Cmdline(p)
        | Entry::Exe(p)
        | Entry::FdDir(p)
        | Entry::Fd(p, _) => task::process(p).map(|p| p.creds.lock().uid).unwrap_or(0),
        _ => 0,
    };
    let node = Node::with_ino(PROC_DEV, ino(entry), mode, Body::Proc(entry));
    node.meta.lock().uid = owner;
    node
}

/// The root of a new /proc mount.
pub fn root() -> NodeRef {
    node(Entry::Root)
}

fn process(pid: u32) -> Result<Arc<Process>, Errno> {
    task::process(pid).ok_or(Errno::ENOENT)
}

/// Looks `name` up in a /proc directory.
pub fn lookup(dir: Entry, name: &str) -> Result<NodeRef, Errno> {
    let entry = match (dir, name) {
        (Entry::Root, "self") => Entry::SelfLink,
        (Entry::Root, "meminfo") => Entry::Meminfo,
        (Entry::Root, "mounts") => Entry::Mounts,
        (Entry::Root, "uptime") => Entry::Uptime,
        (Entry::Root, "cpuinfo") => Entry::Cpuinfo,
        (Entry::Root, pid) => {
            let pid: u32 = pid.parse().map_err(|_| Errno::ENOENT)?;
            process(pid)?;
            Entry::Pid(pid)
        }
        (Entry::Pid(p), "stat") => Entry::Stat(p),
        (Entry::Pid(p), "status") => Entry::Status(p),
        (Entry::Pid(p), "cmdline") => Entry::Cmdline(p),
        (Entry::Pid(p), "exe") => Entry::Exe(p),
        (Entry::Pid(p), "fd") => Entry::FdDir(p),
        (Entry::FdDir(p), fd) => {
            let fd: i32 = fd.parse().map_err(|_| Errno::ENOENT)?;
            process(p)?
                .files
                .lock()
                .get(fd)
                .map_err(|_| Errno::ENOENT)?;
            Entry::Fd(p, fd)
        }
        _ => return Err(Errno::ENOENT),
    };
    Ok(node(entry))
}

/// Lists a /proc directory.
pub fn entries(dir: Entry) -> Result<Vec<(String, NodeRef)>, Errno> {
    let names: Vec<(String, Entry)> = match dir {
        Entry::Root => {
            let mut list: Vec<(String, Entry)> = ["self", "meminfo", "mounts", "uptime", "cpuinfo"]
                .iter()
                .map(|n| (n.to_string(), lookup_entry(Entry::Root, n)))
                .collect();
            let mut pids: Vec<u32> = task::all_processes().iter().map(|p| p.pid).collect();
            pids.sort_unstable();
            list.extend(pids.into_iter().map(|p| (p.to_string(), Entry::Pid(p))));
            list
        }
        Entry::Pid(p) => ["stat", "status", "cmdline", "exe", "fd"]
            .iter()
            .map(|n| (n.to_string(), lookup_entry(Entry::Pid(p), n)))
            .collect(),
        Entry::FdDir(p) => process(p)?
            .files
            .lock()
            .open_fds()
            .map(|(fd, _)| (fd.to_string(), Entry::Fd(p, fd)))
            .collect(),
        _ => return Err(Errno::ENOTDIR),
    };
    Ok(names
        .into_iter()
        .map(|(name, entry)| (name, node(entry)))
        .collect())
}

fn lookup_entry(dir: Entry, name: &str) -> Entry {
    match lookup(dir, name) {
        Ok(n) => match n.body {
            Body::Proc(e) => e,
            _ => Entry::Root,
        },
        Err(_) => Entry::Root,
    }
}

/// Where a /proc symlink points.
pub fn link_target(entry: Entry) -> Result<String, Errno> {
    match entry {
        Entry::SelfLink => Ok(task::sched::current().process.pid.to_string()),
        Entry::Exe(p) => Ok(process(p)?.exe.lock().clone()),
        Entry::Fd(p, fd) => {
            let file = process(p)?
                .files
                .lock()
                .get(fd)
                .map_err(|_| Errno::ENOENT)?;
            Ok(match file.location() {
                Some(location) => location.path(),
                None => format!("pipe:[{}]", fd),
            })
        }
        _ => Err(Errno::EINVAL),
    }
}

fn state_letter(process: &Process) -> char {
    if process.exit_status.lock().is_some() {
        return 'Z';
    }
    if process.stopped.load(Ordering::Relaxed) {
        return 'T';
    }
    let running = task::sched::try_current().is_some_and(|t| t.process.pid == process.pid);
    if running { 'R' } else { 'S' }
}

/// The signal lines of /proc/<pid>/status, as Linux writes them (hex
/// masks, bit n-1 for signal n): pending, blocked (the first thread's),
/// ignored and caught.
fn signal_lines(process: &Arc<Process>) -> String {
    let pending = process.pending.lock().set.0;
    let blocked = process
        .live_threads()
        .first()
        .map_or(0, |t| t.sigmask.lock().0);
    let actions = process.sigactions.lock();
    let (mut ignored, mut caught) = (0u64, 0u64);
    for (signo, action) in actions.0.iter().enumerate().skip(1) {
        let bit = 1u64 << (signo - 1);
        match action.handler {
            task::signal::SIG_DFL => {}
            task::signal::SIG_IGN => ignored |= bit,
            _ => caught |= bit,
        }
    }
    format!(
        "ShdPnd:\t{pending:016x}\nSigBlk:\t{blocked:016x}\nSigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}\n"
    )
}

fn ticks_since(tsc: u64) -> u64 {
    let hz = crate::time::tsc_hz().max(1);
    crate::arch::cpu::rdtsc().saturating_sub(tsc) * u64::from(crate::time::TICK_HZ) / hz
}

/// Renders a /proc file.
pub fn contents(entry: Entry) -> Result<Vec<u8>, Errno> {
    let text = match entry {
        Entry::Meminfo => {
            let total = crate::start::total_memory() / 1024;
            let free = crate::mm::free_frames() as u64 * 4;
            // The kernel heap (which also holds tmpfs files) as Linux's Slab.
            let (heap_used, heap_size) = crate::mm::heap::usage();
            let (slab, heap) = (heap_used / 1024, heap_size / 1024);
            format!(
                "MemTotal:       {total:8} kB\nMemFree:        {free:8} kB\nMemAvailable:   {free:8} kB\nBuffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nSlab:           {slab:8} kB\nKernelHeap:     {heap:8} kB\n"
            )
        }
        Entry::Mounts => super::path::mounts()
            .iter()
            .map(|m| format!("{} {} {} rw 0 0\n", m.source, m.target, m.fstype))
            .collect(),
        Entry::Uptime => {
            let ms = crate::time::monotonic_nanos() / 1_000_000;
            format!(
                "{}.{:02} {}.{:02}\n",
                ms / 1000,
                (ms % 1000) / 10,
                ms / 1000,
                (ms % 1000) / 10
            )
        }
        Entry::Cpuinfo => {
            let mhz = crate::time::tsc_hz() / 1_000_000;
            format!(
                "processor\t: 0\nvendor_id\t: {}\nmodel name\t: x86_64\ncpu MHz\t\t: {mhz}\ncpu cores\t: 1\nflags\t\t: fpu tsc msr pae cx8 apic sep pge cmov fxsr sse sse2 syscall nx lm\n\n",
                vendor()
            )
        }
        Entry::Stat(p) => {
            let proc = process(p)?;
            let comm = comm(&proc);
            let vsize: u64 = proc.vm.lock().vmas().map(|(s, v)| v.end - s).sum();
            let tty = *proc.ctty.lock();
            // Linux's encoding of a device number in tty_nr.
            let tty_nr = tty.map_or(0, |t| {
                let (major, minor) = t.device;
                (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
            });
            let foreground = tty.and_then(|t| t.foreground()).map_or(-1, i64::from);
            format!(
                "{} ({}) {} {} {} {} {tty_nr} {foreground} 0 0 0 0 0 {} 0 {} 0 20 0 {} 0 {} {} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                proc.pid,
                comm,
                state_letter(&proc),
                proc.ppid(),
                proc.pgid.load(Ordering::Relaxed),
                proc.sid.load(Ordering::Relaxed),
                proc.cpu_ticks.load(Ordering::Relaxed),
                proc.children_cpu_ticks.load(Ordering::Relaxed),
                proc.live_threads().len(),
                ticks_since(0).saturating_sub(ticks_since(proc.started)),
                vsize
            )
        }
        Entry::Status(p) => {
            let proc = process(p)?;
            let c = proc.creds.lock().clone();
            format!(
                "Name:\t{}\nState:\t{}\nTgid:\t{}\nPid:\t{}\nPPid:\t{}\nUid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nThreads:\t{}\n",
                comm(&proc),
                state_letter(&proc),
                proc.pid,
                proc.pid,
                proc.ppid(),
                c.uid,
                c.euid,
                c.suid,
                c.euid,
                c.gid,
                c.egid,
                c.sgid,
                c.egid,
                proc.live_threads().len()
            ) + &signal_lines(&proc)
        }
        Entry::Cmdline(p) => {
            let proc = process(p)?;
            let mut out = Vec::new();
            for arg in proc.cmdline.lock().iter() {
                out.extend_from_slice(arg.as_bytes());
                out.push(0);
            }
            return Ok(out);
        }
        _ => return Err(Errno::EISDIR),
    };
    Ok(text.into_bytes())
}

fn comm(process: &Process) -> String {
    let exe = process.cmdline.lock().first().cloned().unwrap_or_default();
    let base = exe.rsplit('/').next().unwrap_or("").to_string();
    base.chars().take(15).collect()
}

fn vendor() -> String {
    let r = crate::arch::cpu::cpuid(0);
    let bytes: Vec<u8> = [r.ebx, r.edx, r.ecx]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
