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

/// Writes raw bytes from user programs to every console.
pub fn write_bytes(data: &[u8]) {
    let text = alloc::string::String::from_utf8_lossy(data);
    let _ = CONSOLES.lock().write_str(&text);
}

/// Reads what the serial console has received, without waiting: the line
/// discipline (canonical mode, echo, job control keys) comes with the TTY.
pub fn read_input(buf: &mut [u8]) -> usize {
    let mut consoles = CONSOLES.lock();
    let Some(serial) = consoles.serial.as_mut() else {
        return 0;
    };
    serial.read_available(buf)
}

/// Whether input is waiting.
pub fn input_available() -> bool {
    CONSOLES
        .lock()
        .serial
        .as_mut()
        .is_some_and(|s| s.has_input())
}

/// Terminal ioctls on the console.
pub fn tty_ioctl(
    mem: &crate::syscall::UserMemory<'_>,
    pgid: u32,
    request: u64,
    arg: u64,
) -> crate::syscall::Result {
    const TCGETS: u64 = 0x5401;
    const TCSETS: u64 = 0x5402;
    const TCSETSW: u64 = 0x5403;
    const TCSETSF: u64 = 0x5404;
    const TIOCGPGRP: u64 = 0x540f;
    const TIOCSPGRP: u64 = 0x5410;
    const TIOCGWINSZ: u64 = 0x5413;
    const TIOCSWINSZ: u64 = 0x5414;
    match request {
        TCGETS => {
            // c_iflag ICRNL|IXON, c_oflag OPOST|ONLCR, c_cflag B38400|CS8|CREAD|HUPCL,
            // c_lflag ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, then c_cc.
            let mut t = [0u8; 36];
            t[0..4].copy_from_slice(&0x500u32.to_le_bytes());
            t[4..8].copy_from_slice(&0x5u32.to_le_bytes());
            t[8..12].copy_from_slice(&0xbfu32.to_le_bytes());
            t[12..16].copy_from_slice(&0x8a3bu32.to_le_bytes());
            let cc = [3u8, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22];
            t[17..17 + cc.len()].copy_from_slice(&cc);
            mem.write(arg, &t)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF | TIOCSPGRP | TIOCSWINSZ => Ok(0),
        TIOCGPGRP => mem.write_u32(arg, pgid).map(|_| 0),
        TIOCGWINSZ => {
            let mut w = [0u8; 8];
            w[0..2].copy_from_slice(&25u16.to_le_bytes());
            w[2..4].copy_from_slice(&80u16.to_le_bytes());
            mem.write(arg, &w)?;
            Ok(0)
        }
        _ => Err(abi::errno::Errno::ENOTTY),
    }
}
