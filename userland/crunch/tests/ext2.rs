//! newfs_ext2 and fsck_ext2, judged by e2fsck and debugfs.

use assert_cmd::Command;
use std::path::Path;
use std::process::Command as Host;

fn crunch(name: &str) -> Command {
    let mut cmd = Command::cargo_bin("crunch").unwrap();
    cmd.arg(name);
    cmd
}

/// e2fsck -fn's exit status on `name` (which may carry `?offset=`).
fn e2fsck(name: &str) -> i32 {
    Host::new("e2fsck")
        .args(["-fn", name])
        .output()
        .unwrap()
        .status
        .code()
        .unwrap()
}

fn debugfs(name: &str, request: &str) -> Vec<u8> {
    Host::new("debugfs")
        .args(["-R", request, name])
        .output()
        .unwrap()
        .stdout
}

fn tree(root: &Path) {
    std::fs::create_dir_all(root.join("etc/rc.d")).unwrap();
    std::fs::write(root.join("etc/motd"), b"Welcome to Basalt\n").unwrap();
    std::fs::write(root.join("etc/rc.d/big"), vec![0x42; 600_000]).unwrap();
    std::os::unix::fs::symlink("../motd", root.join("etc/rc.d/motd")).unwrap();
}

#[test]
fn newfs_with_a_tree_passes_e2fsck() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    tree(&stage);
    let image = dir.path().join("root.img");
    let image_name = image.to_str().unwrap();
    let out = crunch("newfs_ext2")
        .args([
            "-s",
            "16M",
            "-L",
            "root",
            "-U",
            "01234567-89ab-cdef-0123-456789abcdef",
            "-d",
        ])
        .arg(&stage)
        .arg(&image)
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(printed.contains("16384 blocks of 1024 bytes"), "{printed}");
    assert_eq!(std::fs::metadata(&image).unwrap().len(), 16 << 20);
    assert_eq!(e2fsck(image_name), 0);
    assert_eq!(debugfs(image_name, "cat /etc/motd"), b"Welcome to Basalt\n");
    assert_eq!(
        debugfs(image_name, "cat /etc/rc.d/big"),
        vec![0x42; 600_000]
    );
    let stats = String::from_utf8(debugfs(image_name, "stats")).unwrap();
    assert!(stats.contains("Filesystem volume name:   root"), "{stats}");
    assert!(
        stats.contains("01234567-89ab-cdef-0123-456789abcdef"),
        "{stats}"
    );
    crunch("fsck_ext2")
        .args(["-fn", image_name])
        .assert()
        .code(0);
}

#[test]
fn newfs_in_a_partition_of_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk.img");
    std::fs::File::create(&disk)
        .unwrap()
        .set_len(40 << 20)
        .unwrap();
    let name = format!("{}@1M", disk.display());
    crunch("newfs_ext2")
        .args(["-b", "4096", "-s", "32M", &name])
        .assert()
        .success();
    // Nothing before the partition was touched.
    let bytes = std::fs::read(&disk).unwrap();
    assert!(bytes[..1 << 20].iter().all(|&b| b == 0));
    assert_eq!(e2fsck(&format!("{}?offset=1048576", disk.display())), 0);
    crunch("fsck_ext2")
        .args(["-f", &format!("{}@2048s", disk.display())])
        .assert()
        .code(0);
}

#[test]
fn fsck_reports_and_repairs_like_e2fsck() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("fs.img");
    let name = image.to_str().unwrap();
    let made = Host::new("mke2fs")
        .args(["-q", "-F", "-t", "ext2", name, "8M"])
        .status()
        .unwrap();
    assert!(made.success());
    crunch("fsck_ext2").args(["-fn", name]).assert().code(0);
    // Make the root's link count wrong with debugfs, the independent tool.
    let set = Host::new("debugfs")
        .args(["-w", "-R", "sif / links_count 9", name])
        .status()
        .unwrap();
    assert!(set.success());
    assert_ne!(e2fsck(name), 0);
    crunch("fsck_ext2").args(["-fn", name]).assert().code(4);
    crunch("fsck_ext2").args(["-f", name]).assert().code(1);
    assert_eq!(e2fsck(name), 0);
    crunch("fsck_ext2").args(["-fy", name]).assert().code(0);
}

#[test]
fn usage_errors_and_help() {
    crunch("newfs_ext2").arg("--help").assert().code(0);
    crunch("fsck_ext2").arg("--help").assert().code(0);
    crunch("newfs_ext2")
        .args(["-b", "999", "x.img"])
        .assert()
        .code(2);
    crunch("newfs_ext2").assert().code(2);
    crunch("fsck_ext2").args(["-q", "x.img"]).assert().code(16);
    crunch("fsck_ext2")
        .args(["-f", "/nonexistent/fs.img"])
        .assert()
        .code(8);
}

#[test]
fn source_date_epoch_and_uuid_make_identical_images() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    tree(&stage);
    // Access times later than the change and modification times: reading
    // the tree does not move them (relatime), so both runs see one tree.
    for (which, when) in [("-m", "@1700000000"), ("-a", "1 hour")] {
        let touched = Host::new("find")
            .arg(&stage)
            .args(["-exec", "touch", "-h", which, "-d", when, "{}", "+"])
            .status()
            .unwrap();
        assert!(touched.success());
    }
    let mut images = Vec::new();
    for name in ["a.img", "b.img"] {
        let image = dir.path().join(name);
        crunch("newfs_ext2")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .args([
                "-s",
                "8M",
                "-U",
                "01234567-89ab-cdef-0123-456789abcdef",
                "-d",
            ])
            .arg(&stage)
            .arg(&image)
            .assert()
            .success();
        images.push(std::fs::read(&image).unwrap());
    }
    assert!(images[0] == images[1], "the two images differ");
    let name = dir.path().join("a.img");
    let stat = String::from_utf8(debugfs(name.to_str().unwrap(), "stat /lost+found")).unwrap();
    assert!(stat.contains("0x6553f100"), "{stat}");
}
