//! Legacy IDE/ATA disks by programmed I/O (QEMU's PIIX IDE on `pc`, Bochs,
//! Xen HVM): the two channels at 0x1F0/0x3F6 (IRQ 14) and 0x170/0x376
//! (IRQ 15), or the ports a native-mode PCI controller's BARs give.
//! IDENTIFY, then READ/WRITE SECTORS EXT (LBA48) or their LBA28 forms, and
//! FLUSH CACHE (EXT). ATAPI drives are skipped.
//!
//! The drive interrupts after each sector; the handler reads the status
//! register (which acknowledges it) and wakes the waiting thread.

use super::wait::{DeviceEvent, SleepLock};
use super::{Driver, IoError};
use crate::bus::irq::{self, Trigger};
use crate::bus::pci::{Bar, Function};
use crate::platform::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::sync::Arc;
use x86_64::instructions::port::Port;

const STATUS_ERR: u8 = 1 << 0;
const STATUS_DRQ: u8 = 1 << 3;
const STATUS_DF: u8 = 1 << 5;
const STATUS_BSY: u8 = 1 << 7;

const CMD_READ_SECTORS: u8 = 0x20;
const CMD_READ_SECTORS_EXT: u8 = 0x24;
const CMD_WRITE_SECTORS: u8 = 0x30;
const CMD_WRITE_SECTORS_EXT: u8 = 0x34;
const CMD_FLUSH_CACHE: u8 = 0xe7;
const CMD_FLUSH_CACHE_EXT: u8 = 0xea;
const CMD_IDENTIFY: u8 = 0xec;

/// One channel's ports.
#[derive(Debug, Clone, Copy)]
struct Ports {
    command: u16,
    control: u16,
}

impl Ports {
    fn inb(&self, register: u16) -> u8 {
        // SAFETY: a register of this channel's command block; reading it
        // touches no memory.
        unsafe { Port::<u8>::new(self.command + register).read() }
    }

    fn outb(&self, register: u16, value: u8) {
        // SAFETY: as in `inb`; this driver owns the channel.
        unsafe { Port::<u8>::new(self.command + register).write(value) }
    }

    fn status(&self) -> u8 {
        self.inb(7)
    }

    /// The alternate status: reading it does not acknowledge an interrupt.
    fn alt_status(&self) -> u8 {
        // SAFETY: the control block's first register, read-only.
        unsafe { Port::<u8>::new(self.control).read() }
    }

    fn set_interrupts(&self, enabled: bool) {
        // SAFETY: device control: bit 1 (nIEN) masks the drive's interrupt.
        unsafe { Port::<u8>::new(self.control).write(if enabled { 0 } else { 2 }) }
    }

    fn read_words(&self, words: &mut [u8]) {
        let mut data = Port::<u16>::new(self.command);
        for pair in words.chunks_exact_mut(2) {
            // SAFETY: the data register; DRQ said a sector is ready.
            pair.copy_from_slice(&unsafe { data.read() }.to_le_bytes());
        }
    }

    fn write_words(&self, words: &[u8]) {
        let mut data = Port::<u16>::new(self.command);
        for pair in words.chunks_exact(2) {
            // SAFETY: the data register; DRQ said the drive takes a sector.
            unsafe { data.write(u16::from_le_bytes([pair[0], pair[1]])) };
        }
    }

    /// The 400 ns a drive needs after selection: four status reads.
    fn settle(&self) {
        for _ in 0..4 {
            self.alt_status();
        }
    }
}

struct Channel {
    ports: Ports,
}

/// What IDENTIFY says of a drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sectors: u64,
    pub lba48: bool,
    pub model: alloc::string::String,
}

/// Decodes IDENTIFY DEVICE data (256 little-endian words); None without LBA.
pub fn parse_identify(data: &[u8; 512]) -> Option<Identity> {
    let word = |i: usize| u16::from_le_bytes([data[2 * i], data[2 * i + 1]]);
    if word(49) & (1 << 9) == 0 {
        return None;
    }
    let lba48 = word(83) & (1 << 10) != 0;
    let lba28 = u64::from(word(60)) | u64::from(word(61)) << 16;
    let sectors = if lba48 {
        (100..104)
            .rev()
            .fold(0u64, |acc, i| acc << 16 | u64::from(word(i)))
    } else {
        lba28
    };
    // The model string is byte-swapped in each word.
    let mut model = alloc::string::String::new();
    for i in 27..47 {
        for b in word(i).to_be_bytes() {
            if b.is_ascii_graphic() || b == b' ' {
                model.push(char::from(b));
            }
        }
    }
    Some(Identity {
        sectors,
        lba48,
        model: alloc::string::String::from(model.trim()),
    })
}

impl Channel {
    fn select(&self, slave: bool, lba_high_nibble: u8) {
        self.ports
            .outb(6, 0xe0 | (u8::from(slave) << 4) | (lba_high_nibble & 0x0f));
        self.ports.settle();
    }

    /// Waits for BSY to clear; the status then, or None on timeout.
    fn wait_ready(&self, event: &DeviceEvent) -> Option<u8> {
        let ports = self.ports;
        if event.wait_until(|| ports.alt_status() & STATUS_BSY == 0) {
            Some(ports.status())
        } else {
            None
        }
    }

    fn identify(&self, slave: bool, event: &DeviceEvent) -> Option<Identity> {
        self.select(slave, 0);
        self.ports.outb(2, 0);
        self.ports.outb(3, 0);
        self.ports.outb(4, 0);
        self.ports.outb(5, 0);
        self.ports.outb(7, CMD_IDENTIFY);
        let status = self.ports.alt_status();
        if status == 0 || status == 0xff {
            return None;
        }
        let status = self.wait_ready(event)?;
        // ATAPI and SATA bridges announce themselves in the LBA registers.
        if self.ports.inb(4) != 0 || self.ports.inb(5) != 0 {
            return None;
        }
        if status & (STATUS_ERR | STATUS_DRQ) != STATUS_DRQ {
            return None;
        }
        let mut data = [0u8; 512];
        self.ports.read_words(&mut data);
        parse_identify(&data)
    }

    fn command(&self, slave: bool, lba48: bool, sector: u64, count: usize, command: u8) {
        if lba48 {
            self.select(slave, 0);
            let count = count as u16;
            self.ports.outb(2, (count >> 8) as u8);
            self.ports.outb(3, (sector >> 24) as u8);
            self.ports.outb(4, (sector >> 32) as u8);
            self.ports.outb(5, (sector >> 40) as u8);
            self.ports.outb(2, count as u8);
        } else {
            self.select(slave, (sector >> 24) as u8);
            self.ports.outb(2, count as u8);
        }
        self.ports.outb(3, sector as u8);
        self.ports.outb(4, (sector >> 8) as u8);
        self.ports.outb(5, (sector >> 16) as u8);
        self.ports.outb(7, command);
    }

    /// Waits for the drive to want (or offer) the next sector.
    fn wait_data(&self, event: &DeviceEvent) -> Result<(), IoError> {
        let status = self.wait_ready(event).ok_or(IoError::Timeout)?;
        if status & (STATUS_ERR | STATUS_DF) != 0 || status & STATUS_DRQ == 0 {
            return Err(IoError::Device);
        }
        Ok(())
    }
}

struct IdeDisk {
    channel: Arc<SleepLock<Channel>>,
    event: Arc<DeviceEvent>,
    slave: bool,
    identity: Identity,
}

impl Driver for IdeDisk {
    fn sectors(&self) -> u64 {
        self.identity.sectors
    }

    fn max_sectors(&self) -> usize {
        // LBA28 counts 256 as 0; keep both forms to one byte.
        255
    }

    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let channel = self.channel.lock();
        let count = buf.len() / 512;
        let (lba48, op) = (self.identity.lba48, CMD_READ_SECTORS_EXT);
        let op = if lba48 { op } else { CMD_READ_SECTORS };
        channel.command(self.slave, lba48, sector, count, op);
        for chunk in buf.chunks_exact_mut(512) {
            channel.wait_data(&self.event)?;
            channel.ports.read_words(chunk);
        }
        Ok(())
    }

    fn write(&mut self, sector: u64, buf: &[u8]) -> Result<(), IoError> {
        let channel = self.channel.lock();
        let count = buf.len() / 512;
        let lba48 = self.identity.lba48;
        let op = if lba48 {
            CMD_WRITE_SECTORS_EXT
        } else {
            CMD_WRITE_SECTORS
        };
        channel.command(self.slave, lba48, sector, count, op);
        for chunk in buf.chunks_exact(512) {
            channel.wait_data(&self.event)?;
            channel.ports.write_words(chunk);
        }
        let status = channel.wait_ready(&self.event).ok_or(IoError::Timeout)?;
        if status & (STATUS_ERR | STATUS_DF) != 0 {
            return Err(IoError::Device);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), IoError> {
        let channel = self.channel.lock();
        channel.select(self.slave, 0);
        let op = if self.identity.lba48 {
            CMD_FLUSH_CACHE_EXT
        } else {
            CMD_FLUSH_CACHE
        };
        channel.ports.outb(7, op);
        let status = channel.wait_ready(&self.event).ok_or(IoError::Timeout)?;
        if status & (STATUS_ERR | STATUS_DF) != 0 {
            return Err(IoError::Device);
        }
        Ok(())
    }
}

/// Probes one channel's two drives and registers the disks found.
fn probe_channel(platform: &Platform, ports: Ports, irq: Option<u32>, what: &str) {
    // A floating bus (no controller) reads all ones.
    if ports.alt_status() == 0xff {
        return;
    }
    let event = Arc::new(DeviceEvent::new());
    ports.set_interrupts(false);
    let channel = Arc::new(SleepLock::new(Channel { ports }));
    let mut found = alloc::vec::Vec::new();
    for slave in [false, true] {
        if let Some(identity) = channel.lock().identify(slave, &event) {
            found.push((slave, identity));
        }
    }
    if found.is_empty() {
        return;
    }
    let attached = irq.is_some_and(|gsi| {
        let event = event.clone();
        let trigger = Trigger {
            level: false,
            active_low: false,
        };
        irq::attach(
            platform,
            gsi,
            trigger,
            Arc::new(move || {
                // Reading the status register acknowledges the drive.
                ports.status();
                event.signal();
            }),
        )
    });
    ports.set_interrupts(attached);
    for (slave, identity) in found {
        let description = format!(
            "ATA {what} {}, {}{}",
            if slave { "slave" } else { "master" },
            if identity.model.is_empty() {
                "no model"
            } else {
                &identity.model
            },
            match (attached, irq) {
                (true, Some(irq)) => format!(", irq {irq}"),
                _ => alloc::string::String::from(", polled"),
            }
        );
        let disk = IdeDisk {
            channel: channel.clone(),
            event: event.clone(),
            slave,
            identity,
        };
        super::register("ada", description, Box::new(disk));
    }
}

const LEGACY: [(Ports, u32, &str); 2] = [
    (
        Ports {
            command: 0x1f0,
            control: 0x3f6,
        },
        14,
        "primary",
    ),
    (
        Ports {
            command: 0x170,
            control: 0x376,
        },
        15,
        "secondary",
    ),
];

/// Probes the legacy channels of a machine without PCI.
pub fn probe_legacy(platform: &Platform) {
    for (ports, irq, what) in LEGACY {
        probe_channel(platform, ports, Some(irq), what);
    }
}

/// Probes a PCI IDE controller: each channel in compatibility mode uses the
/// legacy ports and IRQ, in native mode (prog-if bit 0 or 2) its BARs and
/// the function's interrupt line.
pub fn probe_pci(platform: &Platform, function: &Function) {
    crate::bus::pci::enable(&crate::bus::pci::PortConfig, function.bdf);
    for (index, (legacy, legacy_irq, what)) in LEGACY.into_iter().enumerate() {
        let native = function.prog_if & (1 << (2 * index)) != 0;
        if !native {
            probe_channel(platform, legacy, Some(legacy_irq), what);
            continue;
        }
        let io = |bar: usize| match function.bars[bar] {
            Some(Bar::Io { port, .. }) => Some(port),
            _ => None,
        };
        if let (Some(command), Some(control)) = (io(2 * index), io(2 * index + 1)) {
            // The control block's register sits at offset 2 of its BAR.
            let ports = Ports {
                command,
                control: control + 2,
            };
            probe_channel(platform, ports, function.irq.map(u32::from), what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identify_data(lba48_sectors: Option<u64>, lba28: u32, model: &str) -> [u8; 512] {
        let mut words = [0u16; 256];
        words[49] = 1 << 9;
        words[60] = lba28 as u16;
        words[61] = (lba28 >> 16) as u16;
        if let Some(sectors) = lba48_sectors {
            words[83] = 1 << 10;
            for i in 0..4 {
                words[100 + i] = (sectors >> (16 * i)) as u16;
            }
        }
        let mut padded = model.as_bytes().to_vec();
        padded.resize(40, b' ');
        for i in 0..20 {
            words[27 + i] = u16::from_be_bytes([padded[2 * i], padded[2 * i + 1]]);
        }
        let mut data = [0u8; 512];
        for (i, w) in words.iter().enumerate() {
            data[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
        }
        data
    }

    #[test]
    fn identify_gives_size_and_model() {
        let id = parse_identify(&identify_data(
            Some(0x1_2345_6789),
            0x0fff_ffff,
            "QEMU HARDDISK",
        ))
        .unwrap();
        assert_eq!(id.sectors, 0x1_2345_6789);
        assert!(id.lba48);
        assert_eq!(id.model, "QEMU HARDDISK");
        let id = parse_identify(&identify_data(None, 131072, "")).unwrap();
        assert_eq!((id.sectors, id.lba48), (131072, false));
        let mut no_lba = identify_data(None, 1, "x");
        no_lba[99] = 0;
        assert_eq!(parse_identify(&no_lba), None);
    }
}
