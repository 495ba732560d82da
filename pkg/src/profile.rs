//! The profile: `ROOT/usr/local` is a symlink to a generation, a tree of relative
//! symlinks to the files of the selected store entries. Switching generations is one
//! rename of that symlink.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::db::{DB_DIR, Db, Record, STORE_DIR};
use crate::error::{Result, invalid, io_at};
use crate::journal::remove_all;
use crate::manifest::Kind;
use crate::paths::relative_link;

pub const PROFILE: &str = "usr/local";

pub fn temporary_path(db: &Db, number: u64) -> PathBuf {
    db.dir.join("generations").join(format!(".tmp-{number}"))
}

/// Builds generation `number`'s tree from the selected store entries; refuses two
/// packages owning one path.
pub fn build(db: &Db, number: u64, selected: &BTreeMap<String, (String, Record)>) -> Result<()> {
    let tmp = temporary_path(db, number);
    remove_all(&tmp)?;
    fs::create_dir_all(&tmp).map_err(io_at(&tmp))?;
    let generation_rel = Path::new(DB_DIR)
        .join("generations")
        .join(number.to_string());
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, (key, record)) in selected {
        for entry in &record.manifest.entries {
            let link = tmp.join(&entry.path);
            if entry.kind == Kind::Dir {
                if let Some(owner) = owners.get(entry.path.as_str()) {
                    return Err(owned_twice(&entry.path, owner, name));
                }
                fs::create_dir_all(&link).map_err(io_at(&link))?;
                continue;
            }
            if let Some(owner) = owners.insert(&entry.path, name) {
                return Err(owned_twice(&entry.path, owner, name));
            }
            if let Some(parent) = link.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            let from_dir = generation_rel.join(&entry.path);
            let from_dir = from_dir.parent().expect("entry has a parent");
            let to = Path::new(STORE_DIR).join(key).join(&entry.path);
            symlink(relative_link(from_dir, &to), &link).map_err(io_at(&link))?;
        }
    }
    let final_path = db.generation_path(number);
    remove_all(&final_path)?;
    fs::rename(&tmp, &final_path).map_err(io_at(&final_path))?;
    Ok(())
}

fn owned_twice(path: &str, first: &str, second: &str) -> crate::Error {
    invalid(
        format!("{PROFILE}/{path}"),
        format!("two packages own one path: {first} and {second}"),
    )
}

/// Points `usr/local` at generation `number` (removes it for 0) with one rename.
pub fn switch(db: &Db, number: u64) -> Result<()> {
    let profile = db.root.join(PROFILE);
    let parent = profile.parent().expect("profile has a parent");
    fs::create_dir_all(parent).map_err(io_at(parent))?;
    if let Ok(meta) = fs::symlink_metadata(&profile)
        && !meta.file_type().is_symlink()
    {
        return Err(invalid(
            profile.display(),
            "is not a symlink; pkg manages this path as its profile",
        ));
    }
    if number == 0 {
        return crate::journal::remove_any(&profile);
    }
    let target = Path::new("..")
        .join(DB_DIR)
        .join("generations")
        .join(number.to_string());
    if fs::read_link(&profile).ok().as_deref() == Some(target.as_path()) {
        return Ok(());
    }
    let tmp = parent.join(".local.pkg-new");
    crate::journal::remove_any(&tmp)?;
    symlink(&target, &tmp).map_err(io_at(&tmp))?;
    fs::rename(&tmp, &profile).map_err(io_at(&profile))?;
    Ok(())
}
