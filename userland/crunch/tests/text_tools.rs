//! The text tools against independent judges: each case runs through
//! Basalt's program and through GNU's (coreutils, grep, sed) or busybox on
//! the host, with the same arguments, input and files, and the outputs and
//! exit statuses must agree.

use assert_cmd::Command;
use std::path::Path;
use std::process::Output;

/// Files every case can name, created fresh in a temporary directory.
const FIXTURES: &[(&str, &str)] = &[
    (
        "lines",
        "one two\nthree four\nfive six\nseven\neight nine ten\n",
    ),
    (
        "text",
        "hello world\nfoo bar\nHello again\nfoobar baz\n\nabc123\nx.y\n",
    ),
    ("nonl", "abc"),
    ("blank", "a\n\n\n\tb\u{1}\u{e9}\n\nc"),
    (
        "table",
        "b 10 x\na 9 y\nB 2K z\n  c -3 w\na 9 a\n10 1M q\n1.5 -0 r\nc 0.5 s\nApple 3 t\napple 3 u\n\n",
    ),
    ("colons", "a:3:x\nb:1:y\nc:2:x\nd:1:x\nno colon here\n"),
    ("dups", "a\na\nA\nb\nb\nb\nc x\nd x\n"),
    ("months", "JAN 3\nfeb 1\nDEC 2\nxyz 0\n"),
    ("versions", "v1.10\nv1.9\nv1.2.3\nv1.2\n"),
    ("sub/deep", "nothing\nfoo\n"),
    (
        "context",
        "1 x\n2 x\n3 x\n4 x\n5 match\n6 x\n7 match\n8 x\n9 x\n10 x\n11 x\n12 x\n13 match\n14 x\n15 x\n",
    ),
];

/// One case: the arguments (split on spaces unless given as a list) and
/// standard input.
struct Case {
    args: Vec<String>,
    stdin: &'static str,
}

fn case(args: &str) -> Case {
    Case {
        args: args.split_whitespace().map(String::from).collect(),
        stdin: "",
    }
}

fn case_with(args: &[&str], stdin: &'static str) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin,
    }
}

fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in FIXTURES {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn ours(tool: &str, case: &Case, dir: &Path) -> Output {
    Command::cargo_bin("crunch")
        .unwrap()
        .arg(tool)
        .args(&case.args)
        .current_dir(dir)
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .write_stdin(case.stdin)
        .output()
        .unwrap()
}

/// Runs the judge: a program on the host, maybe with leading arguments
/// (`busybox sed`).
fn judge(judge: &[&str], case: &Case, dir: &Path) -> Option<Output> {
    let mut command = Command::new(judge[0]);
    command
        .args(&judge[1..])
        .args(&case.args)
        .current_dir(dir)
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .write_stdin(case.stdin);
    command.output().ok()
}

/// Runs every case through both; fails listing each disagreement.
fn agree(tool: &str, judge_command: &[&str], cases: &[Case]) {
    if which(judge_command[0]).is_none() {
        panic!("the judge {} is not installed", judge_command[0]);
    }
    let mut failures = Vec::new();
    for case in cases {
        let dir = fixture_dir();
        let mine = ours(tool, case, dir.path());
        let dir = fixture_dir();
        let theirs = judge(judge_command, case, dir.path()).expect("the judge runs");
        if mine.stdout != theirs.stdout || mine.status.code() != theirs.status.code() {
            failures.push(format!(
                "{tool} {:?} (stdin {:?}):\n  ours   {:?} {:?}\n  judge  {:?} {:?}",
                case.args,
                case.stdin,
                mine.status.code(),
                String::from_utf8_lossy(&mine.stdout),
                theirs.status.code(),
                String::from_utf8_lossy(&theirs.stdout),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!(
        "{tool}: {} cases agree with {}",
        cases.len(),
        judge_command.join(" ")
    );
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

#[test]
fn cat_matches_gnu() {
    let mut cases: Vec<Case> = [
        "blank",
        "-n blank",
        "-b blank",
        "-s blank",
        "-v blank",
        "-e blank",
        "-t blank",
        "-ns blank lines",
        "-n lines - nonl",
        "lines missing nonl",
    ]
    .iter()
    .map(|a| case(a))
    .collect();
    cases.push(case_with(&["-", "nonl"], "from stdin\n"));
    agree("cat", &["cat"], &cases);
}

#[test]
fn wc_matches_gnu() {
    let cases: Vec<Case> = [
        "lines",
        "-l lines",
        "-w text",
        "-c text",
        "-m blank",
        "-lw lines text",
        "lines text nonl",
        "-l missing lines",
    ]
    .iter()
    .map(|a| case(a))
    .chain([
        case_with(&[], "a b\nc\n"),
        case_with(&["-l"], "a\nb\n"),
        case_with(&["-", "lines"], "x y\n"),
    ])
    .collect();
    agree("wc", &["wc"], &cases);
}

#[test]
fn head_and_tail_match_gnu() {
    let head: Vec<Case> = [
        "lines",
        "-n 2 lines",
        "-2 lines",
        "-c 5 lines",
        "-n 0 lines",
        "lines text",
        "-q lines text",
        "-v lines",
        "-n 1 missing lines",
        "-n -2 lines",
        "-c -3 lines",
        "-n -1 nonl",
        "-n -9 lines",
    ]
    .iter()
    .map(|a| case(a))
    .collect();
    agree("head", &["head"], &head);
    let tail: Vec<Case> = [
        "lines",
        "-n 2 lines",
        "-c 5 lines",
        "-n +3 lines",
        "-c +10 lines",
        "-n 0 lines text",
        "lines text",
        "-1 lines",
        "+4 lines",
        "-3c lines",
        "nonl",
        "-n 1 nonl",
        "-n 1 missing lines",
    ]
    .iter()
    .map(|a| case(a))
    .chain([
        case_with(&["-n", "2"], "a\nb\nc\n"),
        case_with(&["-c", "3"], "abcdef"),
        case_with(&["-n", "+2"], "a\nb\nc\n"),
    ])
    .collect();
    agree("tail", &["tail"], &tail);
    // busybox prints headers for -n 0, has no -Nc, and heads a file after
    // a missing one with a blank line.
    let tail: Vec<Case> = tail
        .into_iter()
        .filter(|c| {
            !c.args
                .iter()
                .any(|a| a == "0" || a == "-3c" || a == "missing")
        })
        .collect();
    agree("tail", &["busybox", "tail"], &tail);
    // busybox starts a header after a missing file with a blank line.
    let head: Vec<Case> = head
        .into_iter()
        .filter(|c| !c.args.contains(&"missing".to_string()))
        .collect();
    agree("head", &["busybox", "head"], &head);
}

#[test]
fn sort_matches_gnu() {
    let cases: Vec<Case> = [
        "table",
        "-r table",
        "-n table",
        "-k2n table",
        "-k2,2n table",
        "-k2,2nr table",
        "-k2h table",
        "-h -k2 table",
        "-f table",
        "-fu table",
        "-u table",
        "-b table",
        "-k1,1 -k2n table",
        "-k1.2 table",
        "-t: -k2,2 colons",
        "-t: -k3,3 -k1,1r colons",
        "-t: -s -k3,3 colons",
        "-t: -u -k3,3 colons",
        "-n -r table",
        "-M months",
        "-V versions",
        "-c table",
        "-C table",
        "-d table",
        "-i table",
        "-k 2bn table",
        "-k 1.2b,1.3 table",
        "-nu table",
        "-t: -k2n,2 -k1 colons",
        "-k3 table",
        "-m lines text",
        "lines text nonl",
        "-c lines",
    ]
    .iter()
    .map(|a| case(a))
    .chain([
        case_with(&["-n"], "10\n9\n-1\n1e3\n"),
        case_with(&["-g"], "10\n9\n-1\n1e3\nx\n-inf\nnan\n.5\n2E-1\n"),
        case_with(&["-k2g"], "a 1e2\nb 5\nc -3.5\n"),
        case_with(&["-o", "lines", "lines"], ""),
        case_with(&["lines", "-r", "text", "-k2"], ""),
    ])
    .collect();
    agree("sort", &["sort"], &cases);
    // busybox lacks -h and -C, keeps another line of a run with -nu, does
    // not merge with -m, and reads exponents with -n.
    let differs = ["-k2h", "-h", "-C", "-nu", "-m"];
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| {
            !c.args.iter().any(|a| differs.contains(&a.as_str())) && !c.stdin.contains("1e3")
        })
        .collect();
    agree("sort", &["busybox", "sort"], &cases);
}

#[test]
fn sort_output_may_be_an_input() {
    let dir = fixture_dir();
    let case = case("-o lines lines");
    assert!(ours("sort", &case, dir.path()).status.success());
    let sorted = std::fs::read_to_string(dir.path().join("lines")).unwrap();
    assert_eq!(
        sorted,
        "eight nine ten\nfive six\none two\nseven\nthree four\n"
    );
}

#[test]
fn uniq_matches_gnu() {
    let cases: Vec<Case> = [
        "dups",
        "-c dups",
        "-d dups",
        "-u dups",
        "-i dups",
        "-ic dups",
        "-f1 dups",
        "-s1 dups",
        "-cd dups",
        "-f 1 -c dups",
    ]
    .iter()
    .map(|a| case(a))
    .chain([case_with(&[], "x\nx\ny"), case_with(&["-c"], "")])
    .collect();
    agree("uniq", &["uniq"], &cases);
    agree("uniq", &["busybox", "uniq"], &cases);
}

#[test]
fn cut_matches_gnu() {
    let cases: Vec<Case> = [
        "-d: -f2 colons",
        "-d: -f1,3 colons",
        "-d: -f2- -s colons",
        "-d: -f-2 colons",
        "-b 1-3 colons",
        "-c 2,4- colons",
        "-b 3,1 colons",
        "-d: -f 3,1 colons",
        "-f1 colons",
        "-d: -f1 missing colons",
    ]
    .iter()
    .map(|a| case(a))
    .collect();
    agree("cut", &["cut"], &cases);
    agree("cut", &["busybox", "cut"], &cases);
}

#[test]
fn tr_matches_gnu() {
    const INPUT: &str = "Hello, World!\n\tfoo  bar\u{1}\nzzz aaa  bbb 123\n";
    let sets: &[&[&str]] = &[
        &["a-z", "A-Z"],
        &["[:lower:]", "[:upper:]"],
        &["-d", "[:space:]"],
        &["-s", " "],
        &["-cs", "[:alnum:]", "\\n"],
        &["-d", "a-z"],
        &["-ds", "a-z", " "],
        &["\\t\\001", "TX"],
        &["lo", "x"],
        &["-c", "a-z\\n", "*"],
        &["a-z", "[x*]"],
        &["a-z", "[x*3]Y"],
        &["-s", "a-z", "A-Z"],
        &["\\101", "q"],
        &["-d", "[=o=]"],
        &["-cd", "[:print:]"],
        &["[:punct:]", "_"],
        &["[:digit:]", "#"],
        &["z-a", "x"],
    ];
    let cases: Vec<Case> = sets.iter().map(|args| case_with(args, INPUT)).collect();
    agree("tr", &["tr"], &cases);
    // busybox has no [c*n] and reads [:print:] and reversed ranges otherwise.
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| {
            !c.args
                .iter()
                .any(|a| a.contains('*') || a == "[:print:]" || a == "z-a")
        })
        .collect();
    agree("tr", &["busybox", "tr"], &cases);
}

/// grep's cases as (arguments, standard input).
fn grep_cases() -> Vec<Case> {
    let lists: &[&[&str]] = &[
        &["foo", "text"],
        &["-n", "foo", "text", "sub/deep"],
        &["-c", "foo", "text", "sub/deep"],
        &["-v", "foo", "text"],
        &["-i", "hello", "text"],
        &["-w", "foo", "text"],
        &["-x", "foo", "sub/deep"],
        &["-o", "o[a-z]", "text"],
        &["-E", "fo+|ab", "text"],
        &["fo\\+", "text"],
        &["[[:digit:]]\\{2\\}", "text"],
        &["-l", "foo", "text", "sub/deep"],
        &["-L", "hello", "text", "sub/deep"],
        &["-q", "foo", "text"],
        &["-q", "nothing", "text"],
        &["-e", "foo", "-e", "abc", "text"],
        &["-F", "x.y", "text"],
        &["x.y", "text"],
        &["^$", "text"],
        &["-h", "foo", "text", "sub/deep"],
        &["-H", "foo", "text"],
        &["nope", "text"],
        &["foo", "missing"],
        &["-s", "foo", "missing", "text"],
        &["-ow", "foo", "text"],
        &["-E", "-o", "[0-9]+", "text"],
        &["-n", "-v", "", "text"],
        &["-c", "", "text"],
        &["-i", "-o", "HEL", "text"],
        &["-x", "-F", "foo", "sub/deep"],
        &["^\\(foo\\|hello\\)", "text"],
        &["*a", "text"],
        &["-E", "x+.y", "text"],
        &["[^a-z ]", "text"],
        &["-w", "o", "text"],
        &["-o", "o*", "text"],
        &["\\<foo\\>", "text"],
        &["foo\\b", "text"],
        &["a^", "text"],
        &["ba[rz]$", "text"],
        &["-E", "o{2,}", "text"],
        &["foo", "sub"],
        &["-E", "a{1", "text"],
        &["-E", "(", "text"],
        &["a\\{1", "text"],
        &["-f", "sub/deep", "text"],
        &["-F", "-e", "foo", "-e", "x.y", "text"],
        &["-ic", "HELLO", "text"],
        &["foo", "text", "-n"],
        &["--", "-x", "text"],
        &["\\(o\\)\\1", "text"],
        &["-E", "-o", "(.)\\1", "text"],
        &["-x", "\\(.*\\)\\1", "dups"],
        &["-c", "-i", "\\(a\\)\\1", "dups"],
    ];
    let mut cases: Vec<Case> = lists.iter().map(|args| case_with(args, "")).collect();
    for context in [
        "-A1", "-B2", "-C1", "-C3", "-n -C1", "-m2", "-m1 -A2", "-c -m2", "-B1 -A0", "-A1 -o",
        "-B3 -o", "-h -A1",
    ] {
        let mut args: Vec<String> = context.split(' ').map(String::from).collect();
        args.extend(["match", "context", "context"].map(String::from));
        cases.push(Case { args, stdin: "" });
    }
    cases.push(case_with(&["-n", "b"], "abc\nxyz\nbcd\n"));
    cases.push(case_with(&["-c", "x", "-", "text"], "x\nx\n"));
    cases
}

#[test]
fn grep_matches_gnu() {
    agree("grep", &["grep"], &grep_cases());
}

#[test]
fn grep_recursive_finds_the_same_lines_as_gnu() {
    for args in [
        &["-r", "foo"][..],
        &["-r", "foo", "."],
        &["-rh", "foo", "sub"],
        &["-rl", "o", "."],
        &["-r", "--include=de*", "o", "."],
        &["-r", "--exclude=text", "--exclude=c*", "foo", "."],
        &["-r", "--exclude-dir=sub", "foo", "."],
        &["-r", "o", "--include=[lt]*"],
    ] {
        let dir = fixture_dir();
        let c = case_with(args, "");
        let mut mine: Vec<String> = String::from_utf8(ours("grep", &c, dir.path()).stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let mut theirs: Vec<String> =
            String::from_utf8(judge(&["grep"], &c, dir.path()).unwrap().stdout)
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
        // GNU walks directories in the order it reads them, Basalt's grep by name.
        mine.sort();
        theirs.sort();
        assert_eq!(mine, theirs, "grep {args:?}");
    }
}

fn sed_cases() -> Vec<Case> {
    let lists: &[&[&str]] = &[
        &["p", "lines"],
        &["-n", "p", "lines"],
        &["-n", "2p", "lines"],
        &["-n", "$p", "lines"],
        &["2,3d", "lines"],
        &["/three/,/seven/d", "lines"],
        &["-n", "/f/p", "lines"],
        &["s/o/0/", "lines"],
        &["s/o/0/g", "lines"],
        &["s/o/0/2", "lines"],
        &["s/o/0/2g", "lines"],
        &["s/\\(o\\)\\(n\\)/[\\2\\1]/g", "lines"],
        &["-E", "s/(e+)/<\\1>/g", "lines"],
        &["s/[aeiou]/&&/g", "lines"],
        &["s|o|/|g", "lines"],
        &["s/x*/-/g", "lines"],
        &["s/e*/X/g", "lines"],
        &["-n", "s/e/E/p", "lines"],
        &["1!G;h;$!d", "lines"],
        &["$!N;s/\\n/ /", "lines"],
        &[":a;N;$!ba;s/\\n/,/g", "lines"],
        &["=", "lines"],
        &["-n", "$=", "lines"],
        &["2q", "lines"],
        &["2Q", "lines"],
        &["q5", "lines"],
        &["y/abc/xyz/", "lines"],
        &["2i\\\ninserted\\\nsecond", "lines"],
        &["2a appended", "lines"],
        &["2,3c\\\nchanged", "lines"],
        &["2c changed", "lines"],
        &["$a end", "lines"],
        &["1~2d", "lines"],
        &["0~2d", "lines"],
        &["2,+1d", "lines"],
        &["/two/,+2s/^/> /", "lines"],
        &["2,~4d", "lines"],
        &["-n", "l", "blank"],
        &["-n", "/three/{n;p}", "lines"],
        &["/three/{s/th/TH/;s/ee/EE/}", "lines"],
        &["n;d", "lines"],
        &["$!d", "lines"],
        &["N;P;D", "lines"],
        &["s/o/O/;t;s/e/E/", "lines"],
        &["s/o/O/;T;s/e/E/", "lines"],
        &["/four/!d", "lines"],
        &["-e", "s/one/1/", "-e", "s/two/2/", "lines"],
        &["p", "nonl"],
        &["$s/c/C/", "nonl"],
        &["a x", "nonl"],
        &["-n", "/one/,/three/p", "lines"],
        &["2,1d", "lines"],
        &["-s", "1d", "lines", "lines"],
        &["1d", "lines", "lines"],
        &["$d", "lines", "lines"],
        &["0,/o/d", "lines"],
        &["1,/o/d", "lines"],
        &["/ONE/Id", "lines"],
        &["s/ONE/1/I", "lines"],
        &["x;G", "lines"],
        &["H;$!d;x", "lines"],
        &["z;s/^$/empty/", "lines"],
        &["G", "lines"],
        &["s/a/b", "lines"],
        &["unknown", "lines"],
        &["p", "missing", "lines"],
        &["s/a/\\3/", "lines"],
        &["-n", "2{p;p}", "lines"],
        &["s/.*/\"&\"/", "lines"],
        &["-E", "s/(o|e)+$/!/", "lines"],
        &["s/[[:space:]]/_/g", "lines"],
        &["s/o\\{1,\\}/0/", "lines"],
        &["-E", "s/^(.)(.*)$/\\2\\1/", "lines"],
        &["-n", "/two/,$p", "lines"],
        &["2r nonl", "lines"],
        &["R dups", "lines"],
        &["1R missing", "lines"],
        &["N;W /dev/stdout", "lines"],
        &["w /dev/stdout", "lines"],
        &["s/t/T/w /dev/stdout", "lines"],
        &["$!{N};P;D", "lines"],
        &["2{h;d};${G}", "lines"],
        &["-n", "/one/{:a;N;/five/!ba;p}", "lines"],
        &["s/\\t/TAB/;s/^/>/", "blank"],
        &["y/o\\n/0_/", "lines"],
        &["#n\np", "lines"],
        &["s/\\(.\\)\\1/[&]/g", "dups"],
        &["-E", "s/(e)(.)\\1/<\\2>/", "lines"],
        &["-n", "/\\(e\\).*\\1/p", "lines"],
        &["-n", "-e", "2{", "-e", "p", "-e", "}", "lines"],
    ];
    let mut cases: Vec<Case> = lists.iter().map(|args| case_with(args, "")).collect();
    cases.push(case_with(&["s/b/B/"], "abc\nbcd"));
    cases.push(case_with(&["-n", "$p", "-", "nonl"], "first\n"));
    cases
}

#[test]
fn sed_matches_gnu() {
    agree("sed", &["sed"], &sed_cases());
}

#[test]
fn sed_matches_busybox() {
    // busybox is a second opinion where it follows POSIX as GNU does.
    // Where busybox is known to differ from POSIX and GNU, it is not asked.
    let busybox_differs = [
        "s/o/0/2g",
        "q5",
        "l",
        "w /dev/stdout",
        "-",
        "2r nonl",
        "R dups",
        "1R missing",
        "N;W /dev/stdout",
    ];
    let cases: Vec<Case> = sed_cases()
        .into_iter()
        .filter(|c| {
            !c.args.iter().any(|a| {
                busybox_differs.contains(&a.as_str())
                    || a == "Q"
                    || a.contains("~")
                    || a.contains('T')
                    || a == "-s"
                    || a.starts_with("2Q")
                    || a.contains("/I")
                    || a == "unknown"
                    || a == "s/a/b"
                    || a == "s/a/\\3/"
                    || a.starts_with("#n")
                    || a == "2,3c\\\nchanged"
                    || a == "missing"
                    || a == "z;s/^$/empty/"
                    || a == "0,/o/d"
            })
        })
        .collect();
    agree("sed", &["busybox", "sed"], &cases);
}

#[test]
fn grep_matches_busybox() {
    let cases: Vec<Case> = grep_cases()
        .into_iter()
        .filter(|c| {
            !c.args.iter().any(|a| {
                a.contains("\\b")
                    || a.contains("{1")
                    || a == "("
                    || a == "sub"
                    || a == "missing"
                    || a == "-L"
            })
        })
        // busybox shows context lines with -o, and no trailing context after -m.
        .filter(|c| {
            !(c.args.contains(&"context".to_string())
                && c.args.iter().any(|a| a == "-o" || a == "-m1"))
        })
        .collect();
    agree("grep", &["busybox", "grep"], &cases);
}

#[test]
fn sed_edits_in_place() {
    let dir = fixture_dir();
    let run = |args: &[&str]| ours("sed", &case_with(args, ""), dir.path());
    assert!(run(&["-i.bak", "s/one/ONE/", "lines"]).status.success());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert!(read("lines").starts_with("ONE two\n"));
    assert!(read("lines.bak").starts_with("one two\n"));
    assert!(run(&["-i", "", "s/ONE/1/", "lines"]).status.success());
    assert!(read("lines").starts_with("1 two\n"));
    assert!(run(&["-n", "-i", "$p", "lines", "text"]).status.success());
    assert_eq!(read("lines"), "eight nine ten\n");
    assert_eq!(read("text"), "x.y\n");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains(".sed")),
        "no temporary file is left: {names:?}"
    );
}

#[test]
fn xargs_env_tee_and_names_match_gnu() {
    let xargs = [
        case_with(&[], "a b\nc d e\n"),
        case_with(&["-n", "2", "echo", "x"], "a b\nc d e\n"),
        case_with(&["-L", "1", "echo"], "a b\nc d e\nf\n"),
        case_with(&["-I", "{}", "echo", "[{}]", "{}"], "a\n  b c\n"),
        case_with(&["-n1"], "'a b' \"c d\" e\\ f\n"),
        case_with(&["-0", "-n1", "echo"], "a\0b c\0"),
        case_with(&["echo", "hi"], ""),
        case_with(&["-r", "echo", "hi"], ""),
        case_with(&["false"], "a\n"),
        case_with(&["sh", "-c", "exit 255"], "a\n"),
        case_with(&["nonexistent-command-xyz"], "a\n"),
        case_with(&["sh", "-c", "kill -9 $$"], "x\n"),
        case_with(&["-E", "STOP", "echo"], "a b STOP c\n"),
        case_with(&["echo"], "'a\n"),
        case_with(&["-s", "12", "echo"], "aa bb cc dd\n"),
    ];
    agree("xargs", &["xargs"], &xargs);
    let env = [
        case("-i A=1 B=2"),
        case("-i A=1 env"),
        case("-i PATH=/usr/bin:/bin sh -c echo\\ $A"),
        case("nonexistent-command-xyz"),
        case("/etc/passwd"),
        case("- X=1"),
    ];
    agree("env", &["env"], &env);
    agree(
        "tee",
        &["tee"],
        &[
            case_with(&["out"], "hi\n"),
            case_with(&["-a", "lines"], "more\n"),
            case_with(&["/nonexistent/x"], "x\n"),
        ],
    );
    let basename = [
        case("/usr/lib/"),
        case("a.c .c"),
        case("-a /x/y /z"),
        case("-s .c a.c b.c"),
        case("///"),
        case("x/ x"),
    ];
    agree("basename", &["basename"], &basename);
    agree("dirname", &["dirname"], &[case("/usr/lib/ a//b/ / . lib")]);
}

#[test]
fn tee_writes_every_file() {
    let dir = fixture_dir();
    let out = ours("tee", &case_with(&["one", "two"], "data\n"), dir.path());
    assert_eq!(out.stdout, b"data\n");
    for name in ["one", "two"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            "data\n"
        );
    }
}

#[test]
fn yes_and_sleep() {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("crunch"))
        .args(["yes", "a", "b"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little of the endless output, then let it go.
    let mut head = vec![0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(head.starts_with(b"a b\na b\n"));
    let dir = fixture_dir();
    let started = std::time::Instant::now();
    assert!(
        ours("sleep", &case("0.2 0.001m"), dir.path())
            .status
            .success()
    );
    let waited = started.elapsed().as_secs_f64();
    // The upper bound only catches a sleep that is far off: the machine may be busy.
    assert!((0.25..10.0).contains(&waited), "slept {waited}s");
}

#[test]
fn date_matches_gnu() {
    let format = "+%Y-%m-%d %H:%M:%S %a %A %b %B %e %j %y %Z %z %u %w %s|%F %T %D %R %C %I %p %k %l %r %n%t%%";
    let cases: Vec<Case> = ["0", "951782400", "1795000000", "-86401", "4107542399"]
        .iter()
        .flat_map(|t| {
            let at = format!("@{t}");
            [
                Case {
                    args: vec!["-u".into(), "-d".into(), at.clone(), format.into()],
                    stdin: "",
                },
                Case {
                    args: vec!["-d".into(), at],
                    stdin: "",
                },
            ]
        })
        .collect();
    agree("date", &["date"], &cases);
}

#[test]
fn date_follows_a_fixed_offset_tz() {
    let dir = fixture_dir();
    let out = Command::cargo_bin("crunch")
        .unwrap()
        .args(["date", "-d", "@0", "+%H:%M %z"])
        .env("TZ", "UTC-5:30")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "05:30 +0530\n");
}

#[test]
fn setting_the_date_needs_privilege_or_a_valid_date() {
    let dir = fixture_dir();
    let bad = ours("date", &case("13320000"), dir.path());
    assert_eq!(bad.status.code(), Some(2));
    // As a user without CAP_SYS_TIME the kernel refuses; as root on the
    // host, leave the clock alone.
    if unsafe_free_is_root() {
        return;
    }
    let refused = ours("date", &case("010100002000"), dir.path());
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cannot set date"));
}

fn unsafe_free_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(true)
}

#[test]
fn errors_are_worded_and_numbered_as_agreed() {
    let dir = fixture_dir();
    for tool in [
        "cat", "wc", "head", "tail", "sort", "uniq", "cut", "tr", "grep", "sed", "tee", "xargs",
        "env", "basename", "dirname", "date",
    ] {
        let out = ours(tool, &case("-Z"), dir.path());
        assert_eq!(out.status.code(), Some(2), "{tool} -Z");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("{tool}: ")) && stderr.contains("usage:"),
            "{tool} -Z: {stderr}"
        );
        let help = ours(tool, &case("--help"), dir.path());
        assert_eq!(help.status.code(), Some(0), "{tool} --help");
        assert!(
            String::from_utf8_lossy(&help.stdout).starts_with("usage:"),
            "{tool} --help"
        );
    }
    for (tool, args, status) in [
        ("cat", "missing", 1),
        ("wc", "missing", 1),
        ("head", "missing", 1),
        ("tail", "missing", 1),
        ("sort", "missing", 2),
        ("uniq", "missing", 1),
        ("cut", "-f1 missing", 1),
        ("grep", "x missing", 2),
    ] {
        let out = ours(tool, &case(args), dir.path());
        assert_eq!(out.status.code(), Some(status), "{tool} {args}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("missing: No such file or directory"),
            "{tool} {args}: {stderr}"
        );
    }
    let sed = ours("sed", &case("p missing"), dir.path());
    assert_eq!(sed.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&sed.stderr),
        "sed: can't read missing: No such file or directory\n"
    );
}

#[test]
fn big_inputs_stream_through() {
    // A few megabytes through each filter: the result must be whole.
    let dir = fixture_dir();
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!("line {i} of the big file {}\n", i % 97));
    }
    std::fs::write(dir.path().join("big"), &text).unwrap();
    let count = |tool: &str, args: &str| {
        let out = ours(tool, &case(args), dir.path());
        assert!(out.status.success(), "{tool} {args}");
        out.stdout.iter().filter(|&&b| b == b'\n').count()
    };
    assert_eq!(count("cat", "big"), 200_000);
    assert_eq!(count("grep", "file.9$ big"), 200_000 / 97 + 1);
    assert_eq!(count("grep", "-v nowhere big"), 200_000);
    assert_eq!(count("sed", "s/line/LINE/g big"), 200_000);
    assert_eq!(count("sort", "-k7n -u big"), 97);
    assert_eq!(count("tail", "-n 5 big"), 5);
}

#[test]
fn tail_follows_a_growing_file() {
    use std::io::{Read, Write};
    let dir = fixture_dir();
    let log = dir.path().join("log");
    std::fs::write(&log, "old 1\nold 2\n").unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("crunch"))
        .args(["tail", "-n", "1", "-f"])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = vec![0u8; "old 2\n".len()];
    stdout.read_exact(&mut seen).unwrap();
    assert_eq!(seen, b"old 2\n");
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(b"new 3\n").unwrap();
    let mut appended = vec![0u8; "new 3\n".len()];
    stdout.read_exact(&mut appended).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(appended, b"new 3\n");
}

#[test]
fn head_leaves_a_seekable_input_after_what_it_used() {
    // `{ head -n 2; cat; } < lines`: cat goes on where head stopped.
    let dir = fixture_dir();
    let crunch = assert_cmd::cargo::cargo_bin("crunch");
    let script = format!("{{ {0} head -n 2; {0} cat; }} < lines", crunch.display());
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), FIXTURES[0].1);
}
