//! The shell's state: variables, positional parameters, functions, options.

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::Command;
use super::jobs::Jobs;

#[derive(Debug, Clone, Default)]
pub struct Var {
    /// `None`: declared (exported, readonly or local) but unset.
    pub value: Option<String>,
    pub exported: bool,
    pub readonly: bool,
}

/// Why evaluation stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Break(u32),
    Continue(u32),
    Return,
    Exit(i32),
    /// An error that abandons everything being run: a script ends, an
    /// interactive shell goes back to its prompt.
    Abort(i32),
}

/// The `set -o` options, by letter and long name.
pub const OPTIONS: &[(char, &str)] = &[
    ('a', "allexport"),
    ('C', "noclobber"),
    ('e', "errexit"),
    ('f', "noglob"),
    ('i', "interactive"),
    ('m', "monitor"),
    ('n', "noexec"),
    ('u', "nounset"),
    ('v', "verbose"),
    ('x', "xtrace"),
];

/// What an interactive shell ignores for itself: the keyboard's signals
/// meant for its jobs, the job control stops, and SIGTERM (as POSIX asks).
/// Its children get the default actions back.
pub const INTERACTIVE_IGNORED: [i32; 6] = [
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

pub struct Shell {
    pub vars: HashMap<String, Var>,
    pub positional: Vec<String>,
    pub arg0: String,
    pub functions: HashMap<String, Rc<Command>>,
    pub aliases: HashMap<String, String>,
    /// `$?`
    pub status: i32,
    /// `$!`
    pub last_background: Option<i32>,
    /// `$$`: the shell's pid, also in subshells.
    pub pid: i32,
    /// Options on, by letter (see [`OPTIONS`]).
    pub options: Vec<char>,
    pub flow: Option<Flow>,
    /// Inside an `if` condition, the left of `&&`, ...: `set -e` does not apply.
    pub errexit_suppressed: u32,
    /// Saved variables of each function call, restored at its return (`local`).
    pub locals: Vec<Vec<(String, Option<Var>)>>,
    pub loop_depth: u32,
    /// A forked child: no job control, `exit` ends the process.
    pub subshell: bool,
    pub jobs: Jobs,
    /// Trap actions by signal number, 0 for EXIT.
    pub traps: HashMap<i32, String>,
    /// Commands found on PATH.
    pub hash: HashMap<String, String>,
    /// Position inside a cluster of options for `getopts`.
    pub getopts_offset: usize,
    /// The line of the command being run, for messages.
    pub line: usize,
    /// The terminal used for job control, if any.
    pub tty: Option<i32>,
    pub shell_pgid: i32,
    /// Running the EXIT trap: do not run it again.
    pub exiting: bool,
    /// The status of the last command substitution, for `x=$(cmd)`.
    pub subst_status: Option<i32>,
    /// The terminal settings to give back after a job stops.
    pub tty_modes: Option<libc::termios>,
    /// The last signal whose trap ran, for `wait`'s status.
    pub last_trapped: i32,
    /// What messages name as the source: the script, `-c`, or nothing.
    pub source_name: String,
    /// The text of the command running in the foreground, for `jobs`.
    pub job_text: String,
}

impl Shell {
    pub fn new(arg0: String) -> Shell {
        let mut vars = HashMap::new();
        for (name, value) in std::env::vars_os() {
            let (Ok(name), Ok(value)) = (name.into_string(), value.into_string()) else {
                continue;
            };
            vars.insert(
                name,
                Var {
                    value: Some(value),
                    exported: true,
                    readonly: false,
                },
            );
        }
        let mut shell = Shell {
            vars,
            positional: Vec::new(),
            arg0,
            functions: HashMap::new(),
            aliases: HashMap::new(),
            status: 0,
            last_background: None,
            // SAFETY: getpid has no preconditions.
            pid: unsafe { libc::getpid() },
            options: Vec::new(),
            flow: None,
            errexit_suppressed: 0,
            locals: Vec::new(),
            loop_depth: 0,
            subshell: false,
            jobs: Jobs::default(),
            traps: HashMap::new(),
            hash: HashMap::new(),
            getopts_offset: 0,
            line: 0,
            tty: None,
            shell_pgid: 0,
            exiting: false,
            subst_status: None,
            tty_modes: None,
            last_trapped: 0,
            source_name: String::new(),
            job_text: String::new(),
        };
        // SAFETY: geteuid and getppid have no preconditions.
        let (euid, ppid) = unsafe { (libc::geteuid(), libc::getppid()) };
        let defaults = [
            ("PS1", if euid == 0 { "# " } else { "$ " }.to_string()),
            ("PS2", "> ".to_string()),
            ("PS4", "+ ".to_string()),
            ("IFS", " \t\n".to_string()),
            ("OPTIND", "1".to_string()),
            ("PPID", ppid.to_string()),
        ];
        for (name, value) in defaults {
            if name == "PPID" || shell.get(name).is_none() {
                shell.vars.entry(name.into()).or_default().value = Some(value);
            }
        }
        if shell.get("PATH").is_none() {
            shell.vars.entry("PATH".into()).or_default().value =
                Some("/bin:/sbin:/usr/bin:/usr/sbin:/usr/local/bin".into());
        }
        let cwd = std::env::current_dir().ok();
        let pwd_ok = shell.get("PWD").is_some_and(|pwd| {
            pwd.starts_with('/')
                && std::fs::metadata(pwd).ok().map(|m| {
                    (
                        std::os::unix::fs::MetadataExt::ino(&m),
                        std::os::unix::fs::MetadataExt::dev(&m),
                    )
                }) == cwd
                    .as_ref()
                    .and_then(|c| std::fs::metadata(c).ok())
                    .map(|m| {
                        (
                            std::os::unix::fs::MetadataExt::ino(&m),
                            std::os::unix::fs::MetadataExt::dev(&m),
                        )
                    })
        });
        if !pwd_ok && let Some(cwd) = cwd {
            let var = shell.vars.entry("PWD".into()).or_default();
            var.value = Some(cwd.to_string_lossy().into_owned());
        }
        shell
    }

    pub fn option(&self, letter: char) -> bool {
        self.options.contains(&letter)
    }

    pub fn set_option(&mut self, letter: char, on: bool) {
        self.options.retain(|&c| c != letter);
        if on {
            self.options.push(letter);
        }
    }

    /// `$-`
    pub fn option_letters(&self) -> String {
        OPTIONS
            .iter()
            .map(|&(c, _)| c)
            .filter(|&c| self.option(c))
            .collect()
    }

    pub fn interactive(&self) -> bool {
        self.option('i')
    }

    /// Job control is on: `set -m` in the shell itself, not a subshell.
    pub fn job_control(&self) -> bool {
        self.option('m') && !self.subshell && self.tty.is_some()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name)?.value.as_deref()
    }

    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let allexport = self.option('a');
        let var = self.vars.entry(name.to_string()).or_default();
        if var.readonly {
            return Err(format!("{name}: is read only"));
        }
        var.value = Some(value.to_string());
        var.exported |= allexport;
        match name {
            "PATH" => self.hash.clear(),
            "OPTIND" => self.getopts_offset = 0,
            _ => {}
        }
        Ok(())
    }

    pub fn unset(&mut self, name: &str) -> Result<(), String> {
        if let Some(var) = self.vars.get(name) {
            if var.readonly {
                return Err(format!("{name}: is read only"));
            }
            if self
                .locals
                .last()
                .is_some_and(|frame| frame.iter().any(|(n, _)| n == name))
            {
                let var = self.vars.get_mut(name).expect("present");
                var.value = None;
            } else {
                self.vars.remove(name);
            }
        }
        if name == "PATH" {
            self.hash.clear();
        }
        Ok(())
    }

    pub fn export(&mut self, name: &str) {
        self.vars.entry(name.to_string()).or_default().exported = true;
    }

    /// `local NAME`: saves the variable for the function's return.
    pub fn make_local(&mut self, name: &str) {
        let old = self.vars.get(name).cloned();
        if let Some(frame) = self.locals.last_mut()
            && !frame.iter().any(|(n, _)| n == name)
        {
            frame.push((name.to_string(), old));
        }
    }

    /// Restores what a function's `local`s hid.
    pub fn pop_locals(&mut self) {
        let Some(frame) = self.locals.pop() else {
            return;
        };
        for (name, old) in frame.into_iter().rev() {
            match old {
                Some(var) => {
                    self.vars.insert(name, var);
                }
                None => {
                    self.vars.remove(&name);
                }
            }
        }
    }

    /// The environment of a command: the exported variables.
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported)
            .filter_map(|(n, v)| Some((n.clone(), v.value.clone()?)))
            .collect();
        env.sort();
        env
    }

    /// Prints `sh: message` on stderr, with the script's name and line when
    /// running a script.
    pub fn error(&self, message: impl std::fmt::Display) {
        if self.interactive() || self.line == 0 || self.source_name.is_empty() {
            eprintln!("sh: {message}");
        } else {
            eprintln!("sh: {}: line {}: {message}", self.source_name, self.line);
        }
    }
}
