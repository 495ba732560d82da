//! Jobs: background and stopped pipelines, waiting for them, and the
//! `jobs`, `fg`, `bg` and `wait` builtins.

use super::shell::Shell;
use super::sys;

#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: i32,
    /// The raw wait status once it has ended.
    pub status: Option<i32>,
    pub stopped: bool,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: usize,
    /// The process group under job control, else the first pid.
    pub pgid: i32,
    pub procs: Vec<Proc>,
    pub text: String,
}

impl Job {
    pub fn new(pgid: i32, pids: Vec<i32>, text: String) -> Job {
        Job {
            id: 0,
            pgid,
            procs: pids
                .into_iter()
                .map(|pid| Proc {
                    pid,
                    status: None,
                    stopped: false,
                })
                .collect(),
            text,
        }
    }

    pub fn done(&self) -> bool {
        self.procs.iter().all(|p| p.status.is_some())
    }

    pub fn stopped(&self) -> bool {
        !self.done() && self.procs.iter().all(|p| p.status.is_some() || p.stopped)
    }

    /// The exit status of the pipeline: its last command's.
    pub fn status(&self) -> i32 {
        self.procs
            .last()
            .and_then(|p| p.status)
            .map_or(0, sys::exit_code)
    }

    fn state(&self) -> String {
        if self.stopped() {
            return "Stopped".into();
        }
        if !self.done() {
            return "Running".into();
        }
        let raw = self.procs.last().and_then(|p| p.status).unwrap_or(0);
        if libc::WIFSIGNALED(raw) {
            let signal = libc::WTERMSIG(raw);
            return crate::r#kill::signal_description(signal);
        }
        match sys::exit_code(raw) {
            0 => "Done".into(),
            n => format!("Done({n})"),
        }
    }
}

#[derive(Debug, Default)]
pub struct Jobs {
    pub list: Vec<Job>,
}

impl Jobs {
    /// Adds a job, numbering it after the highest; returns its number.
    pub fn add(&mut self, mut job: Job) -> usize {
        job.id = self.list.iter().map(|j| j.id).max().unwrap_or(0) + 1;
        let id = job.id;
        self.list.push(job);
        id
    }

    /// The current job (`%+`): the newest stopped one, else the newest.
    pub fn current(&self) -> Option<usize> {
        self.list
            .iter()
            .rev()
            .find(|j| j.stopped())
            .or(self.list.last())
            .map(|j| j.id)
    }

    fn previous(&self) -> Option<usize> {
        let current = self.current()?;
        self.list
            .iter()
            .rev()
            .map(|j| j.id)
            .find(|&id| id != current)
    }

    fn marker(&self, id: usize) -> char {
        if Some(id) == self.current() {
            '+'
        } else if Some(id) == self.previous() {
            '-'
        } else {
            ' '
        }
    }

    /// A job by `%n`, `%+`, `%%`, `%-`, `%prefix` or `%?text`.
    pub fn find(&self, spec: &str) -> Result<usize, String> {
        let rest = spec.strip_prefix('%').unwrap_or(spec);
        let found = match rest {
            "" | "+" | "%" => self.current(),
            "-" => self.previous(),
            _ if rest.bytes().all(|b| b.is_ascii_digit()) => {
                let n: usize = rest.parse().map_err(|_| format!("{spec}: no such job"))?;
                self.list.iter().find(|j| j.id == n).map(|j| j.id)
            }
            _ => match rest.strip_prefix('?') {
                Some(text) => self
                    .list
                    .iter()
                    .rev()
                    .find(|j| j.text.contains(text))
                    .map(|j| j.id),
                None => self
                    .list
                    .iter()
                    .rev()
                    .find(|j| j.text.starts_with(rest))
                    .map(|j| j.id),
            },
        };
        found.ok_or_else(|| format!("{spec}: no such job"))
    }

    fn index(&self, id: usize) -> Option<usize> {
        self.list.iter().position(|j| j.id == id)
    }

    fn record(&mut self, pid: i32, raw: i32) {
        for job in &mut self.list {
            for proc in &mut job.procs {
                if proc.pid == pid {
                    if libc::WIFSTOPPED(raw) {
                        proc.stopped = true;
                    } else if libc::WIFCONTINUED(raw) {
                        proc.stopped = false;
                    } else {
                        proc.status = Some(raw);
                        proc.stopped = false;
                    }
                }
            }
        }
    }
}

impl Shell {
    /// Waits for a job in the foreground; a job that stops joins the job
    /// table. Returns the status.
    pub fn run_foreground(&mut self, mut job: Job) -> i32 {
        let stopped = self.wait_job(&mut job);
        if self.job_control()
            && let Some(tty) = self.tty
        {
            sys::tcsetpgrp(tty, self.shell_pgid);
            if let Some(modes) = &self.tty_modes {
                sys::set_termios(tty, modes);
            }
        }
        if stopped {
            if job.text.is_empty() {
                job.text = "(pipeline)".into();
            }
            let id = if job.id == 0 {
                self.jobs.add(job.clone())
            } else {
                self.jobs.list.push(job.clone());
                job.id
            };
            let marker = self.jobs.marker(id);
            eprintln!("\n[{id}]{marker}  Stopped                 {}", job.text);
            return 128 + libc::SIGTSTP;
        }
        let raw = job.procs.last().and_then(|p| p.status).unwrap_or(0);
        if libc::WIFSIGNALED(raw) && self.interactive() && !self.subshell {
            match libc::WTERMSIG(raw) {
                libc::SIGINT => eprintln!(),
                libc::SIGPIPE => {}
                signal => eprintln!("{}", crate::r#kill::signal_description(signal)),
            }
        }
        job.status()
    }

    /// Waits until every process of the job ended or one stopped; returns
    /// whether it stopped.
    fn wait_job(&mut self, job: &mut Job) -> bool {
        let flags = if self.job_control() {
            libc::WUNTRACED
        } else {
            0
        };
        for i in 0..job.procs.len() {
            while job.procs[i].status.is_none() && !job.procs[i].stopped {
                match sys::waitpid(job.procs[i].pid, flags) {
                    Ok(Some((_, raw))) if libc::WIFSTOPPED(raw) => job.procs[i].stopped = true,
                    Ok(Some((_, raw))) => job.procs[i].status = Some(raw),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                        self.run_traps();
                    }
                    _ => job.procs[i].status = Some(0),
                }
            }
        }
        job.stopped()
    }

    /// Collects the status of children that ended or stopped, without waiting.
    pub fn reap_jobs(&mut self) {
        if self.jobs.list.is_empty() {
            return;
        }
        let flags = libc::WNOHANG
            | if self.job_control() {
                libc::WUNTRACED | libc::WCONTINUED
            } else {
                0
            };
        while let Ok(Some((pid, raw))) = sys::waitpid(-1, flags) {
            self.jobs.record(pid, raw);
        }
    }

    /// Before a prompt: reports the jobs that ended, and forgets them.
    pub fn notify_jobs(&mut self) {
        self.reap_jobs();
        let done: Vec<Job> = self
            .jobs
            .list
            .iter()
            .filter(|j| j.done())
            .cloned()
            .collect();
        for job in &done {
            self.print_job(job, false);
        }
        self.jobs.list.retain(|j| !j.done());
    }

    fn print_job(&self, job: &Job, pids: bool) {
        let marker = self.jobs.marker(job.id);
        let state = job.state();
        if pids {
            eprintln!(
                "[{}]{marker} {} {state:<22}{}",
                job.id, job.procs[0].pid, job.text
            );
        } else {
            eprintln!("[{}]{marker}  {state:<24}{}", job.id, job.text);
        }
    }

    pub fn builtin_jobs(&mut self, args: &[String]) -> i32 {
        self.reap_jobs();
        let mut long = false;
        let mut pids_only = false;
        let mut specs = Vec::new();
        for arg in &args[1..] {
            match arg.as_str() {
                "-l" => long = true,
                "-p" => pids_only = true,
                _ => specs.push(arg.clone()),
            }
        }
        let ids: Vec<usize> = if specs.is_empty() {
            self.jobs.list.iter().map(|j| j.id).collect()
        } else {
            let mut ids = Vec::new();
            for spec in &specs {
                match self.jobs.find(spec) {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        eprintln!("jobs: {e}");
                        return 1;
                    }
                }
            }
            ids
        };
        let mut out = String::new();
        for id in ids {
            let Some(i) = self.jobs.index(id) else {
                continue;
            };
            let job = &self.jobs.list[i];
            if pids_only {
                out.push_str(&format!("{}\n", job.pgid));
                continue;
            }
            let marker = self.jobs.marker(id);
            let state = job.state();
            if long {
                out.push_str(&format!(
                    "[{id}]{marker} {} {state:<22}{}\n",
                    job.procs[0].pid, job.text
                ));
            } else {
                out.push_str(&format!("[{id}]{marker}  {state:<24}{}\n", job.text));
            }
        }
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
        self.jobs.list.retain(|j| !j.done());
        0
    }

    fn job_operand(&self, args: &[String], name: &str) -> Result<usize, i32> {
        let spec = args.get(1).map_or("%+", String::as_str);
        self.jobs.find(spec).map_err(|e| {
            eprintln!("{name}: {e}");
            1
        })
    }

    pub fn builtin_fg(&mut self, args: &[String]) -> i32 {
        if !self.job_control() {
            eprintln!("fg: no job control");
            return 1;
        }
        let id = match self.job_operand(args, "fg") {
            Ok(id) => id,
            Err(status) => return status,
        };
        let i = self.jobs.index(id).expect("found");
        let mut job = self.jobs.list.remove(i);
        eprintln!("{}", job.text);
        if let Some(tty) = self.tty {
            sys::tcsetpgrp(tty, job.pgid);
        }
        let _ = sys::kill(-job.pgid, libc::SIGCONT);
        for proc in &mut job.procs {
            proc.stopped = false;
        }
        self.run_foreground(job)
    }

    pub fn builtin_bg(&mut self, args: &[String]) -> i32 {
        if !self.job_control() {
            eprintln!("bg: no job control");
            return 1;
        }
        let id = match self.job_operand(args, "bg") {
            Ok(id) => id,
            Err(status) => return status,
        };
        let i = self.jobs.index(id).expect("found");
        let job = &mut self.jobs.list[i];
        for proc in &mut job.procs {
            proc.stopped = false;
        }
        let _ = sys::kill(-job.pgid, libc::SIGCONT);
        let text = job.text.clone();
        let marker = self.jobs.marker(id);
        eprintln!("[{id}]{marker} {text} &");
        0
    }

    pub fn builtin_wait(&mut self, args: &[String]) -> i32 {
        if args.len() == 1 {
            let mut jobs = std::mem::take(&mut self.jobs.list);
            for job in &mut jobs {
                if self.wait_job_interruptible(job).is_err() {
                    self.jobs.list = jobs;
                    return 128 + self.last_trapped;
                }
            }
            return 0;
        }
        let mut status = 0;
        for arg in &args[1..] {
            let id = if arg.starts_with('%') {
                match self.jobs.find(arg) {
                    Ok(id) => Some(id),
                    Err(e) => {
                        eprintln!("wait: {e}");
                        status = 127;
                        continue;
                    }
                }
            } else {
                let Ok(pid) = arg.parse::<i32>() else {
                    eprintln!("wait: {arg}: invalid process id");
                    status = 2;
                    continue;
                };
                self.jobs
                    .list
                    .iter()
                    .find(|j| j.procs.iter().any(|p| p.pid == pid))
                    .map(|j| j.id)
            };
            let Some(i) = id.and_then(|id| self.jobs.index(id)) else {
                status = 127;
                continue;
            };
            let mut job = self.jobs.list.remove(i);
            if self.wait_job_interruptible(&mut job).is_err() {
                self.jobs.list.push(job);
                return 128 + self.last_trapped;
            }
            status = job.status();
        }
        status
    }

    /// Waits for a job; a trapped signal interrupts the wait (POSIX `wait`).
    fn wait_job_interruptible(&mut self, job: &mut Job) -> Result<(), ()> {
        for i in 0..job.procs.len() {
            while job.procs[i].status.is_none() {
                match sys::waitpid(job.procs[i].pid, 0) {
                    Ok(Some((_, raw))) if libc::WIFSTOPPED(raw) => {}
                    Ok(Some((_, raw))) => job.procs[i].status = Some(raw),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                        if self.run_traps() {
                            return Err(());
                        }
                    }
                    _ => job.procs[i].status = Some(0),
                }
            }
        }
        Ok(())
    }

    /// `kill`, which also knows jobs; a stopped job signalled is continued
    /// so the signal takes effect.
    pub fn builtin_kill(&mut self, args: &[String]) -> i32 {
        let status = crate::r#kill::run(args, &|spec| self.job_target(spec));
        if self.job_control() {
            for spec in args[1..].iter().filter(|a| a.starts_with('%')) {
                if let Ok(id) = self.jobs.find(spec)
                    && let Some(job) = self.jobs.list.iter_mut().find(|j| j.id == id)
                    && job.stopped()
                {
                    let _ = sys::kill(-job.pgid, libc::SIGCONT);
                    for proc in &mut job.procs {
                        proc.stopped = false;
                    }
                }
            }
        }
        status
    }

    /// The pids `kill %n` signals: the job's process group, or its pids.
    pub fn job_target(&self, spec: &str) -> Result<i32, String> {
        let id = self.jobs.find(spec)?;
        let job = &self.jobs.list[self.jobs.index(id).expect("found")];
        Ok(if self.job_control() {
            -job.pgid
        } else {
            job.procs[0].pid
        })
    }
}
