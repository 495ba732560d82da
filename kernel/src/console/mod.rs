//! The kernel console: COM1 and, where there is one, the VGA text screen.
//!
//! Output goes to every console that was found. The lock is a spin lock: the
//! kernel runs with interrupts off outside its idle loop, so only a panic in
//! the middle of a write can find it held (see [`emergency_write`]).

pub mod ansi;
pub mod keyboard;
mod serial;
mod vga;

use core::fmt::{self, Write};
use spin::Mutex;

struct Consoles {
    serial: Option<serial::Serial>,
    vga: Option<vga::VgaText>,
}

static CONSOLES: Mutex<Consoles> = Mutex::new(Consoles {
    serial: None,
    vga: None,
});

/// Finds and resets the consoles. `vga_allowed` is false when the firmware is
/// UEFI (no legacy text mode) even if VGA registers answer.
pub fn init(vga_allowed: bool) {
    let mut consoles = CONSOLES.lock();
    consoles.serial = serial::Serial::com1();
    consoles.vga = if vga_allowed {
        vga::VgaText::probe()
    } else {
        None
    };
}

/// Names of the consoles in use, for the boot log.
pub fn describe() -> (bool, bool) {
    let consoles = CONSOLES.lock();
    (consoles.serial.is_some(), consoles.vga.is_some())
}

impl Write for Consoles {
    /// The kernel's own messages: newlines become CR-NL on every screen.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                self.put(b"\r\n");
            }
            self.put(line.as_bytes());
        }
        Ok(())
    }
}

impl Consoles {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(serial) = &mut self.serial {
            serial.write_raw(bytes);
        }
        if let Some(vga) = &mut self.vga {
            vga.write_bytes(bytes);
        }
    }
}

/// Writes formatted text to every console.
pub fn write_fmt(args: fmt::Arguments<'_>) {
    let _ = CONSOLES.lock().write_fmt(args);
}

/// Writes even when the console lock is held (by the code that panicked):
/// interleaved output beats a silent hang.
pub fn emergency_write(args: fmt::Arguments<'_>) {
    if let Some(mut consoles) = CONSOLES.try_lock() {
        let _ = consoles.write_fmt(args);
        return;
    }
    if let Some(mut serial) = serial::Serial::com1() {
        let _ = fmt::Write::write_fmt(&mut SerialWriter(&mut serial), args);
    }
}

struct SerialWriter<'a>(&'a mut serial::Serial);

impl Write for SerialWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                self.0.write_raw(b"\r\n");
            }
            self.0.write_raw(line.as_bytes());
        }
        Ok(())
    }
}

/// Prints to the kernel console, like `print!`.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => ($crate::console::write_fmt(format_args!($($arg)*)));
}

/// Prints a line to the kernel console, like `println!`.
#[macro_export]
macro_rules! kprintln {
    () => ($crate::kprint!("\n"));
    ($($arg:tt)*) => ($crate::console::write_fmt(format_args!("{}\n", format_args!($($arg)*))));
}

/// Which screens a terminal writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    Serial,
    Vga,
    Both,
}

/// Writes bytes a terminal already processed (its line discipline turned
/// newlines into what the screen needs).
pub fn write_raw(sink: Sink, data: &[u8]) {
    let mut consoles = CONSOLES.lock();
    if sink != Sink::Vga
        && let Some(serial) = &mut consoles.serial
    {
        serial.write_raw(data);
    }
    if sink != Sink::Serial
        && let Some(vga) = &mut consoles.vga
    {
        vga.write_bytes(data);
    }
}

/// Reads what the serial line received (the interrupt handler).
pub fn serial_input(buf: &mut [u8]) -> usize {
    CONSOLES
        .lock()
        .serial
        .as_mut()
        .map_or(0, |serial| serial.read_available(buf))
}

/// Whether COM1 answered.
pub fn serial_present() -> bool {
    CONSOLES.lock().serial.is_some()
}

/// Lets COM1 raise its interrupt when input arrives.
pub fn enable_serial_interrupt() {
    if let Some(serial) = &mut CONSOLES.lock().serial {
        serial.enable_receive_interrupt();
    }
}

/// Whether the VGA screen is in use (and so the keyboard belongs to it).
pub fn has_vga() -> bool {
    CONSOLES.lock().vga.is_some()
}
