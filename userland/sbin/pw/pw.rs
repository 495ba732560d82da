//! `pw`: add, change, show and remove users and groups, as FreeBSD's pw(8)
//! (a subset). Every change goes through the `users` library and is
//! written atomically; `-R` and `-V` edit another tree.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::{Getopt, Opt, usage_error, warn};
use users::{Database, Group, User};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["pw"],
    dir: "sbin",
    main,
};

const USAGE: &str = "\
usage: pw [-R rootdir] [-V etcdir] useradd name [-u uid] [-g group] [-G group,...]
              [-d home] [-s shell] [-c comment] [-L class] [-m] [-h fd | -H fd]
       pw usermod name [useradd's options] [-l newname]
       pw userdel name [-r]
       pw usershow name | -a
       pw groupadd name [-g gid] [-M user,...]
       pw groupmod name [-g gid] [-l newname] [-M user,...] [-m user,...] [-d user,...]
       pw groupdel name
       pw groupshow name | -a
       pw lock name
       pw unlock name";

/// Options each command takes (`-R`, `-V`, `-n name` and `-q` everywhere).
fn spec(command: &str) -> Option<&'static str> {
    Some(match command {
        "useradd" => "R:V:n:qu:g:G:d:s:c:L:mh:H:",
        "usermod" => "R:V:n:qu:g:G:d:s:c:L:mh:H:l:",
        "userdel" => "R:V:n:qr",
        "usershow" | "groupshow" => "R:V:n:qa",
        "groupadd" => "R:V:n:qg:M:",
        "groupmod" => "R:V:n:qg:M:m:d:l:",
        "groupdel" | "lock" | "unlock" => "R:V:n:q",
        _ => return None,
    })
}

/// What went wrong, worded for `pw: ...`.
enum Failure {
    Usage(String),
    Error(String),
}

impl From<users::Error> for Failure {
    fn from(e: users::Error) -> Self {
        Failure::Error(e.to_string())
    }
}

/// The parsed command line of one command.
#[derive(Default)]
struct Request {
    command: String,
    name: Option<String>,
    root: Option<PathBuf>,
    etc: Option<PathBuf>,
    flags: Vec<(char, Option<String>)>,
}

impl Request {
    fn value(&self, flag: char) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(c, _)| *c == flag)
            .and_then(|(_, v)| v.as_deref())
    }

    fn has(&self, flag: char) -> bool {
        self.flags.iter().any(|(c, _)| *c == flag)
    }

    fn root(&self) -> &Path {
        self.root.as_deref().unwrap_or(Path::new("/"))
    }

    fn name(&self) -> Result<&str, Failure> {
        self.name
            .as_deref()
            .ok_or_else(|| Failure::Usage(format!("{}: a name is required", self.command)))
    }
}

fn parse(args: &[String]) -> Result<Option<Request>, Failure> {
    let mut request = Request::default();
    let mut global = Getopt::new(args, "R:V:");
    loop {
        match global.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => return Ok(None),
            Ok(Some(Opt::Flag('R', v))) => request.root = v.map(PathBuf::from),
            Ok(Some(Opt::Flag(_, v))) => request.etc = v.map(PathBuf::from),
            Err(e) => return Err(Failure::Usage(e.0)),
        }
    }
    let Some((command, rest)) = global.operands().split_first() else {
        return Err(Failure::Usage("a command is required".into()));
    };
    let spec =
        spec(command).ok_or_else(|| Failure::Usage(format!("unknown command '{command}'")))?;
    request.command = command.clone();
    // As FreeBSD's pw: the name may come first, before the options.
    let rest = match rest.split_first() {
        Some((name, rest)) if !name.starts_with('-') => {
            request.name = Some(name.clone());
            rest
        }
        _ => rest,
    };
    let argv: Vec<String> = std::iter::once(format!("pw {command}"))
        .chain(rest.iter().cloned())
        .collect();
    let mut getopt = Getopt::new(&argv, spec);
    loop {
        match getopt.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => return Ok(None),
            Ok(Some(Opt::Flag('R', v))) => request.root = v.map(PathBuf::from),
            Ok(Some(Opt::Flag('V', v))) => request.etc = v.map(PathBuf::from),
            Ok(Some(Opt::Flag('n', v))) => request.name = v,
            Ok(Some(Opt::Flag(c, v))) => request.flags.push((c, v)),
            Err(e) => return Err(Failure::Usage(e.0)),
        }
    }
    if let Some(extra) = getopt.operands().first() {
        return Err(Failure::Usage(format!("unexpected operand '{extra}'")));
    }
    Ok(Some(request))
}

fn main(args: &[String]) -> i32 {
    let request = match parse(args) {
        Ok(Some(request)) => request,
        Ok(None) => {
            println!("{USAGE}");
            return 0;
        }
        Err(Failure::Usage(e)) => return usage_error(args, &e, USAGE),
        Err(Failure::Error(e)) => {
            warn(args, e);
            return 1;
        }
    };
    match run(&request) {
        Ok(()) => 0,
        Err(Failure::Usage(e)) => usage_error(args, &e, USAGE),
        Err(Failure::Error(e)) => {
            warn(args, e);
            1
        }
    }
}

fn run(request: &Request) -> Result<(), Failure> {
    let etc = match &request.etc {
        Some(etc) => request.root().join(etc.strip_prefix("/").unwrap_or(etc)),
        None => request.root().join("etc"),
    };
    let mut db = Database::open_etc(&etc)?;
    match request.command.as_str() {
        "useradd" => user_add(&mut db, request)?,
        "usermod" => user_modify(&mut db, request)?,
        "userdel" => user_delete(&mut db, request)?,
        "usershow" => {
            let lines: Vec<String> = if request.has('a') {
                db.users().map(User::master_line).collect()
            } else {
                vec![find_user(&db, request.name()?)?.master_line()]
            };
            return print(&lines);
        }
        "groupadd" => group_add(&mut db, request)?,
        "groupmod" => group_modify(&mut db, request)?,
        "groupdel" => {
            db.remove_group(request.name()?)?;
        }
        "groupshow" => {
            let lines: Vec<String> = if request.has('a') {
                db.groups().map(Group::line).collect()
            } else {
                let name = request.name()?;
                let group = db
                    .group(name)
                    .or_else(|| name.parse().ok().and_then(|gid| db.group_by_gid(gid)))
                    .ok_or_else(|| users::Error::NoSuchGroup(name.into()))?;
                vec![group.line()]
            };
            return print(&lines);
        }
        "lock" => {
            let name = find_user(&db, request.name()?)?.name.clone();
            db.lock(&name)?;
        }
        _ => {
            let name = find_user(&db, request.name()?)?.name.clone();
            db.unlock(&name)?;
        }
    }
    db.save()?;
    Ok(())
}

fn print(lines: &[String]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}").map_err(|e| Failure::Error(crate::common::strerror(&e)))?;
    }
    Ok(())
}

/// A user by name, or by uid when `name` is a number no user is called.
fn find_user<'a>(db: &'a Database, name: &str) -> Result<&'a User, Failure> {
    db.user(name)
        .or_else(|| name.parse().ok().and_then(|uid| db.user_by_uid(uid)))
        .ok_or_else(|| users::Error::NoSuchUser(name.into()).into())
}

fn parse_id(text: &str, what: &str) -> Result<u32, Failure> {
    text.parse()
        .map_err(|_| Failure::Usage(format!("invalid {what} '{text}'")))
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The password of `-h FD` (plain text, hashed here; `-h -` disables
/// password logins) or `-H FD` (already hashed), read as one line.
fn password(request: &Request) -> Result<Option<String>, Failure> {
    let (fd, hashed) = match (request.value('h'), request.value('H')) {
        (Some(_), Some(_)) => return Err(Failure::Usage("-h and -H exclude each other".into())),
        (Some("-"), None) => return Ok(Some("*".into())),
        (Some(fd), None) => (fd, false),
        (None, Some(fd)) => (fd, true),
        (None, None) => return Ok(None),
    };
    let fd: i32 = fd
        .parse()
        .map_err(|_| Failure::Usage(format!("invalid file descriptor '{fd}'")))?;
    let line = read_fd_line(fd, hashed)
        .map_err(|e| Failure::Error(format!("fd {fd}: {}", crate::common::strerror(&e))))?
        .ok_or_else(|| Failure::Error(format!("fd {fd}: no password read")))?;
    if hashed {
        return Ok(Some(line));
    }
    let hash = users::crypt::hash_password(line.as_bytes(), users::crypt::DEFAULT_ROUNDS)
        .map_err(users::Error::Random)?;
    Ok(Some(hash))
}

fn read_fd_line(fd: i32, hashed: bool) -> std::io::Result<Option<String>> {
    // SAFETY: isatty takes a plain integer.
    if fd == 0 && !hashed && unsafe { libc::isatty(0) } == 1 {
        return users::terminal::read_password("Password: ");
    }
    // SAFETY: the caller named fd as open for us to read; ManuallyDrop
    // leaves it open, as it is not ours to close.
    let file = std::mem::ManuallyDrop::new(unsafe {
        <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd)
    });
    users::terminal::read_line(&*file)
}

/// Sets `name`'s membership of every group: in those of `wanted`, out of
/// the rest.
fn set_groups(db: &mut Database, name: &str, wanted: &[String]) -> Result<(), Failure> {
    for group in wanted {
        db.group(group)
            .ok_or_else(|| users::Error::NoSuchGroup(group.clone()))?;
    }
    let all: Vec<String> = db.groups().map(|g| g.name.clone()).collect();
    for group in all {
        let want = wanted.contains(&group);
        db.modify_group(&group, |g| {
            let has = g.members.iter().any(|m| m == name);
            if want && !has {
                g.members.push(name.to_string());
            } else if !want && has {
                g.members.retain(|m| m != name);
            }
        })?;
    }
    Ok(())
}

fn user_add(db: &mut Database, request: &Request) -> Result<(), Failure> {
    let name = request.name()?.to_string();
    users::validate_name(&name)?;
    if db.user(&name).is_some() {
        return Err(users::Error::UserExists(name).into());
    }
    let uid = match request.value('u') {
        Some(uid) => parse_id(uid, "uid")?,
        None => db.next_uid()?,
    };
    let gid = match request.value('g') {
        Some(group) => db.resolve_group(group)?,
        None => db.login_group(&name, uid)?,
    };
    let root = request.root();
    let user = User {
        password: password(request)?.unwrap_or_else(|| "*".into()),
        uid,
        gid,
        class: request.value('L').unwrap_or("").into(),
        gecos: request.value('c').unwrap_or("").into(),
        home: request
            .value('d')
            .map_or_else(|| format!("/home/{name}"), str::to_string),
        shell: users::home::find_shell(root, request.value('s').unwrap_or("sh")),
        name: name.clone(),
        ..User::default()
    };
    db.add_user(user.clone())?;
    if let Some(groups) = request.value('G') {
        set_groups(db, &name, &list(groups))?;
    }
    db.save()?;
    if request.has('m') {
        users::home::create(root, &user)?;
    }
    Ok(())
}

fn user_modify(db: &mut Database, request: &Request) -> Result<(), Failure> {
    let name = find_user(db, request.name()?)?.name.clone();
    let uid = request.value('u').map(|u| parse_id(u, "uid")).transpose()?;
    let gid = request
        .value('g')
        .map(|g| db.resolve_group(g))
        .transpose()?;
    let password = password(request)?;
    let shell = request
        .value('s')
        .map(|s| users::home::find_shell(request.root(), s));
    let new_name = request.value('l').unwrap_or(&name).to_string();
    db.modify_user(&name, |user| {
        user.name = new_name.clone();
        if let Some(uid) = uid {
            user.uid = uid;
        }
        if let Some(gid) = gid {
            user.gid = gid;
        }
        if let Some(password) = password {
            user.password = password;
        }
        if let Some(shell) = shell {
            user.shell = shell;
        }
        for (flag, field) in [
            ('c', &mut user.gecos),
            ('d', &mut user.home),
            ('L', &mut user.class),
        ] {
            if let Some(value) = request.value(flag) {
                *field = value.to_string();
            }
        }
    })?;
    if let Some(groups) = request.value('G') {
        set_groups(db, &new_name, &list(groups))?;
    }
    db.save()?;
    if request.has('m') {
        let user = find_user(db, &new_name)?.clone();
        users::home::create(request.root(), &user)?;
    }
    Ok(())
}

fn user_delete(db: &mut Database, request: &Request) -> Result<(), Failure> {
    let name = find_user(db, request.name()?)?.name.clone();
    let user = db.remove_user(&name)?;
    // As FreeBSD: the user's own group goes too, if no one else is in it.
    let own_group = db
        .group(&name)
        .is_some_and(|g| g.gid == user.gid && g.members.is_empty());
    let used_by_others = db.users().any(|u| u.gid == user.gid);
    if own_group && !used_by_others {
        db.remove_group(&name)?;
    }
    db.save()?;
    if request.has('r') {
        users::home::remove(request.root(), &user)?;
        let mail = request.root().join("var/mail").join(&name);
        if mail.is_file() {
            std::fs::remove_file(&mail).map_err(|e| {
                Failure::Error(format!(
                    "{}: {}",
                    mail.display(),
                    crate::common::strerror(&e)
                ))
            })?;
        }
    }
    Ok(())
}

/// Checks every name of `members` is a user.
fn known_users(db: &Database, members: &[String]) -> Result<(), Failure> {
    match members.iter().find(|m| db.user(m).is_none()) {
        Some(unknown) => Err(users::Error::NoSuchUser(unknown.clone()).into()),
        None => Ok(()),
    }
}

fn group_add(db: &mut Database, request: &Request) -> Result<(), Failure> {
    let name = request.name()?.to_string();
    let gid = match request.value('g') {
        Some(gid) => parse_id(gid, "gid")?,
        None => db.next_gid()?,
    };
    let members = request.value('M').map(list).unwrap_or_default();
    known_users(db, &members)?;
    db.add_group(Group {
        name,
        password: "*".into(),
        gid,
        members,
    })?;
    Ok(())
}

fn group_modify(db: &mut Database, request: &Request) -> Result<(), Failure> {
    let name = request.name()?.to_string();
    let gid = request.value('g').map(|g| parse_id(g, "gid")).transpose()?;
    let replace = request.value('M').map(list);
    let add = request.value('m').map(list).unwrap_or_default();
    let remove = request.value('d').map(list).unwrap_or_default();
    known_users(db, replace.as_deref().unwrap_or_default())?;
    known_users(db, &add)?;
    let new_name = request.value('l').map(str::to_string);
    db.modify_group(&name, |group| {
        if let Some(gid) = gid {
            group.gid = gid;
        }
        if let Some(new_name) = new_name {
            group.name = new_name;
        }
        if let Some(members) = replace {
            group.members = members;
        }
        for member in add {
            if !group.members.contains(&member) {
                group.members.push(member);
            }
        }
        group.members.retain(|m| !remove.contains(m));
    })?;
    Ok(())
}
