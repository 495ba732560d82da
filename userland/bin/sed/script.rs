//! Parsing a sed script into commands.

use crate::r#grep::pattern::{self, Compiled, Syntax};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::rc::Rc;

/// Where a command writes with `w`: shared by every command naming the file.
pub enum Sink {
    Stdout,
    Stderr,
    File(BufWriter<File>),
}

impl Sink {
    /// Writes a line; [`Sink::Stdout`] is the caller's to write, in order
    /// with the rest of the output.
    pub fn write_line(&mut self, text: &str) -> io::Result<()> {
        match self {
            Sink::Stdout => Ok(()),
            Sink::Stderr => writeln!(io::stderr().lock(), "{text}"),
            Sink::File(file) => writeln!(file, "{text}"),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            _ => Ok(()),
        }
    }
}

/// A regex of an address or `s` command; `None` means "the last regex used".
pub type Pattern = Option<Rc<Compiled>>;

pub enum Address {
    Line(u64),
    Last,
    Match(Pattern),
    /// GNU `first~step`.
    Step(u64, u64),
}

pub enum RangeEnd {
    To(Address),
    /// GNU `addr,+N`: N more lines.
    Plus(u64),
    /// GNU `addr,~N`: up to the next line number that is a multiple of N.
    Multiple(u64),
}

pub enum Piece {
    Text(String),
    Whole,
    Group(usize),
}

pub struct Substitute {
    pub pattern: Pattern,
    pub replacement: Vec<Piece>,
    pub global: bool,
    /// Replace from the Nth match on (1 without a number flag).
    pub occurrence: usize,
    pub print: bool,
    pub write: Option<usize>,
}

pub enum Kind {
    /// `{`: the index of its `}`.
    Block(usize),
    EndBlock,
    Substitute(Box<Substitute>),
    Translate(Vec<(char, char)>),
    Append(String),
    Insert(String),
    Change(String),
    /// `b`, `t`, `T` with the index they jump to (the script's length: its end).
    Branch(usize),
    BranchIfSubstituted(usize),
    BranchUnlessSubstituted(usize),
    Label,
    Delete,
    DeleteFirstLine,
    Print,
    PrintFirstLine,
    Next,
    AppendNext,
    Get,
    GetAppend,
    Hold,
    HoldAppend,
    Exchange,
    LineNumber,
    List(usize),
    Quit(i32),
    QuitSilently(i32),
    ReadFile(String),
    /// GNU `R`: the next line of the file.
    ReadLine(String),
    WriteFile(usize),
    /// GNU `W`: the first line of the pattern space.
    WriteFirstLine(usize),
    Zap,
}

pub struct Command {
    pub first: Option<Address>,
    pub last: Option<RangeEnd>,
    pub negated: bool,
    pub kind: Kind,
}

pub struct Script {
    pub commands: Vec<Command>,
    pub sinks: Vec<(String, Sink)>,
    /// The script began with `#n`: as `-n`.
    pub quiet: bool,
}

struct Parser {
    chars: Vec<char>,
    i: usize,
    syntax: Syntax,
    script: Script,
    /// Branches to resolve once every label is known: (command, label).
    branches: Vec<(usize, String)>,
    labels: Vec<(String, usize)>,
    blocks: Vec<usize>,
    seen_regex: bool,
}

/// Parses a whole script (the `-e` and `-f` parts joined by newlines).
pub fn parse(text: &str, syntax: Syntax) -> Result<Script, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        i: 0,
        syntax,
        script: Script {
            commands: Vec::new(),
            sinks: Vec::new(),
            quiet: text.starts_with("#n\n") || text == "#n",
        },
        branches: Vec::new(),
        labels: Vec::new(),
        blocks: Vec::new(),
        seen_regex: false,
    };
    parser
        .commands()
        .map_err(|e| format!("-e expression #1, char {}: {e}", parser.i))?;
    if !parser.blocks.is_empty() {
        return Err("-e expression #1, char 0: unmatched `{'".into());
    }
    let end = parser.script.commands.len();
    for (index, label) in std::mem::take(&mut parser.branches) {
        let target = if label.is_empty() {
            end
        } else {
            match parser.labels.iter().find(|(name, _)| *name == label) {
                Some((_, at)) => *at,
                None => return Err(format!("can't find label for jump to `{label}'")),
            }
        };
        match &mut parser.script.commands[index].kind {
            Kind::Branch(t) | Kind::BranchIfSubstituted(t) | Kind::BranchUnlessSubstituted(t) => {
                *t = target
            }
            _ => unreachable!("only branches are recorded"),
        }
    }
    Ok(parser.script)
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    fn commands(&mut self) -> Result<(), String> {
        loop {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | ';')) {
                self.i += 1;
            }
            let Some(c) = self.peek() else {
                return Ok(());
            };
            if c == '#' {
                while !matches!(self.peek(), None | Some('\n')) {
                    self.i += 1;
                }
                continue;
            }
            self.command()?;
        }
    }

    fn command(&mut self) -> Result<(), String> {
        let first = self.address()?;
        let mut last = None;
        if first.is_some() && self.peek() == Some(',') {
            self.i += 1;
            self.skip_blanks();
            last = Some(match self.peek() {
                Some('+') => {
                    self.i += 1;
                    RangeEnd::Plus(self.number().ok_or("expected a number after +")?)
                }
                Some('~') => {
                    self.i += 1;
                    RangeEnd::Multiple(self.number().ok_or("expected a number after ~")?)
                }
                _ => RangeEnd::To(self.address()?.ok_or("unexpected `,'")?),
            });
        }
        if let Some(Address::Line(0)) = first
            && !matches!(last, Some(RangeEnd::To(Address::Match(_))))
        {
            return Err("invalid usage of line address 0".into());
        }
        self.skip_blanks();
        let mut negated = false;
        while self.peek() == Some('!') {
            negated = true;
            self.i += 1;
            self.skip_blanks();
        }
        let Some(letter) = self.peek() else {
            return Err("missing command".into());
        };
        self.i += 1;
        let has_address = first.is_some();
        let index = self.script.commands.len();
        let kind = match letter {
            '{' => {
                self.blocks.push(index);
                Kind::Block(0)
            }
            '}' => {
                if has_address || negated {
                    return Err("} doesn't want any addresses".into());
                }
                let open = self.blocks.pop().ok_or("unexpected `}'")?;
                self.script.commands[open].kind = Kind::Block(index);
                Kind::EndBlock
            }
            's' => self.substitute()?,
            'y' => self.translate()?,
            'a' => Kind::Append(self.text()?),
            'i' => Kind::Insert(self.text()?),
            'c' => Kind::Change(self.text()?),
            ':' => {
                if has_address {
                    return Err(": doesn't want any addresses".into());
                }
                let label = self.label();
                if label.is_empty() {
                    return Err("\":\" lacks a label".into());
                }
                self.labels.push((label, index));
                Kind::Label
            }
            'b' | 't' | 'T' => {
                let label = self.label();
                self.branches.push((index, label));
                match letter {
                    'b' => Kind::Branch(0),
                    't' => Kind::BranchIfSubstituted(0),
                    _ => Kind::BranchUnlessSubstituted(0),
                }
            }
            'd' => Kind::Delete,
            'D' => Kind::DeleteFirstLine,
            'p' => Kind::Print,
            'P' => Kind::PrintFirstLine,
            'n' => Kind::Next,
            'N' => Kind::AppendNext,
            'g' => Kind::Get,
            'G' => Kind::GetAppend,
            'h' => Kind::Hold,
            'H' => Kind::HoldAppend,
            'x' => Kind::Exchange,
            'z' => Kind::Zap,
            '=' => Kind::LineNumber,
            'l' => {
                self.skip_blanks();
                Kind::List(self.number().map_or(70, |n| n as usize))
            }
            'q' | 'Q' => {
                self.skip_blanks();
                let status = self.number().unwrap_or(0) as i32;
                if letter == 'q' {
                    Kind::Quit(status)
                } else {
                    Kind::QuitSilently(status)
                }
            }
            'r' => Kind::ReadFile(self.filename()?),
            'R' => Kind::ReadLine(self.filename()?),
            'w' | 'W' => {
                let name = self.filename()?;
                let sink = self.sink(name)?;
                if letter == 'w' {
                    Kind::WriteFile(sink)
                } else {
                    Kind::WriteFirstLine(sink)
                }
            }
            other => return Err(format!("unknown command: `{other}'")),
        };
        let opens_block = matches!(kind, Kind::Block(_));
        self.script.commands.push(Command {
            first,
            last,
            negated,
            kind,
        });
        if opens_block {
            return Ok(());
        }
        self.end_of_command()
    }

    fn end_of_command(&mut self) -> Result<(), String> {
        self.skip_blanks();
        match self.peek() {
            None | Some(';' | '\n' | '}' | '#') => Ok(()),
            Some(_) => Err("extra characters after command".into()),
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.chars[start..self.i]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn address(&mut self) -> Result<Option<Address>, String> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let n = self.number().ok_or("invalid line number")?;
                if self.peek() == Some('~') {
                    self.i += 1;
                    let step = self.number().unwrap_or(0);
                    return Ok(Some(Address::Step(n, step)));
                }
                Ok(Some(Address::Line(n)))
            }
            Some('$') => {
                self.i += 1;
                Ok(Some(Address::Last))
            }
            Some('/') => {
                self.i += 1;
                Ok(Some(Address::Match(self.address_regex('/')?)))
            }
            Some('\\') => {
                self.i += 1;
                let delimiter = self.peek().ok_or("unexpected end of script")?;
                self.i += 1;
                Ok(Some(Address::Match(self.address_regex(delimiter)?)))
            }
            _ => Ok(None),
        }
    }

    fn address_regex(&mut self, delimiter: char) -> Result<Pattern, String> {
        let text = self
            .delimited(delimiter, true)
            .ok_or("unterminated address regex")?;
        let mut ignore_case = false;
        while matches!(self.peek(), Some('I')) {
            ignore_case = true;
            self.i += 1;
        }
        self.regex(&text, ignore_case)
    }

    fn regex(&mut self, text: &str, ignore_case: bool) -> Result<Pattern, String> {
        if text.is_empty() {
            if !self.seen_regex {
                return Err("no previous regular expression".into());
            }
            return Ok(None);
        }
        self.seen_regex = true;
        pattern::compile(text, self.syntax, ignore_case).map(|r| Some(Rc::new(r)))
    }

    /// Reads up to the unescaped `delimiter`. In a regex an escaped
    /// delimiter stands for itself; elsewhere escapes are kept for the caller.
    fn delimited(&mut self, delimiter: char, is_regex: bool) -> Option<String> {
        let mut text = String::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            if c == delimiter {
                return Some(text);
            }
            if c == '\\' {
                let next = self.peek()?;
                self.i += 1;
                if next == delimiter && is_regex {
                    if next.is_ascii_alphanumeric() {
                        text.push(next);
                    } else {
                        // `s|a\|b|` means a literal `|`, whatever `\|` means in a regex.
                        text.push('[');
                        text.push(next);
                        text.push(']');
                    }
                } else if next == delimiter {
                    text.push(next);
                } else if next == '\n' && is_regex {
                    text.push_str("\\n");
                } else {
                    text.push('\\');
                    text.push(next);
                }
            } else if c == '\n' && is_regex {
                return None;
            } else {
                text.push(c);
            }
        }
    }

    fn substitute(&mut self) -> Result<Kind, String> {
        let delimiter = self.peek().ok_or("unterminated `s' command")?;
        if delimiter == '\n' || delimiter == '\\' {
            return Err("unterminated `s' command".into());
        }
        self.i += 1;
        let regex_text = self
            .delimited(delimiter, true)
            .ok_or("unterminated `s' command")?;
        let replacement_text = self
            .delimited(delimiter, false)
            .ok_or("unterminated `s' command")?;
        let mut command = Substitute {
            pattern: None,
            replacement: replacement(&replacement_text),
            global: false,
            occurrence: 1,
            print: false,
            write: None,
        };
        let mut ignore_case = false;
        loop {
            match self.peek() {
                Some('g') => command.global = true,
                Some('p') => command.print = true,
                Some('I' | 'i') => ignore_case = true,
                Some(c) if c.is_ascii_digit() => {
                    let n = self.number().unwrap_or(0);
                    if n == 0 {
                        return Err("number option to `s' command may not be zero".into());
                    }
                    command.occurrence = n as usize;
                    continue;
                }
                Some('w') => {
                    self.i += 1;
                    let name = self.filename()?;
                    command.write = Some(self.sink(name)?);
                    break;
                }
                Some(';' | '\n' | '}' | '#' | ' ' | '\t') | None => break,
                Some(_) => return Err("unknown option to `s'".into()),
            }
            self.i += 1;
        }
        command.pattern = self.regex(&regex_text, ignore_case)?;
        if let Some(regex) = &command.pattern {
            let groups = regex.engine.captures_len() - 1;
            for piece in &command.replacement {
                if let Piece::Group(n) = piece
                    && *n > groups
                {
                    return Err(format!("invalid reference \\{n} on `s' command's RHS"));
                }
            }
        }
        Ok(Kind::Substitute(Box::new(command)))
    }

    fn translate(&mut self) -> Result<Kind, String> {
        let delimiter = self.peek().ok_or("unterminated `y' command")?;
        self.i += 1;
        let unescape = |text: String| -> Vec<char> {
            let mut out = Vec::new();
            let mut chars = text.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(other) => out.push(other),
                        None => out.push('\\'),
                    }
                } else {
                    out.push(c);
                }
            }
            out
        };
        let from = unescape(
            self.delimited(delimiter, false)
                .ok_or("unterminated `y' command")?,
        );
        let to = unescape(
            self.delimited(delimiter, false)
                .ok_or("unterminated `y' command")?,
        );
        if from.len() != to.len() {
            return Err("strings for `y' command are different lengths".into());
        }
        Ok(Kind::Translate(from.into_iter().zip(to).collect()))
    }

    /// The text of `a`, `i` and `c`: GNU's one-line form `a text` or POSIX's
    /// `a\` newline text, continued over lines ending in a backslash.
    fn text(&mut self) -> Result<String, String> {
        self.skip_blanks();
        if self.peek() == Some('\\') {
            self.i += 1;
            if self.peek() == Some('\n') {
                self.i += 1;
            }
        }
        let mut text = String::new();
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                '\n' => break,
                '\\' => match self.peek() {
                    Some(next) => {
                        self.i += 1;
                        text.push(next);
                    }
                    None => break,
                },
                _ => text.push(c),
            }
        }
        Ok(text)
    }

    /// A label of `:`, `b`, `t`, `T`: up to a newline or semicolon.
    fn label(&mut self) -> String {
        self.skip_blanks();
        let start = self.i;
        while !matches!(self.peek(), None | Some('\n' | ';')) {
            self.i += 1;
        }
        self.chars[start..self.i]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string()
    }

    /// A file name of `r` and `w`: the rest of the line.
    fn filename(&mut self) -> Result<String, String> {
        self.skip_blanks();
        let start = self.i;
        while !matches!(self.peek(), None | Some('\n')) {
            self.i += 1;
        }
        let name: String = self.chars[start..self.i].iter().collect();
        if name.is_empty() {
            return Err("missing filename in r/R/w/W commands".into());
        }
        Ok(name)
    }

    /// The sink for a `w` file, opened (and emptied) now, as POSIX says.
    fn sink(&mut self, name: String) -> Result<usize, String> {
        if let Some(at) = self.script.sinks.iter().position(|(n, _)| *n == name) {
            return Ok(at);
        }
        let sink = match name.as_str() {
            "/dev/stdout" => Sink::Stdout,
            "/dev/stderr" => Sink::Stderr,
            _ => Sink::File(BufWriter::new(File::create(&name).map_err(|e| {
                format!("couldn't open file {name}: {}", crate::common::strerror(&e))
            })?)),
        };
        self.script.sinks.push((name, sink));
        Ok(self.script.sinks.len() - 1)
    }
}

/// Parses the replacement of `s`: `&`, `\1`..`\9`, `\n`, escaped characters.
fn replacement(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars();
    let flush = |literal: &mut String, pieces: &mut Vec<Piece>| {
        if !literal.is_empty() {
            pieces.push(Piece::Text(std::mem::take(literal)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '&' => {
                flush(&mut literal, &mut pieces);
                pieces.push(Piece::Whole);
            }
            '\\' => match chars.next() {
                Some(d @ '0'..='9') => {
                    flush(&mut literal, &mut pieces);
                    let n = d as usize - '0' as usize;
                    pieces.push(if n == 0 {
                        Piece::Whole
                    } else {
                        Piece::Group(n)
                    });
                }
                Some('n') => literal.push('\n'),
                Some('t') => literal.push('\t'),
                Some(other) => literal.push(other),
                None => literal.push('\\'),
            },
            _ => literal.push(c),
        }
    }
    flush(&mut literal, &mut pieces);
    pieces
}
