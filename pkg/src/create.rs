//! `pkg create`: turns a staged tree and a manifest into `NAME-VERSION.pkg` files (one per
//! package and sub-package).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::archive;
use crate::digest::sha256_file;
use crate::error::{Result, invalid, io_at};
use crate::manifest::{Entry, Kind, Manifest};

/// Builds the package(s) described by the manifest file from `stage` into `outdir`;
/// returns the written files.
pub fn create(manifest_path: &Path, stage: &Path, outdir: &Path) -> Result<Vec<PathBuf>> {
    let text = fs::read_to_string(manifest_path).map_err(io_at(manifest_path))?;
    let subject = manifest_path.display().to_string();
    let mut manifest = Manifest::parse(&text, &subject)?;
    if !manifest.entries.is_empty() {
        return Err(invalid(
            &subject,
            "[[entry]] tables are written by pkg create, not by hand",
        ));
    }
    let mut scanned = BTreeMap::new();
    scan(stage, stage, &mut scanned)?;
    if let Some(listed) = manifest.files.take() {
        check_listing(&listed, &scanned, stage)?;
    }
    let mut subpackages = Vec::new();
    for sub in std::mem::take(&mut manifest.subpackages) {
        let mut sub_manifest = Manifest {
            name: sub.name.clone(),
            comment: sub.comment.clone(),
            depends: BTreeMap::from([(manifest.name.clone(), format!("={}", manifest.version))]),
            provides: Vec::new(),
            conflicts: Vec::new(),
            config: Vec::new(),
            post_install: Vec::new(),
            ..manifest.clone()
        };
        for file in &sub.files {
            let entry = scanned.remove(file).ok_or_else(|| {
                invalid(
                    format!("sub-package {} file {file:?}", sub.name),
                    "is not staged",
                )
            })?;
            sub_manifest.entries.push(entry);
        }
        sub_manifest.setuid.retain(|p| sub.files.contains(p));
        add_parent_dirs(&mut sub_manifest, &scanned);
        subpackages.push(sub_manifest);
    }
    manifest.entries = scanned.into_values().collect();
    let mut written = Vec::new();
    fs::create_dir_all(outdir).map_err(io_at(outdir))?;
    for package in std::iter::once(manifest).chain(subpackages) {
        package.validate().map_err(|e| invalid(&subject, e))?;
        let out = outdir.join(package.file_name());
        archive::write(&package, stage, &out)?;
        written.push(out);
    }
    Ok(written)
}

/// Walks the staged tree in sorted order, refusing what a package cannot hold.
fn scan(stage: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) -> Result<()> {
    let mut children: Vec<_> = fs::read_dir(dir)
        .map_err(io_at(dir))?
        .collect::<std::io::Result<_>>()
        .map_err(io_at(dir))?;
    children.sort_by_key(|c| c.file_name());
    for child in children {
        let path = child.path();
        let rel = path.strip_prefix(stage).expect("walk stays in stage");
        let rel = rel
            .to_str()
            .ok_or_else(|| invalid(path.display(), "file name is not UTF-8"))?
            .to_string();
        let meta = fs::symlink_metadata(&path).map_err(io_at(&path))?;
        let mode = meta.permissions().mode() & 0o7777;
        let file_type = meta.file_type();
        let entry = if file_type.is_dir() {
            Entry {
                path: rel.clone(),
                kind: Kind::Dir,
                mode,
                size: 0,
                sha256: String::new(),
                target: None,
            }
        } else if file_type.is_symlink() {
            let target = fs::read_link(&path).map_err(io_at(&path))?;
            let target = target
                .to_str()
                .ok_or_else(|| invalid(path.display(), "symlink target is not UTF-8"))?;
            Entry {
                path: rel.clone(),
                kind: Kind::Symlink,
                mode: 0o777,
                size: 0,
                sha256: String::new(),
                target: Some(target.to_string()),
            }
        } else if file_type.is_file() {
            Entry {
                path: rel.clone(),
                kind: Kind::File,
                mode,
                size: meta.len(),
                sha256: sha256_file(&path)?,
                target: None,
            }
        } else {
            let what = if file_type.is_char_device() || file_type.is_block_device() {
                "device node"
            } else {
                "fifo or socket"
            };
            return Err(invalid(
                path.display(),
                format!("a package cannot hold a {what}"),
            ));
        };
        out.insert(rel, entry);
        if file_type.is_dir() {
            scan(stage, &path, out)?;
        }
    }
    Ok(())
}

/// With a file list, the staged tree must hold exactly the listed files (directories
/// come with them).
fn check_listing(listed: &[String], scanned: &BTreeMap<String, Entry>, stage: &Path) -> Result<()> {
    let listed_set: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    for path in &listed_set {
        match scanned.get(*path) {
            Some(entry) if entry.kind != Kind::Dir => {}
            _ => {
                return Err(invalid(
                    stage.join(path).display(),
                    "listed in the manifest but not staged",
                ));
            }
        }
    }
    for (path, entry) in scanned {
        if entry.kind != Kind::Dir && !listed_set.contains(path.as_str()) {
            return Err(invalid(
                stage.join(path).display(),
                "staged but not listed in the manifest",
            ));
        }
    }
    Ok(())
}

/// A sub-package carries the directories above its files.
fn add_parent_dirs(sub: &mut Manifest, scanned: &BTreeMap<String, Entry>) {
    let mut dirs = BTreeSet::new();
    for entry in &sub.entries {
        let mut path = entry.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            dirs.insert(parent.to_string());
            path = parent;
        }
    }
    for dir in dirs {
        if let Some(entry) = scanned.get(&dir) {
            sub.entries.push(entry.clone());
        }
    }
    sub.entries.sort_by(|a, b| a.path.cmp(&b.path));
}
