//! `basalt.img`, judged by others: sgdisk checks the GPT, e2fsck and debugfs
//! the root filesystem found through the disklabel64, and SeaBIOS in QEMU
//! boots it through GRUB to the kernel's first words on the serial line.

use disklabel::label64::{self, Label64};
use images::Workspace;
use images::disk::{DiskOptions, GrubDir, GrubPrefix, write_gpt_image};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The kernel's first serial output starts with this.
const KERNEL_SAYS: &str = "basalt:";
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// A small root: the real kernel in boot/ and a few files.
fn fake_root(dir: &Path) -> PathBuf {
    let kernel = images::build_kernel(&Workspace::this()).unwrap();
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("boot")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy(&kernel, root.join("boot/kernel")).unwrap();
    std::fs::write(root.join("etc/motd"), "Welcome to Basalt\n").unwrap();
    std::fs::write(root.join("etc/hostname"), "basalt\n").unwrap();
    root
}

fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("disk-")
        .tempdir_in("/tmp")
        .unwrap()
}

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is a judge here and must be installed: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// First byte and size of GPT partition `number`, as sgdisk reports it.
fn sgdisk_partition(image: &Path, number: u32, type_guid: &str) -> (u64, u64) {
    let (ok, info) = run(
        "sgdisk",
        &["-i", &number.to_string(), image.to_str().unwrap()],
    );
    assert!(ok, "{info}");
    assert!(
        info.contains(type_guid),
        "gpt{number} is {type_guid}: {info}"
    );
    let sector = |key: &str| -> u64 {
        let line = info.lines().find(|l| l.starts_with(key)).unwrap();
        line[key.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let start = sector("First sector:") * 512;
    (start, (sector("Last sector:") + 1) * 512 - start)
}

/// Where partition 3's `a` lies, found by sgdisk and the label's own bytes.
fn root_offset(image: &Path) -> (u64, u64) {
    let (slice_start, slice_size) =
        sgdisk_partition(image, 3, "3D48CE54-1D16-11DC-8696-01301BB8A9F5");
    let mut head = vec![0; label64::LABEL_OFFSET as usize + label64::LABEL_SIZE];
    std::fs::File::open(image)
        .unwrap()
        .read_exact_at(&mut head, slice_start)
        .unwrap();
    let label = Label64::parse(&head, slice_size).unwrap();
    let a = label.partitions[0];
    assert_eq!(a.offset % 4096, 0, "a is 4 KiB aligned");
    (slice_start + a.offset, a.size)
}

/// Boots `image` under SeaBIOS; the serial output up to the kernel's first
/// line, or the whole of it when that never came.
fn boot(image: &Path) -> (bool, String) {
    let mut child = Command::new("qemu-system-x86_64")
        .args(["-M", "pc", "-m", "512", "-accel", "tcg", "-nodefaults"])
        .args(["-display", "none", "-serial", "stdio", "-no-reboot"])
        .arg("-drive")
        .arg(format!("file={},format=raw", image.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("qemu-system-x86_64 is the judge here and must be installed");
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + BOOT_TIMEOUT;
    let mut seen = String::new();
    let mut booted = false;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match received.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(KERNEL_SAYS) {
                    booted = true;
                    break;
                }
            }
            Err(_) => break,
        }
    }
    // Only this QEMU, by its own handle.
    let _ = child.kill();
    let _ = child.wait();
    (booted, seen)
}

/// Builds, judges and boots an image with `grub`.
fn build_and_judge(grub: &GrubDir, expected: GrubPrefix) {
    let dir = scratch();
    let root = fake_root(dir.path());
    let image = dir.path().join("basalt.img");
    let opts = DiskOptions {
        seed: 42,
        ..DiskOptions::default()
    };
    let report = write_gpt_image(&image, &root, &root.join("boot/kernel"), grub, &opts).unwrap();
    assert_eq!(report.prefix, expected);

    let (ok, verify) = run("sgdisk", &["-v", image.to_str().unwrap()]);
    assert!(ok && verify.contains("No problems found"), "{verify}");

    // mtools reads the ESP's FAT and finds EFI/BOOT there.
    let (esp, _) = sgdisk_partition(&image, 2, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    let (ok, listing) = run(
        "mdir",
        &["-i", &format!("{}@@{esp}", image.display()), "::/EFI"],
    );
    assert!(ok && listing.contains("BOOT"), "{listing}");

    let (offset, size) = root_offset(&image);
    assert_eq!(offset..offset + size, report.root);
    let fs = format!("{}?offset={offset}", image.display());
    let (ok, fsck) = run("e2fsck", &["-fn", &fs]);
    assert!(ok, "{fsck}");
    let (ok, cfg) = run("debugfs", &["-R", "cat /boot/grub/grub.cfg", &fs]);
    assert!(ok, "{cfg}");
    assert!(
        cfg.contains(&format!(
            "multiboot2 /boot/kernel root=UUID={}",
            report.root_uuid
        )),
        "{cfg}"
    );
    assert!(cfg.contains("terminal_output serial console"), "{cfg}");
    let (ok, uuid) = run("dumpe2fs", &["-h", &fs]);
    assert!(ok && uuid.contains(&report.root_uuid), "{uuid}");

    let (booted, serial) = boot(&image);
    assert!(
        booted,
        "no {KERNEL_SAYS} line within {BOOT_TIMEOUT:?} from {}:\n{serial}",
        expected.path()
    );
}

#[test]
fn stock_grub_boots_the_kernel_from_the_boot_partition() {
    build_and_judge(&GrubDir::debian(), GrubPrefix::BootPartition);
}

#[test]
fn patched_grub_boots_the_kernel_from_inside_the_disklabel() {
    let cache = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/basalt/grub"))
        .and_then(|cache| std::fs::read_dir(cache).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .find(|dir| dir.join("done").exists());
    let Some(dir) = cache else {
        println!("skipped: no patched GRUB in $HOME/.cache/basalt/grub/*/done");
        return;
    };
    build_and_judge(&GrubDir::patched(&dir), GrubPrefix::NestedLabel);
}

#[test]
fn the_same_seed_gives_the_same_image() {
    let dir = scratch();
    let root = fake_root(dir.path());
    let opts = DiskOptions {
        size: 128 << 20,
        swap_size: 8 << 20,
        seed: 7,
        ..DiskOptions::default()
    };
    let grub = GrubDir::debian();
    let kernel = root.join("boot/kernel");
    let first = dir.path().join("first.img");
    let second = dir.path().join("second.img");
    write_gpt_image(&first, &root, &kernel, &grub, &opts).unwrap();
    write_gpt_image(&second, &root, &kernel, &grub, &opts).unwrap();
    let (first, second) = (
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
    );
    let differ: Vec<usize> = (0..first.len())
        .filter(|&i| first[i] != second[i])
        .collect();
    assert!(
        differ.is_empty(),
        "{} bytes differ, the first at {:?}",
        differ.len(),
        &differ[..differ.len().min(8)]
    );
}
