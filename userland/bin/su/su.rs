//! `su`: run a shell as another user (root by default). The superuser needs
//! no password; anyone else gives the target user's. su is installed
//! setuid root, so it can read /etc/master.passwd and change ids.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use users::{Database, session};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["su"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: su [-] [-lm] [-c command] [user [arg ...]]";

fn main(args: &[String]) -> i32 {
    let (mut login, mut keep_environment) = (false, false);
    let mut command = None;
    let mut getopt = Getopt::new(args, "lmc:");
    loop {
        match getopt.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                println!("{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('l', _))) => login = true,
            Ok(Some(Opt::Flag('m', _))) => keep_environment = true,
            Ok(Some(Opt::Flag(_, value))) => command = value,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let mut operands = getopt.operands();
    // `su -` is `su -l`, as it has always been.
    if operands.first().is_some_and(|o| o == "-") {
        login = true;
        operands = &operands[1..];
    }
    if login && keep_environment {
        return usage_error(args, "-l and -m exclude each other", USAGE);
    }
    let (name, shell_args) = match operands.split_first() {
        Some((name, rest)) => (name.as_str(), rest),
        None => ("root", operands),
    };
    // SAFETY: geteuid and getuid take no arguments and cannot fail.
    let (euid, caller) = unsafe { (libc::geteuid(), libc::getuid()) };
    if euid != 0 {
        warn(args, "not running setuid root");
        return 1;
    }
    let db = match Database::open(Path::new("/")) {
        Ok(db) => db,
        Err(e) => {
            warn(args, e);
            return 1;
        }
    };
    let Some(target) = db.user(name) else {
        warn(args, format_args!("unknown login: {name}"));
        return 1;
    };
    if caller != 0 && !target.has_empty_password() {
        let accepted = match users::terminal::read_password("Password: ") {
            Ok(Some(password)) => target.check_password(&password),
            Ok(None) => false,
            Err(e) => {
                warn_io(args, "stdin", &e);
                false
            }
        };
        if !accepted {
            std::thread::sleep(Duration::from_secs(1));
            warn(args, "Sorry");
            return 1;
        }
    }
    if let Err(e) = session::become_user(&db, target) {
        warn_io(args, format_args!("cannot become {name}"), &e);
        return 1;
    }
    let shell = session::shell(target);
    let mut process = std::process::Command::new(shell);
    if login {
        process
            .arg0(session::login_argv0(shell))
            .env_clear()
            .envs(session::environment(target, std::env::var_os("TERM")));
        if let Err(e) = std::env::set_current_dir(&target.home) {
            warn_io(args, &target.home, &e);
            return 1;
        }
    } else {
        // A shell told by its name what it is, never `su`: crunch picks
        // the program by that name.
        process.arg0(shell.rsplit('/').next().unwrap_or(shell));
        if !keep_environment {
            process.env("HOME", &target.home).env("SHELL", shell);
            if target.uid != 0 {
                process
                    .env("USER", &target.name)
                    .env("LOGNAME", &target.name);
            }
        }
    }
    if let Some(command) = command {
        process.arg("-c").arg(command);
    }
    process.args(shell_args);
    let e = process.exec();
    warn_io(args, shell, &e);
    1
}
