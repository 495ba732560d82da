//! `cp`: copy files and, with `-R`, trees; `mv` copies with it across file
//! systems.

use crate::common::{Getopt, Opt, sources_and_target, usage_error, warn, warn_io};
use crate::r#rm::ask;
use std::ffi::CString;
use std::fs::{self, Metadata};
use std::io::Write as _;
use std::io::{self, ErrorKind};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["cp"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: cp [-R [-H | -L | -P]] [-afinpv] source target\n       cp [-R [-H | -L | -P]] [-afinpv] source ... directory";

/// Which symbolic links in the sources are followed.
#[derive(Clone, Copy, PartialEq)]
pub enum Follow {
    All,
    None,
    CommandLine,
}

/// How a copy is done.
pub struct Copier {
    pub recursive: bool,
    pub preserve: bool,
    pub force: bool,
    pub interactive: bool,
    pub no_clobber: bool,
    pub verbose: bool,
    pub follow: Follow,
    pub umask: u32,
}

fn main(args: &[String]) -> i32 {
    let mut c = Copier {
        recursive: false,
        preserve: false,
        force: false,
        interactive: false,
        no_clobber: false,
        verbose: false,
        follow: Follow::All,
        umask: crate::r#chmod::current_umask(),
    };
    let mut follow = None;
    let mut g = Getopt::new(args, "RrpfinPLHva");
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(flag, _))) => match flag {
                'R' | 'r' => c.recursive = true,
                'p' => c.preserve = true,
                'a' => {
                    c.recursive = true;
                    c.preserve = true;
                    follow = Some(Follow::None);
                }
                'f' => {
                    c.force = true;
                    c.interactive = false;
                    c.no_clobber = false;
                }
                'i' => {
                    c.interactive = true;
                    c.no_clobber = false;
                }
                'n' => {
                    c.no_clobber = true;
                    c.interactive = false;
                }
                'P' => follow = Some(Follow::None),
                'L' => follow = Some(Follow::All),
                'H' => follow = Some(Follow::CommandLine),
                _ => c.verbose = true,
            },
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    // Without -R links are followed; with it they are copied as links.
    c.follow = follow.unwrap_or(if c.recursive {
        Follow::None
    } else {
        Follow::All
    });
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
        if !c.copy(args, source, &dest, true) {
            status = 1;
        }
    }
    status
}

/// The last component of `path`, ignoring trailing slashes.
pub fn base_name(path: &Path) -> PathBuf {
    let text = path.as_os_str().as_bytes();
    let trimmed = match text.iter().rposition(|&b| b != b'/') {
        Some(end) => &text[..=end],
        None => return PathBuf::from("/"),
    };
    let start = trimmed
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    PathBuf::from(std::ffi::OsStr::from_bytes(&trimmed[start..]))
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

impl Copier {
    /// Copies `source` to `dest`; false after a failure, which has been reported.
    pub fn copy(&self, args: &[String], source: &Path, dest: &Path, top: bool) -> bool {
        let follow = self.follow == Follow::All || (top && self.follow == Follow::CommandLine);
        let meta = if follow {
            fs::metadata(source)
        } else {
            fs::symlink_metadata(source)
        };
        let meta = match meta {
            Ok(meta) => meta,
            Err(e) => {
                warn_io(args, source.display(), &e);
                return false;
            }
        };
        let dest_meta = fs::symlink_metadata(dest).ok();
        if let Ok(d) = fs::metadata(dest)
            && d.dev() == meta.dev()
            && d.ino() == meta.ino()
        {
            warn(
                args,
                format!(
                    "{} and {} are identical (not copied).",
                    source.display(),
                    dest.display()
                ),
            );
            return false;
        }
        let result = if meta.is_dir() {
            if !self.recursive {
                warn(
                    args,
                    format!("{} is a directory (not copied).", source.display()),
                );
                return false;
            }
            if top && inside(source, dest) {
                warn(
                    args,
                    format!(
                        "cannot copy {} into itself, {}",
                        source.display(),
                        dest.display()
                    ),
                );
                return false;
            }
            return self.copy_dir(args, source, dest, &meta);
        } else if dest_meta.is_some()
            && (self.no_clobber
                || (self.interactive
                    && !ask(&format!(
                        "{}: overwrite '{}'? ",
                        crate::common::prog(args),
                        dest.display()
                    ))))
        {
            return true;
        } else if meta.file_type().is_symlink() {
            self.copy_link(source, dest, dest_meta.is_some())
        } else if meta.is_file() || !self.recursive {
            self.copy_file(source, dest, &meta)
        } else {
            self.copy_special(dest, &meta, dest_meta.is_some())
        };
        match result.and_then(|()| self.finish(dest, &meta, false)) {
            Ok(()) => {
                if self.verbose {
                    let _ = writeln!(
                        std::io::stdout(),
                        "'{}' -> '{}'",
                        source.display(),
                        dest.display()
                    );
                }
                true
            }
            Err(e) => {
                warn_io(args, dest.display(), &e);
                false
            }
        }
    }

    fn copy_dir(&self, args: &[String], source: &Path, dest: &Path, meta: &Metadata) -> bool {
        let created = match fs::symlink_metadata(dest) {
            Ok(d) if d.is_dir() => false,
            Ok(_) => {
                warn_io(
                    args,
                    dest.display(),
                    &io::Error::from_raw_os_error(libc::ENOTDIR),
                );
                return false;
            }
            Err(_) => {
                // Writable for us while it fills; the real mode is set after.
                if let Err(e) = fs::DirBuilder::new().create(dest) {
                    warn_io(args, dest.display(), &e);
                    return false;
                }
                let _ = fs::set_permissions(dest, fs::Permissions::from_mode(0o700));
                true
            }
        };
        if self.verbose {
            let _ = writeln!(
                std::io::stdout(),
                "'{}' -> '{}'",
                source.display(),
                dest.display()
            );
        }
        let mut ok = true;
        match fs::read_dir(source) {
            Ok(entries) => {
                let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
                names.sort();
                for name in names {
                    ok &= self.copy(args, &source.join(&name), &dest.join(&name), false);
                }
            }
            Err(e) => {
                warn_io(args, source.display(), &e);
                ok = false;
            }
        }
        if let Err(e) = self.finish(dest, meta, created) {
            warn_io(args, dest.display(), &e);
            ok = false;
        }
        ok
    }

    fn copy_file(&self, source: &Path, dest: &Path, meta: &Metadata) -> io::Result<()> {
        let mut input = fs::File::open(source)?;
        let open = || {
            fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(meta.mode() & 0o777)
                .open(dest)
        };
        let mut output = match open() {
            Err(e) if self.force && e.kind() != ErrorKind::NotFound => {
                fs::remove_file(dest)?;
                open()?
            }
            other => other?,
        };
        io::copy(&mut input, &mut output)?;
        Ok(())
    }

    fn copy_link(&self, source: &Path, dest: &Path, exists: bool) -> io::Result<()> {
        let target = fs::read_link(source)?;
        if exists {
            fs::remove_file(dest)?;
        }
        std::os::unix::fs::symlink(target, dest)
    }

    /// Fifos and devices met while recursing are made anew, not read.
    fn copy_special(&self, dest: &Path, meta: &Metadata, exists: bool) -> io::Result<()> {
        if exists {
            fs::remove_file(dest)?;
        }
        let c = c_path(dest)?;
        // SAFETY: `c` is a NUL-terminated path that outlives the call.
        if unsafe { libc::mknod(c.as_ptr(), meta.mode(), meta.rdev()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Sets the copy's mode, and with -p its owner and times.
    fn finish(&self, dest: &Path, meta: &Metadata, created_dir: bool) -> io::Result<()> {
        let link = meta.file_type().is_symlink();
        let c = c_path(dest)?;
        if self.preserve {
            let flags = if link { libc::AT_SYMLINK_NOFOLLOW } else { 0 };
            // Only root may give files away; anyone else keeps the copy.
            // SAFETY: `c` is a NUL-terminated path that outlives the call.
            unsafe { libc::fchownat(libc::AT_FDCWD, c.as_ptr(), meta.uid(), meta.gid(), flags) };
            let times = [
                libc::timespec {
                    tv_sec: meta.atime(),
                    tv_nsec: meta.atime_nsec(),
                },
                libc::timespec {
                    tv_sec: meta.mtime(),
                    tv_nsec: meta.mtime_nsec(),
                },
            ];
            // SAFETY: `c` is NUL-terminated and `times` holds two timespecs, both live.
            if unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), flags) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        if link {
            return Ok(());
        }
        let mode = if self.preserve {
            Some(meta.mode() & 0o7777)
        } else if created_dir {
            Some(meta.mode() & 0o777 & !self.umask)
        } else {
            None
        };
        if let Some(mode) = mode {
            fs::set_permissions(dest, fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    }
}

/// Whether `dest` is `source` or lies inside it.
fn inside(source: &Path, dest: &Path) -> bool {
    let Ok(source) = source.canonicalize() else {
        return false;
    };
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parent
        .canonicalize()
        .is_ok_and(|p| p.join(base_name(dest)).starts_with(&source))
}
