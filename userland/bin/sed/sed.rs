//! `sed`: the stream editor.
//!
//! The script is parsed once ([`script`]) into a list of commands with
//! resolved jumps; each input line then runs through it. Regular expressions
//! are grep's ([`crate::r#grep::pattern`]).

mod script;
mod stream;

use crate::r#cat::{COPY_BUFFER, is_broken_pipe};
use crate::common::{strerror, usage_error};
use crate::r#grep::pattern::{Compiled, Syntax};
use script::{Address, Command, Kind, Pattern, Piece, RangeEnd, Script, Substitute};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::rc::Rc;
use stream::{Input, Output};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["sed"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: sed [-Enrsu] [-i[suffix]] script [file ...]\n       sed [-Enrsu] [-i[suffix]] [-e script] ... [-f script_file] ... [file ...]";

/// Exit status when an input file cannot be read, as GNU sed.
const EXIT_BAD_INPUT: i32 = 2;
/// Exit status of an I/O error on output.
const EXIT_IO: i32 = 4;

struct Options {
    quiet: bool,
    syntax: Syntax,
    /// `-i`: edit files in place, keeping a copy with this suffix if not empty.
    in_place: Option<String>,
    separate: bool,
    script: Vec<String>,
    have_script: bool,
    files: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        quiet: false,
        syntax: Syntax::Basic,
        in_place: None,
        separate: false,
        script: Vec::new(),
        have_script: false,
        files: Vec::new(),
    };
    let mut i = 1;
    let mut operands = Vec::new();
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let value_or_next = |i: &mut usize| -> Result<String, String> {
                if let Some(v) = value.clone() {
                    return Ok(v);
                }
                *i += 1;
                args.get(*i - 1)
                    .cloned()
                    .ok_or(format!("option '--{name}' requires an argument"))
            };
            match name {
                "quiet" | "silent" => opts.quiet = true,
                "regexp-extended" => opts.syntax = Syntax::Extended,
                "separate" => opts.separate = true,
                "in-place" => opts.in_place = Some(value.clone().unwrap_or_default()),
                "expression" => {
                    opts.script.push(value_or_next(&mut i)?);
                    opts.have_script = true;
                }
                "file" => {
                    let file = value_or_next(&mut i)?;
                    opts.script.push(read_script_file(&file)?);
                    opts.have_script = true;
                }
                "help" => return Err(String::new()),
                _ => return Err(format!("unknown option -- {name}")),
            }
            continue;
        }
        if arg.len() < 2 || !arg.starts_with('-') {
            operands.push(arg.clone());
            continue;
        }
        let flags: Vec<char> = arg[1..].chars().collect();
        let mut j = 0;
        while j < flags.len() {
            let c = flags[j];
            j += 1;
            let rest: String = flags[j..].iter().collect();
            match c {
                'n' => opts.quiet = true,
                'E' | 'r' => opts.syntax = Syntax::Extended,
                's' => opts.separate = true,
                'u' => {}
                'i' => {
                    // GNU attaches the suffix (`-i.bak`); BSD gives it apart,
                    // and `-i ''` means none.
                    let suffix = if !rest.is_empty() {
                        rest
                    } else if args.get(i).is_some_and(|next| next.is_empty()) {
                        i += 1;
                        String::new()
                    } else {
                        String::new()
                    };
                    opts.in_place = Some(suffix);
                    break;
                }
                'e' | 'f' => {
                    let value = if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        args.get(i - 1)
                            .cloned()
                            .ok_or(format!("option requires an argument -- {c}"))?
                    };
                    opts.script.push(if c == 'e' {
                        value
                    } else {
                        read_script_file(&value)?
                    });
                    opts.have_script = true;
                    break;
                }
                _ => return Err(format!("unknown option -- {c}")),
            }
        }
    }
    if !opts.have_script {
        if operands.is_empty() {
            return Err("no script given".into());
        }
        opts.script.push(operands.remove(0));
    }
    opts.files = operands;
    Ok(opts)
}

fn read_script_file(path: &str) -> Result<String, String> {
    let text = if path == "-" {
        io::read_to_string(io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    text.map(|t| t.strip_suffix('\n').unwrap_or(&t).to_string())
        .map_err(|e| format!("couldn't open file {path}: {}", strerror(&e)))
}

fn main(args: &[String]) -> i32 {
    let opts = match parse_args(args) {
        Ok(opts) => opts,
        Err(e) if e.is_empty() => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            return 0;
        }
        Err(e) if e.starts_with("couldn't") => {
            eprintln!("sed: {e}");
            return 1;
        }
        Err(e) => return usage_error(args, &e, USAGE),
    };
    let script = match script::parse(&opts.script.join("\n"), opts.syntax) {
        Ok(script) => script,
        Err(e) => {
            eprintln!("sed: {e}");
            return 1;
        }
    };
    let quiet = opts.quiet || script.quiet;
    let mut files = opts.files.clone();
    if files.is_empty() {
        if opts.in_place.is_some() {
            eprintln!("sed: no input files");
            return 1;
        }
        files.push("-".into());
    }
    let mut sed = Sed::new(script, quiet);
    let status = match &opts.in_place {
        Some(suffix) => {
            let mut status = 0;
            for file in &files {
                match edit_in_place(&mut sed, file, suffix) {
                    Ok(()) => {}
                    Err(e) => {
                        eprintln!("sed: {e}");
                        status = EXIT_IO;
                    }
                }
                if sed.quit.is_some() {
                    break;
                }
            }
            status
        }
        None => {
            let out = Output::new(Box::new(io::BufWriter::with_capacity(
                COPY_BUFFER,
                io::stdout().lock(),
            )));
            let input = Input::new(files, opts.separate);
            match sed.run(input, out) {
                Ok(status) => status,
                Err(e) if is_broken_pipe(&e) => 0,
                Err(e) => {
                    eprintln!("sed: couldn't write: {}", strerror(&e));
                    EXIT_IO
                }
            }
        }
    };
    for (_, sink) in &mut sed.script.sinks {
        let _ = sink.flush();
    }
    match sed.quit {
        Some(code) if status == 0 => code,
        _ => status,
    }
}

/// `-i`: runs the script over one file into a temporary file beside it,
/// then renames that over the file (after saving a copy with the suffix).
fn edit_in_place(sed: &mut Sed, path: &str, suffix: &str) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("can't read {path}: {}", strerror(&e)))?;
    if !meta.is_file() {
        return Err(format!("couldn't edit {path}: not a regular file"));
    }
    let temporary = format!("{path}.sed{}", std::process::id());
    let file = File::create(&temporary)
        .map_err(|e| format!("couldn't open temporary file {temporary}: {}", strerror(&e)))?;
    let _ = file.set_permissions(meta.permissions());
    let out = Output::new(Box::new(io::BufWriter::with_capacity(COPY_BUFFER, file)));
    let input = Input::new(vec![path.to_string()], true);
    let result = sed.run(input, out);
    let rename = || -> io::Result<()> {
        if !suffix.is_empty() {
            let backup = if suffix.contains('*') {
                let (dir, base) = match path.rsplit_once('/') {
                    Some((d, b)) => (format!("{d}/"), b),
                    None => (String::new(), path),
                };
                format!("{dir}{}", suffix.replace('*', base))
            } else {
                format!("{path}{suffix}")
            };
            std::fs::rename(path, backup)?;
        }
        std::fs::rename(&temporary, path)
    };
    match result.and_then(|_| rename()) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(format!("couldn't edit {path}: {}", strerror(&e)))
        }
    }
}

enum Queued {
    Text(String),
    File(String),
}

/// What ends the run of the script over the pattern space.
enum Flow {
    /// The end of the script: print the pattern space unless `-n`.
    EndOfScript,
    /// `d`: next cycle without printing.
    Delete,
    /// `D` with a newline: next cycle on what is left, reading nothing.
    Restart,
    /// No more input for `n` or `N`, or `q`: print, then stop.
    Stop,
    /// `Q`: stop without printing.
    StopSilently,
}

struct Sed {
    script: Script,
    quiet: bool,
    pattern: String,
    hold: String,
    newline: bool,
    line_number: u64,
    last_regex: Option<Rc<Compiled>>,
    substituted: bool,
    active: Vec<bool>,
    range_end: Vec<u64>,
    queue: Vec<Queued>,
    /// The files `R` reads a line at a time, by name.
    line_sources: Vec<(String, Option<BufReader<File>>)>,
    quit: Option<i32>,
}

impl Sed {
    fn new(script: Script, quiet: bool) -> Sed {
        let n = script.commands.len();
        Sed {
            script,
            quiet,
            pattern: String::new(),
            hold: String::new(),
            newline: true,
            line_number: 0,
            last_regex: None,
            substituted: false,
            active: vec![false; n],
            range_end: vec![0; n],
            queue: Vec::new(),
            line_sources: Vec::new(),
            quit: None,
        }
    }

    /// Runs the script over one input stream; the status is 2 if a file
    /// could not be read.
    fn run(&mut self, input: Input, out: Output) -> io::Result<i32> {
        // Taken out while they run, as running changes the rest of `self`.
        let commands = std::mem::take(&mut self.script.commands);
        let result = self.run_commands(&commands, input, out);
        self.script.commands = commands;
        result
    }

    fn run_commands(
        &mut self,
        commands: &[Command],
        mut input: Input,
        mut out: Output,
    ) -> io::Result<i32> {
        if input.separate {
            self.line_number = 0;
        }
        for (i, command) in commands.iter().enumerate() {
            // `0,/re/`: the range is open before the first line.
            self.active[i] = matches!(command.first, Some(Address::Line(0)));
        }
        let mut restart = false;
        loop {
            if !restart {
                let Some((line, newline)) = input.next_line() else {
                    if input.separate && !input.files.is_empty() {
                        // `-s`: the next file starts again at line 1.
                        self.line_number = 0;
                        continue;
                    }
                    break;
                };
                self.pattern = line;
                self.newline = newline;
                self.line_number += 1;
                self.substituted = false;
            }
            restart = false;
            let flow = self.execute(commands, &mut input, &mut out)?;
            match flow {
                Flow::EndOfScript | Flow::Stop if !self.quiet => {
                    out.line(&self.pattern, self.newline)?
                }
                _ => {}
            }
            self.flush_queue(&mut out)?;
            match flow {
                Flow::Restart => restart = true,
                Flow::Stop | Flow::StopSilently => {
                    self.quit.get_or_insert(0);
                    break;
                }
                _ => {}
            }
        }
        out.writer.flush()?;
        Ok(if input.failed { EXIT_BAD_INPUT } else { 0 })
    }

    fn flush_queue(&mut self, out: &mut Output) -> io::Result<()> {
        for item in std::mem::take(&mut self.queue) {
            match item {
                Queued::Text(text) => out.line(&text, true)?,
                Queued::File(path) => {
                    // A file that cannot be read adds nothing, as POSIX says;
                    // one that does not end in a newline runs into what follows, as in GNU.
                    if let Ok(data) = std::fs::read(&path)
                        && !data.is_empty()
                    {
                        if out.missing_newline {
                            out.line("", false)?;
                        }
                        out.writer.write_all(&data)?;
                        out.missing_newline = false;
                    }
                }
            }
        }
        Ok(())
    }

    fn regex(&mut self, pattern: &Pattern) -> Option<Rc<Compiled>> {
        match pattern {
            Some(regex) => {
                self.last_regex = Some(regex.clone());
                Some(regex.clone())
            }
            None => self.last_regex.clone(),
        }
    }

    fn address_matches(&mut self, address: &Address, input: &mut Input) -> bool {
        match address {
            Address::Line(n) => self.line_number == *n,
            Address::Last => input.is_last(),
            Address::Match(pattern) => self
                .regex(pattern)
                .is_some_and(|r| r.is_match(&self.pattern)),
            Address::Step(first, step) => {
                if *step == 0 {
                    self.line_number == *first
                } else {
                    self.line_number >= *first && (self.line_number - first).is_multiple_of(*step)
                }
            }
        }
    }

    /// Whether command `index` applies to the current line, moving its range.
    fn selects(&mut self, index: usize, command: &Command, input: &mut Input) -> bool {
        let matched = match (&command.first, &command.last) {
            (None, _) => true,
            (Some(first), None) => self.address_matches(first, input),
            (Some(first), Some(last)) => self.range_selects(index, first, last, input),
        };
        matched != command.negated
    }

    fn range_selects(
        &mut self,
        index: usize,
        first: &Address,
        last: &RangeEnd,
        input: &mut Input,
    ) -> bool {
        let line = self.line_number;
        if !self.active[index] {
            if !self.address_matches(first, input) {
                return false;
            }
            self.active[index] = match last {
                RangeEnd::To(Address::Line(n)) => *n > line,
                RangeEnd::To(Address::Last) => !input.is_last(),
                RangeEnd::To(_) => true,
                RangeEnd::Plus(n) => {
                    self.range_end[index] = line + n;
                    *n > 0
                }
                RangeEnd::Multiple(n) => *n > 0 && !line.is_multiple_of(*n),
            };
            return true;
        }
        let ends = match last {
            RangeEnd::To(Address::Line(n)) => line >= *n,
            RangeEnd::To(address) => self.address_matches(address, input),
            RangeEnd::Plus(_) => line >= self.range_end[index],
            RangeEnd::Multiple(n) => line.is_multiple_of(*n),
        };
        if ends {
            self.active[index] = false;
        }
        true
    }

    /// Runs the script once over the pattern space.
    fn execute(
        &mut self,
        commands: &[Command],
        input: &mut Input,
        out: &mut Output,
    ) -> io::Result<Flow> {
        let mut pc = 0;
        while pc < commands.len() {
            let command = &commands[pc];
            if !self.selects(pc, command, input) {
                pc = match command.kind {
                    Kind::Block(end) => end + 1,
                    _ => pc + 1,
                };
                continue;
            }
            pc += 1;
            match &command.kind {
                Kind::Block(_) | Kind::EndBlock | Kind::Label => {}
                Kind::Substitute(s) => {
                    if self.substitute(s) {
                        self.substituted = true;
                        if s.print {
                            out.line(&self.pattern, self.newline)?;
                        }
                        if let Some(sink) = s.write {
                            self.write_to(sink, out, false)?;
                        }
                    }
                }
                Kind::Translate(map) => {
                    self.pattern = self
                        .pattern
                        .chars()
                        .map(|c| {
                            map.iter()
                                .find(|(from, _)| *from == c)
                                .map_or(c, |(_, to)| *to)
                        })
                        .collect();
                }
                Kind::Append(text) => self.queue.push(Queued::Text(text.clone())),
                Kind::Insert(text) => out.line(text, true)?,
                Kind::Change(text) => {
                    // In a range, the text replaces the whole range: it is
                    // written once, at its end.
                    let in_range = command.last.is_some() && !command.negated;
                    if !in_range || !self.active[pc - 1] {
                        out.line(text, true)?;
                    }
                    return Ok(Flow::Delete);
                }
                Kind::Branch(target) => pc = *target,
                Kind::BranchIfSubstituted(target) => {
                    if self.substituted {
                        self.substituted = false;
                        pc = *target;
                    }
                }
                Kind::BranchUnlessSubstituted(target) => {
                    if self.substituted {
                        self.substituted = false;
                    } else {
                        pc = *target;
                    }
                }
                Kind::Delete => return Ok(Flow::Delete),
                Kind::DeleteFirstLine => match self.pattern.find('\n') {
                    Some(at) => {
                        self.pattern.drain(..=at);
                        return Ok(Flow::Restart);
                    }
                    None => return Ok(Flow::Delete),
                },
                Kind::Print => out.line(&self.pattern, self.newline)?,
                Kind::PrintFirstLine => {
                    let first = self.pattern.split('\n').next().unwrap_or("");
                    out.line(first, true)?;
                }
                Kind::Next => {
                    if input.is_last() {
                        return Ok(Flow::Stop);
                    }
                    if !self.quiet {
                        out.line(&self.pattern, self.newline)?;
                    }
                    self.flush_queue(out)?;
                    let (line, newline) = input.next_line().expect("not the last line");
                    self.pattern = line;
                    self.newline = newline;
                    self.line_number += 1;
                }
                Kind::AppendNext => {
                    if input.is_last() {
                        return Ok(Flow::Stop);
                    }
                    self.flush_queue(out)?;
                    let (line, newline) = input.next_line().expect("not the last line");
                    self.pattern.push('\n');
                    self.pattern.push_str(&line);
                    self.newline = newline;
                    self.line_number += 1;
                }
                Kind::Get => self.pattern.clone_from(&self.hold),
                Kind::GetAppend => {
                    self.pattern.push('\n');
                    self.pattern.push_str(&self.hold);
                }
                Kind::Hold => self.hold.clone_from(&self.pattern),
                Kind::HoldAppend => {
                    self.hold.push('\n');
                    self.hold.push_str(&self.pattern);
                }
                Kind::Exchange => std::mem::swap(&mut self.pattern, &mut self.hold),
                Kind::Zap => self.pattern.clear(),
                Kind::LineNumber => out.line(&self.line_number.to_string(), true)?,
                Kind::List(width) => {
                    for line in list(&self.pattern, *width) {
                        out.line(&line, true)?;
                    }
                }
                Kind::Quit(status) => {
                    self.quit = Some(*status);
                    return Ok(Flow::Stop);
                }
                Kind::QuitSilently(status) => {
                    self.quit = Some(*status);
                    return Ok(Flow::StopSilently);
                }
                Kind::ReadFile(path) => self.queue.push(Queued::File(path.clone())),
                Kind::WriteFile(sink) => self.write_to(*sink, out, false)?,
                Kind::WriteFirstLine(sink) => self.write_to(*sink, out, true)?,
                Kind::ReadLine(path) => {
                    if let Some(line) = self.next_line_of(path) {
                        self.queue.push(Queued::Text(line));
                    }
                }
            }
        }
        Ok(Flow::EndOfScript)
    }

    /// `w`: the pattern space (`W`: its first line) to a file, or to the
    /// output for `/dev/stdout`.
    fn write_to(&mut self, sink: usize, out: &mut Output, first_line: bool) -> io::Result<()> {
        let text = if first_line {
            self.pattern.split('\n').next().unwrap_or("")
        } else {
            &self.pattern
        };
        match &mut self.script.sinks[sink].1 {
            script::Sink::Stdout => out.line(text, self.newline || first_line),
            other => other.write_line(text),
        }
    }

    /// `R`: the next line of `path`, or nothing at its end or if it cannot be read.
    fn next_line_of(&mut self, path: &str) -> Option<String> {
        let at = match self.line_sources.iter().position(|(name, _)| name == path) {
            Some(at) => at,
            None => {
                let reader = File::open(path).ok().map(BufReader::new);
                self.line_sources.push((path.to_string(), reader));
                self.line_sources.len() - 1
            }
        };
        let reader = self.line_sources[at].1.as_mut()?;
        let mut raw = Vec::new();
        match reader.read_until(b'\n', &mut raw) {
            Ok(n) if n > 0 => {
                if raw.ends_with(b"\n") {
                    raw.pop();
                }
                Some(String::from_utf8_lossy(&raw).into_owned())
            }
            _ => None,
        }
    }

    /// `s`: true if something was replaced.
    fn substitute(&mut self, s: &Substitute) -> bool {
        let Some(compiled) = self.regex(&s.pattern) else {
            return false;
        };
        if !compiled.may_match(&self.pattern) {
            return false;
        }
        let engine = &compiled.engine;
        let text = &self.pattern;
        let mut result = String::new();
        let mut copied = 0;
        let mut position = 0;
        let mut count = 0;
        let mut previous_end = None;
        let mut replaced = false;
        let char_after = |at: usize| text[at..].chars().next().map_or(1, char::len_utf8);
        while position <= text.len() {
            let Some(spans) = engine.captures_at(text, position) else {
                break;
            };
            let (start, end) = spans[0].expect("group 0 always matches");
            let empty = start == end;
            // An empty match right after a match is not a match (`s/x*/-/g`).
            if empty && previous_end == Some(start) {
                position = start + char_after(start);
                continue;
            }
            count += 1;
            if count >= s.occurrence {
                result.push_str(&text[copied..start]);
                for piece in &s.replacement {
                    match piece {
                        Piece::Text(t) => result.push_str(t),
                        Piece::Whole => result.push_str(&text[start..end]),
                        Piece::Group(n) => {
                            if let Some(Some((group_start, group_end))) = spans.get(*n) {
                                result.push_str(&text[*group_start..*group_end]);
                            }
                        }
                    }
                }
                copied = end;
                replaced = true;
                if !s.global {
                    break;
                }
            }
            previous_end = Some(end);
            position = if empty { end + char_after(end) } else { end };
        }
        if replaced {
            result.push_str(&text[copied..]);
            self.pattern = result;
        }
        replaced
    }
}

/// `l`: the pattern space made visible, in lines of at most `width`
/// characters (0: no limit) ending with `\`, the last one with `$`.
fn list(text: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    for &b in text.as_bytes() {
        pieces.push(match b {
            b'\\' => "\\\\".to_string(),
            0x07 => "\\a".to_string(),
            0x08 => "\\b".to_string(),
            0x0c => "\\f".to_string(),
            b'\n' => "\\n".to_string(),
            b'\r' => "\\r".to_string(),
            b'\t' => "\\t".to_string(),
            0x0b => "\\v".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\{b:03o}"),
        });
    }
    let mut lines = Vec::new();
    let mut current = String::new();
    for piece in pieces {
        if width > 1 && current.len() + piece.len() > width - 1 {
            current.push('\\');
            lines.push(std::mem::take(&mut current));
        }
        current.push_str(&piece);
    }
    current.push('$');
    lines.push(current);
    lines
}
