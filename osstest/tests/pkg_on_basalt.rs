//! pkg, built as a static program, works on Basalt itself: keys, package
//! creation (zstd), signed catalogues, flock-protected installs, symlinked
//! profiles.

use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm};
use std::path::Path;
use std::time::Duration;

const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "mkdir", "mount", "printf", "poweroff", "[",
];

#[test]
fn pkg_creates_signs_and_installs_inside_basalt() {
    let ws = Workspace::this();
    let dir = artifacts::fixture_dir(&ws, "pkg-on-basalt").unwrap();
    let pkg = images::build_userland(&ws, &["pkg"]).unwrap().remove(0);
    let script =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("guest/pkg-on-basalt.sh"))
            .unwrap();
    let mut archive = cpio::Writer::new();
    archive.add(&cpio::Entry::directory("bin", 0o755), b"");
    archive.add(
        &cpio::Entry::file("bin/busybox", 0o755),
        &std::fs::read("/bin/busybox").unwrap(),
    );
    archive.add(
        &cpio::Entry::file("bin/pkg", 0o755),
        &std::fs::read(&pkg).unwrap(),
    );
    for applet in APPLETS {
        archive.add(&cpio::Entry::symlink(&format!("bin/{applet}")), b"busybox");
    }
    archive.add(&cpio::Entry::file("init", 0o755), &script);
    let initramfs = dir.join("pkg.cpio");
    std::fs::write(&initramfs, archive.finish()).unwrap();

    let mut config = artifacts::basalt_vm(&ws, Machine::Q35).unwrap();
    config.initrd = vec![initramfs];
    let mut vm = Vm::start(&config).unwrap();
    vm.wait_for("pkg-on-basalt: done", Duration::from_secs(120))
        .unwrap();
    assert!(vm.wait_exit(Duration::from_secs(30)).unwrap().success());
    let transcript = vm.transcript();
    for step in [
        "key-generate",
        "create",
        "repo",
        "update",
        "install",
        "profile",
        "verify",
    ] {
        assert!(
            transcript.contains(&format!("PASS {step}\n")),
            "step {step} failed:\n{transcript}"
        );
    }
}
