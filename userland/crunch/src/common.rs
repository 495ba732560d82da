//! What every program of the binary shares: POSIX option parsing with
//! `--help`, and error messages in the BSD style (`ls: /x: No such file or
//! directory`).

use std::io::Write;

/// Exit status for a usage error, as every Basalt tool uses it.
pub const EXIT_USAGE: i32 = 2;

/// What one step of option parsing found.
#[derive(Debug, PartialEq, Eq)]
pub enum Opt {
    /// `-x`, or `-x VALUE` for options followed by `:` in the spec.
    Flag(char, Option<String>),
    /// `--help`: print the usage and exit 0.
    Help,
}

/// POSIX getopt(3) over `args[1..]`: options cluster (`-la`), values attach
/// or follow (`-n5`, `-n 5`), `--` and the first operand end the options.
pub struct Getopt<'a> {
    args: &'a [String],
    spec: &'static str,
    index: usize,
    offset: usize,
}

/// A usage error, already worded: `unknown option -- q`.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl<'a> Getopt<'a> {
    pub fn new(args: &'a [String], spec: &'static str) -> Self {
        Getopt {
            args,
            spec,
            index: 1,
            offset: 0,
        }
    }

    /// The next option, `None` at the first operand.
    pub fn next_opt(&mut self) -> Result<Option<Opt>, UsageError> {
        if self.offset == 0 {
            let Some(arg) = self.args.get(self.index) else {
                return Ok(None);
            };
            if arg == "--" {
                self.index += 1;
                return Ok(None);
            }
            if arg == "--help" {
                self.index += 1;
                return Ok(Some(Opt::Help));
            }
            if arg.len() < 2 || !arg.starts_with('-') {
                return Ok(None);
            }
            self.offset = 1;
        }
        let arg = &self.args[self.index];
        let c = arg[self.offset..]
            .chars()
            .next()
            .expect("offset inside the argument");
        self.offset += c.len_utf8();
        let at_end = self.offset >= arg.len();
        let takes_value = match self.spec.find(c) {
            Some(i) if c != ':' => self.spec[i + c.len_utf8()..].starts_with(':'),
            _ => {
                if at_end {
                    self.index += 1;
                    self.offset = 0;
                }
                return Err(UsageError(format!("unknown option -- {c}")));
            }
        };
        if !takes_value {
            if at_end {
                self.index += 1;
                self.offset = 0;
            }
            return Ok(Some(Opt::Flag(c, None)));
        }
        let value = if !at_end {
            arg[self.offset..].to_string()
        } else {
            self.index += 1;
            match self.args.get(self.index) {
                Some(v) => v.clone(),
                None => return Err(UsageError(format!("option requires an argument -- {c}"))),
            }
        };
        self.index += 1;
        self.offset = 0;
        Ok(Some(Opt::Flag(c, Some(value))))
    }

    /// The operands after the options.
    pub fn operands(&self) -> &'a [String] {
        let start = if self.offset == 0 {
            self.index
        } else {
            self.index + 1
        };
        &self.args[start.min(self.args.len())..]
    }
}

/// The program's name as invoked, for messages.
pub fn prog(args: &[String]) -> &str {
    args.first()
        .map(|a| a.rsplit('/').next().unwrap_or(a))
        .unwrap_or("crunch")
}

/// The text of an I/O error without Rust's ` (os error N)` suffix.
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Prints `prog: message` on stderr.
pub fn warn(args: &[String], message: impl std::fmt::Display) {
    eprintln!("{}: {message}", prog(args));
}

/// Prints `prog: what: error` on stderr.
pub fn warn_io(args: &[String], what: impl std::fmt::Display, e: &std::io::Error) {
    eprintln!("{}: {what}: {}", prog(args), strerror(e));
}

/// Prints the usage error and the usage line on stderr; returns [`EXIT_USAGE`].
pub fn usage_error(args: &[String], error: &str, usage: &str) -> i32 {
    eprintln!("{}: {error}\n{usage}", prog(args));
    EXIT_USAGE
}

/// The entries of directory `dir` as `dir/name` paths, in name order, for
/// the tree walkers (du, find); a trailing `/` of `dir` is not doubled.
pub fn sorted_children(dir: &str) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let separator = if dir.ends_with('/') { "" } else { "/" };
    Ok(names
        .into_iter()
        .map(|name| format!("{dir}{separator}{name}"))
        .collect())
}

/// Splits the operands of a `cp`/`mv`-style program into its sources and
/// its target, and says whether the sources go into the target directory.
/// Several sources need a directory target. On a usage error or a target
/// that cannot be, the error is reported and its exit status returned.
pub fn sources_and_target<'a>(
    args: &[String],
    operands: &'a [String],
    usage: &str,
) -> Result<(&'a [String], &'a std::path::Path, bool), i32> {
    let [sources @ .., target] = operands else {
        return Err(usage_error(args, "missing operand", usage));
    };
    if sources.is_empty() {
        return Err(usage_error(
            args,
            &format!("missing destination file operand after {target}"),
            usage,
        ));
    }
    let target = std::path::Path::new(target);
    let into = target.is_dir();
    if sources.len() > 1 && !into {
        warn_io(
            args,
            target.display(),
            &std::io::Error::from_raw_os_error(libc::ENOTDIR),
        );
        return Err(1);
    }
    Ok((sources, target, into))
}

/// A disk, a slice or a label partition that the disk tools work on.
pub type Disk = blockdev::Partition<blockdev::FileDevice>;

/// Opens the disk `name` names (`partition::open` syntax; for writing when
/// `write`) and runs `work` on it: exit 0 when it succeeds, else 1 with
/// `prog: name: error` on stderr.
pub fn with_disk(
    args: &[String],
    name: &str,
    write: bool,
    work: impl FnOnce(Disk) -> Result<(), String>,
) -> i32 {
    let disk = match partition::open::open_named(name, write).and_then(|o| o.into_device()) {
        Ok(disk) => disk,
        Err(e) => {
            warn_io(args, name, &e);
            return 1;
        }
    };
    match work(disk) {
        Ok(()) => 0,
        Err(e) => {
            warn(args, format!("{name}: {e}"));
            1
        }
    }
}

/// Flushes stdout, ignoring a closed pipe: `yes | head -1` is not an error.
pub fn flush_stdout() {
    let _ = std::io::stdout().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn parse(list: &[&str], spec: &'static str) -> (Vec<Opt>, Vec<String>) {
        let args = args(list);
        let mut g = Getopt::new(&args, spec);
        let mut opts = Vec::new();
        while let Some(o) = g.next_opt().unwrap() {
            opts.push(o);
        }
        (opts, g.operands().to_vec())
    }

    #[test]
    fn clusters_values_and_operands() {
        let (opts, rest) = parse(&["ls", "-la", "-n5", "-m", "7", "x", "-b"], "labn:m:");
        assert_eq!(
            opts,
            vec![
                Opt::Flag('l', None),
                Opt::Flag('a', None),
                Opt::Flag('n', Some("5".into())),
                Opt::Flag('m', Some("7".into())),
            ]
        );
        assert_eq!(rest, vec!["x".to_string(), "-b".to_string()]);
    }

    #[test]
    fn double_dash_and_lone_dash() {
        let (opts, rest) = parse(&["cat", "-u", "--", "-a", "-"], "u");
        assert_eq!(opts, vec![Opt::Flag('u', None)]);
        assert_eq!(rest, vec!["-a".to_string(), "-".to_string()]);
        let (_, rest) = parse(&["cat", "-"], "u");
        assert_eq!(rest, vec!["-".to_string()]);
    }

    #[test]
    fn errors_name_the_option() {
        let a = args(&["ls", "-lq"]);
        let mut g = Getopt::new(&a, "l");
        assert_eq!(g.next_opt(), Ok(Some(Opt::Flag('l', None))));
        assert_eq!(g.next_opt(), Err(UsageError("unknown option -- q".into())));
        let a = args(&["head", "-n"]);
        let mut g = Getopt::new(&a, "n:");
        assert_eq!(
            g.next_opt(),
            Err(UsageError("option requires an argument -- n".into()))
        );
    }

    #[test]
    fn help() {
        let (opts, _) = parse(&["ls", "--help"], "l");
        assert_eq!(opts, vec![Opt::Help]);
    }
}
