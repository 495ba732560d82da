//! kill -9 at many points of an upgrade (store entries, profile, base files in place):
//! the next `pkg` run recovers, and the root is entirely the old or the new state.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::World;

const FILES: usize = 300;

fn files(version: &str, dir: &str) -> Vec<(String, String)> {
    (0..FILES)
        .map(|i| (format!("{dir}/f{i:03}"), format!("{version} {i}\n")))
        .collect()
}

fn publish_version(world: &World, secret: &Path, version: &str, revision: u64) {
    let store: Vec<(String, String)> = files(version, "share/greet");
    let base: Vec<(String, String)> = files(version, "usr/share/tools");
    let store_refs: Vec<(&str, &str)> = store
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut base_refs: Vec<(&str, &str)> =
        base.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let conf = format!("setting = {version}\n");
    base_refs.push(("etc/tools.conf", &conf));
    world.package("libgreet", version, "", &store_refs);
    world.package(
        "tools",
        version,
        "prefix = \"/\"\nconfig = [\"etc/tools.conf\"]\n",
        &base_refs,
    );
    world.publish(secret, revision);
}

fn pkg(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("pkg"));
    cmd.arg("-r").arg(root).arg("-y").args(args);
    cmd
}

/// The installed version of `name` and whether its files all say that version.
fn consistent_version(root: &Path, name: &str, dir: &str) -> String {
    let output = pkg(root, &["query", "%v", name]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let version = String::from_utf8(output.stdout).unwrap().trim().to_string();
    for i in 0..FILES {
        let content = fs::read_to_string(root.join(format!("{dir}/f{i:03}"))).unwrap();
        assert_eq!(
            content,
            format!("{version} {i}\n"),
            "{name} {version}: file {i} is from another version"
        );
    }
    version
}

#[test]
fn kill_during_upgrade_leaves_old_or_new_state() {
    let world = World::new();
    let secret = world.signed_repo();
    publish_version(&world, &secret, "1", 1);
    world
        .pkg_root(&["install", "libgreet", "tools"])
        .assert()
        .success();
    publish_version(&world, &secret, "2", 2);
    let template = world.root();

    let copy = |n: usize| {
        let root = world.path(&format!("crash-{n}"));
        assert!(
            Command::new("cp")
                .arg("-a")
                .arg(&template)
                .arg(&root)
                .status()
                .unwrap()
                .success()
        );
        root
    };
    let started = Instant::now();
    let full = copy(0);
    assert!(pkg(&full, &["upgrade"]).status().unwrap().success());
    let duration = started.elapsed();
    assert_eq!(
        consistent_version(&full, "libgreet", "usr/local/share/greet"),
        "2"
    );
    assert_eq!(consistent_version(&full, "tools", "usr/share/tools"), "2");

    let mut interrupted = 0;
    for step in 1..=20u32 {
        let root = copy(step as usize);
        let mut child = pkg(&root, &["upgrade"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration * step / 20);
        let _ = child.kill();
        child.wait().unwrap();
        if root.join("var/db/pkg/journal.toml").exists() {
            interrupted += 1;
        }
        let verify = pkg(&root, &["verify"]).output().unwrap();
        assert!(verify.status.success(), "step {step}: {verify:?}");
        assert!(!root.join("var/db/pkg/journal.toml").exists());
        let libgreet = consistent_version(&root, "libgreet", "usr/local/share/greet");
        let tools = consistent_version(&root, "tools", "usr/share/tools");
        assert_eq!(libgreet, tools, "step {step}: one transaction, one outcome");
        let conf = fs::read_to_string(root.join("etc/tools.conf")).unwrap();
        assert_eq!(conf, format!("setting = {tools}\n"));
        let dotted = |dir: &Path| -> Vec<String> {
            fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with('.'))
                .collect()
        };
        let mut leftovers = dotted(&root.join("pkg"));
        leftovers.retain(|n| n != ".generations");
        leftovers.extend(dotted(&root.join("pkg/.generations")));
        assert!(leftovers.is_empty(), "step {step}: {leftovers:?}");
        assert!(
            !root.join("var/db/pkg/staging").exists() && !root.join("var/db/pkg/backup").exists()
        );
        // The recovered root takes the upgrade normally.
        assert!(pkg(&root, &["upgrade"]).output().unwrap().status.success());
        assert_eq!(consistent_version(&root, "tools", "usr/share/tools"), "2");
        fs::remove_dir_all(&root).unwrap();
    }
    eprintln!("{interrupted} of 20 kills interrupted a transaction (upgrade took {duration:?})");
}
