//! The package base: the built world split into base packages (installed in
//! place under `/`, as FreeBSD's pkgbase), indexed into a signed repository,
//! and installed into the image root with pkg — the same way a running
//! Basalt later upgrades itself.

use crate::BuildError;
use crate::world::Item;
use pkg::catalogue::{self, Options, Signer};
use pkg::fetch::Fetcher;
use pkg::plan::Mode;
use std::path::{Path, PathBuf};

/// A base package: its name, what it is, what it installs, which of its
/// files are configuration (kept when changed locally) and which may be
/// set-user-id.
pub struct BasePackage<'a> {
    pub name: &'a str,
    pub comment: &'a str,
    pub items: Vec<(String, Item)>,
    pub config: Vec<String>,
    pub setuid: Vec<String>,
}

/// Creates `item` at `target` in a package's staging tree.
fn stage_item(target: &Path, item: &Item) -> Result<(), BuildError> {
    use std::os::unix::fs::PermissionsExt;
    let parent = target.parent().expect("an item in a directory");
    std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    let mode = match item {
        Item::File { source, mode } => {
            std::fs::copy(source, target).map_err(io("copy", source))?;
            *mode
        }
        Item::Symlink(to) => {
            return std::os::unix::fs::symlink(to, target).map_err(io("link", target));
        }
        Item::Dir(mode) => {
            std::fs::create_dir_all(target).map_err(io("create", target))?;
            *mode
        }
    };
    std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))
        .map_err(io("set the mode of", target))
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.to_path_buf();
    move |source| BuildError::Io {
        action,
        path,
        source,
    }
}

fn pkg_error(what: &str) -> impl FnOnce(pkg::Error) -> BuildError {
    let what = what.to_string();
    move |e| BuildError::Package {
        what,
        message: e.to_string(),
    }
}

/// Stages and creates the packages in `repo`, then signs its catalogue with
/// the builder's development key (see pkg's README) at `revision`.
pub fn make_repository(
    packages: &[BasePackage<'_>],
    version: &str,
    work: &Path,
    repo: &Path,
    revision: u64,
) -> Result<(), BuildError> {
    std::fs::create_dir_all(repo).map_err(io("create", repo))?;
    for package in packages {
        let stage = work.join(package.name);
        if stage.exists() {
            std::fs::remove_dir_all(&stage).map_err(io("remove", &stage))?;
        }
        std::fs::create_dir_all(&stage).map_err(io("create", &stage))?;
        // Directories first: an item's parents get their modes from the list.
        let mut items: Vec<&(String, Item)> = package.items.iter().collect();
        items.sort_by_key(|(path, item)| (!matches!(item, Item::Dir(_)), path.clone()));
        for (inside, item) in items {
            stage_item(&stage.join(inside), item)?;
        }
        // pkg's list names files and links; directories come with the tree.
        let files: Vec<String> = package
            .items
            .iter()
            .filter(|(_, item)| !matches!(item, Item::Dir(_)))
            .map(|(p, _)| p.clone())
            .collect();
        let manifest = format!(
            "name = \"{}\"\nversion = \"{version}\"\ncomment = \"{}\"\norigin = \"basalt/base/{}\"\nlicense = \"BSD-2-Clause\"\nprefix = \"/\"\nconfig = {}\nsetuid = {}\nfiles = {}\n",
            package.name,
            package.comment,
            package.name,
            toml_list(&package.config),
            toml_list(&package.setuid),
            toml_list(&files),
        );
        let manifest_path = work.join(format!("{}.toml", package.name));
        std::fs::write(&manifest_path, manifest).map_err(io("write", &manifest_path))?;
        pkg::create::create(&manifest_path, &stage, repo)
            .map_err(pkg_error(&format!("creating package {}", package.name)))?;
    }
    let key = pkg::sign::dev_key().map_err(pkg_error("reading the development key"))?;
    let options = Options {
        revision,
        expires: None,
        signer: Signer::Key(key),
    };
    catalogue::write_repo(repo, &options).map_err(pkg_error("signing the catalogue"))?;
    Ok(())
}

/// Installs `names` from `repo` into the image root `root` with pkg.
pub fn install_root(root: &Path, repo: &Path, names: &[&str]) -> Result<(), BuildError> {
    let fingerprints = root.join("etc/pkg/fingerprints/base/trusted");
    std::fs::create_dir_all(&fingerprints).map_err(io("create", &fingerprints))?;
    let public = pkg::sign::dev_key()
        .map_err(pkg_error("reading the development key"))?
        .with_extension("pub");
    let key = pkg::sign::read_public(&public).map_err(pkg_error("reading the development key"))?;
    let trusted = fingerprints.join("dev");
    std::fs::write(&trusted, format!("{}\n", pkg::sign::fingerprint_of(&key)))
        .map_err(io("write", &trusted))?;
    let repos = root.join("etc/pkg/repos");
    std::fs::create_dir_all(&repos).map_err(io("create", &repos))?;
    let repo = std::path::absolute(repo).map_err(io("resolve", repo))?;
    let config = format!(
        "url = \"file://{}\"\nfingerprints = \"/etc/pkg/fingerprints/base\"\n",
        repo.display()
    );
    let config_path = repos.join("base.toml");
    std::fs::write(&config_path, config).map_err(io("write", &config_path))?;

    let db = pkg::transaction::open(root).map_err(pkg_error("opening the image root"))?;
    let fetcher = Fetcher::new().map_err(pkg_error("starting the fetcher"))?;
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let plan = pkg::plan::plan_install(&db, &names, Mode::Install, &fetcher)
        .map_err(pkg_error("planning the image root"))?;
    pkg::transaction::apply(&db, plan, &fetcher).map_err(pkg_error("installing the image root"))?;
    Ok(())
}

/// Where `build` puts the repository and the root.
pub fn layout(out: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (out.join("packages"), out.join("root"), out.join("stage"))
}
