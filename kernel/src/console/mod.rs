//! The kernel console: COM1 and, where there is one, the VGA text screen.
//!
//! Output goes to every console that was found. The lock is a spin lock: the
//! kernel runs with interrupts off outside its idle loop, so only a panic in
//! the middle of a write can find it held (see [`emergency_write`]).

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
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(serial) = &mut self.serial {
            serial.write_str(s);
        }
        if let Some(vga) = &mut self.vga {
            vga.write_str(s);
        }
        Ok(())
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
        self.0.write_str(s);
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
