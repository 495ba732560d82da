//! Permission checks: the owner, group and other bits of a node against the
//! caller's identity, as POSIX describes them. Root passes every check but
//! executing, which still needs an execute bit somewhere.

use super::node::{Node, S_IFDIR, S_IFMT};
use crate::task::{Credentials, sched};
use abi::errno::Errno;

pub const READ: u32 = 4;
pub const WRITE: u32 = 2;
pub const EXECUTE: u32 = 1;

/// Which identity a check uses: the effective one (every access), or the
/// real one (access(2), which asks "could the user who ran me do this").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    Effective,
    Real,
}

/// Whether `who` may access a node of `mode`, `uid` and `gid` as `want`
/// (a mask of READ, WRITE, EXECUTE).
pub fn permits(mode: u32, uid: u32, gid: u32, who: &Credentials, ids: Ids, want: u32) -> bool {
    let (user, group) = match ids {
        Ids::Effective => (who.euid, who.egid),
        Ids::Real => (who.uid, who.gid),
    };
    if user == 0 {
        let is_dir = mode & S_IFMT == S_IFDIR;
        return want & EXECUTE == 0 || is_dir || mode & 0o111 != 0;
    }
    let bits = if user == uid {
        mode >> 6
    } else if group == gid || who.groups.contains(&gid) {
        mode >> 3
    } else {
        mode
    };
    bits & 7 & want == want
}

/// Checks the calling thread's access to `node`; the kernel's own lookups
/// (no current thread) pass.
pub fn check(node: &Node, ids: Ids, want: u32) -> Result<(), Errno> {
    let Some(thread) = sched::try_current() else {
        return Ok(());
    };
    let (mode, uid, gid) = {
        let meta = node.meta.lock();
        (meta.mode, meta.uid, meta.gid)
    };
    let creds = thread.process.creds.lock();
    if permits(mode, uid, gid, &creds, ids, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Whether the caller owns `node` or is root (chmod, utimes, ...).
pub fn check_owner(node: &Node) -> Result<(), Errno> {
    let Some(thread) = sched::try_current() else {
        return Ok(());
    };
    let euid = thread.process.creds.lock().euid;
    if euid == 0 || euid == node.meta.lock().uid {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(uid: u32, gid: u32, groups: &[u32]) -> Credentials {
        Credentials {
            uid,
            euid: uid,
            suid: uid,
            gid,
            egid: gid,
            sgid: gid,
            groups: groups.to_vec(),
        }
    }

    #[test]
    fn owner_group_and_other_bits() {
        let alice = user(1001, 1001, &[0, 20]);
        let file = 0o100640;
        assert!(permits(file, 1001, 5, &alice, Ids::Effective, READ | WRITE));
        assert!(!permits(file, 1001, 5, &alice, Ids::Effective, EXECUTE));
        // Group by primary or supplementary group: read only.
        assert!(permits(file, 0, 20, &alice, Ids::Effective, READ));
        assert!(!permits(file, 0, 20, &alice, Ids::Effective, WRITE));
        // Others: nothing. The owner bits apply to the owner even if smaller.
        assert!(!permits(file, 0, 5, &alice, Ids::Effective, READ));
        assert!(!permits(0o100044, 1001, 5, &alice, Ids::Effective, READ));
    }

    #[test]
    fn root_passes_except_exec_without_any_x_bit() {
        let root = user(0, 0, &[]);
        assert!(permits(0o100000, 5, 5, &root, Ids::Effective, READ | WRITE));
        assert!(!permits(0o100644, 5, 5, &root, Ids::Effective, EXECUTE));
        assert!(permits(0o100001, 5, 5, &root, Ids::Effective, EXECUTE));
        assert!(permits(0o040000, 5, 5, &root, Ids::Effective, EXECUTE));
    }

    #[test]
    fn real_ids_for_access() {
        let mut setuid = user(1001, 1001, &[]);
        setuid.euid = 0;
        assert!(permits(0o100600, 7, 7, &setuid, Ids::Effective, READ));
        assert!(!permits(0o100600, 7, 7, &setuid, Ids::Real, READ));
    }
}
