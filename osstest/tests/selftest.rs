//! The `selftest` guest program as init: memory protection, EFAULT, threads,
//! signals, copy-on-write fork, pipes and exec, on Basalt and on Linux.

use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm, VmConfig};
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
        transcript.contains("selftest: 12 passed, 0 failed"),
        "{transcript}"
    );
}

#[test]
fn user_faults_and_bad_pointers_never_hurt_the_kernel() {
    let ws = Workspace::this();
    let initramfs = artifacts::fixture_dir(&ws, "selftest")
        .unwrap()
        .join("selftest.cpio");
    artifacts::selftest_initramfs(&ws, &initramfs).unwrap();
    let mut config = artifacts::basalt_vm(&ws, Machine::Q35).unwrap();
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
