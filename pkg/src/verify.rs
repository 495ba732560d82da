//! `pkg verify`: re-hashes every installed file and compares it with the package's
//! manifest.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde::Serialize;

use crate::db::Db;
use crate::digest::sha256_file;
use crate::error::Result;
use crate::manifest::Kind;
use crate::query::installed;

#[derive(Debug, Serialize)]
pub struct Problem {
    pub package: String,
    pub path: String,
    pub problem: String,
}

/// Checks the named packages (all when empty); returns what differs.
pub fn verify(db: &Db, names: &[String]) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let packages = installed(db)?;
    for name in names {
        crate::query::find(db, name)?;
    }
    for package in packages
        .iter()
        .filter(|p| names.is_empty() || names.contains(&p.name))
    {
        let base: PathBuf = match package.kind {
            "store" => db.root.join(&package.location),
            _ => db.root.clone(),
        };
        let manifest = &package.record.manifest;
        for entry in &manifest.entries {
            // Configuration files of base packages are the administrator's to change.
            if package.kind == "base" && manifest.config.contains(&entry.path) {
                continue;
            }
            let path = base.join(&entry.path);
            let problem = match (entry.kind, fs::symlink_metadata(&path)) {
                (_, Err(_)) => Some("missing".to_string()),
                (Kind::File, Ok(meta)) if !meta.is_file() => Some("not a regular file".into()),
                (Kind::File, Ok(meta)) if meta.permissions().mode() & 0o7777 != entry.mode => {
                    Some(format!(
                        "mode {:o}, expected {:o}",
                        meta.permissions().mode() & 0o7777,
                        entry.mode
                    ))
                }
                (Kind::File, Ok(_)) if sha256_file(&path)? != entry.sha256 => {
                    Some("checksum mismatch".into())
                }
                (Kind::Symlink, Ok(_)) => {
                    let target = fs::read_link(&path).ok();
                    (target.as_deref().and_then(|t| t.to_str()) != entry.target.as_deref())
                        .then(|| "symlink target changed".into())
                }
                (Kind::Dir, Ok(meta)) if !meta.is_dir() => Some("not a directory".into()),
                _ => None,
            };
            if let Some(problem) = problem {
                problems.push(Problem {
                    package: package.name.clone(),
                    path: entry.path.clone(),
                    problem,
                });
            }
        }
    }
    Ok(problems)
}
