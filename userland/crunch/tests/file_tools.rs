//! The file and system tools against independent judges: GNU coreutils and
//! findutils on this host (busybox where GNU has nothing), run on the same
//! inputs. Tests that need root skip with a message when not root.

use assert_cmd::Command;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Output;

/// Our program NAME, run in `dir` with a fixed locale and time zone.
fn ours(name: &str, args: &[&str], dir: &Path) -> Output {
    Command::cargo_bin("crunch")
        .unwrap()
        .arg(name)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env_remove("COLUMNS")
        .output()
        .unwrap()
}

/// The host's program, same conditions.
fn judge(program: &str, args: &[&str], dir: &Path) -> Output {
    std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env_remove("COLUMNS")
        .env_remove("LS_COLORS")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn errors(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs ours and the judge with the same arguments and compares stdout and status.
fn same(name: &str, args: &[&str], dir: &Path) {
    let mine = ours(name, args, dir);
    let theirs = judge(name, args, dir);
    assert_eq!(
        text(&mine),
        text(&theirs),
        "{name} {args:?}: stdout differs (stderr: {})",
        errors(&mine)
    );
    assert_eq!(
        mine.status.code(),
        theirs.status.code(),
        "{name} {args:?}: status"
    );
}

fn sorted(s: &str) -> Vec<String> {
    let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn set_mtime(path: &Path, seconds: i64) {
    let status = std::process::Command::new("touch")
        .args(["-h", "-d", &format!("@{seconds}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// A small tree with every kind of entry, fixed modes and fixed times, some
/// recent and some old.
fn tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    let write = |name: &str, bytes: usize, mode: u32| {
        let p = root.join(name);
        std::fs::write(&p, vec![b'x'; bytes]).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    std::fs::create_dir_all(root.join("dir/sub/deep")).unwrap();
    std::fs::create_dir(root.join("sticky")).unwrap();
    std::fs::set_permissions(root.join("sticky"), std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::create_dir(root.join(".hidden")).unwrap();
    std::fs::create_dir(root.join("empty")).unwrap();
    write("a.txt", 10, 0o644);
    write("B.TXT", 5000, 0o600);
    write("run.sh", 100, 0o755);
    write("setuid", 20000, 0o4755);
    write("setgid", 1, 0o2640);
    write(".dotfile", 3, 0o644);
    write("dir/one.c", 1500, 0o644);
    write("dir/sub/two.c", 70000, 0o664);
    write("dir/sub/deep/three.h", 0, 0o444);
    std::fs::hard_link(root.join("a.txt"), root.join("dir/hard")).unwrap();
    std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
    std::os::unix::fs::symlink("dir", root.join("dirlink")).unwrap();
    std::os::unix::fs::symlink("missing", root.join("dangling")).unwrap();
    mkfifo(&root.join("fifo"));
    let recent = now() - 86400 * 3;
    let old = 1_577_934_245; // 2020-01-02
    let entries = [
        ("a.txt", recent),
        ("B.TXT", old),
        ("run.sh", recent - 7000),
        ("setuid", old - 86400),
        ("setgid", recent - 60),
        (".dotfile", old + 5),
        ("dir/one.c", recent - 1),
        ("dir/sub/two.c", old),
        ("dir/sub/deep/three.h", recent - 120),
        ("link", recent - 10),
        ("dirlink", old - 10),
        ("dangling", recent - 20),
        ("fifo", old + 100),
        ("dir/sub/deep", old + 1),
        ("dir/sub", recent - 30),
        ("dir", old + 2),
        ("sticky", recent - 40),
        ("empty", recent - 50),
        (".hidden", old + 3),
    ];
    for (name, t) in entries {
        set_mtime(&root.join(name), t);
    }
    set_mtime(root, recent);
    t
}

#[test]
fn ls_long_formats_match_gnu() {
    let t = tree();
    for args in [
        &["-l"][..],
        &["-la"],
        &["-lA"],
        &["-ln"],
        &["-lR"],
        &["-lt"],
        &["-ltr"],
        &["-lS"],
        &["-lh"],
        &["-li"],
        &["-ls"],
        &["-lF"],
        &["-ld", "dir", "link", "a.txt"],
        &["-l", "dir", "a.txt", "link", "sticky"],
        &["-lc", "dir"],
        &["-lu", "-t", "dir"],
        &["-l", "/dev/null", "/dev/zero"],
    ] {
        same("ls", args, t.path());
    }
}

#[test]
fn ls_short_formats_match_gnu() {
    let t = tree();
    for args in [
        &[][..],
        &["-1"],
        &["-a"],
        &["-A"],
        &["-F"],
        &["-p"],
        &["-R"],
        &["-r"],
        &["-t"],
        &["-S"],
        &["-1s"],
        &["-1i"],
        &["-d", "dir", "dirlink"],
        &["dirlink"],
        &["dir", "sticky", "a.txt"],
        &["-R", "dir"],
        &["--color=never", "-a"],
        &["-c"],
        &["-u"],
        &["-1rc"],
    ] {
        same("ls", args, t.path());
    }
}

#[test]
fn ls_columns_match_gnu() {
    let t = tree();
    for name in [
        "alpha",
        "beta",
        "gamma_long_name",
        "d",
        "e",
        "f",
        "g",
        "hhhhhhhhh",
        "i",
    ] {
        std::fs::write(t.path().join(name), "").unwrap();
    }
    for width in ["20", "40", "80", "200"] {
        for args in [&["-C"][..], &["-Cs"], &["-CF"], &["-C", "-r"]] {
            let mine = Command::cargo_bin("crunch")
                .unwrap()
                .arg("ls")
                .args(args)
                .current_dir(t.path())
                .env("COLUMNS", width)
                .output()
                .unwrap();
            // GNU pads with tabs; expand(1) turns them back into spaces.
            let gnu = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("ls {} | expand", args.join(" ")))
                .current_dir(t.path())
                .env("COLUMNS", width)
                .env("LC_ALL", "C")
                .output()
                .unwrap();
            assert_eq!(text(&mine), text(&gnu), "ls {args:?} at width {width}");
        }
    }
}

#[test]
fn ls_reports_missing_files_and_goes_on() {
    let t = tree();
    let out = ours("ls", &["nope", "a.txt"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "ls: nope: No such file or directory\n");
    assert_eq!(text(&out), "a.txt\n");
    let out = ours("ls", &["-y"], t.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(errors(&out).starts_with("ls: unknown option -- y\nusage: ls"));
}

#[test]
fn chmod_modes_match_gnu() {
    let t = tempfile::tempdir().unwrap();
    let modes = [
        "u+x",
        "go-w",
        "a=r",
        "+x",
        "+w",
        "=",
        "u=g",
        "a+X",
        "u+s,g+s,+t",
        "o+s",
        "u=rwx,g=rx,o=",
        "u-x+w",
        "g=u,o-rwx",
        "=rwx,o-w",
        "a-x+X",
        "ug=rw,o=r",
        "u+t",
        "-w",
        "-x",
        "+s",
        "g=o",
        "go=u-w",
        "755",
        "4755",
        "0",
        "1777",
        "a=,u+s",
        "o=t",
        "u=rw,+X",
        "a+rwxst",
        "g-s",
    ];
    let starts = [0o000, 0o644, 0o755, 0o4750, 0o2711, 0o777, 0o1000, 0o6444];
    let gnu = t.path().join("gnu");
    let mine = t.path().join("mine");
    for mode in modes {
        for start in starts {
            for dir in [false, true] {
                for p in [&gnu, &mine] {
                    let _ = std::fs::remove_dir(p);
                    let _ = std::fs::remove_file(p);
                    if dir {
                        std::fs::create_dir(p).unwrap();
                    } else {
                        std::fs::write(p, "").unwrap();
                    }
                    std::fs::set_permissions(p, std::fs::Permissions::from_mode(start)).unwrap();
                }
                let theirs = judge("chmod", &["--", mode, "gnu"], t.path());
                let out = ours("chmod", &["--", mode, "mine"], t.path());
                assert!(out.status.success(), "chmod {mode}: {}", errors(&out));
                let a = std::fs::metadata(&gnu).unwrap().mode() & 0o7777;
                let b = std::fs::metadata(&mine).unwrap().mode() & 0o7777;
                assert_eq!(
                    a, b,
                    "chmod {mode} on {start:o} (dir: {dir}; gnu: {theirs:?})"
                );
            }
        }
    }
}

#[test]
fn chmod_recursive_and_errors() {
    let t = tree();
    let out = ours("chmod", &["-R", "go-rwx", "dir"], t.path());
    assert!(out.status.success());
    for p in ["dir", "dir/one.c", "dir/sub", "dir/sub/deep/three.h"] {
        let mode = std::fs::metadata(t.path().join(p)).unwrap().mode();
        assert_eq!(mode & 0o077, 0, "{p}");
    }
    // The link operand is followed; the link itself never changes.
    let out = ours("chmod", &["600", "link"], t.path());
    assert!(out.status.success());
    assert_eq!(
        std::fs::metadata(t.path().join("a.txt")).unwrap().mode() & 0o777,
        0o600
    );
    let out = ours("chmod", &["u+q", "a.txt"], t.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(errors(&out).starts_with("chmod: invalid file mode: u+q\n"));
    assert_eq!(ours("chmod", &["644"], t.path()).status.code(), Some(2));
    let out = ours("chmod", &["644", "nope"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "chmod: nope: No such file or directory\n");
}

#[test]
fn mkdir_and_rmdir() {
    let t = tempfile::tempdir().unwrap();
    let out = ours("mkdir", &["-p", "-m", "700", "a/b/c"], t.path());
    assert!(out.status.success(), "{}", errors(&out));
    let mode = |p: &str| std::fs::metadata(t.path().join(p)).unwrap().mode() & 0o7777;
    assert_eq!(mode("a/b/c"), 0o700);
    assert_eq!(mode("a/b"), 0o755);
    assert!(ours("mkdir", &["-p", "a/b/c"], t.path()).status.success());
    let out = ours("mkdir", &["a"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "mkdir: a: File exists\n");
    assert!(
        ours("mkdir", &["-m", "a=rwx,o-w", "x"], t.path())
            .status
            .success()
    );
    assert_eq!(mode("x"), 0o775);
    assert_eq!(ours("mkdir", &[], t.path()).status.code(), Some(2));
    let out = ours("rmdir", &["a"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "rmdir: a: Directory not empty\n");
    assert!(ours("rmdir", &["-p", "a/b/c"], t.path()).status.success());
    assert!(!t.path().join("a").exists());
    assert_eq!(ours("rmdir", &[], t.path()).status.code(), Some(2));
}

#[test]
fn rm_removes_and_refuses() {
    let t = tree();
    let out = ours("rm", &["dir"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "rm: dir: Is a directory\n");
    let out = ours("rm", &["nope"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "rm: nope: No such file or directory\n");
    assert_eq!(ours("rm", &["-f", "nope"], t.path()).status.code(), Some(0));
    assert_eq!(ours("rm", &["-f"], t.path()).status.code(), Some(0));
    assert_eq!(ours("rm", &[], t.path()).status.code(), Some(2));
    for refused in [".", "..", "dir/..", "/"] {
        let out = ours("rm", &["-rf", refused], t.path());
        assert_eq!(out.status.code(), Some(1), "rm -rf {refused}");
        assert!(
            errors(&out).contains("may not be removed"),
            "{}",
            errors(&out)
        );
    }
    assert!(t.path().join("dir").exists());
    assert!(ours("rm", &["-d", "empty"], t.path()).status.success());
    assert!(!t.path().join("empty").exists());
    let out = ours("rm", &["-rv", "dir", "link", "dangling"], t.path());
    assert!(out.status.success(), "{}", errors(&out));
    assert!(text(&out).contains("removed 'dir/sub/deep/three.h'"));
    assert!(!t.path().join("dir").exists());
    assert!(
        t.path().join("a.txt").exists(),
        "rm of a link keeps its target"
    );
    let out = Command::cargo_bin("crunch")
        .unwrap()
        .args(["rm", "-i", "a.txt", "run.sh"])
        .current_dir(t.path())
        .write_stdin("n\ny\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(t.path().join("a.txt").exists());
    assert!(!t.path().join("run.sh").exists());
}

/// Name, mode, time, type, link target and owner of every file under `dir`,
/// and the checksum of every regular file, by GNU find, stat and cksum.
/// (Directory sizes are left out: they differ between file systems.)
fn describe(dir: &Path) -> Vec<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("find . -exec stat -c '%n %a %Y %F %N %u %g' {} + && find . -type f -exec cksum {} +")
        .current_dir(dir)
        .output()
        .unwrap();
    sorted(&text(&out))
}

#[test]
fn cp_archive_preserves_like_gnu() {
    let t = tree();
    std::fs::remove_file(t.path().join("fifo")).unwrap();
    let src = t.path();
    let dest = tempfile::tempdir().unwrap();
    let gnu = judge("cp", &["-a", src.to_str().unwrap(), "gnu"], dest.path());
    assert!(gnu.status.success());
    let out = ours("cp", &["-a", src.to_str().unwrap(), "mine"], dest.path());
    assert!(out.status.success(), "{}", errors(&out));
    assert_eq!(
        describe(&dest.path().join("mine")),
        describe(&dest.path().join("gnu"))
    );
    // -R -p is -a without links kept as links... which -R does anyway.
    let out = ours("cp", &["-Rp", src.to_str().unwrap(), "rp"], dest.path());
    assert!(out.status.success());
    assert_eq!(
        describe(&dest.path().join("rp")),
        describe(&dest.path().join("gnu"))
    );
}

#[test]
fn cp_files_and_directories() {
    let t = tree();
    let p = t.path();
    // Without -p the copy has the source's mode cut by the umask and a new time.
    let out = ours("cp", &["setuid", "copy"], p);
    assert!(out.status.success());
    assert_eq!(std::fs::read(p.join("copy")).unwrap().len(), 20000);
    assert_ne!(
        std::fs::metadata(p.join("copy")).unwrap().mtime(),
        std::fs::metadata(p.join("setuid")).unwrap().mtime()
    );
    // file -> dir, several -> dir, a link followed without -R.
    assert!(ours("cp", &["a.txt", "empty"], p).status.success());
    assert!(
        ours("cp", &["run.sh", "link", "sticky"], p)
            .status
            .success()
    );
    assert!(p.join("empty/a.txt").is_file());
    assert!(
        !std::fs::symlink_metadata(p.join("sticky/link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // -n keeps, -f replaces, a directory needs -R.
    std::fs::write(p.join("keep"), "old").unwrap();
    assert!(ours("cp", &["-n", "a.txt", "keep"], p).status.success());
    assert_eq!(std::fs::read_to_string(p.join("keep")).unwrap(), "old");
    let out = ours("cp", &["dir", "elsewhere"], p);
    assert_eq!(out.status.code(), Some(1));
    assert!(!p.join("elsewhere").exists());
    let out = ours("cp", &["-R", "dir", "dir/sub/inside"], p);
    assert_eq!(out.status.code(), Some(1));
    assert!(errors(&out).contains("into itself"), "{}", errors(&out));
    let out = ours("cp", &["a.txt", "a.txt"], p);
    assert_eq!(out.status.code(), Some(1));
    let out = ours("cp", &["nope", "x"], p);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "cp: nope: No such file or directory\n");
    assert_eq!(ours("cp", &["a.txt"], p).status.code(), Some(2));
    let out = ours("cp", &["a.txt", "B.TXT", "run.sh"], p);
    assert_eq!(out.status.code(), Some(1));
    // -R onto an existing directory copies inside it, as GNU does.
    assert!(ours("cp", &["-R", "dir", "empty"], p).status.success());
    assert!(judge("cp", &["-R", "dir", "sticky"], p).status.success());
    assert_eq!(
        sorted(&text(&judge("find", &["."], &p.join("empty/dir")))),
        sorted(&text(&judge("find", &["."], &p.join("sticky/dir"))))
    );
}

#[test]
fn mv_renames_and_moves_across_file_systems() {
    let t = tree();
    let p = t.path();
    assert!(ours("mv", &["a.txt", "moved"], p).status.success());
    assert!(!p.join("a.txt").exists() && p.join("moved").exists());
    assert!(ours("mv", &["moved", "B.TXT", "empty"], p).status.success());
    assert!(p.join("empty/moved").exists() && p.join("empty/B.TXT").exists());
    let out = ours("mv", &["run.sh", "run.sh"], p);
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(p.join("other"), "keep").unwrap();
    assert!(ours("mv", &["-n", "setgid", "other"], p).status.success());
    assert_eq!(std::fs::read_to_string(p.join("other")).unwrap(), "keep");
    let out = ours("mv", &["nope", "x"], p);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "mv: nope: No such file or directory\n");
    assert_eq!(ours("mv", &["x"], p).status.code(), Some(2));
    // /dev/shm is a tmpfs on most Linux hosts: a different file system.
    let shm = Path::new("/dev/shm");
    let across = shm.is_dir()
        && std::fs::metadata(shm).unwrap().dev() != std::fs::metadata(p).unwrap().dev();
    if !across {
        eprintln!("skipped the cross-device part: /dev/shm is not another file system here");
        return;
    }
    let away = tempfile::tempdir_in(shm).unwrap();
    let before = describe(&p.join("dir"));
    let out = ours(
        "mv",
        &[
            p.join("dir").to_str().unwrap(),
            away.path().to_str().unwrap(),
        ],
        p,
    );
    assert!(out.status.success(), "{}", errors(&out));
    assert!(!p.join("dir").exists());
    assert_eq!(describe(&away.path().join("dir")), before);
}

#[test]
fn ln_makes_links() {
    let t = tree();
    let p = t.path();
    assert!(ours("ln", &["-s", "a.txt", "sym"], p).status.success());
    assert_eq!(
        std::fs::read_link(p.join("sym")).unwrap(),
        Path::new("a.txt")
    );
    assert!(ours("ln", &["a.txt", "hard2"], p).status.success());
    assert_eq!(
        std::fs::metadata(p.join("hard2")).unwrap().ino(),
        std::fs::metadata(p.join("a.txt")).unwrap().ino()
    );
    let out = ours("ln", &["-s", "run.sh", "sym"], p);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "ln: sym: File exists\n");
    assert!(ours("ln", &["-sf", "run.sh", "sym"], p).status.success());
    assert_eq!(
        std::fs::read_link(p.join("sym")).unwrap(),
        Path::new("run.sh")
    );
    // Several into a directory; -n treats a link to a directory as a file.
    assert!(
        ours("ln", &["-s", "../a.txt", "../run.sh", "empty"], p)
            .status
            .success()
    );
    assert_eq!(
        std::fs::read_link(p.join("empty/run.sh")).unwrap(),
        Path::new("../run.sh")
    );
    assert!(
        ours("ln", &["-sfn", "sticky", "dirlink"], p)
            .status
            .success()
    );
    assert_eq!(
        std::fs::read_link(p.join("dirlink")).unwrap(),
        Path::new("sticky")
    );
    assert!(!p.join("dir/sticky").exists());
    assert_eq!(ours("ln", &["dir", "dirhard"], p).status.code(), Some(1));
    assert_eq!(ours("ln", &[], p).status.code(), Some(2));
}

#[test]
fn pwd_logical_and_physical() {
    let t = tree();
    let real = t.path().canonicalize().unwrap();
    let via_link = real.join("dirlink");
    let run = |args: &[&str], pwd: &Path| {
        let out = Command::cargo_bin("crunch")
            .unwrap()
            .arg("pwd")
            .args(args)
            .current_dir(&via_link)
            .env("PWD", pwd)
            .output()
            .unwrap();
        text(&out)
    };
    assert_eq!(run(&[], &via_link), format!("{}\n", via_link.display()));
    assert_eq!(run(&["-L"], &via_link), format!("{}\n", via_link.display()));
    assert_eq!(
        run(&["-P"], &via_link),
        format!("{}\n", real.join("dir").display())
    );
    // A stale $PWD is not believed.
    assert_eq!(run(&[], &real), format!("{}\n", real.join("dir").display()));
}

#[test]
fn touch_sets_times_like_gnu() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    for args in [
        &["-t", "202001021030"][..],
        &["-t", "9901020304.05"],
        &["-t", "7001010000"],
        &["-d", "2021-05-06 07:08:09"],
        &["-d", "2021-05-06T07:08:09.25"],
        &["-d", "@1234567890"],
        &["-a", "-t", "202001021030"],
        &["-m", "-d", "2022-02-02"],
        &["-r", "/etc/passwd"],
    ] {
        for name in ["gnu", "mine"] {
            std::fs::write(p.join(name), "").unwrap();
            set_mtime(&p.join(name), 1_000_000_000);
        }
        let mut gnu_args = args.to_vec();
        gnu_args.push("gnu");
        let mut my_args = args.to_vec();
        my_args.push("mine");
        assert!(judge("touch", &gnu_args, p).status.success());
        let out = ours("touch", &my_args, p);
        assert!(out.status.success(), "touch {args:?}: {}", errors(&out));
        let gnu = std::fs::metadata(p.join("gnu")).unwrap();
        let mine = std::fs::metadata(p.join("mine")).unwrap();
        assert_eq!(
            (mine.mtime(), mine.mtime_nsec()),
            (gnu.mtime(), gnu.mtime_nsec()),
            "touch {args:?}"
        );
        if !args.contains(&"-m") {
            assert_eq!(mine.atime(), gnu.atime(), "touch {args:?} atime");
        }
    }
    assert!(ours("touch", &["-c", "absent"], p).status.success());
    assert!(!p.join("absent").exists());
    assert!(ours("touch", &["new"], p).status.success());
    assert!(p.join("new").is_file());
    let out = ours("touch", &["-t", "2020130112", "new"], p);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(ours("touch", &[], p).status.code(), Some(2));
    let out = ours("touch", &["no/such/dir"], p);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        errors(&out),
        "touch: no/such/dir: No such file or directory\n"
    );
}

#[test]
fn chown_by_name_and_number() {
    if !is_root() {
        eprintln!("skipped: chown needs root");
        return;
    }
    let t = tree();
    let p = t.path();
    let ids = |f: &str| {
        let m = std::fs::symlink_metadata(p.join(f)).unwrap();
        (m.uid(), m.gid())
    };
    assert!(ours("chown", &["12:34", "a.txt"], p).status.success());
    assert_eq!(ids("a.txt"), (12, 34));
    assert!(ours("chown", &["root", "a.txt"], p).status.success());
    assert_eq!(ids("a.txt"), (0, 34));
    assert!(ours("chown", &[":root", "a.txt"], p).status.success());
    assert_eq!(ids("a.txt"), (0, 0));
    // A name from /etc/passwd, and `user:` for its login group.
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let daemon: Vec<&str> = passwd
        .lines()
        .find(|l| l.starts_with("daemon:"))
        .unwrap()
        .split(':')
        .collect();
    assert!(ours("chown", &["daemon:", "run.sh"], p).status.success());
    assert_eq!(
        ids("run.sh"),
        (daemon[2].parse().unwrap(), daemon[3].parse().unwrap())
    );
    // -h changes the link, not its target; -R the whole tree.
    assert!(ours("chown", &["-h", "7:7", "link"], p).status.success());
    assert_eq!(ids("link"), (7, 7));
    assert_eq!(ids("a.txt"), (0, 0));
    assert!(ours("chown", &["-R", "5:6", "dir"], p).status.success());
    for f in ["dir", "dir/sub/two.c", "dir/sub/deep/three.h"] {
        assert_eq!(ids(f), (5, 6), "{f}");
    }
    let out = ours("chown", &["no-such-user-here", "a.txt"], p);
    assert_eq!(out.status.code(), Some(1));
    assert!(errors(&out).contains("no-such-user-here"));
    assert_eq!(ours("chown", &["root"], p).status.code(), Some(2));
}

#[test]
fn find_expressions_match_gnu() {
    let t = tree();
    let expressions: &[&[&str]] = &[
        &[],
        &["-name", "*.c"],
        &["-iname", "b*"],
        &["-path", "*sub*"],
        &["-type", "f"],
        &["-type", "d"],
        &["-type", "l"],
        &["-type", "p"],
        &["-type", "f,l"],
        &["-size", "+1k"],
        &["-size", "-2"],
        &["-size", "1500c"],
        &["-size", "0"],
        &["-empty"],
        &["-maxdepth", "1"],
        &["-mindepth", "2"],
        &["-mindepth", "1", "-maxdepth", "2", "-type", "f"],
        &["-mtime", "+100"],
        &["-mtime", "-10"],
        &["-newer", "B.TXT"],
        &["-perm", "644"],
        &["-perm", "-4000"],
        &["-perm", "/022"],
        &["-perm", "-u=rw,g=r"],
        &["-user", "root"],
        &["-group", "0"],
        &["-name", "dir", "-prune", "-o", "-print"],
        &["(", "-name", "*.c", "-o", "-name", "*.h", ")", "-type", "f"],
        &["!", "-type", "d", "-a", "!", "-name", ".*"],
        &["-not", "-name", "*.c", "-and", "-type", "f"],
        &["-depth", "-name", "s*"],
        &["-name", "*.c", "-print0"],
        &[
            "-type", "f", "-name", "a*", "-o", "-type", "d", "-name", "e*",
        ],
        &["-false", "-o", "-true", "-name", "run.sh"],
    ];
    for expr in expressions {
        for start in [&["."][..], &["dir", "a.txt"], &["dirlink"]] {
            let mut args: Vec<&str> = start.to_vec();
            args.extend_from_slice(expr);
            let mine = ours("find", &args, t.path());
            let gnu = judge("find", &args, t.path());
            assert_eq!(sorted(&text(&mine)), sorted(&text(&gnu)), "find {args:?}");
            assert_eq!(mine.status.code(), gnu.status.code(), "find {args:?}");
        }
    }
}

#[test]
fn find_exec_and_delete() {
    let t = tree();
    let p = t.path();
    for args in [
        &[".", "-name", "*.c", "-exec", "echo", "found:{}", ";"][..],
        &[".", "-type", "f", "-exec", "ls", "-1", "{}", "+"],
        &[
            ".", "-name", "*.c", "-exec", "false", ";", "-o", "-name", "*.h", "-print",
        ],
        &["dir", "-exec", "test", "-d", "{}", ";", "-print"],
    ] {
        let mine = ours("find", args, p);
        let gnu = judge("find", args, p);
        assert_eq!(sorted(&text(&mine)), sorted(&text(&gnu)), "find {args:?}");
    }
    // A failing `{} +` command makes find fail, as POSIX says.
    assert_eq!(
        ours("find", &[".", "-exec", "false", "{}", "+"], p)
            .status
            .code(),
        Some(1)
    );
    let copy = tempfile::tempdir().unwrap();
    assert!(
        judge(
            "cp",
            &["-a", "dir", copy.path().join("gnu").to_str().unwrap()],
            p
        )
        .status
        .success()
    );
    assert!(
        judge(
            "cp",
            &["-a", "dir", copy.path().join("mine").to_str().unwrap()],
            p
        )
        .status
        .success()
    );
    assert!(
        judge("find", &["gnu", "-name", "*.c", "-delete"], copy.path())
            .status
            .success()
    );
    assert!(
        ours("find", &["mine", "-name", "*.c", "-delete"], copy.path())
            .status
            .success()
    );
    assert!(
        judge("find", &["gnu", "-name", "deep", "-delete"], copy.path())
            .status
            .code()
            == Some(1)
    );
    assert_eq!(
        ours("find", &["mine", "-name", "deep", "-delete"], copy.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        sorted(&text(&judge("find", &["."], &copy.path().join("gnu")))),
        sorted(&text(&judge("find", &["."], &copy.path().join("mine"))))
    );
    let out = ours("find", &["nope"], p);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "find: nope: No such file or directory\n");
    for bad in [
        &[".", "-bogus"][..],
        &[".", "-name"],
        &[".", "-exec", "ls"],
        &[".", "(", "-true"],
        &[".", "-type", "q"],
    ] {
        assert_eq!(ours("find", bad, p).status.code(), Some(2), "find {bad:?}");
    }
}

#[test]
fn stat_matches_gnu() {
    let t = tree();
    // Reading a link (for %N) may update its access time: %X only for the others.
    let format = "%n|%s|%a|%A|%F|%u|%U|%g|%G|%i|%h|%Y|%Z|%y|%N|%b|%o|%d|%%|%-6s|%6a|";
    for file in [
        "a.txt",
        "setuid",
        "sticky",
        "link",
        "dangling",
        "fifo",
        "dir",
        "/dev/null",
        "empty",
    ] {
        same("stat", &["-c", format, file], t.path());
        if !file.contains("link") && file != "dangling" {
            same("stat", &["-c", "%X %x", file], t.path());
        }
        same("stat", &["-L", "-c", "%n %s %F %a", file], t.path());
        // GNU shows a birth time where the file system records one; Basalt's do not.
        let mine = text(&ours("stat", &[file], t.path()));
        let gnu = text(&judge("stat", &[file], t.path()));
        let without_birth = |s: &str| {
            s.lines()
                .filter(|l| !l.starts_with(" Birth"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(without_birth(&mine), without_birth(&gnu), "stat {file}");
    }
    let out = ours("stat", &["nope", "a.txt"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "stat: nope: No such file or directory\n");
    assert_eq!(ours("stat", &[], t.path()).status.code(), Some(2));
}

#[test]
fn du_matches_gnu() {
    let t = tree();
    // Which of two hard links is counted depends on the walk's order, which
    // differs (GNU keeps the directory's); only hard links in one place compare.
    std::fs::remove_file(t.path().join("dir/hard")).unwrap();
    for args in [
        &[][..],
        &["-a"],
        &["-s"],
        &["-k"],
        &["-c", "dir", "a.txt"],
        &["-d", "1"],
        &["-d", "0", "dir"],
        &["-h", "-a"],
        &["-sh", "dir", "sticky"],
        &["-x"],
    ] {
        let mine = ours("du", args, t.path());
        let gnu = judge("du", args, t.path());
        assert_eq!(sorted(&text(&mine)), sorted(&text(&gnu)), "du {args:?}");
    }
    std::fs::write(t.path().join("sticky/big"), vec![1u8; 100_000]).unwrap();
    std::fs::hard_link(t.path().join("sticky/big"), t.path().join("sticky/again")).unwrap();
    for args in [
        &["-s"][..],
        &["-c", "sticky", "."],
        &["sticky/big", "sticky/again"],
    ] {
        let mine = ours("du", args, t.path());
        let gnu = judge("du", args, t.path());
        assert_eq!(text(&mine), text(&gnu), "du {args:?} with hard links");
    }
    let out = ours("du", &["nope"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "du: nope: No such file or directory\n");
    assert_eq!(ours("du", &["-s", "-a"], t.path()).status.code(), Some(2));
}

#[test]
fn df_matches_gnu() {
    let t = tempfile::tempdir().unwrap();
    let here = t.path().to_str().unwrap();
    for args in [
        &[here][..],
        &["-k", here, "/"],
        &["-i", here],
        &["-T", here],
        &["-h", "-T", here],
    ] {
        let mine = text(&ours("df", args, t.path()));
        let gnu = text(&judge("df", args, t.path()));
        // Free space moves while the tests of others write; compare the fixed columns.
        let fixed = |s: &str| -> Vec<Vec<String>> {
            s.lines()
                .map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    let mut keep: Vec<String> = f
                        .iter()
                        .take(if args.contains(&"-T") { 2 } else { 1 })
                        .map(|s| s.to_string())
                        .collect();
                    keep.push(f.last().unwrap().to_string());
                    keep
                })
                .collect()
        };
        assert_eq!(fixed(&mine), fixed(&gnu), "df {args:?}:\n{mine}\n{gnu}");
        assert_eq!(
            mine.lines().next(),
            gnu.lines().next(),
            "df {args:?} header"
        );
    }
    let out = ours("df", &["/nope"], t.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn mount_lists_mounts_and_tmpfs_comes_and_goes() {
    let t = tempfile::tempdir().unwrap();
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    let listed = text(&ours("mount", &[], t.path()));
    assert_eq!(listed.lines().count(), mounts.lines().count());
    let first: Vec<&str> = mounts.lines().next().unwrap().split(' ').collect();
    assert_eq!(
        listed.lines().next().unwrap(),
        format!(
            "{} on {} type {} ({})",
            first[0], first[1], first[2], first[3]
        )
    );
    if !is_root() {
        eprintln!("skipped mounting: needs root");
        return;
    }
    let dir = t.path().join("mnt");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let out = ours(
        "mount",
        &["-t", "tmpfs", "-o", "size=1m,mode=750", "basalt-test", d],
        t.path(),
    );
    if !out.status.success() {
        eprintln!("skipped mounting: {}", errors(&out));
        return;
    }
    let now = std::fs::read_to_string("/proc/mounts").unwrap();
    assert!(
        now.lines()
            .any(|l| l.starts_with(&format!("basalt-test {d} tmpfs"))),
        "{now}"
    );
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o750);
    assert!(
        text(&ours("mount", &["-t", "tmpfs"], t.path()))
            .contains(&format!("basalt-test on {d} type tmpfs (rw"))
    );
    assert!(
        ours("mount", &["-o", "remount,ro", d], t.path())
            .status
            .success()
    );
    assert!(
        std::fs::write(dir.join("x"), "").is_err(),
        "read-only after remount"
    );
    assert!(
        ours("mount", &["-o", "remount,rw", d], t.path())
            .status
            .success()
    );
    assert!(std::fs::write(dir.join("x"), "").is_ok());
    assert!(ours("umount", &["basalt-test"], t.path()).status.success());
    assert!(
        !std::fs::read_to_string("/proc/mounts")
            .unwrap()
            .contains("basalt-test")
    );
    let out = ours("umount", &[d], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ours("umount", &[], t.path()).status.code(), Some(2));
    // Types the kernel does not know fail cleanly.
    let out = ours("mount", &["-t", "no-such-fs", "x", d], t.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn ps_reads_proc() {
    let dir = Path::new("/");
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let mine = text(&ours(
        "ps",
        &[
            "-o",
            "pid,ppid,pgid,sid,uid,user,tty,comm,args,vsz",
            "-p",
            &pid,
        ],
        dir,
    ));
    let procps = text(&judge(
        "ps",
        &[
            "-o",
            "pid,ppid,pgid,sid,uid,user,tty,comm,args,vsz",
            "-p",
            &pid,
        ],
        dir,
    ));
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(words(&mine), words(&procps));
    let all = text(&ours("ps", &["-e", "-o", "pid="], dir));
    let pids: Vec<&str> = all.lines().map(str::trim).collect();
    assert!(pids.contains(&"1") && pids.contains(&pid.as_str()), "{all}");
    let aux = text(&ours("ps", &["aux"], dir));
    assert!(aux.starts_with("USER"), "{aux}");
    assert!(aux.lines().any(|l| l.ends_with("sleep 30")));
    let full = text(&ours("ps", &["-ef"], dir));
    assert!(full.starts_with("UID"));
    assert!(
        full.lines()
            .any(|l| words(l).get(1) == Some(&pid) && l.ends_with("sleep 30"))
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(ours("ps", &["-p", "999999999"], dir).status.code(), Some(1));
    assert_eq!(ours("ps", &["-o", "nonsense"], dir).status.code(), Some(2));
}

#[test]
fn uname_and_hostname_match_gnu() {
    let dir = Path::new("/");
    for args in [
        &[][..],
        &["-a"],
        &["-s"],
        &["-n"],
        &["-r"],
        &["-v"],
        &["-m"],
        &["-p"],
        &["-i"],
        &["-o"],
        &["-snrvmo"],
    ] {
        same("uname", args, dir);
    }
    same("hostname", &[], dir);
    assert_eq!(ours("uname", &["-q"], dir).status.code(), Some(2));
}

#[test]
fn dmesg_matches_busybox() {
    let dir = Path::new("/");
    let theirs = judge("busybox", &["dmesg"], dir);
    if !theirs.status.success() {
        eprintln!("skipped: the kernel log is not readable here");
        return;
    }
    let mine = ours("dmesg", &[], dir);
    assert!(mine.status.success(), "{}", errors(&mine));
    // The log may grow between the two reads: compare the start.
    let head = |o: &Output| {
        text(o)
            .lines()
            .take(20)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(head(&mine), head(&theirs));
    assert!(!text(&mine).starts_with('<'));
}

#[test]
fn every_program_helps_and_rejects_bad_options() {
    let dir = Path::new("/");
    for name in [
        "ls", "mkdir", "rmdir", "rm", "cp", "mv", "ln", "pwd", "touch", "chmod", "chown", "find",
        "stat", "du", "df", "mount", "umount", "ps", "dmesg", "uname", "hostname", "sync",
    ] {
        let out = ours(name, &["--help"], dir);
        assert_eq!(out.status.code(), Some(0), "{name} --help");
        assert!(text(&out).starts_with("usage: "), "{name} --help");
        if name == "sync" || name == "find" {
            continue;
        }
        let out = ours(name, &["-Q", "x"], dir);
        assert_eq!(out.status.code(), Some(2), "{name} -Q");
        assert!(errors(&out).contains("usage: "), "{name} -Q");
    }
    assert!(ours("sync", &[], dir).status.success());
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    // `ls -R /usr | head -1`: the writes after head exits fail with EPIPE.
    for (name, args) in [
        ("ls", "-lR /usr"),
        ("find", "/usr"),
        ("du", "-a /usr"),
        ("ps", "-ef"),
    ] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{} {name} {args} | head -1 >/dev/null",
                env!("CARGO_BIN_EXE_crunch")
            ))
            .output()
            .unwrap();
        assert!(
            !errors(&out).contains("panicked"),
            "{name}: {}",
            errors(&out)
        );
    }
}

#[test]
fn cp_and_mv_ask_before_overwriting() {
    let t = tree();
    let p = t.path();
    let run = |name: &str, args: &[&str], answer: &str| {
        Command::cargo_bin("crunch")
            .unwrap()
            .arg(name)
            .args(args)
            .current_dir(p)
            .write_stdin(answer)
            .output()
            .unwrap()
    };
    let out = run("cp", &["-i", "run.sh", "a.txt"], "n\n");
    assert!(
        errors(&out).contains("overwrite 'a.txt'?"),
        "{}",
        errors(&out)
    );
    assert_eq!(std::fs::metadata(p.join("a.txt")).unwrap().len(), 10);
    run("cp", &["-i", "run.sh", "a.txt"], "y\n");
    assert_eq!(std::fs::metadata(p.join("a.txt")).unwrap().len(), 100);
    run("mv", &["-i", "B.TXT", "a.txt"], "no\n");
    assert!(p.join("B.TXT").exists());
    run("mv", &["-i", "B.TXT", "a.txt"], "yes\n");
    assert!(!p.join("B.TXT").exists());
    assert_eq!(std::fs::metadata(p.join("a.txt")).unwrap().len(), 5000);
}

#[test]
fn cp_recursive_makes_fifos_anew() {
    let t = tree();
    let away = tempfile::tempdir().unwrap();
    let copy = away.path().join("copy");
    let out = ours("cp", &["-R", ".", copy.to_str().unwrap()], t.path());
    assert!(out.status.success(), "{}", errors(&out));
    let fifo = std::fs::symlink_metadata(copy.join("fifo")).unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&fifo.file_type()));
}

#[test]
fn find_newer_than_a_missing_file_fails() {
    let t = tree();
    let out = ours("find", &[".", "-newer", "nope"], t.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(errors(&out), "find: nope: No such file or directory\n");
    assert_eq!(text(&out), "");
}

#[test]
fn ps_by_default_shows_this_users_processes_on_this_terminal() {
    // Run from a process without a terminal: the selection is then the
    // processes without one, as procps does it.
    let dir = Path::new("/");
    let procps = || -> Vec<String> {
        let out = text(&judge("ps", &["-o", "pid="], dir));
        out.lines().map(|l| l.trim().to_string()).collect()
    };
    // Other tests start and end processes meanwhile: what procps lists both
    // before and after our ps ran was there all along, and ours must list it.
    let before = procps();
    let mine = text(&ours("ps", &[], dir));
    let after = procps();
    assert!(mine.starts_with("  PID TTY"), "{mine}");
    let pids: Vec<String> = mine
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let lasting: Vec<&String> = before.iter().filter(|p| after.contains(p)).collect();
    assert!(!lasting.is_empty());
    for pid in lasting {
        assert!(pids.contains(pid), "{pid} missing from\n{mine}");
    }
}

#[test]
fn ps_names_terminals_like_procps() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: script(1) is not here to give ps a terminal");
        return;
    }
    let crunch = env!("CARGO_BIN_EXE_crunch");
    // Both run under one pseudo-terminal, from the same shell.
    let inner = format!("{crunch} ps -o tty=,comm= -p $$; ps -o tty=,comm= -p $$; {crunch} ps");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("sh -c '{inner}'"), "/dev/null"])
        .output()
        .unwrap();
    let output = text(&out).replace('\r', "");
    let lines: Vec<Vec<&str>> = output
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(lines.len() >= 4, "{output}");
    assert_eq!(lines[0], lines[1], "{output}");
    assert!(lines[0][0].starts_with("pts/"), "{output}");
    // The default listing: this terminal's processes, the shell among them.
    assert_eq!(lines[2], ["PID", "TTY", "TIME", "CMD"]);
    assert!(
        lines[3..]
            .iter()
            .any(|l| l[1] == lines[0][0] && l[3] == "sh"),
        "{output}"
    );
}

#[test]
fn ls_aligns_names_left_and_numbers_right() {
    if !is_root() {
        eprintln!("skipped: giving files away needs root");
        return;
    }
    let t = tree();
    for (file, owner) in [
        ("a.txt", "12345:54321"),
        ("run.sh", "7:7"),
        ("B.TXT", "1:100"),
    ] {
        assert!(judge("chown", &[owner, file], t.path()).status.success());
    }
    for args in [&["-l"][..], &["-ln"], &["-lR"]] {
        same("ls", args, t.path());
    }
}
