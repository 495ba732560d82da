//! Becoming a user: what login(1) and su(1) do once the password is right.

use std::ffi::OsString;

use crate::{Database, User};

/// The search path given to the superuser's sessions.
pub const ROOT_PATH: &str = "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin";
/// The search path given to everyone else's.
pub const USER_PATH: &str = "/bin:/usr/bin:/usr/local/bin";

/// The shell a user logs in to: the shell field, `/bin/sh` when empty.
pub fn shell(user: &User) -> &str {
    if user.shell.is_empty() {
        "/bin/sh"
    } else {
        &user.shell
    }
}

/// The `argv[0]` that tells a shell it is a login shell: `-sh` for
/// `/bin/sh`.
pub fn login_argv0(shell: &str) -> String {
    format!("-{}", shell.rsplit('/').next().unwrap_or(shell))
}

/// The environment of a fresh session: HOME, SHELL, USER, LOGNAME and PATH
/// for `user`, and TERM kept from `term` (`vt100` if unset).
pub fn environment(user: &User, term: Option<OsString>) -> Vec<(String, OsString)> {
    let path = if user.uid == 0 { ROOT_PATH } else { USER_PATH };
    vec![
        ("HOME".into(), user.home.clone().into()),
        ("SHELL".into(), shell(user).into()),
        ("USER".into(), user.name.clone().into()),
        ("LOGNAME".into(), user.name.clone().into()),
        ("PATH".into(), path.into()),
        ("TERM".into(), term.unwrap_or_else(|| "vt100".into())),
    ]
}

/// Takes on `user`'s identity for good: its groups from `db` (setgroups),
/// its gid, then its uid, real, effective and saved; then checks that
/// each took, so a failure never leaves the process half-privileged.
pub fn become_user(db: &Database, user: &User) -> std::io::Result<()> {
    let groups: Vec<libc::gid_t> = db.group_ids(&user.name, user.gid);
    let check = |rc: libc::c_int| {
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    };
    // SAFETY: setgroups reads groups.len() gids from a valid slice.
    check(unsafe { libc::setgroups(groups.len(), groups.as_ptr()) })?;
    // SAFETY: setresgid takes plain integers.
    check(unsafe { libc::setresgid(user.gid, user.gid, user.gid) })?;
    // SAFETY: setresuid takes plain integers.
    check(unsafe { libc::setresuid(user.uid, user.uid, user.uid) })?;
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: getresuid writes three uids to valid pointers.
    check(unsafe { libc::getresuid(&mut r, &mut e, &mut s) })?;
    let uids_took = [r, e, s] == [user.uid; 3];
    // SAFETY: getresgid writes three gids to valid pointers.
    check(unsafe { libc::getresgid(&mut r, &mut e, &mut s) })?;
    if !uids_took || [r, e, s] != [user.gid; 3] {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the user and group ids did not change",
        ));
    }
    Ok(())
}
