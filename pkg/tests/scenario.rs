//! The acceptance scenario, over HTTP: app keeps reading libgreet 1 through its
//! `deps/` link after libgreet is upgraded, until app itself is upgraded.

mod common;

use std::fs;
use std::process::Command;

use common::{HttpServer, World};

const APP: &str = "#!/bin/sh\nhere=$(dirname \"$(readlink -f \"$0\")\")\ncat \"$here/../deps/libgreet/share/greet/message\"\n";

fn run_app(world: &World) -> String {
    let output = Command::new(world.root().join("usr/local/bin/app"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn store_entries(world: &World, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(world.root().join("pkg"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

#[test]
fn upgrade_keeps_old_dependency_until_dependent_is_upgraded() {
    let world = World::new();
    let (secret, public) = world.key("release");
    world.package(
        "libgreet",
        "1",
        "",
        &[("share/greet/message", "hello from libgreet 1\n")],
    );
    world.package(
        "app",
        "1",
        "[depends]\nlibgreet = \">=1\"\n",
        &[("bin/app*", APP)],
    );
    world.publish(&secret, 1);
    let server = HttpServer::serve(&world.repo());
    world.trust("main", &public, "trusted");
    world.configure("main", &server.url, "");

    world.pkg_root(&["install", "app"]).assert().success();
    assert_eq!(run_app(&world), "hello from libgreet 1\n");

    world.package(
        "libgreet",
        "2",
        "",
        &[("share/greet/message", "hello from libgreet 2\n")],
    );
    world.publish(&secret, 2);
    world.pkg_root(&["upgrade", "libgreet"]).assert().success();
    assert_eq!(
        run_app(&world),
        "hello from libgreet 1\n",
        "app must still see libgreet 1"
    );
    let profile = fs::read_to_string(world.root().join("usr/local/share/greet/message")).unwrap();
    assert_eq!(
        profile, "hello from libgreet 2\n",
        "the profile shows libgreet 2"
    );
    assert_eq!(store_entries(&world, "libgreet-").len(), 2);

    world.pkg_root(&["upgrade", "app"]).assert().success();
    assert_eq!(run_app(&world), "hello from libgreet 2\n");
    assert_eq!(
        store_entries(&world, "app-1-").len(),
        2,
        "relinked app is a new store entry"
    );

    world.pkg_root(&["autoremove"]).assert().success();
    assert!(
        store_entries(&world, "libgreet-1-").is_empty(),
        "libgreet 1 is removed"
    );
    assert_eq!(store_entries(&world, "app-1-").len(), 1);
    assert_eq!(run_app(&world), "hello from libgreet 2\n");
    world.pkg_root(&["verify"]).assert().success();
}

#[test]
fn rollback_returns_to_previous_generation() {
    let world = World::new();
    let secret = world.signed_repo();
    world.package("libgreet", "1", "", &[("share/greet/message", "one\n")]);
    world.publish(&secret, 1);
    world.pkg_root(&["install", "libgreet"]).assert().success();
    world.package("libgreet", "2", "", &[("share/greet/message", "two\n")]);
    world.publish(&secret, 2);
    world.pkg_root(&["upgrade"]).assert().success();
    let message = world.root().join("usr/local/share/greet/message");
    assert_eq!(fs::read_to_string(&message).unwrap(), "two\n");
    world.pkg_root(&["rollback"]).assert().success();
    assert_eq!(fs::read_to_string(&message).unwrap(), "one\n");
    world.pkg_root(&["autoremove"]).assert().success();
    assert_eq!(fs::read_to_string(&message).unwrap(), "one\n");
}
