//! `umount`: unmount file systems, by directory or device, or all of them.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use crate::r#df::{MountEntry, mounts};
use std::ffi::CString;
use std::io::Write as _;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["umount"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: umount [-fv] directory | device ...\n       umount -a [-fv]";

/// What `-a` leaves mounted: the system cannot run without them.
const KEPT: [&str; 3] = ["/", "/proc", "/dev"];

fn main(args: &[String]) -> i32 {
    let mut all = false;
    let mut force = false;
    let mut verbose = false;
    let mut g = Getopt::new(args, "afv");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'a' => all = true,
                'f' => force = true,
                _ => verbose = true,
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let table = mounts().unwrap_or_default();
    let targets = if all {
        everything(&table)
    } else if g.operands().is_empty() {
        return usage_error(args, "missing operand", USAGE);
    } else {
        g.operands()
            .iter()
            .map(|arg| mount_point(&table, arg))
            .collect()
    };
    let flags = if force { libc::MNT_FORCE } else { 0 };
    let mut status = 0;
    for dir in targets {
        let result = CString::new(dir.as_str())
            .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))
            .and_then(|c| {
                // SAFETY: `c` is a NUL-terminated path that outlives the call.
                match unsafe { libc::umount2(c.as_ptr(), flags) } {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            });
        match result {
            Ok(()) if verbose => {
                let _ = writeln!(std::io::stdout(), "{dir} unmounted");
            }
            Ok(()) => {}
            Err(e) => {
                warn_io(args, &dir, &e);
                status = 1;
            }
        }
    }
    status
}

/// What `-a` unmounts, last mounted first.
fn everything(table: &[MountEntry]) -> Vec<String> {
    table
        .iter()
        .rev()
        .filter(|m| !KEPT.contains(&m.dir.as_str()))
        .map(|m| m.dir.clone())
        .collect()
}

/// The directory to unmount for an operand: a device names the directory it
/// was last mounted on; anything else is taken as a directory.
fn mount_point(table: &[MountEntry], arg: &str) -> String {
    if table.iter().any(|m| m.dir == arg) {
        return arg.to_string();
    }
    match table.iter().rev().find(|m| m.source == arg) {
        Some(m) => m.dir.clone(),
        None => arg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r#df::parse_mounts;

    #[test]
    fn what_is_unmounted() {
        let table = parse_mounts(
            "rootfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\ndevfs /dev devfs rw 0 0\n\
             tmpfs /tmp tmpfs rw 0 0\n/dev/x /mnt ext2 rw 0 0\ntmpfs /mnt/t tmpfs rw 0 0\n",
        );
        assert_eq!(everything(&table), ["/mnt/t", "/mnt", "/tmp"]);
        assert_eq!(mount_point(&table, "tmpfs"), "/mnt/t");
        assert_eq!(mount_point(&table, "/dev/x"), "/mnt");
        assert_eq!(mount_point(&table, "/tmp"), "/tmp");
        assert_eq!(mount_point(&table, "/elsewhere"), "/elsewhere");
    }
}
