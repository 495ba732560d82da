//! gpt, fdisk, disklabel64 and disklabel32, judged by sgdisk, sfdisk,
//! fdisk, parted, e2fsck and GRUB in both directions: what we write they
//! accept, what they write we read.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Command as Host;

fn crunch(name: &str) -> Command {
    let mut cmd = Command::cargo_bin("crunch").unwrap();
    cmd.arg(name);
    cmd
}

fn run(name: &str, args: &[&str]) -> (i32, String, String) {
    let out = crunch(name).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(name: &str, args: &[&str]) -> String {
    let (code, out, err) = run(name, args);
    assert_eq!(code, 0, "{name} {args:?}: {err}");
    out
}

fn host(program: &str, args: &[&str]) -> (bool, String) {
    let out = Host::new(program).args(args).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// sgdisk -v finds nothing to say about the table.
fn sgdisk_clean(img: &Path) -> bool {
    let (good, text) = host("sgdisk", &["-v", s(img)]);
    good && text.contains("No problems found")
        && !["Caution", "Warning", "ERROR", "Problem:"]
            .iter()
            .any(|w| text.contains(w))
}

fn image(dir: &Path, name: &str, size: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().set_len(size).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn our_gpt_passes_sgdisk_sfdisk_and_parted() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "disk.img", 64 << 20);
    ok("gpt", &["create", s(&img)]);
    assert_eq!(
        ok(
            "gpt",
            &["add", "-t", "efi", "-s", "16M", "-l", "ESP", s(&img)]
        ),
        format!("{}p1 added\n", s(&img))
    );
    ok("gpt", &["add", "-t", "bios", "-s", "1M", s(&img)]);
    ok("gpt", &["add", "-t", "dragonfly-label64", s(&img)]);
    assert!(sgdisk_clean(&img));
    let (_, dump) = host("sfdisk", &["-d", s(&img)]);
    assert!(
        dump.contains(
            "start=        2048, size=       32768, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
        ),
        "{dump}"
    );
    assert!(dump.contains("name=\"ESP\""), "{dump}");
    assert!(
        dump.contains(
            "start=       34816, size=        2048, type=21686148-6449-6E6F-744E-656564454649"
        ),
        "{dump}"
    );
    assert!(
        dump.contains(
            "start=       36864, size=       92160, type=3D48CE54-1D16-11DC-8696-01301BB8A9F5"
        ),
        "{dump}"
    );
    let (good, text) = host("parted", &["-s", "-m", s(&img), "unit", "s", "print"]);
    assert!(
        good && text.contains("1:2048s:34815s:32768s::ESP:"),
        "{text}"
    );
    let (good, text) = host("fdisk", &["-l", s(&img)]);
    assert!(good && text.contains("Disklabel type: gpt"), "{text}");

    ok("gpt", &["label", "-i", "3", "-l", "dfly", s(&img)]);
    ok("gpt", &["type", "-i", "3", "-t", "linux", s(&img)]);
    ok("gpt", &["resize", "-i", "3", "-s", "20M", s(&img)]);
    ok("gpt", &["remove", "-i", "2", s(&img)]);
    let (_, dump) = host("sfdisk", &["-d", s(&img)]);
    assert!(
        dump.contains(
            "start=       36864, size=       40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"
        ),
        "{dump}"
    );
    assert!(
        dump.contains("name=\"dfly\"") && !dump.contains("21686148"),
        "{dump}"
    );
    assert!(sgdisk_clean(&img));
}

#[test]
fn gpt_recovers_either_copy() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "disk.img", 16 << 20);
    ok("gpt", &["create", s(&img)]);
    ok("gpt", &["add", "-s", "4M", s(&img)]);
    let before = ok("gpt", &["show", s(&img)]);
    let sectors = (16 << 20) / 512;
    for damaged in [1u64, sectors - 1, 2, sectors - 33] {
        let mut bytes = std::fs::read(&img).unwrap();
        bytes[(damaged * 512 + 20) as usize] ^= 0xFF;
        std::fs::write(&img, &bytes).unwrap();
        assert!(!sgdisk_clean(&img), "sector {damaged}");
        let (code, shown, _) = run("gpt", &["show", s(&img)]);
        assert_eq!(code, 0);
        assert!(shown.contains("warning"), "{shown}");
        if damaged < 3 {
            let (code, _, err) = run("gpt", &["add", "-s", "1M", s(&img)]);
            assert_eq!(code, 1);
            assert!(err.contains("gpt recover"), "{err}");
        }
        assert!(ok("gpt", &["recover", s(&img)]).contains("restored"));
        assert_eq!(ok("gpt", &["show", s(&img)]), before);
        assert!(sgdisk_clean(&img));
    }
    assert_eq!(
        ok("gpt", &["recover", s(&img)]),
        "both GPT copies are sound\n"
    );
}

#[test]
fn we_read_tables_sgdisk_and_parted_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "sg.img", 32 << 20);
    let (good, text) = host(
        "sgdisk",
        &[
            "-n",
            "1:2048:+8M",
            "-t",
            "1:ef00",
            "-c",
            "1:EFI",
            "-n",
            "2:0:0",
            "-t",
            "2:8300",
            s(&img),
        ],
    );
    assert!(good, "{text}");
    let shown = ok("gpt", &["show", "-l", s(&img)]);
    assert!(
        shown.contains("        2048       16384      1  GPT part - \"EFI\""),
        "{shown}"
    );
    assert!(
        shown.contains("       18432       47071      2  GPT part - Linux filesystem"),
        "{shown}"
    );
    // mke2fs writes a filesystem into p2; fsck_ext2 finds it by name.
    let offset = format!("offset={}", 18432 * 512);
    let blocks = (47071 / 2).to_string();
    let (good, text) = host(
        "mke2fs",
        &[
            "-q",
            "-t",
            "ext2",
            "-b",
            "1024",
            "-F",
            "-E",
            &offset,
            s(&img),
            &blocks,
        ],
    );
    assert!(good, "{text}");
    let checked = ok("fsck_ext2", &["-n", &format!("{}:p2", s(&img))]);
    assert!(checked.contains("clean"), "{checked}");

    let img = image(dir.path(), "parted.img", 32 << 20);
    let (good, text) = host(
        "parted",
        &[
            "-s",
            s(&img),
            "mklabel",
            "gpt",
            "mkpart",
            "one",
            "1MiB",
            "9MiB",
            "mkpart",
            "two",
            "9MiB",
            "31MiB",
        ],
    );
    assert!(good, "{text}");
    let shown = ok("gpt", &["show", "-l", s(&img)]);
    assert!(
        shown.contains("        2048       16384      1  GPT part - \"one\""),
        "{shown}"
    );
    assert!(
        shown.contains("       18432       45056      2  GPT part - \"two\""),
        "{shown}"
    );
}

#[test]
fn our_mbr_passes_sfdisk_fdisk_and_parted() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "disk.img", 64 << 20);
    ok("fdisk", &["init", s(&img)]);
    ok(
        "fdisk",
        &["add", "-a", "-t", "dragonfly", "-s", "32M", s(&img)],
    );
    ok("fdisk", &["add", "-t", "linux", "-s", "8M", s(&img)]);
    ok("fdisk", &["add", "-i", "4", "-t", "0x82", s(&img)]);
    let (_, dump) = host("sfdisk", &["-d", s(&img)]);
    assert!(
        dump.contains("start=        2048, size=       65536, type=a5, bootable"),
        "{dump}"
    );
    assert!(
        dump.contains("start=       67584, size=       16384, type=83\n"),
        "{dump}"
    );
    assert!(
        dump.contains("4 : start=       83968, size=       47104, type=82"),
        "{dump}"
    );
    let (good, text) = host("sfdisk", &["-V", s(&img)]);
    assert!(good, "{text}");
    let (good, text) = host("parted", &["-s", "-m", s(&img), "unit", "s", "print"]);
    assert!(
        good && text.contains("1:2048s:67583s:65536s:::boot"),
        "{text}"
    );
    ok("fdisk", &["active", "-i", "2", s(&img)]);
    ok("fdisk", &["delete", "-i", "4", s(&img)]);
    let (_, dump) = host("sfdisk", &["-d", s(&img)]);
    assert!(
        dump.contains("size=       16384, type=83, bootable") && !dump.contains("type=82"),
        "{dump}"
    );
    let (good, text) = host("fdisk", &["-l", s(&img)]);
    assert!(good && text.contains("Disklabel type: dos"), "{text}");
    // A GPT's protective MBR is shown but not edited.
    let gpt = image(dir.path(), "gpt.img", 8 << 20);
    ok("gpt", &["create", s(&gpt)]);
    let (code, _, err) = run("fdisk", &["add", s(&gpt)]);
    assert_eq!(code, 1);
    assert!(err.contains("use gpt(8)"), "{err}");
}

#[test]
fn we_read_logical_slices_sfdisk_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "disk.img", 64 << 20);
    let mut sfdisk = Host::new("sfdisk")
        .args(["-q", s(&img)])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    sfdisk
        .stdin
        .take()
        .unwrap()
        .write_all(b"label: dos\n,16M,L\n,,E\n,8M,L\n,8M,S\n")
        .unwrap();
    assert!(sfdisk.wait().unwrap().success());
    let shown = ok("fdisk", &[s(&img)]);
    assert!(
        shown.contains("s1                     2048        32768  0x83"),
        "{shown}"
    );
    assert!(
        shown.contains("s5                    36864        16384  0x83"),
        "{shown}"
    );
    assert!(
        shown.contains("s6                    55296        16384  0x82"),
        "{shown}"
    );
    // A logical slice is a name like any other.
    ok("newfs_ext2", &[&format!("{}:s5", s(&img))]);
    let at = format!("{}?offset={}", s(&img), 36864 * 512);
    assert!(host("e2fsck", &["-fn", &at]).0);
    let (code, _, err) = run("fsck_ext2", &[&format!("{}:s7", s(&img))]);
    assert_eq!(code, 8);
    assert!(err.contains("no such MBR slice"), "{err}");
}

#[test]
fn disklabel64_in_a_gpt_partition_holds_an_ext2_e2fsck_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "disk.img", 64 << 20);
    ok("gpt", &["create", s(&img)]);
    ok("gpt", &["add", "-t", "efi", "-s", "8M", s(&img)]);
    ok("gpt", &["add", "-t", "dragonfly-label64", s(&img)]);
    let slice = format!("{}:p2", s(&img));
    let (code, _, err) = run("disklabel64", &[&slice]);
    assert_eq!(
        (code, err),
        (1, format!("disklabel64: {slice}: no disk label\n"))
    );
    ok("disklabel64", &["-w", "-r", &slice, "auto"]);
    let printed = ok("disklabel64", &[&slice]);
    assert!(
        printed.contains("boot2 data base:      0x000000001000"),
        "{printed}"
    );
    assert!(
        printed.contains("partitions data base: 0x000000100000"),
        "{printed}"
    );
    let proto = dir.path().join("proto");
    std::fs::write(&proto, "a: 16M * ext2fs\nb: 4M * swap\nd: * * HAMMER2\n").unwrap();
    ok("disklabel64", &["-R", &slice, s(&proto)]);
    let printed = ok("disklabel64", &[&slice]);
    assert!(
        printed.contains("  a:      16384          0    ext2fs"),
        "{printed}"
    );
    assert!(
        printed.contains("  b:       4096      16384      swap"),
        "{printed}"
    );
    // What it prints, it reads back unchanged.
    std::fs::write(&proto, &printed).unwrap();
    ok("disklabel64", &["-R", &slice, s(&proto)]);
    assert_eq!(ok("disklabel64", &[&slice]), printed);
    // -e: an "editor" that changes partition a's type.
    let editor = dir.path().join("editor");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/ext2fs/4.2BSD/' \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    crunch("disklabel64")
        .args(["-e", &slice])
        .env("EDITOR", &editor)
        .assert()
        .success();
    assert!(ok("disklabel64", &[&slice]).contains("    4.2BSD"));
    crunch("disklabel64")
        .args(["-e", &slice])
        .env("EDITOR", "sed -i s/4.2BSD/ext2fs/")
        .assert()
        .success();
    // A label that does not parse is offered for editing again; with no
    // answer on stdin the label on disk stays as it was.
    let before = ok("disklabel64", &[&slice]);
    let out = crunch("disklabel64")
        .args(["-e", &slice])
        .env("EDITOR", "sed -i s/ext2fs/nosuchfs/")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown fstype") && err.contains("label not changed"),
        "{err}"
    );
    assert_eq!(ok("disklabel64", &[&slice]), before);
    // The label's partition a holds a filesystem e2fsck accepts.
    ok("newfs_ext2", &[&format!("{slice}a")]);
    let p2 = 8 * 2048 + 2048;
    let at = format!("{}?offset={}", s(&img), p2 * 512 + 0x100000);
    let (good, text) = host("e2fsck", &["-fn", &at]);
    assert!(good, "{text}");
    ok("fsck_ext2", &[&format!("{slice}a")]);
    // GPT, MBR judges still see a sound disk.
    assert!(sgdisk_clean(&img));
    // -B zeroes boot1.
    let mut bytes = std::fs::read(&img).unwrap();
    bytes[p2 as usize * 512] = 0xEB;
    std::fs::write(&img, &bytes).unwrap();
    ok("disklabel64", &["-B", &slice]);
    assert_eq!(std::fs::read(&img).unwrap()[p2 as usize * 512], 0);
    ok("fsck_ext2", &[&format!("{slice}a")]);
}

#[test]
fn disklabel32_in_an_mbr_slice() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path(), "disk.img", 32 << 20);
    ok("fdisk", &["init", s(&img)]);
    ok("fdisk", &["add", "-t", "dragonfly", s(&img)]);
    let slice = format!("{}:s1", s(&img));
    ok("disklabel32", &["-w", &slice, "auto"]);
    let printed = ok("disklabel32", &[&slice]);
    assert!(
        printed.contains("  c:      63488       2048    unused"),
        "{printed}"
    );
    let proto = dir.path().join("proto");
    std::fs::write(
        &proto,
        "8 partitions:\na: 8M * ext2fs\nc: 63488 2048 unused\n",
    )
    .unwrap();
    let dry = ok("disklabel32", &["-n", "-R", &slice, s(&proto)]);
    assert!(
        dry.contains("  a:      16384       2064    ext2fs"),
        "{dry}"
    );
    assert!(!ok("disklabel32", &[&slice]).contains("ext2fs"), "-n wrote");
    ok("disklabel32", &["-R", &slice, s(&proto)]);
    ok("newfs_ext2", &[&format!("{slice}a")]);
    let at = format!("{}?offset={}", s(&img), 2064 * 512);
    assert!(host("e2fsck", &["-fn", &at]).0);
    // An overlapping or out-of-slice prototype is refused, label unchanged.
    std::fs::write(&proto, "a: 64M 2048 ext2fs\n").unwrap();
    let (code, _, err) = run("disklabel32", &["-R", &slice, s(&proto)]);
    assert_eq!(code, 1);
    assert!(err.contains("outside the slice"), "{err}");
    // DragonFly rejects a raw partition that does not start at the slice.
    std::fs::write(&proto, "c: 63488 0 unused\n").unwrap();
    let (code, _, err) = run("disklabel32", &["-R", &slice, s(&proto)]);
    assert_eq!(code, 1);
    assert!(err.contains("raw partition c"), "{err}");
    assert!(ok("disklabel32", &[&slice]).contains("ext2fs"));
}

#[test]
fn help_usage_and_errors() {
    for name in ["gpt", "fdisk", "disklabel64", "disklabel32"] {
        let (code, out, _) = run(name, &["--help"]);
        assert_eq!(code, 0, "{name}");
        assert!(out.starts_with("usage: "), "{name}");
    }
    let (code, _, err) = run("gpt", &["frobnicate", "x"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("gpt: unknown command: frobnicate\nusage:"),
        "{err}"
    );
    let (code, _, err) = run("gpt", &["remove", "x"]);
    assert_eq!(
        (code, err.lines().next().unwrap()),
        (2, "gpt: remove needs -i index")
    );
    let (code, _, err) = run("fdisk", &["delete", "-i", "5", "x"]);
    assert_eq!(
        (code, err.lines().next().unwrap()),
        (2, "fdisk: bad slice: 5 (1 to 4)")
    );
    let (code, _, err) = run("disklabel64", &["-w", "x", "floppy"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown disk type: floppy"), "{err}");
    let (code, _, err) = run("gpt", &["show", "/nonexistent/disk.img"]);
    assert_eq!(
        (code, err),
        (
            1,
            "gpt: /nonexistent/disk.img: No such file or directory\n".into()
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let blank = image(dir.path(), "blank.img", 4 << 20);
    let (code, _, err) = run("gpt", &["show", s(&blank)]);
    assert_eq!((code, err), (1, format!("gpt: {}: no GPT\n", s(&blank))));
    let (code, _, err) = run("fdisk", &[s(&blank)]);
    assert_eq!((code, err), (1, format!("fdisk: {}: no MBR\n", s(&blank))));
    let (code, _, err) = run("newfs_ext2", &[&format!("{}:x9", s(&blank))]);
    assert_eq!(code, 2);
    assert!(err.contains("bad partition name 'x9'"), "{err}");
    let (code, _, err) = run("fsck_ext2", &[&format!("{}:p1", s(&blank))]);
    assert_eq!(
        (code, err),
        (8, format!("fsck_ext2: {}:p1: no GPT\n", s(&blank)))
    );
    ok("gpt", &["create", s(&blank)]);
    let (code, _, err) = run("gpt", &["create", s(&blank)]);
    assert_eq!(code, 1);
    assert!(err.contains("already has a GPT"), "{err}");
    let (code, _, err) = run("gpt", &["add", "-s", "8M", s(&blank)]);
    assert_eq!(code, 1);
    assert!(err.contains("no free space"), "{err}");
}

#[test]
fn host_binaries_run_their_program() {
    for name in [
        "gpt",
        "fdisk",
        "disklabel64",
        "disklabel32",
        "newfs_ext2",
        "fsck_ext2",
    ] {
        let out = Command::cargo_bin(name)
            .unwrap()
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with(&format!("usage: {name}")),
            "{name}"
        );
    }
}

#[test]
fn grub_finds_the_partitions_of_our_labels() {
    let dir = tempfile::tempdir().unwrap();
    let proto = dir.path().join("proto");
    let gpt = image(dir.path(), "gpt.img", 64 << 20);
    ok("gpt", &["create", s(&gpt)]);
    ok("gpt", &["add", "-t", "efi", "-s", "8M", s(&gpt)]);
    ok("gpt", &["add", "-t", "dragonfly-label64", s(&gpt)]);
    let slice = format!("{}:p2", s(&gpt));
    ok("disklabel64", &["-w", &slice, "auto"]);
    std::fs::write(&proto, "a: 16M * ext2fs\nb: 8M * swap\n").unwrap();
    ok("disklabel64", &["-R", &slice, s(&proto)]);
    let (good, text) = host("grub-fstest", &[s(&gpt), "ls"]);
    assert!(good, "{text}");
    assert!(
        text.contains("(loop0,gpt2,dfly1)") && text.contains("(loop0,gpt2,dfly2)"),
        "{text}"
    );
    assert!(!text.contains("dfly3"), "{text}");

    let mbr = image(dir.path(), "mbr.img", 32 << 20);
    ok("fdisk", &["init", s(&mbr)]);
    ok("fdisk", &["add", "-t", "dragonfly", s(&mbr)]);
    let slice = format!("{}:s1", s(&mbr));
    ok("disklabel32", &["-w", &slice, "auto"]);
    std::fs::write(
        &proto,
        "a: 8M * ext2fs\nb: 4M * swap\nc: 63488 2048 unused\n",
    )
    .unwrap();
    ok("disklabel32", &["-R", &slice, s(&proto)]);
    let (good, text) = host("grub-fstest", &[s(&mbr), "ls"]);
    assert!(good, "{text}");
    assert!(
        text.contains("(loop0,msdos1,bsd1)") && text.contains("(loop0,msdos1,bsd2)"),
        "{text}"
    );
}
