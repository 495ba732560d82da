//! Terminals: the kernel's `termios` as `TCGETS`/`TCSETS*` transfer it, its flag bits and
//! control-character indices, `winsize`, and the terminal and file ioctl numbers.
//!
//! Values from `include/uapi/asm-generic/{termbits,termbits-common,ioctls}.h` (x86_64 uses
//! the generic definitions). glibc's userspace `struct termios` is different (32 control
//! characters plus speed fields); libc converts.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Number of control characters in the kernel's `termios`.
pub const NCCS: usize = 19;

/// The kernel's `struct termios` (36 bytes).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Termios {
    /// Input mode flags.
    pub c_iflag: u32,
    /// Output mode flags.
    pub c_oflag: u32,
    /// Control mode flags (including the baud rate).
    pub c_cflag: u32,
    /// Local mode flags.
    pub c_lflag: u32,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters, indexed by `V*`.
    pub c_cc: [u8; NCCS],
}

/// `struct winsize` (`TIOCGWINSZ`, `TIOCSWINSZ`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct Winsize {
    /// Rows, in characters.
    pub ws_row: u16,
    /// Columns, in characters.
    pub ws_col: u16,
    /// Width, in pixels (unused).
    pub ws_xpixel: u16,
    /// Height, in pixels (unused).
    pub ws_ypixel: u16,
}

// `c_cc` indices.
/// Interrupt character (`^C`).
pub const VINTR: usize = 0;
/// Quit character (`^\`).
pub const VQUIT: usize = 1;
/// Erase character (DEL).
pub const VERASE: usize = 2;
/// Kill-line character (`^U`).
pub const VKILL: usize = 3;
/// End-of-file character (`^D`).
pub const VEOF: usize = 4;
/// Non-canonical read timeout, in deciseconds.
pub const VTIME: usize = 5;
/// Non-canonical read minimum byte count.
pub const VMIN: usize = 6;
/// Switch character (unused).
pub const VSWTC: usize = 7;
/// Start-output character (`^Q`).
pub const VSTART: usize = 8;
/// Stop-output character (`^S`).
pub const VSTOP: usize = 9;
/// Suspend character (`^Z`).
pub const VSUSP: usize = 10;
/// Additional end-of-line character.
pub const VEOL: usize = 11;
/// Reprint character (`^R`).
pub const VREPRINT: usize = 12;
/// Discard character (`^O`).
pub const VDISCARD: usize = 13;
/// Word-erase character (`^W`).
pub const VWERASE: usize = 14;
/// Literal-next character (`^V`).
pub const VLNEXT: usize = 15;
/// Second additional end-of-line character.
pub const VEOL2: usize = 16;

// `c_iflag` bits.
/// Ignore BREAK.
pub const IGNBRK: u32 = 0o000001;
/// BREAK sends `SIGINT`.
pub const BRKINT: u32 = 0o000002;
/// Ignore parity errors.
pub const IGNPAR: u32 = 0o000004;
/// Mark parity errors.
pub const PARMRK: u32 = 0o000010;
/// Check input parity.
pub const INPCK: u32 = 0o000020;
/// Strip the eighth bit.
pub const ISTRIP: u32 = 0o000040;
/// Translate NL to CR.
pub const INLCR: u32 = 0o000100;
/// Ignore CR.
pub const IGNCR: u32 = 0o000200;
/// Translate CR to NL.
pub const ICRNL: u32 = 0o000400;
/// Map upper case to lower case.
pub const IUCLC: u32 = 0o001000;
/// XON/XOFF output flow control.
pub const IXON: u32 = 0o002000;
/// Any character restarts output.
pub const IXANY: u32 = 0o004000;
/// XON/XOFF input flow control.
pub const IXOFF: u32 = 0o010000;
/// Ring the bell when the input queue is full.
pub const IMAXBEL: u32 = 0o020000;
/// Input is UTF-8 (for erase in canonical mode).
pub const IUTF8: u32 = 0o040000;

// `c_oflag` bits.
/// Post-process output.
pub const OPOST: u32 = 0o000001;
/// Map lower case to upper case.
pub const OLCUC: u32 = 0o000002;
/// Map NL to CR-NL.
pub const ONLCR: u32 = 0o000004;
/// Map CR to NL.
pub const OCRNL: u32 = 0o000010;
/// Do not output CR at column 0.
pub const ONOCR: u32 = 0o000020;
/// NL performs the CR function.
pub const ONLRET: u32 = 0o000040;
/// Send fill characters for delays.
pub const OFILL: u32 = 0o000100;
/// The fill character is DEL.
pub const OFDEL: u32 = 0o000200;

// `c_cflag` bits.
/// Mask of the baud rate.
pub const CBAUD: u32 = 0o010017;
/// Hang up.
pub const B0: u32 = 0o000000;
/// 9600 baud.
pub const B9600: u32 = 0o000015;
/// 19200 baud.
pub const B19200: u32 = 0o000016;
/// 38400 baud.
pub const B38400: u32 = 0o000017;
/// 57600 baud.
pub const B57600: u32 = 0o010001;
/// 115200 baud.
pub const B115200: u32 = 0o010002;
/// Mask of the character size.
pub const CSIZE: u32 = 0o000060;
/// 5-bit characters.
pub const CS5: u32 = 0o000000;
/// 6-bit characters.
pub const CS6: u32 = 0o000020;
/// 7-bit characters.
pub const CS7: u32 = 0o000040;
/// 8-bit characters.
pub const CS8: u32 = 0o000060;
/// Two stop bits.
pub const CSTOPB: u32 = 0o000100;
/// Enable the receiver.
pub const CREAD: u32 = 0o000200;
/// Enable parity.
pub const PARENB: u32 = 0o000400;
/// Odd parity.
pub const PARODD: u32 = 0o001000;
/// Hang up on last close.
pub const HUPCL: u32 = 0o002000;
/// Ignore modem control lines.
pub const CLOCAL: u32 = 0o004000;
/// Extended baud rates bit.
pub const CBAUDEX: u32 = 0o010000;
/// Custom baud rate in `c_ispeed`/`c_ospeed` (`termios2`).
pub const BOTHER: u32 = 0o010000;
/// Mask of the input baud rate.
pub const CIBAUD: u32 = 0o002003600000;
/// RTS/CTS flow control.
pub const CRTSCTS: u32 = 0o020000000000;

// `c_lflag` bits.
/// Generate signals for INTR, QUIT and SUSP.
pub const ISIG: u32 = 0o000001;
/// Canonical (line) mode.
pub const ICANON: u32 = 0o000002;
/// Upper-case terminal (obsolete).
pub const XCASE: u32 = 0o000004;
/// Echo input.
pub const ECHO: u32 = 0o000010;
/// ERASE erases the previous character.
pub const ECHOE: u32 = 0o000020;
/// KILL erases the line.
pub const ECHOK: u32 = 0o000040;
/// Echo NL even without `ECHO`.
pub const ECHONL: u32 = 0o000100;
/// Do not flush queues on signals.
pub const NOFLSH: u32 = 0o000200;
/// Background writes send `SIGTTOU`.
pub const TOSTOP: u32 = 0o000400;
/// Echo control characters as `^X`.
pub const ECHOCTL: u32 = 0o001000;
/// Print erased characters.
pub const ECHOPRT: u32 = 0o002000;
/// KILL erases the line visually.
pub const ECHOKE: u32 = 0o004000;
/// Output is being flushed.
pub const FLUSHO: u32 = 0o010000;
/// Retype pending input.
pub const PENDIN: u32 = 0o040000;
/// Extended input processing.
pub const IEXTEN: u32 = 0o100000;
/// External processing.
pub const EXTPROC: u32 = 0o200000;

// `TCFLSH` arguments.
/// Flush pending input.
pub const TCIFLUSH: u32 = 0;
/// Flush pending output.
pub const TCOFLUSH: u32 = 1;
/// Flush both.
pub const TCIOFLUSH: u32 = 2;

// `TCXONC` arguments.
/// Suspend output.
pub const TCOOFF: u32 = 0;
/// Restart output.
pub const TCOON: u32 = 1;
/// Send STOP.
pub const TCIOFF: u32 = 2;
/// Send START.
pub const TCION: u32 = 3;

// ioctl request numbers.
/// Get the [`Termios`].
pub const TCGETS: u32 = 0x5401;
/// Set the [`Termios`] now.
pub const TCSETS: u32 = 0x5402;
/// Set the [`Termios`] after output drains.
pub const TCSETSW: u32 = 0x5403;
/// Set the [`Termios`] after output drains, flushing input.
pub const TCSETSF: u32 = 0x5404;
/// Send a break, or drain output (`tcdrain`) with a non-zero argument.
pub const TCSBRK: u32 = 0x5409;
/// Flow control (`TCOOFF`...).
pub const TCXONC: u32 = 0x540a;
/// Flush queues (`TCIFLUSH`...).
pub const TCFLSH: u32 = 0x540b;
/// Make the terminal the controlling terminal.
pub const TIOCSCTTY: u32 = 0x540e;
/// Get the foreground process group.
pub const TIOCGPGRP: u32 = 0x540f;
/// Set the foreground process group.
pub const TIOCSPGRP: u32 = 0x5410;
/// Bytes in the output queue.
pub const TIOCOUTQ: u32 = 0x5411;
/// Get the [`Winsize`].
pub const TIOCGWINSZ: u32 = 0x5413;
/// Set the [`Winsize`] (sends `SIGWINCH`).
pub const TIOCSWINSZ: u32 = 0x5414;
/// Bytes available to read.
pub const FIONREAD: u32 = 0x541b;
/// Set or clear non-blocking mode.
pub const FIONBIO: u32 = 0x5421;
/// Give up the controlling terminal.
pub const TIOCNOTTY: u32 = 0x5422;
/// Get the session id of the terminal.
pub const TIOCGSID: u32 = 0x5429;
/// Get the pty number.
pub const TIOCGPTN: u32 = 0x8004_5430;
/// Lock or unlock a pty.
pub const TIOCSPTLCK: u32 = 0x4004_5431;
/// Clear close-on-exec.
pub const FIONCLEX: u32 = 0x5450;
/// Set close-on-exec.
pub const FIOCLEX: u32 = 0x5451;
/// Set or clear `O_ASYNC`.
pub const FIOASYNC: u32 = 0x5452;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{same_consts, same_offsets};

    #[test]
    fn constants_match_libc() {
        same_consts! { u64;
            VINTR => libc::VINTR, VQUIT => libc::VQUIT, VERASE => libc::VERASE,
            VKILL => libc::VKILL, VEOF => libc::VEOF, VTIME => libc::VTIME,
            VMIN => libc::VMIN, VSWTC => libc::VSWTC, VSTART => libc::VSTART,
            VSTOP => libc::VSTOP, VSUSP => libc::VSUSP, VEOL => libc::VEOL,
            VREPRINT => libc::VREPRINT, VDISCARD => libc::VDISCARD,
            VWERASE => libc::VWERASE, VLNEXT => libc::VLNEXT, VEOL2 => libc::VEOL2,
            IGNBRK => libc::IGNBRK, BRKINT => libc::BRKINT, IGNPAR => libc::IGNPAR,
            PARMRK => libc::PARMRK, INPCK => libc::INPCK, ISTRIP => libc::ISTRIP,
            INLCR => libc::INLCR, IGNCR => libc::IGNCR, ICRNL => libc::ICRNL,
            IUCLC => libc::IUCLC, IXON => libc::IXON, IXANY => libc::IXANY,
            IXOFF => libc::IXOFF, IMAXBEL => libc::IMAXBEL, IUTF8 => libc::IUTF8,
            OPOST => libc::OPOST, OLCUC => libc::OLCUC, ONLCR => libc::ONLCR,
            OCRNL => libc::OCRNL, ONOCR => libc::ONOCR, ONLRET => libc::ONLRET,
            OFILL => libc::OFILL, OFDEL => libc::OFDEL,
            CBAUD => libc::CBAUD, B0 => libc::B0, B9600 => libc::B9600,
            B19200 => libc::B19200, B38400 => libc::B38400, B57600 => libc::B57600,
            B115200 => libc::B115200, CSIZE => libc::CSIZE, CS5 => libc::CS5,
            CS6 => libc::CS6, CS7 => libc::CS7, CS8 => libc::CS8, CSTOPB => libc::CSTOPB,
            CREAD => libc::CREAD, PARENB => libc::PARENB, PARODD => libc::PARODD,
            HUPCL => libc::HUPCL, CLOCAL => libc::CLOCAL, CBAUDEX => libc::CBAUDEX,
            BOTHER => libc::BOTHER, CIBAUD => libc::CIBAUD, CRTSCTS => libc::CRTSCTS,
            ISIG => libc::ISIG, ICANON => libc::ICANON, XCASE => libc::XCASE,
            ECHO => libc::ECHO, ECHOE => libc::ECHOE, ECHOK => libc::ECHOK,
            ECHONL => libc::ECHONL, NOFLSH => libc::NOFLSH, TOSTOP => libc::TOSTOP,
            ECHOCTL => libc::ECHOCTL, ECHOPRT => libc::ECHOPRT, ECHOKE => libc::ECHOKE,
            FLUSHO => libc::FLUSHO, PENDIN => libc::PENDIN, IEXTEN => libc::IEXTEN,
            EXTPROC => libc::EXTPROC,
            TCIFLUSH => libc::TCIFLUSH, TCOFLUSH => libc::TCOFLUSH,
            TCIOFLUSH => libc::TCIOFLUSH,
            TCOOFF => libc::TCOOFF, TCOON => libc::TCOON, TCIOFF => libc::TCIOFF,
            TCION => libc::TCION,
            TCGETS => libc::TCGETS, TCSETS => libc::TCSETS, TCSETSW => libc::TCSETSW,
            TCSETSF => libc::TCSETSF, TCSBRK => libc::TCSBRK, TCXONC => libc::TCXONC,
            TCFLSH => libc::TCFLSH, TIOCSCTTY => libc::TIOCSCTTY,
            TIOCGPGRP => libc::TIOCGPGRP, TIOCSPGRP => libc::TIOCSPGRP,
            TIOCOUTQ => libc::TIOCOUTQ, TIOCGWINSZ => libc::TIOCGWINSZ,
            TIOCSWINSZ => libc::TIOCSWINSZ, FIONREAD => libc::FIONREAD,
            FIONBIO => libc::FIONBIO, TIOCNOTTY => libc::TIOCNOTTY,
            TIOCGSID => libc::TIOCGSID, TIOCGPTN => libc::TIOCGPTN,
            TIOCSPTLCK => libc::TIOCSPTLCK, FIONCLEX => libc::FIONCLEX,
            FIOCLEX => libc::FIOCLEX, FIOASYNC => libc::FIOASYNC,
        }
    }

    /// The kernel `termios` is `termios2` without the two trailing speed words.
    #[test]
    fn layouts_match_libc() {
        same_offsets!(Termios, libc::termios2;
            c_iflag => c_iflag, c_oflag => c_oflag, c_cflag => c_cflag,
            c_lflag => c_lflag, c_line => c_line, c_cc => c_cc);
        assert_eq!(core::mem::size_of::<Termios>(), 36);
        assert_eq!(
            core::mem::size_of::<Termios>(),
            core::mem::offset_of!(libc::termios2, c_ispeed)
        );
        assert_eq!(
            core::mem::offset_of!(libc::termios2, c_ispeed)
                - core::mem::offset_of!(libc::termios2, c_cc),
            NCCS
        );
        crate::check::same_layout!(Winsize, libc::winsize;
            ws_row => ws_row, ws_col => ws_col, ws_xpixel => ws_xpixel,
            ws_ypixel => ws_ypixel);
    }
}
