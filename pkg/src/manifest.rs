//! The package manifest: what a packager writes (`pkg create -M`) and, completed with the
//! file table, what every package file carries as its first archive entry `+MANIFEST`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};
use crate::paths::{check_relative, check_symlink};
use crate::version::{Version, parse_constraint};

/// Prefix of packages that live in the store and are reached through the profile.
pub const STORE_PREFIX: &str = "/usr/local";
/// Directory inside every store entry that holds the links to its dependencies.
pub const DEPS_DIR: &str = "deps";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    pub comment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// `/` for base packages installed in place, otherwise the store and the profile.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub depends: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// Configuration files: a base package never overwrites a locally changed one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<String>,
    /// The only files allowed to carry setuid or setgid bits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setuid: Vec<String>,
    #[serde(
        default,
        rename = "post-install",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub post_install: Vec<Action>,
    #[serde(default, rename = "subpackage", skip_serializing_if = "Vec::is_empty")]
    pub subpackages: Vec<SubPackage>,
    /// In a packager's manifest: the complete list of staged files, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<String>>,
    /// In a package file: every entry with its type, mode, size and hash.
    #[serde(default, rename = "entry", skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<Entry>,
}

fn default_prefix() -> String {
    STORE_PREFIX.to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SubPackage {
    pub name: String,
    pub comment: String,
    pub files: Vec<String>,
}

/// Declarative post-install actions: no scripts, so they can be checked and replayed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum Action {
    /// Creates a directory (absolute path, read inside the root).
    Mkdir { path: String },
    /// Creates a symlink (absolute path, read inside the root) unless one exists.
    Symlink { path: String, target: String },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub kind: Kind,
    pub mode: u32,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

const SETID_BITS: u32 = 0o6000;

impl Manifest {
    pub fn parse(text: &str, subject: &str) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            invalid(
                subject,
                e.message().lines().next().unwrap_or("bad TOML").to_string(),
            )
        })?;
        manifest.validate().map_err(|e| invalid(subject, e))?;
        Ok(manifest)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a manifest always serializes")
    }

    pub fn is_base(&self) -> bool {
        self.prefix == "/"
    }

    pub fn parsed_version(&self) -> Version {
        Version::parse(&self.version).expect("validated on parse")
    }

    pub fn file_name(&self) -> String {
        format!("{}-{}.pkg", self.name, self.version)
    }

    /// Checks everything that does not need the staged tree or the archive body.
    pub fn validate(&self) -> Result<()> {
        check_name(&self.name)?;
        Version::parse(&self.version)?;
        if self.prefix != "/" && self.prefix != STORE_PREFIX {
            return Err(invalid(
                format!("prefix {:?}", self.prefix),
                format!("must be \"/\" (base package) or \"{STORE_PREFIX}\""),
            ));
        }
        for (dep, constraint) in &self.depends {
            check_name(dep)?;
            parse_constraint(constraint)?;
        }
        for name in self.provides.iter().chain(&self.conflicts) {
            check_name(name)?;
        }
        for action in &self.post_install {
            let (Action::Mkdir { path } | Action::Symlink { path, .. }) = action;
            check_relative(path.trim_start_matches('/'))?;
        }
        for sub in &self.subpackages {
            check_name(&sub.name)?;
        }
        self.validate_entries()
    }

    fn validate_entries(&self) -> Result<()> {
        let mut seen = BTreeSet::new();
        let non_dirs: BTreeSet<&str> = (self.entries.iter())
            .filter(|e| e.kind != Kind::Dir)
            .map(|e| e.path.as_str())
            .collect();
        for entry in &self.entries {
            // A file or symlink used as a parent would let a later entry be written
            // through a symlink, outside the package.
            let mut parent = entry.path.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                if non_dirs.contains(up) {
                    return Err(invalid(
                        format!("entry {:?}", entry.path),
                        format!("{up:?} is not a directory"),
                    ));
                }
                parent = up;
            }
            check_relative(&entry.path)?;
            let subject = || format!("entry {:?}", entry.path);
            if !self.is_base() && entry.path.split('/').next() == Some(DEPS_DIR) {
                return Err(invalid(subject(), "deps/ is reserved for dependency links"));
            }
            if !seen.insert(entry.path.as_str()) {
                return Err(invalid(subject(), "listed twice"));
            }
            if entry.mode & SETID_BITS != 0 && !self.setuid.contains(&entry.path) {
                return Err(invalid(
                    subject(),
                    "has a setuid/setgid bit the manifest does not declare",
                ));
            }
            match (entry.kind, &entry.target) {
                (Kind::Symlink, Some(target)) => {
                    check_symlink(&entry.path, target, self.is_base())?
                }
                (Kind::Symlink, None) => return Err(invalid(subject(), "symlink without target")),
                (Kind::File, None) if entry.sha256.len() == 64 => {}
                (Kind::File, _) => return Err(invalid(subject(), "file without a sha256 hash")),
                (Kind::Dir, _) => {}
            }
        }
        for config in &self.config {
            if !self.entries.is_empty() && !seen.contains(config.as_str()) {
                return Err(invalid(
                    format!("config file {config:?}"),
                    "is not in the package",
                ));
            }
        }
        Ok(())
    }

    pub fn entry(&self, path: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.path == path)
    }
}

/// Package names: lowercase letters, digits and `+-._`, starting with a letter or digit.
pub fn check_name(name: &str) -> Result<()> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-._".contains(c));
    if valid {
        Ok(())
    } else {
        Err(invalid(
            format!("package name {name:?}"),
            "must be lowercase letters, digits and +-._",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_manifest_parses() {
        let m = Manifest::parse(
            "name = \"app\"\nversion = \"1.0\"\ncomment = \"An example\"\n[depends]\nlibgreet = \"^1\"\n",
            "m",
        )
        .unwrap();
        assert_eq!(m.prefix, STORE_PREFIX);
        assert_eq!(m.depends["libgreet"], "^1");
        assert_eq!(m.file_name(), "app-1.0.pkg");
    }

    #[test]
    fn unknown_fields_and_bad_names_are_refused() {
        assert!(
            Manifest::parse(
                "name = \"a\"\nversion = \"1\"\ncomment = \"\"\nvresion = 2\n",
                "m"
            )
            .is_err()
        );
        assert!(Manifest::parse("name = \"A b\"\nversion = \"1\"\ncomment = \"\"\n", "m").is_err());
    }

    #[test]
    fn undeclared_setuid_is_refused() {
        let mut m =
            Manifest::parse("name = \"a\"\nversion = \"1\"\ncomment = \"\"\n", "m").unwrap();
        m.entries.push(Entry {
            path: "bin/su".into(),
            kind: Kind::File,
            mode: 0o4755,
            size: 0,
            sha256: "0".repeat(64),
            target: None,
        });
        assert!(m.validate().is_err());
        m.setuid.push("bin/su".into());
        assert!(m.validate().is_ok());
    }
}
