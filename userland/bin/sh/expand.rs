//! Word expansion (XCU 2.6): tilde, parameters, command substitution,
//! arithmetic, field splitting, pathname expansion, quote removal.
//!
//! Expanding a word first produces characters tagged with where they came
//! from: literal text, the unquoted result of an expansion (the only text
//! field splitting looks at), or quoted text (which globbing takes as it is).

use super::arith;
use super::ast::{Param, ParamOp, Word, WordPart};
use super::pattern;
use super::shell::Shell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Unquoted text of the word itself.
    Lit,
    /// Unquoted result of an expansion: split on IFS.
    Split,
    Quoted,
    /// A zero-width mark: `""` makes a field even when empty.
    Empty,
    /// Between the fields of `"$@"`.
    Break,
}

type Chars = Vec<(char, Kind)>;

/// An expansion that failed: `${x?}`, `set -u`, a bad arithmetic expression.
#[derive(Debug)]
pub struct ExpandError(pub String);

/// How unquoted literal text of a word is treated.
#[derive(Clone, Copy)]
struct Ctx {
    quoted: bool,
    /// In `${x-word}`: unquoted text is split like an expansion's result.
    split_literals: bool,
}

const TOP: Ctx = Ctx {
    quoted: false,
    split_literals: false,
};

impl arith::Vars for Shell {
    fn get(&mut self, name: &str) -> Option<String> {
        Shell::get(self, name).map(str::to_string)
    }
    fn set(&mut self, name: &str, value: i64) -> Result<(), String> {
        Shell::set(self, name, &value.to_string())
    }
}

impl Shell {
    /// Expands command words into fields.
    pub fn expand_words(&mut self, words: &[Word]) -> Result<Vec<String>, ExpandError> {
        let mut fields = Vec::new();
        for word in words {
            let mut chars = Chars::new();
            self.expand_parts(word, TOP, true, &mut chars)?;
            for field in split_fields(&chars, self.get("IFS")) {
                self.glob_field(&field, &mut fields);
            }
        }
        Ok(fields)
    }

    /// Expands a word to one string: assignments, redirections, `case`.
    pub fn expand_string(&mut self, word: &Word) -> Result<String, ExpandError> {
        let mut chars = Chars::new();
        self.expand_parts(word, TOP, true, &mut chars)?;
        Ok(plain(&chars))
    }

    /// Expands an assignment's value: also `~` after each `:`.
    pub fn expand_assignment(&mut self, word: &Word) -> Result<String, ExpandError> {
        let mut chars = Chars::new();
        for (i, part) in word.iter().enumerate() {
            match part {
                WordPart::Lit(text) => {
                    for (k, piece) in text.split(':').enumerate() {
                        if k > 0 {
                            chars.push((':', Kind::Lit));
                        }
                        let at_start = k > 0 || i == 0;
                        let ends_here = k + 1 < text.split(':').count() || i + 1 == word.len();
                        self.push_lit(
                            piece,
                            at_start && (ends_here || piece.contains('/')),
                            &mut chars,
                        );
                    }
                }
                _ => self.expand_part(part, TOP, &mut chars)?,
            }
        }
        Ok(plain(&chars))
    }

    /// Expands a word as a pattern: quoted characters are escaped.
    pub fn expand_pattern(&mut self, word: &Word) -> Result<String, ExpandError> {
        let mut chars = Chars::new();
        self.expand_parts(word, TOP, true, &mut chars)?;
        Ok(to_pattern(&chars))
    }

    /// A here-document body: expansions, no splitting or globbing.
    pub fn expand_here(&mut self, word: &Word) -> Result<String, ExpandError> {
        let mut chars = Chars::new();
        let ctx = Ctx {
            quoted: true,
            split_literals: false,
        };
        self.expand_parts(word, ctx, false, &mut chars)?;
        Ok(plain(&chars))
    }

    fn glob_field(&self, field: &Chars, out: &mut Vec<String>) {
        let candidate = !self.option('f')
            && field.iter().any(|&(c, k)| {
                matches!(c, '*' | '?' | '[') && matches!(k, Kind::Lit | Kind::Split)
            });
        if candidate {
            let pattern = to_pattern(field);
            if pattern::has_magic(&pattern) {
                let matches = pattern::glob(&pattern);
                if !matches.is_empty() {
                    out.extend(matches);
                    return;
                }
            }
        }
        out.push(plain(field));
    }

    fn expand_parts(
        &mut self,
        word: &Word,
        ctx: Ctx,
        tilde: bool,
        out: &mut Chars,
    ) -> Result<(), ExpandError> {
        for (i, part) in word.iter().enumerate() {
            if i == 0
                && tilde
                && !ctx.quoted
                && let WordPart::Lit(text) = part
                && text.starts_with('~')
            {
                let whole = text.contains('/') || word.len() == 1;
                self.push_lit(text, whole, out);
                continue;
            }
            self.expand_part(part, ctx, out)?;
        }
        Ok(())
    }

    /// Literal text, with `~` or `~user` at its start replaced when `tilde`.
    fn push_lit(&self, text: &str, tilde: bool, out: &mut Chars) {
        let mut rest = text;
        if tilde && let Some(after) = text.strip_prefix('~') {
            let end = after.find('/').unwrap_or(after.len());
            let user = &after[..end];
            let home = if user.is_empty() {
                self.get("HOME").map(str::to_string)
            } else {
                home_of(user)
            };
            if let Some(home) = home {
                out.extend(home.chars().map(|c| (c, Kind::Quoted)));
                if home.is_empty() {
                    out.push(('\0', Kind::Empty));
                }
                rest = &after[end..];
            }
        }
        out.extend(rest.chars().map(|c| (c, Kind::Lit)));
    }

    fn push_result(&self, text: &str, ctx: Ctx, out: &mut Chars) {
        let kind = if ctx.quoted {
            Kind::Quoted
        } else {
            Kind::Split
        };
        out.extend(text.chars().map(|c| (c, kind)));
    }

    fn expand_part(
        &mut self,
        part: &WordPart,
        ctx: Ctx,
        out: &mut Chars,
    ) -> Result<(), ExpandError> {
        match part {
            WordPart::Lit(text) => {
                let kind = if ctx.quoted {
                    Kind::Quoted
                } else if ctx.split_literals {
                    Kind::Split
                } else {
                    Kind::Lit
                };
                out.extend(text.chars().map(|c| (c, kind)));
            }
            WordPart::Quoted(text) => {
                out.extend(text.chars().map(|c| (c, Kind::Quoted)));
                if text.is_empty() {
                    out.push(('\0', Kind::Empty));
                }
            }
            WordPart::Double(parts) => {
                let before = out.len();
                let inner = Ctx {
                    quoted: true,
                    split_literals: false,
                };
                for part in parts {
                    self.expand_part(part, inner, out)?;
                }
                let has_at = parts
                    .iter()
                    .any(|p| matches!(p, WordPart::Param(param) if param.name == "@" && matches!(param.op, ParamOp::Plain)));
                if out.len() == before && !has_at {
                    out.push(('\0', Kind::Empty));
                }
            }
            WordPart::Param(param) => self.expand_param(param, ctx, out)?,
            WordPart::Command(command) => {
                let text = self.command_output(command);
                self.push_result(&text, ctx, out);
            }
            WordPart::Arith(word) => {
                let text = self.expand_here(word)?;
                match arith::eval(&text, self) {
                    Ok(value) => self.push_result(&value.to_string(), ctx, out),
                    Err(e) => {
                        return Err(ExpandError(format!(
                            "arithmetic expression: {e}: \"{}\"",
                            text.trim()
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The value of a parameter; `$@` and `$*` give their fields.
    fn param_value(&self, name: &str) -> Option<Vec<String>> {
        Some(vec![match name {
            "@" | "*" => return Some(self.positional.clone()),
            "#" => self.positional.len().to_string(),
            "?" => self.status.to_string(),
            "$" => self.pid.to_string(),
            "!" => self.last_background?.to_string(),
            "-" => self.option_letters(),
            "0" => self.arg0.clone(),
            _ if name.bytes().all(|b| b.is_ascii_digit()) => {
                let n: usize = name.parse().ok()?;
                self.positional.get(n.checked_sub(1)?)?.clone()
            }
            _ => self.get(name)?.to_string(),
        }])
    }

    fn expand_param(
        &mut self,
        param: &Param,
        ctx: Ctx,
        out: &mut Chars,
    ) -> Result<(), ExpandError> {
        let name = param.name.as_str();
        let multi = name == "@" || name == "*";
        let value = self.param_value(name);
        let is_set = match &value {
            None => false,
            Some(v) if multi => !(v.is_empty() || param.colon && v.iter().all(String::is_empty)),
            Some(v) => !(param.colon && v[0].is_empty()),
        };
        let word_ctx = Ctx {
            quoted: ctx.quoted,
            split_literals: !ctx.quoted,
        };
        match param.op {
            ParamOp::Plain => {}
            ParamOp::Length => {
                let length = match &value {
                    Some(v) if multi => v.join(" ").chars().count(),
                    Some(v) => v[0].chars().count(),
                    None => {
                        self.check_unset(name)?;
                        0
                    }
                };
                self.push_result(&length.to_string(), ctx, out);
                return Ok(());
            }
            ParamOp::Default => {
                if !is_set {
                    return self.expand_parts(&param.word, word_ctx, true, out);
                }
            }
            ParamOp::Alternative => {
                if is_set {
                    self.expand_parts(&param.word, word_ctx, true, out)?;
                }
                return Ok(());
            }
            ParamOp::Assign => {
                if !is_set {
                    let text = self.expand_string(&param.word)?;
                    if multi || !super::parse::is_name(name) {
                        return Err(ExpandError(format!("{name}: bad variable name")));
                    }
                    self.set(name, &text).map_err(ExpandError)?;
                    self.push_result(&text, ctx, out);
                    return Ok(());
                }
            }
            ParamOp::Error => {
                if !is_set {
                    let message = self.expand_string(&param.word)?;
                    let message = if !message.is_empty() {
                        message
                    } else if value.is_some() {
                        "parameter null or not set".into()
                    } else {
                        "parameter not set".into()
                    };
                    return Err(ExpandError(format!("{name}: {message}")));
                }
            }
            ParamOp::SmallestSuffix
            | ParamOp::LargestSuffix
            | ParamOp::SmallestPrefix
            | ParamOp::LargestPrefix => {
                if value.is_none() {
                    self.check_unset(name)?;
                }
                let pattern = self.expand_pattern(&param.word)?;
                let suffix = matches!(param.op, ParamOp::SmallestSuffix | ParamOp::LargestSuffix);
                let largest = matches!(param.op, ParamOp::LargestSuffix | ParamOp::LargestPrefix);
                let values = value.unwrap_or_else(|| vec![String::new()]);
                let trimmed: Vec<String> = values
                    .iter()
                    .map(|v| pattern::remove(v, &pattern, suffix, largest))
                    .collect();
                self.push_values(&trimmed, name == "@", ctx, out);
                return Ok(());
            }
        }
        match value {
            None => self.check_unset(name),
            Some(values) => {
                if multi {
                    self.push_values(&values, name == "@", ctx, out);
                } else {
                    self.push_result(&values[0], ctx, out);
                }
                Ok(())
            }
        }
    }

    fn check_unset(&self, name: &str) -> Result<(), ExpandError> {
        if self.option('u') && name != "@" && name != "*" {
            return Err(ExpandError(format!("{name}: parameter not set")));
        }
        Ok(())
    }

    /// `$@` and `$*`: separate fields, or joined by IFS's first character in `"$*"`.
    fn push_values(&self, values: &[String], at: bool, ctx: Ctx, out: &mut Chars) {
        if ctx.quoted && !at {
            let sep = match self.get("IFS") {
                None => " ".to_string(),
                Some(ifs) => ifs.chars().next().map(String::from).unwrap_or_default(),
            };
            self.push_result(&values.join(&sep), ctx, out);
            return;
        }
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.push(('\0', Kind::Break));
            }
            self.push_result(value, ctx, out);
            if ctx.quoted && value.is_empty() {
                out.push(('\0', Kind::Empty));
            }
        }
    }
}

/// The home directory of a user, from /etc/passwd.
fn home_of(user: &str) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 6 && fields[0] == user).then(|| fields[5].to_string())
    })
}

/// The characters without marks.
fn plain(chars: &Chars) -> String {
    chars
        .iter()
        .filter_map(|&(c, k)| match k {
            Kind::Empty => None,
            Kind::Break => Some(' '),
            _ => Some(c),
        })
        .collect()
}

/// A pattern string: quoted characters escaped with `\`.
fn to_pattern(chars: &Chars) -> String {
    let mut out = String::new();
    for &(c, k) in chars {
        match k {
            Kind::Empty => {}
            Kind::Break => out.push(' '),
            Kind::Quoted if matches!(c, '*' | '?' | '[' | ']' | '\\' | '!' | '^' | '-') => {
                out.push('\\');
                out.push(c);
            }
            Kind::Split if c == '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out
}

/// Field splitting (XCU 2.6.5) of the expansion results in a word.
fn split_fields(chars: &Chars, ifs: Option<&str>) -> Vec<Chars> {
    let ifs = ifs.unwrap_or(" \t\n");
    #[derive(PartialEq)]
    enum State {
        Start,
        InField,
        AfterSpace,
        AfterDelimiter,
    }
    let mut fields = Vec::new();
    let mut current = Chars::new();
    let mut state = State::Start;
    for &(c, k) in chars {
        match k {
            Kind::Split if ifs.contains(c) => {
                let space = matches!(c, ' ' | '\t' | '\n');
                if space {
                    if state == State::InField {
                        fields.push(std::mem::take(&mut current));
                        state = State::AfterSpace;
                    }
                } else {
                    match state {
                        State::InField => fields.push(std::mem::take(&mut current)),
                        State::AfterSpace => {}
                        State::Start | State::AfterDelimiter => fields.push(Chars::new()),
                    }
                    state = State::AfterDelimiter;
                }
            }
            Kind::Break => {
                if state == State::InField {
                    fields.push(std::mem::take(&mut current));
                }
                state = State::AfterSpace;
            }
            Kind::Empty => {
                current.push((c, k));
                state = State::InField;
            }
            _ => {
                current.push((c, k));
                state = State::InField;
            }
        }
    }
    if state == State::InField {
        fields.push(current);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, ifs: &str) -> Vec<String> {
        let chars: Chars = text.chars().map(|c| (c, Kind::Split)).collect();
        split_fields(&chars, Some(ifs)).iter().map(plain).collect()
    }

    #[test]
    fn whitespace_separators_merge() {
        assert_eq!(split("  a  b   c  ", " \t\n"), ["a", "b", "c"]);
        assert_eq!(split("", " "), Vec::<String>::new());
    }

    #[test]
    fn other_separators_delimit_empty_fields() {
        assert_eq!(split("a::b:c:", ":"), ["a", "", "b", "c"]);
        assert_eq!(split(":x", ":"), ["", "x"]);
        assert_eq!(split("a : b:c  :: d", " :"), ["a", "b", "c", "", "d"]);
    }

    #[test]
    fn quoted_text_is_not_split() {
        let mut chars: Chars = "a b".chars().map(|c| (c, Kind::Quoted)).collect();
        chars.push((' ', Kind::Split));
        chars.push(('c', Kind::Split));
        assert_eq!(
            split_fields(&chars, None)
                .iter()
                .map(plain)
                .collect::<Vec<_>>(),
            ["a b", "c"]
        );
    }

    #[test]
    fn patterns_escape_quoted_characters() {
        let chars: Chars = vec![('*', Kind::Lit), ('*', Kind::Quoted), ('?', Kind::Split)];
        assert_eq!(to_pattern(&chars), "*\\*?");
    }
}
