//! Running commands: lists, pipelines, compound commands, functions,
//! redirections, and programs by fork and exec.

use std::os::fd::IntoRawFd;
use std::os::unix::fs::MetadataExt;
use std::rc::Rc;

use super::ast::{Command, ListItem, Redir, Simple};
use super::builtins;
use super::expand::ExpandError;
use super::jobs::Job;
use super::pattern;
use super::redir::Saved;
use super::shell::{Flow, INTERACTIVE_IGNORED, Shell, Var};
use super::sys;

/// How deep functions may call functions.
const MAX_FUNCTION_DEPTH: usize = 1000;

impl Shell {
    /// Runs a command. `tail`: nothing follows in this process, so a program
    /// may replace it rather than be forked.
    pub fn eval(&mut self, command: &Command, tail: bool) -> i32 {
        if self.flow.is_some() {
            return self.status;
        }
        let status = match command {
            Command::Simple(simple) => {
                let status = self.eval_simple(simple, tail);
                self.check_errexit(status);
                status
            }
            Command::Pipeline { bang, commands } => {
                if *bang {
                    self.errexit_suppressed += 1;
                }
                let status = if commands.len() == 1 {
                    self.eval(&commands[0], tail && !*bang)
                } else {
                    self.eval_pipeline(commands)
                };
                if *bang {
                    self.errexit_suppressed -= 1;
                    (status == 0) as i32
                } else {
                    self.check_errexit(status);
                    status
                }
            }
            Command::AndOr { first, rest } => {
                self.errexit_suppressed += 1;
                let mut status = self.eval(first, false);
                for (i, (and, next)) in rest.iter().enumerate() {
                    if self.flow.is_some() {
                        break;
                    }
                    if (status == 0) != *and {
                        continue;
                    }
                    let last = i + 1 == rest.len();
                    if last {
                        self.errexit_suppressed -= 1;
                    }
                    status = self.eval(next, tail && last);
                    if last {
                        self.errexit_suppressed += 1;
                    }
                }
                self.errexit_suppressed -= 1;
                status
            }
            Command::List(items) => self.eval_list(items, tail),
            Command::Group(body) => self.eval(body, tail),
            Command::Subshell(body) => {
                let status = if tail {
                    self.eval(body, true)
                } else {
                    self.subshell(|sh| sh.eval(body, true))
                };
                self.check_errexit(status);
                status
            }
            Command::If {
                branches,
                otherwise,
            } => self.eval_if(branches, otherwise.as_deref(), tail),
            Command::Loop { until, cond, body } => self.eval_loop(*until, cond, body),
            Command::For { var, words, body } => self.eval_for(var, words.as_deref(), body),
            Command::Case { word, arms } => {
                let subject = match self.expand_string(word) {
                    Ok(s) => s,
                    Err(e) => return self.expand_failed(e),
                };
                let mut status = 0;
                'arms: for arm in arms {
                    for pattern_word in &arm.patterns {
                        let pattern = match self.expand_pattern(pattern_word) {
                            Ok(p) => p,
                            Err(e) => return self.expand_failed(e),
                        };
                        if pattern::matches(&pattern, &subject) {
                            if let Some(body) = &arm.body {
                                status = self.eval(body, tail);
                            }
                            break 'arms;
                        }
                    }
                }
                status
            }
            Command::Function { name, body } => {
                self.functions.insert(name.clone(), Rc::clone(body));
                0
            }
            Command::Redirected { command, redirs } => {
                let mut saved = Saved::new();
                let status = if self.redirect(redirs, Some(&mut saved)) {
                    self.eval(command, false)
                } else {
                    2
                };
                self.restore(saved);
                status
            }
        };
        if !matches!(
            self.flow,
            Some(Flow::Return | Flow::Exit(_) | Flow::Abort(_))
        ) {
            self.status = status;
        }
        self.status
    }

    /// Assigning a readonly variable: an error that ends a script (and
    /// the command line of an interactive shell).
    pub fn assignment_failed(&mut self, message: String) -> i32 {
        self.error(message);
        self.flow = Some(Flow::Abort(2));
        2
    }

    fn check_errexit(&mut self, status: i32) {
        if status != 0 && self.option('e') && self.errexit_suppressed == 0 && self.flow.is_none() {
            self.flow = Some(Flow::Exit(status));
        }
    }

    /// Reports a failed expansion; a script stops there, an interactive
    /// shell abandons the command line.
    pub fn expand_failed(&mut self, e: ExpandError) -> i32 {
        self.error(e.0);
        self.flow = Some(Flow::Abort(2));
        self.status = 2;
        2
    }

    fn eval_list(&mut self, items: &[ListItem], tail: bool) -> i32 {
        let mut status = self.status;
        for (i, item) in items.iter().enumerate() {
            if self.flow.is_some() {
                break;
            }
            if item.background {
                self.spawn_background(&item.command, &item.text);
                status = 0;
                self.status = 0;
            } else {
                if self.job_control() {
                    self.job_text.clone_from(&item.text);
                }
                status = self.eval(&item.command, tail && i + 1 == items.len());
            }
            self.run_traps();
        }
        status
    }

    fn eval_if(
        &mut self,
        branches: &[(Command, Command)],
        otherwise: Option<&Command>,
        tail: bool,
    ) -> i32 {
        for (cond, body) in branches {
            self.errexit_suppressed += 1;
            let status = self.eval(cond, false);
            self.errexit_suppressed -= 1;
            if self.flow.is_some() {
                return status;
            }
            if status == 0 {
                return self.eval(body, tail);
            }
        }
        match otherwise {
            Some(body) => self.eval(body, tail),
            None => 0,
        }
    }

    /// After a loop's body: whether to leave the loop, consuming a `break`
    /// or `continue` meant for it.
    fn loop_exit(&mut self) -> bool {
        match self.flow {
            Some(Flow::Break(n)) => {
                self.flow = (n > 1).then_some(Flow::Break(n - 1));
                true
            }
            Some(Flow::Continue(n)) if n > 1 => {
                self.flow = Some(Flow::Continue(n - 1));
                true
            }
            Some(Flow::Continue(_)) => {
                self.flow = None;
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    fn eval_loop(&mut self, until: bool, cond: &Command, body: &Command) -> i32 {
        self.loop_depth += 1;
        let mut status = 0;
        loop {
            self.errexit_suppressed += 1;
            let c = self.eval(cond, false);
            self.errexit_suppressed -= 1;
            if self.loop_exit() || (c == 0) == until {
                break;
            }
            status = self.eval(body, false);
            if self.loop_exit() {
                break;
            }
        }
        self.loop_depth -= 1;
        status
    }

    fn eval_for(&mut self, var: &str, words: Option<&[super::ast::Word]>, body: &Command) -> i32 {
        let values = match words {
            Some(words) => match self.expand_words(words) {
                Ok(v) => v,
                Err(e) => return self.expand_failed(e),
            },
            None => self.positional.clone(),
        };
        self.loop_depth += 1;
        let mut status = 0;
        for value in values {
            if let Err(e) = self.set(var, &value) {
                self.error(e);
                status = 1;
                break;
            }
            status = self.eval(body, false);
            if self.loop_exit() {
                break;
            }
        }
        self.loop_depth -= 1;
        status
    }

    /// Runs `body` in a forked child, a foreground job of its own, and
    /// waits for it.
    pub fn subshell(&mut self, body: impl FnOnce(&mut Shell) -> i32) -> i32 {
        match sys::fork() {
            Ok(0) => {
                self.child_setup(Some((0, true)));
                let status = body(self);
                self.exit_child(status)
            }
            Ok(pid) => {
                if self.job_control() {
                    sys::setpgid(pid, pid);
                }
                let job = Job::new(pid, vec![pid], self.job_text.clone());
                self.run_foreground(job)
            }
            Err(e) => {
                self.error(format!("fork: {}", crate::common::strerror(&e)));
                2
            }
        }
    }

    /// Ends a forked child: its EXIT trap, then `_exit`.
    pub fn exit_child(&mut self, status: i32) -> ! {
        let status = self.finish(status);
        sys::exit_now(status)
    }

    /// The status the shell exits with after `status`, having run the EXIT trap.
    pub fn finish(&mut self, status: i32) -> i32 {
        let mut status = match self.flow {
            Some(Flow::Exit(n) | Flow::Abort(n)) => n,
            _ => status,
        };
        if !self.exiting
            && let Some(action) = self.traps.get(&0).cloned()
        {
            self.exiting = true;
            self.flow = None;
            self.status = status;
            self.run_string(&action);
            if let Some(Flow::Exit(n)) = self.flow {
                status = n;
            }
        }
        crate::common::flush_stdout();
        status
    }

    /// In a new child: no job control, default signal actions, traps reset.
    /// `job`: the process group to join and whether it takes the terminal.
    pub fn child_setup(&mut self, job: Option<(i32, bool)>) {
        if let Some((pgid, foreground)) = job
            && self.job_control()
        {
            sys::setpgid(0, pgid);
            if foreground && let Some(tty) = self.tty {
                sys::tcsetpgrp(tty, if pgid == 0 { sys::getpgrp() } else { pgid });
            }
        }
        if self.interactive() && !self.subshell {
            for signal in INTERACTIVE_IGNORED {
                sys::set_signal(signal, libc::SIG_DFL);
            }
        }
        let traps = std::mem::take(&mut self.traps);
        for (signal, action) in traps {
            if action.is_empty() {
                self.traps.insert(signal, action);
            } else if signal != 0 {
                sys::set_signal(signal, libc::SIG_DFL);
            }
        }
        self.subshell = true;
        self.jobs = Default::default();
    }

    fn spawn_background(&mut self, command: &Command, text: &str) {
        match sys::fork() {
            Ok(0) => {
                let job_control = self.job_control();
                self.child_setup(Some((0, false)));
                if !job_control {
                    sys::set_signal(libc::SIGINT, libc::SIG_IGN);
                    sys::set_signal(libc::SIGQUIT, libc::SIG_IGN);
                    if let Ok(null) = std::fs::File::open("/dev/null") {
                        let fd = null.into_raw_fd();
                        let _ = sys::dup2(fd, 0);
                        sys::close(fd);
                    }
                }
                let status = self.eval(command, true);
                self.exit_child(status)
            }
            Ok(pid) => {
                if self.job_control() {
                    sys::setpgid(pid, pid);
                }
                self.last_background = Some(pid);
                let id = self.jobs.add(Job::new(pid, vec![pid], text.to_string()));
                if self.interactive() && !self.subshell {
                    eprintln!("[{id}] {pid}");
                }
            }
            Err(e) => self.error(format!("fork: {}", crate::common::strerror(&e))),
        }
    }

    fn eval_pipeline(&mut self, commands: &[Command]) -> i32 {
        let mut previous_read: Option<i32> = None;
        let mut pids = Vec::new();
        let mut pgid = 0;
        for (i, command) in commands.iter().enumerate() {
            let last = i + 1 == commands.len();
            let pipe = if last {
                None
            } else {
                match sys::pipe() {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.error(format!("pipe: {}", crate::common::strerror(&e)));
                        break;
                    }
                }
            };
            match sys::fork() {
                Ok(0) => {
                    self.child_setup(Some((pgid, true)));
                    if let Some(fd) = previous_read {
                        let _ = sys::dup2(fd, 0);
                        sys::close(fd);
                    }
                    if let Some((read, write)) = pipe {
                        let _ = sys::dup2(write, 1);
                        sys::close(write);
                        sys::close(read);
                    }
                    let status = self.eval(command, true);
                    self.exit_child(status)
                }
                Ok(pid) => {
                    if self.job_control() {
                        sys::setpgid(pid, if pgid == 0 { pid } else { pgid });
                    }
                    if pgid == 0 {
                        pgid = pid;
                    }
                    pids.push(pid);
                }
                Err(e) => {
                    self.error(format!("fork: {}", crate::common::strerror(&e)));
                }
            }
            if let Some(fd) = previous_read.take() {
                sys::close(fd);
            }
            if let Some((read, write)) = pipe {
                sys::close(write);
                previous_read = Some(read);
            }
        }
        if let Some(fd) = previous_read {
            sys::close(fd);
        }
        self.run_foreground(Job::new(pgid, pids, self.job_text.clone()))
    }

    fn eval_simple(&mut self, simple: &Simple, tail: bool) -> i32 {
        if simple.line > 0 {
            self.line = simple.line;
        }
        self.subst_status = None;
        let words = match self.expand_words(&simple.words) {
            Ok(w) => w,
            Err(e) => return self.expand_failed(e),
        };
        let mut assigns = Vec::new();
        for (name, value) in &simple.assigns {
            let value = match self.expand_assignment(value) {
                Ok(v) => v,
                Err(e) => return self.expand_failed(e),
            };
            if words.is_empty() {
                // `a=1 b=$a`: each assignment is done before the next expands.
                if let Err(e) = self.set(name, &value) {
                    return self.assignment_failed(e);
                }
            }
            assigns.push((name.clone(), value));
        }
        if self.option('x') {
            let mut line = self.get("PS4").unwrap_or("+ ").to_string();
            let items: Vec<String> = assigns
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .chain(words.iter().cloned())
                .collect();
            line.push_str(&items.join(" "));
            eprintln!("{line}");
        }
        let Some(name) = words.first() else {
            let status = self.subst_status.unwrap_or(0);
            let mut saved = Saved::new();
            let ok = self.redirect(&simple.redirs, Some(&mut saved));
            self.restore(saved);
            return if ok { status } else { 2 };
        };
        if let Some(builtin) = builtins::special(name) {
            for (n, v) in &assigns {
                if let Err(e) = self.set(n, v) {
                    return self.assignment_failed(e);
                }
            }
            return self.run_builtin(builtin, &words, &simple.redirs);
        }
        if let Some(body) = self.functions.get(name).cloned() {
            let saved_vars = self.push_temporary(&assigns);
            let mut saved = Saved::new();
            let status = if self.redirect(&simple.redirs, Some(&mut saved)) {
                self.call_function(&body, &words)
            } else {
                2
            };
            self.restore(saved);
            self.pop_temporary(saved_vars);
            return status;
        }
        if let Some(builtin) = builtins::regular(name) {
            let saved_vars = self.push_temporary(&assigns);
            let status = self.run_builtin(builtin, &words, &simple.redirs);
            self.pop_temporary(saved_vars);
            return status;
        }
        self.run_program(&words, &assigns, &simple.redirs, tail)
    }

    /// `NAME=value cmd` for a function or regular builtin: set and exported
    /// for the command's duration.
    fn push_temporary(&mut self, assigns: &[(String, String)]) -> Vec<(String, Option<Var>)> {
        let mut saved = Vec::new();
        for (name, value) in assigns {
            saved.push((name.clone(), self.vars.get(name).cloned()));
            if let Err(e) = self.set(name, value) {
                self.error(e);
                continue;
            }
            self.export(name);
        }
        saved
    }

    fn pop_temporary(&mut self, saved: Vec<(String, Option<Var>)>) {
        for (name, old) in saved.into_iter().rev() {
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

    fn run_builtin(
        &mut self,
        builtin: builtins::Builtin,
        words: &[String],
        redirs: &[Redir],
    ) -> i32 {
        let mut saved = Saved::new();
        let status = if self.redirect(redirs, Some(&mut saved)) {
            builtin(self, words)
        } else {
            2
        };
        crate::common::flush_stdout();
        if words.len() == 1 && words[0] == "exec" {
            // `exec >file`: the redirections stay.
            for (_, copy) in saved {
                if copy >= 0 {
                    sys::close(copy);
                }
            }
        } else {
            self.restore(saved);
        }
        status
    }

    pub fn call_function(&mut self, body: &Command, words: &[String]) -> i32 {
        // Each call takes a few kilobytes of the 8 MiB stack: fail cleanly
        // rather than overflow it.
        if self.locals.len() >= MAX_FUNCTION_DEPTH {
            self.error(format!("{}: function calls nested too deeply", words[0]));
            self.flow = Some(Flow::Abort(2));
            return 2;
        }
        let saved_args = std::mem::replace(&mut self.positional, words[1..].to_vec());
        let saved_loops = std::mem::replace(&mut self.loop_depth, 0);
        self.locals.push(Vec::new());
        let mut status = self.eval(body, false);
        if self.flow == Some(Flow::Return) {
            self.flow = None;
            status = self.status;
        }
        self.pop_locals();
        self.loop_depth = saved_loops;
        self.positional = saved_args;
        status
    }

    /// Finds a program on PATH, remembering where.
    pub fn find_program(&mut self, name: &str) -> Option<String> {
        if name.contains('/') {
            return Some(name.to_string());
        }
        if let Some(path) = self.hash.get(name) {
            return Some(path.clone());
        }
        let path_var = self.get("PATH").unwrap_or("").to_string();
        for dir in path_var.split(':') {
            let dir = if dir.is_empty() { "." } else { dir };
            let candidate = format!("{dir}/{name}");
            if std::fs::metadata(&candidate).is_ok_and(|m| m.is_file())
                && sys::access_executable(&candidate)
            {
                self.hash.insert(name.to_string(), candidate.clone());
                return Some(candidate);
            }
        }
        None
    }

    fn run_program(
        &mut self,
        words: &[String],
        assigns: &[(String, String)],
        redirs: &[Redir],
        tail: bool,
    ) -> i32 {
        let Some(path) = self.find_program(&words[0]) else {
            let mut saved = Saved::new();
            if self.redirect(redirs, Some(&mut saved)) {
                eprintln!("sh: {}: not found", words[0]);
            }
            self.restore(saved);
            return 127;
        };
        // Replacing the shell would lose its traps; ignored signals stay
        // ignored across exec anyway.
        let no_traps = self.traps.values().all(String::is_empty);
        if tail && no_traps && !self.job_control() {
            if !self.redirect(redirs, None) {
                return 2;
            }
            self.exec_program(&path, words, assigns)
        }
        match sys::fork() {
            Ok(0) => {
                self.child_setup(Some((0, true)));
                if !self.redirect(redirs, None) {
                    sys::exit_now(2);
                }
                self.exec_program(&path, words, assigns)
            }
            Ok(pid) => {
                if self.job_control() {
                    sys::setpgid(pid, pid);
                }
                let text = words.join(" ");
                self.run_foreground(Job::new(pid, vec![pid], text))
            }
            Err(e) => {
                self.error(format!("fork: {}", crate::common::strerror(&e)));
                2
            }
        }
    }

    /// Replaces the process with the program; a file that is not a binary
    /// runs as a shell script in this process.
    pub fn exec_program(
        &mut self,
        path: &str,
        words: &[String],
        assigns: &[(String, String)],
    ) -> ! {
        let mut env = self.environment();
        for (name, value) in assigns {
            env.retain(|(n, _)| n != name);
            env.push((name.clone(), value.clone()));
        }
        sys::set_signal(libc::SIGPIPE, libc::SIG_DFL);
        let e = sys::execve(path, words, &env);
        match e.raw_os_error() {
            Some(libc::ENOEXEC) => {
                let Ok(script) = std::fs::read(path) else {
                    sys::exit_now(126);
                };
                self.functions.clear();
                self.aliases.clear();
                self.traps.clear();
                self.vars.retain(|_, v| v.exported);
                for (name, value) in assigns {
                    let _ = self.set(name, value);
                }
                self.arg0 = path.to_string();
                self.positional = words[1..].to_vec();
                self.hash.clear();
                let status = self.run_script(&String::from_utf8_lossy(&script));
                self.exit_child(status)
            }
            Some(libc::ENOENT) => {
                eprintln!("sh: {}: not found", words[0]);
                sys::exit_now(127)
            }
            _ => {
                eprintln!("sh: {}: {}", words[0], crate::common::strerror(&e));
                sys::exit_now(126)
            }
        }
    }

    /// The output of `$(...)`, trailing newlines removed; `$?` becomes its status.
    pub fn command_output(&mut self, command: &Command) -> String {
        let (read, write) = match sys::pipe() {
            Ok(p) => p,
            Err(e) => {
                self.error(format!("pipe: {}", crate::common::strerror(&e)));
                return String::new();
            }
        };
        match sys::fork() {
            Ok(0) => {
                sys::close(read);
                let _ = sys::dup2(write, 1);
                sys::close(write);
                self.child_setup(None);
                let status = self.eval(command, true);
                self.exit_child(status)
            }
            Ok(pid) => {
                sys::close(write);
                let output = sys::read_to_end(read);
                sys::close(read);
                let status = loop {
                    match sys::waitpid(pid, 0) {
                        Ok(Some((_, raw))) => break sys::exit_code(raw),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        _ => break 0,
                    }
                };
                // `$?` changes when the command that holds the substitution
                // completes: `echo $(false) $?` shows the status before.
                self.subst_status = Some(status);
                let mut text = String::from_utf8_lossy(&output).into_owned();
                while text.ends_with('\n') {
                    text.pop();
                }
                text
            }
            Err(e) => {
                sys::close(read);
                sys::close(write);
                self.error(format!("fork: {}", crate::common::strerror(&e)));
                String::new()
            }
        }
    }

    /// Whether two paths are the same file (for `cd`'s logical paths).
    pub fn same_file(a: &str, b: &str) -> bool {
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.ino() == y.ino() && x.dev() == y.dev(),
            _ => false,
        }
    }

    /// Runs a trap action, `eval` or `.` text, command by command.
    pub fn run_string(&mut self, text: &str) -> i32 {
        let mut parser = super::parse::Parser::from_str(text);
        let mut status = 0;
        loop {
            parser.set_aliases(&self.aliases);
            match parser.next_command() {
                Ok(Some(command)) => {
                    status = self.eval(&command, false);
                    if self.flow.is_some() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.error(e.message);
                    status = 2;
                    if !self.interactive() {
                        self.flow = Some(Flow::Exit(2));
                    }
                    break;
                }
            }
        }
        self.status = status;
        status
    }
}
