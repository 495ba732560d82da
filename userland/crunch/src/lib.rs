//! `crunch`: Basalt's base programs in one static binary, chosen by the name
//! it is run as (`/bin/ls` is a link to `/bin/crunch`), as FreeBSD's
//! crunchgen(1) builds /rescue. One binary keeps the base system small: Rust's
//! standard library is linked once, not once per program.
//!
//! Each program lives in its own folder, `userland/bin/NAME` or
//! `userland/sbin/NAME`, as `NAME.rs` with its man page beside it; `build.rs`
//! finds them. `crunch NAME ARGS...` runs one by name, `crunch --list` prints
//! every name the binary answers to as `DIR NAME [set-user-id]` (the image
//! builder makes the links, and the set-user-id copies, from it).
//!
//! The table and the dispatch live in this library so that single-program
//! binaries (`src/bin/gpt.rs`: the host tools `cargo build` makes) run the
//! very same code as the multi-call one (`src/main.rs`).

pub mod common;

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// One program of the binary.
pub struct Program {
    /// The names it answers to: its own first, then aliases (`[` for `test`).
    pub names: &'static [&'static str],
    /// Where it lives in the installed system: `"bin"` or `"sbin"`.
    pub dir: &'static str,
    /// Runs it with `args[0]` the name it was called by; returns the exit status.
    pub main: fn(&[String]) -> i32,
}

/// The programs installed set-user-id (copies of this binary): only they
/// keep the rights of the file's owner.
const SET_USER_ID: &[&str] = &["su", "passwd"];

/// Any other program run through a set-user-id copy runs as its user.
fn drop_set_user_id() {
    // SAFETY: the get/set id calls only read and change this process's ids.
    unsafe {
        let (uid, gid) = (libc::getuid(), libc::getgid());
        if libc::getegid() != gid && libc::setresgid(gid, gid, gid) != 0 {
            std::process::abort();
        }
        if libc::geteuid() != uid && libc::setresuid(uid, uid, uid) != 0 {
            std::process::abort();
        }
    }
}

fn find(name: &str) -> Option<&'static Program> {
    PROGRAMS.iter().copied().find(|p| p.names.contains(&name))
}

/// The multi-call entry point: runs the program named by `argv[0]`, or by
/// `argv[1]` when called as `crunch`.
pub fn main() -> ! {
    let mut args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let invoked = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .unwrap_or_default();
    if invoked == "crunch" {
        match args.get(1).map(String::as_str) {
            Some("--list") => {
                for program in PROGRAMS {
                    for name in program.names {
                        let set_id = if SET_USER_ID.contains(name) {
                            " set-user-id"
                        } else {
                            ""
                        };
                        println!("{} {name}{set_id}", program.dir);
                    }
                }
                std::process::exit(0);
            }
            Some("--help") | None => {
                println!("usage: crunch NAME [ARGS...]\n       crunch --list");
                std::process::exit(if args.len() > 1 { 0 } else { 2 });
            }
            Some(_) => {
                args.remove(0);
            }
        }
    }
    let name = args[0].rsplit('/').next().unwrap_or(&args[0]);
    // login(1) and su(1) start a login shell as `-sh`: it is still sh.
    let name = name.strip_prefix('-').unwrap_or(name).to_string();
    dispatch(&name, &args)
}

/// The entry point of a single-program binary: runs program `name` whatever
/// the binary is called.
pub fn main_as(name: &str) -> ! {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    dispatch(name, &args)
}

/// Runs program `name` with `args` and exits with its status.
fn dispatch(name: &str, args: &[String]) -> ! {
    let Some(program) = find(name) else {
        eprintln!("crunch: no program named '{name}' (crunch --list shows them)");
        std::process::exit(2);
    };
    if !SET_USER_ID.contains(&name) {
        drop_set_user_id();
    }
    let status = (program.main)(args);
    common::flush_stdout();
    std::process::exit(status);
}
