//! Pattern matching notation (POSIX XCU 2.13) for `case`, `${x#pattern}` and
//! pathname expansion. In a pattern, `\` quotes the next character: the
//! expander escapes quoted text that way.

/// Whether `pattern` matches all of `text`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    match_chars(&p, &t, false)
}

/// Whether the pattern has an unquoted `*`, `?` or bracket expression: only
/// then is a word a pathname pattern (`[` alone, as in `[ -n x ]`, is not,
/// and costs no directory read).
pub fn has_magic(pattern: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => i += 1,
            '*' | '?' => return true,
            '[' if bracket(&p, i + 1, '\0').is_some() => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Removes the backslashes that quote characters in a pattern.
pub fn unescape(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.next()
        {
            out.push(next);
            continue;
        }
        out.push(c);
    }
    out
}

/// `dot_special`: a leading `.` matches only a literal `.` (file names).
fn match_chars(p: &[char], t: &[char], dot_special: bool) -> bool {
    if dot_special
        && t.first() == Some(&'.')
        && !matches!(p.first(), Some('.'))
        && !p.starts_with(&['\\', '.'])
    {
        return false;
    }
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() && p[pi] == '*' {
            pi += 1;
            backtrack = Some((pi, ti));
            continue;
        }
        if ti == t.len() {
            return pi == p.len();
        }
        let step = if pi < p.len() {
            match_one(p, pi, t[ti])
        } else {
            None
        };
        match step {
            Some(next) => {
                pi = next;
                ti += 1;
            }
            None => match backtrack {
                Some((bp, bt)) => {
                    pi = bp;
                    ti = bt + 1;
                    backtrack = Some((bp, bt + 1));
                }
                None => return false,
            },
        }
    }
}

/// If the pattern element at `pi` matches `c`, where the next element starts.
fn match_one(p: &[char], pi: usize, c: char) -> Option<usize> {
    match p[pi] {
        '?' => Some(pi + 1),
        '[' => match bracket(p, pi + 1, c) {
            Some((true, next)) => Some(next),
            Some((false, _)) => None,
            None => (c == '[').then_some(pi + 1),
        },
        '\\' if pi + 1 < p.len() => (p[pi + 1] == c).then_some(pi + 2),
        lit => (lit == c).then_some(pi + 1),
    }
}

/// A bracket expression starting after `[`: whether it matches and where it
/// ends, or `None` when there is no closing `]` (then `[` is literal).
fn bracket(p: &[char], mut i: usize, c: char) -> Option<(bool, usize)> {
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &ch = p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if ch == '[' && p.get(i + 1) == Some(&':') {
            let rest: String = p[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let class = &rest[..end];
                matched |= match class {
                    "alpha" => c.is_alphabetic(),
                    "digit" => c.is_ascii_digit(),
                    "alnum" => c.is_alphanumeric(),
                    "upper" => c.is_uppercase(),
                    "lower" => c.is_lowercase(),
                    "space" => c.is_whitespace(),
                    "blank" => c == ' ' || c == '\t',
                    "punct" => c.is_ascii_punctuation(),
                    "print" => !c.is_control(),
                    "graph" => !c.is_control() && c != ' ',
                    "cntrl" => c.is_control(),
                    "xdigit" => c.is_ascii_hexdigit(),
                    _ => false,
                };
                i += 2 + rest[..end].chars().count() + 2;
                continue;
            }
        }
        let (low, next) = if ch == '\\' && i + 1 < p.len() {
            (p[i + 1], i + 2)
        } else {
            (ch, i + 1)
        };
        i = next;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&h| h != ']') {
            let (high, next) = if p[i + 1] == '\\' && i + 2 < p.len() {
                (p[i + 2], i + 3)
            } else {
                (p[i + 1], i + 2)
            };
            i = next;
            matched |= low <= c && c <= high;
        } else {
            matched |= low == c;
        }
    }
}

/// `${x%p}`, `${x%%p}`, `${x#p}`, `${x##p}`: `text` with the smallest or
/// largest matching suffix or prefix removed.
pub fn remove(text: &str, pattern: &str, suffix: bool, largest: bool) -> String {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let n = t.len();
    let cuts: Box<dyn Iterator<Item = usize>> = match (suffix, largest) {
        (false, false) => Box::new(0..=n),
        (false, true) => Box::new((0..=n).rev()),
        (true, false) => Box::new((0..=n).rev()),
        (true, true) => Box::new(0..=n),
    };
    for cut in cuts {
        if suffix {
            if match_chars(&p, &t[cut..], false) {
                return t[..cut].iter().collect();
            }
        } else if match_chars(&p, &t[..cut], false) {
            return t[cut..].iter().collect();
        }
    }
    text.to_string()
}

/// Pathname expansion: the sorted names matching the pattern, empty when none.
pub fn glob(pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let mut found = vec![if absolute {
        "/".to_string()
    } else {
        String::new()
    }];
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for base in &found {
            if !has_magic(component) {
                let path = format!("{base}{}", unescape(component));
                if std::fs::symlink_metadata(&path).is_ok() {
                    next.push(if last { path } else { path + "/" });
                }
                continue;
            }
            let dir = if base.is_empty() { "." } else { base.as_str() };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let p: Vec<char> = component.chars().collect();
            // readdir's `.` and `..`, which std leaves out, match `.*` too.
            let dots = component.starts_with('.').then_some([".", ".."]);
            let mut names: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .chain(dots.into_iter().flatten().map(String::from))
                .filter(|name| {
                    let t: Vec<char> = name.chars().collect();
                    match_chars(&p, &t, true)
                })
                .collect();
            names.sort();
            for name in names {
                let path = format!("{base}{name}");
                if last {
                    next.push(path);
                } else if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                    next.push(path + "/");
                }
            }
        }
        found = next;
    }
    if pattern.ends_with('/') {
        found
    } else {
        found
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                if p.len() > 1 && p.ends_with('/') {
                    p[..p.len() - 1].to_string()
                } else {
                    p
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_brackets() {
        assert!(matches("*.rs", "sh.rs"));
        assert!(!matches("*.rs", "sh.rc"));
        assert!(matches("a?c", "abc"));
        assert!(matches("[a-c]x", "bx"));
        assert!(!matches("[!a-c]x", "bx"));
        assert!(matches("[[:digit:]]*", "7up"));
        assert!(matches("\\*", "*"));
        assert!(!matches("\\*", "x"));
        assert!(matches("[", "["));
        assert!(matches("*a*b*", "xxaxxbxx"));
    }

    #[test]
    fn prefix_and_suffix_removal() {
        assert_eq!(remove("a.b.c", ".*", true, false), "a.b");
        assert_eq!(remove("a.b.c", ".*", true, true), "a");
        assert_eq!(remove("/usr/bin/sh", "*/", false, false), "usr/bin/sh");
        assert_eq!(remove("/usr/bin/sh", "*/", false, true), "sh");
    }
}
