//! `mv`: move files: rename(2), or copy and remove across file systems.

use crate::common::{Getopt, Opt, sources_and_target, usage_error, warn, warn_io};
use crate::r#cp::{Copier, Follow, base_name};
use crate::r#rm::{Removal, ask};
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["mv"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: mv [-finv] source target\n       mv [-finv] source ... directory";

#[derive(Clone, Copy, PartialEq)]
enum Overwrite {
    Always,
    Ask,
    Never,
}

fn main(args: &[String]) -> i32 {
    let mut overwrite = Overwrite::Always;
    let mut verbose = false;
    let mut g = Getopt::new(args, "finv");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'f' => overwrite = Overwrite::Always,
                'i' => overwrite = Overwrite::Ask,
                'n' => overwrite = Overwrite::Never,
                _ => verbose = true,
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let (sources, target, into) = match sources_and_target(args, g.operands(), USAGE) {
        Ok(split) => split,
        Err(status) => return status,
    };
    let mut status = 0;
    for source in sources {
        let source = Path::new(source);
        let dest = if into {
            target.join(base_name(source))
        } else {
            target.to_path_buf()
        };
        if !move_one(args, source, &dest, overwrite, verbose) {
            status = 1;
        }
    }
    status
}

fn move_one(
    args: &[String],
    source: &Path,
    dest: &Path,
    overwrite: Overwrite,
    verbose: bool,
) -> bool {
    let meta = match std::fs::symlink_metadata(source) {
        Ok(meta) => meta,
        Err(e) => {
            warn_io(args, source.display(), &e);
            return false;
        }
    };
    if let Ok(d) = std::fs::symlink_metadata(dest) {
        if d.dev() == meta.dev() && d.ino() == meta.ino() {
            warn(
                args,
                format!(
                    "{} and {} are the same file",
                    source.display(),
                    dest.display()
                ),
            );
            return false;
        }
        match overwrite {
            Overwrite::Never => return true,
            Overwrite::Ask if !ask(&format!("mv: overwrite '{}'? ", dest.display())) => {
                return true;
            }
            _ => {}
        }
    }
    match std::fs::rename(source, dest) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            if !copy_across(args, source, dest, &meta) {
                return false;
            }
        }
        Err(e) => {
            warn_io(
                args,
                format!("rename {} to {}", source.display(), dest.display()),
                &e,
            );
            return false;
        }
    }
    if verbose {
        let _ = writeln!(
            std::io::stdout(),
            "renamed '{}' -> '{}'",
            source.display(),
            dest.display()
        );
    }
    true
}

/// Copies everything that can be kept (modes, owners, times, links), then
/// removes the source; a failed copy leaves the source alone.
fn copy_across(args: &[String], source: &Path, dest: &Path, meta: &std::fs::Metadata) -> bool {
    if meta.is_dir()
        && let Ok(d) = std::fs::symlink_metadata(dest)
    {
        let removed = if d.is_dir() {
            std::fs::remove_dir(dest)
        } else {
            Err(std::io::Error::from_raw_os_error(libc::ENOTDIR))
        };
        if let Err(e) = removed {
            warn_io(args, dest.display(), &e);
            return false;
        }
    }
    let copier = Copier {
        recursive: true,
        preserve: true,
        force: true,
        interactive: false,
        no_clobber: false,
        verbose: false,
        follow: Follow::None,
        umask: 0,
    };
    if !copier.copy(args, source, dest, true) {
        return false;
    }
    let removal = Removal {
        recursive: true,
        force: true,
        ..Removal::default()
    };
    removal.remove(args, source)
}
