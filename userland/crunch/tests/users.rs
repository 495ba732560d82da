//! The user programs on the host: pw, adduser and id against temporary
//! trees (GNU id is the judge for id), and login, su and passwd in a
//! chroot(8) of such a tree, which needs root (skipped otherwise).

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

fn crunch(program: &str) -> Command {
    let mut command = Command::cargo_bin("crunch").unwrap();
    command.arg(program).env("LC_ALL", "C");
    command
}

/// A tree with an etc/ holding `master` and `group` (passwd derived).
fn tree(master: &str, group: &str) -> TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/master.passwd"), master).unwrap();
    std::fs::write(root.path().join("etc/group"), group).unwrap();
    root
}

fn read(root: &Path, file: &str) -> String {
    std::fs::read_to_string(root.join(file)).unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

const MASTER: &str = "\
# comment kept
root::0:0::0:0:Charlie &:/root:/bin/sh
";
const GROUP: &str = "wheel:*:0:root\n";

#[test]
fn pw_useradd_makes_user_group_and_home() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    crunch("pw")
        .args([
            "-R",
            r,
            "useradd",
            "ann",
            "-c",
            "Ann Example",
            "-G",
            "wheel",
            "-m",
        ])
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        read(root.path(), "etc/master.passwd"),
        format!("{MASTER}ann:*:1000:1000::0:0:Ann Example:/home/ann:/bin/sh\n")
    );
    assert_eq!(
        read(root.path(), "etc/passwd"),
        "# comment kept\nroot:*:0:0:Charlie &:/root:/bin/sh\nann:*:1000:1000:Ann Example:/home/ann:/bin/sh\n"
    );
    assert_eq!(
        read(root.path(), "etc/group"),
        "wheel:*:0:root,ann\nann:*:1000:\n"
    );
    assert_eq!(mode(&root.path().join("etc/master.passwd")), 0o600);
    assert_eq!(mode(&root.path().join("etc/passwd")), 0o644);
    assert_eq!(mode(&root.path().join("home/ann")), 0o755);
    crunch("pw")
        .args(["-R", r, "usershow", "ann"])
        .assert()
        .success()
        .stdout("ann:*:1000:1000::0:0:Ann Example:/home/ann:/bin/sh\n");
    crunch("pw")
        .args(["-R", r, "usershow", "1000"])
        .assert()
        .success()
        .stdout("ann:*:1000:1000::0:0:Ann Example:/home/ann:/bin/sh\n");
}

#[test]
fn pw_passwords_from_a_descriptor() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    crunch("pw")
        .args(["-R", r, "useradd", "ann", "-h", "0"])
        .write_stdin("correct horse\n")
        .assert()
        .success();
    let db = users::Database::open(root.path()).unwrap();
    let ann = db.user("ann").unwrap();
    assert!(ann.password.starts_with("$6$"), "{}", ann.password);
    assert!(ann.check_password("correct horse"));
    let hash = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
    crunch("pw")
        .args(["-R", r, "usermod", "ann", "-H", "0"])
        .write_stdin(format!("{hash}\n"))
        .assert()
        .success();
    let db = users::Database::open(root.path()).unwrap();
    assert_eq!(db.user("ann").unwrap().password, hash);
    crunch("pw")
        .args(["-R", r, "usermod", "ann", "-h", "-"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "usershow", "ann"])
        .assert()
        .stdout("ann:*:1000:1000::0:0::/home/ann:/bin/sh\n");
}

#[test]
fn pw_lock_unlock_and_usermod() {
    let root = tree(
        "ann:$6$x$y:1000:1000::0:0:Ann:/home/ann:/bin/sh\n",
        "ann:*:1000:\nstaff:*:20:ann\nops:*:30:\n",
    );
    let r = root.path().to_str().unwrap();
    crunch("pw")
        .args(["-R", r, "lock", "ann"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "usershow", "ann"])
        .assert()
        .stdout("ann:*LOCKED*$6$x$y:1000:1000::0:0:Ann:/home/ann:/bin/sh\n");
    crunch("pw")
        .args(["-R", r, "unlock", "ann"])
        .assert()
        .success();
    crunch("pw")
        .args([
            "-R", r, "usermod", "ann", "-l", "anne", "-s", "/bin/csh", "-u", "1500", "-G", "ops",
        ])
        .assert()
        .success();
    assert_eq!(
        read(root.path(), "etc/master.passwd"),
        "anne:$6$x$y:1500:1000::0:0:Ann:/home/ann:/bin/csh\n"
    );
    assert_eq!(
        read(root.path(), "etc/group"),
        "ann:*:1000:\nstaff:*:20:\nops:*:30:anne\n"
    );
}

#[test]
fn pw_groups() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    crunch("pw")
        .args(["-R", r, "useradd", "bob", "-u", "2000", "-g", "wheel"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "groupadd", "staff", "-M", "root,bob"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "groupadd", "ops", "-g", "500"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "groupmod", "staff", "-d", "root", "-l", "people"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "groupmod", "ops", "-m", "bob,root"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "groupshow", "-a"])
        .assert()
        .success()
        .stdout("wheel:*:0:root\npeople:*:1000:bob\nops:*:500:bob,root\n");
    crunch("pw")
        .args(["-R", r, "groupdel", "people"])
        .assert()
        .success();
    crunch("pw")
        .args(["-R", r, "groupshow", "500"])
        .assert()
        .stdout("ops:*:500:bob,root\n");
    crunch("pw")
        .args(["-R", r, "userdel", "bob"])
        .assert()
        .success();
    assert_eq!(
        read(root.path(), "etc/group"),
        "wheel:*:0:root\nops:*:500:root\n"
    );
}

#[test]
fn pw_userdel_removes_own_group_and_home() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    crunch("pw")
        .args(["-R", r, "useradd", "ann", "-m"])
        .assert()
        .success();
    assert!(root.path().join("home/ann").is_dir());
    crunch("pw")
        .args(["-R", r, "userdel", "ann", "-r"])
        .assert()
        .success();
    assert!(!root.path().join("home/ann").exists());
    assert_eq!(read(root.path(), "etc/master.passwd"), MASTER);
    assert_eq!(read(root.path(), "etc/group"), GROUP);
}

#[test]
fn pw_refuses_bad_changes_and_changes_nothing() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["useradd", "root"], "pw: user 'root' already exists\n"),
        (
            &["useradd", "x", "-u", "0"],
            "pw: uid 0 is already in use\n",
        ),
        (&["useradd", "a:b"], "pw: invalid name 'a:b'\n"),
        (
            &["useradd", "x", "-c", "a:b"],
            "pw: invalid gecos 'a:b': ':' and control characters are not allowed\n",
        ),
        (
            &["useradd", "x", "-g", "nogroup"],
            "pw: unknown group 'nogroup'\n",
        ),
        (&["userdel", "nobody"], "pw: unknown user 'nobody'\n"),
        (
            &["groupadd", "g", "-M", "ghost"],
            "pw: unknown user 'ghost'\n",
        ),
        (&["groupadd", "wheel"], "pw: group 'wheel' already exists\n"),
    ];
    for (args, message) in cases {
        crunch("pw")
            .args(["-R", r])
            .args(*args)
            .assert()
            .code(1)
            .stderr(*message);
    }
    assert_eq!(read(root.path(), "etc/master.passwd"), MASTER);
    assert_eq!(read(root.path(), "etc/group"), GROUP);
    assert!(!root.path().join("etc/passwd").exists());
    let out = crunch("pw").args(["-R", r, "frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("pw: unknown command 'frobnicate'\nusage: pw"));
    let out = crunch("pw")
        .args(["-R", r, "useradd", "x", "-Z"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("pw: unknown option -- Z\nusage: pw"));
}

#[test]
fn pw_etc_dir_option() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("conf")).unwrap();
    let r = root.path().to_str().unwrap();
    crunch("pw")
        .args(["-R", r, "-V", "/conf", "groupadd", "g"])
        .assert()
        .success();
    assert_eq!(read(root.path(), "conf/group"), "g:*:1000:\n");
}

#[test]
fn adduser_batch_file() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    let list = root.path().join("users.txt");
    std::fs::write(
        &list,
        "# name:uid:gid:class:change:expire:gecos:home:shell:password\n\
         ann::::::Ann E:::secret\n\
         bob:2000:wheel:staff:0:1700000000:Bob:/home/bobby:/bin/csh:\n\
         bad:x::::::::\n\
         ann:::::::::\n",
    )
    .unwrap();
    crunch("adduser")
        .args(["-R", r, "-f", list.to_str().unwrap()])
        .assert()
        .code(1)
        .stdout(
            "adduser: INFO: Successfully added (ann) to the user database.\n\
             adduser: INFO: Successfully added (bob) to the user database.\n",
        )
        .stderr(format!(
            "adduser: {0}:4: invalid uid 'x'\nadduser: {0}:5: user 'ann' already exists\n",
            list.display()
        ));
    let db = users::Database::open(root.path()).unwrap();
    let ann = db.user("ann").unwrap();
    assert!(ann.check_password("secret"));
    assert_eq!(
        (ann.uid, ann.gid, ann.home.as_str()),
        (1000, 1000, "/home/ann")
    );
    assert_eq!(
        db.user("bob").unwrap().master_line(),
        "bob:*:2000:0:staff:0:1700000000:Bob:/home/bobby:/bin/csh"
    );
    assert_eq!(
        read(root.path(), "etc/group"),
        "wheel:*:0:root\nann:*:1000:\n"
    );
    assert!(root.path().join("home/ann").is_dir());
    assert!(root.path().join("home/bobby").is_dir());
}

#[test]
fn adduser_asks_each_field() {
    let root = tree(MASTER, GROUP);
    let r = root.path().to_str().unwrap();
    let answers = "root\ncarol\nCarol C\n\n\nwheel\n\n\npw1\npw2\npw1\npw1\nyes\nno\n";
    let out = crunch("adduser")
        .args(["-R", r])
        .write_stdin(answers)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains(
            "Username   : carol\nPassword   : *****\nFull Name  : Carol C\nUid        : 1000\n\
             Class      : \nGroups     : carol wheel\nHome       : /home/carol\nShell      : /bin/sh\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "adduser: INFO: Successfully added (carol) to the user database.\n\
             Add another user? (yes/no) [no]: Goodbye!\n"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("adduser: the user root already exists\n"),
        "{stderr}"
    );
    assert!(stderr.contains("Passwords did not match!\n"), "{stderr}");
    let db = users::Database::open(root.path()).unwrap();
    assert!(db.user("carol").unwrap().check_password("pw1"));
    assert_eq!(db.group("wheel").unwrap().members, ["root", "carol"]);
    // End of input part-way is a failure that adds nobody.
    crunch("adduser")
        .args(["-R", r])
        .write_stdin("dave\n")
        .assert()
        .code(1);
    assert!(
        users::Database::open(root.path())
            .unwrap()
            .user("dave")
            .is_none()
    );
}

/// GNU id on the host's own database is the judge.
#[test]
fn id_agrees_with_gnu_id() {
    let cases: &[&[&str]] = &[
        &[],
        &["-u"],
        &["-g"],
        &["-G"],
        &["-un"],
        &["-gn"],
        &["-Gn"],
        &["-ur"],
        &["-gnr"],
        &["root"],
        &["-Gn", "root"],
        &["daemon"],
        &["-G", "daemon"],
        &["0"],
        &["no-such-user-here"],
        &["-n"],
        &["-r"],
        &["-u", "-g"],
    ];
    for args in cases {
        let Ok(gnu) = StdCommand::new("id")
            .args(*args)
            .env("LC_ALL", "C")
            .output()
        else {
            eprintln!("no id(1) on the host: skipped");
            return;
        };
        let ours = crunch("id").args(*args).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&gnu.stdout),
            "id {args:?}"
        );
        assert_eq!(ours.status.code(), gnu.status.code(), "id {args:?}");
        // GNU quotes names with a locale's quotes; the words are the same.
        let words = |s: &[u8]| String::from_utf8_lossy(s).replace(['\'', '‘', '’'], "");
        assert_eq!(
            words(&ours.stderr).lines().next(),
            words(&gnu.stderr).lines().next(),
            "id {args:?}"
        );
    }
}

#[test]
fn id_usage() {
    crunch("id")
        .args(["-x"])
        .assert()
        .code(2)
        .stderr("id: unknown option -- x\nusage: id [-G | -g | -u] [-nr] [user]\n");
    crunch("id").arg("--help").assert().success();
}

// ---- In a chroot: login, su, passwd (as root only) ----

/// A tree to chroot into: the crunch binary (with the shared libraries it
/// needs) as /bin/{login,su,passwd,id} and /sbin/{init,poweroff}, and
/// users `root` (password `rootpw`), `ann` (password `secret`), `nopw`
/// (empty password) and `locked`, all with the shell /bin/id so that a
/// session shows its ids.
fn chroot_tree() -> Option<TempDir> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: chroot tests skipped");
        return None;
    }
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for dir in [
        "etc", "bin", "sbin", "home/ann", "root", "dev", "proc", "tmp",
    ] {
        std::fs::create_dir_all(r.join(dir)).unwrap();
    }
    let crunch = assert_cmd::cargo::cargo_bin("crunch");
    copy_with_libraries(&crunch, r, "bin/crunch");
    // su and passwd are installed setuid root; id must not be.
    std::fs::copy(&crunch, r.join("bin/crunch-setuid")).unwrap();
    std::fs::set_permissions(
        r.join("bin/crunch-setuid"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    for (program, binary) in [
        ("login", "crunch"),
        ("id", "crunch"),
        ("su", "crunch-setuid"),
        ("passwd", "crunch-setuid"),
    ] {
        std::os::unix::fs::symlink(binary, r.join("bin").join(program)).unwrap();
    }
    for program in ["init", "poweroff"] {
        std::os::unix::fs::symlink("../bin/crunch", r.join("sbin").join(program)).unwrap();
    }
    let hash = users::crypt::crypt(b"secret", "$6$abcdefgh").unwrap();
    let root_hash = users::crypt::crypt(b"rootpw", "$6$rounds=1000$root").unwrap();
    std::fs::write(
        r.join("etc/master.passwd"),
        format!(
            "root:{root_hash}:0:0::0:0:Charlie &:/root:/bin/id\n\
             ann:{hash}:1001:1001::0:0:Ann:/home/ann:/bin/id\n\
             nopw::1002:1002::0:0::/nonexistent:/bin/id\n\
             locked:*LOCKED*{hash}:1003:1003::0:0::/:/bin/id\n"
        ),
    )
    .unwrap();
    std::fs::write(
        r.join("etc/passwd"),
        "root:*:0:0:Charlie &:/root:/bin/id\nann:*:1001:1001:Ann:/home/ann:/bin/id\n\
         nopw:*:1002:1002::/nonexistent:/bin/id\nlocked:*:1003:1003::/:/bin/id\n",
    )
    .unwrap();
    std::fs::write(
        r.join("etc/group"),
        "wheel:*:0:root,ann\nstaff:*:20:ann,nopw\nann:*:1001:\n",
    )
    .unwrap();
    std::fs::write(r.join("etc/motd"), "Welcome to Basalt\n").unwrap();
    Some(root)
}

/// Copies `program` to `root/target` and the shared libraries it needs
/// (from ldd(1)) to the same paths under `root`.
fn copy_with_libraries(program: &Path, root: &Path, target: &str) {
    std::fs::copy(program, root.join(target)).unwrap();
    let ldd = StdCommand::new("ldd").arg(program).output().unwrap();
    for word in String::from_utf8_lossy(&ldd.stdout).split_whitespace() {
        if word.starts_with('/') && Path::new(word).exists() {
            let inside = root.join(word.trim_start_matches('/'));
            std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
            std::fs::copy(word, inside).unwrap();
        }
    }
}

/// A host tool by name, found on PATH or in the system directories (the
/// commands below clear the environment, PATH with it).
fn tool(name: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
        .map(|dir| Path::new(dir).join(name))
        .find(|candidate| candidate.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn chroot(root: &Path, user: Option<&str>, program: &[&str], input: &str) -> std::process::Output {
    let mut command = StdCommand::new(tool("chroot"));
    if let Some(user) = user {
        command.arg(format!("--userspec={user}"));
    }
    let mut child = command
        .arg(root)
        .args(program)
        .env_clear()
        .env("TERM", "vt100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn login_checks_the_password_and_becomes_the_user() {
    let Some(root) = chroot_tree() else { return };
    let out = chroot(root.path(), None, &["/bin/login"], "ann\nsecret\n");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "login: Welcome to Basalt\nuid=1001(ann) gid=1001(ann) groups=1001(ann),0(wheel),20(staff)\n"
    );
    assert_eq!(text(&out.stderr), "Password: ");
}

#[test]
fn login_gives_three_tries() {
    let Some(root) = chroot_tree() else { return };
    let started = Instant::now();
    let out = chroot(
        root.path(),
        None,
        &["/bin/login"],
        "ann\nwrong\nghost\nsecret\n\nlocked\nsecret\nann\nsecret\n",
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "login: Login incorrect\nlogin: Login incorrect\nlogin: login: Login incorrect\n"
    );
    assert_eq!(text(&out.stderr), "Password: ".repeat(3));
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[test]
fn login_with_an_empty_password_and_no_home() {
    let Some(root) = chroot_tree() else { return };
    let out = chroot(root.path(), None, &["/bin/login", "nopw"], "");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "No home directory /nonexistent!\nLogging in with home = \"/\".\n\
         Welcome to Basalt\nuid=1002(nopw) gid=1002 groups=1002,20(staff)\n"
    );
    assert_eq!(text(&out.stderr), "");
    let out = chroot(
        root.path(),
        Some("1001:1001"),
        &["/bin/login", "-f", "ann"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn su_as_root_and_as_a_user() {
    let Some(root) = chroot_tree() else { return };
    let out = chroot(root.path(), None, &["/bin/su", "ann"], "");
    assert_eq!(
        (text(&out.stdout), text(&out.stderr)),
        (
            "uid=1001(ann) gid=1001(ann) groups=1001(ann),0(wheel),20(staff)\n".into(),
            String::new()
        )
    );
    // The shell gets -c and the arguments: id takes -G.
    let out = chroot(root.path(), None, &["/bin/su", "-", "ann", "-G"], "");
    assert_eq!(text(&out.stdout), "1001 0 20\n");
    let out = chroot(root.path(), Some("1001:1001"), &["/bin/su"], "rootpw\n");
    assert_eq!(text(&out.stderr), "Password: ");
    assert_eq!(
        text(&out.stdout),
        "uid=0(root) gid=0(wheel) groups=0(wheel)\n"
    );
    let out = chroot(
        root.path(),
        Some("1002:1002"),
        &["/bin/su", "ann"],
        "nope\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "Password: su: Sorry\n");
    let out = chroot(root.path(), Some("1001:1001"), &["/bin/su", "nopw"], "");
    assert_eq!(
        text(&out.stdout),
        "uid=1002(nopw) gid=1002 groups=1002,20(staff)\n"
    );
    let out = chroot(root.path(), None, &["/bin/su", "ghost"], "");
    assert_eq!(text(&out.stderr), "su: unknown login: ghost\n");
}

#[test]
fn passwd_for_root_and_for_oneself() {
    let Some(root) = chroot_tree() else { return };
    let out = chroot(
        root.path(),
        None,
        &["/bin/passwd", "ann"],
        "new one\nnew one\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "Changing local password for ann\npasswd: updating the database...\npasswd: done\n"
    );
    let check = |password| {
        users::Database::open(root.path())
            .unwrap()
            .user("ann")
            .unwrap()
            .check_password(password)
    };
    assert!(check("new one"));
    assert_eq!(mode(&root.path().join("etc/master.passwd")), 0o600);
    // A user gives the old password first, and retypes the new one.
    let out = chroot(
        root.path(),
        Some("1001:1001"),
        &["/bin/passwd"],
        "new one\nthird\nthirds\nthird\nthird\n",
    );
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("Mismatch; try again, EOF to quit.\n"));
    assert!(check("third"));
    let out = chroot(root.path(), Some("1001:1001"), &["/bin/passwd"], "wrong\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).ends_with("passwd: Sorry\n"));
    let out = chroot(root.path(), Some("1001:1001"), &["/bin/passwd", "nopw"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(check("third"));
}

/// login on a pseudo-terminal: the name is echoed, the password is not.
#[test]
fn login_hides_the_password_on_a_terminal() {
    let Some(root) = chroot_tree() else { return };
    let (mut master, slave) = open_pty();
    let mut child = StdCommand::new(tool("chroot"))
        .arg(root.path())
        .arg("/bin/login")
        .env_clear()
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let mut seen = String::new();
    expect(&mut master, &mut seen, "login: ");
    master.write_all(b"ann\n").unwrap();
    expect(&mut master, &mut seen, "Password: ");
    master.write_all(b"secret\n").unwrap();
    expect(
        &mut master,
        &mut seen,
        "groups=1001(ann),0(wheel),20(staff)",
    );
    assert!(child.wait().unwrap().success());
    assert!(seen.contains("login: ann\r\n"), "{seen:?}");
    assert!(!seen.contains("secret"), "{seen:?}");
}

/// halt, reboot and poweroff signal PID 1 (here: init in a namespace, so
/// the host is never asked) and init takes each as its own kind of stop.
#[test]
fn each_stop_name_signals_init_its_way() {
    use std::os::unix::process::ExitStatusExt;
    let Some(root) = chroot_tree() else { return };
    let r = root.path();
    if !Path::new("/bin/dash").exists() {
        eprintln!("no dash: skipped");
        return;
    }
    copy_with_libraries(Path::new("/bin/dash"), r, "bin/sh");
    for name in ["halt", "reboot"] {
        std::os::unix::fs::symlink("../bin/crunch", r.join("sbin").join(name)).unwrap();
    }
    // In a PID namespace reboot(2) ends init: with SIGHUP to restart, SIGINT
    // to power off or halt.
    for (name, signal) in [
        ("halt", libc::SIGINT),
        ("reboot", libc::SIGHUP),
        ("poweroff", libc::SIGINT),
    ] {
        std::fs::write(r.join("etc/rc"), format!("/sbin/{name}\n")).unwrap();
        let Some(out) = init_in_namespace(r) else {
            return;
        };
        let stderr = text(&out.stderr);
        assert!(stderr.contains("init: shutting down\n"), "{name}: {stderr}");
        let ended_by = out.status.signal().or(out.status.code().map(|c| c - 128));
        assert_eq!(ended_by, Some(signal), "{name}: {:?}\n{stderr}", out.status);
    }
}

/// Runs the tree's /sbin/init as process 1 of new PID, mount and UTS
/// namespaces; `None` (skipped) where namespaces cannot be made.
fn init_in_namespace(root: &Path) -> Option<std::process::Output> {
    let namespaces = ["--fork", "--pid", "--mount", "--uts"];
    let probe = StdCommand::new(tool("unshare"))
        .args(namespaces)
        .arg("true")
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("no namespaces: skipped");
        return None;
    }
    let out = StdCommand::new(tool("timeout"))
        .arg("60")
        .arg(tool("unshare"))
        .args(namespaces)
        .arg(tool("chroot"))
        .arg(root)
        .arg("/sbin/init")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some(out)
}

/// getty on a terminal given as its standard input: the banner, the
/// prompt, then login with the name typed.
#[test]
fn getty_greets_and_hands_the_name_to_login() {
    let Some(root) = chroot_tree() else { return };
    std::os::unix::fs::symlink("../bin/crunch", root.path().join("sbin/getty")).unwrap();
    let (mut master, slave) = open_pty();
    let mut child = StdCommand::new(tool("chroot"))
        .arg(root.path())
        .arg("/sbin/getty")
        .env_clear()
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let mut seen = String::new();
    expect(&mut master, &mut seen, "login: ");
    // SAFETY: utsname is plain data that uname fills.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname writes one utsname.
    assert_eq!(unsafe { libc::uname(&mut uts) }, 0);
    let field = |f: &[libc::c_char]| {
        // SAFETY: uname NUL-terminates each field.
        unsafe { std::ffi::CStr::from_ptr(f.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    let banner = format!(
        "\r\n{}/{} ({}) (console)\r\n\r\nlogin: ",
        field(&uts.sysname),
        field(&uts.machine),
        field(&uts.nodename)
    );
    // With ONLCR, each \n of the banner's \r\n goes out as \r\n.
    assert_eq!(seen, banner.replace('\n', "\r\n"));
    master.write_all(b"\n-f\nann\n").unwrap();
    expect(&mut master, &mut seen, "Password: ");
    master.write_all(b"secret\n").unwrap();
    expect(&mut master, &mut seen, "uid=1001(ann)");
    assert!(child.wait().unwrap().success());
    // The empty line and the option-like name were asked again.
    assert_eq!(seen.matches("login: ").count(), 3, "{seen:?}");
    assert!(seen.contains("Password: \r\nWelcome to Basalt"), "{seen:?}");
    assert!(!seen.contains("secret"), "{seen:?}");
}

fn open_pty() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors; the other pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: openpty returned two open descriptors that nothing else owns.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    }
}

/// Reads from `master` into `seen` until `wanted` appears (10 s at most).
fn expect(master: &mut std::fs::File, seen: &mut String, wanted: &str) {
    use std::os::fd::AsRawFd;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(wanted) {
        assert!(Instant::now() < deadline, "no {wanted:?} in {seen:?}");
        let mut poll = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll reads and writes one pollfd.
        if unsafe { libc::poll(&mut poll, 1, 100) } <= 0 {
            continue;
        }
        let mut buffer = [0u8; 256];
        match master.read(&mut buffer) {
            Ok(n) if n > 0 => seen.push_str(&String::from_utf8_lossy(&buffer[..n])),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// init as process 1 of a new PID, mount and UTS namespace, chrooted in a
/// tree whose /bin/sh is the host's dash: it mounts /proc and the fstab's
/// tmpfs, names the host, runs /etc/rc, which asks it to power off, and
/// shuts down; in a PID namespace reboot(2) ends init with SIGINT.
#[test]
fn init_boots_runs_rc_and_shuts_down_in_a_namespace() {
    use std::os::unix::process::ExitStatusExt;
    let Some(root) = chroot_tree() else { return };
    let r = root.path();
    if !Path::new("/bin/dash").exists() {
        eprintln!("no dash: skipped");
        return;
    }
    copy_with_libraries(Path::new("/bin/dash"), r, "bin/sh");
    std::fs::write(
        r.join("etc/fstab"),
        "none /tmp tmpfs rw,nosuid,size=1m 0 0\n",
    )
    .unwrap();
    std::fs::write(
        r.join("etc/rc.conf"),
        "# settings\nhostname=\"basalt-test\"\n",
    )
    .unwrap();
    std::fs::write(
        r.join("etc/rc"),
        "read host < /proc/sys/kernel/hostname\necho \"rc: host $host\"\n\
         while read dev dir type rest; do\n  case $dir in /tmp) echo \"rc: $dir $type $rest\";; esac\n\
         done < /proc/mounts\n\
         (while :; do :; done &)\n/sbin/poweroff && echo rc: signalled\n",
    )
    .unwrap();
    let Some(out) = init_in_namespace(r) else {
        return;
    };
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        stdout.contains("rc: host basalt-test\n"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("rc: /tmp tmpfs rw,nosuid,"),
        "{stdout}\n{stderr}"
    );
    assert!(stdout.contains("rc: signalled\n"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("init: shutting down\n"),
        "{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("processes did not stop"), "{stderr}");
    let ended_by = out.status.signal().or(out.status.code().map(|c| c - 128));
    assert_eq!(ended_by, Some(libc::SIGINT), "{:?}\n{stderr}", out.status);
}
