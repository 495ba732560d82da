//! `ln`: make hard or symbolic links.

use crate::common::{Getopt, Opt, usage_error, warn_io};
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["ln"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: ln [-fnsv] source [target]\n       ln [-fnsv] source ... directory";

struct Options {
    symbolic: bool,
    force: bool,
    no_dereference: bool,
    verbose: bool,
}

fn main(args: &[String]) -> i32 {
    let mut o = Options {
        symbolic: false,
        force: false,
        no_dereference: false,
        verbose: false,
    };
    let mut g = Getopt::new(args, "fhnsv");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'f' => o.force = true,
                'h' | 'n' => o.no_dereference = true,
                's' => o.symbolic = true,
                _ => o.verbose = true,
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = g.operands();
    let (sources, target) = match operands {
        [] => return usage_error(args, "missing operand", USAGE),
        [_] => (operands, PathBuf::from(".")),
        [sources @ .., target] => (sources, PathBuf::from(target)),
    };
    let target_is_dir = if o.no_dereference {
        std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir())
    } else {
        target.is_dir()
    };
    if sources.len() > 1 && !target_is_dir {
        warn_io(
            args,
            target.display(),
            &std::io::Error::from_raw_os_error(libc::ENOTDIR),
        );
        return 1;
    }
    let mut status = 0;
    for source in sources {
        let link = if target_is_dir {
            let name = Path::new(source.trim_end_matches('/'))
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(source));
            target.join(name)
        } else {
            target.clone()
        };
        if let Err(e) = make(&o, Path::new(source), &link) {
            warn_io(args, link.display(), &e);
            status = 1;
        } else if o.verbose {
            let _ = writeln!(std::io::stdout(), "'{}' -> '{source}'", link.display());
        }
    }
    status
}

fn make(o: &Options, source: &Path, link: &Path) -> std::io::Result<()> {
    if !o.symbolic {
        // Fail before removing anything when the source cannot be linked.
        let meta = std::fs::symlink_metadata(source)?;
        if meta.is_dir() {
            return Err(std::io::Error::from_raw_os_error(libc::EPERM));
        }
    }
    if o.force
        && let Ok(meta) = std::fs::symlink_metadata(link)
    {
        if meta.is_dir() {
            return Err(std::io::Error::from_raw_os_error(libc::EISDIR));
        }
        std::fs::remove_file(link)?;
    }
    if o.symbolic {
        std::os::unix::fs::symlink(source, link)
    } else {
        std::fs::hard_link(source, link)
    }
}
