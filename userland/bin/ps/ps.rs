//! `ps`: report process status from /proc (Linux's formats, which Basalt's
//! procfs shares). POSIX options (`-ef`, `-o`), and BSD's `ps aux`.

mod proc;

use crate::common::{Getopt, Opt, usage_error, warn_io};
use crate::r#ls::ids::Ids;
use proc::{Process, System};
use std::io::{BufWriter, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["ps"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: ps [-Aef] [-o field[=header],...] [-p pid,...]\n       ps [aux]";

/// Which processes are shown.
#[derive(Default)]
struct Selection {
    all: bool,
    /// BSD `a`: every user's processes that have a terminal.
    any_user: bool,
    /// BSD `x`: also processes without a terminal.
    no_tty_too: bool,
    pids: Vec<i32>,
}

/// The output columns, as `-o` names them.
const FIELDS: &[(&str, &str)] = &[
    ("pid", "PID"),
    ("ppid", "PPID"),
    ("pgid", "PGID"),
    ("sid", "SID"),
    ("uid", "UID"),
    ("user", "USER"),
    ("stat", "STAT"),
    ("tty", "TT"),
    ("time", "TIME"),
    ("comm", "COMMAND"),
    ("args", "COMMAND"),
    ("rss", "RSS"),
    ("vsz", "VSZ"),
    ("c", "C"),
    ("stime", "STIME"),
    ("pcpu", "%CPU"),
    ("pmem", "%MEM"),
    ("start", "START"),
    ("bsdtime", "TIME"),
];

fn main(args: &[String]) -> i32 {
    let mut sel = Selection::default();
    let mut columns: Vec<(String, String)> = Vec::new();
    let mut full = false;
    let mut bsd_user = false;
    if let Some(first) = args.get(1).filter(|a| !a.starts_with('-')) {
        // BSD style: `ps aux`, letters without a dash.
        for c in first.chars() {
            match c {
                'a' => sel.any_user = true,
                'x' => sel.no_tty_too = true,
                'u' => bsd_user = true,
                'w' => {}
                _ => return usage_error(args, &format!("unknown option -- {c}"), USAGE),
            }
        }
        if let Some(extra) = args.get(2) {
            return usage_error(args, &format!("extra operand {extra}"), USAGE);
        }
    } else {
        let mut g = Getopt::new(args, "Aefo:p:");
        loop {
            match g.next_opt() {
                Ok(None) => break,
                Ok(Some(Opt::Help)) => {
                    let _ = writeln!(std::io::stdout(), "{USAGE}");
                    return 0;
                }
                Ok(Some(Opt::Flag(c, value))) => match c {
                    'A' | 'e' => sel.all = true,
                    'f' => full = true,
                    'o' => {
                        let list = value.unwrap_or_default();
                        match parse_columns(&list) {
                            Ok(more) => columns.extend(more),
                            Err(bad) => {
                                return usage_error(args, &format!("unknown field {bad}"), USAGE);
                            }
                        }
                    }
                    _ => {
                        for pid in value
                            .unwrap_or_default()
                            .split([',', ' '])
                            .filter(|p| !p.is_empty())
                        {
                            match pid.parse() {
                                Ok(pid) => sel.pids.push(pid),
                                Err(_) => {
                                    return usage_error(
                                        args,
                                        &format!("invalid process id {pid}"),
                                        USAGE,
                                    );
                                }
                            }
                        }
                    }
                },
                Err(e) => return usage_error(args, &e.0, USAGE),
            }
        }
        if let Some(extra) = g.operands().first() {
            return usage_error(args, &format!("extra operand {extra}"), USAGE);
        }
    }
    if columns.is_empty() {
        let defaults: &[(&str, &str)] = if bsd_user {
            &[
                ("user", "USER"),
                ("pid", "PID"),
                ("pcpu", "%CPU"),
                ("pmem", "%MEM"),
                ("vsz", "VSZ"),
                ("rss", "RSS"),
                ("tty", "TTY"),
                ("stat", "STAT"),
                ("start", "START"),
                ("bsdtime", "TIME"),
                ("args", "COMMAND"),
            ]
        } else if full {
            &[
                ("user", "UID"),
                ("pid", "PID"),
                ("ppid", "PPID"),
                ("c", "C"),
                ("stime", "STIME"),
                ("tty", "TTY"),
                ("time", "TIME"),
                ("args", "CMD"),
            ]
        } else {
            &[
                ("pid", "PID"),
                ("tty", "TTY"),
                ("time", "TIME"),
                ("comm", "CMD"),
            ]
        };
        columns = defaults
            .iter()
            .map(|(n, h)| (n.to_string(), h.to_string()))
            .collect();
    }
    let system = match System::read() {
        Ok(system) => system,
        Err(e) => {
            warn_io(args, "/proc", &e);
            return 1;
        }
    };
    let me = Process::read(std::process::id() as i32);
    let (my_euid, my_tty) = me.map_or((0, 0), |p| (p.euid, p.tty_nr));
    let chosen: Vec<&Process> = system
        .processes
        .iter()
        .filter(|p| {
            if !sel.pids.is_empty() {
                return sel.pids.contains(&p.pid);
            }
            if sel.all || (sel.any_user && sel.no_tty_too) {
                return true;
            }
            let user_ok = sel.any_user || p.euid == my_euid;
            let tty_ok = if sel.no_tty_too {
                true
            } else if sel.any_user {
                p.tty_nr != 0
            } else {
                p.tty_nr == my_tty
            };
            user_ok && tty_ok
        })
        .collect();
    let mut ids = Ids::load();
    let mut ttys = proc::TtyNames::default();
    let mut rows: Vec<Vec<String>> = Vec::new();
    if columns.iter().any(|(_, h)| !h.is_empty()) {
        rows.push(columns.iter().map(|(_, h)| h.clone()).collect());
    }
    for p in &chosen {
        rows.push(
            columns
                .iter()
                .map(|(name, _)| system.field(p, name, &mut ids, &mut ttys))
                .collect(),
        );
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let name = columns[i].0.as_str();
            let w = widths[i];
            if i + 1 == row.len() {
                if right_aligned(name) {
                    line += &format!("{cell:>w$}");
                } else {
                    line += cell;
                }
            } else if right_aligned(name) {
                line += &format!("{cell:>w$} ");
            } else {
                line += &format!("{cell:<w$} ");
            }
        }
        if writeln!(out, "{}", line.trim_end()).is_err() {
            return 0;
        }
    }
    let _ = out.flush();
    if !sel.pids.is_empty() && chosen.is_empty() {
        1
    } else {
        0
    }
}

fn right_aligned(field: &str) -> bool {
    matches!(
        field,
        "pid"
            | "ppid"
            | "pgid"
            | "sid"
            | "uid"
            | "rss"
            | "vsz"
            | "c"
            | "pcpu"
            | "pmem"
            | "time"
            | "bsdtime"
    )
}

fn header(field: &str) -> String {
    FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or_else(|| field.to_uppercase(), |(_, h)| h.to_string())
}

/// `pid,user=WHO,args`: names with optional headers.
fn parse_columns(list: &str) -> Result<Vec<(String, String)>, String> {
    list.split([',', ' '])
        .filter(|f| !f.is_empty())
        .map(|f| {
            let (name, custom) = match f.split_once('=') {
                Some((n, h)) => (n, Some(h.to_string())),
                None => (f, None),
            };
            if !FIELDS.iter().any(|(n, _)| *n == name) {
                return Err(name.to_string());
            }
            Ok((name.to_string(), custom.unwrap_or_else(|| header(name))))
        })
        .collect()
}
