//! What mke2fs makes, we read: every file, directory and symlink.

mod common;

use common::*;
use ext2::{FileDevice, Filesystem};

fn open_ro(image: &std::path::Path) -> Filesystem<FileDevice> {
    let file = std::fs::File::open(image).unwrap();
    Filesystem::open_read_only(FileDevice::new(file).unwrap()).unwrap()
}

#[test]
fn reads_trees_made_by_mke2fs() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    make_tree(&tree, 3000);
    let configs: [(&str, &[&str]); 4] = [
        ("1k", &["-b", "1024"]),
        ("4k", &["-b", "4096"]),
        ("1k-noindex", &["-b", "1024", "-O", "^dir_index"]),
        ("4k-noindex", &["-b", "4096", "-O", "^dir_index"]),
    ];
    for (name, args) in configs {
        let image = mke2fs(dir.path(), &format!("{name}.img"), 65536, args, Some(&tree));
        if !name.contains("noindex") {
            index_directories(&image);
        }
        assert_e2fsck_clean(&image);
        let fs = open_ro(&image);
        assert_same_tree(&fs, &tree, ext2::ROOT_INO, true);
        let big = fs.lookup_path(b"/big", true).unwrap();
        let indexed = fs.stat(big).unwrap().flags & 0x1000 != 0;
        assert_eq!(
            indexed,
            !name.contains("noindex"),
            "{name}: htree flag on /big"
        );
        assert_eq!(
            fs.lookup_path(b"/etc/fast-link", true).unwrap(),
            fs.lookup_path(b"/etc/small", true).unwrap()
        );
    }
}

#[test]
fn unknown_features_refuse_or_make_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let ext4 = dir.path().join("ext4.img");
    let made = std::process::Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext4"])
        .arg(&ext4)
        .arg("8M")
        .status()
        .unwrap();
    assert!(made.success());
    let file = std::fs::File::open(&ext4).unwrap();
    assert!(matches!(
        Filesystem::open(FileDevice::new(file).unwrap()),
        Err(ext2::Error::Unsupported(_))
    ));
    // huge_file is a read-only compatible feature we do not keep.
    let image = mke2fs(dir.path(), "huge.img", 8192, &["-O", "huge_file"], None);
    let mut fs = open_rw(&image);
    assert!(fs.is_read_only());
    assert_eq!(
        fs.mkdir(ext2::ROOT_INO, b"x", 0o755, 0, 0),
        Err(ext2::Error::ReadOnly)
    );
    assert!(
        fs.read_dir(ext2::ROOT_INO)
            .unwrap()
            .iter()
            .any(|e| e.name == b"lost+found")
    );
    // Not an ext2 superblock at all.
    let zeros = ext2::MemoryDevice::new(1 << 20);
    assert!(matches!(
        Filesystem::open(zeros),
        Err(ext2::Error::BadSuperblock(_))
    ));
}
