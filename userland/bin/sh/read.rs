//! The `read` and `getopts` builtins: splitting a line of input into
//! variables, and options out of arguments.

use super::shell::Shell;
use super::sys;

pub fn getopts(sh: &mut Shell, args: &[String]) -> i32 {
    if args.len() < 3 {
        sh.error("getopts: usage: getopts optstring var [arg...]");
        return 2;
    }
    let spec = args[1].as_str();
    let var = args[2].as_str();
    let params: Vec<String> = if args.len() > 3 {
        args[3..].to_vec()
    } else {
        sh.positional.clone()
    };
    let silent = spec.starts_with(':');
    let mut optind: usize = sh
        .get("OPTIND")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut offset = sh.getopts_offset;
    // Inside a cluster only while the arguments are still the ones it came from.
    if params
        .get(optind - 1)
        .is_none_or(|arg| offset >= arg.chars().count())
    {
        offset = 0;
    }
    let finish = |sh: &mut Shell, optind: usize, offset: usize| {
        let _ = sh.set("OPTIND", &optind.to_string());
        sh.getopts_offset = offset;
    };
    if offset == 0 {
        let arg = params.get(optind - 1).map(String::as_str);
        match arg {
            Some("--") => {
                optind += 1;
                let _ = sh.set(var, "?");
                let _ = sh.unset("OPTARG");
                finish(sh, optind, 0);
                return 1;
            }
            Some(a) if a.starts_with('-') && a.len() > 1 => offset = 1,
            _ => {
                let _ = sh.set(var, "?");
                let _ = sh.unset("OPTARG");
                finish(sh, optind, 0);
                return 1;
            }
        }
    }
    let arg: Vec<char> = params[optind - 1].chars().collect();
    let c = arg[offset];
    offset += 1;
    if offset >= arg.len() {
        optind += 1;
        offset = 0;
    }
    let position = spec.find(c).filter(|_| c != ':');
    let Some(position) = position else {
        if silent {
            let _ = sh.set("OPTARG", &c.to_string());
        } else {
            eprintln!("Illegal option -{c}");
            let _ = sh.unset("OPTARG");
        }
        let _ = sh.set(var, "?");
        finish(sh, optind, offset);
        return 0;
    };
    if spec[position + c.len_utf8()..].starts_with(':') {
        if offset != 0 {
            let rest: String = arg[offset..].iter().collect();
            let _ = sh.set("OPTARG", &rest);
            optind += 1;
            offset = 0;
        } else if let Some(value) = params.get(optind - 1) {
            let _ = sh.set("OPTARG", value);
            optind += 1;
        } else {
            if silent {
                let _ = sh.set("OPTARG", &c.to_string());
                let _ = sh.set(var, ":");
            } else {
                eprintln!("No arg for -{c} option");
                let _ = sh.unset("OPTARG");
                let _ = sh.set(var, "?");
            }
            finish(sh, optind, offset);
            return 0;
        }
    } else {
        let _ = sh.set("OPTARG", "");
    }
    let _ = sh.set(var, &c.to_string());
    finish(sh, optind, offset);
    0
}

pub fn read(sh: &mut Shell, args: &[String]) -> i32 {
    let mut raw = false;
    let mut names = Vec::new();
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        match arg.as_str() {
            "-r" => raw = true,
            "-p" => {
                i += 1;
                if let Some(prompt) = args.get(i) {
                    eprint!("{prompt}");
                }
            }
            "--" => {
                i += 1;
                break;
            }
            _ => break,
        }
        i += 1;
    }
    names.extend(args[i.min(args.len())..].iter().cloned());
    if names.is_empty() {
        names.push("REPLY".into());
    }
    // The line, and which of its characters a backslash protected.
    let mut line: Vec<(char, bool)> = Vec::new();
    let mut bytes = Vec::new();
    let mut got_newline = false;
    let mut escaped = false;
    let terminal = sys::isatty(0);
    loop {
        let byte = if terminal {
            sys::read_tty_byte(0)
        } else {
            sys::read_byte(0)
        };
        let byte = match byte {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                if sh.run_traps() {
                    return 128 + sh.last_trapped;
                }
                continue;
            }
            Err(e) => {
                sh.error(format!("read: {}", crate::common::strerror(&e)));
                return 1;
            }
        };
        if byte == b'\n' && !escaped {
            got_newline = true;
            break;
        }
        bytes.push(byte);
        let Ok(text) = std::str::from_utf8(&bytes) else {
            if bytes.len() < 4 {
                continue;
            }
            line.extend(
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .map(|c| (c, escaped)),
            );
            bytes.clear();
            escaped = false;
            continue;
        };
        let c = text.chars().next().expect("one character");
        bytes.clear();
        if escaped {
            escaped = false;
            if c != '\n' {
                line.push((c, true));
            }
        } else if c == '\\' && !raw {
            escaped = true;
        } else {
            line.push((c, false));
        }
    }
    let ifs = sh.get("IFS").unwrap_or(" \t\n").to_string();
    let is_ifs = |&(c, protected): &(char, bool)| !protected && ifs.contains(c);
    let is_space = |&(c, protected): &(char, bool)| {
        !protected && ifs.contains(c) && matches!(c, ' ' | '\t' | '\n')
    };
    let mut pos = 0;
    while pos < line.len() && is_space(&line[pos]) {
        pos += 1;
    }
    let mut status = if got_newline { 0 } else { 1 };
    for (k, name) in names.iter().enumerate() {
        let value: String = if k + 1 == names.len() {
            let mut end = line.len();
            while end > pos && is_space(&line[end - 1]) {
                end -= 1;
            }
            // A single trailing non-space separator is dropped too.
            if end > pos && is_ifs(&line[end - 1]) && !line[pos..end - 1].iter().any(&is_ifs) {
                end -= 1;
            }
            let v = line[pos..end].iter().map(|&(c, _)| c).collect();
            pos = line.len();
            v
        } else {
            let start = pos;
            while pos < line.len() && !is_ifs(&line[pos]) {
                pos += 1;
            }
            let v = line[start..pos].iter().map(|&(c, _)| c).collect();
            while pos < line.len() && is_space(&line[pos]) {
                pos += 1;
            }
            if pos < line.len() && is_ifs(&line[pos]) {
                pos += 1;
                while pos < line.len() && is_space(&line[pos]) {
                    pos += 1;
                }
            }
            v
        };
        if let Err(e) = sh.set(name, &value) {
            sh.error(format!("read: {e}"));
            status = 2;
        }
    }
    status
}
