//! Sort keys: POSIX `-k` field definitions and the orderings (`-n`, `-f`,
//! ...) that compare the text they select.

use std::cmp::Ordering as CmpOrdering;

/// How a key's text compares: the letters of `-k 2,2nr` or of the global options.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Ordering {
    pub numeric: bool,
    pub general: bool,
    pub human: bool,
    pub month: bool,
    pub version: bool,
    pub fold_case: bool,
    pub dictionary: bool,
    pub printable_only: bool,
    pub reverse: bool,
    /// `b`: leading blanks of the key are ignored.
    pub skip_blanks: bool,
}

impl Ordering {
    /// Sets the ordering named by an option letter; false if the letter is none.
    pub fn set(&mut self, letter: char) -> bool {
        match letter {
            'n' => self.numeric = true,
            'g' => self.general = true,
            'h' => self.human = true,
            'M' => self.month = true,
            'V' => self.version = true,
            'f' => self.fold_case = true,
            'd' => self.dictionary = true,
            'i' => self.printable_only = true,
            'r' => self.reverse = true,
            'b' => self.skip_blanks = true,
            _ => return false,
        }
        true
    }

    /// True when lines compare as plain bytes, so a tie is a true tie.
    pub fn is_plain(&self) -> bool {
        *self == Ordering::default()
    }

    pub fn compare(&self, a: &[u8], b: &[u8]) -> CmpOrdering {
        let (a, b) = if self.skip_blanks || self.numeric || self.general || self.human || self.month
        {
            (trim_blanks(a), trim_blanks(b))
        } else {
            (a, b)
        };
        let order = if self.numeric {
            compare_numbers(a, b)
        } else if self.general {
            compare_general(a, b)
        } else if self.human {
            compare_human(a, b)
        } else if self.month {
            month(a).cmp(&month(b))
        } else if self.version {
            compare_versions(a, b)
        } else if self.fold_case || self.dictionary || self.printable_only {
            let keep = |c: &&u8| {
                (!self.dictionary || c.is_ascii_alphanumeric() || is_blank(**c))
                    && (!self.printable_only || (0x20..0x7f).contains(*c))
            };
            let fold = |c: &u8| {
                if self.fold_case {
                    c.to_ascii_uppercase()
                } else {
                    *c
                }
            };
            a.iter()
                .filter(keep)
                .map(fold)
                .cmp(b.iter().filter(keep).map(fold))
        } else {
            a.cmp(b)
        };
        if self.reverse { order.reverse() } else { order }
    }
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn trim_blanks(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&c| !is_blank(c))
        .unwrap_or(text.len());
    &text[start..]
}

/// The parts of a decimal number: sign, integer digits without leading
/// zeros, fraction digits without trailing zeros, and the length parsed.
fn parse_number(text: &[u8]) -> (bool, &[u8], &[u8], usize) {
    let mut i = 0;
    let negative = text.first() == Some(&b'-');
    if negative {
        i = 1;
    }
    let int_start = i;
    while i < text.len() && text[i].is_ascii_digit() {
        i += 1;
    }
    let mut integer = &text[int_start..i];
    while let [b'0', rest @ ..] = integer {
        integer = rest;
    }
    let mut fraction: &[u8] = &[];
    if text.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        i += 1;
        while i < text.len() && text[i].is_ascii_digit() {
            i += 1;
        }
        fraction = &text[frac_start..i];
        while let [rest @ .., b'0'] = fraction {
            fraction = rest;
        }
    }
    let zero = integer.is_empty() && fraction.is_empty();
    (negative && !zero, integer, fraction, i)
}

/// `-n`: compares leading decimal numbers exactly, however long; text that
/// is not a number counts as zero.
fn compare_numbers(a: &[u8], b: &[u8]) -> CmpOrdering {
    let (neg_a, int_a, frac_a, _) = parse_number(a);
    let (neg_b, int_b, frac_b, _) = parse_number(b);
    if neg_a != neg_b {
        return if neg_a {
            CmpOrdering::Less
        } else {
            CmpOrdering::Greater
        };
    }
    let magnitude = int_a
        .len()
        .cmp(&int_b.len())
        .then_with(|| int_a.cmp(int_b))
        .then_with(|| frac_a.cmp(frac_b));
    if neg_a {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// The floating-point number at the start of `text`, as strtod(3) reads it.
fn leading_float(text: &[u8]) -> Option<f64> {
    let digits = |from: usize| {
        from + text[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut end = usize::from(matches!(text.first(), Some(b'-' | b'+')));
    let lower = text[end..].to_ascii_lowercase();
    for word in [&b"infinity"[..], b"inf", b"nan"] {
        if lower.starts_with(word) {
            return std::str::from_utf8(&text[..end + word.len()])
                .ok()?
                .parse()
                .ok();
        }
    }
    let int_end = digits(end);
    let mut mantissa_digits = int_end - end;
    end = int_end;
    if text.get(end) == Some(&b'.') {
        let frac_end = digits(end + 1);
        mantissa_digits += frac_end - end - 1;
        end = frac_end;
    }
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(text.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(text.get(end + 1), Some(b'-' | b'+')));
        let exp_end = digits(end + 1 + sign);
        if exp_end > end + 1 + sign {
            end = exp_end;
        }
    }
    std::str::from_utf8(&text[..end]).ok()?.parse().ok()
}

/// `-g`: compares floating-point numbers; text that is not one sorts
/// first, then NaN, then the numbers.
fn compare_general(a: &[u8], b: &[u8]) -> CmpOrdering {
    match (leading_float(a), leading_float(b)) {
        (None, None) => CmpOrdering::Equal,
        (None, Some(_)) => CmpOrdering::Less,
        (Some(_), None) => CmpOrdering::Greater,
        (Some(x), Some(y)) => x
            .partial_cmp(&y)
            .unwrap_or_else(|| y.is_nan().cmp(&x.is_nan())),
    }
}

/// `-h`: numbers with SI suffixes (`2K` < `1M`): the suffix decides first.
fn compare_human(a: &[u8], b: &[u8]) -> CmpOrdering {
    let rank = |text: &[u8]| {
        let (negative, integer, fraction, len) = parse_number(text);
        let suffix = text.get(len).map_or(0, |&c| {
            b"KMGTPEZYRQ"
                .iter()
                .position(|&s| s == c.to_ascii_uppercase())
                .map_or(0, |p| p + 1)
        });
        let zero = integer.is_empty() && fraction.is_empty();
        let sign = if zero {
            0
        } else if negative {
            -1
        } else {
            1
        };
        (sign, suffix as i32 * sign)
    };
    rank(a).cmp(&rank(b)).then_with(|| compare_numbers(a, b))
}

/// `-M`: `JAN` < ... < `DEC`, anything else first.
fn month(text: &[u8]) -> usize {
    const MONTHS: [&[u8]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    let head: Vec<u8> = text.iter().take(3).map(u8::to_ascii_uppercase).collect();
    MONTHS
        .iter()
        .position(|m| *m == head.as_slice())
        .map_or(0, |p| p + 1)
}

/// `-V`: runs of digits compare as numbers, the text between them as bytes.
fn compare_versions(mut a: &[u8], mut b: &[u8]) -> CmpOrdering {
    let run = |text: &[u8], digits: bool| {
        text.iter()
            .position(|c| c.is_ascii_digit() != digits)
            .unwrap_or(text.len())
    };
    while !a.is_empty() || !b.is_empty() {
        let (ta, tb) = (run(a, false), run(b, false));
        let order = a[..ta].cmp(&b[..tb]);
        if order != CmpOrdering::Equal {
            return order;
        }
        (a, b) = (&a[ta..], &b[tb..]);
        let (da, db) = (run(a, true), run(b, true));
        let order = compare_numbers(&a[..da], &b[..db]);
        if order != CmpOrdering::Equal {
            return order;
        }
        (a, b) = (&a[da..], &b[db..]);
    }
    CmpOrdering::Equal
}

/// One `-k start[,end]` key.
#[derive(Debug)]
pub struct KeyDef {
    /// Fields to skip before the key starts, and characters after that.
    start_field: usize,
    start_char: usize,
    start_skip_blanks: bool,
    /// Fields to skip before the key ends, and characters into that field
    /// (0: its end); `None`: the key runs to the end of the line.
    end: Option<(usize, usize)>,
    end_skip_blanks: bool,
    pub ordering: Ordering,
}

/// Parses `F[.C]letters` into field, character and the letters.
fn position(text: &str) -> Option<(usize, Option<usize>, &str)> {
    let digits = |t: &str| t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let field_end = digits(text);
    let field = text[..field_end].parse().ok()?;
    let rest = &text[field_end..];
    match rest.strip_prefix('.') {
        Some(after_dot) => {
            let char_end = digits(after_dot);
            let chars = after_dot[..char_end].parse().ok()?;
            Some((field, Some(chars), &after_dot[char_end..]))
        }
        None => Some((field, None, rest)),
    }
}

impl KeyDef {
    /// Parses POSIX `F[.C][opts][,F[.C][opts]]`; a key with no ordering
    /// letters of its own takes the global ones.
    pub fn parse(text: &str, global: &Ordering) -> Result<KeyDef, String> {
        let bad = || format!("invalid key definition: {text}");
        let (start, end) = match text.split_once(',') {
            Some((s, e)) => (s, Some(e)),
            None => (text, None),
        };
        let mut ordering = Ordering::default();
        let (start_field, start_char, start_letters) = position(start).ok_or_else(bad)?;
        if start_field == 0 || start_char == Some(0) {
            return Err(format!("invalid key position: {text}"));
        }
        let mut start_skip_blanks = false;
        for letter in start_letters.chars() {
            if letter == 'b' {
                start_skip_blanks = true;
            } else if !ordering.set(letter) {
                return Err(bad());
            }
        }
        let mut end_skip_blanks = false;
        let end = match end {
            None => None,
            Some(end) => {
                let (field, chars, letters) = position(end).ok_or_else(bad)?;
                if field == 0 {
                    return Err(format!("invalid key position: {text}"));
                }
                for letter in letters.chars() {
                    if letter == 'b' {
                        end_skip_blanks = true;
                    } else if !ordering.set(letter) {
                        return Err(bad());
                    }
                }
                Some((field - 1, chars.unwrap_or(0)))
            }
        };
        if ordering == Ordering::default() && !start_skip_blanks && !end_skip_blanks {
            ordering = *global;
            start_skip_blanks = global.skip_blanks;
            end_skip_blanks = global.skip_blanks;
        }
        // For a key, `b` moves where it starts and ends; the text between
        // is compared whole.
        ordering.skip_blanks = false;
        Ok(KeyDef {
            start_field: start_field - 1,
            start_char: start_char.unwrap_or(1) - 1,
            start_skip_blanks,
            end,
            end_skip_blanks,
            ordering,
        })
    }

    /// The text of the key in `line`, as GNU sort finds it: without `-t`
    /// a field is a run of blanks and the non-blanks after it.
    pub fn extract<'l>(&self, line: &'l [u8], separator: Option<u8>) -> &'l [u8] {
        let start = {
            let mut i = skip_fields(line, 0, self.start_field, separator, true);
            if self.start_skip_blanks {
                while i < line.len() && is_blank(line[i]) {
                    i += 1;
                }
            }
            (i + self.start_char).min(line.len())
        };
        let end = match self.end {
            None => line.len(),
            Some((field, 0)) => skip_fields(line, 0, field + 1, separator, false),
            Some((field, chars)) => {
                let mut i = skip_fields(line, 0, field, separator, true);
                if self.end_skip_blanks {
                    while i < line.len() && is_blank(line[i]) {
                        i += 1;
                    }
                }
                (i + chars).min(line.len())
            }
        };
        &line[start..end.max(start)]
    }
}

/// Moves past `count` fields from `i`. With a separator, `past_last_separator`
/// says whether to step over the separator that ends the last field.
fn skip_fields(
    line: &[u8],
    mut i: usize,
    count: usize,
    separator: Option<u8>,
    past_last_separator: bool,
) -> usize {
    for n in 0..count {
        match separator {
            Some(sep) => {
                while i < line.len() && line[i] != sep {
                    i += 1;
                }
                if i < line.len() && (n + 1 < count || past_last_separator) {
                    i += 1;
                }
            }
            None => {
                while i < line.len() && is_blank(line[i]) {
                    i += 1;
                }
                while i < line.len() && !is_blank(line[i]) {
                    i += 1;
                }
            }
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> KeyDef {
        KeyDef::parse(text, &Ordering::default()).unwrap()
    }

    #[test]
    fn fields_without_separator_keep_leading_blanks() {
        assert_eq!(key("2").extract(b"a  b c", None), b"  b c");
        assert_eq!(key("2,2").extract(b"a  b c", None), b"  b");
        assert_eq!(key("2b,2").extract(b"a  b c", None), b"b");
        assert_eq!(key("1.2,1.3").extract(b"abcd e", None), b"bc");
    }

    #[test]
    fn fields_with_separator() {
        assert_eq!(key("2,2").extract(b"a:b:c", Some(b':')), b"b");
        assert_eq!(key("2").extract(b"a:b:c", Some(b':')), b"b:c");
        assert_eq!(key("4,4").extract(b"a:b:c", Some(b':')), b"");
    }

    #[test]
    fn numbers() {
        assert_eq!(compare_numbers(b"10", b"9"), CmpOrdering::Greater);
        assert_eq!(compare_numbers(b"-10", b"-9"), CmpOrdering::Less);
        assert_eq!(compare_numbers(b"-0", b"0.000"), CmpOrdering::Equal);
        assert_eq!(compare_numbers(b"1.5", b"1.25"), CmpOrdering::Greater);
        assert_eq!(compare_numbers(b"abc", b"0"), CmpOrdering::Equal);
        assert_eq!(compare_human(b"2K", b"1M"), CmpOrdering::Less);
        assert_eq!(compare_versions(b"a1.10", b"a1.9"), CmpOrdering::Greater);
        assert_eq!(compare_general(b"1e3", b"999"), CmpOrdering::Greater);
        assert_eq!(compare_general(b"x", b"-inf"), CmpOrdering::Less);
        assert_eq!(compare_general(b"nan", b"-inf"), CmpOrdering::Less);
        assert_eq!(leading_float(b"-2.5e-1x"), Some(-0.25));
        assert_eq!(leading_float(b"1e"), Some(1.0));
        assert_eq!(leading_float(b".x"), None);
    }
}
