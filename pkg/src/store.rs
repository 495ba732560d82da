//! Store entries: `ROOT/pkg/<name>-<version>-<hash>/` holds a package's staged tree as is,
//! plus `deps/<dep>`, relative symlinks to the entries it is linked against. The hash
//! covers the package file and the exact dependency entries, so relinking against new
//! dependencies gives a new entry beside the old one.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::archive;
use crate::db::{Db, Record, STORE_DIR};
use crate::digest::sha256_hex;
use crate::error::{Result, io_at};
use crate::journal::remove_all;
use crate::manifest::DEPS_DIR;

/// The store directory name of a package version linked against `deps` (dependency name
/// -> store directory, or `base:<version>` for base packages, which have no link).
pub fn key(
    name: &str,
    version: &str,
    package_sha256: &str,
    deps: &BTreeMap<String, String>,
) -> String {
    let mut input = format!("{package_sha256}\n");
    for (dep, target) in deps {
        input.push_str(&format!("{dep}={target}\n"));
    }
    format!("{name}-{version}-{}", &sha256_hex(input.as_bytes())[..16])
}

/// Unpacks `package` into a new store entry `key` and links its dependencies.
pub fn add(
    db: &Db,
    key: &str,
    package: &Path,
    repo: &str,
    package_sha256: &str,
    deps: &BTreeMap<String, String>,
) -> Result<Record> {
    let tmp = db.root.join(STORE_DIR).join(format!(".tmp-{key}"));
    remove_all(&tmp)?;
    fs::create_dir_all(&tmp).map_err(io_at(&tmp))?;
    let manifest = archive::extract(package, &tmp)?;
    let links: BTreeMap<String, String> = deps
        .iter()
        .filter(|(_, t)| !t.starts_with("base:"))
        .map(|(d, t)| (d.clone(), t.clone()))
        .collect();
    if !links.is_empty() {
        let deps_dir = tmp.join(DEPS_DIR);
        fs::create_dir_all(&deps_dir).map_err(io_at(&deps_dir))?;
        for (dep, target) in &links {
            let link = deps_dir.join(dep);
            symlink(Path::new("../..").join(target), &link).map_err(io_at(&link))?;
        }
    }
    let record = Record {
        manifest,
        sha256: package_sha256.to_string(),
        repo: repo.to_string(),
        deps: links,
    };
    // Written in place, not renamed: the record only counts once the entry is renamed
    // into the store below, and an undone transaction removes it.
    let record_path = db.store_record_path(key);
    let text = toml::to_string(&record).expect("records always serialize");
    fs::write(&record_path, text).map_err(io_at(&record_path))?;
    let final_path = db.store_path(key);
    fs::rename(&tmp, &final_path).map_err(io_at(&final_path))?;
    Ok(record)
}
