//! `sort`: sort, merge or check lines of text files.
//!
//! All input is read into memory and sorted with a stable merge sort; lines
//! compare byte by byte (the C locale) unless a key says otherwise.

mod keys;

use crate::r#cat::{is_broken_pipe, open_input, options_first};
use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use keys::{KeyDef, Ordering as KeyOrdering};
use std::cmp::Ordering;
use std::io::{self, Read, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["sort"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: sort [-bcCdfghiMmnrsuV] [-k keydef] [-o output] [-t char] [file ...]";

/// Everything that decides how two lines compare.
pub struct Comparator {
    keys: Vec<KeyDef>,
    global: KeyOrdering,
    separator: Option<u8>,
    /// `-s` or `-u`: lines whose keys are equal are equal, with no
    /// last-resort comparison of the whole lines.
    keys_only: bool,
}

impl Comparator {
    /// The text of each key in `line`; found once per line, not per comparison.
    pub fn keys_of<'l>(&self, line: &'l [u8]) -> Vec<&'l [u8]> {
        self.keys
            .iter()
            .map(|key| key.extract(line, self.separator))
            .collect()
    }

    pub fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        self.compare_keyed(a, &self.keys_of(a), b, &self.keys_of(b))
    }

    /// Compares two lines whose keys [`Comparator::keys_of`] found.
    pub fn compare_keyed(
        &self,
        a: &[u8],
        a_keys: &[&[u8]],
        b: &[u8],
        b_keys: &[&[u8]],
    ) -> Ordering {
        if self.keys.is_empty() {
            let order = self.global.compare(a, b);
            if order != Ordering::Equal || self.keys_only || self.global.is_plain() {
                return order;
            }
        } else {
            for ((key, ka), kb) in self.keys.iter().zip(a_keys).zip(b_keys) {
                let order = key.ordering.compare(ka, kb);
                if order != Ordering::Equal {
                    return order;
                }
            }
            if self.keys_only {
                return Ordering::Equal;
            }
        }
        let order = a.cmp(b);
        if self.global.reverse {
            order.reverse()
        } else {
            order
        }
    }
}

fn main(args: &[String]) -> i32 {
    let mut global = KeyOrdering::default();
    let mut key_texts: Vec<String> = Vec::new();
    let mut separator = None;
    let mut output: Option<String> = None;
    let mut check: Option<bool> = None;
    let mut unique = false;
    let mut stable = false;
    let mut merge = false;
    const SPEC: &str = "bcCdfghiMmnrsuVk:o:t:S:T:";
    let reordered = options_first(args, SPEC);
    let args = &reordered[..];
    let mut getopt = Getopt::new(args, SPEC);
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, value))) => match c {
                'c' => check = Some(true),
                'C' => check = Some(false),
                'u' => unique = true,
                's' => stable = true,
                'm' => merge = true,
                'S' | 'T' => {} // sorting is in memory: no buffer size, no temporary files
                'k' => key_texts.push(value.unwrap_or_default()),
                'o' => output = value,
                't' => {
                    let value = value.unwrap_or_default();
                    let sep = match value.as_str() {
                        "\\0" => 0,
                        v if v.len() == 1 => v.as_bytes()[0],
                        _ => {
                            return usage_error(
                                args,
                                &format!("multi-character tab '{value}'"),
                                USAGE,
                            );
                        }
                    };
                    separator = Some(sep);
                }
                _ => {
                    global.set(c);
                }
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let mut keys = Vec::new();
    for text in &key_texts {
        match KeyDef::parse(text, &global) {
            Ok(key) => keys.push(key),
            Err(e) => return usage_error(args, &e, USAGE),
        }
    }
    let comparator = Comparator {
        keys,
        global,
        separator,
        keys_only: stable || unique,
    };
    let operands = getopt.operands();
    let names: Vec<&str> = if operands.is_empty() {
        vec!["-"]
    } else {
        operands.iter().map(String::as_str).collect()
    };
    if let Some(loud) = check {
        if names.len() > 1 {
            return usage_error(
                args,
                &format!("extra operand '{}' not allowed with -c", names[1]),
                USAGE,
            );
        }
        return check_order(args, names[0], &comparator, unique, loud);
    }
    let mut contents = Vec::new();
    for name in &names {
        let mut data = Vec::new();
        if let Err(e) = open_input(name).and_then(|mut input| input.read_to_end(&mut data)) {
            warn_io(args, name, &e);
            return 2;
        }
        if !data.is_empty() && !data.ends_with(b"\n") {
            data.push(b'\n');
        }
        contents.push(data);
    }
    let mut lines = if merge {
        merge_sorted(
            contents.iter().map(|data| split_lines(data)).collect(),
            &comparator,
        )
    } else {
        let mut keyed: Vec<(&[u8], Vec<&[u8]>)> = contents
            .iter()
            .flat_map(|data| split_lines(data))
            .map(|line| (line, comparator.keys_of(line)))
            .collect();
        keyed.sort_by(|(a, a_keys), (b, b_keys)| comparator.compare_keyed(a, a_keys, b, b_keys));
        keyed.into_iter().map(|(line, _)| line).collect()
    };
    if unique {
        lines.dedup_by(|later, earlier| comparator.compare(earlier, later) == Ordering::Equal);
    }
    let result = match &output {
        Some(path) if path != "-" => std::fs::File::create(path)
            .and_then(|file| write_lines(&mut io::BufWriter::new(file), &lines))
            .map_err(|e| (path.as_str(), e)),
        _ => write_lines(
            &mut io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            &lines,
        )
        .map_err(|e| ("stdout", e)),
    };
    match result {
        Ok(()) => 0,
        Err((_, e)) if is_broken_pipe(&e) => 2,
        Err((what, e)) => {
            warn_io(args, what, &e);
            2
        }
    }
}

fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    // The split after the final newline is not a line.
    lines.pop();
    lines
}

/// `-m`: merges inputs that are each sorted; on a tie the earlier input's
/// line comes first.
fn merge_sorted<'a>(inputs: Vec<Vec<&'a [u8]>>, comparator: &Comparator) -> Vec<&'a [u8]> {
    let mut next = vec![0; inputs.len()];
    let mut merged = Vec::with_capacity(inputs.iter().map(Vec::len).sum());
    loop {
        let mut best: Option<usize> = None;
        for (i, lines) in inputs.iter().enumerate() {
            let Some(line) = lines.get(next[i]) else {
                continue;
            };
            if best.is_none_or(|b| comparator.compare(line, inputs[b][next[b]]) == Ordering::Less) {
                best = Some(i);
            }
        }
        let Some(chosen) = best else {
            return merged;
        };
        merged.push(inputs[chosen][next[chosen]]);
        next[chosen] += 1;
    }
}

fn write_lines(out: &mut dyn Write, lines: &[&[u8]]) -> io::Result<()> {
    for line in lines {
        out.write_all(line)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// `-c`/`-C`: exit 1 at the first line out of order (or repeated, with `-u`).
fn check_order(
    args: &[String],
    name: &str,
    comparator: &Comparator,
    unique: bool,
    loud: bool,
) -> i32 {
    let mut data = Vec::new();
    if let Err(e) = open_input(name).and_then(|mut input| input.read_to_end(&mut data)) {
        warn_io(args, name, &e);
        return 2;
    }
    if !data.is_empty() && !data.ends_with(b"\n") {
        data.push(b'\n');
    }
    let lines = split_lines(&data);
    for (i, pair) in lines.windows(2).enumerate() {
        let order = comparator.compare(pair[0], pair[1]);
        if order == Ordering::Greater || (unique && order == Ordering::Equal) {
            if loud {
                let shown = if name == "-" { "-" } else { name };
                warn(
                    args,
                    format!(
                        "{shown}:{}: disorder: {}",
                        i + 2,
                        String::from_utf8_lossy(pair[1])
                    ),
                );
            }
            return 1;
        }
    }
    0
}
