//! `chown`: change the owner and group of files, by name or number.

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use crate::r#ls::ids::Ids;
use std::ffi::CString;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["chown"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: chown [-hR] owner[:group] file ...\n       chown [-hR] :group file ...";

/// The ids to set; None leaves that one alone.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Owner {
    uid: Option<u32>,
    gid: Option<u32>,
}

/// `OWNER`, `OWNER:GROUP`, `OWNER:` (the owner's login group) or `:GROUP`.
fn parse_owner(ids: &Ids, spec: &str) -> Result<Owner, String> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let mut owner = Owner {
        uid: None,
        gid: None,
    };
    let mut login_group = None;
    if !user.is_empty() {
        let (uid, gid) = ids
            .user(user)
            .ok_or_else(|| format!("invalid user: {user}"))?;
        owner.uid = Some(uid);
        login_group = gid;
    }
    match group {
        Some("") if !user.is_empty() => {
            owner.gid = Some(login_group.ok_or_else(|| format!("{user} has no login group"))?);
        }
        Some(g) if !g.is_empty() => {
            owner.gid = Some(ids.group(g).ok_or_else(|| format!("invalid group: {g}"))?);
        }
        _ => {}
    }
    if owner.uid.is_none() && owner.gid.is_none() && group.is_none() {
        return Err(format!("invalid user: {spec}"));
    }
    Ok(owner)
}

fn main(args: &[String]) -> i32 {
    let mut recursive = false;
    let mut no_deref = false;
    let mut g = Getopt::new(args, "hR");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('h', _))) => no_deref = true,
            Ok(Some(Opt::Flag(_, _))) => recursive = true,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let [spec, files @ ..] = g.operands() else {
        return usage_error(args, "missing operand", USAGE);
    };
    if files.is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let owner = match parse_owner(&Ids::load(), spec) {
        Ok(owner) => owner,
        Err(message) => {
            warn(args, message);
            return 1;
        }
    };
    let mut status = 0;
    for file in files {
        change(
            args,
            Path::new(file),
            owner,
            recursive,
            !no_deref,
            &mut status,
        );
    }
    status
}

fn change(
    args: &[String],
    path: &Path,
    owner: Owner,
    recursive: bool,
    follow: bool,
    status: &mut i32,
) {
    let result = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))
        .and_then(|c| {
            let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
            // -1 (all ones) is chown(2)'s "leave this id alone".
            let uid = owner.uid.unwrap_or(u32::MAX);
            let gid = owner.gid.unwrap_or(u32::MAX);
            // SAFETY: `c` is a NUL-terminated path that outlives the call.
            match unsafe { libc::fchownat(libc::AT_FDCWD, c.as_ptr(), uid, gid, flags) } {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    if let Err(e) = result {
        warn_io(args, path.display(), &e);
        *status = 1;
    }
    // Recursion never follows links below the operands.
    let is_dir = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .is_ok_and(|m| m.is_dir());
    if recursive && is_dir {
        match std::fs::read_dir(path) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    change(args, &entry.path(), owner, true, false, status);
                }
            }
            Err(e) => {
                warn_io(args, path.display(), &e);
                *status = 1;
            }
        }
    }
}
