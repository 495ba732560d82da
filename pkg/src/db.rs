//! The package database in `ROOT/var/db/pkg/`:
//!
//! - `state.toml`: the committed state (current generation, installed base packages,
//!   locks, last catalogue revisions seen); replaced by one rename, it is the commit
//!   point of every transaction;
//! - `store/<name>-<version>-<hash>.toml`, `base/<same>.toml`: immutable records of each
//!   store entry and base package (manifest with every file's hash, dependency links);
//! - `generations/<N>.toml`: the profile's selections (their link trees are
//!   `ROOT/pkg/.generations/<N>/`);
//! - `repos/<repo>/`: the last verified catalogue of each repository;
//! - `journal.toml`: present only while a transaction runs (see `journal`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::catalogue::write_atomically;
use crate::error::{Result, invalid, io_at};
use crate::manifest::Manifest;

pub const DB_DIR: &str = "var/db/pkg";
/// Where store entries live, relative to the root.
pub const STORE_DIR: &str = "pkg";
/// Where the profile generations' link trees live, relative to the root. Beside the
/// store, so links are short: ext4 keeps a symlink under 60 bytes inside its inode.
pub const GENERATIONS_DIR: &str = "pkg/.generations";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The last committed transaction.
    pub txid: u64,
    /// The profile generation `usr/local` points at (0: none yet).
    pub generation: u64,
    /// Installed base packages: name -> record key.
    #[serde(default)]
    pub base: BTreeMap<String, String>,
    #[serde(default)]
    pub locked: BTreeSet<String>,
    /// Last catalogue revision accepted, per repository.
    #[serde(default)]
    pub seen: BTreeMap<String, u64>,
}

/// What is known about one store entry or base package.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub manifest: Manifest,
    /// SHA-256 of the package file it came from.
    pub sha256: String,
    pub repo: String,
    /// Store entries this one links to in `deps/`: dependency name -> store directory.
    #[serde(default)]
    pub deps: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Generation {
    #[serde(default)]
    pub packages: BTreeMap<String, Selected>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Selected {
    pub dir: String,
    /// Installed only as a dependency of another package.
    pub automatic: bool,
}

pub struct Db {
    pub root: PathBuf,
    pub dir: PathBuf,
    /// Held while the database is open: one `pkg` at a time changes a root.
    _lock: fs::File,
}

impl Db {
    pub fn open(root: &Path) -> Result<Db> {
        let dir = root.join(DB_DIR);
        for sub in ["store", "base", "generations", "repos"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(io_at(&path))?;
        }
        let store = root.join(STORE_DIR);
        fs::create_dir_all(&store).map_err(io_at(&store))?;
        let lock_path = dir.join("lock");
        let lock = fs::File::create(&lock_path).map_err(io_at(&lock_path))?;
        lock.lock().map_err(io_at(&lock_path))?;
        Ok(Db {
            root: root.to_path_buf(),
            dir,
            _lock: lock,
        })
    }

    pub fn state(&self) -> Result<State> {
        let path = self.dir.join("state.toml");
        if !path.exists() {
            return Ok(State::default());
        }
        read_toml(&path)
    }

    pub fn save_state(&self, state: &State) -> Result<()> {
        write_toml(&self.dir.join("state.toml"), state)
    }

    pub fn store_record_path(&self, key: &str) -> PathBuf {
        self.dir.join("store").join(format!("{key}.toml"))
    }

    pub fn base_record_path(&self, key: &str) -> PathBuf {
        self.dir.join("base").join(format!("{key}.toml"))
    }

    pub fn store_record(&self, key: &str) -> Result<Record> {
        read_toml(&self.store_record_path(key))
    }

    pub fn base_record(&self, key: &str) -> Result<Record> {
        read_toml(&self.base_record_path(key))
    }

    pub fn store_path(&self, key: &str) -> PathBuf {
        self.root.join(STORE_DIR).join(key)
    }

    pub fn generation_path(&self, number: u64) -> PathBuf {
        self.root.join(GENERATIONS_DIR).join(number.to_string())
    }

    pub fn generation(&self, number: u64) -> Result<Generation> {
        if number == 0 {
            return Ok(Generation::default());
        }
        read_toml(&self.dir.join("generations").join(format!("{number}.toml")))
    }

    pub fn save_generation(&self, number: u64, generation: &Generation) -> Result<()> {
        write_toml(
            &self.dir.join("generations").join(format!("{number}.toml")),
            generation,
        )
    }

    /// Numbers of the generations on disk, ascending.
    pub fn generations(&self) -> Result<Vec<u64>> {
        let dir = self.dir.join("generations");
        let mut numbers: Vec<u64> = fs::read_dir(&dir)
            .map_err(io_at(&dir))?
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".toml")?
                    .parse()
                    .ok()
            })
            .collect();
        numbers.sort_unstable();
        Ok(numbers)
    }

    pub fn repo_cache(&self, repo: &str) -> PathBuf {
        self.dir.join("repos").join(repo)
    }
}

pub fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).map_err(io_at(path))?;
    toml::from_str(&text).map_err(|e| {
        invalid(
            path.display(),
            format!("damaged database file: {}", e.message()),
        )
    })
}

pub fn write_toml<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomically(
        path,
        &toml::to_string(value).expect("database types always serialize"),
    )
}

/// The profile's current packages with their records.
pub fn current_records(db: &Db, state: &State) -> Result<BTreeMap<String, (Selected, Record)>> {
    let generation = db.generation(state.generation)?;
    generation
        .packages
        .into_iter()
        .map(|(name, selected)| {
            let record = db.store_record(&selected.dir)?;
            Ok((name, (selected, record)))
        })
        .collect()
}
