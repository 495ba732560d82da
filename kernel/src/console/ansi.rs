//! The escape sequences the VGA screen understands: enough of ECMA-48 (the
//! subset xterm and the Linux console share) for line editors, `dialoguer`
//! and full-screen prompts — cursor movement, erasing, colours.

/// Numeric parameters a control sequence keeps; more are ignored.
const MAX_PARAMS: usize = 8;

/// What one byte of output means, once a sequence is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A character cell to draw: printable ASCII, or a block for a
    /// character the screen's code page lacks.
    Print(u8),
    /// A C0 control: CR, LF, BS, TAB, BEL.
    Control(u8),
    /// `ESC [ params final`, `private` for `ESC [ ?`.
    Csi {
        private: bool,
        params: [u16; MAX_PARAMS],
        count: usize,
        final_byte: u8,
    },
}

impl Action {
    /// Parameter `i`, or `default` when it is absent or 0.
    pub fn param(&self, i: usize, default: u16) -> u16 {
        match self {
            Action::Csi { params, count, .. } if i < *count && params[i] != 0 => params[i],
            _ => default,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    Csi,
}

/// The parser: a small state machine fed one byte at a time.
pub struct Parser {
    state: State,
    params: [u16; MAX_PARAMS],
    count: usize,
    private: bool,
    /// UTF-8 continuation bytes still to swallow.
    continuation: u8,
}

/// The glyph shown for characters outside ASCII (a small square in code page 437).
pub const UNKNOWN: u8 = 0xfe;

impl Parser {
    pub const fn new() -> Parser {
        Parser {
            state: State::Ground,
            params: [0; MAX_PARAMS],
            count: 0,
            private: false,
            continuation: 0,
        }
    }

    pub fn feed(&mut self, byte: u8) -> Option<Action> {
        // CAN and SUB abort a sequence; ESC starts a new one anywhere.
        match byte {
            0x18 | 0x1a => {
                self.state = State::Ground;
                return None;
            }
            0x1b => {
                self.state = State::Escape;
                self.continuation = 0;
                return None;
            }
            _ => {}
        }
        match self.state {
            State::Ground => self.ground(byte),
            State::Escape => {
                self.state = State::Ground;
                if byte == b'[' {
                    self.state = State::Csi;
                    self.params = [0; MAX_PARAMS];
                    self.count = 0;
                    self.private = false;
                }
                // Other escapes (charset selection, keypad modes) change nothing here.
                None
            }
            State::Csi => self.csi(byte),
        }
    }

    fn ground(&mut self, byte: u8) -> Option<Action> {
        if byte < 0x20 || byte == 0x7f {
            self.continuation = 0;
            return (byte != 0x7f).then_some(Action::Control(byte));
        }
        if byte < 0x80 {
            self.continuation = 0;
            return Some(Action::Print(byte));
        }
        if byte & 0xc0 == 0x80 {
            // A continuation byte: part of a character already drawn.
            if self.continuation > 0 {
                self.continuation -= 1;
                return None;
            }
            return Some(Action::Print(UNKNOWN));
        }
        self.continuation = match byte {
            0xc0..=0xdf => 1,
            0xe0..=0xef => 2,
            _ => 3,
        };
        Some(Action::Print(UNKNOWN))
    }

    fn csi(&mut self, byte: u8) -> Option<Action> {
        match byte {
            b'0'..=b'9' => {
                if self.count == 0 {
                    self.count = 1;
                }
                if let Some(p) = self.params.get_mut(self.count - 1) {
                    *p = p.saturating_mul(10).saturating_add(u16::from(byte - b'0'));
                }
                None
            }
            b';' => {
                self.count = (self.count.max(1) + 1).min(MAX_PARAMS + 1);
                None
            }
            b'?' => {
                self.private = true;
                None
            }
            0x40..=0x7e => {
                self.state = State::Ground;
                Some(Action::Csi {
                    private: self.private,
                    params: self.params,
                    count: self.count.min(MAX_PARAMS),
                    final_byte: byte,
                })
            }
            // Intermediate bytes and stray controls inside a sequence are ignored.
            _ => None,
        }
    }
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn parse(bytes: &[u8]) -> Vec<Action> {
        let mut p = Parser::new();
        bytes.iter().filter_map(|&b| p.feed(b)).collect()
    }

    #[test]
    fn text_and_controls() {
        assert_eq!(
            parse(b"a\r\n\x08"),
            [
                Action::Print(b'a'),
                Action::Control(b'\r'),
                Action::Control(b'\n'),
                Action::Control(8)
            ]
        );
    }

    #[test]
    fn sequences_with_parameters() {
        let actions = parse(b"\x1b[12;40H\x1b[K\x1b[?25l\x1b[3D");
        assert_eq!(actions.len(), 4);
        assert!(matches!(
            actions[0],
            Action::Csi {
                final_byte: b'H',
                count: 2,
                ..
            }
        ));
        assert_eq!(actions[0].param(0, 1), 12);
        assert_eq!(actions[0].param(1, 1), 40);
        assert_eq!(actions[1].param(0, 0), 0);
        assert!(matches!(
            actions[2],
            Action::Csi {
                private: true,
                final_byte: b'l',
                ..
            }
        ));
        assert_eq!(actions[2].param(0, 0), 25);
        assert_eq!(actions[3].param(0, 1), 3);
        // An absent parameter takes the default.
        assert_eq!(parse(b"\x1b[;5H")[0].param(0, 1), 1);
    }

    #[test]
    fn utf8_is_one_cell_and_hostile_input_is_harmless() {
        assert_eq!(
            parse("é›".as_bytes()),
            [Action::Print(UNKNOWN), Action::Print(UNKNOWN)]
        );
        let long: Vec<u8> = [b"\x1b[".as_slice(), &[b'9'; 100], &[b';'; 100], b"m"].concat();
        assert_eq!(parse(&long).len(), 1);
        assert_eq!(parse(b"\x1b[12\x18x"), [Action::Print(b'x')]);
    }
}
