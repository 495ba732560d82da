//! Character devices: the terminals, the memory devices and the random
//! ones; and devfs, which also holds the block devices (see
//! [`crate::block::volume`]).

use super::node::{Node, NodeRef, S_IFBLK, S_IFCHR};
use abi::errno::Errno;

pub const MEM_MAJOR: u32 = 1;
pub const NULL: (u32, u32) = (1, 3);
pub const ZERO: (u32, u32) = (1, 5);
pub const FULL: (u32, u32) = (1, 7);
pub const RANDOM: (u32, u32) = (1, 8);
pub const URANDOM: (u32, u32) = (1, 9);
pub const TTY: (u32, u32) = (5, 0);
pub const CONSOLE: (u32, u32) = (5, 1);
/// The serial line, COM1 (Linux's ttyS0).
pub const TTYU0: (u32, u32) = (4, 64);
/// The VGA screen and keyboard (Linux's tty1).
pub const TTYV0: (u32, u32) = (4, 1);

/// Whether (major, minor) is a terminal.
pub fn is_terminal(dev: (u32, u32)) -> bool {
    matches!(dev, TTY | CONSOLE | TTYU0 | TTYV0)
}

/// Reads from a device; terminals wait for input unless `nonblocking`.
pub fn read(dev: (u32, u32), buf: &mut [u8], nonblocking: bool) -> Result<usize, Errno> {
    match dev {
        NULL => Ok(0),
        ZERO | FULL => {
            buf.fill(0);
            Ok(buf.len())
        }
        RANDOM | URANDOM => {
            crate::random::fill(buf);
            Ok(buf.len())
        }
        d if is_terminal(d) => crate::tty::by_device(d)?.read(buf, nonblocking),
        _ => Err(Errno::ENXIO),
    }
}

/// Writes to a device.
pub fn write(dev: (u32, u32), data: &[u8]) -> Result<usize, Errno> {
    match dev {
        NULL | ZERO | RANDOM | URANDOM => Ok(data.len()),
        FULL => Err(Errno::ENOSPC),
        d if is_terminal(d) => crate::tty::by_device(d)?.write(data),
        _ => Err(Errno::ENXIO),
    }
}

/// A fresh devfs: the standard nodes in a new tmpfs.
pub fn new_devfs() -> NodeRef {
    let root = super::path::new_tmpfs();
    let dev = root.dev;
    let nodes = [
        ("null", NULL, 0o666),
        ("zero", ZERO, 0o666),
        ("full", FULL, 0o666),
        ("random", RANDOM, 0o666),
        ("urandom", URANDOM, 0o666),
        ("tty", TTY, 0o666),
        ("console", CONSOLE, 0o600),
        ("ttyu0", TTYU0, 0o620),
        ("ttyv0", TTYV0, 0o620),
        // Linux programs look for the serial line under its Linux name.
        ("ttyS0", TTYU0, 0o620),
    ];
    for (name, (major, minor), perm) in nodes {
        let node = Node::new(dev, S_IFCHR | perm, super::Body::Device(major, minor));
        root.link(name, node).expect("fresh directory");
    }
    for volume in crate::block::volume::volumes() {
        let node = Node::new(dev, S_IFBLK | 0o600, super::Body::Block(volume.clone()));
        root.link(&volume.name, node).expect("fresh directory");
    }
    root
}
