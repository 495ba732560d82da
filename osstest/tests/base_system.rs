//! The base system, as a person at the serial console meets it: the
//! initramfs the release builder writes boots to a root shell; with an
//! /etc/ttys, getty and login let a user in with a password; the shell's job
//! control stops and resumes jobs; and `poweroff` shuts down through init.

use images::Workspace;
use osstest::artifacts;
use osstest::qemu::{Machine, Vm, VmConfig};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const BOOT: Duration = Duration::from_secs(90);
const STEP: Duration = Duration::from_secs(30);

/// A q35 machine booting the release kernel with `initrd`.
fn machine(ws: &Workspace, initrd: PathBuf) -> VmConfig {
    let mut config = artifacts::basalt_vm(ws, Machine::Q35).unwrap();
    config.kernel = Some(artifacts::base_system(ws).unwrap().kernel);
    config.initrd = vec![initrd];
    config
}

/// Runs `command` at the shell prompt `prompt`; returns what it printed.
fn run(vm: &mut Vm, command: &str, prompt: &str) -> String {
    vm.send(&format!("{command}\r")).unwrap();
    vm.expect(&format!("{command}\n"), STEP).unwrap();
    // The prompt that counts starts a line (the output may contain "# ").
    let mut out = String::new();
    loop {
        out += &vm.expect(prompt, STEP).unwrap();
        if out.is_empty() || out.ends_with('\n') {
            return out;
        }
        out += prompt;
    }
}

#[test]
fn the_initrd_boots_to_a_root_shell_that_runs_the_tools() {
    let ws = Workspace::this();
    let built = artifacts::base_system(&ws).unwrap();
    let mut vm = Vm::start(&machine(&ws, built.initrd.clone())).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    assert_eq!(run(&mut vm, "uname -s", "# "), "Basalt\n");
    assert_eq!(run(&mut vm, "echo $((6*7)) | cat", "# "), "42\n");
    let on_host = std::fs::read_dir(built.root.join("bin")).unwrap().count();
    let counted = run(&mut vm, "ls /bin | wc -l", "# ");
    assert_eq!(
        counted.trim().parse::<usize>().unwrap(),
        on_host,
        "{counted}"
    );
    assert!(on_host > 40, "only {on_host} programs in /bin");
    // Processes give their memory back: 40 runs of a program leave free
    // memory where it was (each run maps the 3 MB crunch binary).
    let free = |vm: &mut Vm| -> u64 {
        let line = run(vm, "grep MemFree /proc/meminfo", "# ");
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let before = free(&mut vm);
    run(
        &mut vm,
        "i=0; while [ $i -lt 40 ]; do /bin/true; i=$((i+1)); done",
        "# ",
    );
    let after = free(&mut vm);
    assert!(
        before.abs_diff(after) < 1024,
        "free memory {before} kB -> {after} kB"
    );
    vm.send("poweroff\r").unwrap();
    let status = vm.wait_exit(STEP).unwrap();
    assert!(status.success(), "{status}\n{}", vm.transcript());
    assert!(vm.transcript().contains("init: shutting down"));
}

#[test]
fn init_s_gives_a_recovery_shell_without_running_rc() {
    let ws = Workspace::this();
    let built = artifacts::base_system(&ws).unwrap();
    let mut config = machine(&ws, built.initrd.clone());
    config.append = Some("-- -s".into());
    let mut vm = Vm::start(&config).unwrap();
    vm.expect("init: single-user mode", BOOT).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    assert_eq!(run(&mut vm, "uname -s", "# "), "Basalt\n");
    vm.send("poweroff\r").unwrap();
    let status = vm.wait_exit(STEP).unwrap();
    assert!(status.success(), "{status}\n{}", vm.transcript());
}

/// A sha512-crypt hash made by OpenSSL, the independent judge of the format.
fn openssl_hash(password: &str) -> String {
    let out = Command::new("openssl")
        .args(["passwd", "-6", "-salt", "basaltsalt", password])
        .output()
        .expect("openssl is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn a_user_logs_in_on_the_console_with_a_password() {
    let ws = Workspace::this();
    let built = artifacts::base_system(&ws).unwrap();
    let etc = built.root.join("etc");
    let read = |name: &str| std::fs::read_to_string(etc.join(name)).unwrap();
    let hash = openssl_hash("correct horse");
    let master = format!(
        "{}alice:{hash}:1001:1001::0:0:Alice:/home/alice:/bin/sh\n",
        read("master.passwd")
    );
    let passwd = format!(
        "{}alice:*:1001:1001:Alice:/home/alice:/bin/sh\n",
        read("passwd")
    );
    let group = format!("{}alice:*:1001:\n", read("group"));
    let ttys = "console \"/sbin/getty std.115200\" vt100 on secure\n";
    let dir = artifacts::fixture_dir(&ws, "login").unwrap();
    let initrd = dir.join("initrd");
    images::world::write_initrd(
        &built.root,
        &[
            ("etc/master.passwd", 0o600, master.as_bytes()),
            ("etc/passwd", 0o644, passwd.as_bytes()),
            ("etc/group", 0o644, group.as_bytes()),
            ("etc/ttys", 0o644, ttys.as_bytes()),
        ],
        &initrd,
    )
    .unwrap();
    let mut vm = Vm::start(&machine(&ws, initrd)).unwrap();

    vm.expect("login: ", BOOT).unwrap();
    vm.send("alice\r").unwrap();
    vm.expect("Password:", STEP).unwrap();
    vm.send("wrong horse\r").unwrap();
    vm.expect("Login incorrect", STEP).unwrap();
    vm.expect("login: ", STEP).unwrap();
    vm.send("alice\r").unwrap();
    vm.expect("Password:", STEP).unwrap();
    vm.send("correct horse\r").unwrap();
    vm.expect("\n$ ", STEP).unwrap();
    assert_eq!(run(&mut vm, "id -un", "$ "), "alice\n");
    assert_eq!(run(&mut vm, "id -u", "$ "), "1001\n");
    // A user may not read the password hashes.
    let refused = run(&mut vm, "cat /etc/master.passwd; echo status $?", "$ ");
    assert!(refused.ends_with("status 1\n"), "{refused}");
    assert!(!refused.contains(&hash), "{refused}");
    // Leaving gives the console back to getty; root (no password) shuts down.
    vm.send("exit\r").unwrap();
    vm.expect("login: ", STEP).unwrap();
    vm.send("root\r").unwrap();
    vm.expect("\n# ", STEP).unwrap();
    vm.send("poweroff\r").unwrap();
    assert!(vm.wait_exit(STEP).unwrap().success(), "{}", vm.transcript());
}

#[test]
fn job_control_stops_resumes_and_interrupts_jobs() {
    let ws = Workspace::this();
    let built = artifacts::base_system(&ws).unwrap();
    let mut vm = Vm::start(&machine(&ws, built.initrd.clone())).unwrap();
    vm.expect("\n# ", BOOT).unwrap();

    // ^C interrupts the foreground job, not the shell.
    vm.send("sleep 100\r").unwrap();
    vm.expect("sleep 100\n", STEP).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    vm.send("\x03").unwrap();
    vm.expect("\n# ", STEP).unwrap();
    assert_eq!(run(&mut vm, "echo alive $?", "# "), "alive 130\n");

    // ^Z stops it; bg resumes it in the background; fg and kill reach it.
    vm.send("sleep 200\r").unwrap();
    vm.expect("sleep 200\n", STEP).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    vm.send("\x1a").unwrap();
    vm.expect("Stopped", STEP).unwrap();
    vm.expect("# ", STEP).unwrap();
    let jobs = run(&mut vm, "jobs", "# ");
    assert!(
        jobs.contains("Stopped") && jobs.contains("sleep 200"),
        "{jobs}"
    );
    run(&mut vm, "bg", "# ");
    let jobs = run(&mut vm, "jobs", "# ");
    assert!(
        jobs.contains("Running") && jobs.contains("sleep 200"),
        "{jobs}"
    );
    run(&mut vm, "kill %1", "# ");
    let waited = run(&mut vm, "wait; echo waited $?", "# ");
    assert!(waited.contains("waited"), "{waited}");
    assert!(run(&mut vm, "jobs", "# ").trim().is_empty());

    // A background job that reads the terminal is stopped (SIGTTIN).
    vm.send("cat &\r").unwrap();
    vm.expect("\n# ", STEP).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let jobs = run(&mut vm, "jobs", "# ");
    assert!(jobs.contains("Stopped"), "{jobs}");
    run(&mut vm, "kill -9 %1", "# ");
    vm.send("poweroff\r").unwrap();
    assert!(vm.wait_exit(STEP).unwrap().success(), "{}", vm.transcript());
}

/// The characters on the VGA text screen, read from its memory through the
/// QEMU monitor, row by row.
fn vga_screen(vm: &mut Vm) -> String {
    let dump = vm.monitor("xp /2000hx 0xb8000").unwrap();
    let cells: Vec<u16> = dump
        .lines()
        .filter_map(|line| line.split_once(": ").map(|(_, cells)| cells))
        .flat_map(|cells| cells.split_whitespace())
        .filter_map(|cell| u16::from_str_radix(cell.trim_start_matches("0x"), 16).ok())
        .collect();
    assert_eq!(cells.len(), 2000, "{dump}");
    cells
        .chunks(80)
        .map(|row| {
            row.iter()
                .map(|c| (c & 0xff) as u8 as char)
                .collect::<String>()
                + "\n"
        })
        .collect()
}

#[test]
fn the_vga_console_shows_the_shell_and_takes_keys_from_the_keyboard() {
    let ws = Workspace::this();
    let built = artifacts::base_system(&ws).unwrap();
    let dir = artifacts::fixture_dir(&ws, "vga").unwrap();
    let socket = dir.join("monitor.sock");
    let _ = std::fs::remove_file(&socket);
    let mut config = machine(&ws, built.initrd.clone());
    config.machine = Machine::Pc;
    config.vga = true;
    config.monitor = Some(socket);
    let mut vm = Vm::start(&config).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    // Typed on the PS/2 keyboard: the console answers on both screens.
    for key in [
        "e", "c", "h", "o", "spc", "k", "e", "y", "s", "spc", "o", "k", "ret",
    ] {
        vm.monitor(&format!("sendkey {key}")).unwrap();
    }
    vm.expect("\nkeys ok\n", STEP).unwrap();
    vm.expect("# ", STEP).unwrap();
    let screen = vga_screen(&mut vm);
    assert!(screen.contains("# echo keys ok"), "{screen}");
    assert!(
        screen.lines().any(|l| l.trim_end() == "keys ok"),
        "{screen}"
    );
    vm.send("poweroff\r").unwrap();
    assert!(vm.wait_exit(STEP).unwrap().success(), "{}", vm.transcript());
}

/// Runs every script of the shell's suite (userland/crunch/tests/sh) with
/// Basalt's sh on Basalt, and with Debian's dash on the host, each in a
/// fresh directory with no input: stdout and exit status must agree.
#[test]
fn the_shell_script_suite_gives_what_dash_gives() {
    let ws = Workspace::this();
    let built = artifacts::base_system(&ws).unwrap();
    let suite = ws.root().join("userland/crunch/tests/sh");
    let mut scripts: Vec<(String, Vec<u8>)> = std::fs::read_dir(&suite)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 20, "only {} scripts", scripts.len());

    // The same procedure on both sides: a fresh directory, no input,
    // stdout kept, stderr (whose wording differs between shells) dropped.
    let driver = "for f in /suite/*.sh; do
    name=${f##*/}
    mkdir -p /tmp/suite/$name && cd /tmp/suite/$name
    TMPDIR=$PWD HOME=$PWD sh \"$f\" </dev/null >/tmp/suite/$name.out 2>/dev/null
    status=$?
    echo \"=== $name\"
    cat /tmp/suite/$name.out
    echo \"=== status $status\"
done
echo suite-done
";
    let mut extra: Vec<(String, u32, Vec<u8>)> = scripts
        .iter()
        .map(|(name, body)| (format!("suite/{name}"), 0o644, body.clone()))
        .collect();
    extra.push(("suite/run".into(), 0o755, driver.as_bytes().to_vec()));
    let extra_refs: Vec<(&str, u32, &[u8])> = extra
        .iter()
        .map(|(p, m, b)| (p.as_str(), *m, b.as_slice()))
        .collect();
    let dir = artifacts::fixture_dir(&ws, "sh-suite").unwrap();
    let initrd = dir.join("initrd");
    images::world::write_initrd(&built.root, &extra_refs, &initrd).unwrap();

    let mut vm = Vm::start(&machine(&ws, initrd)).unwrap();
    vm.expect("\n# ", BOOT).unwrap();
    vm.send("sh /suite/run\r").unwrap();
    let output = vm.expect("suite-done\n", Duration::from_secs(240)).unwrap();
    vm.send("poweroff\r").unwrap();
    let _ = vm.wait_exit(STEP);

    let mut failures = Vec::new();
    for (name, body) in &scripts {
        let start = format!("=== {name}\n");
        let on_basalt = output.split_once(&start).and_then(|(_, rest)| {
            rest.split_once("=== status ").map(|(out, status)| {
                let status = status.lines().next().unwrap_or("");
                (out.to_string(), status.to_string())
            })
        });
        let judge_dir = tempfile::tempdir().unwrap();
        let script = judge_dir.path().join(name);
        std::fs::write(&script, body).unwrap();
        let work = judge_dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        let dash = Command::new("dash")
            .arg(&script)
            .current_dir(&work)
            .env("TMPDIR", &work)
            .env("HOME", &work)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .expect("dash is installed");
        let expected = (
            String::from_utf8_lossy(&dash.stdout).into_owned(),
            dash.status.code().unwrap_or(-1).to_string(),
        );
        if on_basalt.as_ref() != Some(&expected) {
            failures.push(format!(
                "{name}: dash gave {expected:?}\nBasalt gave {on_basalt:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
