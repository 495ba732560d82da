//! The files init reads: /etc/fstab, /etc/ttys and the hostname of
//! /etc/rc.conf.

/// One line of /etc/fstab: `device dir type options [dump [pass]]`.
#[derive(Debug, PartialEq, Eq)]
pub struct Mount {
    pub device: String,
    pub dir: String,
    pub fstype: String,
    pub options: Vec<String>,
}

/// The file systems of `fstab` to mount at boot: not `/` (already
/// there), not swap, not `noauto`.
pub fn boot_mounts(fstab: &str) -> Vec<Mount> {
    fstab
        .lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let (device, dir, fstype) = (fields.next()?, fields.next()?, fields.next()?);
            let options: Vec<String> = fields
                .next()
                .unwrap_or("rw")
                .split(',')
                .map(str::to_string)
                .collect();
            let skip = dir == "/"
                || fstype == "swap"
                || options.iter().any(|o| o == "noauto" || o == "sw");
            (!skip).then(|| Mount {
                device: device.into(),
                dir: dir.into(),
                // FreeBSD's name for the process file system.
                fstype: if fstype == "procfs" { "proc" } else { fstype }.into(),
                options,
            })
        })
        .collect()
}

/// mount(2) flags and the data string for fstab `options`.
pub fn mount_flags(options: &[String]) -> (libc::c_ulong, String) {
    let mut flags = 0;
    let mut data = Vec::new();
    for option in options {
        match option.as_str() {
            "rw" | "defaults" | "auto" | "late" => {}
            "ro" => flags |= libc::MS_RDONLY,
            "nosuid" => flags |= libc::MS_NOSUID,
            "nodev" => flags |= libc::MS_NODEV,
            "noexec" => flags |= libc::MS_NOEXEC,
            "noatime" => flags |= libc::MS_NOATIME,
            "sync" => flags |= libc::MS_SYNCHRONOUS,
            other => data.push(other),
        }
    }
    (flags, data.join(","))
}

/// One line of /etc/ttys: `name command type status...`, the command in
/// double quotes when it has spaces.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Tty {
    pub name: String,
    /// The command and its arguments; init adds the tty's name.
    pub command: Vec<String>,
    /// The terminal type, given to the command as TERM.
    pub term: String,
    pub secure: bool,
}

/// The terminals of `ttys` that are `on` and have a command.
pub fn terminals(ttys: &str) -> Vec<Tty> {
    ttys.lines()
        .filter_map(|line| {
            let words = split_quoted(line.split('#').next().unwrap_or(""));
            let [name, command, term, status @ ..] = &words[..] else {
                return None;
            };
            let command: Vec<String> = command.split_whitespace().map(str::to_string).collect();
            let on = status.iter().any(|s| s == "on");
            (on && !command.is_empty() && command[0] != "none").then(|| Tty {
                name: name.clone(),
                command,
                term: term.clone(),
                secure: status.iter().any(|s| s == "secure"),
            })
        })
        .collect()
}

/// Splits on blanks; a double-quoted part is one word, without its quotes.
fn split_quoted(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
    words
}

/// The value of `hostname=` in rc.conf (shell syntax: unquoted, 'single'
/// or "double" quoted; the last assignment wins).
pub fn hostname(rc_conf: &str) -> Option<String> {
    let mut found = None;
    for line in rc_conf.lines() {
        let Some(value) = line.trim_start().strip_prefix("hostname=") else {
            continue;
        };
        let value = if let Some(rest) = value.strip_prefix('"') {
            rest.split('"').next().unwrap_or("")
        } else if let Some(rest) = value.strip_prefix('\'') {
            rest.split('\'').next().unwrap_or("")
        } else {
            value.split(['#', ' ', '\t', ';']).next().unwrap_or("")
        };
        found = Some(value.to_string());
    }
    found.filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fstab_skips_root_swap_and_noauto() {
        let fstab = "\
# Device    Mountpoint  FStype  Options  Dump  Pass#
/dev/vtbd0p2  /     ufs     rw      1  1
/dev/vtbd0p3  none  swap    sw      0  0
tmpfs         /tmp  tmpfs   rw,mode=1777,nosuid  0  0
proc          /proc procfs  rw  0 0
/dev/cd0      /cdrom cd9660 ro,noauto 0 0
";
        assert_eq!(
            boot_mounts(fstab),
            [
                Mount {
                    device: "tmpfs".into(),
                    dir: "/tmp".into(),
                    fstype: "tmpfs".into(),
                    options: vec!["rw".into(), "mode=1777".into(), "nosuid".into()],
                },
                Mount {
                    device: "proc".into(),
                    dir: "/proc".into(),
                    fstype: "proc".into(),
                    options: vec!["rw".into()],
                },
            ]
        );
        let (flags, data) = mount_flags(&boot_mounts(fstab)[0].options);
        assert_eq!((flags, data.as_str()), (libc::MS_NOSUID, "mode=1777"));
    }

    #[test]
    fn ttys_in_freebsd_format() {
        let ttys = "\
# name  getty  type  status  comments
console none                            unknown off secure
ttyv0   \"/usr/libexec/getty Pc\"         xterm   onifexists secure
ttyu0   \"/sbin/getty std.115200\"        vt100   on secure
ttyu1   \"/sbin/getty std.115200\"        dialup  off secure
ttyu2   /sbin/getty                     vt100   on
";
        assert_eq!(
            terminals(ttys),
            [
                Tty {
                    name: "ttyu0".into(),
                    command: vec!["/sbin/getty".into(), "std.115200".into()],
                    term: "vt100".into(),
                    secure: true,
                },
                Tty {
                    name: "ttyu2".into(),
                    command: vec!["/sbin/getty".into()],
                    term: "vt100".into(),
                    secure: false,
                },
            ]
        );
    }

    #[test]
    fn hostname_in_shell_syntax() {
        assert_eq!(hostname("hostname=\"basalt\"\n").as_deref(), Some("basalt"));
        assert_eq!(
            hostname("# hostname=\"no\"\nhostname='one'\nsshd_enable=YES\n  hostname=two # c\n")
                .as_deref(),
            Some("two")
        );
        assert_eq!(hostname("hostname=\"\"\n"), None);
        assert_eq!(hostname("myhostname=x\n"), None);
    }
}
