//! Base packages (`prefix = "/"`) install in place under the root, like FreeBSD's pkgbase.
//! New files are unpacked into a staging directory first; applying moves each replaced
//! file to the transaction's backup directory and the new one into place, so the journal
//! can put every old file back.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::db::Record;
use crate::digest::sha256_file;
use crate::error::{Result, invalid, io_at};
use crate::journal::BaseFile;
use crate::manifest::{Kind, Manifest};
use crate::profile::PROFILE;

/// One in-place change: `source` (a staged file) replaces `path`, or `path` goes away.
pub struct FileOp {
    pub path: String,
    pub source: Option<PathBuf>,
    pub existed: bool,
}

/// A directory to create (relative to the root) and its mode.
pub type DirMode = (String, u32);

/// Plans the file changes taking base package `old` to `new` (either may be absent),
/// keeping locally changed configuration files (the new one lands as `.pkgnew`).
pub fn plan(
    root: &Path,
    old: Option<&Record>,
    new: Option<(&Manifest, &Path)>,
) -> Result<(Vec<FileOp>, Vec<DirMode>)> {
    let mut ops = Vec::new();
    let mut dirs = Vec::new();
    let mut kept = BTreeSet::new();
    if let Some((manifest, staged)) = new {
        for entry in &manifest.entries {
            check_inside(root, &entry.path)?;
            if entry.path == PROFILE || entry.path.starts_with(&format!("{PROFILE}/")) {
                return Err(invalid(
                    format!("/{}", entry.path),
                    format!("base packages may not install into the profile /{PROFILE}"),
                ));
            }
            if entry.kind == Kind::Dir {
                dirs.push((entry.path.clone(), entry.mode));
                continue;
            }
            kept.insert(entry.path.as_str());
            let mut path = entry.path.clone();
            if manifest.config.contains(&entry.path) && locally_changed(root, old, &entry.path)? {
                path.push_str(".pkgnew");
            }
            let existed = fs::symlink_metadata(root.join(&path)).is_ok();
            ops.push(FileOp {
                path,
                source: Some(staged.join(&entry.path)),
                existed,
            });
        }
    }
    if let Some(old) = old {
        for entry in old.manifest.entries.iter().filter(|e| e.kind != Kind::Dir) {
            let locally_kept = old.manifest.config.contains(&entry.path)
                && locally_changed(root, Some(old), &entry.path)?;
            if !kept.contains(entry.path.as_str()) && !locally_kept {
                let existed = fs::symlink_metadata(root.join(&entry.path)).is_ok();
                ops.push(FileOp {
                    path: entry.path.clone(),
                    source: None,
                    existed,
                });
            }
        }
    }
    Ok((ops, dirs))
}

fn locally_changed(root: &Path, old: Option<&Record>, path: &str) -> Result<bool> {
    let on_disk = root.join(path);
    if !on_disk.is_file() {
        return Ok(false);
    }
    let recorded = old
        .and_then(|o| o.manifest.entry(path))
        .map(|e| e.sha256.as_str());
    Ok(recorded.is_none_or(|hash| hash != sha256_file(&on_disk).unwrap_or_default()))
}

/// Refuses a path whose existing parent directories lead out of the root by a symlink.
fn check_inside(root: &Path, path: &str) -> Result<()> {
    let canonical_root = root.canonicalize().map_err(io_at(root))?;
    let mut current = root.to_path_buf();
    let components: Vec<&str> = path.split('/').collect();
    for component in &components[..components.len() - 1] {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let resolved = current.canonicalize().map_err(io_at(&current))?;
                if !resolved.starts_with(&canonical_root) {
                    return Err(invalid(
                        format!("/{path}"),
                        format!("{} is a symlink leading out of the root", current.display()),
                    ));
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Refuses two base packages owning one path (`owners`: path -> package, the files of
/// installed base packages that stay).
pub fn check_owners(
    owners: &mut BTreeMap<String, String>,
    name: &str,
    manifest: &Manifest,
) -> Result<()> {
    for entry in manifest.entries.iter().filter(|e| e.kind != Kind::Dir) {
        if let Some(other) = owners.insert(entry.path.clone(), name.to_string())
            && other != name
        {
            return Err(invalid(
                format!("/{}", entry.path),
                format!("two packages own one path: {other} and {name}"),
            ));
        }
    }
    Ok(())
}

pub fn journal_entries(ops: &[FileOp]) -> Vec<BaseFile> {
    ops.iter()
        .map(|op| BaseFile {
            path: op.path.clone(),
            existed: op.existed,
        })
        .collect()
}

/// Applies the planned changes; replaced files go to `backup`. Directories get the
/// package's modes (a base system's `/tmp` is 1777).
pub fn apply(root: &Path, dirs: &[DirMode], ops: &[FileOp], backup: &Path) -> Result<()> {
    for (dir, mode) in dirs {
        let path = root.join(dir);
        fs::create_dir_all(&path).map_err(io_at(&path))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(*mode)).map_err(io_at(&path))?;
    }
    for op in ops {
        let target = root.join(&op.path);
        if op.existed {
            let saved = backup.join(&op.path);
            if let Some(parent) = saved.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            fs::rename(&target, &saved).map_err(io_at(&target))?;
        }
        if let Some(source) = &op.source {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            fs::rename(source, &target).map_err(io_at(&target))?;
        }
    }
    Ok(())
}
