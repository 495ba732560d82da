//! Hostile input: real images with mutated superblocks, group
//! descriptors, inodes, directory and indirect blocks. Every operation
//! returns Ok or Err; none panics, none hangs.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use ext2::{Filesystem, MemoryDevice, MkfsOptions, ROOT_INO, mode};
use proptest::prelude::*;

const SIZE: usize = 2 << 20;

/// Our mkfs with a bit of everything in it, 1 KiB blocks.
fn our_image() -> &'static Vec<u8> {
    static IMAGE: OnceLock<Vec<u8>> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let opts = MkfsOptions {
            block_size: Some(1024),
            ..MkfsOptions::default()
        };
        let mut fs = ext2::mkfs(MemoryDevice::new(SIZE), &opts).unwrap();
        let d = fs.mkdir(ROOT_INO, b"dir", 0o755, 0, 0).unwrap();
        let sub = fs.mkdir(d, b"sub", 0o700, 1, 1).unwrap();
        for (name, len) in [
            ("small", 100usize),
            ("indirect", 20_000),
            ("double", 300_000),
        ] {
            let ino = fs
                .mknod(d, name.as_bytes(), 0o100644, 0, 0, (0, 0))
                .unwrap();
            fs.write(ino, 0, &vec![0xa5; len]).unwrap();
        }
        let sparse = fs.mknod(sub, b"sparse", 0o100600, 0, 0, (0, 0)).unwrap();
        fs.write(sparse, 1 << 20, b"far").unwrap();
        fs.symlink(d, b"fast", b"small", 0, 0).unwrap();
        fs.symlink(d, b"slow", "y".repeat(200).as_bytes(), 0, 0)
            .unwrap();
        fs.mknod(ROOT_INO, b"null", mode::CHAR_DEVICE | 0o666, 0, 0, (1, 3))
            .unwrap();
        for i in 0..80 {
            fs.mknod(sub, format!("many-{i}").as_bytes(), 0o100644, 0, 0, (0, 0))
                .unwrap();
        }
        fs.into_device().unwrap().bytes
    })
}

/// mke2fs's own (resize inode, an indexed directory), 1 KiB blocks.
fn mke2fs_image() -> &'static Vec<u8> {
    static IMAGE: OnceLock<Vec<u8>> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("big")).unwrap();
        for i in 0..300 {
            std::fs::write(tree.join("big").join(format!("name-{i:04}")), b"x").unwrap();
        }
        std::fs::write(tree.join("file"), vec![3u8; 70_000]).unwrap();
        std::os::unix::fs::symlink("file", tree.join("link")).unwrap();
        let image = common::mke2fs(
            dir.path(),
            "m.img",
            (SIZE / 1024) as u64,
            &["-b", "1024", "-N", "512"],
            Some(&tree),
        );
        common::index_directories(&image);
        std::fs::read(image).unwrap()
    })
}

/// Reads everything reachable, checks, then changes things: results are
/// ignored, only panics and hangs fail.
fn exercise(bytes: Vec<u8>) {
    let Ok(mut fs) = Filesystem::open(MemoryDevice { bytes }) else {
        return;
    };
    let mut seen = BTreeSet::new();
    let mut stack = vec![(ROOT_INO, 0)];
    let mut names = Vec::new();
    while let Some((dir, depth)) = stack.pop() {
        if depth > 6 || !seen.insert(dir) || seen.len() > 400 {
            continue;
        }
        let Ok(entries) = fs.read_dir(dir) else {
            continue;
        };
        for e in entries.into_iter().take(100) {
            let _ = fs.stat(e.ino);
            let _ = fs.lookup(dir, &e.name);
            match fs.stat(e.ino).map(|s| s.mode & mode::TYPE_MASK) {
                Ok(mode::DIRECTORY) => stack.push((e.ino, depth + 1)),
                Ok(mode::SYMLINK) => {
                    let _ = fs.readlink(e.ino);
                }
                Ok(_) => {
                    let _ = fs.read_all(e.ino);
                    let mut buf = [0; 300];
                    let _ = fs.read(e.ino, 70_000, &mut buf);
                }
                Err(_) => {}
            }
            if depth == 0 {
                names.push(e.name);
            }
        }
    }
    let _ = fs.lookup_path(b"/dir/fast", true);
    let _ = fs.lookup_path(b"/link", true);
    let _ = ext2::check::check(&mut fs, false);
    if let Ok(ino) = fs.mknod(ROOT_INO, b"new", 0o100644, 0, 0, (0, 0)) {
        let _ = fs.write(ino, 0, &[1; 3000]);
        let _ = fs.write(ino, 300_000, &[2; 10]);
        let _ = fs.truncate(ino, 1000);
    }
    let _ = fs.mkdir(ROOT_INO, b"newdir", 0o755, 0, 0);
    let _ = fs.symlink(ROOT_INO, b"newlink", &[b'z'; 100], 0, 0);
    for name in names
        .iter()
        .filter(|n| n.as_slice() != b"." && n.as_slice() != b"..")
        .take(3)
    {
        let _ = fs.rename(ROOT_INO, name, ROOT_INO, b"renamed");
        let _ = fs.unlink(ROOT_INO, b"renamed");
        let _ = fs.rmdir(ROOT_INO, b"renamed");
    }
    let _ = fs.sync();
    let _ = ext2::check::check(&mut fs, true);
}

/// Where mutations land: superblock, group descriptors, the first inodes,
/// and the first blocks (directories, indirect blocks).
fn region() -> impl Strategy<Value = usize> {
    prop_oneof![
        1024usize..1024 + 264,
        2048usize..2048 + 64,
        0usize..SIZE,
        (0usize..512 * 1024),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<(usize, u8, bool)>> {
    prop::collection::vec((region(), any::<u8>(), any::<bool>()), 1..12)
}

fn mutate(base: &[u8], changes: &[(usize, u8, bool)]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for &(at, value, wide) in changes {
        if wide && at + 4 <= bytes.len() {
            // A whole 32-bit field: huge or small numbers, not only bit flips.
            let v = u32::from(value).wrapping_mul(0x0101_0101) ^ (u32::from(value) << 3);
            bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
        } else {
            bytes[at] = value;
        }
    }
    bytes
}

/// The inode table and directory blocks of the image, found by reading it
/// unharmed: mutations aimed there hit inodes and entries, not empty space.
fn hot_spots(image: &[u8]) -> Vec<usize> {
    let fs = Filesystem::open_read_only(MemoryDevice {
        bytes: image.to_vec(),
    })
    .unwrap();
    let mut spots = Vec::new();
    let mut stack = vec![ROOT_INO];
    let mut seen = BTreeSet::new();
    while let Some(ino) = stack.pop() {
        if !seen.insert(ino) {
            continue;
        }
        let inode = fs.read_inode(ino).unwrap();
        for lblk in 0..2 {
            if let Ok(b) = fs.bmap(&inode, lblk)
                && b != 0
            {
                spots.push(b as usize * 1024);
            }
        }
        if inode.block(12) != 0 {
            spots.push(inode.block(12) as usize * 1024);
        }
        if inode.block(13) != 0 {
            spots.push(inode.block(13) as usize * 1024);
        }
        if let Ok(entries) = fs.read_dir(ino) {
            for e in entries {
                if e.name != b"." && e.name != b".." {
                    stack.push(e.ino);
                }
            }
        }
    }
    spots
}

fn targeted() -> impl Strategy<Value = (usize, Vec<(usize, u8, bool)>)> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec((0usize..1024, any::<u8>(), any::<bool>()), 1..8),
    )
        .prop_map(|(i, v)| (i.index(usize::MAX), v))
}

/// Byte `at` of the inode table of group 0 (the first inodes).
fn inode_table(image: &[u8]) -> usize {
    let table = u32::from_le_bytes(image[2048 + 8..2048 + 12].try_into().unwrap());
    table as usize * 1024
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_images_of_ours_never_panic(changes in mutations()) {
        exercise(mutate(our_image(), &changes));
    }

    #[test]
    fn mutated_images_of_mke2fs_never_panic(changes in mutations()) {
        exercise(mutate(mke2fs_image(), &changes));
    }

    #[test]
    fn mutated_inodes_never_panic(changes in prop::collection::vec((0usize..32 * 256, any::<u8>(), any::<bool>()), 1..10)) {
        for image in [our_image(), mke2fs_image()] {
            let base = inode_table(image);
            let shifted: Vec<_> = changes.iter().map(|&(at, v, w)| (base + at, v, w)).collect();
            exercise(mutate(image, &shifted));
        }
    }

    #[test]
    fn mutated_directory_and_indirect_blocks_never_panic((pick, changes) in targeted()) {
        for image in [our_image(), mke2fs_image()] {
            let spots = hot_spots(image);
            let base = spots[pick % spots.len()];
            let shifted: Vec<_> = changes.iter().map(|&(at, v, w)| (base + at, v, w)).collect();
            exercise(mutate(image, &shifted));
        }
    }
}
