//! Traps: the signal handler records signals, and the shell runs their
//! actions between commands.

use std::sync::atomic::{AtomicBool, Ordering};

use super::shell::Shell;
use super::sys;

const SIGNALS: usize = 65;

static PENDING: [AtomicBool; SIGNALS] = [const { AtomicBool::new(false) }; SIGNALS];
static ANY_PENDING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(signal: libc::c_int) {
    if let Some(flag) = PENDING.get(signal as usize) {
        flag.store(true, Ordering::SeqCst);
        ANY_PENDING.store(true, Ordering::SeqCst);
    }
}

/// The signal number of a trap condition: `EXIT`, `0`, `INT`, `SIGINT`, `2`.
fn condition(name: &str) -> Option<i32> {
    if name == "EXIT" || name == "0" {
        return Some(0);
    }
    if let Ok(n) = name.parse::<i32>() {
        return (1..SIGNALS as i32).contains(&n).then_some(n);
    }
    crate::r#kill::signal_number(name)
}

fn condition_name(signal: i32) -> String {
    if signal == 0 {
        "EXIT".into()
    } else {
        crate::r#kill::signal_name(signal).unwrap_or_else(|| signal.to_string())
    }
}

impl Shell {
    /// Runs the actions of signals that arrived; returns whether any ran.
    pub fn run_traps(&mut self) -> bool {
        if !ANY_PENDING.swap(false, Ordering::SeqCst) {
            return false;
        }
        let mut ran = false;
        for (signal, flag) in PENDING.iter().enumerate().skip(1) {
            if flag.swap(false, Ordering::SeqCst)
                && let Some(action) = self.traps.get(&(signal as i32)).cloned()
            {
                ran = true;
                self.last_trapped = signal as i32;
                let status = self.status;
                self.run_string(&action);
                if !matches!(self.flow, Some(super::shell::Flow::Exit(_))) {
                    self.status = status;
                }
            }
        }
        ran
    }

    /// The disposition the shell itself gives a signal with no trap.
    fn default_disposition(&self, signal: i32) -> libc::sighandler_t {
        if self.interactive()
            && !self.subshell
            && super::shell::INTERACTIVE_IGNORED.contains(&signal)
        {
            libc::SIG_IGN
        } else {
            libc::SIG_DFL
        }
    }

    pub fn builtin_trap(&mut self, args: &[String]) -> i32 {
        let mut args = &args[1..];
        if args.first().is_some_and(|a| a == "--") {
            args = &args[1..];
        }
        if args.is_empty() {
            let mut traps: Vec<(&i32, &String)> = self.traps.iter().collect();
            traps.sort();
            let mut out = String::new();
            for (signal, action) in traps {
                out.push_str(&format!(
                    "trap -- {} {}\n",
                    super::builtins::quote(action),
                    condition_name(*signal)
                ));
            }
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
            return 0;
        }
        let (action, conditions) = if args.len() == 1 || args[0].parse::<u32>().is_ok() {
            (None, args)
        } else if args[0] == "-" {
            (None, &args[1..])
        } else {
            (Some(args[0].clone()), &args[1..])
        };
        let mut status = 0;
        for name in conditions {
            let Some(signal) = condition(name) else {
                eprintln!("trap: {name}: bad trap");
                status = 1;
                continue;
            };
            if signal == libc::SIGKILL || signal == libc::SIGSTOP {
                continue;
            }
            match &action {
                None => {
                    self.traps.remove(&signal);
                    if signal != 0 {
                        sys::set_signal(signal, self.default_disposition(signal));
                    }
                }
                Some(action) => {
                    self.traps.insert(signal, action.clone());
                    if signal != 0 {
                        let handler = if action.is_empty() {
                            libc::SIG_IGN
                        } else {
                            on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t
                        };
                        sys::set_signal(signal, handler);
                    }
                }
            }
        }
        status
    }
}
