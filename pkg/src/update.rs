//! `pkg update`: fetches every enabled repository's catalogue, checks its signatures
//! against the repository's trust directory and its revision and expiry, and keeps the
//! accepted copy in `var/db/pkg/repos/<repo>/`.

use std::collections::BTreeMap;
use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::catalogue::{self, CATALOGUE, Catalogue, Freshness, SIGNATURES, Trust};
use crate::db::{Db, State};
use crate::error::{Result, invalid, io_at};
use crate::fetch::Fetcher;
use crate::repo::{self, Repo};
use crate::version::Version;

/// A repository with its accepted catalogue.
pub struct Synced {
    pub repo: Repo,
    pub catalogue: Catalogue,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Fetches and verifies all catalogues; records the revisions seen in `state` (the
/// caller saves it). Any refused catalogue fails the whole update.
pub fn update(db: &Db, state: &mut State, fetcher: &Fetcher) -> Result<Vec<Synced>> {
    let mut synced = Vec::new();
    for repo in repo::load(&db.root)? {
        let subject = format!("repository {} ({})", repo.name, repo.config.url);
        let mut fetched = None;
        let mut last_error = None;
        for base in repo.urls() {
            match fetcher.get_optional(base, CATALOGUE) {
                Ok(Some(text)) => {
                    fetched = Some((text, fetcher.get_optional(base, SIGNATURES)?));
                    break;
                }
                Ok(None) => last_error = Some(invalid(&subject, "has no catalogue.toml")),
                Err(e) => last_error = Some(e),
            }
        }
        let Some((text, signatures)) = fetched else {
            return Err(last_error.unwrap_or_else(|| invalid(&subject, "unreachable")));
        };
        let trust = match repo.requires_signature() {
            true => Some(Trust::load(&repo.fingerprints_dir(&db.root)?)?),
            false => None,
        };
        let fresh = Freshness {
            last_seen: state.seen.get(&repo.name).copied(),
            now: now(),
        };
        let catalogue = catalogue::verify(
            &subject,
            &text,
            signatures.as_deref(),
            trust.as_ref(),
            &fresh,
        )?;
        let cache = db.repo_cache(&repo.name);
        fs::create_dir_all(&cache).map_err(io_at(&cache))?;
        catalogue::write_atomically(&cache.join(CATALOGUE), &text)?;
        state.seen.insert(repo.name.clone(), catalogue.revision);
        synced.push(Synced { repo, catalogue });
    }
    Ok(synced)
}

/// The catalogues accepted by the last update, without fetching.
pub fn cached(db: &Db) -> Result<Vec<Synced>> {
    let mut synced = Vec::new();
    for repo in repo::load(&db.root)? {
        let path = db.repo_cache(&repo.name).join(CATALOGUE);
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let catalogue: Catalogue =
            toml::from_str(&text).map_err(|e| invalid(path.display(), e.message()))?;
        synced.push(Synced { repo, catalogue });
    }
    Ok(synced)
}

/// A package version offered by a repository.
#[derive(Clone)]
pub struct Offer {
    pub repo: String,
    pub bases: Vec<String>,
    pub package: catalogue::Package,
}

/// Every offered version, the highest-priority repository winning ties.
pub fn offers(synced: &[Synced]) -> Result<BTreeMap<(String, Version), Offer>> {
    let mut offers = BTreeMap::new();
    for s in synced {
        let bases: Vec<String> = s.repo.urls().map(str::to_string).collect();
        for package in &s.catalogue.packages {
            let key = (package.name.clone(), Version::parse(&package.version)?);
            offers.entry(key).or_insert_with(|| Offer {
                repo: s.repo.name.clone(),
                bases: bases.clone(),
                package: package.clone(),
            });
        }
    }
    Ok(offers)
}
