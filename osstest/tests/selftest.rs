//! The `selftest` guest program as init: memory protection, EFAULT, threads,
//! signals, copy-on-write fork, pipes and exec, on Basalt and on Linux.

use images::Workspace;
use osstest::qemu::{Machine, Vm, VmConfig};
use osstest::{accel, artifacts};
use std::time::Duration;

fn run(config: &VmConfig) -> String {
    let mut vm = Vm::start(config).unwrap();
    vm.wait_for("selftest: ", Duration::from_secs(120)).unwrap();
    let status = vm.wait_exit(Duration::from_secs(30)).unwrap();
    let transcript = vm.transcript();
    assert!(status.success(), "QEMU exited with {status}:\n{transcript}");
    transcript
}

fn assert_passed(transcript: &str) {
    assert!(!transcript.contains("\nFAIL "), "{transcript}");
    assert!(
        transcript.contains("selftest: 10 passed, 0 failed"),
        "{transcript}"
    );
}

#[test]
fn user_faults_and_bad_pointers_never_hurt_the_kernel() {
    let ws = Workspace::this();
    let dir = ws.root().join("target").join("osstest-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let initramfs = dir.join("selftest.cpio");
    artifacts::selftest_initramfs(&ws, &initramfs).unwrap();
    let kernel = artifacts::basalt_kernel(&ws).unwrap();
    let choice = accel::choose(&kernel);
    eprintln!(
        "osstest: accelerator {} ({})",
        choice.accel.name(),
        choice.reason
    );
    let mut config = VmConfig::new(Machine::Q35);
    config.accel = choice.accel;
    config.kernel = Some(kernel);
    config.initrd = vec![initramfs.clone()];
    let transcript = run(&config);
    assert_passed(&transcript);
    assert!(!transcript.contains("basalt: panic"), "{transcript}");

    if let Some(linux) = artifacts::linux_kernel() {
        let mut reference = VmConfig::new(Machine::Q35);
        reference.kernel = Some(linux);
        reference.initrd = vec![initramfs];
        reference.append = Some("console=ttyS0 quiet panic=-1".into());
        assert_passed(&run(&reference));
    }
}
