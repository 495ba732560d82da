//! What a new account needs outside the database: its home directory,
//! made (and removed with the account), and its shell, found.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::{Error, User};

/// Where the skeleton of a new home directory lives: its `dot.profile`
/// is copied as `.profile`, as FreeBSD's pw(8) and adduser(8) do.
pub const SKELETON: &str = "usr/share/skel";

/// `path` (absolute, as in the database) inside the tree at `root`.
pub fn in_root(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// The shell path for `shell`: a path is taken as it is; a bare name
/// (`sh`) is looked for in the tree's /bin, /usr/bin, /usr/local/bin,
/// /sbin and /usr/sbin, and is `/bin/NAME` when found in none.
pub fn find_shell(root: &Path, shell: &str) -> String {
    if shell.contains('/') || shell.is_empty() {
        return shell.to_string();
    }
    ["/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin"]
        .iter()
        .map(|dir| format!("{dir}/{shell}"))
        .find(|path| in_root(root, path).exists())
        .unwrap_or_else(|| format!("/bin/{shell}"))
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

/// Makes `user`'s home directory inside the tree at `root` (mode 0755,
/// owned by the user), with the parents it needs, and copies the files of
/// the tree's [`SKELETON`] into it. A directory already there is left as it
/// is; the home `/` never gets one.
pub fn create(root: &Path, user: &User) -> Result<(), Error> {
    if user.home.is_empty() || user.home == "/" {
        return Ok(());
    }
    let home = in_root(root, &user.home);
    if home.exists() {
        return Ok(());
    }
    if let Some(parent) = home.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(parent)
            .map_err(io("create", parent))?;
    }
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&home)
        .map_err(io("create", &home))?;
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755))
        .map_err(io("chmod", &home))?;
    let skeleton = root.join(SKELETON);
    if let Ok(entries) = std::fs::read_dir(&skeleton) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let target = home.join(match name.strip_prefix("dot") {
                Some(rest) if rest.starts_with('.') => rest.to_string(),
                _ => name,
            });
            std::fs::copy(entry.path(), &target).map_err(io("copy to", &target))?;
            std::os::unix::fs::chown(&target, Some(user.uid), Some(user.gid))
                .map_err(io("chown", &target))?;
        }
    }
    std::os::unix::fs::chown(&home, Some(user.uid), Some(user.gid)).map_err(io("chown", &home))
}

/// Removes `user`'s home directory inside the tree at `root`, if it is
/// there and the user owns it (a shared or system directory is never
/// removed). True when it was removed.
pub fn remove(root: &Path, user: &User) -> Result<bool, Error> {
    use std::os::unix::fs::MetadataExt;
    if user.home.is_empty() || user.home == "/" {
        return Ok(false);
    }
    let home = in_root(root, &user.home);
    match std::fs::symlink_metadata(&home) {
        Ok(meta) if meta.is_dir() && meta.uid() == user.uid => {
            std::fs::remove_dir_all(&home).map_err(io("remove", &home))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn creates_from_the_skeleton_and_removes() {
        let root = tempfile::tempdir().unwrap();
        let skel = root.path().join(SKELETON);
        std::fs::create_dir_all(&skel).unwrap();
        std::fs::write(skel.join("dot.profile"), "PATH=/bin\n").unwrap();
        std::fs::write(skel.join("README"), "hi\n").unwrap();
        // SAFETY: getuid takes no arguments and cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let user = User {
            name: "ann".into(),
            uid,
            gid,
            home: "/home/ann".into(),
            ..User::default()
        };
        create(root.path(), &user).unwrap();
        let home = root.path().join("home/ann");
        assert_eq!(
            std::fs::read_to_string(home.join(".profile")).unwrap(),
            "PATH=/bin\n"
        );
        assert!(home.join("README").exists());
        let meta = std::fs::metadata(&home).unwrap();
        assert_eq!((meta.mode() & 0o7777, meta.uid()), (0o755, uid));
        assert!(remove(root.path(), &user).unwrap());
        assert!(!home.exists());
        assert!(!remove(root.path(), &user).unwrap());
    }
}
