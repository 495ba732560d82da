//! User and group names from /etc/passwd and /etc/group, read minimally: only
//! the name and the numeric id of each line. `ls`, `chown`, `find`, `stat` and
//! `ps` share this; a full parser of those files is the `users` library's job.

use std::collections::HashMap;

/// The names and ids of both databases, read once.
#[derive(Default)]
pub struct Ids {
    users: Vec<(String, u32, u32)>,
    groups: Vec<(String, u32)>,
    user_cache: HashMap<u32, String>,
    group_cache: HashMap<u32, String>,
}

/// `name:password:id:...` lines; blank lines, comments and bad ids are skipped.
fn fields(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect()
}

impl Ids {
    pub fn load() -> Self {
        let users = fields("/etc/passwd")
            .into_iter()
            .filter_map(|f| {
                let uid = f.get(2)?.parse().ok()?;
                let gid = f.get(3)?.parse().ok()?;
                Some((f[0].clone(), uid, gid))
            })
            .collect();
        let groups = fields("/etc/group")
            .into_iter()
            .filter_map(|f| Some((f[0].clone(), f.get(2)?.parse().ok()?)))
            .collect();
        Ids {
            users,
            groups,
            ..Ids::default()
        }
    }

    /// The user's name, or the number when it has none.
    pub fn user_name(&mut self, uid: u32) -> String {
        let users = &self.users;
        self.user_cache
            .entry(uid)
            .or_insert_with(|| {
                users
                    .iter()
                    .find(|u| u.1 == uid)
                    .map_or_else(|| uid.to_string(), |u| u.0.clone())
            })
            .clone()
    }

    /// The group's name, or the number when it has none.
    pub fn group_name(&mut self, gid: u32) -> String {
        let groups = &self.groups;
        self.group_cache
            .entry(gid)
            .or_insert_with(|| {
                groups
                    .iter()
                    .find(|g| g.1 == gid)
                    .map_or_else(|| gid.to_string(), |g| g.0.clone())
            })
            .clone()
    }

    /// The uid and login group of a user given by name or number.
    pub fn user(&self, name: &str) -> Option<(u32, Option<u32>)> {
        if let Some(u) = self.users.iter().find(|u| u.0 == name) {
            return Some((u.1, Some(u.2)));
        }
        let uid = name.parse().ok()?;
        Some((uid, self.users.iter().find(|u| u.1 == uid).map(|u| u.2)))
    }

    /// The gid of a group given by name or number.
    pub fn group(&self, name: &str) -> Option<u32> {
        match self.groups.iter().find(|g| g.0 == name) {
            Some(g) => Some(g.1),
            None => name.parse().ok(),
        }
    }
}
