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

/// The console's settings as TCGETS reports them: a cooked 38400 8N1
/// terminal with echo and the usual control characters (Linux's defaults).
fn console_termios() -> abi::tty::Termios {
    use abi::tty::*;
    let mut c_cc = [0u8; NCCS];
    for (index, value) in [
        (VINTR, 3),
        (VQUIT, 28),
        (VERASE, 127),
        (VKILL, 21),
        (VEOF, 4),
        (VMIN, 1),
        (VSTART, 17),
        (VSTOP, 19),
        (VSUSP, 26),
        (VREPRINT, 18),
        (VDISCARD, 15),
        (VWERASE, 23),
        (VLNEXT, 22),
    ] {
        c_cc[index] = value;
    }
    Termios {
        c_iflag: ICRNL | IXON,
        c_oflag: OPOST | ONLCR,
        c_cflag: B38400 | CS8 | CREAD | HUPCL,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE,
        c_line: 0,
        c_cc,
    }
}

/// Terminal ioctls on the console. Settings are fixed until the TTY line
/// discipline: changes are accepted and have no effect yet.
pub fn tty_ioctl(
    mem: &crate::syscall::UserMemory<'_>,
    pgid: u32,
    request: u64,
    arg: u64,
) -> crate::syscall::Result {
    use abi::tty::{
        TCGETS, TCSETS, TCSETSF, TCSETSW, TIOCGPGRP, TIOCGWINSZ, TIOCSPGRP, TIOCSWINSZ, Winsize,
    };
    use zerocopy::IntoBytes;
    match request as u32 {
        TCGETS => mem.write(arg, console_termios().as_bytes()).map(|_| 0),
        TCSETS | TCSETSW | TCSETSF | TIOCSPGRP | TIOCSWINSZ => Ok(0),
        TIOCGPGRP => mem.write_u32(arg, pgid).map(|_| 0),
        TIOCGWINSZ => {
            let size = Winsize {
                ws_row: 25,
                ws_col: 80,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            mem.write(arg, size.as_bytes()).map(|_| 0)
        }
        _ => Err(abi::errno::Errno::ENOTTY),
    }
}
