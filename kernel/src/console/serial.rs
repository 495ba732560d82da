//! COM1, a 16550 UART at I/O port 0x3f8, through the `uart_16550` crate.

use uart_16550::backend::PioBackend;
use uart_16550::{BaudRate, Config, Uart16550};
use x86_64::instructions::port::Port;

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

    /// Writes bytes as they are.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.uart.send_bytes_exact(bytes);
    }

    /// Raises IRQ 4 when a byte arrives: receive-data interrupts on, and
    /// OUT2, which gates the UART's interrupt line on PCs.
    pub fn enable_receive_interrupt(&mut self) {
        let mut ier: Port<u8> = Port::new(COM1 + 1);
        let mut mcr: Port<u8> = Port::new(COM1 + 4);
        // SAFETY: COM1's interrupt-enable and modem-control registers; the
        // UART answered the presence check, and the handler for IRQ 4 is
        // registered before this is called.
        unsafe {
            ier.write(0x01);
            mcr.write(0x0b);
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
                    buf[n] = byte;
                    n += 1;
                }
                Err(_) => break,
            }
        }
        n
    }
}
