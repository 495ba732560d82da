//! `adduser`: add users, asking for each field as FreeBSD's adduser(8)
//! does, or from a file of `name:uid:gid:class:change:expire:gecos:home:
//! shell:password` lines (`-f`). It edits the database through the
//! `users` library, as pw(8) does, and makes the home directories.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::{Getopt, Opt, usage_error, warn};
use users::{Database, User};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["adduser"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: adduser [-q] [-R rootdir] [-f file]";

/// One account to add, before defaults are filled in.
#[derive(Debug, Default, PartialEq)]
struct Account {
    name: String,
    uid: Option<u32>,
    /// The login group, a name or number; the user's own group when `None`.
    group: Option<String>,
    /// Supplementary groups.
    groups: Vec<String>,
    class: String,
    change: u64,
    expire: u64,
    gecos: String,
    home: Option<String>,
    shell: Option<String>,
    /// The stored password field (a hash, `*` or empty).
    password: String,
}

fn main(args: &[String]) -> i32 {
    let (mut root, mut file, mut quiet) = (PathBuf::from("/"), None, false);
    let mut getopt = Getopt::new(args, "R:f:q");
    loop {
        match getopt.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                println!("{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag('R', Some(dir)))) => root = PathBuf::from(dir),
            Ok(Some(Opt::Flag('f', Some(path)))) => file = Some(path),
            Ok(Some(Opt::Flag(_, _))) => quiet = true,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    if let Some(extra) = getopt.operands().first() {
        return usage_error(args, &format!("unexpected operand '{extra}'"), USAGE);
    }
    let mut db = match Database::open(&root) {
        Ok(db) => db,
        Err(e) => {
            warn(args, e);
            return 1;
        }
    };
    match file {
        Some(path) => batch(args, &mut db, &root, &path, quiet),
        None => interactive(args, &mut db, &root),
    }
}

/// Adds `account` to `db` (not yet saved); returns the user as stored.
fn add(db: &mut Database, root: &Path, account: &Account) -> Result<User, users::Error> {
    users::validate_name(&account.name)?;
    if db.user(&account.name).is_some() {
        return Err(users::Error::UserExists(account.name.clone()));
    }
    for group in &account.groups {
        if db.group(group).is_none() {
            return Err(users::Error::NoSuchGroup(group.clone()));
        }
    }
    let uid = match account.uid {
        Some(uid) => uid,
        None => db.next_uid()?,
    };
    // Work on a copy: a failure half-way leaves the database as it was.
    let mut changed = db.clone();
    let gid = match &account.group {
        Some(group) => changed.resolve_group(group)?,
        None => changed.login_group(&account.name, uid)?,
    };
    let user = User {
        name: account.name.clone(),
        password: account.password.clone(),
        uid,
        gid,
        class: account.class.clone(),
        change: account.change,
        expire: account.expire,
        gecos: account.gecos.clone(),
        home: account
            .home
            .clone()
            .unwrap_or_else(|| format!("/home/{}", account.name)),
        shell: users::home::find_shell(root, account.shell.as_deref().unwrap_or("sh")),
    };
    changed.add_user(user.clone())?;
    for group in &account.groups {
        changed.modify_group(group, |g| {
            if !g.members.contains(&user.name) {
                g.members.push(user.name.clone());
            }
        })?;
    }
    *db = changed;
    Ok(user)
}

/// Hashes a plain-text password; an empty one disables password logins.
fn hash(password: &str) -> Result<String, users::Error> {
    if password.is_empty() {
        return Ok("*".into());
    }
    users::crypt::hash_password(password.as_bytes(), users::crypt::DEFAULT_ROUNDS)
        .map_err(users::Error::Random)
}

/// Parses a line of an `adduser -f` file; `Err` says what is wrong.
fn parse_line(line: &str) -> Result<Account, String> {
    let fields: Vec<&str> = line.splitn(10, ':').collect();
    let [
        name,
        uid,
        group,
        class,
        change,
        expire,
        gecos,
        home,
        shell,
        password,
    ] = fields[..]
    else {
        return Err(format!("{} fields, not 10", fields.len()));
    };
    let number = |field: &str, what: &str| -> Result<Option<u64>, String> {
        if field.is_empty() {
            Ok(None)
        } else {
            field
                .parse()
                .map(Some)
                .map_err(|_| format!("invalid {what} '{field}'"))
        }
    };
    let optional = |field: &str| (!field.is_empty()).then(|| field.to_string());
    Ok(Account {
        name: name.into(),
        uid: number(uid, "uid")?
            .map(|uid| u32::try_from(uid).map_err(|_| format!("invalid uid '{uid}'")))
            .transpose()?,
        group: optional(group),
        groups: Vec::new(),
        class: class.into(),
        change: number(change, "change time")?.unwrap_or(0),
        expire: number(expire, "expire time")?.unwrap_or(0),
        gecos: gecos.into(),
        home: optional(home),
        shell: optional(shell),
        password: password.into(),
    })
}

fn batch(args: &[String], db: &mut Database, root: &Path, path: &str, quiet: bool) -> i32 {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            crate::common::warn_io(args, path, &e);
            return 1;
        }
    };
    let mut status = 0;
    let mut added = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let result = parse_line(line).and_then(|mut account| {
            account.password = hash(&account.password).map_err(|e| e.to_string())?;
            add(db, root, &account).map_err(|e| e.to_string())
        });
        match result {
            Ok(user) => added.push(user),
            Err(e) => {
                warn(args, format_args!("{path}:{}: {e}", number + 1));
                status = 1;
            }
        }
    }
    if let Err(e) = db.save() {
        warn(args, e);
        return 1;
    }
    for user in &added {
        if let Err(e) = users::home::create(root, user) {
            warn(args, e);
            status = 1;
        } else if !quiet {
            say_added(&user.name);
        }
    }
    status
}

fn say_added(name: &str) {
    let _ = writeln!(
        std::io::stdout(),
        "adduser: INFO: Successfully added ({name}) to the user database."
    );
}

/// Prints `question` and reads the answer; `None` at end of input.
fn ask(question: &str) -> Option<String> {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(question.as_bytes());
    let _ = out.flush();
    users::terminal::read_line(std::io::stdin().lock())
        .ok()
        .flatten()
        .map(|answer| answer.trim().to_string())
}

/// Asks `question`, the answer being `default` when empty.
fn ask_default(question: &str, default: &str) -> Option<String> {
    let answer = ask(&format!("{question} [{default}]: "))?;
    Some(if answer.is_empty() {
        default.to_string()
    } else {
        answer
    })
}

/// A yes or no question, asked until it gets one.
fn ask_yes(question: &str, default: bool) -> Option<bool> {
    let hint = if default { "yes" } else { "no" };
    loop {
        match ask_default(&format!("{question} (yes/no)"), hint)?.as_str() {
            "yes" | "y" => return Some(true),
            "no" | "n" => return Some(false),
            _ => {}
        }
    }
}

fn interactive(args: &[String], db: &mut Database, root: &Path) -> i32 {
    loop {
        let Some(account) = ask_account(db, root) else {
            return 1;
        };
        summarize(&account, db);
        let Some(ok) = ask_yes("OK?", true) else {
            return 1;
        };
        if ok {
            let result = add(db, root, &account).and_then(|user| {
                db.save()?;
                users::home::create(root, &user)
            });
            match result {
                Ok(()) => say_added(&account.name),
                Err(e) => {
                    warn(args, e);
                    return 1;
                }
            }
        }
        match ask_yes("Add another user?", false) {
            Some(true) => continue,
            Some(false) => {
                let _ = writeln!(std::io::stdout(), "Goodbye!");
                return 0;
            }
            None => return 1,
        }
    }
}

/// Asks for every field; `None` at end of input.
fn ask_account(db: &Database, root: &Path) -> Option<Account> {
    let name = loop {
        let name = ask("Username: ")?;
        match users::validate_name(&name) {
            Err(e) => eprintln!("adduser: {e}"),
            Ok(()) if db.user(&name).is_some() => {
                eprintln!("adduser: the user {name} already exists")
            }
            Ok(()) => break name,
        }
    };
    let gecos = loop {
        let gecos = ask("Full name: ")?;
        match users::validate_field("gecos", &gecos) {
            Ok(()) => break gecos,
            Err(e) => eprintln!("adduser: {e}"),
        }
    };
    let uid = loop {
        let answer = ask("Uid (Leave empty for default): ")?;
        if answer.is_empty() {
            break None;
        }
        match answer.parse::<u32>() {
            Ok(uid) if db.user_by_uid(uid).is_none() => break Some(uid),
            Ok(uid) => eprintln!("adduser: uid {uid} is already in use"),
            Err(_) => eprintln!("adduser: invalid uid '{answer}'"),
        }
    };
    let group = loop {
        let group = ask_default("Login group", &name)?;
        if group == name || db.resolve_group(&group).is_ok() {
            break group;
        }
        eprintln!("adduser: unknown group '{group}'");
    };
    let groups = loop {
        let answer = ask(&format!(
            "Login group is {group}. Invite {name} into other groups? []: "
        ))?;
        let groups: Vec<String> = answer
            .split([' ', ','])
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect();
        match groups.iter().find(|g| db.group(g).is_none()) {
            Some(unknown) => eprintln!("adduser: unknown group '{unknown}'"),
            None => break groups,
        }
    };
    let shell = ask_default("Shell", "sh")?;
    let home = ask_default("Home directory", &format!("/home/{name}"))?;
    let password = ask_password()?;
    Some(Account {
        uid,
        group: (group != name).then_some(group),
        groups,
        gecos,
        home: Some(home),
        shell: Some(users::home::find_shell(root, &shell)),
        password,
        name,
        ..Account::default()
    })
}

/// Asks for the password twice, hidden; returns the field to store.
fn ask_password() -> Option<String> {
    loop {
        let first = users::terminal::read_password("Enter password: ").ok()??;
        let second = users::terminal::read_password("Enter password again: ").ok()??;
        if first != second {
            eprintln!("Passwords did not match!");
            continue;
        }
        if first.is_empty() {
            // As FreeBSD: an empty password must be asked for.
            if ask_yes("Use an empty password?", false)? {
                return Some(String::new());
            }
            continue;
        }
        return hash(&first).ok();
    }
}

fn summarize(account: &Account, db: &Database) {
    let uid = account.uid.map_or_else(
        || db.next_uid().map_or("?".into(), |u| u.to_string()),
        |u| u.to_string(),
    );
    let group = account.group.as_deref().unwrap_or(&account.name);
    let mut groups = vec![group.to_string()];
    groups.extend(account.groups.iter().cloned());
    let password = if account.password.is_empty() {
        "<blank>"
    } else {
        "*****"
    };
    let _ = write!(
        std::io::stdout(),
        "\
Username   : {}
Password   : {password}
Full Name  : {}
Uid        : {uid}
Class      : {}
Groups     : {}
Home       : {}
Shell      : {}
",
        account.name,
        account.gecos,
        account.class,
        groups.join(" "),
        account.home.as_deref().unwrap_or(""),
        account.shell.as_deref().unwrap_or(""),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use users::Group;

    #[test]
    fn batch_lines() {
        let account = parse_line("ann:1005::staff:0:1700000000:Ann E:/h/ann:sh:pa:ss").unwrap();
        assert_eq!(account.name, "ann");
        assert_eq!(account.uid, Some(1005));
        assert_eq!(account.group, None);
        assert_eq!(account.class, "staff");
        assert_eq!(account.expire, 1_700_000_000);
        assert_eq!(account.home.as_deref(), Some("/h/ann"));
        assert_eq!(account.password, "pa:ss");
        let defaults = parse_line("bob:::::::::").unwrap();
        assert_eq!(
            (defaults.uid, defaults.home, defaults.shell),
            (None, None, None)
        );
        assert!(
            parse_line("bob:x::::::::")
                .unwrap_err()
                .contains("invalid uid")
        );
        assert!(parse_line("bob:1:2").unwrap_err().contains("3 fields"));
    }

    #[test]
    fn a_failed_add_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(dir.path()).unwrap();
        db.add_group(Group {
            name: "taken".into(),
            password: "*".into(),
            gid: 7,
            members: vec![],
        })
        .unwrap();
        let account = Account {
            name: "carl".into(),
            group: Some("nosuch".into()),
            ..Account::default()
        };
        assert!(add(&mut db, dir.path(), &account).is_err());
        assert!(db.group("carl").is_none() && db.user("carl").is_none());
    }
}
