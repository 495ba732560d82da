//! The text files: lines kept as read, entries parsed, written atomically.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::Error;

/// One line of a file.
#[derive(Debug, Clone)]
pub(crate) enum Line<T> {
    /// A parsed entry; `raw` is its text as read, kept until the entry
    /// changes so an untouched file is written back byte for byte.
    Entry { value: T, raw: Option<String> },
    /// A comment, blank line or anything not an entry: kept as it is.
    Other(String),
}

/// A file as lines.
#[derive(Debug, Clone)]
pub(crate) struct Lines<T> {
    pub lines: Vec<Line<T>>,
    /// Whether the text ended with a newline (a missing one is kept missing).
    pub final_newline: bool,
}

impl<T> Default for Lines<T> {
    fn default() -> Self {
        Lines {
            lines: Vec::new(),
            final_newline: true,
        }
    }
}

/// Whether a line is a comment or blank: `^[ \t]*(#|$)`, as pwd_mkdb(8).
pub(crate) fn is_comment(line: &str) -> bool {
    let rest = line.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

impl<T> Lines<T> {
    pub fn parse(text: &str, parse: impl Fn(&str) -> Option<T>) -> Self {
        let final_newline = text.is_empty() || text.ends_with('\n');
        let body = text.strip_suffix('\n').unwrap_or(text);
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            body.split('\n')
                .map(|line| match (is_comment(line), parse(line)) {
                    (false, Some(value)) => Line::Entry {
                        value,
                        raw: Some(line.to_string()),
                    },
                    _ => Line::Other(line.to_string()),
                })
                .collect()
        };
        Lines {
            lines,
            final_newline,
        }
    }

    pub fn render(&self, format: impl Fn(&T) -> String) -> String {
        let mut text = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            match line {
                Line::Entry { raw: Some(raw), .. } => text.push_str(raw),
                Line::Entry { value, raw: None } => text.push_str(&format(value)),
                Line::Other(other) => text.push_str(other),
            }
        }
        if self.final_newline && !self.lines.is_empty() {
            text.push('\n');
        }
        text
    }

    pub fn entries(&self) -> impl Iterator<Item = &T> {
        self.lines.iter().filter_map(|line| match line {
            Line::Entry { value, .. } => Some(value),
            Line::Other(_) => None,
        })
    }

    pub fn position(&self, matches: impl Fn(&T) -> bool) -> Option<usize> {
        self.lines
            .iter()
            .position(|line| matches!(line, Line::Entry { value, .. } if matches(value)))
    }

    pub fn get(&self, index: usize) -> &T {
        match &self.lines[index] {
            Line::Entry { value, .. } => value,
            Line::Other(_) => unreachable!("index from position() names an entry"),
        }
    }

    /// Replaces entry `index`; it is formatted anew when written.
    pub fn set(&mut self, index: usize, value: T) {
        self.lines[index] = Line::Entry { value, raw: None };
    }

    pub fn push(&mut self, value: T) {
        self.lines.push(Line::Entry { value, raw: None });
    }

    pub fn remove(&mut self, index: usize) -> T {
        match self.lines.remove(index) {
            Line::Entry { value, .. } => value,
            Line::Other(_) => unreachable!("index from position() names an entry"),
        }
    }
}

/// Takes the exclusive flock(2) on `path` (made if need be, mode 0600);
/// it is held until the file returned is dropped.
pub(crate) fn lock(path: &Path) -> Result<std::fs::File, Error> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|source| Error::Io {
            action: "open",
            path: path.to_path_buf(),
            source,
        })?;
    loop {
        // SAFETY: flock takes a descriptor of a file we hold open.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(file);
        }
        let source = std::io::Error::last_os_error();
        if source.kind() != std::io::ErrorKind::Interrupted {
            return Err(Error::Io {
                action: "lock",
                path: path.to_path_buf(),
                source,
            });
        }
    }
}

/// Reads a whole file; a missing file reads as empty.
pub(crate) fn read(path: &Path) -> Result<String, Error> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| Error::NotText(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Replaces `path` with `text` so that readers see the old file or the new
/// one, never a part: a temporary file beside it, written, synced, given
/// `mode` (whatever the umask), then renamed over it.
pub(crate) fn write_atomic(path: &Path, text: &str, mode: u32) -> Result<(), Error> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&temp)
            .map_err(io("create", &temp))?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io("chmod", &temp))?;
        file.write_all(text.as_bytes())
            .map_err(io("write", &temp))?;
        file.sync_all().map_err(io("sync", &temp))?;
        std::fs::rename(&temp, path).map_err(io("rename to", path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
        return result;
    }
    // The rename is durable once the directory is synced; a file system
    // that cannot sync a directory has still renamed.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
