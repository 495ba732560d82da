//! Our mkfs and populate, judged by e2fsck and debugfs.

mod common;

use common::*;

#[test]
fn empty_filesystems_pass_e2fsck() {
    let dir = tempfile::tempdir().unwrap();
    for (size, bs) in [
        (8u64 << 20, 1024u32),
        (64 << 20, 4096),
        (40 << 20, 1024),
        (300 << 20, 4096),
        (16 << 20, 2048),
    ] {
        let image = our_mkfs(dir.path(), &format!("empty-{bs}-{size}.img"), size, bs);
        assert_e2fsck_clean(&image);
    }
}

/// The lines of `dumpe2fs` that describe the geometry and where each
/// group's metadata is.
fn geometry(image: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("dumpe2fs")
        .arg(image)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            [
                "Inode count:",
                "Block count:",
                "Reserved block count:",
                "Inodes per group:",
                "Blocks per group:",
                "First block:",
                "Inode size:",
                "Filesystem features:",
            ]
            .iter()
            .any(|k| l.starts_with(k))
                || l.starts_with("Group ")
                || l.contains("superblock at")
                || l.contains("Block bitmap at")
                || l.contains("Inode table at")
        })
        .map(|l| l.split(" csum").next().unwrap().trim().to_string())
        .collect()
}

#[test]
fn layout_matches_mke2fs_without_resize_inode() {
    let dir = tempfile::tempdir().unwrap();
    for (size_kib, bs) in [
        (8192u64, 1024u32),
        (65536, 1024),
        (131072, 4096),
        (600 * 1024, 4096),
    ] {
        let ours = our_mkfs(dir.path(), "ours.img", size_kib * 1024, bs);
        let theirs = mke2fs(
            dir.path(),
            "theirs.img",
            size_kib,
            &["-O", "^resize_inode", "-b", &bs.to_string()],
            None,
        );
        let (a, b) = (geometry(&ours), geometry(&theirs));
        assert!(a.len() > 5);
        assert_eq!(a, b, "{size_kib} KiB, {bs}-byte blocks");
    }
}

#[test]
fn populated_tree_passes_e2fsck_and_debugfs_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    make_tree(&tree, 1500);
    for bs in [1024u32, 4096] {
        let image = our_mkfs(dir.path(), &format!("tree-{bs}.img"), 64 << 20, bs);
        let mut fs = open_rw(&image);
        ext2::populate(&mut fs, &tree, ext2::ROOT_INO).unwrap();
        assert_same_tree(&fs, &tree, ext2::ROOT_INO, true);
        fs.into_device().unwrap();
        assert_e2fsck_clean(&image);
        assert_debugfs_agrees(&image, &tree);
        let entry = format!("big/entry-01234-{}", "n".repeat(1234 % 40));
        for file in [
            "bin/large",
            "bin/double",
            "bin/indirect",
            "bin/sparse",
            "etc/small",
            &entry,
        ] {
            let data = debugfs(&image, &format!("cat /{file}"));
            assert_eq!(
                data,
                std::fs::read(tree.join(file)).unwrap(),
                "debugfs cat /{file}"
            );
        }
        let link = String::from_utf8(debugfs(&image, "stat /etc/slow-link")).unwrap();
        assert!(
            link.contains(&"x".repeat(100)) || link.contains("Type: symlink"),
            "{link}"
        );
        let listing = String::from_utf8(debugfs(&image, "ls -l /bin")).unwrap();
        assert!(
            listing.contains("104755") && listing.contains("indirect"),
            "{listing}"
        );
    }
}

#[test]
fn a_zero_block_between_data_blocks_becomes_a_hole_and_the_data_stays_put() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    let mut data: Vec<u8> = (0..3 * 4096).map(|i| (i % 251) as u8 + 1).collect();
    data[4096..8192].fill(0);
    std::fs::write(tree.join("gap"), &data).unwrap();
    for bs in [1024u32, 4096] {
        let image = our_mkfs(dir.path(), &format!("gap-{bs}.img"), 8 << 20, bs);
        let mut fs = open_rw(&image);
        ext2::populate(&mut fs, &tree, ext2::ROOT_INO).unwrap();
        fs.into_device().unwrap();
        assert_e2fsck_clean(&image);
        assert_eq!(debugfs(&image, "cat /gap"), data, "{bs}-byte blocks");
    }
}
