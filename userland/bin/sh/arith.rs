//! Arithmetic expansion, `$((...))`: signed 64-bit integers with the C
//! operators, assignment operators and variables (XCU 2.6.4).

/// What the evaluator needs from the shell: variables by name.
pub trait Vars {
    fn get(&mut self, name: &str) -> Option<String>;
    fn set(&mut self, name: &str, value: i64) -> Result<(), String>;
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Name(String),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "<<=", ">>=", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "*=", "/=", "%=",
    "&=", "^=", "|=", "++", "--", "+", "-", "*", "/", "%", "<", ">", "&", "^", "|", "!", "~", "?",
    ":", "=", "(", ")", ",",
];

fn parse_number(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let value = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<u64>().ok()? as i64
    } else {
        return None;
    };
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            toks.push(Tok::Num(
                parse_number(&word).ok_or_else(|| format!("{word}: bad number"))?,
            ));
        } else if c == '_' || c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            toks.push(Tok::Name(chars[start..i].iter().collect()));
        } else {
            let op = OPS
                .iter()
                .find(|op| {
                    op.chars()
                        .enumerate()
                        .all(|(k, oc)| chars.get(i + k) == Some(&oc))
                })
                .ok_or_else(|| {
                    format!(
                        "syntax error: \"{}\"",
                        &text[text.char_indices().nth(i).map_or(0, |(b, _)| b)..]
                    )
                })?;
            i += op.len();
            toks.push(Tok::Op(op));
        }
    }
    Ok(toks)
}

struct Eval<'a> {
    toks: Vec<Tok>,
    pos: usize,
    vars: &'a mut dyn Vars,
}

/// Evaluates an expression (already parameter-expanded).
pub fn eval(text: &str, vars: &mut dyn Vars) -> Result<i64, String> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Ok(0);
    }
    let mut e = Eval { toks, pos: 0, vars };
    let value = e.comma(true)?;
    if e.pos < e.toks.len() {
        return Err(format!("syntax error: unexpected {:?}", e.toks[e.pos]));
    }
    Ok(value)
}

fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | "<=" | ">" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

fn apply(op: &str, a: i64, b: i64, live: bool) -> Result<i64, String> {
    Ok(match op {
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => {
            if live {
                return Err("division by zero".into());
            }
            0
        }
        "/" => a.wrapping_div(b),
        "%" => a.wrapping_rem(b),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "<" => (a < b) as i64,
        "<=" => (a <= b) as i64,
        ">" => (a > b) as i64,
        ">=" => (a >= b) as i64,
        "==" => (a == b) as i64,
        "!=" => (a != b) as i64,
        "&" => a & b,
        "^" => a ^ b,
        "|" => a | b,
        "&&" => (a != 0 && b != 0) as i64,
        "||" => (a != 0 || b != 0) as i64,
        _ => return Err(format!("syntax error: {op}")),
    })
}

impl Eval<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("syntax error: expecting \"{op}\""))
        }
    }

    fn var(&mut self, name: &str) -> Result<i64, String> {
        match self.vars.get(name) {
            None => Ok(0),
            Some(v) if v.trim().is_empty() => Ok(0),
            Some(v) => parse_number(&v).ok_or_else(|| format!("Illegal number: {v}")),
        }
    }

    /// `live` is false on the side of `&&`, `||`, `?:` not taken: parse
    /// without side effects.
    fn comma(&mut self, live: bool) -> Result<i64, String> {
        let mut value = self.assignment(live)?;
        while self.peek_op() == Some(",") {
            self.pos += 1;
            value = self.assignment(live)?;
        }
        Ok(value)
    }

    fn assignment(&mut self, live: bool) -> Result<i64, String> {
        if let (Some(Tok::Name(name)), Some(Tok::Op(op))) = (
            self.toks.get(self.pos).cloned(),
            self.toks.get(self.pos + 1).cloned(),
        ) && op.ends_with('=')
            && !matches!(op, "==" | "!=" | "<=" | ">=")
        {
            self.pos += 2;
            let rhs = self.assignment(live)?;
            let value = if op == "=" {
                rhs
            } else {
                let current = self.var(&name)?;
                apply(&op[..op.len() - 1], current, rhs, live)?
            };
            if live {
                self.vars.set(&name, value)?;
            }
            return Ok(value);
        }
        self.conditional(live)
    }

    fn conditional(&mut self, live: bool) -> Result<i64, String> {
        let cond = self.binary(1, live)?;
        if self.peek_op() != Some("?") {
            return Ok(cond);
        }
        self.pos += 1;
        let yes = self.comma(live && cond != 0)?;
        self.expect(":")?;
        let no = self.assignment(live && cond == 0)?;
        Ok(if cond != 0 { yes } else { no })
    }

    fn binary(&mut self, min: u8, live: bool) -> Result<i64, String> {
        let mut left = self.unary(live)?;
        while let Some(op) = self.peek_op() {
            let Some(prec) = binary_precedence(op) else {
                break;
            };
            if prec < min {
                break;
            }
            self.pos += 1;
            let right_live = match op {
                "&&" => live && left != 0,
                "||" => live && left == 0,
                _ => live,
            };
            let right = self.binary(prec + 1, right_live)?;
            left = apply(op, left, right, right_live)?;
        }
        Ok(left)
    }

    fn unary(&mut self, live: bool) -> Result<i64, String> {
        match self.peek_op() {
            Some(op @ ("++" | "--")) => {
                self.pos += 1;
                let Some(Tok::Name(name)) = self.peek().cloned() else {
                    return Err(format!("syntax error: {op} needs a variable"));
                };
                self.pos += 1;
                let value = self.var(&name)? + if op == "++" { 1 } else { -1 };
                if live {
                    self.vars.set(&name, value)?;
                }
                Ok(value)
            }
            Some(op @ ("-" | "+" | "!" | "~")) => {
                self.pos += 1;
                let v = self.unary(live)?;
                Ok(match op {
                    "-" => v.wrapping_neg(),
                    "+" => v,
                    "!" => (v == 0) as i64,
                    _ => !v,
                })
            }
            _ => self.postfix(live),
        }
    }

    fn postfix(&mut self, live: bool) -> Result<i64, String> {
        match self.peek().cloned() {
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(Tok::Name(name)) => {
                self.pos += 1;
                let value = self.var(&name)?;
                if let Some(op @ ("++" | "--")) = self.peek_op() {
                    self.pos += 1;
                    if live {
                        self.vars
                            .set(&name, value + if op == "++" { 1 } else { -1 })?;
                    }
                }
                Ok(value)
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let v = self.comma(live)?;
                self.expect(")")?;
                Ok(v)
            }
            Some(tok) => Err(format!("syntax error: unexpected {tok:?}")),
            None => Err("syntax error: missing operand".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    impl Vars for HashMap<String, String> {
        fn get(&mut self, name: &str) -> Option<String> {
            HashMap::get(self, name).cloned()
        }
        fn set(&mut self, name: &str, value: i64) -> Result<(), String> {
            self.insert(name.into(), value.to_string());
            Ok(())
        }
    }

    fn calc(text: &str) -> i64 {
        eval(text, &mut HashMap::new()).unwrap()
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(calc("1 + 2 * 3"), 7);
        assert_eq!(calc("(1 + 2) * 3"), 9);
        assert_eq!(calc("7 % 3 << 2"), 4);
        assert_eq!(calc("1 < 2 && 3 > 2"), 1);
        assert_eq!(calc("0 || 0"), 0);
        assert_eq!(calc("5 & 3 | 8 ^ 1"), 9);
        assert_eq!(calc("-~0"), 1);
        assert_eq!(calc("1 ? 2 : 3"), 2);
        assert_eq!(calc("0x10 + 010"), 24);
    }

    #[test]
    fn assignment_and_short_circuit() {
        let mut vars = HashMap::new();
        assert_eq!(eval("x = 5, x += 2, x", &mut vars).unwrap(), 7);
        assert_eq!(eval("0 && (x = 100)", &mut vars).unwrap(), 0);
        assert_eq!(vars["x"], "7");
        assert!(eval("1 / 0", &mut vars).is_err());
        assert_eq!(eval("0 && 1 / 0", &mut vars).unwrap(), 0);
    }
}
