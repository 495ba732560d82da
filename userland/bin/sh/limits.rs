//! The builtins about the shell's resources: `ulimit`, `umask`, `times`.

use super::builtins::print;
use super::shell::Shell;
use super::sys;

pub fn times(_: &mut Shell, _: &[String]) -> i32 {
    let (ticks, hz) = sys::times();
    let fmt = |t: i64| {
        let hundredths = t * 100 / hz;
        format!(
            "{}m{}.{:02}s",
            hundredths / 6000,
            hundredths / 100 % 60,
            hundredths % 100
        )
    };
    print(&format!(
        "{} {}\n{} {}\n",
        fmt(ticks[0]),
        fmt(ticks[1]),
        fmt(ticks[2]),
        fmt(ticks[3])
    ))
}

/// `ulimit` resources: option letter, resource, description, unit.
const LIMITS: &[(char, u32, &str, u64)] = &[
    ('t', libc::RLIMIT_CPU, "time(seconds)", 1),
    ('f', libc::RLIMIT_FSIZE, "file(blocks)", 512),
    ('d', libc::RLIMIT_DATA, "data(kb)", 1024),
    ('s', libc::RLIMIT_STACK, "stack(kb)", 1024),
    ('c', libc::RLIMIT_CORE, "coredump(blocks)", 512),
    ('m', libc::RLIMIT_RSS, "memory(kb)", 1024),
    ('l', libc::RLIMIT_MEMLOCK, "locked memory(kb)", 1024),
    ('p', libc::RLIMIT_NPROC, "process", 1),
    ('n', libc::RLIMIT_NOFILE, "nofiles", 1),
    ('v', libc::RLIMIT_AS, "vmemory(kb)", 1024),
];

pub fn ulimit(sh: &mut Shell, args: &[String]) -> i32 {
    let mut hard = false;
    let mut all = false;
    let mut which = 'f';
    let mut value = None;
    for arg in &args[1..] {
        if let Some(flags) = arg.strip_prefix('-') {
            for c in flags.chars() {
                match c {
                    'H' => hard = true,
                    'S' => hard = false,
                    'a' => all = true,
                    c if LIMITS.iter().any(|l| l.0 == c) => which = c,
                    c => {
                        sh.error(format!("ulimit: Illegal option -{c}"));
                        return 2;
                    }
                }
            }
        } else {
            value = Some(arg.clone());
        }
    }
    let show = |v: u64, unit: u64| {
        if v == libc::RLIM_INFINITY {
            "unlimited".to_string()
        } else {
            (v / unit).to_string()
        }
    };
    if all {
        let mut out = String::new();
        for &(c, resource, name, unit) in LIMITS {
            if let Some((soft, max)) = sys::getrlimit(resource) {
                out.push_str(&format!(
                    "-{c}: {name:<20} {}\n",
                    show(if hard { max } else { soft }, unit)
                ));
            }
        }
        return print(&out);
    }
    let &(_, resource, _, unit) = LIMITS.iter().find(|l| l.0 == which).expect("known option");
    let Some((soft, max)) = sys::getrlimit(resource) else {
        sh.error("ulimit: cannot read the limit");
        return 1;
    };
    match value {
        None => print(&format!("{}\n", show(if hard { max } else { soft }, unit))),
        Some(v) => {
            let new = if v == "unlimited" {
                libc::RLIM_INFINITY
            } else {
                match v.parse::<u64>() {
                    Ok(n) => n.saturating_mul(unit),
                    Err(_) => {
                        sh.error(format!("ulimit: Illegal number: {v}"));
                        return 2;
                    }
                }
            };
            let (soft, max) = if hard {
                (soft.min(new), new)
            } else {
                (new, max)
            };
            match sys::setrlimit(resource, soft, max) {
                Ok(()) => 0,
                Err(e) => {
                    sh.error(format!("ulimit: {}", crate::common::strerror(&e)));
                    1
                }
            }
        }
    }
}

/// A symbolic mode such as `u=rwx,g=rx,o=` applied to a umask.
fn symbolic_umask(mask: u32, text: &str) -> Option<u32> {
    let mut allowed = !mask & 0o777;
    for clause in text.split(',') {
        let op_at = clause.find(['+', '-', '='])?;
        let who = &clause[..op_at];
        let mut bits_who = 0;
        for c in who.chars() {
            bits_who |= match c {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                'a' => 0o777,
                _ => return None,
            };
        }
        if who.is_empty() {
            bits_who = 0o777;
        }
        let op = clause.as_bytes()[op_at];
        let mut perms = 0;
        for c in clause[op_at + 1..].chars() {
            perms |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                _ => return None,
            };
        }
        let perms = perms & bits_who;
        match op {
            b'+' => allowed |= perms,
            b'-' => allowed &= !perms,
            _ => allowed = (allowed & !bits_who) | perms,
        }
    }
    Some(!allowed & 0o777)
}

pub fn umask(sh: &mut Shell, args: &[String]) -> i32 {
    let symbolic = args.get(1).is_some_and(|a| a == "-S");
    let operand = args[1..].iter().find(|a| *a != "-S");
    let mask = sys::umask(0o022);
    sys::umask(mask);
    match operand {
        None if symbolic => {
            let allowed = !mask & 0o777;
            let part = |shift: u32| {
                let bits = (allowed >> shift) & 7;
                let mut s = String::new();
                if bits & 4 != 0 {
                    s.push('r');
                }
                if bits & 2 != 0 {
                    s.push('w');
                }
                if bits & 1 != 0 {
                    s.push('x');
                }
                s
            };
            print(&format!("u={},g={},o={}\n", part(6), part(3), part(0)))
        }
        None => print(&format!("{mask:04o}\n")),
        Some(text) => {
            let new = if text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                u32::from_str_radix(text, 8).ok()
            } else {
                symbolic_umask(mask, text)
            };
            match new {
                Some(new) => {
                    sys::umask(new & 0o777);
                    0
                }
                None => {
                    sh.error(format!("umask: Illegal mode: {text}"));
                    2
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_masks() {
        assert_eq!(symbolic_umask(0o022, "u=rwx,g=rx,o="), Some(0o027));
        assert_eq!(symbolic_umask(0o077, "g+r"), Some(0o037));
        assert_eq!(symbolic_umask(0o000, "a-w"), Some(0o222));
        assert_eq!(symbolic_umask(0, "q=r"), None);
    }
}
