//! `uname`: print the system's name, release, version and machine.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::ffi::CStr;
use std::io::Write as _;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["uname"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: uname [-amnoprsiv]";

/// The fields of uname(2), as strings.
pub struct Utsname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
}

pub fn uname() -> std::io::Result<Utsname> {
    // SAFETY: utsname is plain old data; zeroed is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname(2) fills the live local it is given.
    if unsafe { libc::uname(&mut u) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let field = |f: &[libc::c_char]| {
        // SAFETY: the kernel NUL-terminates each field inside its array.
        unsafe { CStr::from_ptr(f.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    Ok(Utsname {
        sysname: field(&u.sysname),
        nodename: field(&u.nodename),
        release: field(&u.release),
        version: field(&u.version),
        machine: field(&u.machine),
    })
}

fn main(args: &[String]) -> i32 {
    let mut wanted = String::new();
    let mut g = Getopt::new(args, "amnoprsiv");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => wanted.push(c),
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if let Some(extra) = g.operands().first() {
        return usage_error(args, &format!("extra operand {extra}"), USAGE);
    }
    let u = match uname() {
        Ok(u) => u,
        Err(e) => {
            warn_io(args, "uname", &e);
            return 1;
        }
    };
    let all = wanted.contains('a');
    if wanted.is_empty() {
        wanted.push('s');
    }
    let os = if u.sysname == "Linux" {
        "GNU/Linux".to_string()
    } else {
        u.sysname.clone()
    };
    // -p and -i are not known here; like GNU's, -a leaves them out.
    let fields = [
        ('s', u.sysname),
        ('n', u.nodename),
        ('r', u.release),
        ('v', u.version),
        ('m', u.machine),
        ('p', "unknown".to_string()),
        ('i', "unknown".to_string()),
        ('o', os),
    ];
    let shown: Vec<String> = fields
        .into_iter()
        .filter(|(c, _)| wanted.contains(*c) || (all && !matches!(c, 'p' | 'i')))
        .map(|(_, v)| v)
        .collect();
    let _ = writeln!(std::io::stdout(), "{}", shown.join(" "));
    0
}
