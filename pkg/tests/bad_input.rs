//! Every bad input is refused with one error line, and the root is left as it was.

mod common;

use std::fs;
use std::path::Path;

use common::{World, error_line, snapshot};
use pkg::catalogue::{Catalogue, Package};
use pkg::digest::{sha256_file, sha256_hex};
use pkg::manifest::{Entry, Kind, Manifest};
use pkg::sign;

/// A root with `good` 1 installed from a signed repository; returns the secret key.
fn installed_world() -> (World, std::path::PathBuf) {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("good", "1", "", &[("share/good/file", "good\n")]);
    world.publish(&secret, 10);
    world.pkg_root(&["install", "good"]).assert().success();
    (world, secret)
}

/// Runs `pkg install NAME` expecting a refusal that mentions `expected`; checks that the
/// root did not change.
fn refused(world: &World, args: &[&str], expected: &str) -> String {
    let before = snapshot(&world.root());
    let output = world.pkg_root(args).output().unwrap();
    let line = error_line(&output);
    assert!(line.contains(expected), "expected {expected:?} in {line}");
    let after = snapshot(&world.root());
    let changed: Vec<_> = after
        .iter()
        .filter(|e| !before.contains(e))
        .chain(before.iter().filter(|e| !after.contains(e)))
        .collect();
    assert!(
        changed.is_empty(),
        "root changed after: {line}: {changed:?}"
    );
    line
}

/// One entry of a hand-made archive: its manifest entry, tar type and data.
struct Crafted {
    entry: Entry,
    tar_type: tar::EntryType,
    tar_mode: u32,
    data: Vec<u8>,
}

fn file(path: &str, data: &[u8]) -> Crafted {
    let entry = Entry {
        path: path.into(),
        kind: Kind::File,
        mode: 0o644,
        size: data.len() as u64,
        sha256: sha256_hex(data),
        target: None,
    };
    Crafted {
        entry,
        tar_type: tar::EntryType::Regular,
        tar_mode: 0o644,
        data: data.to_vec(),
    }
}

/// Writes NAME-1.crafted (which `pkg repo` does not index) into the repository without
/// any of `pkg create`'s checks; returns its catalogue entry.
fn craft(world: &World, name: &str, prefix: &str, extra: &str, entries: Vec<Crafted>) -> Package {
    let mut manifest = Manifest::parse(&format!("name = \"{name}\"\nversion = \"1\"\ncomment = \"crafted\"\nprefix = \"{prefix}\"\n{extra}"), "test").unwrap();
    manifest.entries = entries.iter().map(|c| c.entry.clone()).collect();
    let text = toml::to_string(&manifest).unwrap();
    let file = format!("{name}-1.crafted");
    let out = fs::File::create(world.repo().join(&file)).unwrap();
    let mut tar = tar::Builder::new(zstd::Encoder::new(out, 3).unwrap());
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, "+MANIFEST", text.as_bytes())
        .unwrap();
    for c in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(c.tar_type);
        header.set_mode(c.tar_mode);
        header.set_size(c.data.len() as u64);
        if c.tar_type == tar::EntryType::Symlink {
            header.set_size(0);
            tar.append_link(
                &mut header,
                &c.entry.path,
                c.entry.target.as_deref().unwrap(),
            )
            .unwrap();
        } else {
            // Written by hand: the tar crate itself refuses `..` and absolute names.
            let name = &mut header.as_old_mut().name;
            name[..c.entry.path.len()].copy_from_slice(c.entry.path.as_bytes());
            header.set_cksum();
            tar.append(&header, c.data.as_slice()).unwrap();
        }
    }
    tar.into_inner().unwrap().finish().unwrap();
    Package {
        name: name.into(),
        version: "1".into(),
        comment: "crafted".into(),
        prefix: prefix.into(),
        file,
        sha256: String::new(),
        size: 0,
        depends: Default::default(),
        provides: Vec::new(),
        conflicts: Vec::new(),
        cpe: None,
    }
}

/// Rewrites and re-signs the catalogue as a hostile (but trusted) publisher would: with
/// `extra` entries, and every hash and size taken from the files as they are now.
fn resign(world: &World, secret: &Path, revision: u64, extra: Vec<Package>) {
    let path = world.repo().join("catalogue.toml");
    let mut catalogue: Catalogue = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    catalogue.revision = revision;
    catalogue.packages.extend(extra);
    for package in &mut catalogue.packages {
        let file = world.repo().join(&package.file);
        package.sha256 = sha256_file(&file).unwrap();
        package.size = fs::metadata(&file).unwrap().len();
    }
    let text = toml::to_string(&catalogue).unwrap();
    let signature = sign::sign_digest(
        &sign::read_secret(secret).unwrap(),
        &sha256_hex(text.as_bytes()),
    )
    .unwrap();
    fs::write(&path, text).unwrap();
    fs::write(world.repo().join("catalogue.sig"), signature + "\n").unwrap();
}

#[test]
fn corrupted_archive() {
    let (world, secret) = installed_world();
    let path = world.package("broken", "1", "", &[("share/b", &"x".repeat(50_000))]);
    world.publish(&secret, 11);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0xff;
    }
    fs::write(&path, bytes).unwrap();
    resign(&world, &secret, 12, Vec::new());
    refused(&world, &["install", "broken"], "broken-1.pkg");
}

#[test]
fn truncated_archive() {
    let (world, secret) = installed_world();
    let path = world.package(
        "short",
        "1",
        "",
        &[("share/s", &"random-ish data ".repeat(4000))],
    );
    world.publish(&secret, 11);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    resign(&world, &secret, 12, Vec::new());
    refused(&world, &["install", "short"], "truncated");
}

#[test]
fn hash_mismatch_with_catalogue() {
    let (world, secret) = installed_world();
    world.package("swapped", "1", "", &[("share/s", "original\n")]);
    world.publish(&secret, 11);
    // Replaced after signing: a valid package, but not the one the catalogue names.
    fs::remove_file(world.repo().join("swapped-1.pkg")).unwrap();
    world.package("swapped", "1", "", &[("share/s", "evil\n")]);
    refused(&world, &["install", "swapped"], "hash mismatch");
}

#[test]
fn bad_signature() {
    let (world, _) = installed_world();
    let (stranger, _) = world.key("stranger");
    world.package("other", "1", "", &[("share/o", "o\n")]);
    world.publish(&stranger, 11);
    refused(&world, &["install", "other"], "bad signature");
    // A catalogue edited after signing fails the same way.
    let (world, secret) = installed_world();
    world.publish(&secret, 12);
    let catalogue = world.repo().join("catalogue.toml");
    let text = fs::read_to_string(&catalogue)
        .unwrap()
        .replace("revision = 12", "revision = 13");
    fs::write(&catalogue, text).unwrap();
    refused(&world, &["update"], "bad signature");
}

#[test]
fn revoked_key() {
    let (world, secret) = installed_world();
    let (old, old_public) = world.key("old");
    world.trust("main", &old_public, "revoked");
    let pkg = assert_cmd::cargo::cargo_bin("pkg");
    let both = format!(
        "read d; echo $d | {0} key sign {1}; echo $d | {0} key sign {2}",
        pkg.display(),
        secret.display(),
        old.display()
    );
    world
        .pkg()
        .arg("repo")
        .arg(world.repo())
        .args(["--revision", "11", "--signing-command", &both])
        .assert()
        .success();
    refused(&world, &["update"], "revoked key old.pub");
}

#[test]
fn expired_catalogue() {
    let (world, secret) = installed_world();
    world
        .pkg()
        .arg("repo")
        .arg(world.repo())
        .arg(&secret)
        .args(["--revision", "11", "--expires", "1000"])
        .assert()
        .success();
    refused(&world, &["update"], "expired");
}

#[test]
fn replayed_catalogue() {
    let (world, secret) = installed_world();
    world.publish(&secret, 9);
    refused(&world, &["update"], "replay");
}

#[test]
fn unsigned_repository_needs_signature_none() {
    let (world, _) = installed_world();
    world
        .pkg()
        .arg("repo")
        .arg(world.repo())
        .args(["--unsigned", "--revision", "11"])
        .assert()
        .success();
    refused(&world, &["update"], "unsigned");
    world.configure("main", &world.file_url(), "signature = \"none\"\n");
    world.pkg_root(&["update"]).assert().success();
}

#[test]
fn dotdot_and_absolute_paths_in_manifest() {
    for path in ["../escape", "/etc/escape", "share/../../escape"] {
        let (world, secret) = installed_world();
        let crafted = craft(&world, "evil", "/usr/local", "", vec![file(path, b"x")]);
        resign(&world, &secret, 11, vec![crafted]);
        refused(&world, &["install", "evil"], "path");
    }
}

#[test]
fn symlink_escaping_package_or_root() {
    let (world, secret) = installed_world();
    let mut link = file("lib/escape", b"");
    link.entry = Entry {
        kind: Kind::Symlink,
        mode: 0o777,
        size: 0,
        sha256: String::new(),
        target: Some("../../../etc/passwd".into()),
        ..link.entry
    };
    link.tar_type = tar::EntryType::Symlink;
    link.tar_mode = 0o777;
    let crafted = craft(&world, "evil", "/usr/local", "", vec![link]);
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "evil"], "escapes the package");

    let (world, secret) = installed_world();
    let mut link = file("etc/escape", b"");
    link.entry = Entry {
        kind: Kind::Symlink,
        mode: 0o777,
        size: 0,
        sha256: String::new(),
        target: Some("../../outside".into()),
        ..link.entry
    };
    link.tar_type = tar::EntryType::Symlink;
    link.tar_mode = 0o777;
    let crafted = craft(&world, "evilbase", "/", "", vec![link]);
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "evilbase"], "escapes");
}

#[test]
fn base_file_through_a_symlinked_directory_leaving_the_root() {
    let (world, secret) = installed_world();
    std::os::unix::fs::symlink(world.path("stage"), world.root().join("outside")).unwrap();
    let crafted = craft(
        &world,
        "sneaky",
        "/",
        "",
        vec![file("outside/planted", b"x")],
    );
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "sneaky"], "leading out of the root");
    assert!(!world.path("stage/planted").exists());
}

#[test]
fn device_node() {
    let (world, secret) = installed_world();
    let mut node = file("dev/null", b"");
    node.tar_type = tar::EntryType::Char;
    let crafted = craft(&world, "evil", "/", "", vec![node]);
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "evil"], "device");
}

#[test]
fn undeclared_setuid() {
    let (world, secret) = installed_world();
    let mut su = file("bin/su", b"#!/bin/sh\n");
    su.tar_mode = 0o4755;
    let crafted = craft(&world, "evil", "/usr/local", "", vec![su]);
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "evil"], "mode differs");

    let (world, secret) = installed_world();
    let mut su = file("bin/su", b"#!/bin/sh\n");
    su.entry.mode = 0o4755;
    su.tar_mode = 0o4755;
    let crafted = craft(&world, "evil", "/usr/local", "", vec![su]);
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "evil"], "setuid");
}

#[test]
fn two_packages_owning_one_path() {
    let (world, secret) = installed_world();
    world.package("rival", "1", "", &[("share/good/file", "rival\n")]);
    world.publish(&secret, 11);
    refused(&world, &["install", "rival"], "two packages own one path");

    let (world, secret) = installed_world();
    world.package(
        "base-a",
        "1",
        "prefix = \"/\"\n",
        &[("etc/shared.conf", "a\n")],
    );
    world.package(
        "base-b",
        "1",
        "prefix = \"/\"\n",
        &[("etc/shared.conf", "b\n")],
    );
    world.publish(&secret, 11);
    world.pkg_root(&["install", "base-a"]).assert().success();
    refused(&world, &["install", "base-b"], "two packages own one path");
    assert_eq!(
        fs::read_to_string(world.root().join("etc/shared.conf")).unwrap(),
        "a\n"
    );
}

#[test]
fn file_larger_than_declared() {
    let (world, secret) = installed_world();
    let mut big = file("share/big", b"small");
    big.data = vec![b'x'; 100_000];
    let crafted = craft(&world, "evil", "/usr/local", "", vec![big]);
    resign(&world, &secret, 11, vec![crafted]);
    refused(&world, &["install", "evil"], "larger than declared");
}

#[test]
fn create_refuses_bad_stages() {
    let world = World::new();
    let stage = world.path("stage/bad");
    fs::create_dir_all(stage.join("bin")).unwrap();
    fs::write(stage.join("bin/tool"), "x").unwrap();
    let manifest = world.path("stage/bad.toml");
    let create = |world: &World| {
        let mut cmd = world.pkg();
        cmd.arg("create")
            .arg("-M")
            .arg(&manifest)
            .arg("-r")
            .arg(&stage)
            .arg("-o")
            .arg(world.repo());
        cmd.output().unwrap()
    };
    let base = "name = \"bad\"\nversion = \"1\"\ncomment = \"c\"\n";
    fs::write(
        &manifest,
        format!("{base}files = [\"bin/tool\", \"bin/missing\"]\n"),
    )
    .unwrap();
    assert!(error_line(&create(&world)).contains("listed in the manifest but not staged"));
    fs::write(&manifest, format!("{base}files = []\n")).unwrap();
    assert!(error_line(&create(&world)).contains("staged but not listed"));
    fs::write(&manifest, base).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(stage.join("bin/tool"), fs::Permissions::from_mode(0o4755)).unwrap();
    assert!(error_line(&create(&world)).contains("setuid"));
    fs::write(&manifest, format!("{base}setuid = [\"bin/tool\"]\n")).unwrap();
    assert!(create(&world).status.success());
    let fifo = stage.join("bin/fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert!(error_line(&create(&world)).contains("fifo"));
    assert!(
        !Path::new(&world.repo().join("bad-1.pkg")).exists()
            || fs::metadata(world.repo().join("bad-1.pkg")).unwrap().len() > 0
    );
}

#[test]
fn usage_errors_exit_2() {
    let world = World::new();
    let output = world.pkg().args(["install"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = world.pkg().args(["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn unsatisfiable_request_is_explained() {
    let (world, secret) = installed_world();
    world.package(
        "needy",
        "1",
        "[depends]\nghost = \"^1\"\n",
        &[("share/n", "n\n")],
    );
    world.publish(&secret, 11);
    let line = refused(&world, &["install", "needy"], "cannot be satisfied");
    assert!(line.contains("ghost"), "{line}");
}

#[test]
fn profile_path_taken_by_a_real_directory() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("tool", "1", "", &[("bin/tool", "t\n")]);
    world.publish(&secret, 1);
    fs::create_dir_all(world.root().join("usr/local/private")).unwrap();
    world.pkg_root(&["update"]).assert().success();
    refused(
        &world,
        &["install", "tool"],
        "manages this path as its profile",
    );
    // An empty directory, as an image skeleton has, is taken over.
    fs::remove_dir(world.root().join("usr/local/private")).unwrap();
    world.pkg_root(&["install", "tool"]).assert().success();
    assert!(
        fs::symlink_metadata(world.root().join("usr/local"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
