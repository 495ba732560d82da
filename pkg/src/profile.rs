//! The profile: `ROOT/usr/local` is a symlink to a generation, a tree of relative
//! symlinks to the files (and unshared directories) of the selected store entries. Switching generations is one
//! rename of that symlink.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::db::{Db, GENERATIONS_DIR, Record, STORE_DIR};
use crate::error::{Result, invalid, io_at};
use crate::journal::remove_all;
use crate::manifest::Kind;
use crate::paths::relative_link;

pub const PROFILE: &str = "usr/local";

pub fn temporary_path(db: &Db, number: u64) -> PathBuf {
    db.root.join(GENERATIONS_DIR).join(format!(".tmp-{number}"))
}

/// Builds generation `number`'s tree from the selected store entries; refuses two
/// packages owning one path. A directory only one package contributes to becomes one
/// symlink to that package's directory (as Nix's buildEnv does): fewer links to make on
/// every transaction, and the same view.
pub fn build(db: &Db, number: u64, selected: &BTreeMap<String, (String, Record)>) -> Result<()> {
    let tmp = temporary_path(db, number);
    remove_all(&tmp)?;
    fs::create_dir_all(&tmp).map_err(io_at(&tmp))?;
    let tree = Tree::new(selected)?;
    let generation = Path::new(GENERATIONS_DIR).join(number.to_string());
    tree.link("", &tmp, &generation)?;
    let final_path = db.generation_path(number);
    remove_all(&final_path)?;
    fs::rename(&tmp, &final_path).map_err(io_at(&final_path))?;
    Ok(())
}

/// The union of the selected packages' trees.
struct Tree<'a> {
    /// Directory -> its children's paths.
    children: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Directory -> the packages (name, store key) with anything at or below it.
    contributors: BTreeMap<&'a str, BTreeSet<(&'a str, &'a str)>>,
    /// File or symlink -> its owner (name, store key).
    files: BTreeMap<&'a str, (&'a str, &'a str)>,
}

impl<'a> Tree<'a> {
    fn new(selected: &'a BTreeMap<String, (String, Record)>) -> Result<Tree<'a>> {
        let mut tree = Tree {
            children: BTreeMap::new(),
            contributors: BTreeMap::new(),
            files: BTreeMap::new(),
        };
        for (name, (key, record)) in selected {
            let owner = (name.as_str(), key.as_str());
            for entry in &record.manifest.entries {
                let path = entry.path.as_str();
                if entry.kind == Kind::Dir {
                    tree.contributors.entry(path).or_default().insert(owner);
                } else if let Some((first, _)) = tree.files.insert(path, owner) {
                    return Err(owned_twice(path, first, name));
                }
                let mut child = path;
                loop {
                    let parent = child.rsplit_once('/').map_or("", |(p, _)| p);
                    tree.children.entry(parent).or_default().insert(child);
                    if parent.is_empty() {
                        break;
                    }
                    tree.contributors.entry(parent).or_default().insert(owner);
                    child = parent;
                }
            }
        }
        if let Some((path, (owner, _))) = tree
            .files
            .iter()
            .find(|(p, _)| tree.contributors.contains_key(*p))
        {
            let other = tree.contributors[path]
                .iter()
                .map(|(n, _)| *n)
                .find(|n| n != owner)
                .unwrap_or(owner);
            return Err(owned_twice(path, owner, other));
        }
        Ok(tree)
    }

    /// Fills `dir` (at `out`, which is `rel` below the root) with links.
    fn link(&self, dir: &str, out: &Path, rel: &Path) -> Result<()> {
        for child in self.children.get(dir).into_iter().flatten() {
            let name = child.rsplit_once('/').map_or(*child, |(_, n)| n);
            let target = out.join(name);
            let store_key = match (self.files.get(child), self.contributors.get(child)) {
                (Some((_, key)), _) => Some(*key),
                (None, Some(owners)) if owners.len() == 1 => owners.first().map(|(_, key)| *key),
                _ => None,
            };
            match store_key {
                Some(key) => {
                    let to = Path::new(STORE_DIR).join(key).join(child);
                    symlink(relative_link(rel, &to), &target).map_err(io_at(&target))?;
                }
                None => {
                    fs::create_dir(&target).map_err(io_at(&target))?;
                    self.link(child, &target, &rel.join(name))?;
                }
            }
        }
        Ok(())
    }
}

fn owned_twice(path: &str, first: &str, second: &str) -> crate::Error {
    invalid(
        format!("{PROFILE}/{path}"),
        format!("two packages own one path: {first} and {second}"),
    )
}

/// Refuses a `usr/local` that pkg cannot take over: anything but a symlink or an empty
/// directory (which an image's directory skeleton may hold).
pub fn check_replaceable(db: &Db) -> Result<()> {
    let profile = db.root.join(PROFILE);
    let Ok(meta) = fs::symlink_metadata(&profile) else {
        return Ok(());
    };
    let empty_dir = meta.is_dir()
        && fs::read_dir(&profile)
            .map_err(io_at(&profile))?
            .next()
            .is_none();
    if meta.file_type().is_symlink() || empty_dir {
        return Ok(());
    }
    Err(invalid(
        profile.display(),
        "is not a symlink or an empty directory; pkg manages this path as its profile",
    ))
}

/// Points `usr/local` at generation `number` (removes it for 0) with one rename.
pub fn switch(db: &Db, number: u64) -> Result<()> {
    let profile = db.root.join(PROFILE);
    let parent = profile.parent().expect("profile has a parent");
    fs::create_dir_all(parent).map_err(io_at(parent))?;
    check_replaceable(db)?;
    if fs::symlink_metadata(&profile).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir(&profile).map_err(io_at(&profile))?;
    }
    if number == 0 {
        return crate::journal::remove_any(&profile);
    }
    let target = Path::new("..")
        .join(GENERATIONS_DIR)
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
