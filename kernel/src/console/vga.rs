//! The VGA text screen: 80x25 cells at physical 0xb8000, driven as a small
//! terminal (see [`super::ansi`]) with the hardware cursor following.

use super::ansi::{Action, Parser};
use crate::mm::phys;
use x86_64::instructions::port::Port;

const BUFFER: u64 = 0xb8000;
const WIDTH: usize = 80;
const HEIGHT: usize = 25;
/// Light grey on black.
const DEFAULT_ATTRIBUTE: u8 = 0x07;
/// ANSI colour numbers to VGA palette indices.
const ANSI_TO_VGA: [u8; 8] = [0, 4, 2, 6, 1, 5, 3, 7];
const CRTC_INDEX: u16 = 0x3d4;

pub struct VgaText {
    row: usize,
    /// WIDTH means "past the last column": the next character wraps first.
    column: usize,
    attribute: u8,
    reverse: bool,
    parser: Parser,
}

/// The buffer, through the direct map.
fn cells() -> *mut u16 {
    phys::to_virt(BUFFER) as *mut u16
}

fn crtc_write(register: u8, value: u8) {
    let mut index: Port<u8> = Port::new(CRTC_INDEX);
    let mut data: Port<u8> = Port::new(CRTC_INDEX + 1);
    // SAFETY: the CRT controller's index/data pair of a VGA adapter (probed
    // present); the registers written only move or shape the text cursor.
    unsafe {
        index.write(register);
        data.write(value);
    }
}

impl VgaText {
    /// Finds a VGA adapter: its Miscellaneous Output register reads 0xff when
    /// nothing decodes the VGA ports (microvm, say).
    pub fn probe() -> Option<VgaText> {
        let mut misc: Port<u8> = Port::new(0x3cc);
        // SAFETY: reading the VGA Miscellaneous Output register has no side
        // effects; on a machine without VGA the read returns 0xff.
        let value = unsafe { misc.read() };
        if value == 0xff {
            return None;
        }
        let mut vga = VgaText {
            row: 0,
            column: 0,
            attribute: DEFAULT_ATTRIBUTE,
            reverse: false,
            parser: Parser::new(),
        };
        vga.erase(0, WIDTH * HEIGHT);
        vga.update_cursor();
        Some(vga)
    }

    fn put(&mut self, index: usize, cell: u16) {
        debug_assert!(index < WIDTH * HEIGHT);
        // SAFETY: index is inside the 80x25 buffer, which the direct map
        // covers; volatile because it is device memory, and the console lock
        // serialises access.
        unsafe { cells().add(index).write_volatile(cell) }
    }

    fn get(&self, index: usize) -> u16 {
        // SAFETY: as in `put`.
        unsafe { cells().add(index).read_volatile() }
    }

    fn cell_attribute(&self) -> u16 {
        let a = if self.reverse {
            (self.attribute >> 4) | ((self.attribute & 0x0f) << 4)
        } else {
            self.attribute
        };
        u16::from(a & 0x7f) << 8
    }

    /// Blanks cells `[from, to)` of the screen, row-major.
    fn erase(&mut self, from: usize, to: usize) {
        let blank = self.cell_attribute() | u16::from(b' ');
        for index in from..to.min(WIDTH * HEIGHT) {
            self.put(index, blank);
        }
    }

    fn line_feed(&mut self) {
        if self.row + 1 < HEIGHT {
            self.row += 1;
            return;
        }
        for index in WIDTH..WIDTH * HEIGHT {
            let cell = self.get(index);
            self.put(index - WIDTH, cell);
        }
        self.erase(WIDTH * (HEIGHT - 1), WIDTH * HEIGHT);
    }

    fn print(&mut self, glyph: u8) {
        if self.column >= WIDTH {
            self.column = 0;
            self.line_feed();
        }
        let cell = self.cell_attribute() | u16::from(glyph);
        self.put(self.row * WIDTH + self.column, cell);
        self.column += 1;
    }

    fn select_graphic_rendition(&mut self, action: &Action) {
        let Action::Csi { params, count, .. } = action else {
            return;
        };
        for &p in &params[..(*count).max(1)] {
            match p {
                0 => {
                    self.attribute = DEFAULT_ATTRIBUTE;
                    self.reverse = false;
                }
                1 => self.attribute |= 0x08,
                22 => self.attribute &= !0x08,
                7 => self.reverse = true,
                27 => self.reverse = false,
                30..=37 => {
                    self.attribute = (self.attribute & 0xf8) | ANSI_TO_VGA[usize::from(p - 30)]
                }
                39 => self.attribute = (self.attribute & 0xf8) | DEFAULT_ATTRIBUTE,
                40..=47 => {
                    self.attribute =
                        (self.attribute & 0x0f) | (ANSI_TO_VGA[usize::from(p - 40)] << 4)
                }
                49 => self.attribute &= 0x0f,
                _ => {}
            }
        }
    }

    fn control_sequence(&mut self, action: &Action) {
        let Action::Csi {
            private,
            final_byte,
            ..
        } = *action
        else {
            return;
        };
        let n = usize::from(action.param(0, 1));
        let column = self.column.min(WIDTH - 1);
        let here = self.row * WIDTH + column;
        match (private, final_byte) {
            (false, b'A') => self.row = self.row.saturating_sub(n),
            (false, b'B') => self.row = (self.row + n).min(HEIGHT - 1),
            (false, b'C') => self.column = (column + n).min(WIDTH - 1),
            (false, b'D') => self.column = column.saturating_sub(n),
            (false, b'G') => self.column = (n - 1).min(WIDTH - 1),
            (false, b'H' | b'f') => {
                self.row = (n - 1).min(HEIGHT - 1);
                self.column = usize::from(action.param(1, 1) - 1).min(WIDTH - 1);
            }
            (false, b'J') => match action.param(0, 0) {
                0 => self.erase(here, WIDTH * HEIGHT),
                1 => self.erase(0, here + 1),
                _ => self.erase(0, WIDTH * HEIGHT),
            },
            (false, b'K') => {
                let start = self.row * WIDTH;
                match action.param(0, 0) {
                    0 => self.erase(here, start + WIDTH),
                    1 => self.erase(start, here + 1),
                    _ => self.erase(start, start + WIDTH),
                }
            }
            (false, b'm') => self.select_graphic_rendition(action),
            // Cursor shape: scan lines 14-15 shown, bit 5 of register 0x0a hides it.
            (true, b'l') if action.param(0, 0) == 25 => crtc_write(0x0a, 0x20),
            (true, b'h') if action.param(0, 0) == 25 => {
                crtc_write(0x0a, 14);
                crtc_write(0x0b, 15);
            }
            _ => {}
        }
    }

    fn update_cursor(&self) {
        let position = (self.row * WIDTH + self.column.min(WIDTH - 1)) as u16;
        crtc_write(0x0e, (position >> 8) as u8);
        crtc_write(0x0f, position as u8);
    }

    /// Shows bytes, interpreting controls and escape sequences.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match self.parser.feed(byte) {
                Some(Action::Print(glyph)) => self.print(glyph),
                Some(Action::Control(b'\n' | 0x0b | 0x0c)) => self.line_feed(),
                Some(Action::Control(b'\r')) => self.column = 0,
                Some(Action::Control(0x08)) => {
                    self.column = self.column.min(WIDTH - 1).saturating_sub(1)
                }
                Some(Action::Control(b'\t')) => {
                    let next = (self.column / 8 + 1) * 8;
                    while self.column < next.min(WIDTH) {
                        self.print(b' ');
                    }
                }
                Some(action @ Action::Csi { .. }) => self.control_sequence(&action),
                Some(Action::Control(_)) | None => {}
            }
        }
        self.update_cursor();
    }
}
