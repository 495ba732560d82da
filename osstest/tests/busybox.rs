//! Unmodified Debian busybox (busybox-static) on Basalt: an initramfs with
//! /bin/busybox, its applet links, and the suite script as /init. The same
//! initramfs on Debian's Linux kernel is the reference.

use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm, VmConfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

const APPLETS: &[&str] = &[
    "sh", "echo", "cat", "tr", "wc", "grep", "ls", "rm", "mkdir", "cp", "mv", "ln", "find", "sed",
    "sort", "uniq", "head", "cut", "dd", "md5sum", "date", "ps", "env", "yes", "sleep", "touch",
    "printf", "mount", "poweroff", "false", "true", "stat",
];

const BUSYBOX: &str = "/bin/busybox";

fn suite_initramfs(out: &Path) -> PathBuf {
    let busybox = std::fs::read(BUSYBOX).expect("busybox-static is installed by ci/setup");
    let script =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("guest/busybox-suite.sh"))
            .unwrap();
    let mut archive = cpio::Writer::new();
    for dir in ["bin", "dev", "proc", "tmp"] {
        archive.add(&cpio::Entry::directory(dir, 0o755), b"");
    }
    archive.add(&cpio::Entry::file("bin/busybox", 0o755), &busybox);
    for applet in APPLETS {
        archive.add(&cpio::Entry::symlink(&format!("bin/{applet}")), b"busybox");
    }
    archive.add(&cpio::Entry::file("init", 0o755), &script);
    let path = out.join("busybox-suite.cpio");
    std::fs::write(&path, archive.finish()).unwrap();
    path
}

/// Boots `config` to the suite's summary; returns the transcript.
fn run_suite(config: &VmConfig, within: Duration) -> String {
    let mut vm = Vm::start(config).unwrap();
    let (summary, at) = vm.wait_for("busybox-suite: ", within).unwrap();
    eprintln!(
        "osstest: {} on {}: '{summary}' after {:.1} s",
        config.kernel.as_ref().unwrap().display(),
        config.machine.name(),
        at.as_secs_f64()
    );
    let status = vm.wait_exit(Duration::from_secs(30)).unwrap();
    let transcript = vm.transcript();
    assert!(
        status.success(),
        "QEMU exited with {status} at power-off:\n{transcript}"
    );
    transcript
}

fn assert_all_passed(transcript: &str) {
    let failed: Vec<&str> = transcript
        .lines()
        .filter(|l| l.starts_with("FAIL "))
        .collect();
    let passed = transcript
        .lines()
        .filter(|l| l.starts_with("PASS "))
        .count();
    assert!(failed.is_empty(), "failed checks {failed:?}:\n{transcript}");
    assert_eq!(passed, 20, "{transcript}");
    assert!(
        transcript.contains(&format!("busybox-suite: {passed} passed, 0 failed")),
        "{transcript}"
    );
}

#[test]
fn busybox_runs_unmodified_on_basalt() {
    let ws = Workspace::this();
    let dir = artifacts::fixture_dir(&ws, "busybox").unwrap();
    let mut config = artifacts::basalt_vm(&ws, Machine::Q35).unwrap();
    config.initrd = vec![suite_initramfs(&dir)];
    let transcript = run_suite(&config, Duration::from_secs(60));
    assert_all_passed(&transcript);
}

#[test]
fn the_suite_passes_on_linux_as_the_reference() {
    let Some(linux) = artifacts::linux_kernel() else {
        eprintln!(
            "osstest: skipped: no Linux kernel in /boot (ci/setup installs linux-image-amd64)"
        );
        return;
    };
    let dir = artifacts::fixture_dir(&Workspace::this(), "busybox-linux").unwrap();
    let mut config = VmConfig::new(Machine::Q35);
    config.kernel = Some(linux);
    config.initrd = vec![suite_initramfs(&dir)];
    config.append = Some("console=ttyS0 quiet panic=-1".into());
    let transcript = run_suite(&config, Duration::from_secs(120));
    assert_all_passed(&transcript);
}

#[test]
fn rdinit_names_the_program_and_its_quoted_arguments() {
    let ws = Workspace::this();
    let dir = artifacts::fixture_dir(&ws, "rdinit").unwrap();
    let mut config = artifacts::basalt_vm(&ws, Machine::Microvm).unwrap();
    config.initrd = vec![suite_initramfs(&dir)];
    config.append =
        Some(r#"rdinit=/bin/busybox -- sh -c "echo rdinit:  $0 ok; poweroff -f""#.into());
    let mut vm = Vm::start(&config).unwrap();
    let (line, _) = vm.wait_for("rdinit:", Duration::from_secs(30)).unwrap();
    assert_eq!(line, "rdinit: sh ok");
    assert!(vm.wait_exit(Duration::from_secs(30)).unwrap().success());
    assert!(
        vm.transcript()
            .contains("basalt: starting init: /bin/busybox"),
        "{}",
        vm.transcript()
    );
}
