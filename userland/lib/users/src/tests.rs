use super::*;
use std::os::unix::fs::PermissionsExt;

const MASTER: &str = "\
# $FreeBSD$
#
root:$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1:0:0::0:0:Charlie &:/root:/bin/sh
toor:*:0:0::0:0:Bourne-again Superuser:/root:
daemon:*:1:1::0:0:Owner of many system processes:/root:/usr/sbin/nologin
this line is not a user
ann::1001:1001:staff:0:1700000000:Ann Example,Room 1,555:/home/ann:/bin/sh
bob:*LOCKED*$6$x$y:01002:1002::::Bob:/home/bob:/bin/sh
";

const GROUP: &str = "\
# $FreeBSD$
wheel:*:0:root,ann
daemon:*:1:
staff:*:20:ann,bob
ann:*:1001:
broken line
bob:*:1002:";

fn tree(master: &str, group: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/master.passwd"), master).unwrap();
    std::fs::write(dir.path().join("etc/group"), group).unwrap();
    dir
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join("etc").join(name)).unwrap()
}

fn mode(dir: &tempfile::TempDir, name: &str) -> u32 {
    let meta = std::fs::metadata(dir.path().join("etc").join(name)).unwrap();
    meta.permissions().mode() & 0o7777
}

#[test]
fn parses_the_formats() {
    let dir = tree(MASTER, GROUP);
    let db = Database::open(dir.path()).unwrap();
    let names: Vec<&str> = db.users().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["root", "toor", "daemon", "ann", "bob"]);
    let ann = db.user("ann").unwrap();
    assert_eq!(ann.uid, 1001);
    assert_eq!(ann.class, "staff");
    assert_eq!(ann.expire, 1_700_000_000);
    assert_eq!(ann.full_name(), "Ann Example");
    assert!(ann.has_empty_password());
    let bob = db.user("bob").unwrap();
    assert_eq!((bob.uid, bob.change, bob.expire), (1002, 0, 0));
    assert!(bob.is_locked());
    assert_eq!(db.user_by_uid(0).unwrap().name, "root");
    assert_eq!(db.group("staff").unwrap().members, ["ann", "bob"]);
    assert!(db.group("daemon").unwrap().members.is_empty());
    assert_eq!(db.group_by_gid(1002).unwrap().name, "bob");
}

#[test]
fn untouched_files_round_trip_byte_for_byte() {
    let dir = tree(MASTER, GROUP);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.master_passwd_text(), MASTER);
    assert_eq!(db.group_text(), GROUP);
}

#[test]
fn a_change_rewrites_only_its_line() {
    let dir = tree(MASTER, GROUP);
    let mut db = Database::open(dir.path()).unwrap();
    db.modify_user("daemon", |u| u.shell = "/bin/sh".into())
        .unwrap();
    db.save().unwrap();
    let expected = MASTER.replace(
        "processes:/root:/usr/sbin/nologin",
        "processes:/root:/bin/sh",
    );
    assert_eq!(read(&dir, "master.passwd"), expected);
    // group did not change, so it was not rewritten (its missing final
    // newline proves it), and passwd was derived.
    assert_eq!(read(&dir, "group"), GROUP);
    assert_eq!(
        read(&dir, "passwd"),
        "\
# $FreeBSD$
#
root:*:0:0:Charlie &:/root:/bin/sh
toor:*:0:0:Bourne-again Superuser:/root:
daemon:*:1:1:Owner of many system processes:/root:/bin/sh
ann:*:1001:1001:Ann Example,Room 1,555:/home/ann:/bin/sh
bob:*:1002:1002:Bob:/home/bob:/bin/sh
"
    );
    assert_eq!(mode(&dir, "master.passwd"), 0o600);
    assert_eq!(mode(&dir, "passwd"), 0o644);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("etc"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.') && n != ".pw.lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_new_tree_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("etc")).unwrap();
    let mut db = Database::open(dir.path()).unwrap();
    assert_eq!(db.users().count(), 0);
    assert_eq!(db.next_uid().unwrap(), 1000);
    db.add_group(Group {
        name: "wheel".into(),
        password: "*".into(),
        gid: 0,
        members: vec!["root".into()],
    })
    .unwrap();
    db.add_user(User {
        name: "root".into(),
        password: "".into(),
        home: "/root".into(),
        shell: "/bin/sh".into(),
        gecos: "Charlie &".into(),
        ..User::default()
    })
    .unwrap();
    db.save().unwrap();
    assert_eq!(
        read(&dir, "master.passwd"),
        "root::0:0::0:0:Charlie &:/root:/bin/sh\n"
    );
    assert_eq!(read(&dir, "passwd"), "root:*:0:0:Charlie &:/root:/bin/sh\n");
    assert_eq!(read(&dir, "group"), "wheel:*:0:root\n");
    assert_eq!(mode(&dir, "group"), 0o644);
    let again = Database::open(dir.path()).unwrap();
    assert_eq!(again.user("root"), db.user("root"));
}

#[test]
fn validation_refuses_bad_and_clashing_entries() {
    let dir = tree(MASTER, GROUP);
    let mut db = Database::open(dir.path()).unwrap();
    let user = |name: &str, uid| User {
        name: name.into(),
        uid,
        ..User::default()
    };
    assert!(matches!(
        db.add_user(user("ann", 5000)),
        Err(Error::UserExists(_))
    ));
    assert!(matches!(
        db.add_user(user("new", 1001)),
        Err(Error::UidInUse(1001))
    ));
    for bad in ["", "-x", "a:b", "a b", "a\nb", "é", &"x".repeat(33)] {
        assert!(
            matches!(db.add_user(user(bad, 5000)), Err(Error::InvalidName(_))),
            "{bad:?}"
        );
    }
    assert!(db.add_user(user("machine$", 5000)).is_ok());
    let err = db
        .modify_user("ann", |u| u.gecos = "A:B".into())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidField { field: "gecos", .. }));
    assert!(db.modify_user("ann", |u| u.home = "/x\n".into()).is_err());
    assert!(matches!(
        db.modify_user("ann", |u| u.uid = 0),
        Err(Error::UidInUse(0))
    ));
    // toor shares root's uid already: changing its shell keeps that.
    db.modify_user("toor", |u| u.shell = "/bin/sh".into())
        .unwrap();
    assert!(matches!(
        db.modify_user("nobody", |_| {}),
        Err(Error::NoSuchUser(_))
    ));
    assert!(matches!(
        db.add_group(Group {
            name: "x".into(),
            gid: 20,
            ..Group::default()
        }),
        Err(Error::GidInUse(20))
    ));
    assert!(matches!(
        db.modify_group("staff", |g| g.members.push("no,pe".into())),
        Err(Error::InvalidName(_))
    ));
    assert_eq!(db.user("ann").unwrap().gecos, "Ann Example,Room 1,555");
}

#[test]
fn renaming_and_removing_follow_into_groups() {
    let dir = tree(MASTER, GROUP);
    let mut db = Database::open(dir.path()).unwrap();
    db.modify_user("ann", |u| u.name = "anne".into()).unwrap();
    assert_eq!(db.group("wheel").unwrap().members, ["root", "anne"]);
    assert_eq!(db.group("staff").unwrap().members, ["anne", "bob"]);
    let bob = db.remove_user("bob").unwrap();
    assert_eq!(bob.uid, 1002);
    assert_eq!(db.group("staff").unwrap().members, ["anne"]);
    db.save().unwrap();
    let group = read(&dir, "group");
    assert!(group.contains("staff:*:20:anne\n"), "{group}");
    assert!(group.contains("broken line\n"), "{group}");
    assert!(!read(&dir, "master.passwd").contains("bob:"));
    assert!(!read(&dir, "passwd").contains("bob:"));
}

#[test]
fn group_ids_for_setgroups() {
    let dir = tree(MASTER, GROUP);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.group_ids("ann", 1001), [1001, 0, 20]);
    assert_eq!(db.group_ids("root", 0), [0]);
    assert_eq!(db.group_ids("daemon", 1), [1]);
    assert_eq!(db.resolve_group("staff").unwrap(), 20);
    assert_eq!(db.resolve_group("4242").unwrap(), 4242);
    assert!(matches!(
        db.resolve_group("nope"),
        Err(Error::NoSuchGroup(_))
    ));
}

#[test]
fn next_ids_fill_the_first_gap() {
    let dir = tree(MASTER, GROUP);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.next_uid().unwrap(), 1000);
    let mut db = db;
    db.add_user(User {
        name: "first".into(),
        uid: 1000,
        ..User::default()
    })
    .unwrap();
    assert_eq!(db.next_uid().unwrap(), 1003);
    assert_eq!(db.next_gid().unwrap(), 1000);
}

#[test]
fn passwords_set_check_lock_unlock() {
    let dir = tree(MASTER, GROUP);
    let mut db = Database::open(dir.path()).unwrap();
    assert!(db.user("root").unwrap().check_password("Hello world!"));
    assert!(!db.user("root").unwrap().check_password("hello world!"));
    assert!(!db.user("toor").unwrap().check_password(""));
    assert!(!db.user("ann").unwrap().check_password(""));
    db.set_password("ann", "s3cret").unwrap();
    let hash = db.user("ann").unwrap().password.clone();
    assert!(hash.starts_with("$6$"));
    assert!(db.user("ann").unwrap().check_password("s3cret"));
    assert!(db.lock("ann").unwrap());
    assert!(!db.lock("ann").unwrap());
    assert_eq!(db.user("ann").unwrap().password, format!("*LOCKED*{hash}"));
    assert!(!db.user("ann").unwrap().check_password("s3cret"));
    assert!(db.unlock("ann").unwrap());
    assert!(!db.unlock("ann").unwrap());
    assert_eq!(db.user("ann").unwrap().password, hash);
    db.save().unwrap();
    let saved = Database::open(dir.path()).unwrap();
    assert!(saved.user("ann").unwrap().check_password("s3cret"));
}

#[test]
fn the_public_view_has_no_hashes_and_cannot_save() {
    let dir = tree(MASTER, GROUP);
    let mut db = Database::open(dir.path()).unwrap();
    db.modify_user("root", |u| u.shell = "/bin/csh".into())
        .unwrap();
    db.save().unwrap();
    let mut public = Database::open_public(dir.path()).unwrap();
    let root = public.user("root").unwrap();
    assert_eq!(
        (root.password.as_str(), root.shell.as_str()),
        ("*", "/bin/csh")
    );
    assert!(!root.check_password("Hello world!"));
    assert_eq!(public.users().count(), 5);
    public.modify_user("ann", |u| u.uid = 9999).unwrap();
    assert!(matches!(public.save(), Err(Error::ReadOnly(_))));
}

#[test]
fn unreadable_files_are_errors_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc/master.passwd")).unwrap();
    let err = Database::open(dir.path()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("etc/master.passwd: cannot read:"), "{text}");
    assert!(!text.contains("os error"), "{text}");
}

#[test]
fn login_groups_are_found_or_made() {
    let dir = tree(MASTER, GROUP);
    let mut db = Database::open(dir.path()).unwrap();
    assert_eq!(db.login_group("staff", 5000).unwrap(), 20);
    assert_eq!(db.login_group("carol", 1500).unwrap(), 1500);
    assert_eq!(db.group("carol").unwrap().line(), "carol:*:1500:");
    // gid 1001 is taken by ann's group: the lowest free one is used.
    assert_eq!(db.login_group("dave", 1001).unwrap(), 1000);
}

#[test]
fn a_change_made_meanwhile_is_not_overwritten() {
    let dir = tree(MASTER, GROUP);
    let mut first = Database::open(dir.path()).unwrap();
    let mut second = Database::open(dir.path()).unwrap();
    let user = |name: &str, uid| User {
        name: name.into(),
        uid,
        ..User::default()
    };
    first.add_user(user("carol", 3000)).unwrap();
    first.save().unwrap();
    second.add_user(user("dave", 3001)).unwrap();
    let err = second.save().unwrap_err();
    assert!(
        matches!(err, Error::Changed(ref p) if p.ends_with("etc/master.passwd")),
        "{err}"
    );
    let now = Database::open(dir.path()).unwrap();
    assert!(now.user("carol").is_some() && now.user("dave").is_none());
    // The one that saved goes on editing from what it wrote.
    first.add_user(user("erin", 3002)).unwrap();
    first.save().unwrap();
    assert!(Database::open(dir.path()).unwrap().user("erin").is_some());
}
