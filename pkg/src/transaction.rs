//! install, upgrade and delete: a plan (see `plan`) is applied once every package is
//! downloaded and verified, under the journal, and committed by one rename of
//! `state.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::base::{self, FileOp};
use crate::db::{self, Db, Record, State};
use crate::error::{Result, invalid};
use crate::fetch::{Fetcher, Job};
use crate::journal::{self, Journal};
use crate::manifest::{Action, Manifest};
use crate::paths::inside;
use crate::plan::base_key;
use crate::profile;
use crate::store;
use crate::update::Offer;

pub use crate::plan::{Mode, Plan, Step, plan_delete, plan_install};

/// Opens the database, first finishing or undoing an interrupted transaction.
pub fn open(root: &std::path::Path) -> Result<Db> {
    let db = Db::open(root)?;
    journal::recover(&db)?;
    Ok(db)
}

/// Downloads, verifies and applies a plan; on any failure the root is left as it was.
pub fn apply(db: &Db, plan: Plan, fetcher: &Fetcher) -> Result<()> {
    if plan.generation.is_some() {
        profile::check_replaceable(db)?;
    }
    let mut state = plan.state.clone();
    let txid = state.txid + 1;
    let cache = db.root.join("var/cache/pkg");
    let offers: Vec<&Offer> = plan
        .new_store
        .iter()
        .map(|(_, o, _)| o)
        .chain(plan.base_changes.values().flatten().map(|(_, o)| o))
        .collect();
    let jobs: Vec<Job> = offers
        .iter()
        .map(|o| Job {
            bases: o.bases.clone(),
            file: o.package.file.clone(),
            sha256: o.package.sha256.clone(),
            size: o.package.size,
            cache: cache.join(format!("{}-{}.pkg", o.package.name, o.package.sha256)),
        })
        .collect();
    let files = fetcher.fetch_all(&jobs)?;
    let local: BTreeMap<String, PathBuf> = offers
        .iter()
        .zip(files)
        .map(|(o, f)| (o.package.sha256.clone(), f))
        .collect();
    let number = db
        .generations()?
        .last()
        .copied()
        .unwrap_or(0)
        .max(state.generation)
        + 1;
    let mut journal = Journal {
        txid,
        new_store: plan.new_store.iter().map(|(k, _, _)| k.clone()).collect(),
        new_base: Vec::new(),
        new_generation: plan.generation.as_ref().map(|_| number),
        base_files: Vec::new(),
    };
    journal::begin(db, &journal)?;
    let result = apply_journaled(db, &plan, &local, &mut journal, &mut state, number);
    if let Err(e) = result {
        journal::recover(db)
            .map_err(|undo| invalid(format!("{e}"), format!("and undoing failed: {undo}")))?;
        return Err(e);
    }
    journal::recover(db)?;
    Ok(())
}

fn apply_journaled(
    db: &Db,
    plan: &Plan,
    local: &BTreeMap<String, PathBuf>,
    journal: &mut Journal,
    state: &mut State,
    number: u64,
) -> Result<()> {
    let mut actions = Vec::new();
    for record in add_store_entries(db, plan, local)? {
        actions.extend(record.manifest.post_install);
    }
    if let Some(generation) = &plan.generation {
        let mut selected = BTreeMap::new();
        for (name, s) in &generation.packages {
            selected.insert(name.clone(), (s.dir.clone(), db.store_record(&s.dir)?));
        }
        profile::build(db, number, &selected)?;
        db.save_generation(number, generation)?;
        state.generation = number;
    }
    let (ops, dirs) = stage_base(db, plan, local, journal, state, &mut actions)?;
    journal::begin(db, journal)?;
    base::apply(
        &db.root,
        &dirs,
        &ops,
        &journal::backup_dir(db, journal.txid),
    )?;
    state.txid = journal.txid;
    db.save_state(state)?;
    profile::switch(db, state.generation)?;
    run_actions(db, &actions)
}

/// Unpacks the new store entries, in parallel: they are independent directories, and
/// creating their files is most of an install's time.
fn add_store_entries(
    db: &Db,
    plan: &Plan,
    local: &BTreeMap<String, PathBuf>,
) -> Result<Vec<Record>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let add = |index: usize| -> Result<Record> {
        let (key, offer, deps) = &plan.new_store[index];
        let package = &offer.package;
        let record = store::add(
            db,
            key,
            &local[&package.sha256],
            &offer.repo,
            &package.sha256,
            deps,
        )?;
        check_matches(&record.manifest, offer)?;
        Ok(record)
    };
    let results: Vec<Result<Vec<(usize, Record)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if index >= plan.new_store.len() {
                            return Ok(done);
                        }
                        done.push((index, add(index)?));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("store workers do not panic"))
            .collect()
    });
    let mut records = Vec::new();
    for result in results {
        records.extend(result?);
    }
    records.sort_by_key(|(index, _)| *index);
    Ok(records.into_iter().map(|(_, record)| record).collect())
}

/// Unpacks new base packages into the staging directory, checks ownership, and plans
/// their file changes (recorded in the journal before anything is replaced).
fn stage_base(
    db: &Db,
    plan: &Plan,
    local: &BTreeMap<String, PathBuf>,
    journal: &mut Journal,
    state: &mut State,
    actions: &mut Vec<Action>,
) -> Result<(Vec<FileOp>, Vec<base::DirMode>)> {
    let mut owners = BTreeMap::new();
    for (name, key) in &state.base {
        if !plan.base_changes.contains_key(name) {
            base::check_owners(&mut owners, name, &db.base_record(key)?.manifest)?;
        }
    }
    let (mut ops, mut dirs) = (Vec::new(), Vec::new());
    for (name, change) in &plan.base_changes {
        let old = state
            .base
            .get(name)
            .map(|k| db.base_record(k))
            .transpose()?;
        let staged = journal::staging_dir(db, journal.txid).join(name);
        let new = match change {
            Some((_, offer)) => {
                std::fs::create_dir_all(&staged).map_err(crate::error::io_at(&staged))?;
                let manifest = crate::archive::extract(&local[&offer.package.sha256], &staged)?;
                check_matches(&manifest, offer)?;
                base::check_owners(&mut owners, name, &manifest)?;
                Some((manifest, offer))
            }
            None => None,
        };
        let (package_ops, package_dirs) = base::plan(
            &db.root,
            old.as_ref(),
            new.as_ref().map(|(m, _)| (m, staged.as_path())),
        )?;
        ops.extend(package_ops);
        dirs.extend(package_dirs);
        match new {
            Some((manifest, offer)) => {
                let key = base_key(offer);
                actions.extend(manifest.post_install.clone());
                let record = Record {
                    manifest,
                    sha256: offer.package.sha256.clone(),
                    repo: offer.repo.clone(),
                    deps: BTreeMap::new(),
                };
                db::write_toml(&db.base_record_path(&key), &record)?;
                journal.new_base.push(key.clone());
                state.base.insert(name.clone(), key);
            }
            None => {
                state.base.remove(name);
            }
        }
    }
    journal.base_files = base::journal_entries(&ops);
    Ok((ops, dirs))
}

/// The package file must be the one the catalogue describes.
fn check_matches(manifest: &Manifest, offer: &Offer) -> Result<()> {
    let p = &offer.package;
    if manifest.name != p.name
        || manifest.version != p.version
        || manifest.prefix != p.prefix
        || manifest.depends != p.depends
    {
        return Err(invalid(
            &p.file,
            "package manifest differs from the catalogue entry",
        ));
    }
    Ok(())
}

/// Declarative post-install actions; each is idempotent, so a recovered transaction
/// may run them again.
fn run_actions(db: &Db, actions: &[Action]) -> Result<()> {
    for action in actions {
        match action {
            Action::Mkdir { path } => {
                let dir = inside(&db.root, path);
                std::fs::create_dir_all(&dir).map_err(crate::error::io_at(&dir))?;
            }
            Action::Symlink { path, target } => {
                let link = inside(&db.root, path);
                if std::fs::symlink_metadata(&link).is_err() {
                    std::os::unix::fs::symlink(target, &link)
                        .map_err(crate::error::io_at(&link))?;
                }
            }
        }
    }
    Ok(())
}

/// Points the profile back at the previous generation.
pub fn rollback(db: &Db) -> Result<u64> {
    let mut state = db.state()?;
    let previous = db
        .generations()?
        .into_iter()
        .filter(|&n| n < state.generation)
        .max();
    let previous =
        previous.ok_or_else(|| invalid("rollback", "there is no previous generation"))?;
    let journal = Journal {
        txid: state.txid + 1,
        ..Journal::default()
    };
    journal::begin(db, &journal)?;
    state.txid = journal.txid;
    state.generation = previous;
    db.save_state(&state)?;
    journal::recover(db)?;
    Ok(previous)
}

pub fn set_lock(db: &Db, name: &str, locked: bool) -> Result<()> {
    let mut state = db.state()?;
    let current = db.generation(state.generation)?;
    if !current.packages.contains_key(name) && !state.base.contains_key(name) {
        return Err(invalid(format!("package {name}"), "is not installed"));
    }
    if locked {
        state.locked.insert(name.to_string());
    } else {
        state.locked.remove(name);
    }
    db.save_state(&state)
}
