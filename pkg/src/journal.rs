//! The transaction journal `var/db/pkg/journal.toml`. It is written before the first
//! change and lists everything the transaction may create or replace; the commit point
//! is the rename of `state.toml` carrying the journal's `txid`. After a crash, the next
//! `pkg` run finishes a committed transaction (profile switch, clean-up) or undoes an
//! uncommitted one (restores replaced base files, removes new store entries and the new
//! generation), so the root is always in the old or the new state.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::db::{Db, read_toml, write_toml};
use crate::error::{Result, io_at};
use crate::profile;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    pub txid: u64,
    /// Store directories (and records) this transaction creates.
    #[serde(default)]
    pub new_store: Vec<String>,
    /// Base package records this transaction creates.
    #[serde(default)]
    pub new_base: Vec<String>,
    /// The profile generation this transaction creates, if any.
    #[serde(default)]
    pub new_generation: Option<u64>,
    /// In-place files of base packages, in the order they are replaced.
    #[serde(default)]
    pub base_files: Vec<BaseFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseFile {
    /// Path relative to the root.
    pub path: String,
    /// Whether something was there before (it is moved to the backup directory).
    pub existed: bool,
}

pub fn path(db: &Db) -> PathBuf {
    db.dir.join("journal.toml")
}

/// Where replaced base files wait until the commit.
pub fn backup_dir(db: &Db, txid: u64) -> PathBuf {
    db.dir.join("backup").join(txid.to_string())
}

/// Where new base files are unpacked before they are moved into place.
pub fn staging_dir(db: &Db, txid: u64) -> PathBuf {
    db.dir.join("staging").join(txid.to_string())
}

pub fn begin(db: &Db, journal: &Journal) -> Result<()> {
    write_toml(&path(db), journal)
}

/// Finishes or undoes an interrupted transaction; returns whether there was one.
pub fn recover(db: &Db) -> Result<bool> {
    let journal_path = path(db);
    if !journal_path.exists() {
        return Ok(false);
    }
    let journal: Journal = read_toml(&journal_path)?;
    let state = db.state()?;
    if state.txid != journal.txid {
        undo(db, &journal)?;
    }
    profile::switch(db, state.generation)?;
    for dir in [backup_dir(db, journal.txid), staging_dir(db, journal.txid)] {
        remove_all(&dir)?;
        // The parent only holds per-transaction directories; it goes once empty.
        let _ = fs::remove_dir(dir.parent().expect("per-transaction dirs have a parent"));
    }
    fs::remove_file(&journal_path).map_err(io_at(&journal_path))?;
    Ok(true)
}

fn undo(db: &Db, journal: &Journal) -> Result<()> {
    let backup = backup_dir(db, journal.txid);
    for file in journal.base_files.iter().rev() {
        let target = db.root.join(&file.path);
        let saved = backup.join(&file.path);
        if file.existed {
            if fs::symlink_metadata(&saved).is_ok() {
                fs::rename(&saved, &target).map_err(io_at(&target))?;
            }
        } else {
            remove_any(&target)?;
        }
    }
    for key in &journal.new_store {
        remove_all(&db.store_path(key))?;
        remove_all(
            &db.root
                .join(crate::db::STORE_DIR)
                .join(format!(".tmp-{key}")),
        )?;
        remove_any(&db.store_record_path(key))?;
    }
    for key in &journal.new_base {
        remove_any(&db.base_record_path(key))?;
    }
    if let Some(number) = journal.new_generation {
        remove_all(&db.generation_path(number))?;
        remove_all(&profile::temporary_path(db, number))?;
        remove_any(&db.dir.join("generations").join(format!("{number}.toml")))?;
    }
    Ok(())
}

/// Removes a directory tree; a missing one is fine.
pub fn remove_all(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_at(path)(e)),
        _ => Ok(()),
    }
}

/// Removes a file, symlink or directory tree; a missing one is fine.
pub fn remove_any(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => remove_all(path),
        Ok(_) => fs::remove_file(path).map_err(io_at(path)),
        Err(_) => Ok(()),
    }
}
