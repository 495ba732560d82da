//! Disks on every controller the kernel drives, judged from the boot log of
//! `basalt.blocktest=1`: each machine gets a raw image with known bytes in
//! sectors 0 and 1; the kernel must name the disk as the BSDs do, report
//! its size, print the FNV-1a checksums of sector 0 (read directly) and of
//! bytes 510..1030 (read through the buffer cache, across sector and block
//! edges), and write a pattern to sector 2 that the host then finds in the
//! image file.

use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECTORS: usize = 131_072;
const BOOT: Duration = Duration::from_secs(90);

/// FNV-1a, 64 bits, as the kernel computes it.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A 64 MiB image whose first two sectors depend on `seed`; returns its
/// path and the log line the kernel must print for it (after the name).
fn make_image(dir: &Path, seed: u8) -> (PathBuf, String) {
    let mut image = vec![0u8; SECTORS * 512];
    for (i, byte) in image[..1024].iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8;
    }
    // The last sector too, so a disk reported short would show.
    image[SECTORS * 512 - 512..].fill(seed);
    let path = dir.join(format!("disk-{seed}.img"));
    std::fs::write(&path, &image).unwrap();
    let expected = format!(
        "sector 0 fnv1a {:016x}, bytes 510..1030 fnv1a {:016x}, write ok",
        fnv1a(&image[..512]),
        fnv1a(&image[510..1030])
    );
    let large = format!(
        "2048 sectors from 0 fnv1a {:016x}, last sector fnv1a {:016x}",
        fnv1a(&image[..2048 * 512]),
        fnv1a(&image[SECTORS * 512 - 512..])
    );
    let expected = format!("{large}|{expected}");
    (path, expected)
}

/// What `basalt.blocktest=1` writes to sector 2 of disk `name`.
fn pattern(name: &str) -> Vec<u8> {
    let mut sector = format!("basalt blocktest {name}\n").into_bytes();
    sector.resize(512, 0xa5);
    sector
}

struct Case<'a> {
    machine: Machine,
    /// QEMU arguments; `IMG0`, `IMG1`... stand for the images' paths.
    args: &'a [&'a str],
    /// Each disk's expected name and the start of its driver's description
    /// in the disk line, in the order of the images.
    disks: &'a [(&'a str, &'a str)],
    /// Whether the machine can power off (microvm without ACPI cannot).
    powers_off: bool,
    interrupts: bool,
}

fn run(case: &Case<'_>, seed: u8) {
    let ws = Workspace::this();
    let dir = artifacts::fixture_dir(&ws, "block").unwrap();
    let images: Vec<(PathBuf, String)> = (0..case.disks.len() as u8)
        .map(|i| make_image(&dir, seed * 8 + i))
        .collect();
    let mut config = artifacts::basalt_vm(&ws, case.machine).unwrap();
    config.append = Some("basalt.blocktest=1 basalt.poweroff=1".into());
    config.extra_args = case
        .args
        .iter()
        .map(|a| {
            let mut arg = a.to_string();
            for (i, (path, _)) in images.iter().enumerate() {
                arg = arg.replace(&format!("IMG{i}"), &path.display().to_string());
            }
            OsString::from(arg)
        })
        .collect();
    let mut vm = Vm::start(&config).unwrap();
    vm.wait_for("kernel ready", BOOT).unwrap();
    if case.powers_off {
        let status = vm.wait_exit(Duration::from_secs(30)).unwrap();
        assert!(status.success(), "{status}\n{}", vm.transcript());
    }
    let log = vm.transcript();
    drop(vm);
    assert!(!log.contains("panic"), "{log}");
    for (i, ((name, driver), (image, expected))) in case.disks.iter().zip(&images).enumerate() {
        let disk_line = format!("basalt: disk {name}: {SECTORS} sectors of 512 bytes ({driver}");
        assert!(log.contains(&disk_line), "no `{disk_line}` in\n{log}");
        let (large, expected) = expected.split_once('|').unwrap();
        let large_line = format!("basalt: blocktest {name}: {large}");
        assert!(
            log.lines().any(|l| l.trim_end() == large_line),
            "no `{large_line}` in\n{log}"
        );
        let test_line = format!("basalt: blocktest {name}: {expected}");
        let line = log
            .lines()
            .find(|l| l.starts_with(&test_line))
            .unwrap_or_else(|| panic!("no `{test_line}` in\n{log}"));
        let interrupts: u64 = line
            .rsplit_once('(')
            .and_then(|(_, n)| n.split(' ').next()?.parse().ok())
            .unwrap();
        if case.interrupts {
            assert!(interrupts > 0, "the device never interrupted:\n{log}");
        }
        let written = std::fs::read(image).unwrap();
        assert_eq!(&written[1024..1536], pattern(name).as_slice());
        // Nothing else changed.
        let seed = seed * 8 + i as u8;
        assert_eq!(&written[..1024], make_image_bytes(seed).as_slice());
        assert!(written[SECTORS * 512 - 512..].iter().all(|&b| b == seed));
    }
}

fn make_image_bytes(seed: u8) -> Vec<u8> {
    (0..1024)
        .map(|i: usize| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

const VIRTIO_PCI: &[&str] = &[
    "-drive",
    "file=IMG0,if=none,id=d0,format=raw",
    "-device",
    "virtio-blk-pci,drive=d0",
];

#[test]
fn virtio_blk_pci_on_q35() {
    let case = Case {
        machine: Machine::Q35,
        args: VIRTIO_PCI,
        disks: &[("vbd0", "virtio-blk pci")],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 1);
}

#[test]
fn virtio_blk_pci_on_pc() {
    let case = Case {
        machine: Machine::Pc,
        args: VIRTIO_PCI,
        disks: &[("vbd0", "virtio-blk pci")],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 2);
}

#[test]
fn virtio_blk_mmio_on_microvm_from_the_dsdt() {
    let case = Case {
        machine: Machine::Microvm,
        args: &[
            "-drive",
            "file=IMG0,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-device,drive=d0",
        ],
        disks: &[("vbd0", "virtio-blk mmio")],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 3);
}

#[test]
fn virtio_blk_mmio_on_microvm_without_acpi_from_the_command_line() {
    // QEMU appends `virtio_mmio.device=...` to the command line itself.
    let case = Case {
        machine: Machine::Microvm,
        args: &[
            "-machine",
            "acpi=off",
            "-drive",
            "file=IMG0,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-device,drive=d0",
        ],
        disks: &[("vbd0", "virtio-blk mmio")],
        powers_off: false,
        interrupts: false,
    };
    run(&case, 4);
}

#[test]
fn ahci_on_q35() {
    let case = Case {
        machine: Machine::Q35,
        args: &[
            "-drive",
            "file=IMG0,if=none,id=d0,format=raw",
            "-device",
            "ahci,id=ahci",
            "-device",
            "ide-hd,drive=d0,bus=ahci.0",
        ],
        disks: &[("ada0", "AHCI")],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 5);
}

#[test]
fn ide_on_pc() {
    let case = Case {
        machine: Machine::Pc,
        args: &["-drive", "file=IMG0,if=ide,format=raw"],
        disks: &[("ada0", "ATA primary master")],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 6);
}

#[test]
fn legacy_virtio_blk_pci_on_pc() {
    let case = Case {
        machine: Machine::Pc,
        args: &[
            "-drive",
            "file=IMG0,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-pci,drive=d0,disable-modern=on",
        ],
        disks: &[("vbd0", "virtio-blk pci 00:02.0 legacy")],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 7);
}

#[test]
fn three_disks_on_q35_are_numbered_per_kind_and_share_interrupts() {
    let case = Case {
        machine: Machine::Q35,
        args: &[
            "-drive",
            "file=IMG0,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-pci,drive=d0,disable-legacy=on",
            "-drive",
            "file=IMG1,if=none,id=d1,format=raw",
            "-device",
            "virtio-blk-pci,drive=d1,disable-modern=on",
            "-drive",
            "file=IMG2,if=ide,format=raw",
        ],
        disks: &[
            ("vbd0", "virtio-blk pci 00:01.0,"),
            ("vbd1", "virtio-blk pci 00:02.0 legacy"),
            ("ada0", "AHCI 00:1f.2 port 0"),
        ],
        powers_off: true,
        interrupts: true,
    };
    run(&case, 8);
}
