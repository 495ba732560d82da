//! The world: the base system's files as the packages hold them — the
//! `crunch` binary and a link per program (a set-user-id copy for the few
//! that need it), the configuration in `/etc`, the man pages, and the
//! directories every Basalt system has.

use crate::BuildError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files of `/etc` from `userland/etc`: (name, mode).
const ETC: &[(&str, u32)] = &[
    ("group", 0o644),
    ("master.passwd", 0o600),
    ("motd", 0o644),
    ("passwd", 0o644),
    ("profile", 0o644),
    ("rc", 0o755),
    ("shells", 0o644),
];

/// Directories of every system: (path, mode).
const DIRECTORIES: &[(&str, u32)] = &[
    ("dev", 0o755),
    ("proc", 0o555),
    ("tmp", 0o1777),
    ("root", 0o700),
    ("home", 0o755),
    ("mnt", 0o755),
    ("var", 0o755),
    ("var/log", 0o755),
    ("var/tmp", 0o1777),
];

/// One thing a package installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    File { source: PathBuf, mode: u32 },
    Symlink(String),
    Dir(u32),
}

/// The runtime package's contents: (path in the system, item), and which
/// paths are configuration files.
pub struct Runtime {
    pub items: Vec<(String, Item)>,
    pub config: Vec<String>,
    pub setuid: Vec<String>,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.to_path_buf();
    move |source| BuildError::Io {
        action,
        path,
        source,
    }
}

/// A program of the crunch binary.
pub struct Program {
    pub dir: String,
    pub name: String,
    /// Runs with its owner's rights: installed as a set-user-id copy of
    /// crunch (which drops those rights for any other program name).
    pub set_user_id: bool,
}

/// The programs `crunch` answers to.
pub fn crunch_programs(crunch: &Path) -> Result<Vec<Program>, BuildError> {
    let output = Command::new(crunch)
        .arg("--list")
        .output()
        .map_err(io("run", crunch))?;
    if !output.status.success() {
        return Err(BuildError::Failed {
            what: format!("{} --list", crunch.display()),
            status: output.status,
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            Some(Program {
                dir: fields.next()?.to_string(),
                name: fields.next()?.to_string(),
                set_user_id: fields.next() == Some("set-user-id"),
            })
        })
        .collect())
}

/// The man pages beside the programs: `userland/{bin,sbin}/NAME/NAME.[18]`.
fn man_pages(userland: &Path) -> Result<Vec<(String, PathBuf)>, BuildError> {
    let mut pages = Vec::new();
    for dir in ["bin", "sbin"] {
        let top = userland.join(dir);
        let mut entries: Vec<_> = std::fs::read_dir(&top)
            .map_err(io("read", &top))?
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            for section in ["1", "8"] {
                let name = format!("{}.{section}", entry.file_name().to_string_lossy());
                let page = entry.path().join(&name);
                if page.is_file() {
                    pages.push((format!("usr/share/man/man{section}/{name}"), page));
                }
            }
        }
    }
    Ok(pages)
}

/// What the runtime package holds, for a `crunch` built at `crunch`.
pub fn runtime(workspace: &Path, crunch: &Path) -> Result<Runtime, BuildError> {
    let userland = workspace.join("userland");
    let mut items: Vec<(String, Item)> = DIRECTORIES
        .iter()
        .map(|(path, mode)| (path.to_string(), Item::Dir(*mode)))
        .collect();
    items.push((
        "bin/crunch".into(),
        Item::File {
            source: crunch.to_path_buf(),
            mode: 0o755,
        },
    ));
    let mut setuid = Vec::new();
    for program in crunch_programs(crunch)? {
        let path = format!("{}/{}", program.dir, program.name);
        if program.set_user_id {
            items.push((
                path.clone(),
                Item::File {
                    source: crunch.to_path_buf(),
                    mode: 0o4755,
                },
            ));
            setuid.push(path);
            continue;
        }
        let target = if program.dir == "bin" {
            "crunch"
        } else {
            "../bin/crunch"
        };
        items.push((path, Item::Symlink(target.into())));
    }
    let mut config = Vec::new();
    for (name, mode) in ETC {
        let path = format!("etc/{name}");
        items.push((
            path.clone(),
            Item::File {
                source: userland.join("etc").join(name),
                mode: *mode,
            },
        ));
        config.push(path);
    }
    for (path, page) in man_pages(&userland)? {
        items.push((
            path,
            Item::File {
                source: page,
                mode: 0o644,
            },
        ));
    }
    Ok(Runtime {
        items,
        config,
        setuid,
    })
}

/// A file added over a tree: (path, mode, contents).
pub type ExtraFile<'a> = (&'a str, u32, &'a [u8]);

/// Writes the initramfs: the installed root (and `extra` files over it, for
/// a test's own configuration) as an uncompressed newc cpio with relative
/// names, what `-initrd` and GRUB's `module2` load.
pub fn write_initrd(root: &Path, extra: &[ExtraFile<'_>], out: &Path) -> Result<(), BuildError> {
    let mut writer = cpio::Writer::new();
    writer.add_tree(root, "").map_err(io("archive", root))?;
    let mut made = std::collections::BTreeSet::new();
    for (path, mode, contents) in extra {
        // Directories the root lacks come first.
        let parents: Vec<&Path> = Path::new(path).ancestors().skip(1).collect();
        for parent in parents
            .into_iter()
            .rev()
            .filter(|p| !p.as_os_str().is_empty())
        {
            if !root.join(parent).exists() && made.insert(parent.to_path_buf()) {
                writer.add(
                    &cpio::Entry::directory(&parent.to_string_lossy(), 0o755),
                    b"",
                );
            }
        }
        writer.add(&cpio::Entry::file(path, *mode), contents);
    }
    std::fs::write(out, writer.finish()).map_err(io("write", out))
}
