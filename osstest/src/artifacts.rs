//! What boots need besides QEMU: Basalt's kernel, a GRUB2 ISO around it,
//! and for comparison Debian's Linux kernel with a one-file initramfs.

use anyhow::{Context, Result};
use boot::{GrubConfig, MenuEntry};
use images::Workspace;
use std::path::{Path, PathBuf};

/// Builds the kernel with the release builder and returns its path.
pub fn basalt_kernel(ws: &Workspace) -> Result<PathBuf> {
    images::build_kernel(ws).context("failed to build the kernel")
}

/// Writes a BIOS+UEFI ISO whose GRUB2 loads `kernel` with `multiboot2`, the
/// command line `cmdline`, and `modules` (image path, host file) with `module2`.
pub fn multiboot2_iso(
    kernel: &Path,
    cmdline: &str,
    modules: &[(&str, &Path)],
    out: &Path,
) -> Result<()> {
    let config = GrubConfig {
        timeout: 0,
        serial: true,
        entries: vec![MenuEntry {
            title: "Basalt".into(),
            kernel: "/boot/kernel".into(),
            cmdline: cmdline.into(),
            modules: modules
                .iter()
                .map(|(inside, _)| (format!("/{inside}"), inside.to_string()))
                .collect(),
        }],
    };
    let mut files = vec![("boot/kernel", kernel)];
    files.extend(modules.iter().copied());
    boot::make_rescue_iso(&config, &files, out)
        .with_context(|| format!("failed to make {}", out.display()))
}

/// The newest Debian Linux kernel image in /boot, if one is installed
/// (`linux-image-amd64`).
pub fn linux_kernel() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/boot")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmlinuz-"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// Writes a Linux initramfs holding only /dev/console and `/poweroff`,
/// Basalt's static `crunch` (which, called `poweroff` and given `-u`,
/// prints its uptime); the kernel is told `rdinit=/poweroff`.
pub fn linux_poweroff_initramfs(ws: &Workspace, out: &Path) -> Result<()> {
    let programs = images::build_userland(ws, &["crunch"]).context("failed to build crunch")?;
    let init = std::fs::read(&programs[0])
        .with_context(|| format!("failed to read {}", programs[0].display()))?;
    let mut archive = cpio::Writer::new();
    archive.add(&cpio::Entry::directory("dev", 0o755), b"");
    archive.add(&cpio::Entry::char_device("dev/console", 0o600, 5, 1), b"");
    archive.add(&cpio::Entry::file("poweroff", 0o755), &init);
    std::fs::write(out, archive.finish())
        .with_context(|| format!("failed to write {}", out.display()))
}

/// Writes an initramfs whose `/init` is the static `selftest` guest program.
pub fn selftest_initramfs(ws: &Workspace, out: &Path) -> Result<()> {
    let programs = images::build_userland(ws, &["selftest"]).context("failed to build selftest")?;
    let init = std::fs::read(&programs[0])
        .with_context(|| format!("failed to read {}", programs[0].display()))?;
    let mut archive = cpio::Writer::new();
    archive.add(&cpio::Entry::directory("dev", 0o755), b"");
    archive.add(&cpio::Entry::char_device("dev/console", 0o600, 5, 1), b"");
    archive.add(&cpio::Entry::directory("proc", 0o755), b"");
    archive.add(&cpio::Entry::file("init", 0o755), &init);
    std::fs::write(out, archive.finish())
        .with_context(|| format!("failed to write {}", out.display()))
}

/// A directory under target/ for one test's generated files.
pub fn fixture_dir(ws: &Workspace, name: &str) -> Result<PathBuf> {
    let dir = ws.root().join("target").join("osstest-fixtures").join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    Ok(dir)
}

/// A machine that boots Basalt's kernel by PVH, with the accelerator the
/// probe chose (and says so on stderr, for the test output).
pub fn basalt_vm(ws: &Workspace, machine: crate::qemu::Machine) -> Result<crate::qemu::VmConfig> {
    let kernel = basalt_kernel(ws)?;
    let choice = crate::accel::choose(&kernel);
    eprintln!(
        "osstest: accelerator {} ({})",
        choice.accel.name(),
        choice.reason
    );
    let mut config = crate::qemu::VmConfig::new(machine);
    config.accel = choice.accel;
    config.kernel = Some(kernel);
    Ok(config)
}

/// The release builder's output for the tests of the base system: the
/// kernel, the base packages, the installed root and `initrd`, built once
/// per test program into target/osstest-fixtures/base-system.
pub fn base_system(ws: &Workspace) -> Result<images::Artifacts> {
    static BUILT: std::sync::Mutex<Option<images::Artifacts>> = std::sync::Mutex::new(None);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(artifacts) = built.as_ref() {
        return Ok(artifacts.clone());
    }
    let out = fixture_dir(ws, "base-system")?;
    let artifacts = images::build(ws, &out, &images::progress::Steps::for_stderr())
        .context("failed to build the base system")?;
    *built = Some(artifacts.clone());
    Ok(artifacts)
}
