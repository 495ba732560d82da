//! Repository configuration: `ROOT/etc/pkg/repos/<name>.toml`.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Result, invalid, io_at};
use crate::paths::inside;

pub const REPOS_DIR: &str = "etc/pkg/repos";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    pub url: String,
    /// Directory (read inside the root) holding `trusted/` and `revoked/`.
    #[serde(default)]
    pub fingerprints: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Higher wins when two repositories offer the same package version.
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub mirrors: Vec<String>,
    /// `"fingerprints"` (the default) or `"none"` to accept an unsigned repository.
    #[serde(default)]
    pub signature: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone)]
pub struct Repo {
    pub name: String,
    pub config: RepoConfig,
}

impl Repo {
    /// Base URLs to try, the main one first.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.config.url.as_str())
            .chain(self.config.mirrors.iter().map(String::as_str))
    }

    pub fn requires_signature(&self) -> bool {
        self.config.signature.as_deref() != Some("none")
    }

    pub fn fingerprints_dir(&self, root: &Path) -> Result<PathBuf> {
        let dir = self.config.fingerprints.as_deref().ok_or_else(|| {
            invalid(
                format!("repository {}", self.name),
                "needs `fingerprints` unless signature = \"none\"",
            )
        })?;
        Ok(inside(root, dir))
    }
}

/// Enabled repositories, highest priority first.
pub fn load(root: &Path) -> Result<Vec<Repo>> {
    let dir = inside(root, REPOS_DIR);
    let mut repos = Vec::new();
    let Ok(children) = fs::read_dir(&dir) else {
        return Ok(repos);
    };
    for child in children {
        let path = child.map_err(io_at(&dir))?.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(io_at(&path))?;
        let config: RepoConfig = toml::from_str(&text).map_err(|e| {
            invalid(
                path.display(),
                e.message().lines().next().unwrap_or("bad TOML").to_string(),
            )
        })?;
        if let Some(mode) = config
            .signature
            .as_deref()
            .filter(|m| *m != "none" && *m != "fingerprints")
        {
            return Err(invalid(
                path.display(),
                format!("signature = {mode:?}: expected \"fingerprints\" or \"none\""),
            ));
        }
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if config.enabled {
            repos.push(Repo { name, config });
        }
    }
    repos.sort_by(|a, b| {
        b.config
            .priority
            .cmp(&a.config.priority)
            .then(a.name.cmp(&b.name))
    });
    Ok(repos)
}
