//! `seq`: print a sequence of numbers.

use crate::common::{self, Getopt, Opt};
use std::io::Write;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["seq"],
    dir: "bin",
    main,
};

const USAGE: &str = "usage: seq [-w] [-s separator] [first [increment]] last";

/// Digits after the decimal point in a number as written.
fn decimals(text: &str) -> usize {
    text.split_once('.').map_or(0, |(_, frac)| {
        frac.chars().take_while(char::is_ascii_digit).count()
    })
}

fn main(args: &[String]) -> i32 {
    let mut getopt = Getopt::new(args, "ws:");
    let (mut equal_width, mut separator) = (false, "\n".to_string());
    loop {
        match getopt.next_opt() {
            Ok(Some(Opt::Flag('w', _))) => equal_width = true,
            Ok(Some(Opt::Flag('s', Some(s)))) => separator = s,
            Ok(Some(Opt::Help)) => {
                println!("{USAGE}");
                return 0;
            }
            Ok(Some(_)) => unreachable!("getopt returns only the spec's options"),
            Ok(None) => break,
            Err(e) => return common::usage_error(args, &e.0, USAGE),
        }
    }
    // Negative numbers look like options only before the first operand.
    let operands = getopt.operands();
    if operands.is_empty() || operands.len() > 3 {
        return common::usage_error(args, "expected one to three numbers", USAGE);
    }
    let mut numbers = Vec::new();
    for operand in operands {
        match operand.parse::<f64>() {
            Ok(n) if n.is_finite() => numbers.push(n),
            _ => {
                return common::usage_error(args, &format!("invalid number: '{operand}'"), USAGE);
            }
        }
    }
    let (first, step, last) = match numbers[..] {
        [last] => (1.0, 1.0, last),
        [first, last] => (first, 1.0, last),
        [first, step, last] => (first, step, last),
        _ => unreachable!("one to three operands"),
    };
    if step == 0.0 {
        return common::usage_error(args, "the increment must not be zero", USAGE);
    }
    // As GNU seq: as precise as the first number and the increment.
    let precision = operands[..operands.len() - 1]
        .iter()
        .map(|o| decimals(o))
        .max()
        .unwrap_or(0);
    let format = |n: f64| format!("{n:.precision$}");
    let width = if equal_width {
        format(first).len().max(format(last).len())
    } else {
        0
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut index = 0u64;
    loop {
        let n = first + step * index as f64;
        if (step > 0.0 && n > last + 1e-9) || (step < 0.0 && n < last - 1e-9) {
            break;
        }
        let text = format(n);
        let text = if width > text.len() {
            if let Some(digits) = text.strip_prefix('-') {
                format!("-{digits:0>w$}", w = width - 1)
            } else {
                format!("{text:0>width$}")
            }
        } else {
            text
        };
        let sep = if index == 0 { "" } else { separator.as_str() };
        if write!(out, "{sep}{text}").is_err() {
            return 0;
        }
        index += 1;
    }
    let end = if index > 0 { "\n" } else { "" };
    if write!(out, "{end}").and_then(|()| out.flush()).is_err() {
        common::flush_stdout();
    }
    0
}
