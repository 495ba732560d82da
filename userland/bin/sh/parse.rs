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

use super::ast::{
    CaseArm, Command, ListItem, Param, ParamOp, Redir, RedirKind, Simple, Word, WordPart, literal,
};

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
enum Tok {
    Word(Word),
    IoNumber(i32),
    Op(&'static str),
    Newline,
    Eof,
}

/// Longest first, so `<<-` wins over `<<` and `<`.
const OPERATORS: &[&str] = &[
    "<<-", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", "&", "|", ";", "<", ">", "(", ")",
];

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "{",
    "}", "!", "in",
];

/// Reserved words that end a compound list.
const TERMINATORS: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}"];

struct PendingHereDoc {
    delimiter: String,
    strip_tabs: bool,
    quoted: bool,
    body: Rc<RefCell<Word>>,
}

pub struct Parser {
    chars: Vec<char>,
    pos: usize,
    source: Option<Box<dyn LineSource>>,
    ps1: String,
    ps2: String,
    /// A line of the current command has been read: more lines get PS2.
    started: bool,
    peeked: Option<(Tok, usize)>,
    /// Where the last consumed token ended, for the source text of jobs.
    last_end: usize,
    heredocs: Vec<PendingHereDoc>,
    aliases: HashMap<String, String>,
    /// Aliases being expanded and where their text ends, so `alias ls='ls -F'`
    /// does not expand forever.
    active_aliases: Vec<(String, usize)>,
    line_base: usize,
    line_cache: (usize, usize),
    /// The source said end of file: do not ask it again.
    source_done: bool,
    /// ^C abandoned the command being read.
    interrupted: bool,
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

    fn error<T>(&mut self, message: impl Into<String>) -> Result<T, ParseError> {
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

    // ----- characters -----

    fn refill(&mut self) -> bool {
        let done = self.source_done || self.interrupted;
        let Some(source) = self.source.as_mut().filter(|_| !done) else {
            return false;
        };
        let prompt = if self.started { &self.ps2 } else { &self.ps1 };
        self.started = true;
        match source.read_line(prompt) {
            Some(line) => {
                self.chars.extend(line.chars());
                true
            }
            None => {
                if source.take_interrupt() {
                    self.interrupted = true;
                } else {
                    self.source_done = true;
                }
                false
            }
        }
    }

    fn peek_char(&mut self) -> Option<char> {
        if self.pos >= self.chars.len() && !self.refill() {
            return None;
        }
        self.chars.get(self.pos).copied()
    }

    fn char_after(&mut self, offset: usize) -> Option<char> {
        while self.pos + offset >= self.chars.len() {
            if !self.refill() {
                return None;
            }
        }
        self.chars.get(self.pos + offset).copied()
    }

    // ----- tokens -----

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

    fn expect_op(&mut self, op: &str) -> Result<(), ParseError> {
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

    /// Returns the token and where it started.
    fn lex(&mut self) -> Result<(usize, Tok), ParseError> {
        loop {
            match self.peek_char() {
                Some(' ' | '\t') => self.pos += 1,
                Some('\\') if self.char_after(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while !matches!(self.peek_char(), Some('\n') | None) {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            self.read_heredocs()?;
            return Ok((start, Tok::Eof));
        };
        if c == '\n' {
            self.pos += 1;
            self.read_heredocs()?;
            return Ok((start, Tok::Newline));
        }
        for op in OPERATORS {
            if op
                .chars()
                .enumerate()
                .all(|(i, oc)| self.chars.get(self.pos + i) == Some(&oc))
            {
                self.pos += op.len();
                return Ok((start, Tok::Op(op)));
            }
        }
        let word = self.read_word()?;
        if let Some(digits) = literal(&word)
            && digits.bytes().all(|b| b.is_ascii_digit())
            && matches!(self.chars.get(self.pos), Some('<' | '>'))
            && let Ok(n) = digits.parse()
        {
            return Ok((start, Tok::IoNumber(n)));
        }
        Ok((start, Tok::Word(word)))
    }

    // ----- words -----

    fn flush(lit: &mut String, parts: &mut Word) {
        if !lit.is_empty() {
            parts.push(WordPart::Lit(std::mem::take(lit)));
        }
    }

    fn read_word(&mut self) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.peek_char() {
            match c {
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
                '\\' => {
                    self.pos += 1;
                    match self.peek_char() {
                        Some('\n') => self.pos += 1,
                        Some(c) => {
                            Self::flush(&mut lit, &mut parts);
                            parts.push(WordPart::Quoted(c.to_string()));
                            self.pos += 1;
                        }
                        None => lit.push('\\'),
                    }
                }
                '\'' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(WordPart::Quoted(self.read_single()?));
                }
                '"' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(WordPart::Double(self.read_double()?));
                }
                '$' => match self.read_dollar(false)? {
                    Some(part) => {
                        Self::flush(&mut lit, &mut parts);
                        parts.push(part);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(self.read_backquote(false)?);
                }
                c => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        Self::flush(&mut lit, &mut parts);
        Ok(parts)
    }

    fn read_single(&mut self) -> Result<String, ParseError> {
        let mut text = String::new();
        loop {
            match self.peek_char() {
                Some('\'') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
                None => return self.error("syntax error: unterminated quoted string"),
            }
        }
    }

    fn read_double(&mut self) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return self.error("syntax error: unterminated quoted string");
            };
            match c {
                '"' => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek_char() {
                        Some('\n') => self.pos += 1,
                        Some(c @ ('$' | '`' | '"' | '\\')) => {
                            lit.push(c);
                            self.pos += 1;
                        }
                        _ => lit.push('\\'),
                    }
                }
                '$' => match self.read_dollar(true)? {
                    Some(part) => {
                        Self::flush(&mut lit, &mut parts);
                        parts.push(part);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(self.read_backquote(true)?);
                }
                c => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        Self::flush(&mut lit, &mut parts);
        Ok(parts)
    }

    /// The whole text as a here-document body: a prompt's parameters.
    pub fn here_word(mut self) -> Result<Word, ParseError> {
        self.read_here_word()
    }

    /// The body of a here-document or `$((...))`: only `$`, `` ` `` and `\`
    /// are special. Reads the whole (string) input.
    fn read_here_word(&mut self) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        while let Some(c) = self.peek_char() {
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek_char() {
                        Some('\n') => self.pos += 1,
                        Some(c @ ('$' | '`' | '\\')) => {
                            lit.push(c);
                            self.pos += 1;
                        }
                        _ => lit.push('\\'),
                    }
                }
                '$' => match self.read_dollar(true)? {
                    Some(part) => {
                        Self::flush(&mut lit, &mut parts);
                        parts.push(part);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(self.read_backquote(true)?);
                }
                c => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        Self::flush(&mut lit, &mut parts);
        Ok(parts)
    }

    /// At a `$`: the expansion it starts, or `None` for a plain dollar sign.
    fn read_dollar(&mut self, in_double: bool) -> Result<Option<WordPart>, ParseError> {
        let next = self.char_after(1);
        match next {
            Some('{') => {
                self.pos += 2;
                self.read_braced(in_double).map(Some)
            }
            Some('(') if self.char_after(2) == Some('(') => {
                self.pos += 3;
                self.read_arith().map(Some)
            }
            Some('(') => {
                self.pos += 2;
                let saved_started = self.started;
                let body = self.parse_compound_list()?;
                self.expect_op(")")?;
                self.started = saved_started || self.started;
                Ok(Some(WordPart::Command(Rc::new(body))))
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                self.pos += 1;
                let mut name = String::new();
                while let Some(c) = self.chars.get(self.pos).copied() {
                    if c == '_' || c.is_ascii_alphanumeric() {
                        name.push(c);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Ok(Some(plain_param(name)))
            }
            Some(c) if c.is_ascii_digit() || "@*#?-$!".contains(c) => {
                self.pos += 2;
                Ok(Some(plain_param(c.to_string())))
            }
            _ => {
                self.pos += 1;
                Ok(None)
            }
        }
    }

    fn read_braced(&mut self, in_double: bool) -> Result<WordPart, ParseError> {
        let mut op = ParamOp::Plain;
        if self.peek_char() == Some('#') {
            let after = self.char_after(1);
            if matches!(after, Some(c) if c == '_' || c.is_ascii_alphanumeric() || "@*#?-$!".contains(c))
                && !(after == Some('-') && self.char_after(2) != Some('}'))
            {
                op = ParamOp::Length;
                self.pos += 1;
            }
        }
        let mut name = String::new();
        match self.peek_char() {
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                while let Some(c) = self.peek_char() {
                    if c == '_' || c.is_ascii_alphanumeric() {
                        name.push(c);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek_char().filter(char::is_ascii_digit) {
                    name.push(c);
                    self.pos += 1;
                }
            }
            Some(c) if "@*#?-$!".contains(c) => {
                name.push(c);
                self.pos += 1;
            }
            _ => return self.error("syntax error: bad substitution"),
        }
        let mut colon = false;
        if op == ParamOp::Plain {
            if self.peek_char() == Some(':') {
                colon = true;
                self.pos += 1;
            }
            op = match (self.peek_char(), self.char_after(1)) {
                (Some('}'), _) if !colon => ParamOp::Plain,
                (Some('-'), _) => ParamOp::Default,
                (Some('='), _) => ParamOp::Assign,
                (Some('?'), _) => ParamOp::Error,
                (Some('+'), _) => ParamOp::Alternative,
                (Some('%'), Some('%')) if !colon => ParamOp::LargestSuffix,
                (Some('%'), _) if !colon => ParamOp::SmallestSuffix,
                (Some('#'), Some('#')) if !colon => ParamOp::LargestPrefix,
                (Some('#'), _) if !colon => ParamOp::SmallestPrefix,
                _ => return self.error("syntax error: bad substitution"),
            };
            match op {
                ParamOp::Plain => {}
                ParamOp::LargestPrefix | ParamOp::LargestSuffix => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        let word = if op == ParamOp::Plain || op == ParamOp::Length {
            if self.peek_char() != Some('}') {
                return self.error("syntax error: bad substitution");
            }
            self.pos += 1;
            Vec::new()
        } else {
            self.read_param_word(in_double)?
        };
        Ok(WordPart::Param(Box::new(Param {
            name,
            op,
            colon,
            word,
        })))
    }

    /// The word of `${x-word}`, up to the closing brace.
    fn read_param_word(&mut self, in_double: bool) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return self.error("syntax error: missing '}'");
            };
            match c {
                '}' => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek_char() {
                        Some('\n') => self.pos += 1,
                        Some(c) if !in_double || "$`\"\\}".contains(c) => {
                            Self::flush(&mut lit, &mut parts);
                            parts.push(WordPart::Quoted(c.to_string()));
                            self.pos += 1;
                        }
                        _ => lit.push('\\'),
                    }
                }
                '\'' if !in_double => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(WordPart::Quoted(self.read_single()?));
                }
                '"' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(WordPart::Double(self.read_double()?));
                }
                '$' => match self.read_dollar(in_double)? {
                    Some(part) => {
                        Self::flush(&mut lit, &mut parts);
                        parts.push(part);
                    }
                    None => lit.push('$'),
                },
                '`' => {
                    Self::flush(&mut lit, &mut parts);
                    self.pos += 1;
                    parts.push(self.read_backquote(in_double)?);
                }
                c => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
        }
        Self::flush(&mut lit, &mut parts);
        Ok(parts)
    }

    /// After `$((`: the text up to the matching `))`.
    fn read_arith(&mut self) -> Result<WordPart, ParseError> {
        let mut text = String::new();
        let mut depth = 0;
        loop {
            match self.peek_char() {
                None => return self.error("syntax error: missing '))'"),
                Some('(') => depth += 1,
                Some(')') if depth == 0 => {
                    if self.char_after(1) != Some(')') {
                        return self.error("syntax error: missing '))'");
                    }
                    self.pos += 2;
                    break;
                }
                Some(')') => depth -= 1,
                _ => {}
            }
            text.push(self.chars[self.pos]);
            self.pos += 1;
        }
        let word = Parser::from_str(&text).read_here_word()?;
        Ok(WordPart::Arith(word))
    }

    fn read_backquote(&mut self, in_double: bool) -> Result<WordPart, ParseError> {
        let mut text = String::new();
        loop {
            match self.peek_char() {
                None => return self.error("syntax error: unterminated backquote"),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek_char() {
                        Some(c @ ('$' | '`' | '\\')) => {
                            text.push(c);
                            self.pos += 1;
                        }
                        Some('"') if in_double => {
                            text.push('"');
                            self.pos += 1;
                        }
                        _ => text.push('\\'),
                    }
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        let line = self.line();
        let body = Parser::parse_all(&text).map_err(|e| ParseError {
            line: line + e.line - 1,
            message: e.message,
        })?;
        Ok(WordPart::Command(Rc::new(body)))
    }

    fn read_heredocs(&mut self) -> Result<(), ParseError> {
        for here in std::mem::take(&mut self.heredocs) {
            let mut body = String::new();
            loop {
                let mut line = String::new();
                let mut ended = false;
                loop {
                    match self.peek_char() {
                        None => break,
                        Some('\n') => {
                            self.pos += 1;
                            ended = true;
                            break;
                        }
                        Some(c) => {
                            line.push(c);
                            self.pos += 1;
                        }
                    }
                }
                let line = if here.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    &line
                };
                if line == here.delimiter || (!ended && line.is_empty()) {
                    break;
                }
                body.push_str(line);
                body.push('\n');
                if !ended {
                    break;
                }
            }
            let word = if here.quoted {
                vec![WordPart::Quoted(body)]
            } else {
                Parser::from_str(&body).read_here_word()?
            };
            *here.body.borrow_mut() = word;
        }
        Ok(())
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
            let text: String = self.chars[start..self.last_end.max(start)].iter().collect();
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

    fn parse_compound_list(&mut self) -> Result<Command, ParseError> {
        self.skip_newlines()?;
        let mut items = Vec::new();
        while self.starts_command()? {
            let start = self.peek_start()?;
            let command = self.parse_and_or()?;
            let text: String = self.chars[start..self.last_end.max(start)].iter().collect();
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
            self.pos = start;
            self.line_cache = (0, 1);
            self.peeked = None;
        }
        Ok(())
    }

    fn parse_command(&mut self) -> Result<Command, ParseError> {
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

fn plain_param(name: String) -> WordPart {
    WordPart::Param(Box::new(Param {
        name,
        op: ParamOp::Plain,
        colon: false,
        word: Vec::new(),
    }))
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
    fn errors_carry_the_line() {
        let e = Parser::parse_all("echo a\nif true; then\nfi\n").unwrap_err();
        assert_eq!(e.line, 3);
    }
}
