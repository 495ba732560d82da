//! Booting from a disk: the base system's root on ext2 inside a disklabel64
//! partition `a` of a GPT partition (DragonFly's layout), made on the host
//! by sgdisk, our disklabel64 and Debian's `mke2fs -t ext2 -d` (and once
//! with our own gpt, disklabel64 and newfs_ext2 for every layer); the
//! kernel boots with `root=UUID=...` and no initrd on each disk
//! controller, a file is written at the root shell, synced, the machine
//! powered off; then `e2fsck -fn` finds the filesystem clean and `debugfs`
//! reads the file.

use blockdev::BlockDevice;
use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BOOT: Duration = Duration::from_secs(120);
const STEP: Duration = Duration::from_secs(60);
const IMAGE_BYTES: u64 = 160 << 20;
const DRAGONFLY_LABEL64: &str = "3D48CE54-1D16-11DC-8696-01301BB8A9F5";
const UUID: &str = "6a7c2f0e-5b1d-4e8a-9c3f-0d2b4a6e8f10";

fn must(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Where `suffix` (`p1a`) lies in the image, in bytes.
fn region(image: &Path, suffix: &str) -> partition::naming::Region {
    let file = std::fs::File::open(image).unwrap();
    let dev = blockdev::FileDevice::new(file).unwrap();
    let suffix = partition::naming::Suffix::parse(suffix).unwrap();
    partition::naming::locate(&dev, &suffix).unwrap()
}

/// Who makes the disk's layers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tools {
    /// sgdisk, our disklabel64, Debian's mke2fs.
    Debian,
    /// Our gpt, disklabel64 and newfs_ext2.
    Ours,
}

/// A GPT disk whose partition 1 holds a disklabel64 whose `a` is an ext2
/// filesystem with the base system's root; returns the image and `a`'s place.
fn make_disk(ws: &Workspace, name: &str, tools: Tools) -> (PathBuf, partition::naming::Region) {
    let built = artifacts::base_system(ws).unwrap();
    let crunch = images::build_userland(ws, &["crunch"]).unwrap().remove(0);
    let dir = artifacts::fixture_dir(ws, "disk-root").unwrap();
    let image = dir.join(format!("{name}.img"));
    let file = std::fs::File::create(&image).unwrap();
    file.set_len(IMAGE_BYTES).unwrap();
    drop(file);
    if tools == Tools::Debian {
        must(
            Command::new("sgdisk")
                .args(["-o", "-n", "1:2048:0", "-t"])
                .arg(format!("1:{DRAGONFLY_LABEL64}"))
                .arg(&image),
        );
    } else {
        must(Command::new(&crunch).args(["gpt", "create"]).arg(&image));
        must(
            Command::new(&crunch)
                .args(["gpt", "add", "-t", "dragonfly-label64"])
                .arg(&image),
        );
    }
    let slice = format!("{}:p1", image.display());
    must(Command::new(&crunch).args(["disklabel64", "-w", "-r", &slice, "auto"]));
    let proto = dir.join(format!("{name}.proto"));
    std::fs::write(&proto, "a: * * ext2fs\n").unwrap();
    must(
        Command::new(&crunch)
            .args(["disklabel64", "-R", &slice])
            .arg(&proto),
    );
    let a = region(&image, "p1a");
    if tools == Tools::Ours {
        must(
            Command::new(&crunch)
                .args(["newfs_ext2", "-U", UUID, "-d"])
                .arg(&built.root)
                .arg(format!("{}:p1a", image.display())),
        );
        return (image, a);
    }
    must(
        Command::new("mke2fs")
            .args(["-q", "-F", "-t", "ext2", "-U", UUID, "-E"])
            .arg(format!("offset={}", a.offset))
            .arg("-d")
            .arg(&built.root)
            .arg(&image)
            .arg(format!("{}k", a.length / 1024)),
    );
    (image, a)
}

/// The filesystem copied out of the image (e2fsck takes no offset).
fn extract(image: &Path, a: partition::naming::Region) -> PathBuf {
    let dev = blockdev::FileDevice::new(std::fs::File::open(image).unwrap()).unwrap();
    let mut bytes = vec![0u8; a.length as usize];
    dev.read_at(a.offset, &mut bytes).unwrap();
    let out = image.with_extension("ext2");
    std::fs::write(&out, bytes).unwrap();
    out
}

fn boot_write_and_check(name: &str, tools: Tools, machine: Machine, disk_args: &[&str]) {
    let ws = Workspace::this();
    let (image, a) = make_disk(&ws, name, tools);
    let mut config = artifacts::basalt_vm(&ws, machine).unwrap();
    config.kernel = Some(artifacts::base_system(&ws).unwrap().kernel);
    config.append = Some(format!("root=UUID={UUID}"));
    config.extra_args = disk_args
        .iter()
        .map(|a| a.replace("IMG", &image.display().to_string()).into())
        .collect();
    let mut vm = Vm::start(&config).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    let text = format!("written on {name}");
    vm.send(&format!(
        "echo '{text}' > /hello.txt && mkdir /made && cat /hello.txt && ls / && sync\r"
    ))
    .unwrap();
    vm.expect(&format!("{text}\n"), STEP).unwrap();
    vm.expect("\n# ", STEP).unwrap();
    vm.send("poweroff\r").unwrap();
    let status = vm.wait_exit(STEP).unwrap();
    let log = vm.transcript();
    assert!(status.success(), "{status}\n{log}");
    assert!(log.contains("root: ext2 on /dev/"), "{log}");
    assert!(!log.contains("panic"), "{log}");

    let fs = extract(&image, a);
    let check = Command::new("e2fsck").arg("-fn").arg(&fs).output().unwrap();
    assert!(
        check.status.success(),
        "e2fsck: {}\n{}{}\n{log}",
        check.status,
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let cat = must(
        Command::new("debugfs")
            .args(["-R", "cat /hello.txt"])
            .arg(&fs),
    );
    assert_eq!(cat, format!("{text}\n"));
    let ls = must(Command::new("debugfs").args(["-R", "ls -l /"]).arg(&fs));
    assert!(ls.contains("made"), "{ls}");
}

#[test]
fn root_on_virtio_blk_pci_q35() {
    boot_write_and_check(
        "virtio-q35",
        Tools::Debian,
        Machine::Q35,
        &[
            "-drive",
            "file=IMG,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-pci,drive=d0",
        ],
    );
}

#[test]
fn root_on_virtio_blk_mmio_microvm() {
    boot_write_and_check(
        "virtio-microvm",
        Tools::Debian,
        Machine::Microvm,
        &[
            "-drive",
            "file=IMG,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-device,drive=d0",
        ],
    );
}

#[test]
fn root_on_ahci_q35() {
    boot_write_and_check(
        "ahci-q35",
        Tools::Debian,
        Machine::Q35,
        &[
            "-drive",
            "file=IMG,if=none,id=d0,format=raw",
            "-device",
            "ahci,id=ahci",
            "-device",
            "ide-hd,drive=d0,bus=ahci.0",
        ],
    );
}

#[test]
fn root_on_ide_pc() {
    boot_write_and_check(
        "ide-pc",
        Tools::Debian,
        Machine::Pc,
        &["-drive", "file=IMG,if=ide,format=raw"],
    );
}

#[test]
fn root_made_by_our_own_tools_on_virtio_blk_pci_q35() {
    boot_write_and_check(
        "ours-virtio-q35",
        Tools::Ours,
        Machine::Q35,
        &[
            "-drive",
            "file=IMG,if=none,id=d0,format=raw",
            "-device",
            "virtio-blk-pci,drive=d0",
        ],
    );
}

/// Runs `command` at the root prompt and waits for the line `marker` (which
/// the command line itself must not contain) and the next prompt.
#[test]
fn update_writes_a_file_out_without_sync_before_the_machine_is_killed() {
    let ws = Workspace::this();
    let (image, a) = make_disk(&ws, "update", Tools::Ours);
    let mut config = artifacts::basalt_vm(&ws, Machine::Q35).unwrap();
    config.kernel = Some(artifacts::base_system(&ws).unwrap().kernel);
    config.append = Some(format!("root=UUID={UUID}"));
    config.extra_args = [
        "-drive",
        &format!("file={},if=none,id=d0,format=raw", image.display()),
        "-device",
        "virtio-blk-pci,drive=d0",
    ]
    .iter()
    .map(Into::into)
    .collect();
    let mut vm = Vm::start(&config).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    // /etc/rc started one with the default 30 s; this one is quicker.
    // Without it the file stays in the cache and is lost (checked by hand).
    run_until(
        &mut vm,
        "update -i 1 & echo kept > /kept.txt; sleep 3; echo wait-$((1 + 1))",
        "wait-2",
    );
    drop(vm); // kills QEMU: no sync, no unmount, no power-off
    let fs = extract(&image, a);
    let cat = must(
        Command::new("debugfs")
            .args(["-R", "cat /kept.txt"])
            .arg(&fs),
    );
    assert_eq!(cat, "kept\n");
}

fn run_until(vm: &mut Vm, command: &str, marker: &str) {
    vm.send(&format!("{command}\r")).unwrap();
    vm.expect(&format!("\n{marker}\n"), STEP).unwrap();
    vm.expect("# ", STEP).unwrap();
}

/// Block devices for disks, GPT partitions, disklabel partitions and MBR
/// slices; `root=/dev/NAME` winning over an initramfs; a filesystem made,
/// mounted and written on Basalt; a file read after its last unlink.
#[test]
fn block_devices_newfs_mount_and_open_unlinked_files_on_basalt() {
    let ws = Workspace::this();
    let (image, a) = make_disk(&ws, "devices", Tools::Debian);
    let dir = artifacts::fixture_dir(&ws, "disk-root").unwrap();
    let second = dir.join("second.img");
    let file = std::fs::File::create(&second).unwrap();
    file.set_len(32 << 20).unwrap();
    drop(file);
    // A third disk with an MBR slice.
    let third = dir.join("third.img");
    let file = std::fs::File::create(&third).unwrap();
    file.set_len(8 << 20).unwrap();
    drop(file);
    let mut sfdisk = Command::new("sfdisk")
        .arg("-q")
        .arg(&third)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    sfdisk
        .stdin
        .take()
        .unwrap()
        .write_all(b"start=2048, type=83\n")
        .unwrap();
    assert!(sfdisk.wait().unwrap().success());
    let built = artifacts::base_system(&ws).unwrap();
    let mut config = artifacts::basalt_vm(&ws, Machine::Q35).unwrap();
    config.kernel = Some(built.kernel.clone());
    // With an initramfs too, the disk named by root= is the root.
    config.initrd = vec![built.initrd.clone()];
    config.append = Some("root=/dev/vbd0p1a".into());
    for (i, disk) in [&image, &second, &third].iter().enumerate() {
        config.extra_args.extend([
            "-drive".into(),
            format!("file={},if=none,id=d{i},format=raw", disk.display()).into(),
            "-device".into(),
            format!("virtio-blk-pci,drive=d{i}").into(),
        ]);
    }
    let mut vm = Vm::start(&config).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    // Disks and partitions are block devices; the second disk gets a
    // filesystem made on Basalt, mounted, written and unmounted.
    run_until(
        &mut vm,
        "ls -l /dev/vbd0 /dev/vbd0p1 /dev/vbd0p1a /dev/vbd1 /dev/vbd2s1 | cut -c1 | tr -d '\\n'; echo",
        "bbbbb",
    );
    run_until(
        &mut vm,
        "newfs_ext2 /dev/vbd1 >/dev/null && mkdir /mnt2 && mount -t ext2 /dev/vbd1 /mnt2 && \
         echo second > /mnt2/f && mkdir /mnt2/d && umount /mnt2 && echo mounted-$((1 + 1))",
        "mounted-2",
    );
    // A file open when its last name goes stays readable until closed.
    run_until(
        &mut vm,
        "echo kept > /gone && { rm /gone; cat; } < /gone; echo gone-$(ls / | grep -c gone)",
        "gone-0",
    );
    vm.send("poweroff\r").unwrap();
    let status = vm.wait_exit(STEP).unwrap();
    let log = vm.transcript();
    assert!(status.success(), "{status}\n{log}");
    assert!(log.contains("kept\n"), "{log}");
    assert!(log.contains("root: ext2 on /dev/vbd0p1a"), "{log}");

    for fs in [extract(&image, a), second.clone()] {
        let check = Command::new("e2fsck").arg("-fn").arg(&fs).output().unwrap();
        assert!(
            check.status.success(),
            "e2fsck {}: {}\n{}{}\n{log}",
            fs.display(),
            check.status,
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let cat = must(Command::new("debugfs").args(["-R", "cat /f"]).arg(&second));
    assert_eq!(cat, "second\n");
    let root = extract(&image, a);
    let orphans = must(
        Command::new("debugfs")
            .args(["-R", "ls /lost+found"])
            .arg(&root),
    );
    assert!(!orphans.contains('#'), "{orphans}");
}
