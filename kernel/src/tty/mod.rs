//! Terminals: the serial line (`ttyu0`), the VGA screen with the PS/2
//! keyboard (`ttyv0`), and `console`, which mirrors both. Each has a line
//! discipline ([`ldisc`]), a window size, and — once a session leader makes
//! it its controlling terminal — a session and a foreground process group,
//! which is what job control needs: signal keys go to the foreground group,
//! and background groups that read (or write, with TOSTOP) are stopped.
//!
//! Input from a device goes to the terminal of that device while a session
//! holds it (a getty started on it), else to `console`.

pub mod ldisc;

use crate::console::Sink;
use crate::fs::device;
use crate::syscall::UserMemory;
use crate::task::signal::{self, SigInfo};
use crate::task::signal::{SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, SIGWINCH};
use crate::task::wait::WaitQueue;
use crate::task::{self, Pid, Process, sched};
use abi::errno::Errno;
use abi::tty::*;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use ldisc::LineDiscipline;
use spin::Mutex;
use zerocopy::{FromBytes, IntoBytes};

/// Where input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Serial,
    Keyboard,
}

struct State {
    ldisc: LineDiscipline,
    winsize: Winsize,
    /// The session this is the controlling terminal of.
    session: Option<Pid>,
    /// The foreground process group.
    foreground: Option<Pid>,
}

pub struct Tty {
    pub name: &'static str,
    pub device: (u32, u32),
    sink: Sink,
    state: Mutex<State>,
    readable: WaitQueue,
}

impl Tty {
    const fn new(name: &'static str, device: (u32, u32), sink: Sink) -> Tty {
        Tty {
            name,
            device,
            sink,
            state: Mutex::new(State {
                ldisc: LineDiscipline::new(),
                winsize: Winsize {
                    ws_row: 25,
                    ws_col: 80,
                    ws_xpixel: 0,
                    ws_ypixel: 0,
                },
                session: None,
                foreground: None,
            }),
            readable: WaitQueue::new(),
        }
    }
}

pub static CONSOLE: Tty = Tty::new("console", device::CONSOLE, Sink::Both);
pub static SERIAL: Tty = Tty::new("ttyu0", device::TTYU0, Sink::Serial);
pub static SCREEN: Tty = Tty::new("ttyv0", device::TTYV0, Sink::Vga);

/// The terminal behind a device number; `/dev/tty` is the caller's
/// controlling terminal (ENXIO without one).
pub fn by_device(dev: (u32, u32)) -> Result<&'static Tty, Errno> {
    match dev {
        device::CONSOLE => Ok(&CONSOLE),
        device::TTYU0 => Ok(&SERIAL),
        device::TTYV0 => Ok(&SCREEN),
        device::TTY => (*sched::current().process.ctty.lock()).ok_or(Errno::ENXIO),
        _ => Err(Errno::ENODEV),
    }
}

/// Input from a device (an interrupt handler calls this).
pub fn receive(source: Source, bytes: &[u8]) {
    let own = match source {
        Source::Serial => &SERIAL,
        Source::Keyboard => &SCREEN,
    };
    let tty = if own.state.lock().session.is_some() {
        own
    } else {
        &CONSOLE
    };
    tty.receive(bytes);
}

/// Sends `signo` from the kernel to every live process of group `pgid`.
fn signal_group(pgid: Pid, signo: u32) {
    for process in task::process_group(pgid) {
        signal::send_process(&process, signo, SigInfo::kernel(signo));
    }
}

impl Tty {
    fn receive(&self, bytes: &[u8]) {
        let mut echo = Vec::new();
        let mut signals = Vec::new();
        let mut readable = false;
        let foreground = {
            let mut state = self.state.lock();
            for &byte in bytes {
                let reaction = state.ldisc.receive(byte);
                echo.extend(reaction.echo);
                signals.extend(reaction.signal);
                readable |= reaction.readable;
            }
            state.foreground
        };
        if !echo.is_empty() {
            crate::console::write_raw(self.sink, &echo);
        }
        if readable {
            self.readable.wake_all();
        }
        if let Some(group) = foreground {
            for signo in signals {
                signal_group(group, signo);
            }
        }
    }

    /// Job control: a background process of this terminal's session that
    /// reads (SIGTTIN) or changes it or writes with TOSTOP (SIGTTOU) has its
    /// group stopped; the call starts again once it runs in the foreground.
    fn check_foreground(&self, signo: u32) -> Result<(), Errno> {
        let me = sched::current().process.clone();
        if !core::ptr::eq(
            (*me.ctty.lock()).map_or(core::ptr::null(), |t| t as *const Tty),
            self,
        ) {
            return Ok(());
        }
        let group = me.pgid.load(Ordering::Relaxed);
        let foreground = self.state.lock().foreground;
        if foreground.is_none_or(|f| f == group) {
            return Ok(());
        }
        if signal::ignores_or_blocks(&sched::current(), signo) {
            // Reading is refused; changing or writing is allowed.
            return if signo == SIGTTIN {
                Err(Errno::EIO)
            } else {
                Ok(())
            };
        }
        signal_group(group, signo);
        Err(Errno::EINTR)
    }

    pub fn read(&self, buf: &mut [u8], nonblocking: bool) -> Result<usize, Errno> {
        self.check_foreground(SIGTTIN)?;
        if buf.is_empty() {
            return Ok(0);
        }
        let mut deadline = None;
        loop {
            let polls = {
                let mut state = self.state.lock();
                if state.ldisc.readable(buf.len()) {
                    return Ok(state.ldisc.read(buf));
                }
                if state.ldisc.polls() {
                    // VMIN 0: wait at most VTIME tenths of a second.
                    let ticks = u64::from(state.ldisc.read_timeout())
                        * u64::from(crate::time::TICK_HZ)
                        / 10;
                    let end = *deadline.get_or_insert(crate::time::ticks() + ticks);
                    if crate::time::ticks() >= end {
                        return Ok(0);
                    }
                }
                state.ldisc.polls()
            };
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            if polls {
                crate::time::sleep_ticks(1)?;
            } else {
                self.readable
                    .wait_while(|| !self.state.lock().ldisc.readable(buf.len()))?;
            }
        }
    }

    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        let tostop = self.state.lock().ldisc.termios().c_lflag & TOSTOP != 0;
        if tostop {
            self.check_foreground(SIGTTOU)?;
        }
        let mut out = Vec::with_capacity(data.len() + data.len() / 8);
        self.state.lock().ldisc.output(data, &mut out);
        crate::console::write_raw(self.sink, &out);
        Ok(data.len())
    }

    /// The foreground process group, for /proc.
    pub fn foreground(&self) -> Option<Pid> {
        self.state.lock().foreground
    }

    /// (readable, writable) for poll.
    pub fn poll(&self) -> (bool, bool) {
        let state = self.state.lock();
        (state.ldisc.readable(1) || state.ldisc.polls(), true)
    }

    /// Makes this the controlling terminal of `me`'s session (TIOCSCTTY, or
    /// an open by a session leader without one).
    fn make_controlling(&'static self, me: &Arc<Process>, steal: bool) -> Result<(), Errno> {
        let sid = me.sid.load(Ordering::Relaxed);
        // Already this session's terminal (opening it made it so): done.
        if self.is_controlling_for(me) && self.state.lock().session == Some(sid) {
            return Ok(());
        }
        if sid != me.pid || me.ctty.lock().is_some() {
            return Err(Errno::EPERM);
        }
        let mut state = self.state.lock();
        if let Some(owner) = state.session
            && owner != sid
        {
            if !(steal && me.creds.lock().euid == 0) {
                return Err(Errno::EPERM);
            }
            detach_session(owner);
        }
        state.session = Some(sid);
        state.foreground = Some(me.pgid.load(Ordering::Relaxed));
        *me.ctty.lock() = Some(self);
        Ok(())
    }

    /// Called when a session leader without a controlling terminal opens
    /// this one without O_NOCTTY, as Linux does.
    pub fn opened(&'static self, noctty: bool) {
        let me = sched::current().process.clone();
        if !noctty && self.state.lock().session.is_none() {
            let _ = self.make_controlling(&me, false);
        }
    }

    fn is_controlling_for(&self, me: &Arc<Process>) -> bool {
        (*me.ctty.lock()).is_some_and(|t| core::ptr::eq(t, self))
    }

    pub fn ioctl(
        &'static self,
        mem: &UserMemory<'_>,
        request: u32,
        arg: u64,
    ) -> Result<u64, Errno> {
        let me = sched::current().process.clone();
        match request {
            TCGETS => {
                let termios = self.state.lock().ldisc.termios();
                mem.write(arg, termios.as_bytes())?;
            }
            TCSETS | TCSETSW | TCSETSF => {
                let mut bytes = [0u8; core::mem::size_of::<Termios>()];
                mem.read(arg, &mut bytes)?;
                let termios = Termios::read_from_bytes(&bytes).map_err(|_| Errno::EFAULT)?;
                self.check_foreground(SIGTTOU)?;
                let mut state = self.state.lock();
                if request == TCSETSF {
                    state.ldisc.flush_input();
                }
                state.ldisc.set_termios(termios);
                drop(state);
                // Leaving canonical mode can make typed input readable.
                self.readable.wake_all();
            }
            TCFLSH => {
                if arg as u32 == TCIFLUSH || arg as u32 == TCIOFLUSH {
                    self.state.lock().ldisc.flush_input();
                } else if arg as u32 != TCOFLUSH {
                    return Err(Errno::EINVAL);
                }
            }
            // Output is never held back: draining, breaks and flow control
            // have nothing to wait for.
            TCSBRK | TCXONC => {}
            FIONREAD | TIOCOUTQ => {
                let n = if request == FIONREAD {
                    self.state.lock().ldisc.available()
                } else {
                    0
                };
                mem.write_u32(arg, n as u32)?;
            }
            TIOCGWINSZ => {
                let size = self.state.lock().winsize;
                mem.write(arg, size.as_bytes())?;
            }
            TIOCSWINSZ => {
                let mut bytes = [0u8; core::mem::size_of::<Winsize>()];
                mem.read(arg, &mut bytes)?;
                let size = Winsize::read_from_bytes(&bytes).map_err(|_| Errno::EFAULT)?;
                let mut state = self.state.lock();
                let changed = state.winsize.as_bytes() != size.as_bytes();
                state.winsize = size;
                let foreground = state.foreground;
                drop(state);
                if changed && let Some(group) = foreground {
                    signal_group(group, SIGWINCH);
                }
            }
            TIOCSCTTY => self.make_controlling(&me, arg == 1)?,
            TIOCNOTTY => {
                if !self.is_controlling_for(&me) {
                    return Err(Errno::ENOTTY);
                }
                if me.sid.load(Ordering::Relaxed) == me.pid {
                    hang_up(&me);
                } else {
                    *me.ctty.lock() = None;
                }
            }
            TIOCGPGRP | TIOCGSID => {
                if !self.is_controlling_for(&me) {
                    return Err(Errno::ENOTTY);
                }
                let state = self.state.lock();
                let value = if request == TIOCGPGRP {
                    state.foreground
                } else {
                    state.session
                };
                mem.write_u32(arg, value.unwrap_or(0))?;
            }
            TIOCSPGRP => {
                if !self.is_controlling_for(&me) {
                    return Err(Errno::ENOTTY);
                }
                let group = mem.read_u32(arg)?;
                let session = me.sid.load(Ordering::Relaxed);
                let exists = task::process_group(group)
                    .iter()
                    .any(|p| p.sid.load(Ordering::Relaxed) == session);
                if !exists {
                    return Err(Errno::EPERM);
                }
                self.check_foreground(SIGTTOU)?;
                self.state.lock().foreground = Some(group);
            }
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }
}

/// Forgets the controlling terminal of every process of `session`.
fn detach_session(session: Pid) {
    for process in task::all_processes() {
        if process.sid.load(Ordering::Relaxed) == session {
            *process.ctty.lock() = None;
        }
    }
}

/// The session leader `leader` leaves its terminal (it exits, or
/// TIOCNOTTY): the foreground group gets SIGHUP and SIGCONT, and the
/// terminal is free for another session.
pub fn hang_up(process: &Arc<Process>) {
    let leader = process.pid;
    let Some(tty) = *process.ctty.lock() else {
        return;
    };
    let foreground = {
        let mut state = tty.state.lock();
        if state.session != Some(leader) {
            return;
        }
        state.session = None;
        state.foreground.take()
    };
    detach_session(leader);
    if let Some(group) = foreground {
        signal_group(group, SIGHUP);
        signal_group(group, SIGCONT);
    }
    tty.readable.wake_all();
}

fn on_serial_interrupt(_frame: &mut crate::arch::trap::TrapFrame) {
    let mut buf = [0u8; 64];
    loop {
        let n = crate::console::serial_input(&mut buf);
        if n == 0 {
            break;
        }
        receive(Source::Serial, &buf[..n]);
    }
}

fn on_keyboard_interrupt(_frame: &mut crate::arch::trap::TrapFrame) {
    let mut bytes = Vec::new();
    crate::console::keyboard::read_input(&mut bytes);
    if !bytes.is_empty() {
        receive(Source::Keyboard, &bytes);
    }
}

/// Starts terminal input: the serial line's receive interrupt, and the
/// keyboard's when there is a VGA screen (and an i8042) to go with it.
/// Returns what was started, for the boot log.
pub fn start_input(platform: &crate::platform::Platform) -> (bool, bool) {
    let serial = crate::console::serial_present()
        && crate::interrupts::enable_isa_irq(platform, 4, on_serial_interrupt);
    if serial {
        crate::console::enable_serial_interrupt();
    }
    let keyboard = crate::console::has_vga()
        && crate::console::keyboard::controller_present()
        && crate::interrupts::enable_isa_irq(platform, 1, on_keyboard_interrupt);
    if keyboard {
        // Scan codes typed before now would arrive without their context.
        let mut stale = Vec::new();
        crate::console::keyboard::read_input(&mut stale);
    }
    (serial, keyboard)
}
