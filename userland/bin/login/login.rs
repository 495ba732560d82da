//! `login`: ask for a name and password, check them against
//! /etc/master.passwd, and start the user's shell as that user.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use users::{Database, User, session};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["login"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: login [-fp] [-h hostname] [user]";
/// Wrong answers allowed before login exits.
const TRIES: u32 = 3;
/// The pause after a wrong answer, which slows guessing down.
const FAILURE_DELAY: Duration = Duration::from_secs(1);
/// What an unknown user's "password" is checked against, so that a wrong
/// name takes as long as a wrong password and tells nothing.
const DUMMY_HASH: &str = "$6$loginDummySalt$";

fn main(args: &[String]) -> i32 {
    let (mut force, mut preserve) = (false, false);
    let mut getopt = Getopt::new(args, "fph:");
    loop {
        match getopt.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                println!("{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('f', _))) => force = true,
            Ok(Some(Opt::Flag('p', _))) => preserve = true,
            // -h names the remote host of a network login: nothing to log it to.
            Ok(Some(Opt::Flag(_, _))) => {}
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    if operands.len() > 1 {
        return usage_error(args, &format!("extra operand '{}'", operands[1]), USAGE);
    }
    // SAFETY: geteuid and getuid take no arguments and cannot fail.
    let (euid, uid) = unsafe { (libc::geteuid(), libc::getuid()) };
    if euid != 0 {
        warn(args, "must be run by the superuser");
        return 1;
    }
    if force && (uid != 0 || operands.is_empty()) {
        warn(args, "-f needs a user and a superuser caller");
        return 1;
    }
    let db = match Database::open(Path::new("/")) {
        Ok(db) => db,
        Err(e) => {
            warn(args, e);
            return 1;
        }
    };
    let mut name = operands.first().cloned();
    for _ in 0..TRIES {
        let name = match name.take() {
            Some(name) => name,
            None => match ask_name() {
                Ok(Some(name)) => name,
                Ok(None) => return 1,
                Err(e) => {
                    warn_io(args, "stdin", &e);
                    return 1;
                }
            },
        };
        let user = db.user(&name);
        let accepted = match user {
            Some(user) if user.is_locked() => {
                // Ask all the same: a locked account looks like any other.
                let _ = users::terminal::read_password("Password: ");
                false
            }
            Some(user) if force || user.has_empty_password() => true,
            _ => {
                let password = match users::terminal::read_password("Password: ") {
                    Ok(Some(password)) => password,
                    Ok(None) => return 1,
                    Err(e) => {
                        warn_io(args, "stdin", &e);
                        return 1;
                    }
                };
                match user {
                    Some(user) => user.check_password(&password),
                    None => {
                        users::crypt::verify(password.as_bytes(), DUMMY_HASH);
                        false
                    }
                }
            }
        };
        if let (true, Some(user)) = (accepted, user) {
            return start_session(args, &db, user, preserve);
        }
        std::thread::sleep(FAILURE_DELAY);
        let _ = writeln!(std::io::stdout(), "Login incorrect");
    }
    1
}

/// Prompts `login: ` until a name is typed; `None` at end of input.
fn ask_name() -> std::io::Result<Option<String>> {
    loop {
        let mut out = std::io::stdout().lock();
        out.write_all(b"login: ")?;
        out.flush()?;
        match users::terminal::read_line(std::io::stdin().lock())? {
            Some(name) if name.trim().is_empty() => continue,
            Some(name) => return Ok(Some(name.trim().to_string())),
            None => return Ok(None),
        }
    }
}

/// Becomes `user` and runs its shell as a login shell; returns only on
/// failure.
fn start_session(args: &[String], db: &Database, user: &User, preserve: bool) -> i32 {
    give_terminal(user);
    if let Err(e) = session::become_user(db, user) {
        warn_io(args, format_args!("cannot become {}", user.name), &e);
        return 1;
    }
    let mut home = user.home.clone();
    if std::env::set_current_dir(&home).is_err() {
        let _ = writeln!(
            std::io::stdout(),
            "No home directory {home}!\nLogging in with home = \"/\"."
        );
        home = "/".into();
        if let Err(e) = std::env::set_current_dir("/") {
            warn_io(args, "/", &e);
            return 1;
        }
    }
    print_motd(&home);
    let shell = session::shell(user);
    let mut command = std::process::Command::new(shell);
    command.arg0(session::login_argv0(shell));
    if !preserve {
        command.env_clear();
    }
    for (key, value) in session::environment(user, std::env::var_os("TERM")) {
        command.env(key, value);
    }
    command.env("HOME", &home);
    let e = command.exec();
    warn_io(args, shell, &e);
    1
}

/// Gives the terminal on standard input to the user, readable and
/// writable by it alone, as login(1) has always done.
fn give_terminal(user: &User) {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: isatty takes an integer.
    if unsafe { libc::isatty(0) } != 1 {
        return;
    }
    let Ok(tty) = std::fs::read_link("/proc/self/fd/0") else {
        return;
    };
    // Best effort: a terminal that cannot change owner still works.
    let _ = std::os::unix::fs::chown(&tty, Some(user.uid), Some(user.gid));
    let _ = std::fs::set_permissions(&tty, std::fs::Permissions::from_mode(0o600));
}

/// Prints /etc/motd, unless the user has a `.hushlogin`.
fn print_motd(home: &str) {
    if Path::new(home).join(".hushlogin").exists() {
        return;
    }
    if let Ok(motd) = std::fs::read("/etc/motd") {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&motd);
        let _ = out.flush();
    }
}
