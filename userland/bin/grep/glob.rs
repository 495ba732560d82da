//! Shell wildcards for grep's `--include`, `--exclude` and `--exclude-dir`:
//! `*`, `?`, `[...]` (with `!` or `^` to negate, and ranges) and `\`.

/// True when `name` matches the wildcard `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pattern, &name)
}

fn match_from(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        '*' => (0..=name.len()).any(|skip| match_from(rest, &name[skip..])),
        '?' => !name.is_empty() && match_from(rest, &name[1..]),
        '[' => match (class(rest), name.first()) {
            (Some((matched, after)), Some(&c)) => matched(c) && match_from(after, &name[1..]),
            // An unclosed `[` is an ordinary character.
            (None, Some('[')) => match_from(rest, &name[1..]),
            _ => false,
        },
        '\\' if !rest.is_empty() => {
            name.first() == Some(&rest[0]) && match_from(&rest[1..], &name[1..])
        }
        c => name.first() == Some(&c) && match_from(rest, &name[1..]),
    }
}

/// Parses a bracket expression after its `[`: a test for one character,
/// and the pattern after the `]`.
fn class(pattern: &[char]) -> Option<(impl Fn(char) -> bool, &[char])> {
    let (negated, body) = match pattern.first() {
        Some('!' | '^') => (true, &pattern[1..]),
        _ => (false, pattern),
    };
    // A `]` first in the brackets is one of the characters.
    let close = body.iter().skip(1).position(|&c| c == ']')? + 1;
    let members = body[..close].to_vec();
    let test = move |c: char| {
        let mut i = 0;
        let mut found = false;
        while i < members.len() {
            if i + 2 < members.len() && members[i + 1] == '-' {
                found |= (members[i]..=members[i + 2]).contains(&c);
                i += 3;
            } else {
                found |= members[i] == c;
                i += 1;
            }
        }
        found != negated
    };
    Some((test, &body[close + 1..]))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("*.rs", "main.rs"));
        assert!(!matches("*.rs", "main.rs.orig"));
        assert!(matches("a?c", "abc"));
        assert!(matches("[a-c]x", "bx"));
        assert!(!matches("[!a-c]x", "bx"));
        assert!(matches("[]]", "]"));
        assert!(matches("\\*", "*"));
        assert!(!matches("\\*", "a"));
        assert!(matches("[x", "[x"));
        assert!(matches("*", ""));
        assert!(matches("t*t*", "tests"));
    }
}
