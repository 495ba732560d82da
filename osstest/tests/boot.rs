//! Boots the kernel on every x86 boot path and judges the serial console:
//! PVH (`-kernel`) on pc, q35 and microvm; Multiboot2 from GRUB2 on SeaBIOS
//! and on OVMF. Uses KVM when it opens and works, TCG otherwise, and says so.

use images::Workspace;
use osstest::accel::{self, Choice};
use osstest::artifacts;
use osstest::qemu::{Firmware, Machine, Vm, VmConfig};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The acceptance limit: the ready line within 10 s of launching QEMU.
const READY_WITHIN: Duration = Duration::from_secs(10);
const MODULE_A: &[u8] = b"first boot module\n";
const MODULE_B: &[u8] = &[0x42; 5000];

struct Fixture {
    kernel: PathBuf,
    iso: PathBuf,
    modules: [PathBuf; 2],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let ws = Workspace::this();
        let dir = ws.root().join("target").join("osstest-fixtures");
        std::fs::create_dir_all(&dir).unwrap();
        let kernel = artifacts::basalt_kernel(&ws).unwrap();
        let modules = [dir.join("module-a"), dir.join("module-b")];
        std::fs::write(&modules[0], MODULE_A).unwrap();
        std::fs::write(&modules[1], MODULE_B).unwrap();
        let iso = dir.join("basalt-mb2.iso");
        artifacts::multiboot2_iso(
            &kernel,
            "basalt.poweroff=1 hello=world",
            &[
                ("boot/module-a", &modules[0]),
                ("boot/module-b", &modules[1]),
            ],
            &iso,
        )
        .unwrap();
        Fixture {
            kernel,
            iso,
            modules,
        }
    })
}

fn accel() -> &'static Choice {
    let choice = accel::choose(&fixture().kernel);
    eprintln!(
        "osstest: accelerator {} ({})",
        choice.accel.name(),
        choice.reason
    );
    choice
}

fn pvh(machine: Machine) -> VmConfig {
    let mut config = VmConfig::new(machine);
    config.accel = accel().accel;
    config.kernel = Some(fixture().kernel.clone());
    config.append = Some("basalt.poweroff=1 hello=world".into());
    config
}

fn multiboot2(machine: Machine, firmware: Firmware) -> VmConfig {
    let mut config = VmConfig::new(machine);
    config.accel = accel().accel;
    config.firmware = firmware;
    config.cdrom = Some(fixture().iso.clone());
    config
}

/// Boots to the ready line and a clean power-off; returns the console text.
fn boot_to_poweroff(config: &VmConfig, protocol: &str) -> String {
    let mut vm = Vm::start(config).unwrap();
    let (ready, at) = vm
        .wait_for("basalt: kernel ready in ", READY_WITHIN)
        .unwrap();
    eprintln!(
        "osstest: {} ({:?}): '{ready}' {:.2} s after launch",
        config.machine.name(),
        config.firmware,
        at.as_secs_f64()
    );
    let status = vm.wait_exit(Duration::from_secs(10)).unwrap();
    let transcript = vm.transcript();
    assert!(
        status.success(),
        "QEMU exited with {status} at power-off:\n{transcript}"
    );

    let lines: Vec<&str> = transcript
        .lines()
        .filter(|l| !l.starts_with("[qemu]"))
        .collect();
    let banner = lines
        .iter()
        .position(|l| l.starts_with("Basalt "))
        .expect("no banner");
    let expected = format!("Basalt {} (", env!("CARGO_PKG_VERSION"));
    assert!(
        lines[banner].starts_with(&expected) && lines[banner].ends_with(')'),
        "banner: {}",
        lines[banner]
    );
    if config.cdrom.is_none() {
        assert_eq!(
            banner, 0,
            "the banner must be the first line:\n{transcript}"
        );
    }
    assert_eq!(
        lines[banner + 1],
        format!("basalt: booted via {protocol}"),
        "{transcript}"
    );
    let ms: u64 = ready
        .rsplit_once(" in ")
        .unwrap()
        .1
        .trim_end_matches(" ms")
        .parse()
        .unwrap();
    assert!(ms < READY_WITHIN.as_millis() as u64, "{ready}");
    assert!(
        transcript.contains("basalt: command line: basalt.poweroff=1 hello=world\n"),
        "{transcript}"
    );
    assert!(
        transcript.contains("basalt: timer: "),
        "no timer ticks before power-off:\n{transcript}"
    );
    assert!(transcript.contains("basalt: powering off"), "{transcript}");
    transcript
}

#[test]
fn pvh_on_pc() {
    // QEMU hands PVH kernels one module; Multiboot2 below shows several.
    let mut config = pvh(Machine::Pc);
    config.initrd = vec![fixture().modules[1].clone()];
    let out = boot_to_poweroff(&config, "pvh");
    assert!(
        out.contains(&format!("basalt: module 0: {} bytes", MODULE_B.len())),
        "{out}"
    );
    assert!(out.contains("power: ACPI S5 via PM1 control"), "{out}");
}

#[test]
fn pvh_on_q35() {
    let out = boot_to_poweroff(&pvh(Machine::Q35), "pvh");
    assert!(
        out.contains("interrupts: local APIC, 1 I/O APIC(s)"),
        "{out}"
    );
}

#[test]
fn pvh_on_microvm_powers_off_through_hardware_reduced_acpi() {
    let out = boot_to_poweroff(&pvh(Machine::Microvm), "pvh");
    assert!(
        out.contains("power: ACPI S5 via the sleep control register"),
        "{out}"
    );
    assert!(
        out.contains("basalt: console: COM1\n"),
        "microvm has no VGA:\n{out}"
    );
}

#[test]
fn multiboot2_from_grub_on_seabios() {
    let out = boot_to_poweroff(&multiboot2(Machine::Pc, Firmware::Bios), "multiboot2");
    // GRUB passes the kernel path first; the kernel drops it.
    assert!(
        out.contains(&format!("basalt: module 0: {} bytes", MODULE_A.len())),
        "{out}"
    );
    assert!(
        out.contains("(boot/module-a)"),
        "module command line missing:\n{out}"
    );
    assert!(
        out.contains(&format!("basalt: module 1: {} bytes", MODULE_B.len())),
        "{out}"
    );
}

#[test]
fn multiboot2_from_grub_on_ovmf() {
    let out = boot_to_poweroff(&multiboot2(Machine::Q35, Firmware::Uefi), "multiboot2");
    assert!(
        out.contains("basalt: console: COM1\n"),
        "UEFI leaves no VGA text mode:\n{out}"
    );
    assert!(
        out.contains(&format!("basalt: module 1: {} bytes", MODULE_B.len())),
        "{out}"
    );
}

#[test]
fn vga_text_console_where_there_is_one() {
    let mut config = pvh(Machine::Pc);
    config.vga = true;
    let out = boot_to_poweroff(&config, "pvh");
    assert!(out.contains("basalt: console: COM1 + VGA text\n"), "{out}");
}

fn crash(kind: &str) -> String {
    let mut config = pvh(Machine::Q35);
    // panic=-1 reboots at once, which -no-reboot turns into QEMU exiting.
    config.append = Some(format!("basalt.crash={kind} panic=-1"));
    let mut vm = Vm::start(&config).unwrap();
    vm.wait_for("basalt: panic at ", READY_WITHIN).unwrap();
    vm.wait_exit(Duration::from_secs(10)).unwrap();
    vm.transcript()
}

#[test]
fn a_panic_prints_its_message_and_location() {
    let out = crash("panic");
    let line = out
        .lines()
        .find(|l| l.starts_with("basalt: panic at "))
        .unwrap();
    assert!(line.contains("kernel/src/start.rs:"), "{line}");
    assert!(
        line.ends_with(": crash requested on the command line"),
        "{line}"
    );
}

#[test]
fn a_kernel_page_fault_prints_the_faulting_state() {
    let out = crash("pagefault");
    assert!(
        out.contains("basalt: exception 14 (page fault), error code 0x0\n"),
        "{out}"
    );
    assert!(out.contains("basalt: faulting address 0x0\n"), "{out}");
    assert!(out.contains("rip 0xffffffff8"), "no register dump:\n{out}");
    assert!(
        out.contains("basalt: panic at kernel/src/arch/trap.rs:"),
        "{out}"
    );
}
