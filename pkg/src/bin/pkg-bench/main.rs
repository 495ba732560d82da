//! `pkg-bench`: times pkg against pacman (`pacman -U --root`) and dpkg (`dpkg --root`) on
//! equivalent generated packages, in the same run, and prints each ratio
//! (alternative time / pkg time: above 1 means pkg is faster).
//!
//! Cases: installing N small packages (default 1,000) from a local signed repository
//! into an empty root; installing one large package (default 100 MiB); solving a request
//! on a synthetic catalogue (default 20,000 packages; pacman resolves the same graph
//! from a sync database with `-Sp`). pkg runs in-process through the same library calls
//! as `pkg -r ROOT -y install`; the alternatives run as processes. Run with
//! `cargo run --release -p pkg --bin pkg-bench`.

mod formats;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;

use formats::Spec;
use pkg::catalogue::{self, Catalogue, Package, Signer};
use pkg::fetch::Fetcher;
use pkg::solver::{Candidate, Request, Solver};
use pkg::transaction::{self, Mode};
use pkg::version::VersionSet;

#[derive(Parser)]
#[command(about = "Benchmark pkg against pacman and dpkg")]
struct Args {
    /// Small packages in the first case
    #[arg(long, default_value_t = 1000)]
    packages: usize,
    /// Size of the large package in MiB
    #[arg(long, default_value_t = 100)]
    big_mib: usize,
    /// Packages in the synthetic catalogue
    #[arg(long, default_value_t = 20_000)]
    catalogue: usize,
    /// Scratch directory for packages and roots (default: the system's temporary
    /// directory); its file system matters as much as the tools do
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pkg-bench: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let work = match &args.dir {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .context("failed to create a scratch directory")?;
    let secret = work.path().join("bench.key");
    let fingerprint = pkg::sign::generate(&secret, &work.path().join("bench.pub"))?;
    println!(
        "{:<44} {:>10} {:>10} {:>8} {:>10} {:>8}",
        "case", "pkg", "pacman", "ratio", "dpkg", "ratio"
    );

    let small = small_specs(args.packages);
    let case = format!("install {} small packages", args.packages);
    report(
        &case,
        &install_all(&work.path().join("small"), &small, &secret, &fingerprint)?,
    );

    let big = vec![big_spec(args.big_mib)];
    let case = format!("install one {} MiB package", args.big_mib);
    report(
        &case,
        &install_all(&work.path().join("big"), &big, &secret, &fingerprint)?,
    );

    let (ours, pacman) = solve(&work.path().join("solve"), args.catalogue)?;
    report(
        &format!("solve on {} packages", args.catalogue),
        &[Some(ours), pacman, None],
    );
    Ok(())
}

fn report(case: &str, times: &[Option<Duration>]) {
    let ours = times[0].expect("pkg always runs");
    let cell = |t: Option<Duration>| match t {
        Some(t) => (
            format!("{:.3} s", t.as_secs_f64()),
            format!("{:.1}x", t.as_secs_f64() / ours.as_secs_f64()),
        ),
        None => ("-".to_string(), "-".to_string()),
    };
    let (pacman, pacman_ratio) = cell(times[1]);
    let (dpkg, dpkg_ratio) = cell(times[2]);
    println!(
        "{case:<44} {:>10} {pacman:>10} {pacman_ratio:>8} {dpkg:>10} {dpkg_ratio:>8}",
        format!("{:.3} s", ours.as_secs_f64())
    );
}

/// xorshift bytes: incompressible and reproducible.
fn noise(len: usize, mut state: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn small_specs(count: usize) -> Vec<Spec> {
    (0..count)
        .map(|i| Spec {
            name: format!("tool{i:04}"),
            depends: if i > 0 {
                vec![format!("tool{:04}", i / 2)]
            } else {
                Vec::new()
            },
            files: vec![
                (
                    format!("bin/tool{i:04}"),
                    format!("#!/bin/sh\necho tool {i}\n").into_bytes(),
                ),
                (format!("share/tool{i:04}/data"), noise(1024, i as u64 + 1)),
                (
                    format!("share/doc/tool{i:04}/README"),
                    format!("tool {i}: a generated package\n").into_bytes(),
                ),
            ],
        })
        .collect()
}

fn big_spec(mib: usize) -> Spec {
    Spec {
        name: "bigdata".into(),
        depends: Vec::new(),
        files: vec![("share/bigdata/blob".into(), noise(mib << 20, 7))],
    }
}

/// Times pkg, pacman and dpkg installing `specs` into empty roots.
fn install_all(
    dir: &Path,
    specs: &[Spec],
    secret: &Path,
    fingerprint: &str,
) -> Result<[Option<Duration>; 3]> {
    let expected: usize = specs.iter().map(|s| s.files.len()).sum();
    let ours = install_pkg(&dir.join("pkg"), specs, secret, fingerprint)?;
    let pacman = match have("pacman") {
        true => Some(install_pacman(&dir.join("pacman"), specs, expected)?),
        false => None,
    };
    let dpkg = match have("dpkg") {
        true => Some(install_dpkg(&dir.join("dpkg"), specs, expected)?),
        false => None,
    };
    fs::remove_dir_all(dir).ok();
    Ok([Some(ours), pacman, dpkg])
}

fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("pkg-bench: {tool} is not installed; its column is left empty");
    }
    found
}

fn install_pkg(dir: &Path, specs: &[Spec], secret: &Path, fingerprint: &str) -> Result<Duration> {
    let (repo, root) = (dir.join("repo"), dir.join("root"));
    fs::create_dir_all(&repo)?;
    for spec in specs {
        let stage = dir.join("stage").join(&spec.name);
        for (path, data) in &spec.files {
            let file = stage.join(path);
            fs::create_dir_all(file.parent().expect("files have parents"))?;
            fs::write(&file, data)?;
        }
        let mut manifest = format!(
            "name = \"{}\"\nversion = \"1\"\ncomment = \"generated\"\n[depends]\n",
            spec.name
        );
        for dep in &spec.depends {
            manifest.push_str(&format!("{dep} = \">=1\"\n"));
        }
        let manifest_path = dir.join("stage").join(format!("{}.toml", spec.name));
        fs::write(&manifest_path, manifest)?;
        pkg::create::create(&manifest_path, &stage, &repo)?;
    }
    let options = catalogue::Options {
        revision: 1,
        expires: None,
        signer: Signer::Key(secret.to_path_buf()),
    };
    catalogue::write_repo(&repo, &options)?;
    fs::create_dir_all(root.join("etc/pkg/repos"))?;
    fs::create_dir_all(root.join("etc/pkg/fingerprints/bench/trusted"))?;
    fs::write(
        root.join("etc/pkg/fingerprints/bench/trusted/bench"),
        fingerprint,
    )?;
    let config = format!(
        "url = \"file://{}\"\nfingerprints = \"/etc/pkg/fingerprints/bench\"\n",
        repo.display()
    );
    fs::write(root.join("etc/pkg/repos/bench.toml"), config)?;
    let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();

    let started = Instant::now();
    let db = transaction::open(&root)?;
    let fetcher = Fetcher::new()?;
    let plan = transaction::plan_install(&db, &names, Mode::Install, &fetcher)?;
    transaction::apply(&db, plan, &fetcher)?;
    drop(db);
    let elapsed = started.elapsed();

    let installed = count_files(&root.join("usr/local"));
    let expected: usize = specs.iter().map(|s| s.files.len()).sum();
    ensure!(
        installed == expected,
        "pkg installed {installed} files, expected {expected}"
    );
    eprintln!(
        "pkg-bench: pkg left {} entries in its root",
        count_entries(&root)
    );
    Ok(elapsed)
}

fn install_pacman(dir: &Path, specs: &[Spec], expected: usize) -> Result<Duration> {
    let root = dir.join("root");
    fs::create_dir_all(root.join("var/lib/pacman"))?;
    let mut files = Vec::new();
    for spec in specs {
        let out = dir.join(format!("{}-1-1-x86_64.pkg.tar.zst", spec.name));
        formats::write_pacman(spec, &out)?;
        files.push(out);
    }
    let config = dir.join("pacman.conf");
    fs::write(
        &config,
        "[options]\nArchitecture = auto\nSigLevel = Never\nLocalFileSigLevel = Never\n",
    )?;
    let mut cmd = pacman(&root, &config);
    cmd.args(["--noconfirm", "--noprogressbar", "-U"])
        .args(&files);
    let elapsed = timed(cmd)?.0;
    let installed = count_files(&root.join("usr/local"));
    ensure!(
        installed == expected,
        "pacman installed {installed} files, expected {expected}"
    );
    eprintln!(
        "pkg-bench: pacman left {} entries in its root",
        count_entries(&root)
    );
    Ok(elapsed)
}

fn pacman(root: &Path, config: &Path) -> Command {
    let mut cmd = Command::new("pacman");
    cmd.arg("--root")
        .arg(root)
        .arg("--dbpath")
        .arg(root.join("var/lib/pacman"))
        .arg("--config")
        .arg(config);
    cmd
}

fn install_dpkg(dir: &Path, specs: &[Spec], expected: usize) -> Result<Duration> {
    let root = dir.join("root");
    for sub in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        fs::create_dir_all(root.join(sub))?;
    }
    fs::write(root.join("var/lib/dpkg/status"), "")?;
    fs::write(root.join("var/lib/dpkg/available"), "")?;
    let mut files = Vec::new();
    for spec in specs {
        let out = dir.join(format!("{}_1_all.deb", spec.name));
        formats::write_deb(spec, &out)?;
        files.push(out);
    }
    let mut cmd = Command::new("dpkg");
    cmd.arg(format!("--root={}", root.display()))
        .args(["--force-script-chrootless", "-i"])
        .args(&files);
    let elapsed = timed(cmd)?.0;
    let installed = count_files(&root.join("usr/local"));
    ensure!(
        installed == expected,
        "dpkg installed {installed} files, expected {expected}"
    );
    eprintln!(
        "pkg-bench: dpkg left {} entries in its root",
        count_entries(&root)
    );
    Ok(elapsed)
}

/// Runs a command to completion; returns its wall time and stdout.
fn timed(mut cmd: Command) -> Result<(Duration, String)> {
    let started = Instant::now();
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("failed to run {cmd:?}"))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        );
    }
    Ok((
        elapsed,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

/// Regular files reachable under `dir`, following the profile's symlinks.
fn count_files(dir: &Path) -> usize {
    let Ok(children) = fs::read_dir(dir) else {
        return 0;
    };
    children
        .filter_map(|c| c.ok())
        .map(|c| {
            let path: PathBuf = c.path();
            match fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => count_files(&path),
                Ok(meta) if meta.is_file() => 1,
                _ => 0,
            }
        })
        .sum()
}

/// Files, directories and links under `dir` (not following links): what a tool made
/// the file system create, which dominates small-package installs.
fn count_entries(dir: &Path) -> usize {
    let Ok(children) = fs::read_dir(dir) else {
        return 0;
    };
    children
        .filter_map(|c| c.ok())
        .map(|c| match c.file_type() {
            Ok(t) if t.is_dir() => 1 + count_entries(&c.path()),
            _ => 1,
        })
        .sum()
}

/// A reproducible dependency graph: package k depends on up to three earlier ones.
fn synthetic_graph(count: usize) -> Vec<(String, Vec<String>)> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..count)
        .map(|k| {
            let mut deps = Vec::new();
            for _ in 0..3 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let dep = (state >> 33) as usize % k.max(1);
                if k > 0 && !deps.contains(&format!("p{dep:05}")) {
                    deps.push(format!("p{dep:05}"));
                }
            }
            (format!("p{k:05}"), deps)
        })
        .collect()
}

/// Times resolving the 20 last packages of the synthetic catalogue: pkg parses its
/// catalogue and solves; pacman reads its sync database and resolves (`-Sp`). Both
/// must select the same number of packages.
fn solve(dir: &Path, count: usize) -> Result<(Duration, Option<Duration>)> {
    fs::create_dir_all(dir)?;
    let graph = synthetic_graph(count);
    let targets: Vec<String> = graph
        .iter()
        .rev()
        .take(20)
        .map(|(n, _)| n.clone())
        .collect();
    let packages = graph
        .iter()
        .map(|(name, deps)| Package {
            name: name.clone(),
            version: "1".into(),
            comment: "synthetic".into(),
            prefix: "/usr/local".into(),
            file: format!("{name}-1.pkg"),
            sha256: "0".repeat(64),
            size: 100,
            depends: deps
                .iter()
                .map(|d| (d.clone(), ">=1".to_string()))
                .collect::<BTreeMap<_, _>>(),
            provides: Vec::new(),
            conflicts: Vec::new(),
            cpe: None,
        })
        .collect();
    let path = dir.join("catalogue.toml");
    fs::write(
        &path,
        toml::to_string(&Catalogue {
            revision: 1,
            expires: None,
            packages,
        })?,
    )?;

    let started = Instant::now();
    let catalogue: Catalogue = toml::from_str(&fs::read_to_string(&path)?)?;
    let candidates = catalogue
        .packages
        .iter()
        .map(|p| Candidate::new(&p.name, &p.version, &p.depends))
        .collect::<pkg::Result<Vec<_>>>()?;
    let request = Request {
        wanted: targets
            .iter()
            .map(|t| (t.clone(), VersionSet::full()))
            .collect(),
        ..Request::default()
    };
    let solution = Solver::new(candidates).solve(&request)?;
    let ours = started.elapsed();

    if !have("pacman") {
        return Ok((ours, None));
    }
    let root = dir.join("root");
    fs::create_dir_all(root.join("var/lib/pacman/sync"))?;
    formats::write_pacman_sync_db(&graph, &root.join("var/lib/pacman/sync/synth.db"))?;
    let config = dir.join("pacman.conf");
    fs::write(
        &config,
        "[options]\nArchitecture = auto\nSigLevel = Never\n[synth]\nServer = file:///nonexistent\n",
    )?;
    let mut cmd = pacman(&root, &config);
    cmd.args(["--noconfirm", "-Sp"]).args(&targets);
    let (theirs, listing) = timed(cmd)?;
    let selected = listing
        .lines()
        .filter(|l| l.ends_with(".pkg.tar.zst"))
        .count();
    ensure!(
        selected == solution.len(),
        "pacman selected {selected} packages, pkg {}",
        solution.len()
    );
    Ok((ours, Some(theirs)))
}
