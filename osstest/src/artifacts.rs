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
    selftest_initramfs_with_modules(ws, &[], out)
}

/// Writes the `selftest` initramfs with Linux kernel modules as
/// `/modules/NN-name.ko`, numbered in the order given (selftest loads them
/// in name order).
pub fn selftest_initramfs_with_modules(
    ws: &Workspace,
    modules: &[PathBuf],
    out: &Path,
) -> Result<()> {
    let programs = images::build_userland(ws, &["selftest"]).context("failed to build selftest")?;
    let init = std::fs::read(&programs[0])
        .with_context(|| format!("failed to read {}", programs[0].display()))?;
    let mut archive = cpio::Writer::new();
    archive.add(&cpio::Entry::directory("dev", 0o755), b"");
    archive.add(&cpio::Entry::char_device("dev/console", 0o600, 5, 1), b"");
    archive.add(&cpio::Entry::directory("proc", 0o755), b"");
    archive.add(&cpio::Entry::file("init", 0o755), &init);
    if !modules.is_empty() {
        archive.add(&cpio::Entry::directory("modules", 0o755), b"");
    }
    for (index, module) in modules.iter().enumerate() {
        let body = std::fs::read(module)
            .with_context(|| format!("failed to read {}", module.display()))?;
        let name = module
            .file_name()
            .map_or_else(|| "module.ko".into(), |n| n.to_string_lossy().into_owned());
        archive.add(
            &cpio::Entry::file(&format!("modules/{index:02}-{name}"), 0o644),
            &body,
        );
    }
    std::fs::write(out, archive.finish())
        .with_context(|| format!("failed to write {}", out.display()))
}

/// The module files of `wanted` (names like `virtio_blk`) and of everything
/// they depend on, dependencies first, from the `modules.dep` of the Linux
/// kernel `kernel` (`/boot/vmlinuz-VERSION` → `/lib/modules/VERSION`).
pub fn linux_modules(kernel: &Path, wanted: &[&str]) -> Result<Vec<PathBuf>> {
    let version = kernel
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("vmlinuz-"))
        .with_context(|| format!("{}: not named vmlinuz-VERSION", kernel.display()))?;
    let dir = Path::new("/lib/modules").join(version);
    let dep_file = dir.join("modules.dep");
    let deps = std::fs::read_to_string(&dep_file)
        .with_context(|| format!("failed to read {}", dep_file.display()))?;
    let ordered = modules_in_load_order(&deps, wanted)
        .with_context(|| format!("in {}", dep_file.display()))?;
    Ok(ordered.into_iter().map(|m| dir.join(m)).collect())
}

/// `modules.dep` lines are `path: dep dep ...`, each module's dependencies
/// listed so that loading them last to first works.
fn modules_in_load_order(deps: &str, wanted: &[&str]) -> Result<Vec<String>> {
    let mut order: Vec<String> = Vec::new();
    for name in wanted {
        let file = format!("/{name}.ko");
        let (module, needs) = deps
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(path, _)| format!("/{path}").ends_with(&file))
            .with_context(|| format!("no module {name} (only uncompressed .ko files load)"))?;
        for path in needs.split_whitespace().rev().chain([module]) {
            if !order.iter().any(|o| o == path) {
                order.push(path.to_string());
            }
        }
    }
    Ok(order)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_load_after_their_dependencies_and_once() {
        let deps = "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/jbd2/jbd2.ko\n\
                    kernel/lib/crc16.ko:\n\
                    kernel/fs/jbd2/jbd2.ko:\n\
                    kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko\n\
                    kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio.ko\n";
        let order = modules_in_load_order(deps, &["ext4", "virtio_pci", "virtio_blk"]).unwrap();
        assert_eq!(
            order,
            [
                "kernel/fs/jbd2/jbd2.ko",
                "kernel/lib/crc16.ko",
                "kernel/fs/ext4/ext4.ko",
                "kernel/drivers/virtio/virtio.ko",
                "kernel/drivers/virtio/virtio_pci.ko",
                "kernel/drivers/block/virtio_blk.ko",
            ]
        );
        let missing = modules_in_load_order(deps, &["xfs"]).unwrap_err();
        assert!(missing.to_string().contains("no module xfs"), "{missing}");
    }
}
