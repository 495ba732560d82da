//! The expression of `find`: parsed from the arguments after the paths into
//! a tree of tests, operators and actions.

use crate::r#chmod::Mode;
use crate::r#ls::ids::Ids;
use std::ffi::CString;
use std::os::unix::fs::MetadataExt;

/// `+n`, `-n` or `n` of the numeric tests.
#[derive(Debug, Clone, Copy)]
pub enum Cmp {
    More,
    Less,
    Equal,
}

impl Cmp {
    pub fn test(self, value: i64, n: i64) -> bool {
        match self {
            Cmp::More => value > n,
            Cmp::Less => value < n,
            Cmp::Equal => value == n,
        }
    }
}

#[derive(Debug)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    True,
    False,
    Name {
        pattern: CString,
        fold: bool,
    },
    Path {
        pattern: CString,
        fold: bool,
    },
    /// The S_IFMT values accepted.
    Type(Vec<u32>),
    Size {
        cmp: Cmp,
        n: i64,
        unit: u64,
    },
    /// `-mtime` and friends: `which` is a, c or m; `unit` is 86400 or 60 seconds.
    Age {
        cmp: Cmp,
        n: i64,
        unit: i64,
        which: char,
    },
    Newer(i64, i64),
    /// `how` is `-` (all bits), `/` (any bit) or `=` (exactly).
    Perm {
        mode: u32,
        how: char,
    },
    User(u32),
    Group(u32),
    Empty,
    Prune,
    Print,
    Print0,
    Delete,
    /// `-exec ... ;`: runs the command for each file.
    Exec(Vec<String>),
    /// `-exec ... {} +`: gathers names for the command of that id.
    ExecBatch(usize),
}

/// The whole command line after the paths.
pub struct Parsed {
    pub expr: Expr,
    pub min_depth: usize,
    pub max_depth: Option<usize>,
    pub depth_first: bool,
    /// The commands of the `{} +` forms, by id.
    batch_commands: Vec<Vec<String>>,
}

impl Parsed {
    /// How many `-exec ... {} +` commands there are.
    pub fn batch_count(&self) -> usize {
        self.batch_commands.len()
    }

    pub fn batch_command(&self, id: usize) -> Option<&[String]> {
        self.batch_commands.get(id).map(Vec::as_slice)
    }
}

pub enum Error {
    /// A bad expression: exit 2.
    Usage(String),
    /// A file named by a test cannot be read: exit 1.
    File(String, std::io::Error),
}

struct Parser<'a> {
    words: &'a [String],
    at: usize,
    ids: Option<Ids>,
    has_action: bool,
    parsed: Parsed,
}

pub fn parse(words: &[String]) -> Result<Parsed, Error> {
    let mut p = Parser {
        words,
        at: 0,
        ids: None,
        has_action: false,
        parsed: Parsed {
            expr: Expr::True,
            min_depth: 0,
            max_depth: None,
            depth_first: false,
            batch_commands: Vec::new(),
        },
    };
    let mut expr = if words.is_empty() {
        Expr::True
    } else {
        p.or()?
    };
    if let Some(extra) = p.words.get(p.at) {
        return Err(Error::Usage(format!("unexpected {extra}")));
    }
    if !p.has_action {
        expr = Expr::And(Box::new(expr), Box::new(Expr::Print));
    }
    p.parsed.expr = expr;
    Ok(p.parsed)
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.words.get(self.at).map(String::as_str)
    }

    fn or(&mut self) -> Result<Expr, Error> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some("-o" | "-or")) {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, Error> {
        let mut left = self.not()?;
        loop {
            match self.peek() {
                None | Some("-o" | "-or" | ")") => return Ok(left),
                Some("-a" | "-and") => self.at += 1,
                Some(_) => {}
            }
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn not(&mut self) -> Result<Expr, Error> {
        if matches!(self.peek(), Some("!" | "-not")) {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn value(&mut self, primary: &str) -> Result<String, Error> {
        let v = self
            .words
            .get(self.at)
            .ok_or_else(|| usage(format!("{primary}: requires additional arguments")))?;
        self.at += 1;
        Ok(v.clone())
    }

    fn ids(&mut self) -> &Ids {
        self.ids.get_or_insert_with(Ids::load)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let Some(word) = self.peek().map(str::to_string) else {
            return Err(usage("expression expected"));
        };
        self.at += 1;
        let w = word.as_str();
        Ok(match w {
            "(" => {
                let inner = self.or()?;
                if self.peek() != Some(")") {
                    return Err(usage("missing )"));
                }
                self.at += 1;
                inner
            }
            "-true" => Expr::True,
            "-false" => Expr::False,
            "-name" | "-iname" | "-path" | "-ipath" | "-wholename" => {
                let v = self.value(w)?;
                let pattern = CString::new(v).map_err(|_| usage(format!("{w}: bad pattern")))?;
                let fold = w.starts_with("-i");
                if w.ends_with("name") && !w.contains("whole") {
                    Expr::Name { pattern, fold }
                } else {
                    Expr::Path { pattern, fold }
                }
            }
            "-type" => {
                let v = self.value(w)?;
                let kinds = v
                    .split(',')
                    .map(|k| match k {
                        "f" => Ok(libc::S_IFREG),
                        "d" => Ok(libc::S_IFDIR),
                        "l" => Ok(libc::S_IFLNK),
                        "b" => Ok(libc::S_IFBLK),
                        "c" => Ok(libc::S_IFCHR),
                        "p" => Ok(libc::S_IFIFO),
                        "s" => Ok(libc::S_IFSOCK),
                        _ => Err(usage(format!("-type: unknown type {k}"))),
                    })
                    .collect::<Result<_, _>>()?;
                Expr::Type(kinds)
            }
            "-size" => {
                let v = self.value(w)?;
                let (cmp, rest) = split_cmp(&v);
                let (digits, unit) = match rest.char_indices().last() {
                    Some((i, c)) if c.is_ascii_alphabetic() => (&rest[..i], c),
                    _ => (rest, 'b'),
                };
                let unit = match unit {
                    'c' => 1,
                    'w' => 2,
                    'b' => 512,
                    'k' => 1 << 10,
                    'M' => 1 << 20,
                    'G' => 1 << 30,
                    _ => return Err(usage(format!("-size: bad unit in {v}"))),
                };
                let n = digits
                    .parse()
                    .map_err(|_| usage(format!("-size: bad size {v}")))?;
                Expr::Size { cmp, n, unit }
            }
            "-mtime" | "-atime" | "-ctime" | "-mmin" | "-amin" | "-cmin" => {
                let v = self.value(w)?;
                let (cmp, rest) = split_cmp(&v);
                let n = rest
                    .parse()
                    .map_err(|_| usage(format!("{w}: bad number {v}")))?;
                let unit = if w.ends_with("min") { 60 } else { 86400 };
                let which = w.chars().nth(1).unwrap_or('m');
                Expr::Age {
                    cmp,
                    n,
                    unit,
                    which,
                }
            }
            "-newer" => {
                let file = self.value(w)?;
                match std::fs::metadata(&file) {
                    Ok(m) => Expr::Newer(m.mtime(), m.mtime_nsec()),
                    Err(e) => return Err(Error::File(file, e)),
                }
            }
            "-perm" => {
                let v = self.value(w)?;
                let (how, spec) = match v.chars().next() {
                    Some(c @ ('-' | '/')) => (c, &v[1..]),
                    _ => ('=', v.as_str()),
                };
                let mode = Mode::parse(spec)
                    .map_err(|_| usage(format!("-perm: invalid mode {v}")))?
                    .apply(0, false, 0);
                Expr::Perm { mode, how }
            }
            "-user" => {
                let v = self.value(w)?;
                let (uid, _) = self
                    .ids()
                    .user(&v)
                    .ok_or_else(|| usage(format!("-user: unknown user {v}")))?;
                Expr::User(uid)
            }
            "-group" => {
                let v = self.value(w)?;
                let gid = self
                    .ids()
                    .group(&v)
                    .ok_or_else(|| usage(format!("-group: unknown group {v}")))?;
                Expr::Group(gid)
            }
            "-maxdepth" | "-mindepth" => {
                let v = self.value(w)?;
                let n = v
                    .parse()
                    .map_err(|_| usage(format!("{w}: bad number {v}")))?;
                if w == "-maxdepth" {
                    self.parsed.max_depth = Some(n);
                } else {
                    self.parsed.min_depth = n;
                }
                Expr::True
            }
            "-depth" | "-d" => {
                self.parsed.depth_first = true;
                Expr::True
            }
            "-empty" => Expr::Empty,
            "-prune" => Expr::Prune,
            "-print" | "-print0" => {
                self.has_action = true;
                if w == "-print" {
                    Expr::Print
                } else {
                    Expr::Print0
                }
            }
            "-delete" => {
                self.has_action = true;
                self.parsed.depth_first = true;
                Expr::Delete
            }
            "-exec" => {
                self.has_action = true;
                let mut argv = Vec::new();
                loop {
                    let Some(arg) = self.peek().map(str::to_string) else {
                        return Err(usage("-exec: no terminating \";\" or \"+\""));
                    };
                    self.at += 1;
                    if arg == ";" {
                        break;
                    }
                    if arg == "+" && argv.last().is_some_and(|a| a == "{}") {
                        argv.pop();
                        if argv.is_empty() {
                            return Err(usage("-exec: no command"));
                        }
                        let id = self.parsed.batch_commands.len();
                        self.parsed.batch_commands.push(argv);
                        return Ok(Expr::ExecBatch(id));
                    }
                    argv.push(arg);
                }
                if argv.is_empty() {
                    return Err(usage("-exec: no command"));
                }
                Expr::Exec(argv)
            }
            _ => return Err(usage(format!("unknown primary or operator: {w}"))),
        })
    }
}

fn split_cmp(v: &str) -> (Cmp, &str) {
    match v.chars().next() {
        Some('+') => (Cmp::More, &v[1..]),
        Some('-') => (Cmp::Less, &v[1..]),
        _ => (Cmp::Equal, v),
    }
}
