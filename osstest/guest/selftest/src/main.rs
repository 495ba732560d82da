//! `selftest`: runs as init (or any program) on Basalt and on Linux.
//!
//! `selftest` checks what the issue promises user programs: a NULL
//! dereference or a write to read-only memory kills only the offender with
//! SIGSEGV, bad pointers to system calls give EFAULT, threads, signals,
//! copy-on-write fork, pipes and exec work. `selftest bench` measures
//! fork+exec+wait, thread create+join, pipe throughput and a system call
//! round trip; `selftest disk DEVICE` measures file I/O on the ext2
//! filesystem on DEVICE. As process 1 it powers the machine off when done.

use std::ffi::CString;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Runs `child` in a forked process; returns the raw wait status.
fn in_child(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: fork in a process that may have threads: the child only runs
    // `child` and exits without touching locks other threads could hold.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = child();
        // SAFETY: _exit ends the child without running the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked; `status` is a valid out-pointer.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    status
}

fn killed_by(status: i32, signal: i32) -> bool {
    libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == signal
}

fn null_dereference_kills_only_the_child() -> bool {
    let status = in_child(|| {
        // SAFETY: not safe at all, on purpose: the kernel must turn this
        // load from page 0 into SIGSEGV for this process alone.
        let value = unsafe { std::ptr::read_volatile(std::ptr::null::<u8>()) };
        i32::from(value)
    });
    killed_by(status, libc::SIGSEGV)
}

fn write_to_read_only_memory_is_sigsegv() -> bool {
    let status = in_child(|| {
        // SAFETY: maps one private page, makes it read-only, then writes to
        // it on purpose to get SIGSEGV.
        unsafe {
            let page = libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            libc::mprotect(page, 4096, libc::PROT_READ);
            std::ptr::write_volatile(page as *mut u8, 1);
        }
        0
    });
    killed_by(status, libc::SIGSEGV)
}

fn bad_pointers_give_efault() -> bool {
    let kernel_address = 0xffff_8000_0000_0000usize as *const libc::c_void;
    // SAFETY: the kernel must reject these pointers without touching them.
    unsafe {
        let w = libc::write(1, 0x10 as *const libc::c_void, 8) == -1 && errno() == libc::EFAULT;
        let k = libc::write(1, kernel_address, 8) == -1 && errno() == libc::EFAULT;
        let mut fds = [0; 2];
        libc::pipe(fds.as_mut_ptr());
        libc::write(fds[1], b"x".as_ptr().cast(), 1);
        let r = libc::read(fds[0], std::ptr::null_mut(), 1) == -1 && errno() == libc::EFAULT;
        let mut st: libc::stat = std::mem::zeroed();
        let s = libc::stat(std::ptr::dangling::<libc::c_char>(), &mut st) == -1
            && errno() == libc::EFAULT;
        libc::close(fds[0]);
        libc::close(fds[1]);
        w && k && r && s
    }
}

fn threads_share_memory_and_join() -> bool {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    *counter.lock().unwrap() += 1;
                }
                std::thread::current().id()
            })
        })
        .collect();
    let ids: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let total = *counter.lock().unwrap();
    total == 4000 && ids.windows(2).all(|w| w[0] != w[1])
}

static HANDLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_usr1(_: libc::c_int) {
    HANDLED.store(true, Ordering::SeqCst);
}

fn signal_handlers_run_and_return() -> bool {
    // SAFETY: installs a handler that only stores to an atomic, then raises.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_usr1 as *const () as usize;
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
        libc::raise(libc::SIGUSR1);
    }
    HANDLED.load(Ordering::SeqCst)
}

fn fork_is_copy_on_write() -> bool {
    let mut value = vec![7u8; 8192];
    let status = in_child(|| {
        value[4096] = 9;
        i32::from(value[4096])
    });
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 9 && value[4096] == 7
}

fn pipes_carry_a_megabyte() -> bool {
    let (mut reader, mut writer) = std::io::pipe().unwrap();
    let sender = std::thread::spawn(move || {
        let block = [0x5au8; 4096];
        for _ in 0..256 {
            writer.write_all(&block).unwrap();
        }
    });
    let mut received = Vec::new();
    reader.read_to_end(&mut received).unwrap();
    sender.join().unwrap();
    received.len() == 1 << 20 && received.iter().all(|&b| b == 0x5a)
}

fn exec_and_exit_status() -> bool {
    let me = std::env::current_exe().unwrap();
    let ok = std::process::Command::new(&me)
        .arg("exit")
        .arg("0")
        .status()
        .unwrap();
    let three = std::process::Command::new(&me)
        .arg("exit")
        .arg("3")
        .status()
        .unwrap();
    ok.success() && three.code() == Some(3)
}

fn credentials_drop_for_good() -> bool {
    let status = in_child(|| {
        // SAFETY: identity calls on plain integers, in a child that exits.
        unsafe {
            let dropped =
                libc::setresgid(100, 100, 100) == 0 && libc::setresuid(1000, 1000, 1000) == 0;
            let ids = libc::getuid() == 1000 && libc::geteuid() == 1000 && libc::getgid() == 100;
            let back = libc::setuid(0) == -1 && errno() == libc::EPERM;
            i32::from(dropped && ids && back)
        }
    });
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 1
}

fn select_waits_for_readiness() -> bool {
    let mut fds = [0; 2];
    // SAFETY: pipe, select and FD_* on a local fd_set and timeval.
    unsafe {
        libc::pipe(fds.as_mut_ptr());
        let ready_with = |timeout_ms: i64| {
            let mut set: libc::fd_set = std::mem::zeroed();
            libc::FD_SET(fds[0], &mut set);
            let mut tv = libc::timeval {
                tv_sec: 0,
                tv_usec: timeout_ms * 1000,
            };
            let n = libc::select(
                fds[0] + 1,
                &mut set,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut tv,
            );
            (n, libc::FD_ISSET(fds[0], &set))
        };
        let start = Instant::now();
        let (idle, idle_set) = ready_with(50);
        let waited = start.elapsed().as_millis();
        libc::write(fds[1], b"x".as_ptr().cast(), 1);
        let (busy, busy_set) = ready_with(50);
        libc::close(fds[0]);
        libc::close(fds[1]);
        idle == 0 && !idle_set && waited >= 40 && busy == 1 && busy_set
    }
}

fn a_huge_file_write_fails_cleanly() -> bool {
    use std::os::unix::fs::FileExt;
    let path = "/selftest-huge";
    let file = std::fs::File::create(path).unwrap();
    // 200 MiB into a memory file system: fine on Linux, more than Basalt's
    // tmpfs holds. Either way the answer is a result, never a crash.
    let outcome = file.write_at(b"x", 200 << 20);
    let acceptable = match &outcome {
        Ok(1) => true,
        Ok(_) => false,
        Err(e) => matches!(
            e.raw_os_error(),
            Some(libc::ENOSPC) | Some(libc::EFBIG) | Some(libc::ENOMEM)
        ),
    };
    drop(file);
    std::fs::remove_file(path).is_ok() && acceptable
}

/// A named check.
type Check = (&'static str, fn() -> bool);

fn checks() -> usize {
    let list: [Check; 12] = [
        (
            "null-dereference-kills-only-the-child",
            null_dereference_kills_only_the_child,
        ),
        (
            "write-to-read-only-memory-is-sigsegv",
            write_to_read_only_memory_is_sigsegv,
        ),
        ("bad-pointers-give-efault", bad_pointers_give_efault),
        (
            "threads-share-memory-and-join",
            threads_share_memory_and_join,
        ),
        (
            "signal-handlers-run-and-return",
            signal_handlers_run_and_return,
        ),
        ("fork-is-copy-on-write", fork_is_copy_on_write),
        ("pipes-carry-a-megabyte", pipes_carry_a_megabyte),
        ("exec-and-exit-status", exec_and_exit_status),
        ("credentials-drop-for-good", credentials_drop_for_good),
        ("select-waits-for-readiness", select_waits_for_readiness),
        (
            "a-huge-file-write-fails-cleanly",
            a_huge_file_write_fails_cleanly,
        ),
        ("still-alive", || true),
    ];
    let mut failed = 0;
    for (name, check) in list {
        let ok = check();
        println!("{} {name}", if ok { "PASS" } else { "FAIL" });
        failed += usize::from(!ok);
    }
    println!("selftest: {} passed, {failed} failed", list.len() - failed);
    failed
}

fn micros(start: Instant, iterations: u64) -> f64 {
    start.elapsed().as_secs_f64() * 1e6 / iterations as f64
}

fn bench() {
    let me = CString::new(
        std::env::current_exe()
            .unwrap()
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    let arg0 = me.clone();
    let arg1 = CString::new("exit").unwrap();
    let arg2 = CString::new("0").unwrap();
    let argv = [
        arg0.as_ptr(),
        arg1.as_ptr(),
        arg2.as_ptr(),
        std::ptr::null(),
    ];
    let envp = [std::ptr::null()];
    let runs = 50;
    let start = Instant::now();
    for _ in 0..runs {
        let status = in_child(|| {
            // SAFETY: execve with NUL-terminated argv/envp arrays of C strings.
            unsafe { libc::execve(me.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
            127
        });
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "exec failed"
        );
    }
    println!("bench fork-exec-wait: {:.1} us", micros(start, runs));

    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        std::thread::spawn(|| 1).join().unwrap();
    }
    println!("bench thread-create-join: {:.1} us", micros(start, runs));

    let (mut reader, mut writer) = std::io::pipe().unwrap();
    let total: u64 = 32 << 20;
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        let block = vec![1u8; 65536];
        for _ in 0..total / 65536 {
            writer.write_all(&block).unwrap();
        }
    });
    let mut buf = vec![0u8; 65536];
    let mut got = 0u64;
    while got < total {
        got += reader.read(&mut buf).unwrap() as u64;
    }
    sender.join().unwrap();
    println!(
        "bench pipe-throughput: {:.1} MiB/s",
        (total >> 20) as f64 / start.elapsed().as_secs_f64()
    );

    let runs = 100_000;
    let sink = AtomicU64::new(0);
    let start = Instant::now();
    for _ in 0..runs {
        // SAFETY: getppid has no arguments and no failure mode.
        sink.fetch_add(unsafe { libc::getppid() } as u64, Ordering::Relaxed);
    }
    println!("bench getppid: {:.3} us", micros(start, runs));
}

fn cstring(text: &str) -> CString {
    CString::new(text).expect("no NUL in the names selftest uses")
}

fn check(result: libc::c_int, what: &str) -> std::io::Result<()> {
    if result == 0 {
        return Ok(());
    }
    let error = std::io::Error::last_os_error();
    Err(std::io::Error::new(
        error.kind(),
        format!("{what}: {error}"),
    ))
}

fn mount(source: &str, target: &str, fstype: &str) -> std::io::Result<()> {
    let (source_c, target_c, fstype_c) = (cstring(source), cstring(target), cstring(fstype));
    // SAFETY: mount(2) with NUL-terminated strings and no data.
    let result = unsafe {
        libc::mount(
            source_c.as_ptr(),
            target_c.as_ptr(),
            fstype_c.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    check(result, &format!("mount {source} on {target}"))
}

fn unmount(target: &str) -> std::io::Result<()> {
    let target_c = cstring(target);
    // SAFETY: umount(2) with a NUL-terminated path.
    check(
        unsafe { libc::umount(target_c.as_ptr()) },
        &format!("umount {target}"),
    )
}

/// Linux: loads the modules the initramfs carries under /modules, in name
/// order (the benchmark's builder numbers them dependencies first).
fn load_modules() {
    let Ok(entries) = std::fs::read_dir("/modules") else {
        return;
    };
    let mut modules: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    modules.sort();
    for module in modules {
        let file = std::fs::File::open(&module).unwrap();
        let no_params = cstring("");
        // SAFETY: finit_module(2) with an open module file and empty parameters.
        let result = unsafe {
            libc::syscall(
                libc::SYS_finit_module,
                std::os::fd::AsRawFd::as_raw_fd(&file),
                no_params.as_ptr(),
                0,
            )
        };
        if result != 0 && errno() != libc::EEXIST {
            panic!(
                "finit_module {}: {}",
                module.display(),
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Waits for `device`, mounting devtmpfs on /dev first when it is missing
/// (Linux without udev).
fn wait_for_device(device: &str) {
    if std::path::Path::new(device).exists() {
        return;
    }
    mount("devtmpfs", "/dev", "devtmpfs").unwrap();
    for _ in 0..500 {
        if std::path::Path::new(device).exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("{device}: no such device");
}

const DISK_FILE_SIZE: usize = 64 << 20;
const DISK_SMALL_FILES: usize = 10_000;

/// Sequential write and read of a 64 MiB file and create+unlink of 10,000
/// small files on the ext2 filesystem on `device`, mounted at /mnt. The
/// write counts until fsync returns; the filesystem is unmounted and
/// mounted again before the read, so the read comes from the disk.
fn disk_bench(device: &str) {
    load_modules();
    wait_for_device(device);
    let _ = std::fs::create_dir("/mnt");
    mount(device, "/mnt", "ext2").unwrap();

    let chunk: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let start = Instant::now();
    let mut file = std::fs::File::create("/mnt/big").unwrap();
    for _ in 0..DISK_FILE_SIZE / chunk.len() {
        file.write_all(&chunk).unwrap();
    }
    file.sync_all().unwrap();
    drop(file);
    let seconds = start.elapsed().as_secs_f64();
    println!("bench seq-write-64MiB: {:.1} MiB/s", 64.0 / seconds);

    unmount("/mnt").unwrap();
    mount(device, "/mnt", "ext2").unwrap();
    let start = Instant::now();
    let mut file = std::fs::File::open("/mnt/big").unwrap();
    let mut buf = vec![0u8; chunk.len()];
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(total, DISK_FILE_SIZE, "/mnt/big read back short");
    assert_eq!(
        buf, chunk,
        "/mnt/big's last MiB differs from what was written"
    );
    println!("bench seq-read-64MiB: {:.1} MiB/s", 64.0 / seconds);

    std::fs::create_dir("/mnt/small").unwrap();
    let body = [b'x'; 100];
    let start = Instant::now();
    for i in 0..DISK_SMALL_FILES {
        std::fs::write(format!("/mnt/small/{i}"), body).unwrap();
    }
    for i in 0..DISK_SMALL_FILES {
        std::fs::remove_file(format!("/mnt/small/{i}")).unwrap();
    }
    // SAFETY: sync(2) has no arguments.
    unsafe { libc::sync() };
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "bench create-unlink-10000: {:.0} files/s",
        DISK_SMALL_FILES as f64 / seconds
    );
    unmount("/mnt").unwrap();
}

/// As init, /proc is not mounted yet (current_exe needs it).
fn mount_proc() {
    let _ = std::fs::create_dir_all("/proc");
    let _ = mount("proc", "/proc", "proc");
}

fn main() {
    // SAFETY: getpid has no preconditions.
    if unsafe { libc::getpid() } == 1 {
        mount_proc();
    }
    let args: Vec<String> = std::env::args().collect();
    let failed = match args.get(1).map(String::as_str) {
        Some("exit") => std::process::exit(args.get(2).and_then(|c| c.parse().ok()).unwrap_or(0)),
        Some("bench") => {
            bench();
            0
        }
        Some("disk") => {
            disk_bench(args.get(2).map_or("/dev/vbd0", String::as_str));
            0
        }
        _ => checks(),
    };
    std::io::stdout().flush().unwrap();
    // SAFETY: getpid has no preconditions.
    if unsafe { libc::getpid() } == 1 {
        // SAFETY: as init, power the machine off once everything is printed.
        unsafe {
            libc::sync();
            libc::reboot(libc::RB_POWER_OFF);
        }
    }
    std::process::exit(i32::from(failed > 0));
}
