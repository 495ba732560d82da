//! The builtins: commands the shell runs in its own process, because they
//! change the shell (`cd`, `set`, `export`) or because forking for them
//! would cost more than they do (`echo`, `test`, `printf`).

use std::io::Write;

use super::ast::Command;
use super::parse::is_name;
use super::shell::{Flow, OPTIONS, Shell};

pub type Builtin = fn(&mut Shell, &[String]) -> i32;

/// POSIX's special builtins: found before functions; their assignments stay.
pub fn special(name: &str) -> Option<Builtin> {
    Some(match name {
        ":" => |_, _| 0,
        "." => dot,
        "break" => |sh, args| loop_control(sh, args, true),
        "continue" => |sh, args| loop_control(sh, args, false),
        "eval" => |sh, args| sh.run_string(&args[1..].join(" ")),
        "exec" => exec,
        "exit" => exit,
        "export" => |sh, args| export(sh, args, false),
        "readonly" => |sh, args| export(sh, args, true),
        "return" => return_,
        "set" => set,
        "shift" => shift,
        "times" => super::limits::times,
        "trap" => Shell::builtin_trap,
        "unset" => unset,
        "local" => local,
        _ => return None,
    })
}

/// The other builtins: found after functions.
pub fn regular(name: &str) -> Option<Builtin> {
    Some(match name {
        "alias" => alias,
        "unalias" => unalias,
        "bg" => Shell::builtin_bg,
        "fg" => Shell::builtin_fg,
        "jobs" => Shell::builtin_jobs,
        "wait" => Shell::builtin_wait,
        "cd" => cd,
        "command" => command,
        "echo" => |_, args| crate::r#echo::main(args),
        "printf" => |_, args| crate::r#printf::main(args),
        "test" | "[" => |_, args| crate::r#test::main(args),
        "true" => |_, args| (crate::r#true::PROGRAM.main)(args),
        "false" => |_, args| (crate::r#false::PROGRAM.main)(args),
        "kill" => Shell::builtin_kill,
        "getopts" => super::read::getopts,
        "hash" => hash,
        "pwd" => pwd,
        "read" => super::read::read,
        "type" => type_,
        "ulimit" => super::limits::ulimit,
        "umask" => super::limits::umask,
        _ => return None,
    })
}

const KEYWORDS: &[&str] = &[
    "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then",
    "until", "while",
];

/// Quotes a value so the shell reads it back as it is: `'it'\''s'`.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

pub fn print(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sh: write error: {}", crate::common::strerror(&e));
            1
        }
    }
}

/// An operand that must be a non-negative number, as `exit 3` or `shift 2`.
fn number(sh: &mut Shell, name: &str, arg: &str) -> Option<i32> {
    match arg.parse::<i32>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            sh.error(format!("{name}: Illegal number: {arg}"));
            None
        }
    }
}

fn loop_control(sh: &mut Shell, args: &[String], is_break: bool) -> i32 {
    let name = if is_break { "break" } else { "continue" };
    let n = match args.get(1) {
        Some(arg) => match number(sh, name, arg) {
            Some(0) | None => return 2,
            Some(n) => n as u32,
        },
        None => 1,
    };
    if sh.loop_depth == 0 {
        return 0;
    }
    let n = n.min(sh.loop_depth);
    sh.flow = Some(if is_break {
        Flow::Break(n)
    } else {
        Flow::Continue(n)
    });
    0
}

fn exit(sh: &mut Shell, args: &[String]) -> i32 {
    let status = match args.get(1) {
        Some(arg) => match number(sh, "exit", arg) {
            Some(n) => n & 0xff,
            None => 2,
        },
        None => sh.status,
    };
    sh.flow = Some(Flow::Exit(status));
    status
}

fn return_(sh: &mut Shell, args: &[String]) -> i32 {
    let status = match args.get(1) {
        Some(arg) => match arg.parse::<i32>() {
            Ok(n) => n & 0xff,
            Err(_) => {
                sh.error(format!("return: Illegal number: {arg}"));
                2
            }
        },
        None => sh.status,
    };
    sh.status = status;
    sh.flow = Some(Flow::Return);
    status
}

fn dot(sh: &mut Shell, args: &[String]) -> i32 {
    let Some(name) = args.get(1) else {
        sh.error(".: filename argument required");
        return 2;
    };
    let path = if name.contains('/') {
        Some(name.clone())
    } else {
        sh.get("PATH")
            .unwrap_or("")
            .split(':')
            .map(|dir| format!("{}/{name}", if dir.is_empty() { "." } else { dir }))
            .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
    };
    let text = match path.map(std::fs::read) {
        Some(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Some(Err(e)) => {
            sh.error(format!(
                ".: cannot open {name}: {}",
                crate::common::strerror(&e)
            ));
            if !sh.interactive() {
                sh.flow = Some(Flow::Exit(2));
            }
            return 2;
        }
        None => {
            sh.error(format!(".: {name}: not found"));
            if !sh.interactive() {
                sh.flow = Some(Flow::Exit(2));
            }
            return 2;
        }
    };
    let mut status = sh.run_string(&text);
    // `return` in the file ends the file, not the function running `.`.
    if sh.flow == Some(Flow::Return) {
        sh.flow = None;
        status = sh.status;
    }
    status
}

fn exec(sh: &mut Shell, args: &[String]) -> i32 {
    let Some(name) = args.get(1) else {
        return 0;
    };
    match sh.find_program(name) {
        Some(path) => sh.exec_program(&path, &args[1..], &[]),
        None => {
            eprintln!("sh: exec: {name}: not found");
            sh.flow = Some(Flow::Exit(127));
            127
        }
    }
}

fn export(sh: &mut Shell, args: &[String], readonly: bool) -> i32 {
    let name = if readonly { "readonly" } else { "export" };
    let operands: Vec<&String> = args[1..].iter().filter(|a| *a != "-p").collect();
    if operands.is_empty() {
        let mut names: Vec<&String> = sh
            .vars
            .iter()
            .filter(|(_, v)| if readonly { v.readonly } else { v.exported })
            .map(|(n, _)| n)
            .collect();
        names.sort();
        let mut out = String::new();
        for n in names {
            match sh.get(n) {
                Some(value) => out.push_str(&format!("{name} {n}={}\n", quote(value))),
                None => out.push_str(&format!("{name} {n}\n")),
            }
        }
        return print(&out);
    }
    let mut status = 0;
    for operand in operands {
        let (var, value) = match operand.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (operand.as_str(), None),
        };
        if !is_name(var) {
            sh.error(format!("{name}: {var}: bad variable name"));
            status = 1;
            continue;
        }
        if let Some(value) = value
            && let Err(e) = sh.set(var, value)
        {
            sh.error(e);
            status = 1;
            continue;
        }
        let entry = sh.vars.entry(var.to_string()).or_default();
        if readonly {
            entry.readonly = true;
        } else {
            entry.exported = true;
        }
    }
    status
}

fn local(sh: &mut Shell, args: &[String]) -> i32 {
    if sh.locals.is_empty() {
        sh.error("local: not in a function");
        return 2;
    }
    let mut status = 0;
    for operand in &args[1..] {
        let (var, value) = match operand.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (operand.as_str(), None),
        };
        if var == "-" {
            continue;
        }
        if !is_name(var) {
            sh.error(format!("local: {var}: bad variable name"));
            status = 1;
            continue;
        }
        sh.make_local(var);
        if let Some(value) = value
            && let Err(e) = sh.set(var, value)
        {
            sh.error(e);
            status = 1;
        }
    }
    status
}

fn unset(sh: &mut Shell, args: &[String]) -> i32 {
    let mut functions = false;
    let mut status = 0;
    for arg in &args[1..] {
        match arg.as_str() {
            "-f" => functions = true,
            "-v" => functions = false,
            name if functions => {
                sh.functions.remove(name);
            }
            name => {
                if let Err(e) = sh.unset(name) {
                    status = sh.assignment_failed(format!("unset: {e}"));
                }
            }
        }
    }
    status
}

fn set(sh: &mut Shell, args: &[String]) -> i32 {
    if args.len() == 1 {
        let mut names: Vec<&String> = sh
            .vars
            .iter()
            .filter(|(_, v)| v.value.is_some())
            .map(|(n, _)| n)
            .collect();
        names.sort();
        let mut out = String::new();
        for n in names {
            out.push_str(&format!("{n}={}\n", quote(sh.get(n).unwrap_or(""))));
        }
        return print(&out);
    }
    let mut i = 1;
    let mut new_positional = None;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            new_positional = Some(args[i + 1..].to_vec());
            break;
        }
        if arg == "-" {
            sh.set_option('x', false);
            sh.set_option('v', false);
            new_positional = Some(args[i + 1..].to_vec()).filter(|a| !a.is_empty());
            break;
        }
        let on = arg.starts_with('-');
        if !(on || arg.starts_with('+')) || arg.len() < 2 {
            new_positional = Some(args[i..].to_vec());
            break;
        }
        for letter in arg[1..].chars() {
            if letter == 'o' {
                i += 1;
                let Some(long) = args.get(i) else {
                    let mut out = String::new();
                    for &(c, long) in OPTIONS {
                        if on {
                            out.push_str(&format!(
                                "{long:<16}{}\n",
                                if sh.option(c) { "on" } else { "off" }
                            ));
                        } else {
                            out.push_str(&format!(
                                "set {}o {long}\n",
                                if sh.option(c) { '-' } else { '+' }
                            ));
                        }
                    }
                    return print(&out);
                };
                match OPTIONS.iter().find(|o| o.1 == long) {
                    Some(&(c, _)) => sh.set_option(c, on),
                    None if long == "pipefail"
                        || long == "ignoreeof"
                        || long == "nolog"
                        || long == "vi"
                        || long == "emacs" => {}
                    None => {
                        sh.error(format!("set: Illegal option -o {long}"));
                        return 2;
                    }
                }
            } else if OPTIONS.iter().any(|o| o.0 == letter) {
                sh.set_option(letter, on);
            } else {
                sh.error(format!(
                    "set: Illegal option {}{letter}",
                    if on { '-' } else { '+' }
                ));
                return 2;
            }
        }
        i += 1;
    }
    if let Some(positional) = new_positional {
        sh.positional = positional;
    }
    0
}

fn shift(sh: &mut Shell, args: &[String]) -> i32 {
    let n = match args.get(1) {
        Some(arg) => match number(sh, "shift", arg) {
            Some(n) => n as usize,
            None => return 2,
        },
        None => 1,
    };
    if n > sh.positional.len() {
        sh.error("shift: can't shift that many");
        if !sh.interactive() {
            sh.flow = Some(Flow::Exit(2));
        }
        return 2;
    }
    sh.positional.drain(..n);
    0
}

fn alias(sh: &mut Shell, args: &[String]) -> i32 {
    if args.len() == 1 {
        let mut names: Vec<(&String, &String)> = sh.aliases.iter().collect();
        names.sort();
        let out: String = names
            .iter()
            .map(|(n, v)| format!("{n}={}\n", quote(v)))
            .collect();
        return print(&out);
    }
    let mut status = 0;
    let mut out = String::new();
    for arg in &args[1..] {
        match arg.split_once('=') {
            Some((name, value)) => {
                sh.aliases.insert(name.to_string(), value.to_string());
            }
            None => match sh.aliases.get(arg) {
                Some(value) => out.push_str(&format!("{arg}={}\n", quote(value))),
                None => {
                    eprintln!("alias: {arg} not found");
                    status = 1;
                }
            },
        }
    }
    print(&out);
    status
}

fn unalias(sh: &mut Shell, args: &[String]) -> i32 {
    let mut status = 0;
    for arg in &args[1..] {
        if arg == "-a" {
            sh.aliases.clear();
        } else if sh.aliases.remove(arg).is_none() {
            eprintln!("unalias: {arg} not found");
            status = 1;
        }
    }
    status
}

/// `a/./b/../c` to `a/c`, as `cd` follows a logical path.
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn cd(sh: &mut Shell, args: &[String]) -> i32 {
    let mut physical = false;
    let mut operands = &args[1..];
    while let Some(first) = operands.first() {
        match first.as_str() {
            "-L" => physical = false,
            "-P" => physical = true,
            "--" => {
                operands = &operands[1..];
                break;
            }
            _ => break,
        }
        operands = &operands[1..];
    }
    let mut print_dir = false;
    let target = match operands.first().map(String::as_str) {
        None => match sh.get("HOME") {
            Some(home) => home.to_string(),
            None => {
                sh.error("cd: HOME not set");
                return 1;
            }
        },
        Some("-") => {
            print_dir = true;
            sh.get("OLDPWD").unwrap_or("").to_string()
        }
        Some(dir) => dir.to_string(),
    };
    let mut candidates = Vec::new();
    if !target.starts_with('/')
        && !target.starts_with('.')
        && let Some(cdpath) = sh.get("CDPATH")
    {
        for dir in cdpath.split(':').filter(|d| !d.is_empty()) {
            candidates.push((format!("{dir}/{target}"), true));
        }
    }
    candidates.push((target.clone(), print_dir));
    let old = sh.get("PWD").unwrap_or("").to_string();
    for (candidate, show) in candidates {
        let logical = if candidate.starts_with('/') {
            clean_path(&candidate)
        } else {
            clean_path(&format!("{old}/{candidate}"))
        };
        let ok = (!physical && old.starts_with('/') && std::env::set_current_dir(&logical).is_ok())
            || std::env::set_current_dir(&candidate).is_ok();
        if !ok {
            continue;
        }
        let new = if physical || !Shell::same_file(&logical, ".") {
            std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or(logical)
        } else {
            logical
        };
        let _ = sh.set("OLDPWD", &old);
        let _ = sh.set("PWD", &new);
        if show {
            return print(&format!("{new}\n"));
        }
        return 0;
    }
    let e = std::env::set_current_dir(&target).unwrap_err();
    sh.error(format!(
        "cd: can't cd to {target}: {}",
        crate::common::strerror(&e)
    ));
    2
}

fn pwd(sh: &mut Shell, args: &[String]) -> i32 {
    let physical = args.iter().any(|a| a == "-P");
    if !physical
        && let Some(pwd) = sh.get("PWD")
        && pwd.starts_with('/')
        && Shell::same_file(pwd, ".")
    {
        return print(&format!("{pwd}\n"));
    }
    match std::env::current_dir() {
        Ok(dir) => print(&format!("{}\n", dir.display())),
        Err(e) => {
            sh.error(format!("pwd: {}", crate::common::strerror(&e)));
            1
        }
    }
}

/// What a name is, as `type` and `command -V` say it.
fn describe(sh: &mut Shell, name: &str) -> Option<String> {
    Some(if let Some(value) = sh.aliases.get(name) {
        format!("{name} is an alias for {value}")
    } else if KEYWORDS.contains(&name) {
        format!("{name} is a shell keyword")
    } else if special(name).is_some() {
        format!("{name} is a special shell builtin")
    } else if sh.functions.contains_key(name) {
        format!("{name} is a shell function")
    } else if regular(name).is_some() {
        format!("{name} is a shell builtin")
    } else {
        format!("{name} is {}", sh.find_program(name)?)
    })
}

fn type_(sh: &mut Shell, args: &[String]) -> i32 {
    let mut status = 0;
    let mut out = String::new();
    for name in &args[1..] {
        match describe(sh, name) {
            Some(text) => {
                out.push_str(&text);
                out.push('\n');
            }
            None => {
                out.push_str(&format!("{name}: not found\n"));
                status = 127;
            }
        }
    }
    print(&out);
    status
}

fn command(sh: &mut Shell, args: &[String]) -> i32 {
    let mut i = 1;
    let (mut short, mut verbose) = (false, false);
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-v" => short = true,
            "-V" => verbose = true,
            "-p" => {}
            "--" => {
                i += 1;
                break;
            }
            _ => break,
        }
        i += 1;
    }
    let words = &args[i.min(args.len())..];
    let Some(name) = words.first() else {
        return 0;
    };
    if short || verbose {
        let mut status = 0;
        let mut out = String::new();
        for name in words {
            let text = if verbose {
                describe(sh, name)
            } else if let Some(value) = sh.aliases.get(name) {
                Some(format!("alias {name}={}", quote(value)))
            } else if KEYWORDS.contains(&name.as_str())
                || special(name).is_some()
                || sh.functions.contains_key(name)
                || regular(name).is_some()
            {
                Some(name.clone())
            } else {
                sh.find_program(name)
            };
            match text {
                Some(text) => {
                    out.push_str(&text);
                    out.push('\n');
                }
                None => {
                    if verbose {
                        eprintln!("sh: {name}: not found");
                    }
                    status = 127;
                }
            }
        }
        print(&out);
        return status;
    }
    if let Some(builtin) = special(name).or_else(|| regular(name)) {
        return builtin(sh, words);
    }
    let simple = super::ast::Simple {
        assigns: Vec::new(),
        words: words
            .iter()
            .map(|w| vec![super::ast::WordPart::Quoted(w.clone())])
            .collect(),
        redirs: Vec::new(),
        line: 0,
    };
    let saved = std::mem::take(&mut sh.functions);
    let status = sh.eval(&Command::Simple(simple), false);
    sh.functions = saved;
    status
}

fn hash(sh: &mut Shell, args: &[String]) -> i32 {
    if args.len() == 1 {
        let mut entries: Vec<&String> = sh.hash.values().collect();
        entries.sort();
        let out: String = entries.iter().map(|p| format!("{p}\n")).collect();
        return print(&out);
    }
    let mut status = 0;
    for name in &args[1..] {
        if name == "-r" {
            sh.hash.clear();
        } else if special(name).is_none()
            && regular(name).is_none()
            && sh.find_program(name).is_none()
        {
            sh.error(format!("hash: {name}: not found"));
            status = 1;
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_paths() {
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c");
        assert_eq!(clean_path("/../.."), "/");
    }
}
