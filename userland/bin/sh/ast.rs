//! The syntax tree the parser builds and the executor walks.

use std::cell::RefCell;
use std::rc::Rc;

/// One piece of a word, before expansion.
#[derive(Debug, Clone)]
pub enum WordPart {
    /// Unquoted text: subject to tilde expansion, globbing.
    Lit(String),
    /// Text quoted by `'...'` or a backslash: taken as it is.
    Quoted(String),
    /// A `"..."` region.
    Double(Vec<WordPart>),
    /// `$name`, `${name...}`.
    Param(Box<Param>),
    /// `$(...)` or `` `...` ``.
    Command(Rc<Command>),
    /// `$((...))`: its text, itself expanded before evaluation.
    Arith(Word),
}

pub type Word = Vec<WordPart>;

/// A parameter expansion.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub op: ParamOp,
    /// `${x:-y}` rather than `${x-y}`: an empty value counts as unset.
    pub colon: bool,
    pub word: Word,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamOp {
    Plain,
    Length,
    Default,
    Assign,
    Error,
    Alternative,
    SmallestSuffix,
    LargestSuffix,
    SmallestPrefix,
    LargestPrefix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirKind {
    /// `<`
    Input,
    /// `>`
    Output,
    /// `>|`
    Clobber,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupInput,
    /// `>&`
    DupOutput,
    /// `<<` and `<<-`: the target is the body.
    HereDoc,
}

#[derive(Debug, Clone)]
pub struct Redir {
    pub fd: Option<i32>,
    pub kind: RedirKind,
    /// The file name, the descriptor, or (here-documents) the body, filled in
    /// when the parser reaches the end of the line.
    pub target: Rc<RefCell<Word>>,
}

impl Redir {
    /// The descriptor redirected when none is written: 0 for input, 1 for output.
    pub fn fd(&self) -> i32 {
        self.fd.unwrap_or(match self.kind {
            RedirKind::Input | RedirKind::ReadWrite | RedirKind::DupInput | RedirKind::HereDoc => 0,
            _ => 1,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Simple {
    pub assigns: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct ListItem {
    pub command: Command,
    pub background: bool,
    /// The source text, for `jobs`.
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: Option<Command>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Simple(Simple),
    Pipeline {
        bang: bool,
        commands: Vec<Command>,
    },
    AndOr {
        first: Box<Command>,
        /// `true` for `&&`, `false` for `||`.
        rest: Vec<(bool, Command)>,
    },
    List(Vec<ListItem>),
    Group(Box<Command>),
    Subshell(Box<Command>),
    If {
        branches: Vec<(Command, Command)>,
        otherwise: Option<Box<Command>>,
    },
    Loop {
        until: bool,
        cond: Box<Command>,
        body: Box<Command>,
    },
    For {
        var: String,
        words: Option<Vec<Word>>,
        body: Box<Command>,
    },
    Case {
        word: Word,
        arms: Vec<CaseArm>,
    },
    Function {
        name: String,
        body: Rc<Command>,
    },
    Redirected {
        command: Box<Command>,
        redirs: Vec<Redir>,
    },
}

/// The text of a plain unquoted word (`if`, `ls`), for reserved words and aliases.
pub fn literal(word: &Word) -> Option<&str> {
    match word.as_slice() {
        [WordPart::Lit(s)] => Some(s),
        _ => None,
    }
}
