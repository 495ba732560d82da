//! `mount`: list mounted file systems, or mount one, or everything in
//! /etc/fstab.

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use crate::r#df::{MountEntry, mounts, parse_mounts};
use std::ffi::CString;
use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["mount"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: mount [-arv] [-t type] [-o options] [device] [directory]";

/// Mount options split into mount(2) flags and the file system's own data.
#[derive(Debug, PartialEq)]
pub struct Options {
    pub flags: libc::c_ulong,
    pub data: String,
}

/// Turns `ro,nosuid,size=1m` into flags and `size=1m`.
pub fn parse_options(list: &str) -> Options {
    let mut flags: libc::c_ulong = 0;
    let mut data = Vec::new();
    for option in list.split(',').filter(|o| !o.is_empty()) {
        let (set, clear) = match option {
            "ro" => (libc::MS_RDONLY, 0),
            "rw" => (0, libc::MS_RDONLY),
            "remount" => (libc::MS_REMOUNT, 0),
            "nosuid" => (libc::MS_NOSUID, 0),
            "suid" => (0, libc::MS_NOSUID),
            "nodev" => (libc::MS_NODEV, 0),
            "dev" => (0, libc::MS_NODEV),
            "noexec" => (libc::MS_NOEXEC, 0),
            "exec" => (0, libc::MS_NOEXEC),
            "sync" => (libc::MS_SYNCHRONOUS, 0),
            "async" => (0, libc::MS_SYNCHRONOUS),
            "noatime" => (libc::MS_NOATIME, 0),
            "atime" => (0, libc::MS_NOATIME),
            "nodiratime" => (libc::MS_NODIRATIME, 0),
            "relatime" => (libc::MS_RELATIME, 0),
            "strictatime" => (libc::MS_STRICTATIME, 0),
            "bind" => (libc::MS_BIND, 0),
            "rbind" => (libc::MS_BIND | libc::MS_REC, 0),
            // fstab's words for mount(8) itself, not for the kernel.
            "defaults" | "auto" | "noauto" | "user" | "nouser" | "users" | "nofail" | "_netdev" => {
                (0, 0)
            }
            other => {
                data.push(other);
                (0, 0)
            }
        };
        flags = (flags | set) & !clear;
    }
    Options {
        flags,
        data: data.join(","),
    }
}

fn c_string(s: &str) -> std::io::Result<CString> {
    CString::new(s).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))
}

/// mount(2).
pub fn mount(source: &str, dir: &str, fstype: &str, options: &Options) -> std::io::Result<()> {
    let source = c_string(source)?;
    let dir = c_string(dir)?;
    let fstype = c_string(fstype)?;
    let data = c_string(&options.data)?;
    let data_ptr = if options.data.is_empty() {
        std::ptr::null()
    } else {
        data.as_ptr().cast()
    };
    // SAFETY: every pointer is NUL-terminated (or null for no data) and outlives the call.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            dir.as_ptr(),
            fstype.as_ptr(),
            options.flags,
            data_ptr,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn fstab() -> Vec<MountEntry> {
    std::fs::read_to_string("/etc/fstab")
        .map(|t| parse_mounts(&t))
        .unwrap_or_default()
}

fn main(args: &[String]) -> i32 {
    let mut all = false;
    let mut verbose = false;
    let mut fstype = None;
    let mut extra = Vec::new();
    let mut g = Getopt::new(args, "arvt:o:");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'a' => all = true,
                'r' => extra.push("ro".to_string()),
                'v' => verbose = true,
                't' => fstype = value,
                _ => extra.push(value.unwrap_or_default()),
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let extra = extra.join(",");
    if all {
        return mount_all(args, fstype.as_deref(), &extra, verbose);
    }
    match g.operands() {
        [] => list(args, fstype.as_deref()),
        [one] => {
            let remount = parse_options(&extra).flags & libc::MS_REMOUNT != 0;
            let table = if remount {
                mounts().unwrap_or_default()
            } else {
                fstab()
            };
            let Some(entry) = table
                .iter()
                .rev()
                .find(|e| &e.dir == one || &e.source == one)
            else {
                let place = if remount {
                    "/proc/mounts"
                } else {
                    "/etc/fstab"
                };
                warn(args, format!("{one}: not found in {place}"));
                return 1;
            };
            let options = if remount {
                extra.clone()
            } else {
                format!("{},{extra}", entry.options)
            };
            let fstype = fstype.unwrap_or_else(|| entry.fstype.clone());
            one_mount(args, &entry.source, &entry.dir, &fstype, &options, verbose)
        }
        [source, dir] => {
            let from_fstab = fstab().into_iter().find(|e| &e.dir == dir);
            let Some(fstype) = fstype.or_else(|| from_fstab.map(|e| e.fstype)) else {
                warn(
                    args,
                    format!("{dir}: no file system type given (-t) or in /etc/fstab"),
                );
                return 1;
            };
            one_mount(args, source, dir, &fstype, &extra, verbose)
        }
        [_, _, third, ..] => usage_error(args, &format!("extra operand {third}"), USAGE),
    }
}

fn one_mount(
    args: &[String],
    source: &str,
    dir: &str,
    fstype: &str,
    options: &str,
    verbose: bool,
) -> i32 {
    match mount(source, dir, fstype, &parse_options(options)) {
        Ok(()) => {
            if verbose {
                let _ = writeln!(std::io::stdout(), "{source} on {dir} type {fstype}");
            }
            0
        }
        Err(e) => {
            warn_io(args, format!("{source} on {dir}"), &e);
            1
        }
    }
}

/// `dev on /dir type fs (opts)` for each mounted file system.
fn list(args: &[String], fstype: Option<&str>) -> i32 {
    let table = match mounts() {
        Ok(table) => table,
        Err(e) => {
            warn_io(args, "/proc/mounts", &e);
            return 1;
        }
    };
    let mut out = std::io::stdout().lock();
    for m in table
        .iter()
        .filter(|m| fstype.is_none_or(|t| t == m.fstype))
    {
        if writeln!(
            out,
            "{} on {} type {} ({})",
            m.source, m.dir, m.fstype, m.options
        )
        .is_err()
        {
            break;
        }
    }
    0
}

/// Mounts the /etc/fstab entries not marked `noauto`, not swap and not
/// mounted already.
fn mount_all(args: &[String], fstype: Option<&str>, extra: &str, verbose: bool) -> i32 {
    let mut status = 0;
    for e in wanted(&fstab(), &mounts().unwrap_or_default(), fstype) {
        let options = format!("{},{extra}", e.options);
        if one_mount(args, &e.source, &e.dir, &e.fstype, &options, verbose) != 0 {
            status = 1;
        }
    }
    status
}

/// The fstab entries `-a` mounts: not `noauto`, not swap, not of another
/// type than asked for, and not mounted already.
fn wanted<'a>(
    fstab: &'a [MountEntry],
    mounted: &[MountEntry],
    fstype: Option<&str>,
) -> Vec<&'a MountEntry> {
    fstab
        .iter()
        .filter(|e| {
            e.fstype != "swap"
                && e.dir != "none"
                && !e.options.split(',').any(|o| o == "noauto")
                && fstype.is_none_or(|t| t == e.fstype)
                && !mounted.iter().any(|m| m.dir == e.dir)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = parse_options("defaults,ro,nosuid,size=1m,mode=755");
        assert_eq!(o.flags, libc::MS_RDONLY | libc::MS_NOSUID);
        assert_eq!(o.data, "size=1m,mode=755");
        assert_eq!(parse_options("ro,rw").flags, 0);
        assert_eq!(
            parse_options("remount,ro").flags,
            libc::MS_REMOUNT | libc::MS_RDONLY
        );
    }

    #[test]
    fn mount_all_skips_noauto_swap_and_mounted() {
        let fstab = parse_mounts(
            "/dev/vda1 / ext2 rw 1 1\n\
             /dev/vda2 none swap sw 0 0\n\
             proc /proc proc defaults 0 0\n\
             tmpfs /tmp tmpfs size=10m 0 0\n\
             tmpfs /mnt tmpfs noauto 0 0\n",
        );
        let mounted = parse_mounts("rootfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n");
        let dirs: Vec<&str> = wanted(&fstab, &mounted, None)
            .iter()
            .map(|e| e.dir.as_str())
            .collect();
        assert_eq!(dirs, ["/tmp"]);
        assert!(wanted(&fstab, &mounted, Some("proc")).is_empty());
    }
}
