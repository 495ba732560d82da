//! `printf`: formatted output (POSIX XCU printf): the format is reused
//! until the arguments are used up; `%b` expands escapes in an argument.

use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["printf"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: printf format [argument...]";

struct Args<'a> {
    list: &'a [String],
    next: usize,
    /// A numeric argument was not a number: exit 1 after printing.
    bad: bool,
    prog: &'a [String],
}

impl Args<'_> {
    fn string(&mut self) -> String {
        let value = self.list.get(self.next).cloned().unwrap_or_default();
        self.next += 1;
        value
    }

    fn integer(&mut self) -> i64 {
        let Some(text) = self.list.get(self.next) else {
            self.next += 1;
            return 0;
        };
        self.next += 1;
        if let Some(quoted) = text.strip_prefix(['\'', '"']) {
            return quoted.chars().next().map_or(0, |c| c as i64);
        }
        let trimmed = text.trim_start();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (radix, body) = if let Some(h) = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            (16, h)
        } else if digits.len() > 1 && digits.starts_with('0') {
            (8, &digits[1..])
        } else {
            (10, digits)
        };
        let end = body
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(body.len());
        let value = u64::from_str_radix(&body[..end], radix).unwrap_or(0) as i64;
        if end == 0 || end < body.len() {
            crate::common::warn(self.prog, format!("{text}: expected numeric value"));
            self.bad = true;
        }
        if negative {
            value.wrapping_neg()
        } else {
            value
        }
    }

    fn float(&mut self) -> f64 {
        let Some(text) = self.list.get(self.next) else {
            self.next += 1;
            return 0.0;
        };
        self.next += 1;
        if let Some(quoted) = text.strip_prefix(['\'', '"']) {
            return quoted.chars().next().map_or(0.0, |c| c as u32 as f64);
        }
        match text.trim().parse::<f64>() {
            Ok(v) => v,
            Err(_) => {
                crate::common::warn(self.prog, format!("{text}: expected numeric value"));
                self.bad = true;
                0.0
            }
        }
    }
}

pub fn main(args: &[String]) -> i32 {
    let mut operands = &args[1..];
    if operands.first().is_some_and(|a| a == "--") {
        operands = &operands[1..];
    }
    let Some(format) = operands.first() else {
        return crate::common::usage_error(args, "missing format", USAGE);
    };
    if format == "--help" && operands.len() == 1 {
        println!("{USAGE}");
        return 0;
    }
    let mut arguments = Args {
        list: &operands[1..],
        next: 0,
        bad: false,
        prog: args,
    };
    let mut out = Vec::new();
    loop {
        let before = arguments.next;
        match format_once(format.as_bytes(), &mut arguments, &mut out) {
            Ok(true) => break,
            Ok(false) => {}
            Err(message) => {
                let _ = std::io::stdout().lock().write_all(&out);
                crate::common::warn(args, message);
                return 1;
            }
        }
        if arguments.next >= arguments.list.len() || arguments.next == before {
            break;
        }
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(&out).and_then(|_| stdout.flush()) {
        crate::common::warn(
            args,
            format!("write error: {}", crate::common::strerror(&e)),
        );
        return 1;
    }
    i32::from(arguments.bad)
}

/// An escape at `text[i]` (after the backslash): appends it, returns the
/// index after it. In `%b` arguments octal escapes are `\0nnn`.
fn escape(text: &[u8], mut i: usize, in_b: bool, out: &mut Vec<u8>) -> usize {
    let c = text[i];
    i += 1;
    match c {
        b'a' => out.push(7),
        b'b' => out.push(8),
        b'f' => out.push(12),
        b'n' => out.push(b'\n'),
        b'r' => out.push(b'\r'),
        b't' => out.push(b'\t'),
        b'v' => out.push(11),
        b'\\' => out.push(b'\\'),
        b'"' if !in_b => out.push(b'"'),
        b'\'' if !in_b => out.push(b'\''),
        b'0'..=b'7' => {
            let mut value = u32::from(c - b'0');
            let max = if in_b && c == b'0' { 3 } else { 2 };
            if in_b && c == b'0' {
                value = 0;
            }
            let mut digits = 0;
            while digits < max && i < text.len() && (b'0'..=b'7').contains(&text[i]) {
                value = value * 8 + u32::from(text[i] - b'0');
                i += 1;
                digits += 1;
            }
            out.push(value as u8);
        }
        other => {
            out.push(b'\\');
            out.push(other);
        }
    }
    i
}

/// One pass over the format; returns true when `\c` ends all output.
fn format_once(format: &[u8], args: &mut Args, out: &mut Vec<u8>) -> Result<bool, String> {
    let mut i = 0;
    while i < format.len() {
        match format[i] {
            b'\\' if i + 1 < format.len() => {
                if format[i + 1] == b'c' {
                    return Ok(true);
                }
                i = escape(format, i + 1, false, out);
            }
            b'%' if format.get(i + 1) == Some(&b'%') => {
                out.push(b'%');
                i += 2;
            }
            b'%' => {
                let start = i;
                i += 1;
                let mut flags = String::new();
                while i < format.len() && b"-+ #0".contains(&format[i]) {
                    flags.push(format[i] as char);
                    i += 1;
                }
                let mut width: Option<i64> = None;
                if format.get(i) == Some(&b'*') {
                    width = Some(args.integer());
                    i += 1;
                } else {
                    let s = i;
                    while i < format.len() && format[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i > s {
                        width = std::str::from_utf8(&format[s..i])
                            .ok()
                            .and_then(|w| w.parse().ok());
                    }
                }
                let mut precision: Option<usize> = None;
                if format.get(i) == Some(&b'.') {
                    i += 1;
                    if format.get(i) == Some(&b'*') {
                        precision = Some(args.integer().max(0) as usize);
                        i += 1;
                    } else {
                        let s = i;
                        while i < format.len() && format[i].is_ascii_digit() {
                            i += 1;
                        }
                        precision = Some(
                            std::str::from_utf8(&format[s..i])
                                .ok()
                                .and_then(|p| p.parse().ok())
                                .unwrap_or(0),
                        );
                    }
                }
                if let Some(w) = width
                    && w < 0
                {
                    flags.push('-');
                    width = Some(-w);
                }
                let Some(&conv) = format.get(i) else {
                    return Err(format!(
                        "%{}: invalid conversion specification",
                        String::from_utf8_lossy(&format[start + 1..])
                    ));
                };
                i += 1;
                let spec = Spec {
                    left: flags.contains('-'),
                    zero: flags.contains('0'),
                    plus: flags.contains('+'),
                    space: flags.contains(' '),
                    alt: flags.contains('#'),
                    width: width.unwrap_or(0) as usize,
                    precision,
                };
                match conv {
                    b's' => {
                        let s = args.string();
                        let s: String = match precision {
                            Some(p) => s.chars().take(p).collect(),
                            None => s,
                        };
                        spec.pad(s.as_bytes(), out);
                    }
                    b'b' => {
                        let s = args.string();
                        let mut expanded = Vec::new();
                        let bytes = s.as_bytes();
                        let mut k = 0;
                        let mut stop = false;
                        while k < bytes.len() {
                            if bytes[k] == b'\\' && k + 1 < bytes.len() {
                                if bytes[k + 1] == b'c' {
                                    stop = true;
                                    break;
                                }
                                k = escape(bytes, k + 1, true, &mut expanded);
                            } else {
                                expanded.push(bytes[k]);
                                k += 1;
                            }
                        }
                        if let Some(p) = precision {
                            expanded.truncate(p);
                        }
                        spec.pad(&expanded, out);
                        if stop {
                            return Ok(true);
                        }
                    }
                    b'c' => {
                        let s = args.string();
                        // The first character; of an empty string, its terminating NUL.
                        let c: String = s.chars().next().unwrap_or('\0').to_string();
                        spec.pad(c.as_bytes(), out);
                    }
                    b'd' | b'i' => {
                        let v = args.integer();
                        let digits = spec.digits(v.unsigned_abs().to_string());
                        let sign = if v < 0 {
                            "-"
                        } else if spec.plus {
                            "+"
                        } else if spec.space {
                            " "
                        } else {
                            ""
                        };
                        spec.pad_number(sign, &digits, out);
                    }
                    b'o' | b'u' | b'x' | b'X' => {
                        let v = args.integer() as u64;
                        let text = match conv {
                            b'o' => format!("{v:o}"),
                            b'u' => v.to_string(),
                            b'x' => format!("{v:x}"),
                            _ => format!("{v:X}"),
                        };
                        let mut digits = spec.digits(text);
                        let mut prefix = "";
                        if spec.alt {
                            match conv {
                                b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                                b'x' if v != 0 => prefix = "0x",
                                b'X' if v != 0 => prefix = "0X",
                                _ => {}
                            }
                        }
                        spec.pad_number(prefix, &digits, out);
                    }
                    b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
                        let v = args.float();
                        let text = format_float(v.abs(), conv, precision.unwrap_or(6), spec.alt);
                        let sign = if v.is_sign_negative() {
                            "-"
                        } else if spec.plus {
                            "+"
                        } else if spec.space {
                            " "
                        } else {
                            ""
                        };
                        let spec = Spec {
                            precision: None,
                            ..spec
                        };
                        spec.pad_number(sign, &text, out);
                    }
                    other => {
                        return Err(format!("%{}: invalid directive", other as char));
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(false)
}

struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    alt: bool,
    width: usize,
    precision: Option<usize>,
}

impl Spec {
    /// Integer digits padded with zeros to the precision.
    fn digits(&self, text: String) -> String {
        match self.precision {
            Some(0) if text == "0" => String::new(),
            Some(p) if text.len() < p => format!("{}{text}", "0".repeat(p - text.len())),
            _ => text,
        }
    }

    fn pad(&self, text: &[u8], out: &mut Vec<u8>) {
        let len = String::from_utf8_lossy(text).chars().count();
        let fill = self.width.saturating_sub(len);
        if !self.left {
            out.extend(std::iter::repeat_n(b' ', fill));
        }
        out.extend_from_slice(text);
        if self.left {
            out.extend(std::iter::repeat_n(b' ', fill));
        }
    }

    fn pad_number(&self, sign: &str, digits: &str, out: &mut Vec<u8>) {
        let len = sign.len() + digits.len();
        let fill = self.width.saturating_sub(len);
        if self.left {
            out.extend_from_slice(sign.as_bytes());
            out.extend_from_slice(digits.as_bytes());
            out.extend(std::iter::repeat_n(b' ', fill));
        } else if self.zero && self.precision.is_none() {
            out.extend_from_slice(sign.as_bytes());
            out.extend(std::iter::repeat_n(b'0', fill));
            out.extend_from_slice(digits.as_bytes());
        } else {
            out.extend(std::iter::repeat_n(b' ', fill));
            out.extend_from_slice(sign.as_bytes());
            out.extend_from_slice(digits.as_bytes());
        }
    }
}

/// `%e` as C writes it: `1.500000e+00`.
fn exponent_form(v: f64, precision: usize, upper: bool) -> String {
    let text = format!("{v:.precision$e}");
    let (mantissa, exp) = text.split_once('e').expect("Rust's {:e} has an exponent");
    let exp: i32 = exp.parse().expect("a number");
    let e = if upper { 'E' } else { 'e' };
    format!(
        "{mantissa}{e}{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

fn format_float(v: f64, conv: u8, precision: usize, alt: bool) -> String {
    if !v.is_finite() {
        let text = if v.is_nan() { "nan" } else { "inf" };
        return if conv.is_ascii_uppercase() {
            text.to_uppercase()
        } else {
            text.into()
        };
    }
    match conv {
        b'f' | b'F' => format!("{v:.precision$}"),
        b'e' | b'E' => exponent_form(v, precision, conv == b'E'),
        _ => {
            let p = precision.max(1);
            let exp = if v == 0.0 {
                0
            } else {
                let e = exponent_form(v, p - 1, false);
                e.rsplit_once('e')
                    .map_or(0, |(_, x)| x.parse::<i32>().unwrap_or(0))
            };
            let mut text = if exp < -4 || exp >= p as i32 {
                exponent_form(v, p - 1, conv == b'G')
            } else {
                let decimals = (p as i32 - 1 - exp).max(0) as usize;
                format!("{v:.decimals$}")
            };
            if !alt {
                let (body, tail) = match text.find(['e', 'E']) {
                    Some(at) => (text[..at].to_string(), text[at..].to_string()),
                    None => (text.clone(), String::new()),
                };
                let body = if body.contains('.') {
                    body.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    body
                };
                text = body + &tail;
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_c_prints_them() {
        assert_eq!(format_float(1.5, b'e', 6, false), "1.500000e+00");
        assert_eq!(format_float(0.0001234, b'g', 6, false), "0.0001234");
        assert_eq!(format_float(1234567.0, b'g', 6, false), "1.23457e+06");
        assert_eq!(format_float(100.0, b'g', 6, false), "100");
        assert_eq!(format_float(2.5, b'f', 0, false), "2");
    }
}
