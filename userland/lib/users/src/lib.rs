//! Basalt's user database, in FreeBSD's formats:
//!
//! - `/etc/master.passwd` (mode 0600), the source of truth:
//!   `name:password:uid:gid:class:change:expire:gecos:home:shell`;
//! - `/etc/passwd` (0644), derived from it as pwd_mkdb(8) writes it:
//!   `name:*:uid:gid:gecos:home:shell`, comments copied;
//! - `/etc/group` (0644): `name:password:gid:member,member`.
//!
//! A [`Database`] is opened on a root directory, so the installer and the
//! image builder edit a target tree exactly as `pw` edits the running
//! system. Lines it does not understand, and comments, are kept; an
//! untouched file is written back byte for byte. Changes are validated as
//! they are made and written by [`Database::save`], each file atomically.
//!
//! Passwords are sha512-crypt hashes ([`crypt`]); [`terminal`] reads them
//! with echo off and [`session`] takes on a user's identity.
//!
//! ```no_run
//! # fn main() -> Result<(), users::Error> {
//! let mut db = users::Database::open(std::path::Path::new("/mnt"))?;
//! let uid = db.next_uid()?;
//! db.add_group(users::Group { name: "ann".into(), password: "*".into(), gid: uid, members: vec![] })?;
//! db.add_user(users::User {
//!     name: "ann".into(), uid, gid: uid, home: "/home/ann".into(), shell: "/bin/sh".into(),
//!     ..Default::default()
//! })?;
//! db.set_password("ann", "correct horse")?;
//! db.save()?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod crypt;
mod entry;
mod file;
pub mod home;
pub mod session;
pub mod terminal;

use std::path::{Path, PathBuf};

pub use entry::{Group, LOCKED_PREFIX, MAX_NAME, User, validate_field, validate_name};
use file::{Lines, is_comment};

/// The first uid and gid given to people, as FreeBSD's pw(8).
pub const FIRST_ID: u32 = 1000;
/// Ids from here up are special (`nobody` is 65534, -1 is "no id").
const LAST_ID: u32 = 65533;

/// What can go wrong reading, changing or writing the database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read, written, renamed or locked.
    #[error("{}: cannot {action}: {}", path.display(), strerror(source))]
    Io {
        /// What was being done: `read`, `write`, `rename to`...
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A database file is not UTF-8 text.
    #[error("{}: not a text file", .0.display())]
    NotText(PathBuf),
    /// Another program changed the file since it was read.
    #[error("{}: changed by another program since it was read; nothing written", .0.display())]
    Changed(PathBuf),
    /// [`Database::save`] on a database from [`Database::open_public`].
    #[error("{}: opened read-only (from passwd), not saved", .0.display())]
    ReadOnly(PathBuf),
    /// A user or group name that [`validate_name`] refuses.
    #[error("invalid name '{0}'")]
    InvalidName(String),
    /// A field with a `:` or a control character.
    #[error("invalid {field} '{value}': ':' and control characters are not allowed")]
    InvalidField {
        /// The field's name: `gecos`, `home`...
        field: &'static str,
        /// What it was given.
        value: String,
    },
    /// A new user's name is taken.
    #[error("user '{0}' already exists")]
    UserExists(String),
    /// A new or changed user's uid is taken.
    #[error("uid {0} is already in use")]
    UidInUse(u32),
    /// A new group's name is taken.
    #[error("group '{0}' already exists")]
    GroupExists(String),
    /// A new or changed group's gid is taken.
    #[error("gid {0} is already in use")]
    GidInUse(u32),
    /// No user has this name.
    #[error("unknown user '{0}'")]
    NoSuchUser(String),
    /// No group has this name.
    #[error("unknown group '{0}'")]
    NoSuchGroup(String),
    /// Every id from 1000 to 65533 is taken (`"uid"` or `"gid"`).
    #[error("no free {0} left between 1000 and 65533")]
    NoFreeId(&'static str),
    /// The kernel gave no random bytes for a salt.
    #[error("cannot get random bytes for a salt: {}", strerror(.0))]
    Random(std::io::Error),
}

/// An I/O error's text without Rust's ` (os error N)` suffix.
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The users and groups of one tree.
#[derive(Debug, Clone)]
pub struct Database {
    etc: PathBuf,
    /// Users were read from passwd (no hashes): saving is refused.
    read_only: bool,
    users: Lines<User>,
    groups: Lines<Group>,
    users_changed: bool,
    groups_changed: bool,
    /// The texts of master.passwd and group as read (or last written), to
    /// notice another program's change before overwriting it.
    master_read: String,
    group_read: String,
}

impl Database {
    /// Opens `ROOT/etc/master.passwd` and `ROOT/etc/group` for reading and
    /// editing. Missing files are empty databases (a new tree).
    pub fn open(root: &Path) -> Result<Database, Error> {
        Database::open_etc(&root.join("etc"))
    }

    /// As [`Database::open`], with the files in `etc` (pw's `-V`).
    pub fn open_etc(etc: &Path) -> Result<Database, Error> {
        let master = file::read(&etc.join("master.passwd"))?;
        let group = file::read(&etc.join("group"))?;
        Ok(Database {
            etc: etc.to_path_buf(),
            read_only: false,
            users: Lines::parse(&master, User::parse_master),
            groups: Lines::parse(&group, Group::parse),
            users_changed: false,
            groups_changed: false,
            master_read: master,
            group_read: group,
        })
    }

    /// Opens the world-readable `ROOT/etc/passwd` and `ROOT/etc/group`,
    /// for lookups by programs that are not root (id(1)). Passwords read
    /// as `*` and [`Database::save`] is refused.
    pub fn open_public(root: &Path) -> Result<Database, Error> {
        let etc = root.join("etc");
        let passwd = file::read(&etc.join("passwd"))?;
        let group = file::read(&etc.join("group"))?;
        Ok(Database {
            read_only: true,
            users: Lines::parse(&passwd, User::parse_passwd),
            groups: Lines::parse(&group, Group::parse),
            etc,
            users_changed: false,
            groups_changed: false,
            master_read: String::new(),
            group_read: group,
        })
    }

    /// The directory the files are in.
    pub fn etc(&self) -> &Path {
        &self.etc
    }

    /// Every user, in file order.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.entries()
    }

    /// Every group, in file order.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.entries()
    }

    /// The user named `name`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users().find(|u| u.name == name)
    }

    /// The first user with uid `uid` (several may share one, as root and toor).
    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.users().find(|u| u.uid == uid)
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups().find(|g| g.name == name)
    }

    /// The first group with gid `gid`.
    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups().find(|g| g.gid == gid)
    }

    /// A group by name, or by number when `spec` is all digits (`-g wheel`,
    /// `-g 0`): its gid. A number need not name an existing group.
    pub fn resolve_group(&self, spec: &str) -> Result<u32, Error> {
        if let Some(group) = self.group(spec) {
            return Ok(group.gid);
        }
        match spec.parse() {
            Ok(gid) if spec.bytes().all(|b| b.is_ascii_digit()) => Ok(gid),
            _ => Err(Error::NoSuchGroup(spec.to_string())),
        }
    }

    /// The groups a user belongs to, for setgroups(2): `gid` (the login
    /// group) first, then every group listing `name` as a member, each once.
    pub fn group_ids(&self, name: &str, gid: u32) -> Vec<u32> {
        let mut ids = vec![gid];
        for group in self.groups() {
            if group.members.iter().any(|m| m == name) && !ids.contains(&group.gid) {
                ids.push(group.gid);
            }
        }
        ids
    }

    /// The lowest uid from 1000 up that no user has.
    pub fn next_uid(&self) -> Result<u32, Error> {
        let used: Vec<u32> = self.users().map(|u| u.uid).collect();
        (FIRST_ID..=LAST_ID)
            .find(|id| !used.contains(id))
            .ok_or(Error::NoFreeId("uid"))
    }

    /// The lowest gid from 1000 up that no group has.
    pub fn next_gid(&self) -> Result<u32, Error> {
        let used: Vec<u32> = self.groups().map(|g| g.gid).collect();
        (FIRST_ID..=LAST_ID)
            .find(|id| !used.contains(id))
            .ok_or(Error::NoFreeId("gid"))
    }

    fn user_index(&self, name: &str) -> Result<usize, Error> {
        self.users
            .position(|u| u.name == name)
            .ok_or_else(|| Error::NoSuchUser(name.to_string()))
    }

    fn group_index(&self, name: &str) -> Result<usize, Error> {
        self.groups
            .position(|g| g.name == name)
            .ok_or_else(|| Error::NoSuchGroup(name.to_string()))
    }

    /// Checks `user` could take the place of user `replacing` (or be new):
    /// valid fields, and a name and uid no other user has.
    fn check_user(&self, user: &User, replacing: Option<usize>) -> Result<(), Error> {
        user.validate()?;
        for (i, other) in self.users.lines.iter().enumerate() {
            let file::Line::Entry { value: other, .. } = other else {
                continue;
            };
            if Some(i) == replacing {
                continue;
            }
            if other.name == user.name {
                return Err(Error::UserExists(user.name.clone()));
            }
            let uid_changed = replacing.is_none_or(|r| self.users.get(r).uid != user.uid);
            if other.uid == user.uid && uid_changed {
                return Err(Error::UidInUse(user.uid));
            }
        }
        Ok(())
    }

    fn check_group(&self, group: &Group, replacing: Option<usize>) -> Result<(), Error> {
        group.validate()?;
        for (i, other) in self.groups.lines.iter().enumerate() {
            let file::Line::Entry { value: other, .. } = other else {
                continue;
            };
            if Some(i) == replacing {
                continue;
            }
            if other.name == group.name {
                return Err(Error::GroupExists(group.name.clone()));
            }
            let gid_changed = replacing.is_none_or(|r| self.groups.get(r).gid != group.gid);
            if other.gid == group.gid && gid_changed {
                return Err(Error::GidInUse(group.gid));
            }
        }
        Ok(())
    }

    /// The login group of a new user `name` with uid `uid`, as FreeBSD's
    /// pw(8) and adduser(8) choose it: the group of the user's name, added
    /// if it does not exist, with the uid as its gid when that is free.
    /// Returns its gid.
    pub fn login_group(&mut self, name: &str, uid: u32) -> Result<u32, Error> {
        if let Some(group) = self.group(name) {
            return Ok(group.gid);
        }
        let gid = if self.group_by_gid(uid).is_none() {
            uid
        } else {
            self.next_gid()?
        };
        self.add_group(Group {
            name: name.to_string(),
            password: "*".into(),
            gid,
            members: Vec::new(),
        })?;
        Ok(gid)
    }

    /// Adds a user at the end of the file. Its name and uid must be new.
    pub fn add_user(&mut self, user: User) -> Result<(), Error> {
        self.check_user(&user, None)?;
        self.users.push(user);
        self.users_changed = true;
        Ok(())
    }

    /// Changes user `name` with `change`; nothing changes when the result
    /// is invalid or clashes with another user. A new name is carried into
    /// the member lists of the groups.
    pub fn modify_user(&mut self, name: &str, change: impl FnOnce(&mut User)) -> Result<(), Error> {
        let index = self.user_index(name)?;
        let mut user = self.users.get(index).clone();
        change(&mut user);
        self.check_user(&user, Some(index))?;
        if user.name != name {
            self.rename_member(name, Some(&user.name));
        }
        self.users.set(index, user);
        self.users_changed = true;
        Ok(())
    }

    /// Removes user `name`, and the user from every group's members.
    pub fn remove_user(&mut self, name: &str) -> Result<User, Error> {
        let index = self.user_index(name)?;
        self.rename_member(name, None);
        self.users_changed = true;
        Ok(self.users.remove(index))
    }

    /// Replaces (or with `None` drops) `name` in every group's members.
    fn rename_member(&mut self, name: &str, new_name: Option<&str>) {
        for i in 0..self.groups.lines.len() {
            let file::Line::Entry { value: group, .. } = &self.groups.lines[i] else {
                continue;
            };
            if !group.members.iter().any(|m| m == name) {
                continue;
            }
            let mut group = group.clone();
            group.members = group
                .members
                .iter()
                .filter_map(|m| match (m == name, new_name) {
                    (false, _) => Some(m.clone()),
                    (true, new) => new.map(str::to_string),
                })
                .collect();
            self.groups.set(i, group);
            self.groups_changed = true;
        }
    }

    /// Sets user `name`'s password to the sha512-crypt hash of `password`.
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<(), Error> {
        let hash = crypt::hash_password(password.as_bytes(), crypt::DEFAULT_ROUNDS)
            .map_err(Error::Random)?;
        self.modify_user(name, |u| u.password = hash)
    }

    /// Locks user `name` by putting [`LOCKED_PREFIX`] before the password,
    /// as `pw lock`. False when it was already locked.
    pub fn lock(&mut self, name: &str) -> Result<bool, Error> {
        let user = &self.users.get(self.user_index(name)?);
        if user.is_locked() {
            return Ok(false);
        }
        self.modify_user(name, |u| u.password.insert_str(0, LOCKED_PREFIX))?;
        Ok(true)
    }

    /// Undoes [`Database::lock`]. False when it was not locked.
    pub fn unlock(&mut self, name: &str) -> Result<bool, Error> {
        let user = &self.users.get(self.user_index(name)?);
        if !user.is_locked() {
            return Ok(false);
        }
        self.modify_user(name, |u| {
            u.password.drain(..LOCKED_PREFIX.len());
        })?;
        Ok(true)
    }

    /// Adds a group at the end of the file. Its name and gid must be new.
    pub fn add_group(&mut self, group: Group) -> Result<(), Error> {
        self.check_group(&group, None)?;
        self.groups.push(group);
        self.groups_changed = true;
        Ok(())
    }

    /// Changes group `name` with `change`; nothing changes when the result
    /// is invalid or clashes with another group.
    pub fn modify_group(
        &mut self,
        name: &str,
        change: impl FnOnce(&mut Group),
    ) -> Result<(), Error> {
        let index = self.group_index(name)?;
        let mut group = self.groups.get(index).clone();
        change(&mut group);
        self.check_group(&group, Some(index))?;
        self.groups.set(index, group);
        self.groups_changed = true;
        Ok(())
    }

    /// Removes group `name`.
    pub fn remove_group(&mut self, name: &str) -> Result<Group, Error> {
        let index = self.group_index(name)?;
        self.groups_changed = true;
        Ok(self.groups.remove(index))
    }

    /// The text of master.passwd as it would be written.
    pub fn master_passwd_text(&self) -> String {
        self.users.render(User::master_line)
    }

    /// The text of passwd derived from master.passwd: each user's V7 line,
    /// comments and blank lines copied, lines that are not users left out.
    pub fn passwd_text(&self) -> String {
        let mut text = String::new();
        for line in &self.users.lines {
            match line {
                file::Line::Entry { value, .. } => text.push_str(&value.passwd_line()),
                file::Line::Other(other) if is_comment(other) => text.push_str(other),
                file::Line::Other(_) => continue,
            }
            text.push('\n');
        }
        text
    }

    /// The text of group as it would be written.
    pub fn group_text(&self) -> String {
        self.groups.render(Group::line)
    }

    /// Writes the files that changed: master.passwd (0600) and passwd
    /// (0644) when a user did, group (0644) when a group did.
    ///
    /// Editors do not hold a lock while they ask questions: instead, under
    /// the lock file `.pw.lock` (flock(2)), `save` checks that neither
    /// master.passwd nor group changed since they were read, and refuses
    /// with [`Error::Changed`] if one did, so no one's change is lost.
    pub fn save(&mut self) -> Result<(), Error> {
        if self.read_only {
            return Err(Error::ReadOnly(self.etc.join("passwd")));
        }
        if !self.users_changed && !self.groups_changed {
            return Ok(());
        }
        let _lock = file::lock(&self.etc.join(".pw.lock"))?;
        for (name, read) in [
            ("master.passwd", &self.master_read),
            ("group", &self.group_read),
        ] {
            let path = self.etc.join(name);
            if file::read(&path)? != *read {
                return Err(Error::Changed(path));
            }
        }
        if self.users_changed {
            let master = self.master_passwd_text();
            file::write_atomic(&self.etc.join("master.passwd"), &master, 0o600)?;
            file::write_atomic(&self.etc.join("passwd"), &self.passwd_text(), 0o644)?;
            self.master_read = master;
            self.users_changed = false;
        }
        if self.groups_changed {
            let group = self.group_text();
            file::write_atomic(&self.etc.join("group"), &group, 0o644)?;
            self.group_read = group;
            self.groups_changed = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
