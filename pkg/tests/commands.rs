//! The other verbs: base packages in place, locks, audit, verify, which, query, info,
//! search, sub-packages, signing command, development key, mirrors.

mod common;

use std::fs;
use std::process::Command;

use common::{World, error_line};

fn stdout(cmd: &mut assert_cmd::Command) -> String {
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn base_package_installs_in_place_and_keeps_changed_config() {
    let world = World::new();
    let secret = world.signed_repo();
    let manifest = "prefix = \"/\"\nconfig = [\"etc/rc.conf\"]\n[[post-install]]\naction = \"mkdir\"\npath = \"/var/run/tools\"\n";
    world.package(
        "runtime",
        "1",
        manifest,
        &[
            ("boot/kernel", "kernel 1\n"),
            ("etc/rc.conf", "default 1\n"),
            ("bin/old-only", "x\n"),
        ],
    );
    world.publish(&secret, 1);
    world.pkg_root(&["install", "runtime"]).assert().success();
    let root = world.root();
    assert_eq!(
        fs::read_to_string(root.join("boot/kernel")).unwrap(),
        "kernel 1\n"
    );
    assert!(
        root.join("var/run/tools").is_dir(),
        "post-install mkdir ran"
    );
    assert!(
        !root.join("pkg").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("runtime")),
        "base packages do not use the store"
    );

    fs::write(root.join("etc/rc.conf"), "edited by the admin\n").unwrap();
    world.package(
        "runtime",
        "2",
        manifest,
        &[
            ("boot/kernel", "kernel 2\n"),
            ("etc/rc.conf", "default 2\n"),
        ],
    );
    world.publish(&secret, 2);
    world.pkg_root(&["upgrade", "runtime"]).assert().success();
    assert_eq!(
        fs::read_to_string(root.join("boot/kernel")).unwrap(),
        "kernel 2\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("etc/rc.conf")).unwrap(),
        "edited by the admin\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("etc/rc.conf.pkgnew")).unwrap(),
        "default 2\n"
    );
    assert!(
        !root.join("bin/old-only").exists(),
        "files dropped by the new version are removed"
    );
    world.pkg_root(&["verify"]).assert().success();

    world.pkg_root(&["delete", "runtime"]).assert().success();
    assert!(!root.join("boot/kernel").exists());
    assert_eq!(stdout(&mut world.pkg_root(&["list"])), "");
}

#[test]
fn lock_pins_a_package() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("tool", "1", "", &[("bin/tool", "1\n")]);
    world.publish(&secret, 1);
    world.pkg_root(&["install", "tool"]).assert().success();
    world.pkg_root(&["lock", "tool"]).assert().success();
    world.package("tool", "2", "", &[("bin/tool", "2\n")]);
    world.publish(&secret, 2);
    world.pkg_root(&["upgrade"]).assert().success();
    assert_eq!(
        stdout(&mut world.pkg_root(&["query", "%v %k", "tool"])),
        "1 1\n"
    );
    let line = error_line(&world.pkg_root(&["delete", "tool"]).output().unwrap());
    assert!(line.contains("locked"), "{line}");
    world.pkg_root(&["unlock", "tool"]).assert().success();
    world.pkg_root(&["upgrade"]).assert().success();
    assert_eq!(stdout(&mut world.pkg_root(&["query", "%v", "tool"])), "2\n");
}

#[test]
fn audit_matches_cpe_and_version_ranges() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package(
        "libgreet",
        "1.4",
        "cpe = \"cpe:2.3:a:basalt:libgreet:1.4:*:*:*:*:*:*:*\"\n",
        &[("lib/g", "g\n")],
    );
    world.publish(&secret, 1);
    world.pkg_root(&["install", "libgreet"]).assert().success();

    let toml = world.path("vulns.toml");
    fs::write(&toml, "[[vulnerability]]\nid = \"BSA-1\"\nsummary = \"overflow\"\ncpe = \"cpe:2.3:a:basalt:libgreet\"\nintroduced = \"1.0\"\nfixed = \"1.5\"\n").unwrap();
    let output = world
        .pkg_root(&["audit", "-f", toml.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("libgreet-1.4 is vulnerable: BSA-1"));

    let osv = world.path("osv.json");
    let record = |fixed: &str| {
        format!(
            r#"{{"vulns": [{{"id": "OSV-1", "summary": "s", "affected": [{{"package": {{"name": "libgreet", "ecosystem": "Basalt"}}, "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}]}}"#
        )
    };
    fs::write(&osv, record("1.4")).unwrap();
    world
        .pkg_root(&["audit", "-f", osv.to_str().unwrap()])
        .assert()
        .success();
    fs::write(&osv, record("2.0")).unwrap();
    let output = world
        .pkg_root(&["--json", "audit", "-f", osv.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(findings[0]["id"], "OSV-1");
}

#[test]
fn verify_which_query_info_search() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package(
        "tool",
        "3.1",
        "license = \"BSD-2-Clause\"\n",
        &[("bin/tool*", "#!/bin/sh\necho tool\n")],
    );
    world.publish(&secret, 1);
    world.pkg_root(&["install", "tool"]).assert().success();
    assert_eq!(
        stdout(&mut world.pkg_root(&["which", "/usr/local/bin/tool"])),
        "/usr/local/bin/tool was installed by package tool-3.1\n"
    );
    assert_eq!(
        stdout(&mut world.pkg_root(&["query", "%n|%v|%L|%t|%a", "tool"])),
        "tool|3.1|BSD-2-Clause|store|0\n"
    );
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&mut world.pkg_root(&["--json", "info", "tool"]))).unwrap();
    assert_eq!(info[0]["manifest"]["version"], "3.1");
    assert!(stdout(&mut world.pkg_root(&["search", "tool"])).contains("tool-3.1"));

    world.pkg_root(&["verify"]).assert().success();
    let target = fs::canonicalize(world.root().join("usr/local/bin/tool")).unwrap();
    fs::write(&target, "tampered\n").unwrap();
    let output = world.pkg_root(&["verify"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("bin/tool: checksum mismatch"));
}

#[test]
fn create_writes_standard_tar_zstd_and_subpackages() {
    let world = World::new();
    let stage = world.path("stage/split");
    fs::create_dir_all(stage.join("bin")).unwrap();
    fs::create_dir_all(stage.join("share/doc")).unwrap();
    fs::write(stage.join("bin/split"), "bin\n").unwrap();
    fs::write(stage.join("share/doc/README"), "doc\n").unwrap();
    let manifest = world.path("stage/split.toml");
    fs::write(&manifest, "name = \"split\"\nversion = \"1\"\ncomment = \"c\"\n[[subpackage]]\nname = \"split-doc\"\ncomment = \"docs\"\nfiles = [\"share/doc/README\"]\n").unwrap();
    world
        .pkg()
        .arg("create")
        .arg("-M")
        .arg(&manifest)
        .arg("-r")
        .arg(&stage)
        .arg("-o")
        .arg(world.repo())
        .assert()
        .success();
    for (file, expected, absent) in [
        ("split-1.pkg", "bin/split", "README"),
        ("split-doc-1.pkg", "share/doc/README", "bin/split"),
    ] {
        let path = world.repo().join(file);
        assert!(
            Command::new("zstd")
                .arg("-q")
                .arg("-t")
                .arg(&path)
                .status()
                .unwrap()
                .success(),
            "zstd -t {file}"
        );
        let listing = Command::new("tar")
            .arg("--zstd")
            .arg("-tf")
            .arg(&path)
            .output()
            .unwrap();
        assert!(listing.status.success(), "tar -t {file}: {listing:?}");
        let listing = String::from_utf8(listing.stdout).unwrap();
        assert!(listing.starts_with("+MANIFEST\n"), "{listing}");
        assert!(
            listing.contains(expected) && !listing.contains(absent),
            "{file}: {listing}"
        );
    }
    let secret = world.signed_repo();
    world.publish(&secret, 1);
    world.pkg_root(&["install", "split-doc"]).assert().success();
    let names = stdout(&mut world.pkg_root(&["query", "%n %a"]));
    assert_eq!(
        names, "split 1\nsplit-doc 0\n",
        "the sub-package pulls its parent in"
    );
}

#[test]
fn signing_command_and_development_key() {
    let world = World::new();
    world.package("tool", "1", "", &[("bin/tool", "1\n")]);
    let (secret, public) = world.key("release");
    let sign = format!(
        "{} key sign {}",
        assert_cmd::cargo::cargo_bin("pkg").display(),
        secret.display()
    );
    world
        .pkg()
        .arg("repo")
        .arg(world.repo())
        .args(["--revision", "1", "--signing-command", &sign])
        .assert()
        .success();
    world.trust("main", &public, "trusted");
    world.configure("main", &world.file_url(), "");
    world.pkg_root(&["install", "tool"]).assert().success();

    // Without a key, pkg repo signs with the per-user development key, made on first use.
    let dev = World::new();
    dev.package("tool", "1", "", &[("bin/tool", "1\n")]);
    dev.pkg().arg("repo").arg(dev.repo()).assert().success();
    let dev_public = dev.path("config/basalt-pkg/dev.pub");
    assert!(dev.path("config/basalt-pkg/dev.key").exists() && dev_public.exists());
    dev.trust("main", &dev_public, "trusted");
    dev.configure("main", &dev.file_url(), "");
    dev.pkg_root(&["install", "tool"]).assert().success();
    let sig = fs::read(dev.repo().join("catalogue.sig")).unwrap();
    dev.pkg()
        .arg("repo")
        .arg(dev.repo())
        .env("SOURCE_DATE_EPOCH", "5")
        .assert()
        .success();
    dev.pkg()
        .arg("repo")
        .arg(dev.repo())
        .env("SOURCE_DATE_EPOCH", "5")
        .assert()
        .success();
    let again = fs::read(dev.repo().join("catalogue.sig")).unwrap();
    assert_ne!(sig, again, "a new revision is a new signature");
    dev.pkg()
        .arg("repo")
        .arg(dev.repo())
        .env("SOURCE_DATE_EPOCH", "5")
        .assert()
        .success();
    assert_eq!(
        again,
        fs::read(dev.repo().join("catalogue.sig")).unwrap(),
        "same input, same key: same signature"
    );
}

#[test]
fn mirror_is_used_when_the_main_url_fails() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("tool", "1", "", &[("bin/tool", "1\n")]);
    world.publish(&secret, 1);
    world.configure(
        "main",
        "file:///nonexistent/repo",
        &format!("mirrors = [\"{}\"]\n", world.file_url()),
    );
    world.pkg_root(&["install", "tool"]).assert().success();
}

#[test]
fn declared_conflicts_are_refused() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("vim", "1", "", &[("bin/vim", "v\n")]);
    world.package("nvi", "1", "conflicts = [\"vim\"]\n", &[("bin/nvi", "n\n")]);
    world.publish(&secret, 1);
    world.pkg_root(&["install", "vim"]).assert().success();
    let line = error_line(&world.pkg_root(&["install", "nvi"]).output().unwrap());
    assert!(line.contains("conflicts with vim"), "{line}");
}

#[test]
fn profile_shares_common_directories_and_links_unshared_ones() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package(
        "one",
        "1",
        "",
        &[("bin/one", "1\n"), ("share/one/data", "d1\n")],
    );
    world.package(
        "two",
        "1",
        "",
        &[("bin/two", "2\n"), ("share/two/data", "d2\n")],
    );
    world.publish(&secret, 1);
    world
        .pkg_root(&["install", "one", "two"])
        .assert()
        .success();
    let profile = world.root().join("usr/local");
    let kind = |rel: &str| fs::symlink_metadata(profile.join(rel)).unwrap().file_type();
    assert!(
        kind("bin").is_dir() && kind("share").is_dir(),
        "shared directories are real"
    );
    assert!(
        kind("bin/one").is_symlink() && kind("share/one").is_symlink(),
        "unshared ones are links"
    );
    assert_eq!(
        fs::read_to_string(profile.join("share/two/data")).unwrap(),
        "d2\n"
    );
    world.pkg_root(&["delete", "one"]).assert().success();
    assert!(
        kind("bin").is_symlink(),
        "once alone, two's bin is linked whole"
    );
    assert!(!profile.join("bin/one").exists());
}

#[test]
fn provided_name_satisfies_a_dependency() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package(
        "greet-impl",
        "2",
        "provides = [\"greeter\"]\n",
        &[("share/greeter/name", "impl\n")],
    );
    world.package(
        "app",
        "1",
        "[depends]\ngreeter = \"*\"\n",
        &[("bin/app", "a\n")],
    );
    world.publish(&secret, 1);
    world.pkg_root(&["install", "app"]).assert().success();
    let app = fs::canonicalize(world.root().join("usr/local/bin/app")).unwrap();
    let app_entry = app.parent().unwrap().parent().unwrap();
    let provided = fs::read_to_string(app_entry.join("deps/greeter/share/greeter/name")).unwrap();
    assert_eq!(provided, "impl\n", "deps/greeter links to the provider");
}

#[test]
fn create_is_reproducible() {
    let world = World::new();
    let first = fs::read(world.package(
        "same",
        "1",
        "",
        &[("bin/same*", "#!/bin/sh\n"), ("share/same/data", "d\n")],
    ))
    .unwrap();
    fs::remove_file(world.repo().join("same-1.pkg")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let stage = world.path("stage/same-1/share/same/data");
    fs::write(&stage, "d\n").unwrap(); // new mtime, same content
    let manifest = world.path("stage/same-1.toml");
    world
        .pkg()
        .arg("create")
        .arg("-M")
        .arg(&manifest)
        .arg("-r")
        .arg(world.path("stage/same-1"))
        .arg("-o")
        .arg(world.repo())
        .assert()
        .success();
    assert_eq!(first, fs::read(world.repo().join("same-1.pkg")).unwrap());
}

#[test]
fn json_plan_and_nothing_to_do() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("tool", "1", "", &[("bin/tool", "t\n")]);
    world.publish(&secret, 1);
    let plan: serde_json::Value =
        serde_json::from_str(&stdout(&mut world.pkg_root(&["--json", "install", "tool"]))).unwrap();
    assert_eq!(plan[0]["action"], "install");
    assert_eq!(plan[0]["to"], "1");
    assert_eq!(
        stdout(&mut world.pkg_root(&["install", "tool"])),
        "Nothing to do.\n"
    );
}

#[test]
fn base_directories_keep_their_modes() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new();
    let secret = world.signed_repo();
    let stage = world.path("stage/hier");
    fs::create_dir_all(stage.join("tmp")).unwrap();
    fs::create_dir_all(stage.join("etc")).unwrap();
    fs::write(stage.join("etc/motd"), "welcome\n").unwrap();
    fs::set_permissions(stage.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    let manifest = world.path("stage/hier.toml");
    fs::write(
        &manifest,
        "name = \"hier\"\nversion = \"1\"\ncomment = \"c\"\nprefix = \"/\"\n",
    )
    .unwrap();
    world
        .pkg()
        .arg("create")
        .arg("-M")
        .arg(&manifest)
        .arg("-r")
        .arg(&stage)
        .arg("-o")
        .arg(world.repo())
        .assert()
        .success();
    world.publish(&secret, 1);
    world.pkg_root(&["install", "hier"]).assert().success();
    let mode = fs::metadata(world.root().join("tmp"))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o1777);
}

#[test]
fn higher_priority_repository_wins_a_tie() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("tool", "1", "", &[("share/tool/from", "main\n")]);
    world.publish(&secret, 1);
    // A second repository with the same name and version but other content.
    let other = World::new();
    other.package("tool", "1", "", &[("share/tool/from", "backports\n")]);
    other.publish(&secret, 1);
    world.trust("backports", &world.path("keys/main.pub"), "trusted");
    let url = format!("file://{}", other.repo().display());
    // Names sort "backports" first; only the priority puts main ahead.
    world.configure("backports", &url, "priority = -5\n");
    world.pkg_root(&["install", "tool"]).assert().success();
    let from = fs::read_to_string(world.root().join("usr/local/share/tool/from")).unwrap();
    assert_eq!(from, "main\n");
    assert_eq!(
        stdout(&mut world.pkg_root(&["query", "%R", "tool"])),
        "main\n"
    );
}
