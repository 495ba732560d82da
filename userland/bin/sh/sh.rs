//! `sh`: Basalt's POSIX shell, the system's `/bin/sh`.
//!
//! The parts, in the order a command meets them: `parse` (with `lex`)
//! turns text into the tree of `ast`; `exec` runs the tree, with `expand`
//! (and `arith`, `pattern`) turning words into fields and `redir` setting up
//! descriptors; `builtins`, `read`, `limits`, `jobs` and `trap` are the
//! commands the shell runs itself; `edit` reads lines on a terminal; `sys`
//! wraps the system calls; `shell` holds the state.

mod arith;
mod ast;
mod builtins;
mod edit;
mod exec;
mod expand;
mod jobs;
mod lex;
mod limits;
mod parse;
mod pattern;
mod read;
mod redir;
mod shell;
mod sys;
mod trap;

use parse::Parser;
use shell::{Flow, OPTIONS, Shell};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["sh"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: sh [-abCefhilmnuvx] [-o option] [-c string [name [arg...]] | -s [arg...] | file [arg...]]";

/// Where the commands come from.
enum Input {
    String(String),
    File(String),
    Stdin,
}

fn main(args: &[String]) -> i32 {
    let mut shell = Shell::new(args[0].clone());
    let mut command_string = false;
    let mut read_stdin = false;
    let mut login = args[0].starts_with('-');
    let mut explicit_interactive = None;
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if arg == "--help" {
            println!("{USAGE}");
            return 0;
        }
        let on = arg.starts_with('-');
        if arg.len() < 2 || !(on || arg.starts_with('+')) {
            break;
        }
        i += 1;
        for letter in arg[1..].chars() {
            match letter {
                'c' => command_string = on,
                's' => read_stdin = on,
                'l' => login = on,
                'i' => explicit_interactive = Some(on),
                'o' => {
                    let Some(name) = args.get(i) else {
                        return crate::common::usage_error(
                            args,
                            "option requires an argument -- o",
                            USAGE,
                        );
                    };
                    i += 1;
                    match OPTIONS.iter().find(|o| o.1 == name) {
                        Some(&(c, _)) => shell.set_option(c, on),
                        None => {
                            return crate::common::usage_error(
                                args,
                                &format!("unknown option -o {name}"),
                                USAGE,
                            );
                        }
                    }
                }
                c if OPTIONS.iter().any(|o| o.0 == c) => shell.set_option(c, on),
                c => {
                    return crate::common::usage_error(
                        args,
                        &format!("unknown option -- {c}"),
                        USAGE,
                    );
                }
            }
        }
    }
    let operands = &args[i.min(args.len())..];
    let input = if command_string {
        let Some(text) = operands.first() else {
            return crate::common::usage_error(args, "-c requires a command string", USAGE);
        };
        if let Some(name) = operands.get(1) {
            shell.arg0 = name.clone();
        }
        shell.positional = operands.iter().skip(2).cloned().collect();
        shell.source_name = "-c".into();
        Input::String(text.clone())
    } else if !read_stdin && let Some(file) = operands.first() {
        shell.arg0 = file.clone();
        shell.positional = operands[1..].to_vec();
        shell.source_name = file.clone();
        Input::File(file.clone())
    } else {
        shell.positional = operands.to_vec();
        Input::Stdin
    };
    let on_terminal = sys::isatty(0) && sys::isatty(2);
    let interactive = explicit_interactive.unwrap_or(matches!(input, Input::Stdin) && on_terminal);
    sys::set_signal(libc::SIGPIPE, libc::SIG_DFL);
    if interactive {
        shell.set_option('i', true);
        if !shell.options.contains(&'m') && on_terminal {
            shell.set_option('m', true);
        }
        start_interactive(&mut shell);
    }
    if login {
        source_if_present(&mut shell, "/etc/profile");
        if let Some(home) = shell.get("HOME").map(str::to_string) {
            source_if_present(&mut shell, &format!("{home}/.profile"));
        }
    }
    if interactive
        && let Some(env) = shell.get("ENV").map(str::to_string)
        && let Ok(word) = Parser::from_str(&env).here_word()
        && let Ok(path) = shell.expand_here(&word)
    {
        source_if_present(&mut shell, &path);
    }
    if let Some(Flow::Exit(n) | Flow::Abort(n)) = shell.flow {
        return shell.finish(n);
    }
    let status = match input {
        Input::String(text) => {
            let mut parser = Parser::from_str(&text);
            shell.run_parser(&mut parser, true)
        }
        Input::File(path) => match std::fs::read(&path) {
            Ok(bytes) => shell.run_script(&String::from_utf8_lossy(&bytes)),
            Err(e) => {
                eprintln!("sh: cannot open {path}: {}", crate::common::strerror(&e));
                return if e.kind() == std::io::ErrorKind::NotFound {
                    127
                } else {
                    126
                };
            }
        },
        Input::Stdin => {
            let source: Box<dyn parse::LineSource> = if interactive && on_terminal {
                let history = shell.get("HOME").map(|home| format!("{home}/.sh_history"));
                Box::new(edit::Editor::new(history))
            } else {
                Box::new(edit::StdinLines {
                    prompt: interactive,
                })
            };
            let mut parser = Parser::with_source(source);
            shell.run_parser(&mut parser, false)
        }
    };
    let status = shell.finish(status);
    if let (Some(tty), Some(modes)) = (shell.tty, shell.tty_modes.as_ref()) {
        sys::set_termios(tty, modes);
    }
    status
}

/// An interactive shell ignores the signals meant for the jobs it runs and,
/// on a terminal, takes it over for job control.
fn start_interactive(shell: &mut Shell) {
    for signal in shell::INTERACTIVE_IGNORED {
        sys::set_signal(signal, libc::SIG_IGN);
    }
    if !shell.option('m') {
        return;
    }
    let Some(tty) = sys::open_tty() else {
        shell.set_option('m', false);
        return;
    };
    // Wait to be in the foreground, as a shell started in the background must.
    loop {
        let foreground = sys::tcgetpgrp(tty);
        if foreground < 0 {
            shell.set_option('m', false);
            sys::close(tty);
            return;
        }
        if foreground == sys::getpgrp() {
            break;
        }
        let _ = sys::kill(0, libc::SIGTTIN);
    }
    sys::setpgid(0, 0);
    shell.shell_pgid = sys::getpgrp();
    sys::tcsetpgrp(tty, shell.shell_pgid);
    shell.tty = Some(tty);
    shell.tty_modes = sys::termios(tty);
}

fn source_if_present(shell: &mut Shell, path: &str) {
    if let Ok(bytes) = std::fs::read(path) {
        let saved = std::mem::replace(&mut shell.source_name, path.to_string());
        shell.run_string(&String::from_utf8_lossy(&bytes));
        shell.source_name = saved;
    }
}

impl Shell {
    /// Runs a script's text; a syntax error ends it with status 2.
    pub fn run_script(&mut self, text: &str) -> i32 {
        let mut parser = Parser::from_str(text);
        self.run_parser(&mut parser, false)
    }

    /// Reads, parses and runs commands one at a time until the input ends or
    /// `exit`. `may_exec`: the last command may replace the shell (`sh -c`).
    fn run_parser(&mut self, parser: &mut Parser, may_exec: bool) -> i32 {
        loop {
            if self.interactive() {
                self.notify_jobs();
                let ps1 = self.prompt("PS1");
                let ps2 = self.prompt("PS2");
                parser.set_prompts(ps1, ps2);
            }
            parser.set_aliases(&self.aliases);
            match parser.next_command() {
                Ok(Some(command)) => {
                    if self.option('v') {
                        eprint!("{}", parser.command_text());
                    }
                    if self.option('n') && !self.interactive() {
                        continue;
                    }
                    let tail = may_exec && parser.at_end();
                    self.eval(&command, tail);
                    self.run_traps();
                    match self.flow {
                        Some(Flow::Exit(n)) => return n,
                        Some(Flow::Abort(n)) if !self.interactive() => return n,
                        Some(Flow::Abort(n)) => {
                            self.flow = None;
                            self.status = n;
                        }
                        Some(Flow::Return) if !self.interactive() => {
                            self.flow = None;
                            return self.status;
                        }
                        Some(_) => self.flow = None,
                        None => {}
                    }
                }
                Ok(None) => return self.status,
                Err(e) => {
                    if self.interactive() {
                        if !e.message.is_empty() {
                            eprintln!("sh: {}", e.message);
                        }
                        parser.discard();
                        self.status = 2;
                        continue;
                    }
                    let name = if self.source_name.is_empty() {
                        "stdin"
                    } else {
                        self.source_name.as_str()
                    };
                    eprintln!("sh: {name}: line {}: {}", e.line, e.message);
                    return 2;
                }
            }
        }
    }

    /// PS1 or PS2 with its parameters expanded.
    fn prompt(&mut self, name: &str) -> String {
        let raw = self.get(name).unwrap_or("").to_string();
        let Ok(word) = Parser::from_str(&raw).here_word() else {
            return raw;
        };
        let status = self.status;
        let text = self.expand_here(&word).unwrap_or(raw);
        self.status = status;
        text
    }
}
