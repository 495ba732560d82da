//! The release builder: turns the source tree into the kernel, the userland,
//! packages and images.
//!
//! The kernel cannot be built with the host's default code generation (it
//! needs a static, higher-half, red-zone-free kernel), and stable Cargo has no
//! per-package rustflags, so [`build_kernel`] runs Cargo a second time with
//! the kernel's flags and a target directory of its own.

pub mod base;
pub mod disk;
pub mod progress;
pub mod world;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The host target, named explicitly so that the kernel's flags apply to the
/// kernel only and not to build scripts and proc macros.
pub const KERNEL_TARGET: &str = "x86_64-unknown-linux-gnu";

/// Code generation for the kernel (see `../shared/FORMATS.md`).
const KERNEL_RUSTFLAGS: &[&str] = &[
    "-Crelocation-model=static",
    "-Ccode-model=kernel",
    "-Cno-redzone=yes",
    "-Cpanic=abort",
    "-Ctarget-cpu=x86-64",
];

/// Why a build step failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("failed to run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{what} failed ({status}); its output:\n{output}")]
    Failed {
        what: String,
        status: std::process::ExitStatus,
        output: String,
    },
    #[error("failed to {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: {message}")]
    Package { what: String, message: String },
    #[error("the disk image: {0}")]
    Disk(#[from] disk::DiskError),
}

/// The source tree being built.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The tree this builder was compiled from.
    pub fn this() -> Workspace {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("images/ has a parent");
        Workspace {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the kernel's separate Cargo build puts its output.
    pub fn kernel_target_dir(&self) -> PathBuf {
        self.root.join("target").join("kernel")
    }

    fn cargo(&self) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&self.root);
        // The outer build's flags are for the host, never for the kernel.
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_TARGET_DIR",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }
}

/// Runs `cmd`, capturing its output; on failure the output is in the error.
pub(crate) fn run(mut cmd: Command, what: &str) -> Result<(), BuildError> {
    let program = format!("{:?}", cmd.get_program());
    let out = cmd
        .output()
        .map_err(|source| BuildError::Spawn { program, source })?;
    if !out.status.success() {
        let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
        output.push_str(&String::from_utf8_lossy(&out.stderr));
        return Err(BuildError::Failed {
            what: what.to_string(),
            status: out.status,
            output,
        });
    }
    Ok(())
}

/// `cargo <verb>` for the kernel image, with the kernel's flags.
fn kernel_cargo(ws: &Workspace, verb: &str) -> Command {
    let mut flags: Vec<String> = KERNEL_RUSTFLAGS.iter().map(|s| s.to_string()).collect();
    // Panic messages name files relative to the tree, whatever the checkout path.
    flags.push(format!("--remap-path-prefix={}=.", ws.root().display()));
    let mut cmd = ws.cargo();
    cmd.args([
        verb,
        "--release",
        "--package",
        "kernel",
        "--bin",
        "kernel",
        "--features",
        "image",
    ])
    .args(["--target", KERNEL_TARGET])
    .arg("--target-dir")
    .arg(ws.kernel_target_dir())
    .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    cmd
}

/// Builds the kernel ELF and returns its path in the kernel target directory.
pub fn build_kernel(ws: &Workspace) -> Result<PathBuf, BuildError> {
    run(kernel_cargo(ws, "build"), "building the kernel")?;
    Ok(ws
        .kernel_target_dir()
        .join(KERNEL_TARGET)
        .join("release")
        .join("kernel"))
}

/// Lints the kernel image as it is built (the workspace-wide clippy sees
/// the kernel library, but not the image with its own flags).
pub fn clippy_kernel(ws: &Workspace) -> Result<(), BuildError> {
    let mut cmd = kernel_cargo(ws, "clippy");
    cmd.args(["--", "-D", "warnings"]);
    run(cmd, "clippy on the kernel image")
}

/// Code generation for userland programs: static (static-pie) executables
/// that run unchanged on Basalt and on Linux, stripped (they are loaded
/// whole into memory from the initramfs).
const USERLAND_RUSTFLAGS: &[&str] = &["-Ctarget-feature=+crt-static", "-Cstrip=symbols"];

/// Builds the userland programs `packages` (each a workspace package with a
/// binary of the same name) as static executables; returns their paths.
pub fn build_userland(ws: &Workspace, packages: &[&str]) -> Result<Vec<PathBuf>, BuildError> {
    let target_dir = ws.root().join("target").join("userland");
    let mut flags: Vec<String> = USERLAND_RUSTFLAGS.iter().map(|s| s.to_string()).collect();
    flags.push(format!("--remap-path-prefix={}=.", ws.root().display()));
    let mut cmd = ws.cargo();
    cmd.args(["build", "--release", "--target", KERNEL_TARGET])
        .arg("--target-dir")
        .arg(&target_dir);
    for package in packages {
        // Only the binary named like the package: crunch's single-program
        // host binaries are not part of the system.
        cmd.args(["--package", package, "--bin", package]);
    }
    cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
    run(cmd, "building the userland")?;
    let bin_dir = target_dir.join(KERNEL_TARGET).join("release");
    Ok(packages.iter().map(|p| bin_dir.join(p)).collect())
}

/// What `build` wrote.
#[derive(Debug, Clone)]
pub struct Artifacts {
    pub kernel: PathBuf,
    /// The signed repository of base packages.
    pub packages: PathBuf,
    /// The image root, installed from `packages` with pkg.
    pub root: PathBuf,
    /// The root as an initramfs (newc cpio).
    pub initrd: PathBuf,
}

/// The catalogue revision: SOURCE_DATE_EPOCH for reproducible builds, else now.
fn revision() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// Builds everything into `out`: `kernel`, the base packages in `packages/`
/// and the image root `root/` installed from them.
pub fn build(
    ws: &Workspace,
    out: &Path,
    progress: &progress::Steps,
) -> Result<Artifacts, BuildError> {
    std::fs::create_dir_all(out).map_err(|source| BuildError::Io {
        action: "create",
        path: out.to_path_buf(),
        source,
    })?;
    let built = progress.step("kernel", || build_kernel(ws))?;
    let kernel = out.join("kernel");
    std::fs::copy(&built, &kernel).map_err(|source| BuildError::Io {
        action: "copy to",
        path: kernel.clone(),
        source,
    })?;
    let crunch = progress.step("userland", || build_userland(ws, &["crunch"]))?;
    let runtime = world::runtime(ws.root(), &crunch[0])?;

    let (packages, root, stage) = base::layout(out);
    let base_packages = [
        base::BasePackage {
            name: "kernel",
            comment: "the Basalt kernel",
            items: vec![(
                "boot/kernel".into(),
                world::Item::File {
                    source: kernel.clone(),
                    mode: 0o644,
                },
            )],
            config: Vec::new(),
            setuid: Vec::new(),
        },
        base::BasePackage {
            name: "runtime",
            comment: "Basalt base programs",
            items: runtime.items,
            config: runtime.config,
            setuid: runtime.setuid,
        },
    ];
    let version = env!("CARGO_PKG_VERSION");
    progress.step("packages", || {
        base::make_repository(&base_packages, version, &stage, &packages, revision())
    })?;
    // A fresh root each build: an image is made, not upgraded.
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|source| BuildError::Io {
            action: "remove",
            path: root.clone(),
            source,
        })?;
    }
    progress.step("root", || {
        base::install_root(&root, &packages, &["kernel", "runtime"])
    })?;
    let initrd = out.join("initrd");
    progress.step("initrd", || world::write_initrd(&root, &[], &initrd))?;
    Ok(Artifacts {
        kernel,
        packages,
        root,
        initrd,
    })
}

/// Writes `image`, the GPT disk of [`disk::write_gpt_image`], from what
/// [`build`] made, with the default sizes, seed 0 and the catalogue's time.
pub fn build_disk(
    artifacts: &Artifacts,
    image: &Path,
    grub: &disk::GrubDir,
) -> Result<disk::DiskReport, BuildError> {
    let opts = disk::DiskOptions {
        time: i64::try_from(revision()).unwrap_or(i64::MAX),
        ..disk::DiskOptions::default()
    };
    disk::write_gpt_image(image, &artifacts.root, &artifacts.kernel, grub, &opts)
}
