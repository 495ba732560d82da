//! The VGA text screen: 80x25 cells at physical 0xb8000.

use crate::mm::phys;
use x86_64::instructions::port::Port;

const BUFFER: u64 = 0xb8000;
const WIDTH: usize = 80;
const HEIGHT: usize = 25;
/// Light grey on black.
const ATTRIBUTE: u16 = 0x07 << 8;

pub struct VgaText {
    column: usize,
}

/// The buffer, through the direct map.
fn cells() -> *mut u16 {
    phys::to_virt(BUFFER) as *mut u16
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
        let mut vga = VgaText { column: 0 };
        vga.clear();
        Some(vga)
    }

    fn put(&mut self, row: usize, column: usize, cell: u16) {
        debug_assert!(row < HEIGHT && column < WIDTH);
        // SAFETY: row and column are inside the 80x25 buffer, which the
        // direct map covers; volatile because it is
        // device memory, and the console lock serialises access.
        unsafe { cells().add(row * WIDTH + column).write_volatile(cell) }
    }

    fn get(&self, row: usize, column: usize) -> u16 {
        // SAFETY: as in `put`.
        unsafe { cells().add(row * WIDTH + column).read_volatile() }
    }

    fn clear(&mut self) {
        for row in 0..HEIGHT {
            self.clear_row(row);
        }
    }

    fn clear_row(&mut self, row: usize) {
        for column in 0..WIDTH {
            self.put(row, column, ATTRIBUTE | u16::from(b' '));
        }
    }

    fn new_line(&mut self) {
        for row in 1..HEIGHT {
            for column in 0..WIDTH {
                let cell = self.get(row, column);
                self.put(row - 1, column, cell);
            }
        }
        self.clear_row(HEIGHT - 1);
        self.column = 0;
    }

    /// Writes on the bottom line, scrolling up; non-ASCII shows as a block.
    pub fn write_str(&mut self, s: &str) {
        for byte in s.bytes() {
            match byte {
                b'\n' => self.new_line(),
                b'\r' => self.column = 0,
                byte => {
                    if self.column == WIDTH {
                        self.new_line();
                    }
                    let glyph = if byte.is_ascii_graphic() || byte == b' ' {
                        byte
                    } else {
                        0xfe
                    };
                    self.put(HEIGHT - 1, self.column, ATTRIBUTE | u16::from(glyph));
                    self.column += 1;
                }
            }
        }
    }
}
