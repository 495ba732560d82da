//! Our check finds what e2fsck finds, and its repairs satisfy e2fsck.

mod common;

use common::*;
use ext2::raw::Inode;

fn damage(image: &std::path::Path, what: impl FnOnce(&mut ext2::Filesystem<ext2::FileDevice>)) {
    let mut fs = open_rw(image);
    what(&mut fs);
    fs.into_device().unwrap();
}

fn our_check(image: &std::path::Path, repair: bool) -> ext2::check::Report {
    let mut fs = open_rw(image);
    let report = ext2::check::check(&mut fs, repair).unwrap();
    fs.into_device().unwrap();
    report
}

/// Writes an inode as it is on disk with one change.
fn poke_inode(image: &std::path::Path, path: &[u8], change: impl FnOnce(&mut Inode)) {
    let mut fs = open_rw(image);
    let ino = fs.lookup_path(path, false).unwrap();
    let mut inode = fs.read_inode(ino).unwrap();
    change(&mut inode);
    fs.raw_write_inode(ino, &inode).unwrap();
    fs.into_device().unwrap();
}

#[test]
fn wrong_link_count_is_found_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let image = our_mkfs(dir.path(), "links.img", 8 << 20, 1024);
    damage(&image, |fs| {
        let ino = fs.mknod(2, b"file", 0o100644, 0, 0, (0, 0)).unwrap();
        fs.write(ino, 0, b"data").unwrap();
    });
    poke_inode(&image, b"/file", |inode| inode.set_links(3));
    assert_ne!(e2fsck(&image).0, 0);
    let report = our_check(&image, false);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("link count 3, should be 1")),
        "{report:?}"
    );
    let report = our_check(&image, true);
    assert_eq!(report.unfixed(), 0, "{report:?}");
    assert_e2fsck_clean(&image);
}

#[test]
fn bitmap_and_count_damage_is_found_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let image = our_mkfs(dir.path(), "bitmaps.img", 16 << 20, 4096);
    damage(&image, |fs| {
        let ino = fs.mknod(2, b"file", 0o100644, 0, 0, (0, 0)).unwrap();
        fs.write(ino, 0, &vec![7; 100_000]).unwrap();
    });
    // Clear the first data block's bit behind the library's back.
    let mut bytes = std::fs::read(&image).unwrap();
    let fs = open_rw(&image);
    let ino = fs.lookup_path(b"/file", false).unwrap();
    let block = fs.bmap(&fs.read_inode(ino).unwrap(), 0).unwrap() as usize;
    let bitmap_block = u32::from_le_bytes(bytes[4096..4100].try_into().unwrap()) as usize;
    drop(fs);
    bytes[bitmap_block * 4096 + block / 8] &= !(1 << (block % 8));
    std::fs::write(&image, &bytes).unwrap();
    assert_ne!(e2fsck(&image).0, 0);
    let report = our_check(&image, false);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("block bitmap")),
        "{report:?}"
    );
    our_check(&image, true);
    assert_e2fsck_clean(&image);
}

#[test]
fn damaged_directories_and_block_pointers_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let image = our_mkfs(dir.path(), "dirs.img", 8 << 20, 1024);
    damage(&image, |fs| {
        let d = fs.mkdir(2, b"d", 0o755, 0, 0).unwrap();
        let f = fs.mknod(d, b"f", 0o100644, 0, 0, (0, 0)).unwrap();
        fs.write(f, 0, &vec![1; 5000]).unwrap();
        let g = fs.mknod(d, b"g", 0o100644, 0, 0, (0, 0)).unwrap();
        fs.write(g, 0, &vec![2; 5000]).unwrap();
    });
    // g's first block is f's: a block used twice.
    let fs = open_rw(&image);
    let f = fs.lookup_path(b"/d/f", false).unwrap();
    let shared = fs.read_inode(f).unwrap().block(0);
    drop(fs);
    poke_inode(&image, b"/d/g", |inode| inode.set_block(0, shared));
    let report = our_check(&image, false);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("used twice")),
        "{report:?}"
    );
    assert_ne!(e2fsck(&image).0, 0);
    // A directory whose '..' points elsewhere.
    let image = our_mkfs(dir.path(), "dotdot.img", 8 << 20, 1024);
    damage(&image, |fs| {
        let a = fs.mkdir(2, b"a", 0o755, 0, 0).unwrap();
        let b = fs.mkdir(2, b"b", 0o755, 0, 0).unwrap();
        fs.rename(2, b"b", a, b"b").unwrap();
        let _ = b;
    });
    let mut fs = open_rw(&image);
    let b = fs.lookup_path(b"/a/b", false).unwrap();
    let inode = fs.read_inode(b).unwrap();
    let block = fs.bmap(&inode, 0).unwrap();
    let mut data = vec![0; 1024];
    fs.raw_read_block(block.into(), &mut data).unwrap();
    data[12..16].copy_from_slice(&2u32.to_le_bytes());
    fs.raw_write_block(block.into(), &data).unwrap();
    fs.into_device().unwrap();
    let report = our_check(&image, false);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("'..' is 2")),
        "{report:?}"
    );
    assert_ne!(e2fsck(&image).0, 0);
}
