//! The PS/2 keyboard of the VGA console: scan code set 1 (what the i8042
//! hands over with translation on, as firmware leaves it) decoded with the
//! `pc-keyboard` crate into the bytes a terminal sends — UTF-8 text, control
//! characters, and xterm's sequences for the cursor and editing keys.

use alloc::vec::Vec;
use pc_keyboard::{DecodedKey, HandleControl, KeyCode, PS2Keyboard, ScancodeSet1, layouts};
use spin::Mutex;
use x86_64::instructions::port::Port;

const DATA: u16 = 0x60;
const STATUS: u16 = 0x64;
const OUTPUT_FULL: u8 = 1;
/// The byte waiting comes from the mouse, not the keyboard.
const FROM_AUX: u8 = 1 << 5;

static KEYBOARD: Mutex<PS2Keyboard<layouts::Us104Key, ScancodeSet1>> =
    Mutex::new(PS2Keyboard::new(
        ScancodeSet1::new(),
        layouts::Us104Key,
        HandleControl::MapLettersToUnicode,
    ));

/// The bytes a key sends, or none (modifiers, releases, unknown keys).
pub fn key_bytes(key: DecodedKey, out: &mut Vec<u8>) {
    match key {
        // Backspace sends DEL (the default VERASE), Enter sends CR, Delete
        // sends its escape sequence, as terminals do.
        DecodedKey::Unicode('\u{8}') => out.push(0x7f),
        DecodedKey::Unicode('\n') => out.push(b'\r'),
        DecodedKey::Unicode('\u{7f}') => out.extend_from_slice(b"\x1b[3~"),
        DecodedKey::Unicode(c) => {
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        DecodedKey::RawKey(code) => {
            let sequence: &[u8] = match code {
                KeyCode::ArrowUp => b"\x1b[A",
                KeyCode::ArrowDown => b"\x1b[B",
                KeyCode::ArrowRight => b"\x1b[C",
                KeyCode::ArrowLeft => b"\x1b[D",
                KeyCode::Home => b"\x1b[H",
                KeyCode::End => b"\x1b[F",
                KeyCode::Insert => b"\x1b[2~",
                KeyCode::PageUp => b"\x1b[5~",
                KeyCode::PageDown => b"\x1b[6~",
                _ => b"",
            };
            out.extend_from_slice(sequence);
        }
    }
}

/// Whether an i8042 controller answers (microvm has none: reads float to 0xff).
pub fn controller_present() -> bool {
    let mut status: Port<u8> = Port::new(STATUS);
    // SAFETY: reading the i8042 status register has no side effects.
    unsafe { status.read() != 0xff }
}

/// Reads the scan codes waiting in the controller (the IRQ 1 handler).
pub fn read_input(out: &mut Vec<u8>) {
    let mut status: Port<u8> = Port::new(STATUS);
    let mut data: Port<u8> = Port::new(DATA);
    let mut keyboard = KEYBOARD.lock();
    // A bound, in case a broken controller never empties.
    for _ in 0..64 {
        // SAFETY: the i8042's status and data ports; reading data takes the
        // byte the status said is waiting.
        let (state, byte) = unsafe {
            let state = status.read();
            if state & OUTPUT_FULL == 0 {
                break;
            }
            (state, data.read())
        };
        if state & FROM_AUX != 0 {
            continue;
        }
        if let Ok(Some(event)) = keyboard.add_byte(byte)
            && let Some(key) = keyboard.process_keyevent(event)
        {
            key_bytes(key, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(scancodes: &[u8]) -> Vec<u8> {
        let mut keyboard = PS2Keyboard::new(
            ScancodeSet1::new(),
            layouts::Us104Key,
            HandleControl::MapLettersToUnicode,
        );
        let mut out = Vec::new();
        for &b in scancodes {
            if let Ok(Some(event)) = keyboard.add_byte(b)
                && let Some(key) = keyboard.process_keyevent(event)
            {
                key_bytes(key, &mut out);
            }
        }
        out
    }

    #[test]
    fn keys_send_what_a_terminal_sends() {
        // "l", "s", Enter (press and release each).
        assert_eq!(bytes_of(&[0x26, 0xa6, 0x1f, 0x9f, 0x1c, 0x9c]), b"ls\r");
        // Backspace, then Ctrl+C (Ctrl down, C, Ctrl up).
        assert_eq!(bytes_of(&[0x0e, 0x8e, 0x1d, 0x2e, 0xae, 0x9d]), b"\x7f\x03");
        // Extended: cursor up, cursor left.
        assert_eq!(
            bytes_of(&[0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x4b, 0xe0, 0xcb]),
            b"\x1b[A\x1b[D"
        );
        // Shift+1 is "!".
        assert_eq!(bytes_of(&[0x2a, 0x02, 0x82, 0xaa]), b"!");
    }
}
