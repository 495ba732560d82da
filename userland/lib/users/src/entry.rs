//! One line of each file, parsed and formatted.

use crate::Error;

/// The prefix `pw lock` puts before a password hash, as FreeBSD's pw(8).
pub const LOCKED_PREFIX: &str = "*LOCKED*";

/// One user: a line of `/etc/master.passwd`,
/// `name:password:uid:gid:class:change:expire:gecos:home:shell`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// The login name.
    pub name: String,
    /// A crypt(3) hash; `*` for no login by password; empty for no password
    /// at all; [`LOCKED_PREFIX`] before a hash for a locked account.
    pub password: String,
    /// The user id.
    pub uid: u32,
    /// The login group's id.
    pub gid: u32,
    /// The login class (login.conf(5)); usually empty.
    pub class: String,
    /// When the password must be changed, seconds since the epoch; 0 never.
    pub change: u64,
    /// When the account expires, seconds since the epoch; 0 never.
    pub expire: u64,
    /// The full name and, after commas, office and phone numbers.
    pub gecos: String,
    /// The home directory.
    pub home: String,
    /// The login shell; empty means `/bin/sh`.
    pub shell: String,
}

impl User {
    /// Parses a master.passwd line (10 fields); `None` when it is not one.
    pub(crate) fn parse_master(line: &str) -> Option<User> {
        let fields: Vec<&str> = line.split(':').collect();
        let [
            name,
            password,
            uid,
            gid,
            class,
            change,
            expire,
            gecos,
            home,
            shell,
        ] = fields[..]
        else {
            return None;
        };
        Some(User {
            name: name.to_string(),
            password: password.to_string(),
            uid: uid.parse().ok()?,
            gid: gid.parse().ok()?,
            class: class.to_string(),
            change: parse_time(change)?,
            expire: parse_time(expire)?,
            gecos: gecos.to_string(),
            home: home.to_string(),
            shell: shell.to_string(),
        })
    }

    /// Parses a V7 passwd line (7 fields); `None` when it is not one.
    pub(crate) fn parse_passwd(line: &str) -> Option<User> {
        let fields: Vec<&str> = line.split(':').collect();
        let [name, password, uid, gid, gecos, home, shell] = fields[..] else {
            return None;
        };
        Some(User {
            name: name.to_string(),
            password: password.to_string(),
            uid: uid.parse().ok()?,
            gid: gid.parse().ok()?,
            gecos: gecos.to_string(),
            home: home.to_string(),
            shell: shell.to_string(),
            ..User::default()
        })
    }

    /// The master.passwd line, without its newline.
    pub fn master_line(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}:{}:{}:{}:{}:{}",
            self.name,
            self.password,
            self.uid,
            self.gid,
            self.class,
            self.change,
            self.expire,
            self.gecos,
            self.home,
            self.shell
        )
    }

    /// The passwd line, as pwd_mkdb(8) writes it: the password is `*`.
    pub fn passwd_line(&self) -> String {
        format!(
            "{}:*:{}:{}:{}:{}:{}",
            self.name, self.uid, self.gid, self.gecos, self.home, self.shell
        )
    }

    /// Whether the account is locked (`pw lock`).
    pub fn is_locked(&self) -> bool {
        self.password.starts_with(LOCKED_PREFIX)
    }

    /// Whether the account has no password at all: login(1) and su(1) let
    /// anyone in without asking, as FreeBSD's pam_unix with `nullok`.
    pub fn has_empty_password(&self) -> bool {
        self.password.is_empty()
    }

    /// Whether `password` is this user's password. Never true for a locked
    /// account, a `*` (or any non-`$6$`) field, or an empty field.
    pub fn check_password(&self, password: &str) -> bool {
        crate::crypt::verify(password.as_bytes(), &self.password)
    }

    /// The full name: the gecos field up to its first comma.
    pub fn full_name(&self) -> &str {
        self.gecos.split(',').next().unwrap_or("")
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        validate_name(&self.name)?;
        for (field, value) in [
            ("password", &self.password),
            ("class", &self.class),
            ("gecos", &self.gecos),
            ("home", &self.home),
            ("shell", &self.shell),
        ] {
            validate_field(field, value)?;
        }
        Ok(())
    }
}

/// An empty time field counts as 0, as pwd_mkdb(8) reads it.
fn parse_time(field: &str) -> Option<u64> {
    if field.is_empty() {
        Some(0)
    } else {
        field.parse().ok()
    }
}

/// One group: a line of `/etc/group`, `name:password:gid:member,member`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Almost always `*`: group passwords are unused.
    pub password: String,
    /// The group id.
    pub gid: u32,
    /// Users for whom this is a supplementary group.
    pub members: Vec<String>,
}

impl Group {
    /// Parses a group line (4 fields); `None` when it is not one.
    pub(crate) fn parse(line: &str) -> Option<Group> {
        let fields: Vec<&str> = line.split(':').collect();
        let [name, password, gid, members] = fields[..] else {
            return None;
        };
        Some(Group {
            name: name.to_string(),
            password: password.to_string(),
            gid: gid.parse().ok()?,
            members: members
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }

    /// The group line, without its newline.
    pub fn line(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.name,
            self.password,
            self.gid,
            self.members.join(",")
        )
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        validate_name(&self.name)?;
        validate_field("password", &self.password)?;
        for member in &self.members {
            validate_name(member)?;
        }
        Ok(())
    }
}

/// The longest user or group name, as FreeBSD's MAXLOGNAME - 1.
pub const MAX_NAME: usize = 32;

/// A user or group name: 1 to 32 of `A-Z a-z 0-9 . _ -`, not starting with
/// `-`, and a `$` allowed at the end (Samba machine accounts).
pub fn validate_name(name: &str) -> Result<(), Error> {
    let body = name.strip_suffix('$').unwrap_or(name);
    let valid = !body.is_empty()
        && name.len() <= MAX_NAME
        && !body.starts_with('-')
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidName(name.to_string()))
    }
}

/// Any field: no `:` (the separator) and no newline or other control
/// character (which would split or garble the line).
pub fn validate_field(field: &'static str, value: &str) -> Result<(), Error> {
    if value.contains(':') || value.chars().any(char::is_control) {
        Err(Error::InvalidField {
            field,
            value: value.to_string(),
        })
    } else {
        Ok(())
    }
}
