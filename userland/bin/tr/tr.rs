//! `tr`: translate, squeeze or delete bytes.

use crate::r#cat::{COPY_BUFFER, is_broken_pipe};
use crate::common::{Getopt, Opt, usage_error, warn, warn_io};
use std::io::{self, Read, Write};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["tr"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: tr [-Ccs] string1 string2\n       tr [-Cc] -d string1\n       tr [-Cc] -s string1\n       tr [-Cc] -ds string1 string2";

/// One element of a set as written: a byte, or `[c*n]` (string2 only;
/// `None` fills string2 up to the length of string1).
enum Element {
    Byte(u8),
    Repeat(u8, Option<usize>),
}

fn class(name: &str) -> Option<Vec<u8>> {
    let test: fn(&u8) -> bool = match name {
        "alpha" => u8::is_ascii_alphabetic,
        "digit" => u8::is_ascii_digit,
        "alnum" => u8::is_ascii_alphanumeric,
        "upper" => u8::is_ascii_uppercase,
        "lower" => u8::is_ascii_lowercase,
        "space" => |c| c.is_ascii_whitespace() || *c == 0x0b,
        "blank" => |c| *c == b' ' || *c == b'\t',
        "punct" => u8::is_ascii_punctuation,
        "print" => |c| (0x20..0x7f).contains(c),
        "graph" => u8::is_ascii_graphic,
        "cntrl" => u8::is_ascii_control,
        "xdigit" => u8::is_ascii_hexdigit,
        _ => return None,
    };
    Some((0..=255u8).filter(test).collect())
}

/// Reads one possibly escaped byte at `i`; returns it and the next index.
fn byte_at(text: &[u8], i: usize) -> (u8, usize) {
    if text[i] != b'\\' || i + 1 >= text.len() {
        return (text[i], i + 1);
    }
    let next = text[i + 1];
    let mut end = i + 1;
    let mut value: u32 = 0;
    while end < text.len() && end < i + 4 && (b'0'..=b'7').contains(&text[end]) {
        value = value * 8 + u32::from(text[end] - b'0');
        end += 1;
    }
    if end > i + 1 {
        return ((value & 0xff) as u8, end);
    }
    let byte = match next {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'a' => 0x07,
        b'b' => 0x08,
        b'f' => 0x0c,
        b'v' => 0x0b,
        other => other,
    };
    (byte, i + 2)
}

/// Parses a set into elements: escapes, ranges `a-z`, classes `[:alpha:]`,
/// equivalence classes `[=c=]` and repetitions `[c*n]`.
fn parse(text: &[u8]) -> Result<Vec<Element>, String> {
    let mut elements = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'['
            && let Some(close) = text[i + 1..].windows(2).position(|w| w == b":]")
            && text.get(i + 1) == Some(&b':')
        {
            let name = String::from_utf8_lossy(&text[i + 2..i + 1 + close]).into_owned();
            let Some(bytes) = class(&name) else {
                return Err(format!("invalid character class '{name}'"));
            };
            elements.extend(bytes.into_iter().map(Element::Byte));
            i += close + 3;
            continue;
        }
        if text[i] == b'[' && text.get(i + 1) == Some(&b'=') && text.len() >= i + 5 {
            let (byte, after) = byte_at(text, i + 2);
            if text.get(after..after + 2) == Some(b"=]") {
                elements.push(Element::Byte(byte));
                i = after + 2;
                continue;
            }
        }
        if text[i] == b'[' && i + 2 < text.len() {
            let (byte, after) = byte_at(text, i + 1);
            if text.get(after) == Some(&b'*')
                && let Some(close) = text[after..].iter().position(|&c| c == b']')
            {
                let count_text = String::from_utf8_lossy(&text[after + 1..after + close]);
                let count = if count_text.is_empty() {
                    None
                } else {
                    let radix = if count_text.starts_with('0') { 8 } else { 10 };
                    match usize::from_str_radix(&count_text, radix) {
                        Ok(0) => None,
                        Ok(n) => Some(n),
                        Err(_) => return Err(format!("invalid repeat count '{count_text}'")),
                    }
                };
                elements.push(Element::Repeat(byte, count));
                i = after + close + 1;
                continue;
            }
        }
        let (low, after) = byte_at(text, i);
        if text.get(after) == Some(&b'-') && after + 1 < text.len() {
            let (high, end) = byte_at(text, after + 1);
            if high < low {
                return Err(format!(
                    "range-endpoints of '{}' are in reverse collating sequence order",
                    String::from_utf8_lossy(&text[i..end])
                ));
            }
            elements.extend((low..=high).map(Element::Byte));
            i = end;
            continue;
        }
        elements.push(Element::Byte(low));
        i = after;
    }
    Ok(elements)
}

/// The bytes of string1: repetitions are not allowed there.
fn expand_first(elements: &[Element]) -> Result<Vec<u8>, String> {
    elements
        .iter()
        .map(|e| match e {
            Element::Byte(b) => Ok(*b),
            Element::Repeat(..) => {
                Err("the [c*] repeat construct may not appear in string1".to_string())
            }
        })
        .collect()
}

/// The bytes of string2, as long as string1: `[c*]` fills the gap and the
/// last byte repeats past the end.
fn expand_second(elements: &[Element], length: usize) -> Vec<u8> {
    let fixed: usize = elements
        .iter()
        .map(|e| match e {
            Element::Byte(_) => 1,
            Element::Repeat(_, n) => n.unwrap_or(0),
        })
        .sum();
    let mut filled = false;
    let mut bytes = Vec::new();
    for element in elements {
        match element {
            Element::Byte(b) => bytes.push(*b),
            Element::Repeat(b, Some(n)) => bytes.extend(std::iter::repeat_n(*b, *n)),
            Element::Repeat(b, None) => {
                let n = if filled {
                    0
                } else {
                    length.saturating_sub(fixed)
                };
                filled = true;
                bytes.extend(std::iter::repeat_n(*b, n));
            }
        }
    }
    if let Some(&last) = bytes.last() {
        while bytes.len() < length {
            bytes.push(last);
        }
    }
    bytes
}

fn complement(set: &[u8]) -> Vec<u8> {
    let mut member = [false; 256];
    for &b in set {
        member[b as usize] = true;
    }
    (0..=255u8).filter(|b| !member[*b as usize]).collect()
}

fn main(args: &[String]) -> i32 {
    let (mut complemented, mut delete, mut squeeze) = (false, false, false);
    let mut getopt = Getopt::new(args, "Ccds");
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Help)) => {
                let _ = writeln!(std::io::stdout(), "{USAGE}");
                return 0;
            }
            Ok(Some(Opt::Flag(c, _))) => match c {
                'C' | 'c' => complemented = true,
                'd' => delete = true,
                _ => squeeze = true,
            },
            Ok(None) => break,
            Err(e) => return usage_error(args, &e.0, USAGE),
        }
    }
    let operands = getopt.operands();
    let wanted = if delete && !squeeze || squeeze && !delete && operands.len() < 2 {
        1
    } else {
        2
    };
    if operands.len() < wanted {
        return usage_error(args, "missing operand", USAGE);
    }
    if operands.len() > wanted {
        return usage_error(
            args,
            &format!("extra operand '{}'", operands[wanted]),
            USAGE,
        );
    }
    let sets: Result<Vec<Vec<Element>>, String> =
        operands.iter().map(|o| parse(o.as_bytes())).collect();
    let sets = match sets {
        Ok(sets) => sets,
        Err(e) => {
            warn(args, e);
            return 1;
        }
    };
    let mut first = match expand_first(&sets[0]) {
        Ok(bytes) => bytes,
        Err(e) => {
            warn(args, e);
            return 1;
        }
    };
    if complemented {
        first = complement(&first);
    }
    let mut delete_table = [false; 256];
    let mut squeeze_table = [false; 256];
    let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
    if delete {
        for &b in &first {
            delete_table[b as usize] = true;
        }
    }
    // Only a translation pads string2 to the length of string1.
    let padded_length = if delete { 0 } else { first.len() };
    let second = sets.get(1).map(|s| expand_second(s, padded_length));
    if !delete && let Some(second) = &second {
        if second.is_empty() && !first.is_empty() {
            return usage_error(
                args,
                "when not truncating set1, string2 must be non-empty",
                USAGE,
            );
        }
        for (&from, &to) in first.iter().zip(second) {
            map[from as usize] = to;
        }
    }
    if squeeze {
        let last_set = second.as_ref().unwrap_or(&first);
        for &b in last_set {
            squeeze_table[b as usize] = true;
        }
    }
    match run(&map, &delete_table, &squeeze_table) {
        Ok(()) => 0,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            warn_io(args, "stdin", &e);
            1
        }
    }
}

fn run(map: &[u8; 256], delete: &[bool; 256], squeeze: &[bool; 256]) -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut out = io::BufWriter::with_capacity(COPY_BUFFER, io::stdout().lock());
    let mut buffer = vec![0u8; COPY_BUFFER];
    let mut result = Vec::with_capacity(COPY_BUFFER);
    let mut last: Option<u8> = None;
    loop {
        let n = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        result.clear();
        for &b in &buffer[..n] {
            if delete[b as usize] {
                continue;
            }
            let c = map[b as usize];
            if squeeze[c as usize] && last == Some(c) {
                continue;
            }
            last = Some(c);
            result.push(c);
        }
        out.write_all(&result)?;
    }
    out.flush()
}
