//! Checks on the paths a manifest or an archive names: they stay inside the package, and
//! symlinks stay inside the package (store) or the root (base).

use std::path::{Path, PathBuf};

use crate::error::{Result, invalid};

/// Refuses a package path that is absolute, empty, or has `.`/`..` components.
pub fn check_relative(path: &str) -> Result<()> {
    let subject = || format!("path {path:?}");
    if path.is_empty() || path.contains('\0') {
        return Err(invalid(subject(), "is empty or holds a NUL byte"));
    }
    if path.starts_with('/') {
        return Err(invalid(
            subject(),
            "is absolute; paths are relative to the prefix",
        ));
    }
    if path
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(invalid(subject(), "has an empty, '.' or '..' component"));
    }
    Ok(())
}

/// Refuses a symlink at `link` (relative to the package tree, which sits `depth` levels
/// below its boundary) whose `target` leads out of the boundary. Store packages pass
/// depth 0 (the boundary is the package); base packages pass the prefix depth (the
/// boundary is the root) and may use absolute targets, which are read inside the root.
pub fn check_symlink(link: &str, target: &str, base: bool) -> Result<()> {
    let escape = || {
        invalid(
            format!("symlink {link:?} -> {target:?}"),
            "escapes the package",
        )
    };
    if target.is_empty() {
        return Err(escape());
    }
    let mut stack: Vec<&str> = link.split('/').collect();
    stack.pop();
    if target.starts_with('/') {
        if !base {
            return Err(escape());
        }
        stack.clear();
    }
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                if stack.pop().is_none() {
                    return Err(escape());
                }
            }
            name => stack.push(name),
        }
    }
    Ok(())
}

/// `root` joined with an absolute-looking `path`, which is read inside the root.
pub fn inside(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// The relative path that leads from directory `from` to `to`; both are relative to the
/// same base and hold no `..`.
pub fn relative_link(from_dir: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from_dir.components().collect();
    let dest: Vec<_> = to.components().collect();
    let common = from.iter().zip(&dest).take_while(|(a, b)| a == b).count();
    let mut link = PathBuf::new();
    for _ in common..from.len() {
        link.push("..");
    }
    for component in &dest[common..] {
        link.push(component);
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_only() {
        assert!(check_relative("share/greet/x").is_ok());
        assert!(check_relative("../etc/passwd").is_err());
        assert!(check_relative("/etc/passwd").is_err());
        assert!(check_relative("a//b").is_err());
        assert!(check_relative("a/./b").is_err());
    }

    #[test]
    fn symlinks_must_stay_inside() {
        assert!(check_symlink("lib/a.so", "../deps/g/lib/g.so", false).is_ok());
        assert!(check_symlink("lib/a.so", "../../x", false).is_err());
        assert!(check_symlink("lib/a.so", "/etc/passwd", false).is_err());
        assert!(check_symlink("etc/a", "/usr/lib/b", true).is_ok());
        assert!(check_symlink("etc/a", "../../../b", true).is_err());
    }

    #[test]
    fn relative_link_climbs_to_common_parent() {
        let link = relative_link(
            Path::new("pkg/.generations/3/bin"),
            Path::new("pkg/a-1-x/bin/a"),
        );
        assert_eq!(link, Path::new("../../../a-1-x/bin/a"));
    }
}
