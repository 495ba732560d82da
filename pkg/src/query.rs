//! Read-only views of the database: list, info, which, search, query.

use std::path::Path;

use serde::Serialize;

use crate::db::{Db, Record, current_records};
use crate::error::{Result, invalid};
use crate::manifest::Kind;
use crate::profile::PROFILE;
use crate::update;

#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    pub name: String,
    pub version: String,
    pub comment: String,
    /// `store` or `base`.
    pub kind: &'static str,
    /// Store directory (relative to the root) or base record key.
    pub location: String,
    pub automatic: bool,
    pub locked: bool,
    pub repo: String,
    #[serde(skip)]
    pub record: Record,
}

/// Every installed package: the profile's selections and the base packages, by name.
pub fn installed(db: &Db) -> Result<Vec<Installed>> {
    let state = db.state()?;
    let mut all = Vec::new();
    for (name, (selected, record)) in current_records(db, &state)? {
        all.push(entry(
            name.clone(),
            "store",
            format!("pkg/{}", selected.dir),
            selected.automatic,
            state.locked.contains(&name),
            record,
        ));
    }
    for (name, key) in &state.base {
        let record = db.base_record(key)?;
        all.push(entry(
            name.clone(),
            "base",
            key.clone(),
            false,
            state.locked.contains(name),
            record,
        ));
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

fn entry(
    name: String,
    kind: &'static str,
    location: String,
    automatic: bool,
    locked: bool,
    record: Record,
) -> Installed {
    Installed {
        name,
        version: record.manifest.version.clone(),
        comment: record.manifest.comment.clone(),
        kind,
        location,
        automatic,
        locked,
        repo: record.repo.clone(),
        record,
    }
}

pub fn find(db: &Db, name: &str) -> Result<Installed> {
    installed(db)?
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| invalid(format!("package {name}"), "is not installed"))
}

/// The installed package owning `path` (a path inside the root, as seen from it).
pub fn which(db: &Db, path: &str) -> Result<(Installed, String)> {
    let rel = path.trim_start_matches('/');
    let in_profile = rel.strip_prefix(PROFILE).and_then(|r| r.strip_prefix('/'));
    for package in installed(db)? {
        let wanted = match package.kind {
            "store" => in_profile.or_else(|| rel.strip_prefix(&format!("{}/", package.location))),
            _ => Some(rel),
        };
        let Some(wanted) = wanted else { continue };
        if package
            .record
            .manifest
            .entries
            .iter()
            .any(|e| e.path == wanted && e.kind != Kind::Dir)
        {
            let version = package.version.clone();
            return Ok((package, version));
        }
    }
    Err(invalid(
        Path::new("/").join(rel).display(),
        "is not owned by any installed package",
    ))
}

#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub name: String,
    pub version: String,
    pub comment: String,
    pub repo: String,
}

/// Packages in the cached catalogues whose name or comment contains `pattern`.
pub fn search(db: &Db, pattern: &str) -> Result<Vec<Found>> {
    let pattern = pattern.to_lowercase();
    let mut found = Vec::new();
    for synced in update::cached(db)? {
        for p in &synced.catalogue.packages {
            if p.name.contains(&pattern) || p.comment.to_lowercase().contains(&pattern) {
                found.push(Found {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    comment: p.comment.clone(),
                    repo: synced.repo.name.clone(),
                });
            }
        }
    }
    Ok(found)
}

/// Expands a `pkg query` format: %n name, %v version, %c comment, %o origin, %m
/// maintainer, %L license, %q arch, %p prefix, %R repository, %a automatic (0/1),
/// %k locked (0/1), %t kind, %%.
pub fn format(package: &Installed, format: &str) -> Result<String> {
    let m = &package.record.manifest;
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let flag = |b: bool| if b { "1" } else { "0" }.to_string();
        let field = match chars.next() {
            Some('n') => m.name.clone(),
            Some('v') => m.version.clone(),
            Some('c') => m.comment.clone(),
            Some('o') => m.origin.clone().unwrap_or_default(),
            Some('m') => m.maintainer.clone().unwrap_or_default(),
            Some('L') => m.license.clone().unwrap_or_default(),
            Some('q') => m.arch.clone().unwrap_or_default(),
            Some('p') => m.prefix.clone(),
            Some('R') => package.repo.clone(),
            Some('a') => flag(package.automatic),
            Some('k') => flag(package.locked),
            Some('t') => package.kind.to_string(),
            Some('%') => "%".to_string(),
            other => {
                return Err(invalid(
                    format!("query format {format:?}"),
                    format!(
                        "unknown field %{}",
                        other.map(String::from).unwrap_or_default()
                    ),
                ));
            }
        };
        out.push_str(&field);
    }
    Ok(out)
}
