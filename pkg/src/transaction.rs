//! install, upgrade and delete: the whole plan is computed first (solver, store keys,
//! profile selections), every package is downloaded and verified, then the changes are
//! applied under the journal and committed by one rename of `state.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::base::{self, FileOp};
use crate::db::{self, Db, Generation, Record, Selected, State};
use crate::error::{Result, invalid};
use crate::fetch::{Fetcher, Job};
use crate::journal::{self, Journal};
use crate::manifest::{Action, Manifest};
use crate::paths::inside;
use crate::profile;
use crate::solver::{Candidate, Request, Solver};
use crate::store;
use crate::update::{self, Offer};
use crate::version::{Version, VersionSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Install,
    Upgrade,
}

/// One line of the plan shown to the user.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub action: &'static str,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub struct Plan {
    pub steps: Vec<Step>,
    state: State,
    new_store: Vec<(String, Offer, BTreeMap<String, String>)>,
    /// Base packages: name -> (new record key and offer, or removal).
    base_changes: BTreeMap<String, Option<(String, Offer)>>,
    generation: Option<Generation>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Opens the database, first finishing or undoing an interrupted transaction.
pub fn open(root: &std::path::Path) -> Result<Db> {
    let db = Db::open(root)?;
    journal::recover(&db)?;
    Ok(db)
}

/// Plans installing or upgrading `names` (upgrade with no names: everything installed).
pub fn plan_install(db: &Db, names: &[String], mode: Mode, fetcher: &Fetcher) -> Result<Plan> {
    let mut state = db.state()?;
    let synced = update::update(db, &mut state, fetcher)?;
    let offers = update::offers(&synced)?;
    let current = db.generation(state.generation)?;
    let mut installed: BTreeMap<String, Version> = BTreeMap::new();
    for (name, selected) in &current.packages {
        installed.insert(
            name.clone(),
            db.store_record(&selected.dir)?.manifest.parsed_version(),
        );
    }
    for (name, key) in &state.base {
        installed.insert(name.clone(), db.base_record(key)?.manifest.parsed_version());
    }
    let targets: Vec<String> = if names.is_empty() && mode == Mode::Upgrade {
        installed.keys().cloned().collect()
    } else {
        names.to_vec()
    };
    for name in &targets {
        if !offers.keys().any(|(n, _)| n == name) && !installed.contains_key(name) {
            return Err(invalid(
                format!("package {name}"),
                "is not in any repository",
            ));
        }
    }
    let mut request = Request {
        wanted: targets
            .iter()
            .map(|n| (n.clone(), VersionSet::full()))
            .collect(),
        ..Request::default()
    };
    for name in &state.locked {
        if let Some(version) = installed.get(name) {
            request.locked.insert(name.clone(), version.clone());
        }
    }
    if mode == Mode::Install {
        request.prefer = installed.clone().into_iter().collect();
    }
    let candidates = offers
        .values()
        .map(|o| Candidate::new(&o.package.name, &o.package.version, &o.package.depends));
    let solver = Solver::new(candidates.collect::<Result<Vec<_>>>()?);
    let solution = solver.solve(&request)?;
    let chosen: BTreeMap<String, &Offer> = solution
        .iter()
        .map(|(name, version)| (name.clone(), &offers[&(name.clone(), version.clone())]))
        .collect();
    check_conflicts(&chosen, &current, &state)?;

    let mut keys = BTreeMap::new();
    for name in chosen.keys() {
        key_of(name, &chosen, &mut keys, &mut BTreeSet::new())?;
    }
    let mut plan = Plan {
        steps: Vec::new(),
        state,
        new_store: Vec::new(),
        base_changes: BTreeMap::new(),
        generation: None,
    };
    let mut generation = current.clone();
    for (name, offer) in &chosen {
        let key = if offer.package.prefix == "/" {
            &base_key(offer)
        } else {
            &keys[name]
        };
        let from = installed.get(name).map(|v| v.to_string());
        let to = Some(offer.package.version.clone());
        if offer.package.prefix == "/" {
            let same = plan.state.base.get(name) == Some(key);
            if !same {
                let action = if from.is_some() { "upgrade" } else { "install" };
                plan.steps.push(Step {
                    action,
                    name: name.clone(),
                    from,
                    to,
                });
                plan.base_changes
                    .insert(name.clone(), Some((key.clone(), (*offer).clone())));
            }
            continue;
        }
        let previous = current.packages.get(name);
        let explicit = targets.contains(name);
        let automatic = !explicit && previous.is_none_or(|p| p.automatic);
        if previous.map(|p| &p.dir) != Some(key) {
            let action = match (&from, previous) {
                (Some(f), Some(_)) if Some(f) == to.as_ref() => "relink",
                (Some(_), Some(_)) => "upgrade",
                _ => "install",
            };
            plan.steps.push(Step {
                action,
                name: name.clone(),
                from: from.clone(),
                to: to.clone(),
            });
        }
        generation.packages.insert(
            name.clone(),
            Selected {
                dir: key.clone(),
                automatic,
            },
        );
        if !db.store_path(key).exists() && !plan.new_store.iter().any(|(k, _, _)| k == key) {
            let record_deps = offer
                .package
                .depends
                .keys()
                .map(|d| (d.clone(), keys[d].clone()))
                .collect();
            plan.new_store
                .push((key.clone(), (*offer).clone(), record_deps));
        }
    }
    if generation != current {
        plan.generation = Some(generation);
    }
    Ok(plan)
}

/// The store key of `name` in this solution (`base:<version>` for base packages).
fn key_of(
    name: &str,
    chosen: &BTreeMap<String, &Offer>,
    keys: &mut BTreeMap<String, String>,
    visiting: &mut BTreeSet<String>,
) -> Result<String> {
    if let Some(key) = keys.get(name) {
        return Ok(key.clone());
    }
    let offer = chosen[name];
    let package = &offer.package;
    if !visiting.insert(name.to_string()) {
        return Err(invalid(
            format!("package {name}"),
            "is part of a dependency cycle",
        ));
    }
    let mut deps = BTreeMap::new();
    for dep in package.depends.keys() {
        let dep_key = key_of(dep, chosen, keys, visiting)?;
        if package.prefix == "/" && !dep_key.starts_with("base:") {
            return Err(invalid(
                format!("base package {name}"),
                format!("depends on {dep}, which is not a base package"),
            ));
        }
        deps.insert(dep.clone(), dep_key);
    }
    visiting.remove(name);
    let key = store::key(name, &package.version, &package.sha256, &deps);
    let key = if package.prefix == "/" {
        format!("base:{}", package.version)
    } else {
        key
    };
    keys.insert(name.to_string(), key.clone());
    Ok(key)
}

fn check_conflicts(
    chosen: &BTreeMap<String, &Offer>,
    current: &Generation,
    state: &State,
) -> Result<()> {
    let present: BTreeSet<&str> = chosen
        .keys()
        .map(String::as_str)
        .chain(current.packages.keys().map(String::as_str))
        .chain(state.base.keys().map(String::as_str))
        .collect();
    for (name, offer) in chosen {
        if let Some(other) = offer
            .package
            .conflicts
            .iter()
            .find(|c| present.contains(c.as_str()) && *c != name)
        {
            return Err(invalid(
                format!("package {name}"),
                format!("conflicts with {other}"),
            ));
        }
    }
    Ok(())
}

/// Plans deleting `names` from the profile or, for base packages, from the root.
pub fn plan_delete(db: &Db, names: &[String]) -> Result<Plan> {
    let state = db.state()?;
    let current = db.generation(state.generation)?;
    let mut plan = Plan {
        steps: Vec::new(),
        state: state.clone(),
        new_store: Vec::new(),
        base_changes: BTreeMap::new(),
        generation: None,
    };
    let mut generation = current.clone();
    for name in names {
        if state.locked.contains(name) {
            return Err(invalid(format!("package {name}"), "is locked"));
        }
        let (from, base) = if let Some(selected) = generation.packages.remove(name) {
            (db.store_record(&selected.dir)?.manifest.version, false)
        } else if let Some(key) = state.base.get(name) {
            (db.base_record(key)?.manifest.version, true)
        } else {
            return Err(invalid(format!("package {name}"), "is not installed"));
        };
        if base {
            for (other, key) in &state.base {
                if !names.contains(other)
                    && db.base_record(key)?.manifest.depends.contains_key(name)
                {
                    return Err(invalid(
                        format!("package {name}"),
                        format!("is required by {other}"),
                    ));
                }
            }
            plan.base_changes.insert(name.clone(), None);
        }
        plan.steps.push(Step {
            action: "remove",
            name: name.clone(),
            from: Some(from),
            to: None,
        });
    }
    if generation != current {
        plan.generation = Some(generation);
    }
    Ok(plan)
}

/// Downloads, verifies and applies a plan; on any failure the root is left as it was.
pub fn apply(db: &Db, plan: Plan, fetcher: &Fetcher) -> Result<()> {
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
) -> Result<(Vec<FileOp>, Vec<String>)> {
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

/// The record key of a base package: name, version and package hash.
fn base_key(offer: &Offer) -> String {
    let p = &offer.package;
    format!("{}-{}-{}", p.name, p.version, &p.sha256[..16])
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
