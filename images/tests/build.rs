//! `images build`: the kernel, the signed base repository and the image root
//! installed from it with pkg, judged by GNU tar and by pkg itself.

use images::{Workspace, progress::Steps};
use std::process::Command;

#[test]
fn build_writes_kernel_packages_and_a_root_installed_by_pkg() {
    let out = tempfile::tempdir().unwrap();
    let artifacts = images::build(&Workspace::this(), out.path(), &Steps::hidden()).unwrap();

    // The kernel package holds the kernel; GNU tar reads the package format.
    let listing = Command::new("tar")
        .arg("--zstd")
        .arg("-tf")
        .arg(artifacts.packages.join("kernel-0.1.0.pkg"))
        .output()
        .unwrap();
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let listing = String::from_utf8(listing.stdout).unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.trim_end_matches('/') == "boot/kernel"),
        "{listing}"
    );
    assert!(artifacts.packages.join("catalogue.sig").exists());

    // The root holds the very bytes that were built, installed in place.
    let kernel = std::fs::read(&artifacts.kernel).unwrap();
    assert_eq!(
        std::fs::read(artifacts.root.join("boot/kernel")).unwrap(),
        kernel
    );
    assert!(artifacts.root.join("sbin/poweroff").exists());

    // pkg knows both base packages and finds every file intact.
    let db = pkg::transaction::open(&artifacts.root).unwrap();
    let mut names: Vec<String> = pkg::query::installed(&db)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.sort();
    assert_eq!(names, ["kernel", "runtime"]);
    assert!(pkg::verify::verify(&db, &[]).unwrap().is_empty());
}
