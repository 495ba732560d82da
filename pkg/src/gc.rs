//! `pkg autoremove`: drops old profile generations and every store entry or base record
//! that nothing kept references. Removal goes through a rename to `.trash-*`, so an
//! interrupted run leaves nothing half-removed under a live name.

use std::collections::BTreeSet;
use std::fs;

use crate::db::{Db, STORE_DIR};
use crate::error::{Result, io_at};
use crate::journal::{remove_all, remove_any};

#[derive(Debug, Default, serde::Serialize)]
pub struct Removed {
    pub generations: Vec<u64>,
    pub store: Vec<String>,
}

/// Keeps the current generation and the `keep - 1` newest others.
pub fn autoremove(db: &Db, keep: usize) -> Result<Removed> {
    let state = db.state()?;
    let mut removed = Removed::default();
    let mut others: Vec<u64> = db
        .generations()?
        .into_iter()
        .filter(|&n| n != state.generation)
        .collect();
    others.reverse();
    let mut kept: Vec<u64> = others
        .iter()
        .copied()
        .take(keep.saturating_sub(1))
        .collect();
    if state.generation != 0 {
        kept.push(state.generation);
    }
    for number in others.iter().skip(keep.saturating_sub(1)) {
        remove_all(&db.generation_path(*number))?;
        remove_any(&db.dir.join("generations").join(format!("{number}.toml")))?;
        removed.generations.push(*number);
    }
    let mut live = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for number in kept {
        pending.extend(db.generation(number)?.packages.into_values().map(|s| s.dir));
    }
    while let Some(key) = pending.pop() {
        if live.insert(key.clone()) {
            pending.extend(db.store_record(&key)?.deps.into_values());
        }
    }
    let store = db.root.join(STORE_DIR);
    let mut entries: Vec<String> = fs::read_dir(&store)
        .map_err(io_at(&store))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    entries.sort();
    for name in entries {
        if name.starts_with(".trash-") {
            remove_all(&store.join(&name))?;
        } else if !live.contains(&name) && !name.starts_with('.') {
            let trash = store.join(format!(".trash-{name}"));
            fs::rename(store.join(&name), &trash).map_err(io_at(&trash))?;
            remove_all(&trash)?;
            remove_any(&db.store_record_path(&name))?;
            removed.store.push(name);
        }
    }
    remove_orphan_records(db, &live, &state.base.values().cloned().collect())?;
    Ok(removed)
}

fn remove_orphan_records(
    db: &Db,
    live_store: &BTreeSet<String>,
    live_base: &BTreeSet<String>,
) -> Result<()> {
    for (sub, live) in [("store", live_store), ("base", live_base)] {
        let dir = db.dir.join(sub);
        for entry in fs::read_dir(&dir).map_err(io_at(&dir))? {
            let path = entry.map_err(io_at(&dir))?.path();
            let key = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if !live.contains(&key) {
                remove_any(&path)?;
            }
        }
    }
    Ok(())
}
