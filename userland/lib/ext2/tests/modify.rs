//! Random sequences of changes, checked against a model of what the tree
//! should hold, then judged by e2fsck and debugfs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use ext2::{BlockDevice, Error, Filesystem, ROOT_INO};

/// What the tree should hold: path -> inode, inode -> contents (None: a directory).
#[derive(Default)]
struct Model {
    paths: BTreeMap<String, u32>,
    data: BTreeMap<u32, Option<Vec<u8>>>,
}

impl Model {
    fn dirs(&self) -> Vec<String> {
        let mut dirs = vec![String::new()];
        dirs.extend(
            self.paths
                .iter()
                .filter(|(_, i)| self.data[i].is_none())
                .map(|(p, _)| p.clone()),
        );
        dirs
    }
    fn files(&self) -> Vec<String> {
        self.paths
            .iter()
            .filter(|(_, i)| self.data[i].is_some())
            .map(|(p, _)| p.clone())
            .collect()
    }
    fn children(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{dir}/");
        self.paths
            .keys()
            .filter(|p| p.starts_with(&prefix) && !p[prefix.len()..].contains('/'))
            .cloned()
            .collect()
    }
}

fn ino_of<D: BlockDevice>(fs: &Filesystem<D>, path: &str) -> u32 {
    if path.is_empty() {
        ROOT_INO
    } else {
        fs.lookup_path(path.as_bytes(), false).unwrap()
    }
}

fn pick<'a>(rng: &mut Rng, list: &'a [String]) -> Option<&'a String> {
    if list.is_empty() {
        None
    } else {
        Some(&list[rng.below(list.len() as u64) as usize])
    }
}

/// Runs `steps` random changes under directory `base`, checking each result.
fn random_changes<D: BlockDevice>(
    fs: &mut Filesystem<D>,
    model: &mut Model,
    rng: &mut Rng,
    steps: usize,
) {
    let bs = u64::from(fs.block_size());
    for step in 0..steps {
        let dirs = model.dirs();
        let files = model.files();
        match rng.below(10) {
            0 | 1 => {
                let dir = pick(rng, &dirs).unwrap().clone();
                let path = format!("{dir}/f{step}-{}", "z".repeat(rng.below(60) as usize));
                let ino = fs
                    .mknod(
                        ino_of(fs, &dir),
                        path.rsplit('/').next().unwrap().as_bytes(),
                        0o100644,
                        1000,
                        1000,
                        (0, 0),
                    )
                    .unwrap();
                model.paths.insert(path, ino);
                model.data.insert(ino, Some(Vec::new()));
            }
            2 | 3 => {
                let Some(path) = pick(rng, &files) else {
                    continue;
                };
                let ino = model.paths[path];
                // Small writes, writes past 12 and 268 blocks, and far ones (sparse).
                let offset = match rng.below(4) {
                    0 => rng.below(4 * bs),
                    1 => 12 * bs + rng.below(300 * bs),
                    2 => rng.below(70_000 * bs / 4),
                    _ => model.data[&ino].as_ref().unwrap().len() as u64,
                };
                let len = rng.below(3 * bs) as usize + 1;
                let data = rng.bytes(len);
                fs.write(ino, offset, &data).unwrap();
                let content = model.data.get_mut(&ino).unwrap().as_mut().unwrap();
                let end = offset as usize + data.len();
                if content.len() < end {
                    content.resize(end, 0);
                }
                content[offset as usize..end].copy_from_slice(&data);
            }
            4 => {
                let Some(path) = pick(rng, &files) else {
                    continue;
                };
                let ino = model.paths[path];
                let content = model.data.get_mut(&ino).unwrap().as_mut().unwrap();
                let size = rng.below(content.len() as u64 * 2 + bs) as usize;
                fs.truncate(ino, size as u64).unwrap();
                content.resize(size, 0);
            }
            5 => {
                let Some(path) = pick(rng, &files).cloned() else {
                    continue;
                };
                let (dir, name) = path.rsplit_once('/').unwrap();
                fs.unlink(ino_of(fs, dir), name.as_bytes()).unwrap();
                let ino = model.paths.remove(&path).unwrap();
                if !model.paths.values().any(|&i| i == ino) {
                    model.data.remove(&ino);
                }
            }
            6 => {
                let dir = pick(rng, &dirs).unwrap().clone();
                let path = format!("{dir}/d{step}");
                let ino = fs
                    .mkdir(
                        ino_of(fs, &dir),
                        path.rsplit('/').next().unwrap().as_bytes(),
                        0o755,
                        0,
                        0,
                    )
                    .unwrap();
                model.paths.insert(path, ino);
                model.data.insert(ino, None);
            }
            7 => {
                let Some(path) = pick(rng, &dirs[1..]).cloned() else {
                    continue;
                };
                let (dir, name) = path.rsplit_once('/').unwrap();
                let result = fs.rmdir(ino_of(fs, dir), name.as_bytes());
                if model.children(&path).is_empty() {
                    result.unwrap();
                    let ino = model.paths.remove(&path).unwrap();
                    model.data.remove(&ino);
                } else {
                    assert_eq!(result, Err(Error::NotEmpty));
                }
            }
            8 => {
                // Rename a file or a directory into a random directory.
                let all: Vec<String> = model.paths.keys().cloned().collect();
                let Some(from) = pick(rng, &all).cloned() else {
                    continue;
                };
                let to_dir = pick(rng, &dirs).unwrap().clone();
                let to = format!("{to_dir}/r{step}");
                let (fdir, fname) = from.rsplit_once('/').unwrap();
                let result = fs.rename(
                    ino_of(fs, fdir),
                    fname.as_bytes(),
                    ino_of(fs, &to_dir),
                    to.rsplit('/').next().unwrap().as_bytes(),
                );
                if to_dir == from || to_dir.starts_with(&format!("{from}/")) {
                    assert!(result.is_err(), "moved {from} below itself");
                    continue;
                }
                result.unwrap();
                let moved: Vec<(String, u32)> = model
                    .paths
                    .iter()
                    .filter(|(p, _)| **p == from || p.starts_with(&format!("{from}/")))
                    .map(|(p, i)| (p.clone(), *i))
                    .collect();
                for (p, i) in moved {
                    model.paths.remove(&p);
                    model.paths.insert(format!("{to}{}", &p[from.len()..]), i);
                }
            }
            _ => {
                let Some(path) = pick(rng, &files).cloned() else {
                    continue;
                };
                let dir = pick(rng, &dirs).unwrap().clone();
                let link = format!("{dir}/l{step}");
                let ino = model.paths[&path];
                fs.link(
                    ino,
                    ino_of(fs, &dir),
                    link.rsplit('/').next().unwrap().as_bytes(),
                )
                .unwrap();
                model.paths.insert(link, ino);
            }
        }
    }
}

/// The filesystem holds what the model says; debugfs agrees on a sample.
fn verify<D: BlockDevice>(fs: &Filesystem<D>, model: &Model, image: &Path, rng: &mut Rng) {
    for (path, &ino) in &model.paths {
        assert_eq!(ino_of(fs, path), ino, "{path}");
        match &model.data[&ino] {
            Some(content) => assert_eq!(&fs.read_all(ino).unwrap(), content, "{path}"),
            None => {
                let mut names: Vec<String> = fs
                    .read_dir(ino)
                    .unwrap()
                    .into_iter()
                    .map(|e| String::from_utf8(e.name).unwrap())
                    .filter(|n| n != "." && n != "..")
                    .map(|n| format!("{path}/{n}"))
                    .collect();
                names.sort();
                assert_eq!(names, model.children(path), "{path}");
            }
        }
    }
    let files = model.files();
    for _ in 0..8 {
        let Some(path) = pick(rng, &files) else { break };
        let expected = model.data[&model.paths[path]].as_ref().unwrap();
        assert_eq!(
            &debugfs(image, &format!("cat {path}")),
            expected,
            "debugfs cat {path}"
        );
    }
}

#[test]
fn random_changes_on_our_filesystems_stay_consistent() {
    let dir = tempfile::tempdir().unwrap();
    for (bs, seed) in [(1024u32, 1u64), (4096, 2), (1024, 3)] {
        let image = our_mkfs(dir.path(), &format!("r{seed}.img"), 96 << 20, bs);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut model = Model::default();
        let mut fs = open_rw(&image);
        random_changes(&mut fs, &mut model, &mut rng, 400);
        fs.sync().unwrap();
        verify(&fs, &model, &image, &mut rng);
        drop(fs);
        assert_e2fsck_clean(&image);
        // Reopened, it still holds the same.
        let mut fs = open_rw(&image);
        random_changes(&mut fs, &mut model, &mut rng, 200);
        fs.into_device().unwrap();
        let fs = open_rw(&image);
        verify(&fs, &model, &image, &mut rng);
        drop(fs);
        assert_e2fsck_clean(&image);
    }
}

#[test]
fn changes_to_mke2fs_images_with_an_indexed_directory_stay_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    make_tree(&tree, 4000);
    for (bs, seed) in [("1024", 7u64), ("4096", 8)] {
        let image = mke2fs(
            dir.path(),
            &format!("m{bs}.img"),
            65536,
            &["-b", bs],
            Some(&tree),
        );
        index_directories(&image);
        let mut fs = open_rw(&image);
        let big = fs.lookup_path(b"/big", true).unwrap();
        assert_ne!(fs.stat(big).unwrap().flags & 0x1000, 0, "/big is indexed");
        // Remove every third entry of the indexed directory, add new ones.
        let names: Vec<Vec<u8>> = fs
            .read_dir(big)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .filter(|n| n.starts_with(b"entry"))
            .collect();
        for name in names.iter().step_by(3) {
            fs.unlink(big, name).unwrap();
        }
        fs.sync().unwrap();
        drop(fs);
        assert_e2fsck_clean(&image);
        let mut fs = open_rw(&image);
        for i in 0..500 {
            let ino = fs
                .mknod(big, format!("new-{i}").as_bytes(), 0o100600, 0, 0, (0, 0))
                .unwrap();
            fs.write(ino, 0, format!("new {i}\n").as_bytes()).unwrap();
        }
        assert_eq!(
            fs.stat(big).unwrap().flags & 0x1000,
            0,
            "adding entries drops the index"
        );
        // Then random changes elsewhere in the tree.
        let mut model = Model::default();
        let mut rng = Rng(seed);
        random_changes(&mut fs, &mut model, &mut rng, 300);
        fs.into_device().unwrap();
        assert_e2fsck_clean(&image);
        let listing = String::from_utf8(debugfs(&image, "cat /big/new-499")).unwrap();
        assert_eq!(listing, "new 499\n");
        let fs = open_rw(&image);
        verify(&fs, &model, &image, &mut rng);
        assert_eq!(
            fs.read_dir(big).unwrap().len(),
            2 + 4000 - 4000usize.div_ceil(3) + 500
        );
    }
}

#[test]
fn triple_indirect_sparse_files_past_4_gib() {
    let dir = tempfile::tempdir().unwrap();
    for bs in [1024u32, 4096] {
        let image = our_mkfs(dir.path(), &format!("big-{bs}.img"), 32 << 20, bs);
        let mut fs = open_rw(&image);
        let ino = fs.mknod(ROOT_INO, b"huge", 0o100644, 0, 0, (0, 0)).unwrap();
        let far = 5u64 << 30;
        fs.write(ino, 0, b"head").unwrap();
        fs.write(ino, 70 << 20, b"double").unwrap();
        fs.write(ino, far, b"tail").unwrap();
        fs.write(ino, far + 3 * u64::from(bs), &vec![9; 3 * bs as usize])
            .unwrap();
        let size = far + 6 * u64::from(bs);
        assert_eq!(fs.stat(ino).unwrap().size, size);
        let mut buf = [0; 4];
        fs.read(ino, far, &mut buf).unwrap();
        assert_eq!(&buf, b"tail");
        fs.sync().unwrap();
        drop(fs);
        assert_e2fsck_clean(&image);
        let stat = String::from_utf8(debugfs(&image, "stat /huge")).unwrap();
        assert!(stat.contains(&format!("Size: {size}")), "{stat}");
        let features = String::from_utf8(debugfs(&image, "features")).unwrap();
        assert!(features.contains("large_file"), "{features}");
        // Cut inside the triple indirect tree, then below it, then to nothing.
        for cut in [far + 2, 80 << 20, 3, 0] {
            let mut fs = open_rw(&image);
            fs.truncate(ino, cut).unwrap();
            let mut buf = [0xff; 8];
            let n = fs.read(ino, cut.saturating_sub(1), &mut buf).unwrap();
            assert_eq!(n, usize::from(cut > 0));
            fs.into_device().unwrap();
            assert_e2fsck_clean(&image);
        }
        let fs = open_rw(&image);
        assert_eq!(fs.stat(ino).unwrap().blocks, 0, "every block freed");
        let st = fs.statfs();
        drop(fs);
        let mut fresh = open_rw(&our_mkfs(dir.path(), "fresh.img", 32 << 20, bs));
        let before = fresh.statfs().free_blocks;
        fresh
            .mknod(ROOT_INO, b"huge", 0o100644, 0, 0, (0, 0))
            .unwrap();
        assert_eq!(st.free_blocks, before, "no block leaked");
    }
}

#[test]
fn running_out_of_space_and_inodes_stays_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let image = our_mkfs(dir.path(), "full.img", 2 << 20, 1024);
    let mut fs = open_rw(&image);
    let empty = fs.statfs();
    let ino = fs
        .mknod(ROOT_INO, b"filler", 0o100644, 0, 0, (0, 0))
        .unwrap();
    let chunk = vec![0x5a; 64 * 1024];
    let mut offset = 0;
    let error = loop {
        match fs.write(ino, offset, &chunk) {
            Ok(()) => offset += chunk.len() as u64,
            Err(e) => break e,
        }
    };
    assert_eq!(error, Error::NoSpace);
    let mut made = Vec::new();
    let error = loop {
        match fs.mknod(
            ROOT_INO,
            format!("n{}", made.len()).as_bytes(),
            0o100644,
            0,
            0,
            (0, 0),
        ) {
            Ok(i) => made.push(i),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(error, Error::NoInodes | Error::NoSpace),
        "{error:?}"
    );
    assert_eq!(
        fs.mkdir(ROOT_INO, b"nodir", 0o755, 0, 0)
            .map(|_| ())
            .unwrap_err()
            .errno(),
        28
    );
    fs.sync().unwrap();
    drop(fs);
    assert_e2fsck_clean(&image);
    let mut fs = open_rw(&image);
    fs.unlink(ROOT_INO, b"filler").unwrap();
    for i in 0..made.len() {
        fs.unlink(ROOT_INO, format!("n{i}").as_bytes()).unwrap();
    }
    let after = fs.statfs();
    assert_eq!(after.free_inodes, empty.free_inodes);
    fs.into_device().unwrap();
    assert_e2fsck_clean(&image);
}

#[test]
fn rename_replaces_like_posix() {
    let dir = tempfile::tempdir().unwrap();
    let image = our_mkfs(dir.path(), "rename.img", 8 << 20, 1024);
    let mut fs = open_rw(&image);
    let a = fs.mkdir(ROOT_INO, b"a", 0o755, 0, 0).unwrap();
    let b = fs.mkdir(ROOT_INO, b"b", 0o755, 0, 0).unwrap();
    let f = fs.mknod(a, b"f", 0o100644, 0, 0, (0, 0)).unwrap();
    fs.write(f, 0, b"f data").unwrap();
    let g = fs.mknod(b, b"g", 0o100644, 0, 0, (0, 0)).unwrap();
    fs.write(g, 0, &vec![1; 50_000]).unwrap();
    // A file over a file: the old one goes, with its blocks.
    fs.rename(a, b"f", b, b"g").unwrap();
    assert_eq!(fs.read_all(fs.lookup(b, b"g").unwrap()).unwrap(), b"f data");
    assert_eq!(fs.lookup(a, b"f"), Err(Error::NotFound));
    // Renaming a name onto another name of the same inode changes nothing.
    fs.link(f, a, b"again").unwrap();
    fs.rename(a, b"again", b, b"g").unwrap();
    assert_eq!(fs.stat(f).unwrap().nlink, 2);
    // A directory over an empty directory, not over a full one or a file.
    let empty = fs.mkdir(b, b"empty", 0o755, 0, 0).unwrap();
    let full = fs.mkdir(ROOT_INO, b"full", 0o755, 0, 0).unwrap();
    fs.mknod(full, b"x", 0o100644, 0, 0, (0, 0)).unwrap();
    assert_eq!(
        fs.rename(ROOT_INO, b"a", ROOT_INO, b"full"),
        Err(Error::NotEmpty)
    );
    assert_eq!(fs.rename(ROOT_INO, b"a", b, b"g"), Err(Error::NotDirectory));
    assert_eq!(
        fs.rename(b, b"g", ROOT_INO, b"full"),
        Err(Error::IsDirectory)
    );
    fs.rename(ROOT_INO, b"a", b, b"empty").unwrap();
    assert_eq!(fs.lookup(b, b"empty").unwrap(), a);
    assert_eq!(fs.lookup(a, b"..").unwrap(), b);
    assert_eq!(
        fs.stat(empty).unwrap().nlink,
        0,
        "the replaced directory is freed"
    );
    // Not below itself.
    assert!(fs.rename(ROOT_INO, b"b", a, b"inside").is_err());
    assert_eq!(fs.rmdir(ROOT_INO, b"full"), Err(Error::NotEmpty));
    fs.into_device().unwrap();
    assert_e2fsck_clean(&image);
    let listing = String::from_utf8(debugfs(&image, "ls -p /b")).unwrap();
    assert!(
        listing.contains("/empty/") && listing.contains("/g/"),
        "{listing}"
    );
}

#[test]
fn large_directories_answer_lookups_right_through_creates_renames_and_unlinks() {
    let dir = tempfile::tempdir().unwrap();
    let image = our_mkfs(dir.path(), "large-dir.img", 32 << 20, 1024);
    let mut fs = open_rw(&image);
    let big = fs.mkdir(ROOT_INO, b"big", 0o755, 0, 0).unwrap();
    let other = fs.mkdir(ROOT_INO, b"other", 0o755, 0, 0).unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..3000 {
        let name = format!("file-{i}");
        let ino = fs
            .mknod(big, name.as_bytes(), 0o100644, 0, 0, (0, 0))
            .unwrap();
        expected.insert(name, ino);
    }
    assert!(matches!(
        fs.mknod(big, b"file-1234", 0o100644, 0, 0, (0, 0)),
        Err(Error::Exists)
    ));
    for i in (0..3000).step_by(3) {
        let name = format!("file-{i}");
        fs.unlink(big, name.as_bytes()).unwrap();
        expected.remove(&name);
    }
    for i in (1..3000).step_by(30) {
        let (from, to) = (format!("file-{i}"), format!("renamed-{i}"));
        fs.rename(big, from.as_bytes(), big, to.as_bytes()).unwrap();
        let ino = expected.remove(&from).unwrap();
        expected.insert(to, ino);
    }
    for i in (2..3000).step_by(30) {
        let name = format!("file-{i}");
        fs.rename(big, name.as_bytes(), other, name.as_bytes())
            .unwrap();
        expected.remove(&name);
    }
    // Freed slots are reused by new names.
    for i in 0..500 {
        let name = format!("new-{i}");
        let ino = fs
            .mknod(big, name.as_bytes(), 0o100644, 0, 0, (0, 0))
            .unwrap();
        expected.insert(name, ino);
    }
    for i in 0..3000 {
        for name in [
            format!("file-{i}"),
            format!("renamed-{i}"),
            format!("new-{i}"),
        ] {
            let found = fs.lookup(big, name.as_bytes());
            match expected.get(&name) {
                Some(&ino) => assert_eq!(found.unwrap(), ino, "{name}"),
                None => assert!(matches!(found, Err(Error::NotFound)), "{name}: {found:?}"),
            }
        }
    }
    // A directory removed and its inode reused answers for itself only.
    for name in expected.keys() {
        fs.unlink(big, name.as_bytes()).unwrap();
    }
    fs.rmdir(ROOT_INO, b"big").unwrap();
    // Directories spread over the groups: make them until one gets it.
    let mut again = 0;
    for attempt in 0..256 {
        again = fs
            .mkdir(ROOT_INO, format!("again-{attempt}").as_bytes(), 0o755, 0, 0)
            .unwrap();
        if again == big {
            fs.rename(
                ROOT_INO,
                format!("again-{attempt}").as_bytes(),
                ROOT_INO,
                b"again",
            )
            .unwrap();
            break;
        }
    }
    assert_eq!(again, big, "the freed inode is reused");
    for i in 0..200 {
        fs.mknod(again, format!("x{i}").as_bytes(), 0o100644, 0, 0, (0, 0))
            .unwrap();
    }
    assert!(matches!(fs.lookup(again, b"new-7"), Err(Error::NotFound)));
    assert!(fs.lookup(again, b"x150").is_ok());
    fs.sync().unwrap();
    drop(fs);
    assert_e2fsck_clean(&image);
    let listing = String::from_utf8(debugfs(&image, "ls -l /again")).unwrap();
    assert_eq!(listing.matches(" x").count(), 200, "{listing}");
    let moved = String::from_utf8(debugfs(&image, "ls /other")).unwrap();
    assert!(moved.contains("file-2972"), "{moved}");
}
