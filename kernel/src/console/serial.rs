//! COM1, a 16550 UART at I/O port 0x3f8, through the `uart_16550` crate.

use uart_16550::backend::PioBackend;
use uart_16550::{BaudRate, Config, Uart16550};

const COM1: u16 = 0x3f8;

pub struct Serial {
    uart: Uart16550<PioBackend>,
}

impl Serial {
    /// Opens and configures COM1 (115200 8N1) when a UART answers there.
    pub fn com1() -> Option<Serial> {
        // SAFETY: 0x3f8..0x400 is COM1's fixed I/O range on every PC-compatible
        // machine; if no UART is there the presence check below fails and the
        // ports are left alone.
        let mut uart = unsafe { Uart16550::new_port(COM1) }.ok()?;
        if !uart.check_present() {
            return None;
        }
        uart.init(Config {
            baud_rate: BaudRate::Baud115200,
            ..Config::default()
        })
        .ok()?;
        Some(Serial { uart })
    }

    /// Writes `s`, turning `\n` into `\r\n` for terminals.
    pub fn write_str(&mut self, s: &str) {
        for line in s.split_inclusive('\n') {
            match line.strip_suffix('\n') {
                Some(text) => {
                    self.uart.send_bytes_exact(text.as_bytes());
                    self.uart.send_bytes_exact(b"\r\n");
                }
                None => self.uart.send_bytes_exact(line.as_bytes()),
            }
        }
    }
}

impl Serial {
    /// Bytes received so far, without waiting.
    pub fn read_available(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            match self.uart.try_receive_byte() {
                Ok(byte) => {
                    buf[n] = if byte == b'\r' { b'\n' } else { byte };
                    n += 1;
                }
                Err(_) => break,
            }
        }
        n
    }

    /// Whether a received byte is waiting.
    pub fn has_input(&mut self) -> bool {
        self.uart.ready_to_receive().is_ok()
    }
}
