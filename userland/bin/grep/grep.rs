//! `grep`: print the lines of files that match patterns.
//!
//! Patterns are POSIX basic (default) or extended (`-E`) regular expressions,
//! translated by [`pattern`] for the regex-lite engine, or fixed strings
//! (`-F`). A single pattern without operators is searched for as a plain
//! string, which is what most searches are and much faster.

pub mod backtrack;
mod glob;
pub mod pattern;

use crate::r#cat::{COPY_BUFFER, is_broken_pipe, options_first};
use crate::common::{Getopt, Opt, strerror, usage_error};
use pattern::Syntax;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["grep", "egrep", "fgrep"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: grep [-EFGHLachilnoqRrsvwx] [-A num] [-B num] [-C num] [-m num] [-e pattern] ...\n            [-f file] ... [pattern] [file ...]";

/// Exit statuses: a line was selected, none was, or something failed.
const SELECTED: i32 = 0;
const NONE_SELECTED: i32 = 1;
const TROUBLE: i32 = 2;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Report {
    Lines,
    Count,
    FilesWithMatches,
    FilesWithoutMatch,
    Quiet,
}

struct Options {
    invert: bool,
    line_numbers: bool,
    only_matching: bool,
    with_filename: Option<bool>,
    no_messages: bool,
    recursive: bool,
    follow_links: bool,
    binary_as_text: bool,
    report: Report,
    /// `--include`, `--exclude`, `--exclude-dir`: wildcards on the names of
    /// files (and directories) searched.
    include: Vec<String>,
    exclude: Vec<String>,
    exclude_dir: Vec<String>,
    /// `-m`: stop reading a file after this many selected lines.
    max_count: Option<u64>,
    /// `-B` and `-A`: lines of context printed before and after each selected line.
    before: usize,
    after: usize,
}

/// What a line is tested against.
enum Matcher {
    /// One plain string, searched for with a substring search; with
    /// `fold_case` the needle is ASCII and lower case, and so is the line
    /// searched.
    Literal {
        needle: String,
        whole_line: bool,
        fold_case: bool,
    },
    /// Everything else, compiled into one regular expression (one per
    /// pattern with back-references), with the texts one of which a
    /// match must contain, when known.
    Regex {
        engine: pattern::Engine,
        required: Option<Vec<String>>,
        /// The patterns are plain strings, so holding a required text is matching.
        literal_alternatives: bool,
        words: bool,
    },
}

impl Matcher {
    fn is_match(&self, line: &str) -> bool {
        match self {
            Matcher::Regex {
                required,
                literal_alternatives: true,
                ..
            } => pattern::may_match(required, line),
            _ => self.find_at(line, 0).is_some(),
        }
    }

    /// The first match in `line` at or after `start`, as a byte range.
    fn find_at(&self, line: &str, start: usize) -> Option<(usize, usize)> {
        match self {
            Matcher::Literal {
                needle,
                whole_line,
                fold_case,
            } => {
                if *whole_line {
                    let equal = if *fold_case {
                        line.eq_ignore_ascii_case(needle)
                    } else {
                        line == needle
                    };
                    (start == 0 && equal).then_some((0, line.len()))
                } else {
                    // ASCII lower-casing keeps every byte where it was.
                    let folded;
                    let haystack = if *fold_case {
                        folded = line[start..].to_ascii_lowercase();
                        folded.as_str()
                    } else {
                        &line[start..]
                    };
                    haystack
                        .find(needle.as_str())
                        .map(|i| (start + i, start + i + needle.len()))
                }
            }
            Matcher::Regex {
                engine,
                required,
                words,
                ..
            } => {
                if !pattern::may_match(required, &line[start..]) {
                    return None;
                }
                let mut from = start;
                loop {
                    if from > line.len() {
                        return None;
                    }
                    let (match_start, match_end) = engine.find_at(line, from)?;
                    if !words || is_whole_word(line, match_start, match_end) {
                        return Some((match_start, match_end));
                    }
                    from =
                        match_start + line[match_start..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `-w`: the match neither starts nor ends inside a word.
fn is_whole_word(line: &str, start: usize, end: usize) -> bool {
    let before = line[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c));
    let after = line[end..].chars().next().is_none_or(|c| !is_word_char(c));
    before && after
}

struct Grep {
    /// Something was printed with context, so a new group starts with `--`.
    printed_group: bool,
    opts: Options,
    matcher: Matcher,
    out: io::BufWriter<io::StdoutLock<'static>>,
    failed: bool,
}

fn main(args: &[String]) -> i32 {
    let mut syntax = match crate::common::prog(args) {
        "egrep" => Some(Syntax::Extended),
        "fgrep" => None,
        _ => Some(Syntax::Basic),
    };
    let mut ignore_case = false;
    let mut words = false;
    let mut whole_line = false;
    let mut patterns: Vec<String> = Vec::new();
    let mut have_patterns = false;
    let mut opts = Options {
        invert: false,
        line_numbers: false,
        only_matching: false,
        with_filename: None,
        no_messages: false,
        recursive: false,
        follow_links: false,
        binary_as_text: false,
        report: Report::Lines,
        include: Vec::new(),
        exclude: Vec::new(),
        exclude_dir: Vec::new(),
        max_count: None,
        before: 0,
        after: 0,
    };
    const SPEC: &str = "EFGHLace:f:hilnoqRrsvwxyA:B:C:m:";
    let kept = take_long_options(options_first(args, SPEC), &mut opts);
    let args = &kept[..];
    let mut getopt = Getopt::new(args, SPEC);
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return SELECTED;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'E' => syntax = Some(Syntax::Extended),
                'F' => syntax = None,
                'G' => syntax = Some(Syntax::Basic),
                'H' => opts.with_filename = Some(true),
                'h' => opts.with_filename = Some(false),
                'L' => opts.report = Report::FilesWithoutMatch,
                'l' => opts.report = Report::FilesWithMatches,
                'c' => opts.report = Report::Count,
                'q' => opts.report = Report::Quiet,
                'a' => opts.binary_as_text = true,
                'i' | 'y' => ignore_case = true,
                'n' => opts.line_numbers = true,
                'o' => opts.only_matching = true,
                'r' => opts.recursive = true,
                'R' => (opts.recursive, opts.follow_links) = (true, true),
                's' => opts.no_messages = true,
                'v' => opts.invert = true,
                'w' => words = true,
                'x' => whole_line = true,
                'A' | 'B' | 'C' | 'm' => {
                    let value = value.unwrap_or_default();
                    let Ok(n) = value.parse::<u64>() else {
                        let what = if c == 'm' {
                            "max count"
                        } else {
                            "context length argument"
                        };
                        return usage_error(args, &format!("invalid {what}: {value}"), USAGE);
                    };
                    let lines = usize::try_from(n).unwrap_or(usize::MAX);
                    match c {
                        'A' => opts.after = lines,
                        'B' => opts.before = lines,
                        'C' => (opts.before, opts.after) = (lines, lines),
                        _ => opts.max_count = Some(n),
                    }
                }
                'e' => {
                    have_patterns = true;
                    patterns.extend(value.unwrap_or_default().split('\n').map(String::from));
                }
                _ => {
                    have_patterns = true;
                    let file = value.unwrap_or_default();
                    let text = if file == "-" {
                        io::read_to_string(io::stdin())
                    } else {
                        std::fs::read_to_string(&file)
                    };
                    match text {
                        Ok(text) => patterns.extend(text.lines().map(String::from)),
                        Err(e) => {
                            eprintln!("grep: {file}: {}", strerror(&e));
                            return TROUBLE;
                        }
                    }
                }
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let mut operands = getopt.operands().to_vec();
    if !have_patterns {
        if operands.is_empty() {
            return usage_error(args, "no pattern given", USAGE);
        }
        patterns.extend(operands.remove(0).split('\n').map(String::from));
    }
    let matcher = match build_matcher(&patterns, syntax, ignore_case, words, whole_line) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("grep: {e}");
            return TROUBLE;
        }
    };
    let default_operand = if opts.recursive { "." } else { "-" };
    let implicit_operand = operands.is_empty();
    if implicit_operand {
        operands.push(default_operand.to_string());
    }
    if opts.with_filename.is_none() {
        opts.with_filename = Some(operands.len() > 1 || opts.recursive);
    }
    let mut grep = Grep {
        printed_group: false,
        opts,
        matcher,
        out: io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
        failed: false,
    };
    let mut selected = false;
    for operand in &operands {
        match grep.operand(operand, implicit_operand && grep.opts.recursive) {
            Ok(found) => selected |= found,
            Err(e) if is_broken_pipe(&e) => return if selected { SELECTED } else { TROUBLE },
            Err(e) => {
                eprintln!("grep: write error: {}", strerror(&e));
                return TROUBLE;
            }
        }
        if selected && grep.opts.report == Report::Quiet {
            return SELECTED;
        }
    }
    if grep.out.flush().is_err() {
        return TROUBLE;
    }
    if grep.failed && !(selected && grep.opts.report == Report::Quiet) {
        TROUBLE
    } else if selected {
        SELECTED
    } else {
        NONE_SELECTED
    }
}

/// Takes out GNU's long options for choosing files, which Getopt does not
/// know; `reordered` has every option before its first `--`.
fn take_long_options(reordered: Vec<String>, opts: &mut Options) -> Vec<String> {
    let end_of_options = reordered
        .iter()
        .position(|a| a == "--")
        .unwrap_or(reordered.len());
    let mut kept = Vec::new();
    for (i, arg) in reordered.into_iter().enumerate() {
        let (name, value) = arg.split_once('=').unwrap_or((&arg, ""));
        match name {
            "--include" if i < end_of_options => opts.include.push(value.to_string()),
            "--exclude" if i < end_of_options => opts.exclude.push(value.to_string()),
            "--exclude-dir" if i < end_of_options => opts.exclude_dir.push(value.to_string()),
            // Output is never coloured.
            "--color" | "--colour" if i < end_of_options => {}
            _ => kept.push(arg),
        }
    }
    kept
}

/// One matcher for all the patterns: a plain string when that is enough,
/// else their alternation as one regular expression.
fn build_matcher(
    patterns: &[String],
    syntax: Option<Syntax>,
    ignore_case: bool,
    words: bool,
    whole_line: bool,
) -> Result<Matcher, String> {
    if let [only] = patterns
        && !words
    {
        let literal = match syntax {
            None => Some(only.as_str()),
            Some(syntax) => pattern::as_literal(only, syntax),
        };
        if let Some(needle) = literal
            && (!ignore_case || needle.is_ascii())
        {
            return Ok(Matcher::Literal {
                needle: if ignore_case {
                    needle.to_ascii_lowercase()
                } else {
                    needle.to_string()
                },
                whole_line,
                fold_case: ignore_case,
            });
        }
    }
    let engine = pattern::compile_all(patterns, syntax, ignore_case, whole_line)?;
    let required = match syntax {
        _ if ignore_case => None,
        Some(syntax) => pattern::required_any(patterns, syntax),
        // Fixed strings are their own required texts, when they are few.
        None => {
            (!patterns.is_empty() && patterns.len() <= 8 && !patterns.iter().any(String::is_empty))
                .then(|| patterns.to_vec())
        }
    };
    let literal_alternatives = required.is_some()
        && !words
        && !whole_line
        && syntax.is_none_or(|syntax| pattern::is_literal_alternation(patterns, syntax));
    Ok(Matcher::Regex {
        engine,
        required,
        literal_alternatives,
        words,
    })
}

impl Grep {
    fn error(&mut self, what: &str, e: &io::Error) {
        self.failed = true;
        if !self.opts.no_messages {
            eprintln!("grep: {what}: {}", strerror(e));
        }
    }

    /// Searches one operand (a directory too, with `-r`); true if a line was selected.
    /// Only write errors are returned: read errors are reported and remembered.
    /// `strip_dot`: the operand is the implicit `.` of `-r`, left out of the names shown.
    fn operand(&mut self, operand: &str, strip_dot: bool) -> io::Result<bool> {
        if operand == "-" {
            let stdin = io::stdin();
            let mut input = BufReader::with_capacity(COPY_BUFFER, stdin.lock());
            return self.search(&mut input, "(standard input)");
        }
        let path = Path::new(operand);
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.error(operand, &e);
                return Ok(false);
            }
        };
        if meta.is_dir() {
            if !self.opts.recursive {
                self.error(operand, &io::Error::from_raw_os_error(libc::EISDIR));
                return Ok(false);
            }
            let shown = if strip_dot { Path::new("") } else { path };
            return self.directory(path, shown);
        }
        let base = path
            .file_name()
            .map_or(operand.into(), |n| n.to_string_lossy());
        if !self.wanted_file(&base) {
            return Ok(false);
        }
        match File::open(path) {
            Ok(file) => {
                let mut input = BufReader::with_capacity(COPY_BUFFER, file);
                self.search(&mut input, operand)
            }
            Err(e) => {
                self.error(operand, &e);
                Ok(false)
            }
        }
    }

    /// Whether a file of this base name is searched: `--include` and `--exclude`.
    fn wanted_file(&self, name: &str) -> bool {
        let opts = &self.opts;
        (opts.include.is_empty() || opts.include.iter().any(|g| glob::matches(g, name)))
            && !opts.exclude.iter().any(|g| glob::matches(g, name))
    }

    /// `-r`: every file below `dir`, in name order; symbolic links inside
    /// are followed only with `-R`.
    fn directory(&mut self, dir: &Path, shown_dir: &Path) -> io::Result<bool> {
        let mut entries: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.filter_map(Result::ok).collect(),
            Err(e) => {
                self.error(&dir.display().to_string(), &e);
                return Ok(false);
            }
        };
        entries.sort_by_key(|e| e.file_name());
        let mut selected = false;
        for entry in entries {
            let shown_path = shown_dir.join(entry.file_name());
            let shown = shown_path.display().to_string();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let is_dir = if kind.is_symlink() {
                if !self.opts.follow_links {
                    continue;
                }
                std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir())
            } else {
                kind.is_dir()
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_dir {
                if !self
                    .opts
                    .exclude_dir
                    .iter()
                    .any(|g| glob::matches(g, &name))
                {
                    selected |= self.directory(&entry.path(), &shown_path)?;
                }
            } else if self.wanted_file(&name) {
                match File::open(entry.path()) {
                    Ok(file) => {
                        let mut input = BufReader::with_capacity(COPY_BUFFER, file);
                        selected |= self.search(&mut input, &shown)?;
                    }
                    Err(e) => self.error(&shown, &e),
                }
            }
            if selected && self.opts.report == Report::Quiet {
                break;
            }
        }
        Ok(selected)
    }

    /// Searches one input; true if a line was selected.
    fn search(&mut self, input: &mut dyn BufRead, name: &str) -> io::Result<bool> {
        let mut raw = Vec::new();
        let mut number: u64 = 0;
        let mut count: u64 = 0;
        let report = self.opts.report;
        let context = report == Report::Lines;
        // Lines kept for `-B`, lines still to print for `-A`, and the last line printed.
        let mut before: VecDeque<(u64, Vec<u8>)> = VecDeque::new();
        let mut after_left = 0;
        let mut last_printed: Option<u64> = None;
        loop {
            raw.clear();
            match input.read_until(b'\n', &mut raw) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    self.error(name, &e);
                    break;
                }
            }
            number += 1;
            let body = raw.strip_suffix(b"\n").unwrap_or(&raw);
            if self.opts.max_count.is_some_and(|max| count >= max) {
                // After the last selected line only its trailing context is wanted.
                if context && after_left > 0 {
                    after_left -= 1;
                    self.print_line(name, number, body, '-', &mut last_printed)?;
                    continue;
                }
                break;
            }
            let text = String::from_utf8_lossy(body);
            if self.matcher.is_match(&text) == self.opts.invert {
                if context && after_left > 0 {
                    after_left -= 1;
                    self.print_line(name, number, body, '-', &mut last_printed)?;
                } else if context && self.opts.before > 0 {
                    if before.len() == self.opts.before {
                        before.pop_front();
                    }
                    before.push_back((number, body.to_vec()));
                }
                continue;
            }
            count += 1;
            match report {
                Report::Quiet | Report::FilesWithMatches | Report::FilesWithoutMatch => break,
                Report::Count => continue,
                Report::Lines => {}
            }
            if !self.opts.binary_as_text && body.contains(&0) {
                self.out.flush()?;
                eprintln!("grep: {name}: binary file matches");
                break;
            }
            for (line_number, line) in std::mem::take(&mut before) {
                self.print_line(name, line_number, &line, '-', &mut last_printed)?;
            }
            if self.opts.only_matching {
                self.separate_group(number, &mut last_printed)?;
                if !self.opts.invert {
                    let first = self.matcher.find_at(&text, 0);
                    self.print_matches(&text, first, name, number)?;
                }
            } else {
                self.print_line(name, number, body, ':', &mut last_printed)?;
            }
            after_left = self.opts.after;
        }
        let filename = self.opts.with_filename == Some(true);
        match report {
            Report::Count if filename => writeln!(self.out, "{name}:{count}")?,
            Report::Count => writeln!(self.out, "{count}")?,
            Report::FilesWithMatches if count > 0 => writeln!(self.out, "{name}")?,
            Report::FilesWithoutMatch if count == 0 => writeln!(self.out, "{name}")?,
            _ => {}
        }
        Ok(count > 0)
    }

    /// With context asked for, prints `--` before line `number` when it
    /// does not follow the last line printed.
    fn separate_group(&mut self, number: u64, last_printed: &mut Option<u64>) -> io::Result<()> {
        if self.opts.before > 0 || self.opts.after > 0 {
            let follows = last_printed.is_some_and(|last| last + 1 == number);
            if self.printed_group && !follows {
                self.out.write_all(b"--\n")?;
            }
            self.printed_group = true;
        }
        *last_printed = Some(number);
        Ok(())
    }

    /// Prints a selected line (`separator` `:`) or a context line (`-`).
    fn print_line(
        &mut self,
        name: &str,
        number: u64,
        body: &[u8],
        separator: char,
        last_printed: &mut Option<u64>,
    ) -> io::Result<()> {
        self.separate_group(number, last_printed)?;
        // With `-o`, context lines are not shown but still join groups, as in GNU.
        if self.opts.only_matching {
            return Ok(());
        }
        if self.opts.with_filename == Some(true) {
            write!(self.out, "{name}{separator}")?;
        }
        if self.opts.line_numbers {
            write!(self.out, "{number}{separator}")?;
        }
        self.out.write_all(body)?;
        self.out.write_all(b"\n")
    }

    fn prefix(&mut self, name: &str, number: u64) -> io::Result<()> {
        if self.opts.with_filename == Some(true) {
            write!(self.out, "{name}:")?;
        }
        if self.opts.line_numbers {
            write!(self.out, "{number}:")?;
        }
        Ok(())
    }

    /// `-o`: each non-empty match on a line of its own.
    fn print_matches(
        &mut self,
        text: &str,
        first: Option<(usize, usize)>,
        name: &str,
        number: u64,
    ) -> io::Result<()> {
        let mut next = first;
        while let Some((start, end)) = next {
            let resume = if end > start {
                self.prefix(name, number)?;
                self.out.write_all(&text.as_bytes()[start..end])?;
                self.out.write_all(b"\n")?;
                end
            } else {
                end + text[end..].chars().next().map_or(1, char::len_utf8)
            };
            next = if resume > text.len() {
                None
            } else {
                self.matcher.find_at(text, resume)
            };
        }
        Ok(())
    }
}
