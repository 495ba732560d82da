//! POSIX regular expressions on top of `regex-lite`: grep(1) and sed(1) both
//! translate a basic (BRE) or extended (ERE) expression into regex-lite's
//! syntax here, so the two programs agree on what a pattern means.
//!
//! What POSIX has and regex-lite lacks: back-references (`\1` in a
//! pattern), for which [`backtrack`](super::backtrack) takes over, and
//! POSIX's leftmost *longest* match: alternation here picks the leftmost
//! *first* branch that matches.

use super::backtrack::{Backtracker, Spans, has_back_reference};
use regex_lite::{Regex, RegexBuilder};

/// Which POSIX dialect a pattern is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Basic: `\(\)` groups, `\{m,n\}`, and GNU's `\+ \? \|`.
    Basic,
    /// Extended: `() {} + ? |` are operators.
    Extended,
}

/// A compiled pattern with a quick test to rule lines out: regex-lite
/// scans slowly, a substring search is fast.
pub struct Compiled {
    pub engine: Engine,
    /// Texts one of which every match contains, when there are some.
    required: Option<Vec<String>>,
}

/// False when `text` holds none of the `required` texts, so cannot match.
pub fn may_match(required: &Option<Vec<String>>, text: &str) -> bool {
    required
        .as_ref()
        .is_none_or(|any| any.iter().any(|r| text.contains(r.as_str())))
}

impl Compiled {
    /// False when `text` cannot match; true when it may.
    pub fn may_match(&self, text: &str) -> bool {
        may_match(&self.required, text)
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.may_match(text) && self.engine.is_match(text)
    }
}

/// What runs a pattern: regex-lite, or the backtracker for patterns with
/// back-references (one per pattern, as each numbers its own groups).
pub enum Engine {
    Lite(Regex),
    Backtrack(Vec<Backtracker>),
}

impl Engine {
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Engine::Lite(regex) => regex.is_match(text),
            Engine::Backtrack(_) => self.find_at(text, 0).is_some(),
        }
    }

    /// The leftmost match at or after `start`.
    pub fn find_at(&self, text: &str, start: usize) -> Option<(usize, usize)> {
        match self {
            Engine::Lite(regex) => regex.find_at(text, start).map(|m| (m.start(), m.end())),
            Engine::Backtrack(patterns) => patterns
                .iter()
                .filter_map(|p| p.captures_at(text, start)?[0])
                .min_by_key(|&(match_start, _)| match_start),
        }
    }

    /// The leftmost match at or after `start` and its groups (of the first
    /// pattern only, when there are several).
    pub fn captures_at(&self, text: &str, start: usize) -> Option<Spans> {
        match self {
            Engine::Lite(regex) => {
                let captures = regex.captures_at(text, start)?;
                Some(
                    captures
                        .iter()
                        .map(|m| m.map(|m| (m.start(), m.end())))
                        .collect(),
                )
            }
            Engine::Backtrack(patterns) => patterns.first()?.captures_at(text, start),
        }
    }

    /// The number of groups, group 0 (the whole match) included.
    pub fn captures_len(&self) -> usize {
        match self {
            Engine::Lite(regex) => regex.captures_len(),
            Engine::Backtrack(patterns) => patterns.first().map_or(1, Backtracker::captures_len),
        }
    }
}

/// An engine for several patterns, any of which may match; `whole_line`
/// anchors them at both ends (grep -x).
pub fn compile_all(
    patterns: &[String],
    syntax: Option<Syntax>,
    ignore_case: bool,
    whole_line: bool,
) -> Result<Engine, String> {
    if let Some(syntax) = syntax
        && patterns.iter().any(|p| has_back_reference(p))
    {
        let compiled: Result<Vec<Backtracker>, String> = patterns
            .iter()
            .map(|p| Ok(Backtracker::new(p, syntax, ignore_case)?.anchored(whole_line)))
            .collect();
        return compiled.map(Engine::Backtrack);
    }
    let mut alternatives = Vec::new();
    for p in patterns {
        let translated = match syntax {
            None => escape(p),
            Some(syntax) => translate(p, syntax)?,
        };
        alternatives.push(format!("(?:{translated})"));
    }
    // No pattern at all (an empty -f file) matches nothing.
    let mut joined = if alternatives.is_empty() {
        "[^\\x00-\\x{10FFFF}]".to_string()
    } else {
        alternatives.join("|")
    };
    if whole_line {
        joined = format!("^(?:{joined})$");
    }
    build(&joined, ignore_case).map(Engine::Lite)
}

fn build(translated: &str, ignore_case: bool) -> Result<Regex, String> {
    RegexBuilder::new(translated)
        .case_insensitive(ignore_case)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let last = text.lines().last().unwrap_or("invalid pattern").trim();
            last.trim_start_matches("error: ").to_string()
        })
}

/// Compiles a POSIX pattern; the error is worded for the user.
pub fn compile(pattern: &str, syntax: Syntax, ignore_case: bool) -> Result<Compiled, String> {
    let engine = compile_all(&[pattern.to_string()], Some(syntax), ignore_case, false)?;
    let required = if ignore_case {
        None
    } else {
        required_any(&[pattern.to_string()], syntax)
    };
    Ok(Compiled { engine, required })
}

/// Texts one of which every match of any of `patterns` contains: the
/// required literal of each alternative, if each has one (and they are few).
pub fn required_any(patterns: &[String], syntax: Syntax) -> Option<Vec<String>> {
    let mut any = Vec::new();
    for pattern in patterns {
        for branch in split_alternatives(pattern, syntax) {
            any.push(required_literal(&branch, syntax)?);
        }
    }
    (!any.is_empty() && any.len() <= 8).then_some(any)
}

/// True when every alternative of every pattern is a plain string, so a
/// line matches exactly when it holds one of them.
pub fn is_literal_alternation(patterns: &[String], syntax: Syntax) -> bool {
    patterns.iter().all(|pattern| {
        split_alternatives(pattern, syntax)
            .iter()
            .all(|branch| !branch.is_empty() && as_literal(branch, syntax).is_some())
    })
}

/// Splits a pattern at its top-level alternation (`a|b`, or `a\|b` in a BRE).
fn split_alternatives(pattern: &str, syntax: Syntax) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let basic = syntax == Syntax::Basic;
    let mut branches = vec![String::new()];
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let width = if c == '[' {
            bracket(&chars, i + 1, &mut String::new()).unwrap_or(chars.len()) - i
        } else if c == '\\' && i + 1 < chars.len() {
            2
        } else {
            1
        };
        let operator = if width == 2 { chars[i + 1] } else { c };
        let is = |op: char| c != '[' && operator == op && (width == 2) == basic;
        if is('(') {
            depth += 1;
        } else if is(')') {
            depth = depth.saturating_sub(1);
        } else if is('|') && depth == 0 {
            branches.push(String::new());
            i += width;
            continue;
        }
        let branch = branches.last_mut().expect("there is always a branch");
        branch.extend(&chars[i..i + width]);
        i += width;
    }
    branches
}

/// The longest run of plain characters that every match of `pattern` must
/// contain: outside groups, not repeated, with no alternation around it.
pub fn required_literal(pattern: &str, syntax: Syntax) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let basic = syntax == Syntax::Basic;
    let mut best = String::new();
    let mut run = String::new();
    let mut depth = 0usize;
    let mut i = 0;
    let end_run = |run: &mut String, best: &mut String| {
        if run.chars().count() > best.chars().count() {
            best.clone_from(run);
        }
        run.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let (operator, escaped) = if c == '\\' {
            let d = *chars.get(i)?;
            i += 1;
            (d, true)
        } else {
            (c, false)
        };
        // Whether this is the operator `op` in this syntax: escaped in a BRE, bare in an ERE.
        let is = |op: char| operator == op && escaped == basic;
        let literal = if is('(') {
            depth += 1;
            None
        } else if is(')') {
            depth = depth.saturating_sub(1);
            None
        } else if is('|') {
            if depth == 0 {
                return None;
            }
            None
        } else if is('{') || is('+') || is('?') || (operator == '*' && !escaped) {
            // The character before a repetition is not required.
            run.pop();
            if is('{') {
                while i < chars.len() && chars[i] != '}' {
                    i += 1;
                }
                i += 1;
            }
            None
        } else if escaped {
            // `\w`, `\<` and the like are classes and anchors, not characters.
            (!operator.is_ascii_alphanumeric() && !matches!(operator, '<' | '>' | '`' | '\''))
                .then_some(operator)
        } else if operator == '[' {
            i = bracket(&chars, i, &mut String::new()).ok()?;
            None
        } else if matches!(operator, '.' | '^' | '$') {
            None
        } else {
            Some(operator)
        };
        match literal {
            Some(c) if depth == 0 => run.push(c),
            _ => end_run(&mut run, &mut best),
        }
    }
    end_run(&mut run, &mut best);
    (!best.is_empty()).then_some(best)
}

/// `text` as a regex-lite pattern that matches it literally (grep -F).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_literal(&mut out, c);
    }
    out
}

/// The text a pattern matches when it has no operators at all, so grep can
/// search for it as a plain string.
pub fn as_literal(pattern: &str, syntax: Syntax) -> Option<&str> {
    let special: &[char] = match syntax {
        Syntax::Basic => &['\\', '[', '.', '*', '^', '$'],
        Syntax::Extended => &['\\', '[', '.', '*', '^', '$', '(', ')', '|', '+', '?', '{'],
    };
    (!pattern.contains(special)).then_some(pattern)
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// Translates a POSIX pattern into regex-lite's syntax; back-references,
/// which regex-lite lacks, are an error (the backtracker runs those).
pub fn translate(pattern: &str, syntax: Syntax) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let basic = syntax == Syntax::Basic;
    let mut out = String::with_capacity(pattern.len() + 8);
    // True where a `*` (or ERE `+ ? {`) has nothing to repeat and is literal.
    let mut at_start = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let Some(&d) = chars.get(i) else {
                    return Err("trailing backslash (\\)".into());
                };
                i += 1;
                match d {
                    '(' if basic => {
                        out.push('(');
                        at_start = true;
                        continue;
                    }
                    ')' if basic => out.push(')'),
                    '|' if basic => {
                        out.push('|');
                        at_start = true;
                        continue;
                    }
                    '{' if basic => {
                        if at_start {
                            return Err("invalid preceding regular expression".into());
                        }
                        i = interval(&chars, i, basic, &mut out)?
                            .ok_or("unmatched \\{ or invalid content of \\{\\}")?;
                    }
                    '}' if basic => return Err("unmatched \\}".into()),
                    '+' | '?' if basic => {
                        if at_start {
                            push_literal(&mut out, d);
                        } else {
                            out.push(d);
                        }
                    }
                    '1'..='9' => return Err("back-references are not supported".into()),
                    'n' => out.push_str("\\n"),
                    't' => out.push_str("\\t"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' | '<' | '>' => {
                        out.push('\\');
                        out.push(d);
                    }
                    '`' => out.push_str("\\A"),
                    '\'' => out.push_str("\\z"),
                    _ => push_literal(&mut out, d),
                }
            }
            '[' => i = bracket(&chars, i, &mut out)?,
            '.' => out.push('.'),
            '*' if at_start => out.push_str("\\*"),
            '*' => out.push('*'),
            '^' if !basic || at_start => {
                out.push('^');
                continue;
            }
            '$' if !basic || dollar_is_anchor(&chars, i) => out.push('$'),
            '(' if !basic => {
                out.push('(');
                at_start = true;
                continue;
            }
            ')' if !basic => out.push(')'),
            '|' if !basic => {
                out.push('|');
                at_start = true;
                continue;
            }
            '+' | '?' if !basic && !at_start => out.push(c),
            '{' if !basic && !at_start => match interval(&chars, i, basic, &mut out)? {
                Some(next) => i = next,
                None => out.push_str("\\{"),
            },
            _ => push_literal(&mut out, c),
        }
        at_start = false;
    }
    Ok(out)
}

/// In a BRE, `$` anchors only at the end of the pattern or of a group or
/// alternative; elsewhere it is an ordinary character.
pub(super) fn dollar_is_anchor(chars: &[char], next: usize) -> bool {
    match chars.get(next) {
        None => true,
        Some('\\') => matches!(chars.get(next + 1), Some(')') | Some('|')),
        _ => false,
    }
}

/// Parses the `m,n}` after `{` (or `m,n\}` in a BRE) into `{m,n}`. `None`
/// when it is not an interval, which an ERE takes as a literal `{`.
fn interval(
    chars: &[char],
    start: usize,
    basic: bool,
    out: &mut String,
) -> Result<Option<usize>, String> {
    let mut i = start;
    let mut body = String::new();
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() || c == ',' {
            body.push(c);
            i += 1;
        } else {
            break;
        }
    }
    let closed = if basic {
        chars.get(i) == Some(&'\\') && chars.get(i + 1) == Some(&'}')
    } else {
        chars.get(i) == Some(&'}')
    };
    let (min, max) = match body.split_once(',') {
        Some((min, max)) => (min, Some(max)),
        None => (body.as_str(), None),
    };
    let valid = closed
        && !max.is_some_and(|m| m.contains(','))
        && (!min.is_empty() || max.is_some_and(|m| !m.is_empty()));
    if !valid {
        return Ok(None);
    }
    let min_value: u32 = if min.is_empty() {
        0
    } else {
        min.parse().map_err(|_| "invalid interval")?
    };
    if let Some(max) = max.filter(|m| !m.is_empty()) {
        let max_value: u32 = max.parse().map_err(|_| "invalid interval")?;
        if max_value < min_value {
            return Err("invalid content of \\{\\}".into());
        }
    }
    out.push('{');
    out.push_str(&min_value.to_string());
    if let Some(max) = max {
        out.push(',');
        out.push_str(max);
    }
    out.push('}');
    Ok(Some(if basic { i + 2 } else { i + 1 }))
}

const CLASSES: &[&str] = &[
    "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph",
    "cntrl", "xdigit",
];

/// Translates a bracket expression starting after its `[`; returns the
/// index after its `]`. Inside brackets a backslash is an ordinary character.
pub(super) fn bracket(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    const UNMATCHED: &str = "unmatched [, [^, [:, [., or [=";
    let mut i = start;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(UNMATCHED.into());
        };
        if c == ']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        first = false;
        if c == '[' && matches!(chars.get(i + 1), Some(':' | '=' | '.')) {
            let kind = chars[i + 1];
            let body_start = i + 2;
            let mut end = body_start;
            while end + 1 < chars.len() && !(chars[end] == kind && chars[end + 1] == ']') {
                end += 1;
            }
            if end + 1 >= chars.len() {
                return Err(UNMATCHED.into());
            }
            let name: String = chars[body_start..end].iter().collect();
            i = end + 2;
            if kind == ':' {
                if !CLASSES.contains(&name.as_str()) {
                    return Err("invalid character class".into());
                }
                out.push_str("[:");
                out.push_str(&name);
                out.push_str(":]");
            } else {
                for c in name.chars() {
                    push_class_char(out, c);
                }
            }
            continue;
        }
        i += 1;
        let range_end = match (chars.get(i), chars.get(i + 1)) {
            (Some('-'), Some(&end)) if end != ']' => Some(end),
            _ => None,
        };
        push_class_char(out, c);
        if let Some(end) = range_end {
            if end < c {
                return Err("invalid range end".into());
            }
            out.push('-');
            push_class_char(out, end);
            i += 2;
        }
    }
}

fn push_class_char(out: &mut String, c: char) {
    if matches!(c, '\\' | '[' | ']' | '-' | '^' | '&' | '~') {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bre(p: &str) -> String {
        translate(p, Syntax::Basic).unwrap()
    }

    fn ere(p: &str) -> String {
        translate(p, Syntax::Extended).unwrap()
    }

    #[test]
    fn basic_operators() {
        assert_eq!(bre(r"\(ab\)*c"), "(ab)*c");
        assert_eq!(bre(r"a\{2,3\}"), "a{2,3}");
        assert_eq!(bre(r"a\+b\?"), "a+b?");
        assert_eq!(bre("a+b?(c)|{d}"), r"a\+b\?\(c\)\|\{d\}");
        assert_eq!(bre("*a"), r"\*a");
        assert_eq!(bre("^*a"), r"^\*a");
        assert_eq!(bre("a^b$c$"), r"a\^b\$c$");
        assert_eq!(bre(r"\(^a$\)"), "(^a$)");
    }

    #[test]
    fn extended_operators() {
        assert_eq!(ere("(a|b)+c?d{2}"), "(a|b)+c?d{2}");
        assert_eq!(ere("a{,3}"), "a{0,3}");
        assert_eq!(ere("a{x"), r"a\{x");
        assert_eq!(ere(r"\(\)"), r"\(\)");
    }

    #[test]
    fn brackets() {
        assert_eq!(bre("[]a]"), r"[\]a]");
        assert_eq!(bre("[^]a-]"), r"[^\]a\-]");
        assert_eq!(bre(r"[\n]"), r"[\\n]");
        assert_eq!(bre("[[:alpha:]_-]"), r"[[:alpha:]_\-]");
        assert_eq!(bre("[a-z0-9]"), "[a-z0-9]");
        assert!(translate("[z-a]", Syntax::Basic).is_err());
        assert!(translate("[[:nope:]]", Syntax::Basic).is_err());
        assert!(translate("[abc", Syntax::Basic).is_err());
    }

    #[test]
    fn refusals() {
        assert!(translate(r"\(a\)\1", Syntax::Basic).is_err());
        assert!(translate("a\\", Syntax::Extended).is_err());
    }

    #[test]
    fn literal_detection() {
        assert_eq!(
            as_literal("hello world", Syntax::Basic),
            Some("hello world")
        );
        assert_eq!(as_literal("a+b", Syntax::Basic), Some("a+b"));
        assert_eq!(as_literal("a+b", Syntax::Extended), None);
        assert_eq!(as_literal("a.b", Syntax::Basic), None);
    }

    #[test]
    fn required_literals() {
        let req = |p, s| required_literal(p, s);
        assert_eq!(req("err[a-z]*r", Syntax::Basic), Some("err".into()));
        assert_eq!(req("warning.*debug", Syntax::Basic), Some("warning".into()));
        assert_eq!(req("ab*cd", Syntax::Basic), Some("cd".into()));
        assert_eq!(req("(a|b)xyz", Syntax::Extended), Some("xyz".into()));
        assert_eq!(req("a|bcd", Syntax::Extended), None);
        assert_eq!(req("a\\|bcd", Syntax::Basic), None);
        assert_eq!(req("a|bcd", Syntax::Basic), Some("a|bcd".into()));
        assert_eq!(req("abc\\{2\\}", Syntax::Basic), Some("ab".into()));
        assert_eq!(req("x+yz?", Syntax::Extended), Some("y".into()));
        assert_eq!(req("\\.txt$", Syntax::Basic), Some(".txt".into()));
        assert_eq!(req("\\(abc\\)", Syntax::Basic), None);
        assert_eq!(req("\\<foo\\>", Syntax::Basic), Some("foo".into()));
    }

    #[test]
    fn alternatives_each_need_a_literal() {
        let any = |p: &str, s| required_any(&[p.to_string()], s);
        assert_eq!(
            any("foo|bar", Syntax::Extended),
            Some(vec!["foo".into(), "bar".into()])
        );
        assert_eq!(
            any("foo\\|b.r", Syntax::Basic),
            Some(vec!["foo".into(), "b".into()])
        );
        assert_eq!(any("foo|.*", Syntax::Extended), None);
        assert_eq!(
            any("(a|b)c|[|]d", Syntax::Extended),
            Some(vec!["c".into(), "d".into()])
        );
        assert_eq!(any("a|b", Syntax::Basic), Some(vec!["a|b".into()]));
        let literal = |p: &str| is_literal_alternation(&[p.to_string()], Syntax::Extended);
        assert!(literal("error|warning"));
        assert!(!literal("error|warn.ng"));
        assert!(!literal("error|"));
    }

    #[test]
    fn compiled_patterns_match() {
        let re = compile("[[:digit:]]\\{3\\}-x", Syntax::Basic, false).unwrap();
        assert!(re.is_match("call 555-x now"));
        assert!(!re.is_match("55-x"));
        let re = compile("HELLO", Syntax::Basic, true).unwrap();
        assert!(re.is_match("well hello"));
    }
}
