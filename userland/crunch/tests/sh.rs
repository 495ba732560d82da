//! The shell against dash, Debian's POSIX shell, as the judge: each script
//! under `tests/sh/` and each one-line `-c` script runs in both, and
//! standard output and exit status must agree. Then `test`, `echo`,
//! `printf` and `kill` against dash and coreutils, and job control and line
//! editing through a pseudo-terminal (python3's `pty` module drives it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn crunch() -> PathBuf {
    assert_cmd::cargo::cargo_bin("crunch")
}

fn have(program: &str) -> bool {
    let found = Command::new(program)
        .arg("-c")
        .arg("exit 0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        eprintln!("skipped: {program} is not installed on this host");
    }
    found
}

/// Runs a shell (`None`: ours) on a script file, or on its text as stdin.
fn run_shell(shell: Option<&str>, script: &Path, via_stdin: bool, dir: &Path) -> Output {
    let mut command = match shell {
        Some(judge) => Command::new(judge),
        None => {
            let mut c = Command::new(crunch());
            c.arg("sh");
            c
        }
    };
    command
        .current_dir(dir)
        .env("TMPDIR", dir)
        .env("HOME", dir)
        .stderr(Stdio::null());
    if via_stdin {
        command.stdin(std::fs::File::open(script).unwrap());
    } else {
        command.arg(script).stdin(Stdio::null());
    }
    command.output().unwrap()
}

fn outcome(output: &Output) -> String {
    format!(
        "{}--- status {:?}",
        String::from_utf8_lossy(&output.stdout),
        output.status.code()
    )
}

fn compare_script(name: &str) {
    if !have("dash") {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sh")
        .join(format!("{name}.sh"));
    for via_stdin in [false, true] {
        let judge_dir = tempfile::tempdir().unwrap();
        let our_dir = tempfile::tempdir().unwrap();
        let expected = outcome(&run_shell(
            Some("dash"),
            &script,
            via_stdin,
            judge_dir.path(),
        ));
        let got = outcome(&run_shell(None, &script, via_stdin, our_dir.path()));
        assert_eq!(
            got, expected,
            "{name}.sh (stdin: {via_stdin}) differs from dash"
        );
    }
}

macro_rules! scripts {
    ($($name:ident)*) => {
        $(
            #[test]
            fn $name() {
                compare_script(stringify!($name));
            }
        )*
    };
}

mod scripts {
    use super::compare_script;
    scripts! {
        arith builtins1 builtins2 case control exitstatus functions glob here_and_sub jobs_bg
        misc params pipeline positional quoting redir setopts splitting subshell_exit subst
        syntaxerr rc_like dot_alias_traps expansions2
    }
}

/// Runs `sh -c TEXT` in ours and in dash from the same directory.
fn compare_c(lines: &[&str]) {
    if !have("dash") {
        return;
    }
    let mut differences = Vec::new();
    for line in lines {
        let run = |mut command: Command| {
            let output = command
                .arg("-c")
                .arg(line)
                .current_dir("/")
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .unwrap();
            outcome(&output)
        };
        let expected = run(Command::new("dash"));
        let mut ours = Command::new(crunch());
        ours.arg("sh");
        let got = run(ours);
        if got != expected {
            differences.push(format!("{line}\n  dash: {expected:?}\n  ours: {got:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "differ from dash:\n{}",
        differences.join("\n")
    );
}

#[test]
fn expansions_match_dash() {
    compare_c(&[
        "echo ${x:-$(echo sub)}",
        "x='a b'; set -- $x; echo $#",
        "set -- 'a b' c; x=\"$@\"; echo \"$x\"",
        "set -- ${x:-a b}; echo $#",
        "f() { echo $#; }; f '' a ''; f",
        "IFS=:; x=a:b; for i in $x; do echo $i; done",
        "a=1; a=$((a+1)) b=$a; echo $a $b",
        "x='$y'; y=1; echo $x; eval echo $x",
        "echo \"a\\\"b\" 'a\\b' a\\\\b",
        "v=abc; echo ${v#a*} ${v%*c} ${v#\"a\"} ${v%\\c}",
        "echo \"$(echo \"$(echo \"deep\")\")\"",
        "p=a; case abc in ${p}*) echo ok;; esac",
        "x=`echo 'a\\\\b'`; echo \"$x\"",
        "echo \"`echo \\\"q\\\"`\"",
        "IFS=; set -- 'a b' c; echo $*; for i in $*; do echo \"[$i]\"; done",
        "cd /usr/../etc; pwd; echo $PWD",
        "x=; echo ${x:-empty} ${x-unset}",
        "echo ${#}; set -- a bb; echo ${#2} ${#*}",
        "x=$(printf '\\n\\nx\\n\\n'); echo \"[$x]\"",
        "echo $((3 > 2 && 4 > 3)) $((7 / 2)) $((-7 % 3))",
        "HOME=/h; echo ~ ~/x a~ \"~\"; x=~/y:~/z; echo $x",
        "echo ~root",
        "set -- 1 2 3 4 5 6 7 8 9 10; echo ${10} $10",
        "f() { local x=2; echo $x; }; x=1; f; echo $x",
        "f() { echo $FOO; }; FOO=bar f; echo \"[$FOO]\"",
        "FOO=bar true; echo \"[$FOO]\"",
        "FOO=bar : ; echo \"[$FOO]\"",
    ]);
}

#[test]
fn status_and_errors_match_dash() {
    compare_c(&[
        "readonly x=1; x=2; echo after",
        "readonly x=1; unset x; echo $?",
        "set -u; echo ${x-ok}; echo $nope; echo notreached",
        "set -e; false; echo no",
        "set -e; x=$(false); echo here",
        "set -e; false | true; echo yes",
        "set -e; f() { return 1; }; f && echo a; echo b",
        "exit 256",
        "exit -1",
        "(exit 255); echo $?",
        "f() { return; }; false; f; echo $?",
        "nonexistent_command_q; echo $?",
        "/etc; echo $?",
        "echo ${x?unset here}; echo not reached",
        "echo $((1/0)); echo not reached",
        "trap 'echo trapped' INT; kill -INT $$; echo after",
        "trap 'echo exit $?' EXIT; false",
        "while :; do break; done; echo out",
        "i=0; while [ $i -lt 3 ]; do i=$((i+1)); [ $i = 2 ] && continue; echo $i; done",
        "cat < /nonexistent; echo $?",
        "echo hi > /nonexistent/x; echo $?",
        "if; then fi",
        "echo 'unterminated",
        "case x in",
        "for 1 in a; do :; done",
        "echo a | (read x; echo $x)",
        "kill -0 $$; echo $?",
        "kill -s 0 $$; echo $?",
    ]);
}

#[test]
fn syntax_error_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bad.sh");
    std::fs::write(&script, "echo one\necho two\nif true; then\nfi fi\n").unwrap();
    let output = Command::new(crunch())
        .arg("sh")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // As in dash, the commands before the bad one have run.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "one\ntwo\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("sh: {}: line 4: syntax error", script.display())),
        "{stderr}"
    );
}

#[test]
fn not_found_and_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    std::fs::write(&plain, "data").unwrap();
    let output = Command::new(crunch())
        .args(["sh", "-c", "no_such_program_q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "sh: no_such_program_q: not found\n"
    );
    let output = Command::new(crunch())
        .args(["sh", "-c", &plain.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(126));
}

#[test]
fn script_without_shebang_runs_in_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, "echo \"args: $*\"; exit 4\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let output = Command::new(crunch())
        .args(["sh", "-c", &format!("{} a b; echo $?", script.display())])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "args: a b\n4\n");
}

#[test]
fn read_leaves_the_rest_of_stdin() {
    // `read` takes one line; the next command reads what follows.
    let output = Command::new(crunch())
        .args(["sh", "-c", "read a; echo \"got $a\"; cat"])
        .write_stdin_text("first\nsecond\nthird\n");
    assert_eq!(output, "got first\nsecond\nthird\n");
    // The shell reading its script from stdin leaves the data lines to `read`.
    let output = Command::new(crunch())
        .arg("sh")
        .write_stdin_text("read x\nhello there\necho \"x=$x\"\n");
    assert_eq!(output, "x=hello there\n");
}

trait WriteStdin {
    fn write_stdin_text(&mut self, text: &str) -> String;
}

impl WriteStdin for Command {
    fn write_stdin_text(&mut self, text: &str) -> String {
        use std::io::Write;
        let mut child = self
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

#[test]
fn operands_of_dash_c_and_dash_s() {
    let output = Command::new(crunch())
        .args(["sh", "-c", "echo $0 $# $2", "name", "a", "b"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "name 2 b\n");
    let output = Command::new(crunch())
        .args(["sh", "-s", "x", "y"])
        .write_stdin_text("echo $# $1 $2\n");
    assert_eq!(output, "2 x y\n");
    let output = Command::new(crunch()).args(["sh", "-c"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(crunch()).args(["sh", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::new(crunch())
        .args(["sh", "/nonexistent/script"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(127));
}

#[test]
fn interactive_errors_abandon_the_line_not_the_shell() {
    let output = Command::new(crunch())
        .args(["sh", "-i"])
        .stderr(Stdio::null())
        .write_stdin_text(
            "echo ${x?}; echo same line\necho next\nreadonly r=1; r=2; echo no\n\
             f() { f; }; f\nif then\necho alive\n",
        );
    assert_eq!(output, "next\nalive\n");
}

#[test]
fn login_shell_reads_profile_and_env() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".profile"),
        "echo profile read\nGREETING=hi\n",
    )
    .unwrap();
    std::fs::write(home.path().join("env.sh"), "echo env read\n").unwrap();
    let output = Command::new(crunch())
        .args(["sh", "-l", "-c", "echo $GREETING"])
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("profile read\nhi\n"));
    let output = Command::new(crunch())
        .args(["sh", "-i"])
        .env("HOME", home.path())
        .env("ENV", "$HOME/env.sh")
        .write_stdin_text("echo after\n");
    assert_eq!(output, "env read\nafter\n");
}

#[test]
fn prompt_is_dollar_or_hash_alone() {
    let output = Command::new(crunch())
        .args(["sh", "-i"])
        .env_remove("PS1")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc_geteuid() } == 0;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr, if root { "# " } else { "$ " });
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

// ----- test, echo, printf, kill -----

fn ours(args: &[&str]) -> Output {
    Command::new(crunch()).args(args).output().unwrap()
}

#[test]
fn test_matches_dash() {
    let cases: &[&[&str]] = &[
        &[],
        &[""],
        &["x"],
        &["!"],
        &["-n"],
        &["-z", ""],
        &["!", "-z", ""],
        &["a", "=", "a"],
        &["a", "!=", "a"],
        &["1", "-eq", "01"],
        &["2", "-gt", "10"],
        &["-5", "-lt", "3"],
        &["abc", "<", "abd"],
        &["(", "x", ")"],
        &["(", "-n", "x", ")"],
        &["-d", "/"],
        &["-f", "/"],
        &["-e", "/nonexistent"],
        &["-r", "/etc/passwd"],
        &["-s", "/etc/passwd"],
        &["-h", "/nonexistent"],
        &["1", "-eq", "1", "-a", "2", "-eq", "3"],
        &["1", "-eq", "1", "-o", "2", "-eq", "3"],
        &["!", "1", "-eq", "1", "-o", "x"],
        &["(", "1", "=", "2", ")", "-o", "(", "a", "=", "a", ")"],
        &["x", "-a", ""],
        &["-t", "9"],
        &["a", "-eq", "1"],
        &["-x"],
        &["a", "b"],
        &["/", "-ef", "/"],
        &["/etc", "-nt", "/nonexistent"],
    ];
    if !have("dash") {
        return;
    }
    for args in cases {
        let judge = Command::new("dash")
            .arg("-c")
            .arg("test \"$@\"; echo $?")
            .arg("test")
            .args(*args)
            .output()
            .unwrap();
        let mut bracket: Vec<&str> = vec!["["];
        bracket.extend(args.iter());
        bracket.push("]");
        let expected = String::from_utf8_lossy(&judge.stdout).trim().to_string();
        let mut test_args = vec!["test"];
        test_args.extend(args.iter());
        for form in [test_args, bracket] {
            let got = ours(&form).status.code().unwrap().to_string();
            assert_eq!(got, expected, "test {args:?} as {}", form[0]);
        }
    }
    assert_eq!(ours(&["[", "x"]).status.code(), Some(2), "[ without ]");
}

#[test]
fn echo_matches_dash() {
    if !have("dash") {
        return;
    }
    let cases: &[&[&str]] = &[
        &["a", "b"],
        &["-n", "x"],
        &["-e", "x"],
        &["a\\tb\\nc"],
        &["stop\\cnot", "shown"],
        &["\\0101\\0102"],
        &["back\\\\slash"],
        &[],
        &["-n"],
        &["x", "-n"],
    ];
    for args in cases {
        let judge = Command::new("dash")
            .arg("-c")
            .arg("echo \"$@\"")
            .arg("echo")
            .args(*args)
            .output()
            .unwrap();
        let mut ours_args = vec!["echo"];
        ours_args.extend(args.iter());
        assert_eq!(ours(&ours_args).stdout, judge.stdout, "echo {args:?}");
    }
}

#[test]
fn printf_matches_coreutils() {
    let cases: &[&[&str]] = &[
        &["%s|%s\\n", "a"],
        &["%d %i %o %x %X %u\\n", "42", "-7", "8", "255", "255", "3"],
        &["%5d|%-5d|%05d|%+d|% d\\n", "42", "42", "42", "42", "42"],
        &["%.3d|%8.3f|%-8.2e|\\n", "7", "3.14159", "31415.9"],
        &["%g %g %g %g\\n", "0.0001", "123456789", "100", "1e-5"],
        &["%c%c%c\\n", "abc", "d", ""],
        &["%.2s|%5s|%-5s|\\n", "abcdef", "ab", "ab"],
        &["%b|\\n", "a\\tb\\0101\\n"],
        &["%s\\n", "one", "two", "three"],
        &["%d-%d\\n", "1", "2", "3"],
        &["%%|%5%|\\n"],
        &["\\101\\q\\t|\\n"],
        &["%#x %#o %#X\\n", "255", "8", "0"],
        &["%*d|%-*d|%.*f\\n", "4", "1", "4", "2", "1", "2.55"],
        &["%d %d\\n", "'A", "0x1F"],
        &["no newline"],
        &["%s", ""],
        &["%b\\n", "stop\\chere"],
    ];
    for args in cases {
        let judge = Command::new("printf").args(*args).output().unwrap();
        let mut ours_args = vec!["printf"];
        ours_args.extend(args.iter());
        let got = ours(&ours_args);
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&judge.stdout),
            "printf {args:?}"
        );
        assert_eq!(
            got.status.code(),
            judge.status.code(),
            "printf {args:?} status"
        );
    }
    let bad = ours(&["printf", "%d\\n", "abc"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&bad.stdout), "0\n");
    assert_eq!(ours(&["printf"]).status.code(), Some(2));
}

#[test]
fn kill_signals_and_lists() {
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = child.id().to_string();
    assert!(ours(&["kill", "-s", "TERM", &pid]).status.success());
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15)
    );
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = child.id().to_string();
    assert!(ours(&["kill", "-KILL", &pid]).status.success());
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    assert_eq!(
        String::from_utf8_lossy(&ours(&["kill", "-l", "9", "143"]).stdout),
        "KILL\nTERM\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&ours(&["kill", "-l", "USR1"]).stdout),
        "10\n"
    );
    let list = String::from_utf8_lossy(&ours(&["kill", "-l"]).stdout).into_owned();
    assert!(list.starts_with("HUP\nINT\nQUIT\n"), "{list}");
    assert_eq!(ours(&["kill", "-s", "NOPE", "1"]).status.code(), Some(1));
    assert_eq!(ours(&["kill"]).status.code(), Some(2));
    assert_eq!(ours(&["kill", "%1"]).status.code(), Some(1));
    let gone = ours(&["kill", "999999"]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("No such process"));
}

// ----- a terminal: job control and line editing -----

/// Drives `sh -i` on a pseudo-terminal: sends each input after the output
/// so far settles, returns everything the terminal showed.
const PTY_DRIVER: &str = r#"
import os, pty, sys, time, select
shell = sys.argv[1]
steps = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.environ['PS1'] = '$ '
    os.execv(shell, ['sh', '-i'])
out = b''
def settle(limit):
    global out
    end = time.time() + limit
    quiet = 0
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            quiet += 1
            if quiet > 6:
                return
            continue
        quiet = 0
        try:
            out += os.read(fd, 4096)
        except OSError:
            return
settle(2)
for step in steps:
    os.write(fd, step.encode().decode('unicode_escape').encode('latin-1'))
    settle(3)
os.waitpid(pid, 0)
settle(0.5)
sys.stdout.write(out.decode('utf-8', 'replace'))
"#;

/// The screen, and the history file the shell left.
fn on_terminal(steps: &[&str]) -> Option<(String, String)> {
    let home = tempfile::tempdir().unwrap();
    let sh = crunch().parent().unwrap().join("sh-pty-test");
    let _ = std::fs::remove_file(&sh);
    std::os::unix::fs::symlink(crunch(), &sh).unwrap();
    let output = Command::new("python3")
        .env("HOME", home.path())
        .arg("-c")
        .arg(PTY_DRIVER)
        .arg(&sh)
        .args(steps)
        .output();
    match output {
        Ok(o) if o.status.success() => Some((
            String::from_utf8_lossy(&o.stdout).replace('\r', ""),
            std::fs::read_to_string(home.path().join(".sh_history")).unwrap_or_default(),
        )),
        _ => {
            eprintln!("skipped: python3 with the pty module is not available");
            None
        }
    }
}

#[test]
fn job_control_on_a_terminal() {
    let Some((screen, _)) = on_terminal(&[
        "sleep 30\\r",
        "\\x1a",
        "jobs\\r",
        "bg\\r",
        "jobs\\r",
        "kill %1\\r",
        "sleep 0.1; jobs\\r",
        "echo status $?\\r",
        "exit\\r",
    ]) else {
        return;
    };
    assert!(
        screen.contains("[1]+  Stopped                 sleep 30"),
        "{screen}"
    );
    assert!(screen.contains("[1]+ sleep 30 &"), "{screen}");
    assert!(
        screen.contains("[1]+  Running                 sleep 30"),
        "{screen}"
    );
    assert!(screen.contains("Terminated"), "{screen}");
    assert!(screen.contains("status 0"), "{screen}");
}

#[test]
fn fg_brings_a_stopped_job_back() {
    let Some((screen, _)) = on_terminal(&[
        "cat\\r",
        "\\x1a",
        "fg\\r",
        "typed to cat\\r",
        "\\x04",
        "echo back $?\\r",
        "exit\\r",
    ]) else {
        return;
    };
    assert!(screen.contains("Stopped"), "{screen}");
    assert!(
        screen.matches("typed to cat").count() >= 2,
        "cat echoes the line: {screen}"
    );
    assert!(screen.contains("back 0"), "{screen}");
}

#[test]
fn line_editing_on_a_terminal() {
    let Some((screen, history)) = on_terminal(&[
        // Left three, delete the x, put e, right, end, append.
        "echo hxllo\\x1b[D\\x1b[D\\x1b[D\\x08e\\x1b[C\\x05 world\\r",
        "echo one\\r",
        // Up twice brings back the first line.
        "\\x1b[A\\x1b[A\\r",
        // ^A then type at the start; ^U kills the line; ^W a word.
        "cho abc\\x01e\\r",
        "echo zz\\x15echo killed\\r",
        "echo keep drop\\x17\\x08\\r",
        // ^C abandons the line, also a command with continuation lines.
        "echo abandoned\\x03",
        "if true; then\\r",
        "echo inside\\x03",
        "\\x04",
    ]) else {
        return;
    };
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines.contains(&"hello world"), "{screen}");
    assert_eq!(
        lines.iter().filter(|l| **l == "hello world").count(),
        2,
        "{screen}"
    );
    assert!(lines.contains(&"abc"), "{screen}");
    assert!(lines.contains(&"killed"), "{screen}");
    assert!(lines.contains(&"keep"), "{screen}");
    assert!(!lines.contains(&"abandoned"), "{screen}");
    assert!(!lines.contains(&"inside"), "{screen}");
    assert!(
        history.starts_with("echo hello world\necho one\n"),
        "{history}"
    );
}
