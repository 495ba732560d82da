//! Reading processes from /proc/<pid>/{stat,status,cmdline}.

use crate::r#ls::ids::Ids;
use crate::r#ls::modes;
use std::collections::HashMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

/// What ps shows of one process.
pub struct Process {
    pub pid: i32,
    pub comm: String,
    pub state: char,
    pub ppid: i32,
    pub pgid: i32,
    pub sid: i32,
    pub tty_nr: u64,
    pub tpgid: i32,
    pub nice: i64,
    pub threads: i64,
    /// User and system time, in clock ticks.
    pub cpu_ticks: u64,
    /// Start time after boot, in clock ticks.
    pub start_ticks: u64,
    pub vsize: u64,
    pub rss_pages: u64,
    pub euid: u32,
    pub args: Vec<String>,
}

impl Process {
    pub fn read(pid: i32) -> Option<Process> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let comm = stat[open + 1..close].to_string();
        let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let uids: Vec<u32> = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .map(|l| {
                l.split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args = cmdline
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        Some(Process {
            pid,
            comm,
            state: f.first().and_then(|s| s.chars().next()).unwrap_or('?'),
            ppid: num(1) as i32,
            pgid: num(2) as i32,
            sid: num(3) as i32,
            tty_nr: num(4) as u64,
            tpgid: num(5) as i32,
            cpu_ticks: (num(11) + num(12)) as u64,
            nice: num(16),
            threads: num(17),
            start_ticks: num(19) as u64,
            vsize: num(20) as u64,
            rss_pages: num(21) as u64,
            euid: uids.get(1).copied().unwrap_or(0),
            args,
        })
    }
}

/// Every process, and what is needed to show times and memory.
pub struct System {
    pub processes: Vec<Process>,
    boot: i64,
    now: i64,
    hz: u64,
    page_size: u64,
    mem_total_kb: u64,
}

impl System {
    pub fn read() -> std::io::Result<System> {
        let mut pids: Vec<i32> = std::fs::read_dir("/proc")?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable();
        let now = modes::now();
        let uptime: f64 = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|t| t.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        let mem_total_kb = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or(0);
        // SAFETY: sysconf only reads configuration.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        // SAFETY: as above.
        let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
        Ok(System {
            processes: pids.into_iter().filter_map(Process::read).collect(),
            boot: now - uptime as i64,
            now,
            hz,
            page_size,
            mem_total_kb,
        })
    }

    fn started(&self, p: &Process) -> i64 {
        self.boot + (p.start_ticks / self.hz) as i64
    }

    /// Percent of one CPU used since the process started.
    fn cpu_percent(&self, p: &Process) -> f64 {
        let elapsed = (self.now - self.started(p)).max(1) as f64;
        p.cpu_ticks as f64 / self.hz as f64 * 100.0 / elapsed
    }

    /// One column of one process.
    pub fn field(&self, p: &Process, name: &str, ids: &mut Ids, ttys: &mut TtyNames) -> String {
        let rss_kb = p.rss_pages * self.page_size / 1024;
        match name {
            "pid" => p.pid.to_string(),
            "ppid" => p.ppid.to_string(),
            "pgid" => p.pgid.to_string(),
            "sid" => p.sid.to_string(),
            "uid" => p.euid.to_string(),
            "user" => ids.user_name(p.euid),
            "stat" => stat_flags(p),
            "tty" => ttys.name(p.tty_nr),
            "time" => {
                let s = p.cpu_ticks / self.hz;
                let days = s / 86400;
                let clock = format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60);
                if days > 0 {
                    format!("{days}-{clock}")
                } else {
                    clock
                }
            }
            "bsdtime" => {
                let s = p.cpu_ticks / self.hz;
                format!("{}:{:02}", s / 60, s % 60)
            }
            "comm" => p.comm.clone(),
            "args" => {
                if p.args.is_empty() {
                    format!("[{}]", p.comm)
                } else {
                    p.args.join(" ")
                }
            }
            "rss" => rss_kb.to_string(),
            "vsz" => (p.vsize / 1024).to_string(),
            "c" => (self.cpu_percent(p) as u64).to_string(),
            "pcpu" => format!("{:.1}", self.cpu_percent(p)),
            "pmem" if self.mem_total_kb > 0 => {
                format!("{:.1}", rss_kb as f64 * 100.0 / self.mem_total_kb as f64)
            }
            "pmem" => "0.0".to_string(),
            _ => start_time(self.started(p), self.now),
        }
    }
}

/// `HH:MM` for today's processes, `Nov23` for older, the year for last year's.
fn start_time(started: i64, now: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let tm = modes::local_time(started);
    if now - started < 86400 {
        format!("{:02}:{:02}", tm.tm_hour, tm.tm_min)
    } else if now - started < 365 * 86400 {
        format!(
            "{}{:02}",
            MONTHS[tm.tm_mon.clamp(0, 11) as usize],
            tm.tm_mday
        )
    } else {
        (tm.tm_year + 1900).to_string()
    }
}

/// The state letter and BSD's extra marks: `<` high and `N` low priority,
/// `s` session leader, `l` threads, `+` in the foreground group.
fn stat_flags(p: &Process) -> String {
    let mut s = p.state.to_string();
    if p.nice < 0 {
        s.push('<');
    } else if p.nice > 0 {
        s.push('N');
    }
    if p.pid == p.sid {
        s.push('s');
    }
    if p.threads > 1 {
        s.push('l');
    }
    if p.tty_nr != 0 && p.tpgid == p.pgid {
        s.push('+');
    }
    s
}

/// Terminal names by device number, found by looking at /dev (so they are
/// right on Linux's ttyS0 and pts/0 and on Basalt's ttyu0 and ttyv0 alike).
#[derive(Default)]
pub struct TtyNames {
    names: Option<HashMap<u64, String>>,
}

impl TtyNames {
    pub fn name(&mut self, tty_nr: u64) -> String {
        if tty_nr == 0 {
            return "?".to_string();
        }
        let names = self.names.get_or_insert_with(scan_dev);
        // tty_nr packs major in bits 8-15 and minor in 0-7 and 20-31.
        let major = (tty_nr >> 8) & 0xfff;
        let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
        let dev = libc::makedev(major as u32, minor as u32);
        names.get(&dev).cloned().unwrap_or_else(|| "?".to_string())
    }
}

fn scan_dev() -> HashMap<u64, String> {
    let mut names = HashMap::new();
    for (dir, prefix) in [("/dev/pts", "pts/"), ("/dev", "")] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        // In name order, so a device with two names always shows the same one.
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            // /dev/tty and /dev/console stand for other terminals; skip them.
            if meta.file_type().is_char_device() && name != "tty" && name != "console" {
                names
                    .entry(meta.rdev())
                    .or_insert(format!("{prefix}{name}"));
            }
        }
    }
    names
}
