//! `passwd`: change a password. The superuser may set anyone's; others
//! change their own after giving the old one. Installed setuid root, as it
//! rewrites /etc/master.passwd.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use users::Database;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["passwd"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: passwd [user]";
/// Tries at typing the new password twice alike.
const TRIES: u32 = 3;

fn main(args: &[String]) -> i32 {
    // No options: one step of getopt finds `--help`, `--` or a bad one.
    let mut getopt = Getopt::new(args, "");
    match getopt.next_opt() {
        Ok(None) => {}
        Ok(Some(Opt::Help)) => {
            println!("{USAGE}");
            return 0;
        }
        Ok(Some(Opt::Flag(c, _))) => {
            return usage_error(args, &format!("unknown option -- {c}"), USAGE);
        }
        Err(e) => return usage_error(args, &e.0, USAGE),
    }
    let operands = getopt.operands();
    if operands.len() > 1 {
        return usage_error(args, &format!("extra operand '{}'", operands[1]), USAGE);
    }
    // SAFETY: geteuid and getuid take no arguments and cannot fail.
    let (euid, caller) = unsafe { (libc::geteuid(), libc::getuid()) };
    if euid != 0 {
        warn(args, "not running setuid root");
        return 1;
    }
    let mut db = match Database::open(Path::new("/")) {
        Ok(db) => db,
        Err(e) => {
            warn(args, e);
            return 1;
        }
    };
    let user = match operands.first() {
        Some(name) => db.user(name),
        None => db.user_by_uid(caller),
    };
    let Some(user) = user.cloned() else {
        match operands.first() {
            Some(name) => warn(args, format_args!("unknown user {name}")),
            None => warn(args, format_args!("no user has uid {caller}")),
        }
        return 1;
    };
    if caller != 0 && user.uid != caller {
        warn(
            args,
            format_args!("permission denied to change the password of {}", user.name),
        );
        return 1;
    }
    let _ = writeln!(
        std::io::stdout(),
        "Changing local password for {}",
        user.name
    );
    crate::common::flush_stdout();
    let ask = |prompt: &str| match users::terminal::read_password(prompt) {
        Ok(Some(answer)) => Some(answer),
        Ok(None) => None,
        Err(e) => {
            warn_io(args, "stdin", &e);
            None
        }
    };
    if caller != 0 && !user.has_empty_password() {
        let Some(old) = ask("Old Password: ") else {
            return 1;
        };
        if !user.check_password(&old) {
            std::thread::sleep(Duration::from_secs(1));
            warn(args, "Sorry");
            return 1;
        }
    }
    let mut new = None;
    for _ in 0..TRIES {
        let Some(first) = ask("New Password: ") else {
            return 1;
        };
        if first.is_empty() {
            warn(args, "password unchanged");
            return 1;
        }
        let Some(second) = ask("Retype New Password: ") else {
            return 1;
        };
        if first == second {
            new = Some(first);
            break;
        }
        let _ = writeln!(std::io::stderr(), "Mismatch; try again, EOF to quit.");
    }
    let Some(new) = new else {
        warn(args, "password unchanged");
        return 1;
    };
    let hash = match users::crypt::hash_password(new.as_bytes(), users::crypt::DEFAULT_ROUNDS) {
        Ok(hash) => hash,
        Err(e) => {
            warn(args, users::Error::Random(e));
            return 1;
        }
    };
    // A locked account stays locked with its new password.
    let locked = user.is_locked();
    let result = db
        .modify_user(&user.name, |u| {
            u.password = if locked {
                format!("{}{hash}", users::LOCKED_PREFIX)
            } else {
                hash
            }
        })
        .and_then(|()| db.save());
    if let Err(e) = result {
        warn(args, e);
        return 1;
    }
    let _ = writeln!(
        std::io::stdout(),
        "passwd: updating the database...\npasswd: done"
    );
    0
}
