//! newfs_ext2 + populate versus `mke2fs -t ext2 -d` of the same tree:
//! by default this repository's `userland`, 5,000 small files and a few
//! large ones; or a tree given as the argument, such as the base system's
//! root that `images build --out DIR` installs in DIR/root.
//!
//! `cargo run --release -p ext2 --example bench [-- TREE]`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ext2::{FileDevice, MkfsOptions, ROOT_INO};

fn generate(root: &Path) -> std::io::Result<u64> {
    let userland = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&userland)
        .arg(root.join("userland"))
        .status()?;
    assert!(copied.success(), "cp -a userland");
    let mut bytes = 0;
    let mut seed = 0x1234_5678_u64;
    for d in 0..50 {
        let dir = root.join(format!("small/d{d:02}"));
        std::fs::create_dir_all(&dir)?;
        for f in 0..100 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 33) as usize % 8192;
            let data: Vec<u8> = (0..len).map(|i| (i as u64 ^ seed) as u8).collect();
            bytes += len as u64;
            std::fs::write(dir.join(format!("file{f:03}")), data)?;
        }
    }
    std::fs::create_dir_all(root.join("large"))?;
    for (i, mib) in [8usize, 32, 64].iter().enumerate() {
        let data: Vec<u8> = (0..mib << 20).map(|j| (j * 31 + i) as u8).collect();
        bytes += data.len() as u64;
        std::fs::write(root.join(format!("large/blob{i}")), data)?;
    }
    Ok(bytes)
}

fn ours(tree: &Path, image: &Path, size: u64) -> Duration {
    let start = Instant::now();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(image)
        .unwrap();
    file.set_len(size).unwrap();
    let opts = MkfsOptions {
        uuid: [7; 16],
        ..MkfsOptions::default()
    };
    let mut fs = ext2::mkfs(FileDevice::new(file).unwrap(), &opts).unwrap();
    ext2::populate(&mut fs, tree, ROOT_INO).unwrap();
    fs.into_device().unwrap();
    start.elapsed()
}

fn mke2fs(tree: &Path, image: &Path, size: u64) -> Duration {
    let _ = std::fs::remove_file(image);
    let start = Instant::now();
    let out = Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext2", "-d"])
        .arg(tree)
        .arg(image)
        .arg(format!("{}k", size / 1024))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

fn clean(image: &Path) -> bool {
    Command::new("e2fsck")
        .arg("-fn")
        .arg(image)
        .output()
        .unwrap()
        .status
        .success()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, generated) = match std::env::args_os().nth(1) {
        Some(given) => (std::path::PathBuf::from(given), 0),
        None => {
            let tree = dir.path().join("tree");
            std::fs::create_dir(&tree).unwrap();
            let generated = generate(&tree).unwrap();
            (tree, generated)
        }
    };
    let du = Command::new("du")
        .args(["-sb"])
        .arg(&tree)
        .output()
        .unwrap();
    let tree_bytes: u64 = String::from_utf8_lossy(&du.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let size = (tree_bytes * 3 / 2 + (64 << 20)).next_multiple_of(1 << 20);
    let image = dir.path().join("fs.img");
    println!(
        "tree {}: {tree_bytes} bytes ({generated} generated), image {} MiB",
        tree.display(),
        size >> 20
    );
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        best.0 = best.0.min(ours(&tree, &image, size));
        assert!(clean(&image), "e2fsck -fn on our image");
        best.1 = best.1.min(mke2fs(&tree, &image, size));
        assert!(clean(&image), "e2fsck -fn on mke2fs's image");
    }
    println!("newfs_ext2 + populate: {:8.3} s", best.0.as_secs_f64());
    println!("mke2fs -t ext2 -d:     {:8.3} s", best.1.as_secs_f64());
    println!(
        "ratio (ours / mke2fs): {:8.2}",
        best.0.as_secs_f64() / best.1.as_secs_f64()
    );
}
