//! `mkdir`: make directories.

use crate::r#chmod::{Mode, current_umask};
use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::ErrorKind;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["mkdir"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: mkdir [-pv] [-m mode] directory ...";

fn main(args: &[String]) -> i32 {
    let mut parents = false;
    let mut verbose = false;
    let mut mode = None;
    let mut g = Getopt::new(args, "pvm:");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('p', _))) => parents = true,
            Ok(Some(Opt::Flag('v', _))) => verbose = true,
            Ok(Some(Opt::Flag(_, value))) => {
                let spec = value.unwrap_or_default();
                match Mode::parse(&spec) {
                    Ok(m) => mode = Some(m),
                    Err(_) => {
                        return usage_error(args, &format!("invalid file mode: {spec}"), USAGE);
                    }
                }
            }
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let dirs = g.operands();
    if dirs.is_empty() {
        return usage_error(args, "missing operand", USAGE);
    }
    let umask = current_umask();
    // The final directory gets the mode asked for (relative to a=rwx); parents
    // made on the way get u+wx on top of the umask's default, as POSIX says.
    let final_mode = mode.map(|m| m.apply(0o777, true, umask));
    let mut status = 0;
    for dir in dirs {
        let path = Path::new(dir);
        let result = if parents {
            make_parents(path, verbose, umask)
        } else {
            make(path).map(|()| true)
        };
        match result {
            Ok(true) => {
                if let Some(bits) = final_mode {
                    // mkdir(2) applies the umask; an explicit -m must not be cut by it.
                    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits));
                }
                if verbose {
                    let _ = writeln!(std::io::stdout(), "mkdir: created directory '{dir}'");
                }
            }
            Ok(false) => {}
            Err(e) => {
                warn_io(args, dir, &e);
                status = 1;
            }
        }
    }
    status
}

fn make(path: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().mode(0o777).create(path)
}

/// Makes the missing parents of `path` (u+wx so the next can be made inside),
/// then `path` itself; false when it was there already.
fn make_parents(path: &Path, verbose: bool, umask: u32) -> std::io::Result<bool> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        make_parents(parent, verbose, umask)?;
        if verbose {
            let _ = writeln!(
                std::io::stdout(),
                "mkdir: created directory '{}'",
                parent.display()
            );
        }
        std::fs::set_permissions(
            parent,
            std::fs::Permissions::from_mode((0o777 & !umask) | 0o300),
        )?;
    }
    match make(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists && path.is_dir() => Ok(false),
        Err(e) => Err(e),
    }
}
