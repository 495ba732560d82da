//! Planning install, upgrade and delete: the solver picks versions, store keys follow
//! from the exact dependency versions, and the new profile selection is computed — all
//! before anything is downloaded or changed.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::{Db, Generation, Selected, State};
use crate::error::{Result, invalid};
use crate::fetch::Fetcher;
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
    pub(crate) state: State,
    pub(crate) new_store: Vec<(String, Offer, BTreeMap<String, String>)>,
    /// Base packages: name -> (new record key and offer, or removal).
    pub(crate) base_changes: BTreeMap<String, Option<(String, Offer)>>,
    pub(crate) generation: Option<Generation>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
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
        let aliases = providers(&offers, &installed);
        names
            .iter()
            .map(|n| aliases.get(n).unwrap_or(n).clone())
            .collect()
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
    let aliases = providers(&offers, &installed);
    let candidates = offers.values().map(|o| {
        let depends = o
            .package
            .depends
            .iter()
            .map(|(dep, constraint)| match aliases.get(dep) {
                // A provided name has no versions of its own: any provider version will do.
                Some(provider) => (provider.clone(), "*".to_string()),
                None => (dep.clone(), constraint.clone()),
            });
        Candidate::new(&o.package.name, &o.package.version, &depends.collect())
    });
    let solver = Solver::new(candidates.collect::<Result<Vec<_>>>()?);
    let solution = solver.solve(&request)?;
    let chosen: BTreeMap<String, &Offer> = solution
        .iter()
        .map(|(name, version)| (name.clone(), &offers[&(name.clone(), version.clone())]))
        .collect();
    check_conflicts(&chosen, &current, &state)?;

    let mut keys = BTreeMap::new();
    for name in chosen.keys() {
        key_of(name, &chosen, &aliases, &mut keys, &mut BTreeSet::new())?;
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
                .map(|d| (d.clone(), keys[aliases.get(d).unwrap_or(d)].clone()))
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

/// Names that no package has but some package `provides`, mapped to the provider used
/// for them: an installed one if any, else the first by name. A dependent's `deps/`
/// link keeps the provided name.
fn providers(
    offers: &BTreeMap<(String, Version), Offer>,
    installed: &BTreeMap<String, Version>,
) -> BTreeMap<String, String> {
    let real: BTreeSet<&str> = offers.keys().map(|(name, _)| name.as_str()).collect();
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    for offer in offers.values() {
        let provider = &offer.package.name;
        for provided in offer
            .package
            .provides
            .iter()
            .filter(|p| !real.contains(p.as_str()))
        {
            let better = match aliases.get(provided) {
                None => true,
                Some(current) => {
                    !installed.contains_key(current)
                        && (installed.contains_key(provider) || provider < current)
                }
            };
            if better {
                aliases.insert(provided.clone(), provider.clone());
            }
        }
    }
    aliases
}

/// The store key of `name` in this solution (`base:<version>` for base packages).
fn key_of(
    name: &str,
    chosen: &BTreeMap<String, &Offer>,
    aliases: &BTreeMap<String, String>,
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
        let dep_key = key_of(
            aliases.get(dep).unwrap_or(dep),
            chosen,
            aliases,
            keys,
            visiting,
        )?;
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

/// The record key of a base package: name, version and package hash.
pub(crate) fn base_key(offer: &Offer) -> String {
    let p = &offer.package;
    format!("{}-{}-{}", p.name, p.version, &p.sha256[..16])
}
