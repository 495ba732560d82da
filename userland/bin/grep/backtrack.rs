//! A backtracking matcher for the patterns regex-lite cannot run: those
//! with back-references (`\(a*\)b\1`). It parses the POSIX pattern itself
//! and tries each way to match in turn, so it is slow on long lines and
//! used only when a pattern needs it. Character classes are still
//! regex-lite's, tested one character at a time.

use super::pattern::{Syntax, bracket, dollar_is_anchor};
use regex_lite::{Regex, RegexBuilder};

/// The span of each group in a match, group 0 the whole match.
pub type Spans = Vec<Option<(usize, usize)>>;

enum Look {
    Start,
    End,
    WordBoundary,
    NotWordBoundary,
    WordStart,
    WordEnd,
}

enum Node {
    Char(char),
    Any,
    /// A one-character class: a bracket expression, `\w` or `\s`.
    Set(Regex),
    Assert(Look),
    Group(usize, Box<Node>),
    BackReference(usize),
    Concat(Vec<Node>),
    Alternate(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// A compiled pattern for backtracking.
pub struct Backtracker {
    root: Node,
    groups: usize,
    ignore_case: bool,
}

/// True when `pattern` has a back-reference, so needs this matcher.
pub fn has_back_reference(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if matches!(chars.get(i + 1), Some('1'..='9')) => return true,
            '\\' => i += 2,
            '[' => i = bracket(&chars, i + 1, &mut String::new()).unwrap_or(chars.len()),
            _ => i += 1,
        }
    }
    false
}

struct Parser {
    chars: Vec<char>,
    i: usize,
    basic: bool,
    ignore_case: bool,
    groups: usize,
    open: Vec<usize>,
}

impl Backtracker {
    pub fn new(pattern: &str, syntax: Syntax, ignore_case: bool) -> Result<Backtracker, String> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            i: 0,
            basic: syntax == Syntax::Basic,
            ignore_case,
            groups: 0,
            open: Vec::new(),
        };
        let root = parser.alternation()?;
        if parser.i < parser.chars.len() {
            return Err("unmatched ) or \\)".into());
        }
        Ok(Backtracker {
            root,
            groups: parser.groups,
            ignore_case,
        })
    }

    /// Anchors the pattern at both ends when `whole_line` (grep -x).
    pub fn anchored(self, whole_line: bool) -> Backtracker {
        if !whole_line {
            return self;
        }
        Backtracker {
            root: Node::Concat(vec![
                Node::Assert(Look::Start),
                self.root,
                Node::Assert(Look::End),
            ]),
            ..self
        }
    }

    /// The number of groups, group 0 included.
    pub fn captures_len(&self) -> usize {
        self.groups + 1
    }

    /// The leftmost match at or after `start`, with its groups.
    pub fn captures_at(&self, text: &str, start: usize) -> Option<Spans> {
        let mut position = start;
        loop {
            let mut spans: Spans = vec![None; self.groups + 1];
            let mut end = None;
            let found = self.matches(&self.root, text, position, &mut spans, &mut |at, _| {
                end = Some(at);
                true
            });
            if found {
                spans[0] = Some((position, end.expect("a match has an end")));
                return Some(spans);
            }
            position += text[position..].chars().next()?.len_utf8();
        }
    }

    fn same_char(&self, a: char, b: char) -> bool {
        a == b || (self.ignore_case && a.to_lowercase().eq(b.to_lowercase()))
    }

    /// Tries to match `node` at `at`; on success calls `then` with where the
    /// match ended, and succeeds if the rest of the pattern (`then`) does.
    fn matches(
        &self,
        node: &Node,
        text: &str,
        at: usize,
        spans: &mut Spans,
        then: &mut dyn FnMut(usize, &mut Spans) -> bool,
    ) -> bool {
        let next = text[at..].chars().next();
        let after = |c: char| at + c.len_utf8();
        match node {
            Node::Char(want) => match next {
                Some(c) if self.same_char(c, *want) => then(after(c), spans),
                _ => false,
            },
            Node::Any => next.is_some_and(|c| then(after(c), spans)),
            Node::Set(class) => match next {
                Some(c) if class.is_match(c.encode_utf8(&mut [0; 4])) => then(after(c), spans),
                _ => false,
            },
            Node::Assert(look) => look_holds(look, text, at) && then(at, spans),
            Node::Group(index, inner) => self.matches(inner, text, at, spans, &mut |end, spans| {
                let before = spans[*index];
                spans[*index] = Some((at, end));
                if then(end, spans) {
                    return true;
                }
                spans[*index] = before;
                false
            }),
            Node::BackReference(index) => {
                let Some((start, end)) = spans[*index] else {
                    return false;
                };
                let wanted = &text[start..end];
                let mut rest = text[at..].chars();
                let mut length = 0;
                for w in wanted.chars() {
                    match rest.next() {
                        Some(c) if self.same_char(c, w) => length += c.len_utf8(),
                        _ => return false,
                    }
                }
                then(at + length, spans)
            }
            Node::Concat(items) => self.sequence(items, text, at, spans, then),
            Node::Alternate(branches) => branches
                .iter()
                .any(|branch| self.matches(branch, text, at, spans, then)),
            Node::Repeat { node, min, max } => {
                self.repeat(node, *min, *max, 0, text, at, spans, then)
            }
        }
    }

    fn sequence(
        &self,
        items: &[Node],
        text: &str,
        at: usize,
        spans: &mut Spans,
        then: &mut dyn FnMut(usize, &mut Spans) -> bool,
    ) -> bool {
        match items.split_first() {
            None => then(at, spans),
            Some((first, rest)) => self.matches(first, text, at, spans, &mut |end, spans| {
                self.sequence(rest, text, end, spans, then)
            }),
        }
    }

    /// Greedy repetition: as many more times as can be, then fewer.
    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        node: &Node,
        min: u32,
        max: Option<u32>,
        done: u32,
        text: &str,
        at: usize,
        spans: &mut Spans,
        then: &mut dyn FnMut(usize, &mut Spans) -> bool,
    ) -> bool {
        if max.is_none_or(|max| done < max) {
            let more = self.matches(node, text, at, spans, &mut |end, spans| {
                // An empty pass past the minimum would loop for ever.
                if end == at && done >= min {
                    return false;
                }
                self.repeat(node, min, max, done + 1, text, end, spans, then)
            });
            if more {
                return true;
            }
        }
        done >= min && then(at, spans)
    }
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

fn look_holds(look: &Look, text: &str, at: usize) -> bool {
    let before = is_word(text[..at].chars().next_back());
    let after = is_word(text[at..].chars().next());
    match look {
        Look::Start => at == 0,
        Look::End => at == text.len(),
        Look::WordBoundary => before != after,
        Look::NotWordBoundary => before == after,
        Look::WordStart => !before && after,
        Look::WordEnd => before && !after,
    }
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    /// True when the next token is the operator `op`: `\op` in a BRE, `op` in an ERE.
    fn at_operator(&self, op: char) -> bool {
        if self.basic {
            self.peek() == Some('\\') && self.chars.get(self.i + 1) == Some(&op)
        } else {
            self.peek() == Some(op)
        }
    }

    fn skip_operator(&mut self) {
        self.i += if self.basic { 2 } else { 1 };
    }

    fn alternation(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.sequence()?];
        while self.at_operator('|') {
            self.skip_operator();
            branches.push(self.sequence()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().expect("one branch")
        } else {
            Node::Alternate(branches)
        })
    }

    fn sequence(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        loop {
            if self.peek().is_none()
                || self.at_operator('|')
                || (!self.open.is_empty() && self.at_operator(')'))
            {
                break;
            }
            let mut atom = self.atom(items.is_empty())?;
            while let Some((min, max)) = self.quantifier()? {
                atom = Node::Repeat {
                    node: Box::new(atom),
                    min,
                    max,
                };
            }
            items.push(atom);
        }
        Ok(Node::Concat(items))
    }

    /// A repetition operator after an atom, if there is one.
    fn quantifier(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
        if self.peek() == Some('*') {
            self.i += 1;
            return Ok(Some((0, None)));
        }
        for (op, range) in [('+', (1, None)), ('?', (0, Some(1)))] {
            if self.at_operator(op) {
                self.skip_operator();
                return Ok(Some(range));
            }
        }
        if !self.at_operator('{') {
            return Ok(None);
        }
        let start = self.i;
        self.skip_operator();
        let body_start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == ',') {
            self.i += 1;
        }
        let body: String = self.chars[body_start..self.i].iter().collect();
        if !self.at_operator('}') {
            if self.basic {
                return Err("unmatched \\{".into());
            }
            // An ERE `{` that opens no interval is an ordinary character.
            self.i = start;
            return Ok(None);
        }
        self.skip_operator();
        let number = |t: &str| {
            t.parse::<u32>()
                .map_err(|_| "invalid content of \\{\\}".to_string())
        };
        let range = match body.split_once(',') {
            None => {
                let n = number(&body)?;
                (n, Some(n))
            }
            Some((min, "")) => (if min.is_empty() { 0 } else { number(min)? }, None),
            Some((min, max)) => (
                if min.is_empty() { 0 } else { number(min)? },
                Some(number(max)?),
            ),
        };
        if range.1.is_some_and(|max| max < range.0) {
            return Err("invalid content of \\{\\}".into());
        }
        Ok(Some(range))
    }

    fn class(&self, pattern: &str) -> Result<Node, String> {
        RegexBuilder::new(&format!("^{pattern}$"))
            .case_insensitive(self.ignore_case)
            .build()
            .map(Node::Set)
            .map_err(|e| e.to_string())
    }

    fn atom(&mut self, at_start: bool) -> Result<Node, String> {
        if self.at_operator('(') {
            self.skip_operator();
            self.groups += 1;
            let index = self.groups;
            self.open.push(index);
            let inner = self.alternation()?;
            if !self.at_operator(')') {
                return Err("unmatched ( or \\(".into());
            }
            self.skip_operator();
            self.open.pop();
            return Ok(Node::Group(index, Box::new(inner)));
        }
        let c = self.peek().expect("the caller checked for the end");
        self.i += 1;
        Ok(match c {
            '\\' => {
                let d = self.peek().ok_or("trailing backslash (\\)")?;
                self.i += 1;
                match d {
                    '1'..='9' => {
                        let index = d as usize - '0' as usize;
                        if index > self.groups || self.open.contains(&index) {
                            return Err("invalid back reference".into());
                        }
                        Node::BackReference(index)
                    }
                    'n' => Node::Char('\n'),
                    't' => Node::Char('\t'),
                    'w' | 'W' | 's' | 'S' => self.class(&format!("\\{d}"))?,
                    'b' => Node::Assert(Look::WordBoundary),
                    'B' => Node::Assert(Look::NotWordBoundary),
                    '<' => Node::Assert(Look::WordStart),
                    '>' => Node::Assert(Look::WordEnd),
                    '`' => Node::Assert(Look::Start),
                    '\'' => Node::Assert(Look::End),
                    _ => Node::Char(d),
                }
            }
            '[' => {
                let mut translated = String::new();
                self.i = bracket(&self.chars, self.i, &mut translated)?;
                self.class(&translated)?
            }
            '.' => Node::Any,
            '*' if at_start => Node::Char('*'),
            '^' if !self.basic || at_start => Node::Assert(Look::Start),
            '$' if !self.basic || dollar_is_anchor(&self.chars, self.i) => Node::Assert(Look::End),
            _ => Node::Char(c),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(pattern: &str, syntax: Syntax, text: &str) -> Option<(usize, usize)> {
        Backtracker::new(pattern, syntax, false)
            .unwrap()
            .captures_at(text, 0)?[0]
    }

    #[test]
    fn back_references() {
        assert_eq!(find(r"\(a*\)b\1", Syntax::Basic, "xaabaa"), Some((1, 6)));
        assert_eq!(find(r"\(.\)\1", Syntax::Basic, "abccd"), Some((2, 4)));
        assert_eq!(find(r"(ab|c)\1", Syntax::Extended, "abcc"), Some((2, 4)));
        assert_eq!(find(r"^\(.*\)\1$", Syntax::Basic, "abab"), Some((0, 4)));
        assert_eq!(find(r"^\(.*\)\1$", Syntax::Basic, "abaB"), None);
        assert!(
            Backtracker::new(r"\(.\)\1", Syntax::Basic, true)
                .unwrap()
                .captures_at("aA", 0)
                .is_some()
        );
    }

    #[test]
    fn operators() {
        assert_eq!(find(r"a\{2,3\}", Syntax::Basic, "aaaa"), Some((0, 3)));
        assert_eq!(
            find("[[:digit:]]+x", Syntax::Extended, "a12x"),
            Some((1, 4))
        );
        assert_eq!(find(r"\<b\w*", Syntax::Basic, "ab bc"), Some((3, 5)));
        assert_eq!(find("(a*)*b", Syntax::Extended, "aab"), Some((0, 3)));
        assert_eq!(find("a{x", Syntax::Extended, "a{x"), Some((0, 3)));
        let groups = Backtracker::new(r"\(a\)\(b\)\2", Syntax::Basic, false).unwrap();
        assert_eq!(groups.captures_len(), 3);
        assert_eq!(
            groups.captures_at("abb", 0).unwrap(),
            vec![Some((0, 3)), Some((0, 1)), Some((1, 2))]
        );
    }

    #[test]
    fn detection_and_errors() {
        assert!(has_back_reference(r"\(a\)\1"));
        assert!(!has_back_reference(r"[\1]a\\1"));
        assert!(Backtracker::new(r"\(a\1\)", Syntax::Basic, false).is_err());
        assert!(Backtracker::new(r"a\2", Syntax::Basic, false).is_err());
    }
}
