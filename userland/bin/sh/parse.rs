//! The lexer and parser: the shell grammar of POSIX XCU 2.10 into
//! [`Command`] trees, one complete command at a time, so a script's later
//! lines can use aliases and functions its earlier lines define.
//!
//! Words are parsed into their parts here (quotes, `$...`, `` `...` ``), and
//! `$(...)` is parsed recursively by the same parser, so a `)` inside a `case`
//! pattern or a quoted string never ends the substitution early.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{CaseArm, Command, ListItem, Redir, RedirKind, Simple, Word, WordPart, literal};

/// Where more input comes from once the buffer is used up: a terminal or
/// standard input, one line per call, `None` at end of file.
pub trait LineSource {
    fn read_line(&mut self, prompt: &str) -> Option<String>;

    /// After `read_line` returned `None`: whether that was ^C abandoning
    /// the command rather than the end of input.
    fn take_interrupt(&mut self) -> bool {
        false
    }
}

#[derive(Debug)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub(super) enum Tok {
    Word(Word),
    IoNumber(i32),
    Op(&'static str),
    Newline,
    Eof,
}

/// Longest first, so `<<-` wins over `<<` and `<`.
pub(super) const OPERATORS: &[&str] = &[
    "<<-", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", "&", "|", ";", "<", ">", "(", ")",
];

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "{",
    "}", "!", "in",
];

/// Reserved words that end a compound list.
const TERMINATORS: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}"];

pub(super) struct PendingHereDoc {
    pub(super) delimiter: String,
    pub(super) strip_tabs: bool,
    pub(super) quoted: bool,
    pub(super) body: Rc<RefCell<Word>>,
}

pub struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
    pub(super) source: Option<Box<dyn LineSource>>,
    pub(super) ps1: String,
    pub(super) ps2: String,
    /// A line of the current command has been read: more lines get PS2.
    pub(super) started: bool,
    pub(super) peeked: Option<(Tok, usize)>,
    /// Where the last consumed token ended, for the source text of jobs.
    pub(super) last_end: usize,
    pub(super) heredocs: Vec<PendingHereDoc>,
    pub(super) aliases: HashMap<String, String>,
    /// Aliases being expanded and where their text ends, so `alias ls='ls -F'`
    /// does not expand forever.
    pub(super) active_aliases: Vec<(String, usize)>,
    pub(super) line_base: usize,
    pub(super) line_cache: (usize, usize),
    /// The source said end of file: do not ask it again.
    pub(super) source_done: bool,
    /// ^C abandoned the command being read.
    pub(super) interrupted: bool,
    /// Where the text of the last command read starts, for `set -v`.
    pub(super) command_start: usize,
    /// The alias just expanded ended in a blank: where its text ends.
    pub(super) alias_next_word: Option<usize>,
}

pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Parser {
    pub fn from_str(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
            source: None,
            ps1: String::new(),
            ps2: String::new(),
            started: false,
            peeked: None,
            last_end: 0,
            heredocs: Vec::new(),
            aliases: HashMap::new(),
            active_aliases: Vec::new(),
            line_base: 0,
            line_cache: (0, 1),
            source_done: false,
            interrupted: false,
            command_start: 0,
            alias_next_word: None,
        }
    }

    pub fn with_source(source: Box<dyn LineSource>) -> Parser {
        let mut parser = Parser::from_str("");
        parser.source = Some(source);
        parser
    }

    pub fn set_prompts(&mut self, ps1: String, ps2: String) {
        self.ps1 = ps1;
        self.ps2 = ps2;
    }

    pub fn set_aliases(&mut self, aliases: &HashMap<String, String>) {
        if self.aliases != *aliases {
            self.aliases = aliases.clone();
        }
    }

    /// The line the parser is at, counting from 1.
    pub fn line(&mut self) -> usize {
        let (mut at, mut line) = self.line_cache;
        if at > self.pos {
            (at, line) = (0, 1);
        }
        line += self.chars[at..self.pos.min(self.chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
        self.line_cache = (self.pos, line);
        self.line_base + line
    }

    pub(super) fn error<T>(&mut self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            line: self.line(),
            message: message.into(),
        })
    }

    /// Drops what has been read so far, after a syntax error on a terminal.
    pub fn discard(&mut self) {
        self.peeked = None;
        self.heredocs.clear();
        self.pos = self.chars.len();
    }

    /// Parses everything: the text of `eval`, backquotes.
    pub fn parse_all(text: &str) -> Result<Command, ParseError> {
        let mut parser = Parser::from_str(text);
        let mut items = Vec::new();
        while let Some(Command::List(more)) = parser.next_command()? {
            items.extend(more);
        }
        Ok(Command::List(items))
    }

    fn peek(&mut self) -> Result<&Tok, ParseError> {
        if self.peeked.is_none() {
            let start_and_tok = self.lex()?;
            self.peeked = Some((start_and_tok.1, start_and_tok.0));
        }
        Ok(&self.peeked.as_ref().expect("just filled").0)
    }

    fn next(&mut self) -> Result<Tok, ParseError> {
        self.peek()?;
        let (tok, _) = self.peeked.take().expect("peeked");
        self.last_end = self.pos;
        Ok(tok)
    }

    fn peek_start(&mut self) -> Result<usize, ParseError> {
        self.peek()?;
        Ok(self.peeked.as_ref().expect("peeked").1)
    }

    fn peek_is_word(&mut self, word: &str) -> Result<bool, ParseError> {
        Ok(matches!(self.peek()?, Tok::Word(w) if literal(w) == Some(word)))
    }

    fn peek_is_op(&mut self, op: &str) -> Result<bool, ParseError> {
        Ok(matches!(self.peek()?, Tok::Op(o) if *o == op))
    }

    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::Word(w) => format!("\"{}\"", literal(w).unwrap_or("word")),
            Tok::IoNumber(n) => format!("\"{n}\""),
            Tok::Op(op) => format!("\"{op}\""),
            Tok::Newline => "newline".into(),
            Tok::Eof => "end of file".into(),
        }
    }

    fn unexpected<T>(&mut self) -> Result<T, ParseError> {
        let what = Self::describe(self.peek()?);
        self.error(format!("syntax error: unexpected {what}"))
    }

    fn expect_word(&mut self, word: &str) -> Result<(), ParseError> {
        if self.peek_is_word(word)? {
            self.next()?;
            Ok(())
        } else {
            let what = Self::describe(self.peek()?);
            self.error(format!(
                "syntax error: unexpected {what} (expecting \"{word}\")"
            ))
        }
    }

    pub(super) fn expect_op(&mut self, op: &str) -> Result<(), ParseError> {
        if self.peek_is_op(op)? {
            self.next()?;
            Ok(())
        } else {
            let what = Self::describe(self.peek()?);
            self.error(format!(
                "syntax error: unexpected {what} (expecting \"{op}\")"
            ))
        }
    }

    // ----- grammar -----

    /// The next complete command (one line's worth, with its continuation
    /// lines), or `None` at end of input.
    /// An error with an empty message means ^C abandoned the command.
    pub fn next_command(&mut self) -> Result<Option<Command>, ParseError> {
        let result = self.parse_next();
        if self.interrupted {
            self.interrupted = false;
            self.discard();
            return Err(ParseError {
                line: self.line(),
                message: String::new(),
            });
        }
        result
    }

    fn parse_next(&mut self) -> Result<Option<Command>, ParseError> {
        self.started = false;
        if self.pos >= self.chars.len() && self.peeked.is_none() {
            self.line_base = self.line() - 1;
            self.line_cache = (0, 1);
            self.chars.clear();
            self.pos = 0;
            self.active_aliases.clear();
        }
        self.command_start = self.pos;
        loop {
            match self.peek()? {
                Tok::Newline => {
                    self.next()?;
                    self.started = false;
                }
                Tok::Eof => return Ok(None),
                _ => break,
            }
        }
        let mut items = Vec::new();
        loop {
            let start = self.peek_start()?;
            let command = self.parse_and_or()?;
            let text = self.text_between(start, self.last_end);
            let background = self.peek_is_op("&")?;
            let separated = background || self.peek_is_op(";")?;
            if separated {
                self.next()?;
            }
            items.push(ListItem {
                command,
                background,
                text: text.trim().to_string(),
            });
            match self.peek()? {
                Tok::Newline => {
                    self.next()?;
                    break;
                }
                Tok::Eof => break,
                _ if !separated => return self.unexpected(),
                _ => {}
            }
        }
        Ok(Some(Command::List(items)))
    }

    /// The source text between two positions, for `jobs`.
    fn text_between(&self, start: usize, end: usize) -> String {
        let end = end.min(self.chars.len());
        self.chars[start.min(end)..end].iter().collect()
    }

    /// The input the last command was parsed from, as `set -v` shows it.
    pub fn command_text(&self) -> String {
        let end = self.pos.min(self.chars.len());
        self.chars[self.command_start.min(end)..end]
            .iter()
            .collect()
    }

    /// Whether only blank lines and comments are left: `sh -c` may then run
    /// its last command without forking.
    pub fn at_end(&mut self) -> bool {
        self.source.is_none()
            && self.peeked.is_none()
            && self.chars[self.pos.min(self.chars.len())..]
                .iter()
                .all(|c| c.is_whitespace())
    }

    fn skip_newlines(&mut self) -> Result<(), ParseError> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    fn starts_command(&mut self) -> Result<bool, ParseError> {
        Ok(match self.peek()? {
            Tok::Word(w) => !literal(w).is_some_and(|l| TERMINATORS.contains(&l)),
            Tok::IoNumber(_) => true,
            Tok::Op(op) => !matches!(*op, ")" | ";;" | "&&" | "||" | "|" | ";" | "&"),
            Tok::Newline | Tok::Eof => false,
        })
    }

    pub(super) fn parse_compound_list(&mut self) -> Result<Command, ParseError> {
        self.skip_newlines()?;
        let mut items = Vec::new();
        while self.starts_command()? {
            let start = self.peek_start()?;
            let command = self.parse_and_or()?;
            let text = self.text_between(start, self.last_end);
            let background = self.peek_is_op("&")?;
            let separated = matches!(self.peek()?, Tok::Op("&" | ";") | Tok::Newline);
            if separated {
                self.next()?;
            }
            items.push(ListItem {
                command,
                background,
                text: text.trim().to_string(),
            });
            if !separated {
                break;
            }
            self.skip_newlines()?;
        }
        Ok(Command::List(items))
    }

    /// A compound list that must hold at least one command.
    fn parse_body(&mut self) -> Result<Command, ParseError> {
        let body = self.parse_compound_list()?;
        if matches!(&body, Command::List(items) if items.is_empty()) {
            return self.unexpected();
        }
        Ok(body)
    }

    fn parse_and_or(&mut self) -> Result<Command, ParseError> {
        let first = self.parse_pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = match self.peek()? {
                Tok::Op("&&") => true,
                Tok::Op("||") => false,
                _ => break,
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((and, self.parse_pipeline()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Command::AndOr {
            first: Box::new(first),
            rest,
        })
    }

    fn parse_pipeline(&mut self) -> Result<Command, ParseError> {
        let bang = self.peek_is_word("!")?;
        if bang {
            self.next()?;
        }
        let mut commands = vec![self.parse_command()?];
        while self.peek_is_op("|")? {
            self.next()?;
            self.skip_newlines()?;
            commands.push(self.parse_command()?);
        }
        if !bang && commands.len() == 1 {
            return Ok(commands.pop().expect("one command"));
        }
        Ok(Command::Pipeline { bang, commands })
    }

    /// Replaces an alias at the command position by its text.
    fn expand_alias(&mut self) -> Result<(), ParseError> {
        for _ in 0..100 {
            let start = self.peek_start()?;
            let Tok::Word(word) = self.peek()? else {
                return Ok(());
            };
            let Some(name) = literal(word).map(str::to_string) else {
                return Ok(());
            };
            let Some(value) = self.aliases.get(&name).cloned() else {
                return Ok(());
            };
            self.active_aliases.retain(|(_, end)| *end > start);
            if self.active_aliases.iter().any(|(n, _)| *n == name) {
                return Ok(());
            }
            let end = self.pos;
            let value: Vec<char> = value.chars().collect();
            let delta = value.len() as isize - (end - start) as isize;
            self.chars.splice(start..end, value.iter().copied());
            for (_, e) in &mut self.active_aliases {
                *e = (*e as isize + delta) as usize;
            }
            self.active_aliases.push((name, start + value.len()));
            // An alias ending in a blank makes the word after it an alias too.
            self.alias_next_word = value
                .last()
                .is_some_and(|c| matches!(c, ' ' | '\t'))
                .then_some(start + value.len());
            self.pos = start;
            self.line_cache = (0, 1);
            self.peeked = None;
        }
        Ok(())
    }

    fn parse_command(&mut self) -> Result<Command, ParseError> {
        self.alias_next_word = None;
        if !self.aliases.is_empty() {
            self.expand_alias()?;
        }
        let command = match self.peek()? {
            Tok::Op("(") => {
                self.next()?;
                let body = self.parse_body()?;
                self.expect_op(")")?;
                Command::Subshell(Box::new(body))
            }
            Tok::Word(w) if literal(w).is_some_and(|l| RESERVED.contains(&l)) => {
                let word = literal(w).expect("reserved").to_string();
                match word.as_str() {
                    "{" => {
                        self.next()?;
                        let body = self.parse_body()?;
                        self.expect_word("}")?;
                        Command::Group(Box::new(body))
                    }
                    "if" => self.parse_if()?,
                    "while" | "until" => {
                        self.next()?;
                        let cond = self.parse_body()?;
                        self.expect_word("do")?;
                        let body = self.parse_body()?;
                        self.expect_word("done")?;
                        Command::Loop {
                            until: word == "until",
                            cond: Box::new(cond),
                            body: Box::new(body),
                        }
                    }
                    "for" => self.parse_for()?,
                    "case" => self.parse_case()?,
                    _ => return self.unexpected(),
                }
            }
            _ => return self.parse_simple(),
        };
        let redirs = self.parse_redirs()?;
        if redirs.is_empty() {
            return Ok(command);
        }
        Ok(Command::Redirected {
            command: Box::new(command),
            redirs,
        })
    }

    fn parse_redirs(&mut self) -> Result<Vec<Redir>, ParseError> {
        let mut redirs = Vec::new();
        loop {
            let fd = match self.peek()? {
                Tok::IoNumber(n) => {
                    let n = *n;
                    self.next()?;
                    Some(n)
                }
                Tok::Op(op) if redir_kind(op).is_some() => None,
                _ => return Ok(redirs),
            };
            redirs.push(self.parse_redir(fd)?);
        }
    }

    fn parse_redir(&mut self, fd: Option<i32>) -> Result<Redir, ParseError> {
        let Tok::Op(op) = self.next()? else {
            return self.error("syntax error: redirection expected");
        };
        let Some(kind) = redir_kind(op) else {
            return self.error(format!("syntax error: unexpected \"{op}\""));
        };
        let start = self.peek_start()?;
        let Tok::Word(target) = self.next()? else {
            return self.unexpected();
        };
        let target = Rc::new(RefCell::new(target));
        if kind == RedirKind::HereDoc {
            let raw: String = self.chars[start..self.last_end].iter().collect();
            let quoted = raw.contains(['\'', '"', '\\']);
            let delimiter = raw.replace(['\'', '"', '\\'], "");
            self.heredocs.push(PendingHereDoc {
                delimiter,
                strip_tabs: op == "<<-",
                quoted,
                body: target.clone(),
            });
        }
        Ok(Redir { fd, kind, target })
    }

    fn parse_simple(&mut self) -> Result<Command, ParseError> {
        let line = self.line();
        let mut simple = Simple {
            assigns: Vec::new(),
            words: Vec::new(),
            redirs: Vec::new(),
            line,
        };
        loop {
            match self.peek()? {
                Tok::IoNumber(n) => {
                    let n = *n;
                    self.next()?;
                    simple.redirs.push(self.parse_redir(Some(n))?);
                }
                Tok::Op(op) if redir_kind(op).is_some() => {
                    simple.redirs.push(self.parse_redir(None)?);
                }
                Tok::Word(_) => {
                    if let Some(at) = self.alias_next_word
                        && self.peek_start()? >= at
                    {
                        self.alias_next_word = None;
                        self.expand_alias()?;
                        continue;
                    }
                    let Tok::Word(word) = self.next()? else {
                        unreachable!("peeked a word")
                    };
                    if simple.words.is_empty()
                        && let Some((name, value)) = split_assignment(&word)
                    {
                        simple.assigns.push((name, value));
                        continue;
                    }
                    simple.words.push(word);
                    if simple.words.len() == 1
                        && simple.assigns.is_empty()
                        && simple.redirs.is_empty()
                        && self.peek_is_op("(")?
                    {
                        return self.parse_function(simple.words.pop().expect("one word"));
                    }
                }
                _ => break,
            }
        }
        if simple.assigns.is_empty() && simple.words.is_empty() && simple.redirs.is_empty() {
            return self.unexpected();
        }
        Ok(Command::Simple(simple))
    }

    fn parse_function(&mut self, name: Word) -> Result<Command, ParseError> {
        let name = literal(&name).unwrap_or("").to_string();
        if !is_name(&name) {
            return self.error(format!("syntax error: bad function name \"{name}\""));
        }
        self.expect_op("(")?;
        self.expect_op(")")?;
        self.skip_newlines()?;
        let body = match self.peek()? {
            Tok::Op("(") => self.parse_command()?,
            Tok::Word(w)
                if literal(w)
                    .is_some_and(|l| ["{", "if", "while", "until", "for", "case"].contains(&l)) =>
            {
                self.parse_command()?
            }
            _ => return self.unexpected(),
        };
        Ok(Command::Function {
            name,
            body: Rc::new(body),
        })
    }

    fn parse_if(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.parse_body()?;
            self.expect_word("then")?;
            let body = self.parse_body()?;
            branches.push((cond, body));
            if self.peek_is_word("elif")? {
                self.next()?;
                continue;
            }
            if self.peek_is_word("else")? {
                self.next()?;
                otherwise = Some(Box::new(self.parse_body()?));
            }
            self.expect_word("fi")?;
            break;
        }
        Ok(Command::If {
            branches,
            otherwise,
        })
    }

    fn parse_for(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let var = match self.next()? {
            Tok::Word(w) if literal(&w).is_some_and(is_name) => {
                literal(&w).expect("checked").to_string()
            }
            _ => return self.error("syntax error: bad for loop variable"),
        };
        self.skip_newlines()?;
        let mut words = None;
        if self.peek_is_word("in")? {
            self.next()?;
            let mut list = Vec::new();
            while let Tok::Word(_) = self.peek()? {
                let Tok::Word(w) = self.next()? else {
                    unreachable!("peeked a word")
                };
                list.push(w);
            }
            words = Some(list);
            match self.peek()? {
                Tok::Op(";") | Tok::Newline => {
                    self.next()?;
                }
                _ => return self.unexpected(),
            }
            self.skip_newlines()?;
        } else if self.peek_is_op(";")? {
            self.next()?;
            self.skip_newlines()?;
        }
        self.expect_word("do")?;
        let body = self.parse_body()?;
        self.expect_word("done")?;
        Ok(Command::For {
            var,
            words,
            body: Box::new(body),
        })
    }

    fn parse_case(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let Tok::Word(word) = self.next()? else {
            return self.unexpected();
        };
        self.skip_newlines()?;
        self.expect_word("in")?;
        self.skip_newlines()?;
        let mut arms = Vec::new();
        while !self.peek_is_word("esac")? {
            if self.peek_is_op("(")? {
                self.next()?;
            }
            let mut patterns = Vec::new();
            loop {
                let Tok::Word(pattern) = self.next()? else {
                    return self.error("syntax error: bad case pattern");
                };
                patterns.push(pattern);
                if self.peek_is_op("|")? {
                    self.next()?;
                } else {
                    break;
                }
            }
            self.expect_op(")")?;
            let body = self.parse_compound_list()?;
            let body = match body {
                Command::List(items) if items.is_empty() => None,
                body => Some(body),
            };
            arms.push(CaseArm { patterns, body });
            if self.peek_is_op(";;")? {
                self.next()?;
                self.skip_newlines()?;
            } else if !self.peek_is_word("esac")? {
                return self.unexpected();
            }
        }
        self.next()?;
        Ok(Command::Case { word, arms })
    }
}

fn redir_kind(op: &str) -> Option<RedirKind> {
    Some(match op {
        "<" => RedirKind::Input,
        ">" => RedirKind::Output,
        ">|" => RedirKind::Clobber,
        ">>" => RedirKind::Append,
        "<>" => RedirKind::ReadWrite,
        "<&" => RedirKind::DupInput,
        ">&" => RedirKind::DupOutput,
        "<<" | "<<-" => RedirKind::HereDoc,
        _ => return None,
    })
}

/// `NAME=value` as an assignment: the name and the value's word.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let Some(WordPart::Lit(first)) = word.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let name = &first[..eq];
    if !is_name(name) {
        return None;
    }
    let mut value = Vec::new();
    if eq + 1 < first.len() {
        value.push(WordPart::Lit(first[eq + 1..].to_string()));
    }
    value.extend(word[1..].iter().cloned());
    Some((name.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Command {
        Parser::parse_all(text).unwrap()
    }

    #[test]
    fn nested_substitution_with_case() {
        let c = parse("echo $(case x in x) echo ok;; esac)\n");
        assert!(format!("{c:?}").contains("Case"));
    }

    #[test]
    fn heredoc_bodies_follow_the_line() {
        let c = parse("cat <<A; cat <<-'B'\nhello $x\nA\n\tworld\n\tB\necho done\n");
        let text = format!("{c:?}");
        assert!(text.contains("Quoted(\"world\\n\")"), "{text}");
        assert!(text.contains("Lit(\"hello \")"), "{text}");
    }

    #[test]
    pub(super) fn errors_carry_the_line() {
        let e = Parser::parse_all("echo a\nif true; then\nfi\n").unwrap_err();
        assert_eq!(e.line, 3);
    }
}
