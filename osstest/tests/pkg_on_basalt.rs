//! pkg, built as a static program, works on Basalt itself: keys, package
//! creation (zstd), signed catalogues, flock-protected installs, symlinked
//! profiles, and in-place upgrades of the base system.

use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm};
use std::path::{Path, PathBuf};
use std::time::Duration;

const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "mkdir", "mount", "printf", "poweroff", "[",
];

/// Adds busybox with its applet links in /busybox (apart from the base
/// system's files, which pkg verifies), pkg, and `guest/<script>` as /init.
fn add_tools(archive: &mut cpio::Writer, ws: &Workspace, script: &str) {
    let pkg = images::build_userland(ws, &["pkg"]).unwrap().remove(0);
    archive.add(&cpio::Entry::directory("bin", 0o755), b"");
    archive.add(&cpio::Entry::directory("busybox", 0o755), b"");
    archive.add(
        &cpio::Entry::file("busybox/busybox", 0o755),
        &std::fs::read("/bin/busybox").unwrap(),
    );
    archive.add(
        &cpio::Entry::file("bin/pkg", 0o755),
        &std::fs::read(&pkg).unwrap(),
    );
    for applet in APPLETS {
        archive.add(
            &cpio::Entry::symlink(&format!("busybox/{applet}")),
            b"busybox",
        );
    }
    let script = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("guest")
            .join(script),
    )
    .unwrap();
    archive.add(&cpio::Entry::file("init", 0o755), &script);
}

/// Boots `initramfs` until the script says `done`, then checks every step passed.
fn run_steps(ws: &Workspace, initramfs: PathBuf, done: &str, steps: &[&str]) {
    let mut config = artifacts::basalt_vm(ws, Machine::Q35).unwrap();
    config.initrd = vec![initramfs];
    let mut vm = Vm::start(&config).unwrap();
    vm.wait_for(done, Duration::from_secs(120)).unwrap();
    assert!(vm.wait_exit(Duration::from_secs(30)).unwrap().success());
    let transcript = vm.transcript();
    for step in steps {
        assert!(
            transcript.contains(&format!("PASS {step}\n")),
            "step {step} failed:\n{transcript}"
        );
    }
}

#[test]
fn pkg_creates_signs_and_installs_inside_basalt() {
    let ws = Workspace::this();
    let dir = artifacts::fixture_dir(&ws, "pkg-on-basalt").unwrap();
    let mut archive = cpio::Writer::new();
    add_tools(&mut archive, &ws, "pkg-on-basalt.sh");
    let initramfs = dir.join("pkg.cpio");
    std::fs::write(&initramfs, archive.finish()).unwrap();
    let steps = [
        "key-generate",
        "create",
        "repo",
        "update",
        "install",
        "profile",
        "verify",
    ];
    run_steps(&ws, initramfs, "pkg-on-basalt: done", &steps);
}

#[test]
fn pkg_upgrades_the_base_system_on_basalt() {
    let ws = Workspace::this();
    let dir = artifacts::fixture_dir(&ws, "pkg-base-upgrade").unwrap();
    let built = images::build(&ws, &dir.join("out"), &images::progress::Steps::hidden()).unwrap();

    // The next release: runtime 0.2.0 with one more file, kernel unchanged.
    let next = dir.join("next");
    let _ = std::fs::remove_dir_all(&next);
    std::fs::create_dir_all(&next).unwrap();
    std::fs::copy(
        built.packages.join("kernel-0.1.0.pkg"),
        next.join("kernel-0.1.0.pkg"),
    )
    .unwrap();
    let release = dir.join("release");
    std::fs::write(&release, "Basalt 0.2.0\n").unwrap();
    let crunch = built.root.join("bin/crunch");
    let mut contents = images::world::runtime(ws.root(), &crunch).unwrap();
    contents.items.push((
        "share/basalt/release".into(),
        images::world::Item::File {
            source: release,
            mode: 0o644,
        },
    ));
    let runtime = images::base::BasePackage {
        name: "runtime",
        comment: "Basalt base programs",
        items: contents.items,
        config: contents.config,
        setuid: contents.setuid,
    };
    let revision = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    images::base::make_repository(&[runtime], "0.2.0", &dir.join("stage"), &next, revision)
        .unwrap();

    // The VM's root is the built image root, pointed at the next repository.
    let mut archive = cpio::Writer::new();
    archive.add_tree(&built.root, "").unwrap();
    archive.add(&cpio::Entry::directory("repo", 0o755), b"");
    archive.add_tree(&next, "repo").unwrap();
    let config = "url = \"file:///repo\"\nfingerprints = \"/etc/pkg/fingerprints/base\"\n";
    archive.add(
        &cpio::Entry::file("etc/pkg/repos/base.toml", 0o644),
        config.as_bytes(),
    );
    add_tools(&mut archive, &ws, "pkg-base-upgrade.sh");
    let initramfs = dir.join("root.cpio");
    std::fs::write(&initramfs, archive.finish()).unwrap();
    let steps = [
        "before",
        "upgrade",
        "after",
        "new-file",
        "kernel-kept",
        "verify",
    ];
    run_steps(&ws, initramfs, "pkg-base-upgrade: done", &steps);
}
