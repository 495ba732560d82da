//! The signed catalogue of a repository: `catalogue.toml` (revision, optional expiry, one
//! `[[package]]` per package file with its SHA-256) and `catalogue.sig` (hex ed25519
//! signatures of the catalogue's SHA-256, one a line).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::archive;
use crate::digest::{sha256_file, sha256_hex};
use crate::error::{Result, invalid, io_at};
use crate::manifest::{Manifest, check_name};
use crate::paths::check_relative;
use crate::sign;
use crate::version::{Version, parse_constraint};

pub const CATALOGUE: &str = "catalogue.toml";
pub const SIGNATURES: &str = "catalogue.sig";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub revision: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<u64>,
    #[serde(default, rename = "package")]
    pub packages: Vec<Package>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub comment: String,
    pub prefix: String,
    /// Path of the package file relative to the repository URL.
    pub file: String,
    pub sha256: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub depends: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
}

/// How `pkg repo` signs the catalogue.
pub enum Signer {
    Key(PathBuf),
    Command(String),
    Unsigned,
}

pub struct Options {
    pub revision: u64,
    pub expires: Option<u64>,
    pub signer: Signer,
}

/// Indexes the package files found under `outdir` and writes the (signed) catalogue.
pub fn write_repo(outdir: &Path, options: &Options) -> Result<Catalogue> {
    let mut files = Vec::new();
    find_packages(outdir, &mut files)?;
    files.sort();
    let mut packages = Vec::new();
    let mut seen = BTreeSet::new();
    for path in files {
        let manifest: Manifest = archive::read_manifest(&path)?;
        if !seen.insert((manifest.name.clone(), manifest.parsed_version())) {
            return Err(invalid(
                path.display(),
                "a second package with the same name and version",
            ));
        }
        let rel = path.strip_prefix(outdir).expect("found under outdir");
        packages.push(Package {
            file: rel.to_string_lossy().into_owned(),
            sha256: sha256_file(&path)?,
            size: fs::metadata(&path).map_err(io_at(&path))?.len(),
            name: manifest.name,
            version: manifest.version,
            comment: manifest.comment,
            prefix: manifest.prefix,
            depends: manifest.depends,
            provides: manifest.provides,
            conflicts: manifest.conflicts,
            cpe: manifest.cpe,
        });
    }
    let catalogue = Catalogue {
        revision: options.revision,
        expires: options.expires,
        packages,
    };
    let text = toml::to_string(&catalogue).expect("a catalogue always serializes");
    let digest = sha256_hex(text.as_bytes());
    let signatures = match &options.signer {
        Signer::Key(secret) => vec![sign::sign_digest(&sign::read_secret(secret)?, &digest)?],
        Signer::Command(command) => sign::sign_with_command(command, &digest)?,
        Signer::Unsigned => Vec::new(),
    };
    let sig_path = outdir.join(SIGNATURES);
    if signatures.is_empty() {
        match fs::remove_file(&sig_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_at(&sig_path)(e)),
            _ => {}
        }
    } else {
        write_atomically(&sig_path, &(signatures.join("\n") + "\n"))?;
    }
    write_atomically(&outdir.join(CATALOGUE), &text)?;
    Ok(catalogue)
}

fn find_packages(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for child in fs::read_dir(dir).map_err(io_at(dir))? {
        let path = child.map_err(io_at(dir))?.path();
        let file_type = fs::symlink_metadata(&path)
            .map_err(io_at(&path))?
            .file_type();
        if file_type.is_dir() {
            find_packages(&path, out)?;
        } else if file_type.is_file() && path.extension().is_some_and(|e| e == "pkg") {
            out.push(path);
        }
    }
    Ok(())
}

pub fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_at(dir))?;
    fs::write(tmp.path(), text).map_err(io_at(path))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .map_err(io_at(path))?;
    Ok(())
}

/// Keys a repository's catalogue is checked against.
pub struct Trust {
    pub trusted: Vec<(String, ed25519_dalek::VerifyingKey)>,
    pub revoked: Vec<(String, ed25519_dalek::VerifyingKey)>,
}

impl Trust {
    /// Reads `dir/trusted/*` and `dir/revoked/*` (missing directories hold no keys).
    pub fn load(dir: &Path) -> Result<Trust> {
        Ok(Trust {
            trusted: load_keys(&dir.join("trusted"))?,
            revoked: load_keys(&dir.join("revoked"))?,
        })
    }
}

fn load_keys(dir: &Path) -> Result<Vec<(String, ed25519_dalek::VerifyingKey)>> {
    let mut keys = Vec::new();
    let Ok(children) = fs::read_dir(dir) else {
        return Ok(keys);
    };
    for child in children {
        let path = child.map_err(io_at(dir))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        keys.push((name, sign::read_public(&path)?));
    }
    Ok(keys)
}

/// What a catalogue must pass besides its signature.
pub struct Freshness {
    pub last_seen: Option<u64>,
    pub now: u64,
}

/// Checks signatures (unless `trust` is `None`: `signature = "none"`), parses, and
/// refuses replayed or expired catalogues.
pub fn verify(
    subject: &str,
    text: &str,
    signatures: Option<&str>,
    trust: Option<&Trust>,
    fresh: &Freshness,
) -> Result<Catalogue> {
    if let Some(trust) = trust {
        let signatures: Vec<String> = match signatures {
            Some(s) => s
                .lines()
                .map(str::to_string)
                .filter(|l| !l.trim().is_empty())
                .collect(),
            None => Vec::new(),
        };
        if signatures.is_empty() {
            return Err(invalid(
                subject,
                "catalogue is unsigned and the repository requires signatures",
            ));
        }
        let digest = sha256_hex(text.as_bytes());
        if let Some((name, _)) = trust
            .revoked
            .iter()
            .find(|(_, k)| sign::signed_by(k, &digest, &signatures))
        {
            return Err(invalid(
                subject,
                format!("catalogue is signed by revoked key {name}"),
            ));
        }
        if !trust
            .trusted
            .iter()
            .any(|(_, k)| sign::signed_by(k, &digest, &signatures))
        {
            return Err(invalid(
                subject,
                "bad signature: no trusted key signed this catalogue",
            ));
        }
    }
    let catalogue: Catalogue = toml::from_str(text)
        .map_err(|e| invalid(subject, format!("bad catalogue: {}", e.message())))?;
    if let Some(last) = fresh.last_seen.filter(|&last| catalogue.revision < last) {
        return Err(invalid(
            subject,
            format!(
                "catalogue revision {} is older than revision {last} already seen (replay)",
                catalogue.revision
            ),
        ));
    }
    if let Some(expires) = catalogue.expires.filter(|&e| e <= fresh.now) {
        return Err(invalid(
            subject,
            format!("catalogue expired at {expires} (unix time)"),
        ));
    }
    for package in &catalogue.packages {
        check_name(&package.name)?;
        Version::parse(&package.version)?;
        check_relative(&package.file)?;
        for constraint in package.depends.values() {
            parse_constraint(constraint)?;
        }
        if package.sha256.len() != 64 {
            return Err(invalid(subject, format!("{}: bad sha256", package.name)));
        }
    }
    Ok(catalogue)
}
