//! Package versions (dotted numbers) and version constraints (`^1`, `>=1.2, <2`, ...).

use std::cmp::Ordering;
use std::fmt;

use pubgrub::Ranges;

use crate::error::{Result, invalid};

/// A dotted numeric version; trailing zeros do not matter (`2` == `2.0` == `2.0.0`).
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<u64>,
    text: String,
}

impl Version {
    pub fn parse(text: &str) -> Result<Version> {
        let parts: Option<Vec<u64>> = text.split('.').map(|p| p.parse().ok()).collect();
        match parts {
            Some(parts) if !text.is_empty() && parts.len() <= 4 => Ok(Version {
                parts,
                text: text.to_string(),
            }),
            _ => Err(invalid(
                format!("version {text:?}"),
                "must be 1 to 4 dot-separated numbers",
            )),
        }
    }

    fn significant(&self) -> &[u64] {
        let len = self
            .parts
            .iter()
            .rposition(|&p| p != 0)
            .map_or(0, |i| i + 1);
        &self.parts[..len]
    }

    fn from_parts(parts: Vec<u64>) -> Version {
        let text = parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        Version { parts, text }
    }

    /// The first version past everything compatible with `self` by caret rules.
    fn caret_bound(&self) -> Version {
        let first_nonzero = self.parts.iter().position(|&p| p != 0).unwrap_or(0);
        self.bump(first_nonzero)
    }

    fn bump(&self, index: usize) -> Version {
        let mut parts: Vec<u64> = self.parts.iter().take(index + 1).copied().collect();
        parts.resize(index + 1, 0);
        parts[index] += 1;
        Version::from_parts(parts)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.significant() == other.significant()
    }
}

impl Eq for Version {}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.significant().cmp(other.significant())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.significant().hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

pub type VersionSet = Ranges<Version>;

/// Parses a constraint: comma-separated terms `*`, `^V`, `~V`, `=V`, `>=V`, `>V`, `<=V`,
/// `<V`, or a bare `V` meaning `^V` as in Cargo.
pub fn parse_constraint(text: &str) -> Result<VersionSet> {
    let mut set = VersionSet::full();
    for term in text.split(',').map(str::trim) {
        let term_set = parse_term(term).map_err(|_| {
            invalid(
                format!("constraint {text:?}"),
                "expected terms like ^1, ~1.2, >=1.0, <2, =1.0 or *",
            )
        })?;
        set = set.intersection(&term_set);
    }
    Ok(set)
}

fn parse_term(term: &str) -> Result<VersionSet> {
    if term == "*" {
        return Ok(VersionSet::full());
    }
    let (op, rest) = match term.find(|c: char| c.is_ascii_digit()) {
        Some(i) => term.split_at(i),
        None => return Err(invalid(term, "no version")),
    };
    let v = Version::parse(rest.trim())?;
    Ok(match op.trim() {
        "" | "^" => VersionSet::between(v.clone(), v.caret_bound()),
        "~" => {
            let bound = v.bump(if v.parts.len() > 1 { 1 } else { 0 });
            VersionSet::between(v, bound)
        }
        "=" | "==" => VersionSet::singleton(v),
        ">=" => VersionSet::higher_than(v),
        ">" => VersionSet::strictly_higher_than(v),
        "<=" => VersionSet::lower_than(v),
        "<" => VersionSet::strictly_lower_than(v),
        _ => return Err(invalid(term, "unknown operator")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn trailing_zeros_do_not_change_order() {
        assert_eq!(v("2"), v("2.0.0"));
        assert!(v("1.10") > v("1.9"));
        assert!(v("1.0.1") > v("1"));
    }

    #[test]
    fn caret_and_tilde_follow_cargo() {
        let caret = parse_constraint("^1.2").unwrap();
        assert!(
            caret.contains(&v("1.9")) && !caret.contains(&v("2.0")) && !caret.contains(&v("1.1"))
        );
        let zero = parse_constraint("^0.3").unwrap();
        assert!(zero.contains(&v("0.3.5")) && !zero.contains(&v("0.4")));
        let tilde = parse_constraint("~1.2").unwrap();
        assert!(tilde.contains(&v("1.2.7")) && !tilde.contains(&v("1.3")));
        let range = parse_constraint(">=1.0, <2").unwrap();
        assert!(range.contains(&v("1.5")) && !range.contains(&v("2")));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(Version::parse("1.x").is_err());
        assert!(Version::parse("").is_err());
        assert!(parse_constraint("!1").is_err());
    }
}
