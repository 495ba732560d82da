//! The lexer half of the parser: characters (with more lines read on
//! demand), tokens, and the parts of words: quotes, `$name`, `${...}`,
//! `$(...)` (parsed by the grammar half), `$((...))`, backquotes and
//! here-document bodies.

use std::rc::Rc;

use super::ast::{Param, ParamOp, Word, WordPart, literal};
use super::parse::{OPERATORS, ParseError, Parser, Tok};

impl Parser {
    pub(super) fn refill(&mut self) -> bool {
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

    pub(super) fn peek_char(&mut self) -> Option<char> {
        if self.pos >= self.chars.len() && !self.refill() {
            return None;
        }
        self.chars.get(self.pos).copied()
    }

    pub(super) fn char_after(&mut self, offset: usize) -> Option<char> {
        while self.pos + offset >= self.chars.len() {
            if !self.refill() {
                return None;
            }
        }
        self.chars.get(self.pos + offset).copied()
    }

    /// Returns the token and where it started.
    pub(super) fn lex(&mut self) -> Result<(usize, Tok), ParseError> {
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
            // A pattern is quoted on its own, even inside double quotes:
            // `"${x%'c'}"` removes a c.
            let pattern = matches!(
                op,
                ParamOp::SmallestSuffix
                    | ParamOp::LargestSuffix
                    | ParamOp::SmallestPrefix
                    | ParamOp::LargestPrefix
            );
            self.read_param_word(in_double && !pattern)?
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
}

fn plain_param(name: String) -> WordPart {
    WordPart::Param(Box::new(Param {
        name,
        op: ParamOp::Plain,
        colon: false,
        word: Vec::new(),
    }))
}
