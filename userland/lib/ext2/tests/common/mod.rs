//! Shared by the judge tests: images made by mke2fs and by us, e2fsck and
//! debugfs as independent judges, and a host tree with every kind of file.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use ext2::{BlockDevice, FileDevice, Filesystem, MkfsOptions, Timestamp};

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Runs `e2fsck -fn` and returns (exit status, output).
pub fn e2fsck(image: &Path) -> (i32, String) {
    let out = Command::new("e2fsck")
        .args(["-fn"])
        .arg(image)
        .output()
        .expect("e2fsck runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// e2fsck -fn finds nothing, and neither does our check.
pub fn assert_e2fsck_clean(image: &Path) {
    let (status, text) = e2fsck(image);
    assert_eq!(status, 0, "e2fsck -fn is not clean:\n{text}");
    let file = fs::File::open(image).unwrap();
    let mut ours = Filesystem::open_read_only(FileDevice::new(file).unwrap()).unwrap();
    let report = ext2::check::check(&mut ours, false).unwrap();
    assert!(
        report.is_clean(),
        "our check is not clean where e2fsck is: {:?}",
        report.problems
    );
}

/// Runs one debugfs request against the image; returns its stdout.
pub fn debugfs(image: &Path, request: &str) -> Vec<u8> {
    let out = Command::new("debugfs")
        .args(["-R", request])
        .arg(image)
        .output()
        .expect("debugfs runs");
    out.stdout
}

/// An image file of `size` bytes.
pub fn blank_image(dir: &Path, name: &str, size: u64) -> PathBuf {
    let path = dir.join(name);
    let file = fs::File::create(&path).unwrap();
    file.set_len(size).unwrap();
    path
}

pub fn open_rw(image: &Path) -> Filesystem<FileDevice> {
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(image)
        .unwrap();
    Filesystem::open(FileDevice::new(file).unwrap()).unwrap()
}

/// Our mkfs on a new image file.
pub fn our_mkfs(dir: &Path, name: &str, size: u64, block_size: u32) -> PathBuf {
    let path = blank_image(dir, name, size);
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let opts = MkfsOptions {
        block_size: Some(block_size),
        uuid: *b"basalt-test-uuid",
        hash_seed: *b"basalt-test-seed",
        label: b"test".to_vec(),
        time: Timestamp::from_secs(1_790_000_000),
        ..MkfsOptions::default()
    };
    let fs = ext2::mkfs(FileDevice::new(file).unwrap(), &opts).unwrap();
    fs.into_device().unwrap();
    path
}

/// mke2fs -t ext2 with extra arguments, populated from `tree` when given.
pub fn mke2fs(
    dir: &Path,
    name: &str,
    size_kib: u64,
    args: &[&str],
    tree: Option<&Path>,
) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("mke2fs");
    cmd.args(["-q", "-F", "-t", "ext2"]).args(args);
    if let Some(tree) = tree {
        cmd.arg("-d").arg(tree);
    }
    cmd.arg(&path).arg(format!("{size_kib}k"));
    let out = cmd.output().expect("mke2fs runs");
    assert!(
        out.status.success(),
        "mke2fs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// A host tree with every kind of file ext2 holds.
pub fn make_tree(root: &Path, big_dir_entries: usize) {
    let mut rng = Rng(0x5eed);
    fs::create_dir_all(root.join("etc/deep/deeper/deepest")).unwrap();
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::create_dir_all(root.join("big")).unwrap();
    fs::write(root.join("etc/empty"), b"").unwrap();
    fs::write(root.join("etc/small"), b"hello, ext2\n").unwrap();
    fs::write(root.join("etc/deep/deeper/deepest/leaf"), b"leaf").unwrap();
    // Past the direct blocks, past the single indirect block (1 KiB blocks).
    fs::write(root.join("bin/indirect"), rng.bytes(40 * 1024 + 17)).unwrap();
    fs::write(root.join("bin/double"), rng.bytes(300 * 1024 + 5)).unwrap();
    fs::write(root.join("bin/large"), rng.bytes(3 << 20)).unwrap();
    // A sparse file: data, a hole, data.
    let sparse = fs::File::create(root.join("bin/sparse")).unwrap();
    sparse.set_len(5 << 20).unwrap();
    {
        use std::os::unix::fs::FileExt;
        sparse.write_all_at(b"start", 0).unwrap();
        sparse.write_all_at(b"middle", 2 << 20).unwrap();
    }
    fs::set_permissions(
        root.join("bin/indirect"),
        fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    symlink("small", root.join("etc/fast-link")).unwrap();
    let long_target = format!("{}/target", "x".repeat(100));
    symlink(&long_target, root.join("etc/slow-link")).unwrap();
    fs::hard_link(root.join("etc/small"), root.join("bin/hard-link")).unwrap();
    Command::new("mkfifo")
        .arg(root.join("etc/fifo"))
        .status()
        .unwrap();
    for i in 0..big_dir_entries {
        let name = format!("entry-{i:05}-{}", "n".repeat(i % 40));
        fs::write(root.join("big").join(name), format!("{i}\n")).unwrap();
    }
}

/// Checks that the filesystem holds exactly the host tree under `host`.
pub fn assert_same_tree<D: BlockDevice>(
    fs: &Filesystem<D>,
    host: &Path,
    ino: u32,
    check_times: bool,
) {
    let mut host_names: Vec<Vec<u8>> = fs::read_dir(host)
        .unwrap()
        .map(|e| {
            use std::os::unix::ffi::OsStrExt;
            e.unwrap().file_name().as_bytes().to_vec()
        })
        .collect();
    host_names.sort();
    let mut our_names: Vec<Vec<u8>> = fs
        .read_dir(ino)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .filter(|n| n != b"." && n != b".." && (ino != 2 || n != b"lost+found"))
        .collect();
    our_names.sort();
    assert_eq!(our_names, host_names, "entries of {}", host.display());
    for name in host_names {
        let path = host.join(std::str::from_utf8(&name).unwrap());
        let meta = fs::symlink_metadata(&path).unwrap();
        let child = fs.lookup(ino, &name).unwrap();
        let st = fs.stat(child).unwrap();
        assert_eq!(st.mode, meta.mode(), "mode of {}", path.display());
        assert_eq!(
            (st.uid, st.gid),
            (meta.uid(), meta.gid()),
            "owner of {}",
            path.display()
        );
        if check_times && !meta.is_dir() {
            assert_eq!(st.mtime.secs, meta.mtime(), "mtime of {}", path.display());
        }
        if meta.file_type().is_char_device() || meta.file_type().is_block_device() {
            let rdev = meta.rdev();
            let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
            let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
            assert_eq!(
                st.rdev,
                (major as u32, minor as u32),
                "device number of {}",
                path.display()
            );
        }
        if meta.is_dir() {
            assert_same_tree(fs, &path, child, check_times);
        } else if meta.file_type().is_symlink() {
            use std::os::unix::ffi::OsStrExt;
            let target = fs::read_link(&path).unwrap();
            assert_eq!(fs.readlink(child).unwrap(), target.as_os_str().as_bytes());
        } else if meta.is_file() {
            assert_eq!(st.size, meta.len(), "size of {}", path.display());
            assert_eq!(
                fs.read_all(child).unwrap(),
                fs::read(&path).unwrap(),
                "data of {}",
                path.display()
            );
            assert_eq!(
                u64::from(st.nlink),
                meta.nlink(),
                "links of {}",
                path.display()
            );
        }
    }
}

/// `e2fsck -fyD`: rebuilds directories, indexing the big ones (mke2fs -d
/// leaves them linear).
pub fn index_directories(image: &Path) {
    let status = Command::new("e2fsck")
        .args(["-fyD"])
        .arg(image)
        .output()
        .unwrap()
        .status;
    assert!(
        matches!(status.code(), Some(0..=1)),
        "e2fsck -fyD: {status}"
    );
}

/// debugfs's `stat` of every path under `host` (a few of each big
/// directory) agrees with the host: type and mode, owner, size, links, mtime.
pub fn assert_debugfs_agrees(image: &Path, host: &Path) {
    let mut paths = Vec::new();
    collect(host, host, &mut paths);
    let script = image.with_extension("debugfs");
    let commands: String = paths.iter().map(|p| format!("stat \"/{p}\"\n")).collect();
    fs::write(&script, commands).unwrap();
    let out = Command::new("debugfs")
        .arg("-f")
        .arg(&script)
        .arg(image)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let sections: Vec<&str> = text.split("debugfs: stat ").skip(1).collect();
    assert_eq!(sections.len(), paths.len(), "one stat per path");
    for (path, section) in paths.iter().zip(sections) {
        let meta = fs::symlink_metadata(host.join(path)).unwrap();
        let field = |name: &str| -> String {
            let at = section
                .find(name)
                .unwrap_or_else(|| panic!("{path}: no {name} in {section}"));
            section[at + name.len()..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            u32::from_str_radix(&field("Mode:"), 8).unwrap(),
            meta.mode() & 0o7777,
            "mode of {path}"
        );
        assert_eq!(
            field("User:").parse::<u32>().unwrap(),
            meta.uid(),
            "owner of {path}"
        );
        assert_eq!(
            field("Group:").parse::<u32>().unwrap(),
            meta.gid(),
            "group of {path}"
        );
        if !meta.is_dir() {
            assert_eq!(
                field("Size:").parse::<u64>().unwrap(),
                meta.len(),
                "size of {path}"
            );
            assert_eq!(
                field("Links:").parse::<u64>().unwrap(),
                meta.nlink(),
                "links of {path}"
            );
        }
        let mtime = field("mtime:");
        let secs = i64::from_str_radix(
            mtime.trim_start_matches("0x").split(':').next().unwrap(),
            16,
        )
        .unwrap();
        assert_eq!(secs, meta.mtime(), "mtime of {path}");
        let kind = field("Type:");
        let expected = if meta.is_dir() {
            "directory"
        } else if meta.file_type().is_symlink() {
            "symlink"
        } else if meta.is_file() {
            "regular"
        } else if meta.file_type().is_char_device() {
            "character"
        } else if meta.file_type().is_block_device() {
            "block"
        } else {
            "FIFO"
        };
        assert_eq!(kind, expected, "type of {path}");
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries.into_iter().take(25) {
        out.push(
            path.strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string(),
        );
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            collect(root, &path, out);
        }
    }
}
