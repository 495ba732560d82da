//! The block layer: disks found by the drivers, named as the BSDs name them
//! (`vbd0`.. for virtio-blk as on DragonFly, `ada0`.. for AHCI and IDE/ATA
//! disks as on FreeBSD and DragonFly), requests split to what each device
//! takes at once and serialised per disk, and a buffer cache per disk
//! ([`cache`]) with a byte-granular view for filesystems.
//!
//! A request blocks the calling thread until the device completes it: the
//! device's interrupt wakes the thread once that interrupt has been seen
//! to work, else the wait halts until the next interrupt and polls again
//! (see [`wait`]). Nothing a device or a disk image says can panic the
//! kernel: sizes and counts are checked, and a device that stops answering
//! fails its requests with [`IoError::Timeout`].

pub mod ahci;
pub mod cache;
pub mod ide;
pub mod mmio;
pub mod virtio;
pub mod virtio_legacy;
pub mod volume;
pub mod wait;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;
use wait::SleepLock;

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoError {
    /// The range lies (partly) past the end of the disk, or the buffer is
    /// not a whole number of sectors.
    OutOfRange,
    /// The device reported an error.
    Device,
    /// The device did not answer in time.
    Timeout,
    /// The device is read-only.
    ReadOnly,
    /// No memory for the request's buffers.
    NoMemory,
}

impl IoError {
    /// The errno a system call reports for it.
    pub fn errno(self) -> abi::errno::Errno {
        use abi::errno::Errno;
        match self {
            IoError::OutOfRange => Errno::EINVAL,
            IoError::ReadOnly => Errno::EROFS,
            IoError::NoMemory => Errno::ENOMEM,
            IoError::Device | IoError::Timeout => Errno::EIO,
        }
    }
}

impl core::fmt::Display for IoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            IoError::OutOfRange => "out of range",
            IoError::Device => "device error",
            IoError::Timeout => "device timeout",
            IoError::ReadOnly => "read-only device",
            IoError::NoMemory => "out of memory",
        })
    }
}

/// A disk, as the rest of the kernel sees it. Sector numbers and buffer
/// lengths are in units of [`Disk::sector_size`].
pub trait Disk: Send + Sync {
    /// `vbd0`, `ada1`, ...
    fn name(&self) -> &str;
    /// What drives it, for the boot log: `virtio-blk pci`, `AHCI port 0`.
    fn description(&self) -> &str;
    fn sector_size(&self) -> usize;
    fn sectors(&self) -> u64;
    /// Reads `buf.len() / sector_size` sectors from `sector`.
    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), IoError>;
    /// Writes `buf.len() / sector_size` sectors at `sector`.
    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), IoError>;
    /// Makes completed writes durable (the device's write cache flushed).
    fn flush(&self) -> Result<(), IoError>;
}

/// What a driver provides for one disk. The block layer checks ranges and
/// splits requests, so a driver sees only whole-sector requests within the
/// disk of at most [`Driver::max_sectors`] sectors.
pub trait Driver: Send {
    fn sector_size(&self) -> usize {
        512
    }
    fn sectors(&self) -> u64;
    fn max_sectors(&self) -> usize;
    fn read(&mut self, sector: u64, buf: &mut [u8]) -> Result<(), IoError>;
    fn write(&mut self, sector: u64, buf: &[u8]) -> Result<(), IoError>;
    fn flush(&mut self) -> Result<(), IoError>;
}

/// Splits `count` sectors from `sector` into requests of at most `max`.
pub fn split(sector: u64, count: u64, max: usize) -> impl Iterator<Item = (u64, usize)> {
    let max = max.max(1) as u64;
    (0..count.div_ceil(max)).map(move |i| {
        let start = sector + i * max;
        (start, (count - i * max).min(max) as usize)
    })
}

/// Checks that a buffer of `len` bytes at `sector` is whole sectors inside
/// a disk of `sectors` sectors; returns the sector count.
pub fn check_range(
    sector: u64,
    len: usize,
    sector_size: usize,
    sectors: u64,
) -> Result<u64, IoError> {
    if sector_size == 0 || !len.is_multiple_of(sector_size) {
        return Err(IoError::OutOfRange);
    }
    let count = (len / sector_size) as u64;
    match sector.checked_add(count) {
        Some(end) if end <= sectors => Ok(count),
        _ => Err(IoError::OutOfRange),
    }
}

/// A driver's disk under its BSD name, one request at a time.
struct Registered {
    name: String,
    description: String,
    sector_size: usize,
    sectors: u64,
    max_sectors: usize,
    driver: SleepLock<Box<dyn Driver>>,
}

impl Disk for Registered {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn sector_size(&self) -> usize {
        self.sector_size
    }

    fn sectors(&self) -> u64 {
        self.sectors
    }

    fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), IoError> {
        let count = check_range(sector, buf.len(), self.sector_size, self.sectors)?;
        let mut driver = self.driver.lock();
        for (start, n) in split(sector, count, self.max_sectors) {
            let at = (start - sector) as usize * self.sector_size;
            driver.read(start, &mut buf[at..at + n * self.sector_size])?;
        }
        Ok(())
    }

    fn write(&self, sector: u64, buf: &[u8]) -> Result<(), IoError> {
        let count = check_range(sector, buf.len(), self.sector_size, self.sectors)?;
        let mut driver = self.driver.lock();
        for (start, n) in split(sector, count, self.max_sectors) {
            let at = (start - sector) as usize * self.sector_size;
            driver.write(start, &buf[at..at + n * self.sector_size])?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), IoError> {
        self.driver.lock().flush()
    }
}

static DISKS: Mutex<Vec<Arc<dyn Disk>>> = Mutex::new(Vec::new());

/// The next free name with `prefix`, given the names in use.
pub fn next_name<'a>(prefix: &str, taken: impl Iterator<Item = &'a str>) -> String {
    let used: Vec<u32> = taken
        .filter_map(|name| name.strip_prefix(prefix)?.parse().ok())
        .collect();
    let unit = (0..).find(|n| !used.contains(n)).unwrap_or(0);
    format!("{prefix}{unit}")
}

/// Adds a disk found by a driver under the next `prefix` name (`vbd`,
/// `ada`) and logs it; returns it.
pub fn register(prefix: &str, description: String, driver: Box<dyn Driver>) -> Arc<dyn Disk> {
    let mut disks = DISKS.lock();
    let name = next_name(prefix, disks.iter().map(|d| d.name()));
    let disk: Arc<dyn Disk> = Arc::new(Registered {
        sector_size: driver.sector_size(),
        sectors: driver.sectors(),
        max_sectors: driver.max_sectors(),
        driver: SleepLock::new(driver),
        name,
        description,
    });
    log::info!(
        "disk {}: {} sectors of {} bytes ({})",
        disk.name(),
        disk.sectors(),
        disk.sector_size(),
        disk.description()
    );
    disks.push(disk.clone());
    disk
}

/// Every disk found, in the order found.
pub fn disks() -> Vec<Arc<dyn Disk>> {
    DISKS.lock().clone()
}

/// The disk called `name`.
pub fn disk(name: &str) -> Option<Arc<dyn Disk>> {
    DISKS.lock().iter().find(|d| d.name() == name).cloned()
}

/// Finds the disks: virtio-blk, AHCI and IDE on PCI; virtio-mmio from the
/// DSDT or the command line; the legacy IDE ports when there is no PCI IDE
/// controller. Then, with `basalt.blocktest=1`, checks each disk.
pub fn init(platform: &crate::platform::Platform, cmdline: &crate::cmdline::Cmdline<'_>) {
    let functions = crate::bus::pci::scan();
    let mut ide_on_pci = false;
    for function in functions {
        match (function.class, function.subclass) {
            (0x01, 0x01) => {
                ide_on_pci = true;
                ide::probe_pci(platform, function);
            }
            (0x01, 0x06) if function.prog_if == 0x01 => ahci::probe(platform, function),
            _ if function.vendor == 0x1af4 => virtio::probe_pci(platform, function),
            _ => {}
        }
    }
    let mmio_devices = mmio::find(platform, cmdline);
    for device in mmio_devices {
        virtio::probe_mmio(platform, device);
    }
    if functions.is_empty() && platform.has_8259 && !ide_on_pci {
        ide::probe_legacy(platform);
    }
    if cmdline.flag("basalt.blocktest") {
        for disk in disks() {
            self_test(&disk);
        }
    }
}

/// FNV-1a, 64 bits: the checksum the boot log prints and the tests compute.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// What `basalt.blocktest=1` writes to sector 2 of each disk.
pub fn test_pattern(name: &str) -> Vec<u8> {
    let mut sector = format!("basalt blocktest {name}\n").into_bytes();
    sector.resize(512, 0xa5);
    sector
}

/// The kernel-side check behind `basalt.blocktest=1`: checksums of sector 0
/// and of the first MiB and the last sector read directly, and of bytes
/// 510..1030 through the cache (a read across sector and block edges),
/// then a pattern written to sector 2 through the cache, synced, and read
/// back from the device.
fn self_test(disk: &Arc<dyn Disk>) {
    let name = disk.name();
    let mut sector0 = alloc::vec![0u8; disk.sector_size()];
    if let Err(e) = disk.read(0, &mut sector0) {
        log::error!("blocktest {name}: read: {e}");
        return;
    }
    // A read larger than any device takes at once (split by the block
    // layer), and the disk's last sector (its size is right).
    let span = disk.sectors().min(2048);
    let mut first = alloc::vec![0u8; span as usize * disk.sector_size()];
    let mut last = alloc::vec![0u8; disk.sector_size()];
    let large = disk
        .read(0, &mut first)
        .and_then(|()| disk.read(disk.sectors().saturating_sub(1), &mut last));
    match large {
        Ok(()) => log::info!(
            "blocktest {name}: {span} sectors from 0 fnv1a {:016x}, last sector fnv1a {:016x}",
            fnv1a(&first),
            fnv1a(&last)
        ),
        Err(e) => log::error!("blocktest {name}: large read: {e}"),
    }
    let cached = cache::of(disk);
    let mut middle = [0u8; 520];
    if let Err(e) = cached.read_at(510, &mut middle) {
        log::error!("blocktest {name}: cached read: {e}");
        return;
    }
    let pattern = test_pattern(name);
    let written = cached
        .write_at(2 * 512, &pattern)
        .and_then(|()| cached.sync());
    let mut back = alloc::vec![0u8; 512];
    let verdict = match written.and_then(|()| disk.read(2, &mut back)) {
        Ok(()) if back == pattern => "write ok",
        Ok(()) => "write MISMATCH",
        Err(e) => {
            log::error!("blocktest {name}: write: {e}");
            "write failed"
        }
    };
    // Requests usually finish while the waiter still spins, before any
    // interrupt is taken: let pending ones in, so that the count shows
    // whether the device's interrupt reaches its handler.
    let start = crate::time::monotonic_nanos();
    while crate::time::monotonic_nanos() < start + 10_000_000 {
        wait::let_interrupts_in();
    }
    log::info!(
        "blocktest {name}: sector 0 fnv1a {:016x}, bytes 510..1030 fnv1a {:016x}, {verdict} \
         ({} device interrupts so far)",
        fnv1a(&sector0),
        fnv1a(&middle),
        wait::interrupts_handled()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_split_at_the_device_limit() {
        let parts: Vec<(u64, usize)> = split(10, 300, 128).collect();
        assert_eq!(parts, [(10, 128), (138, 128), (266, 44)]);
        assert_eq!(split(0, 0, 8).count(), 0);
        assert_eq!(split(5, 1, 0).collect::<Vec<_>>(), [(5, 1)]);
    }

    #[test]
    fn ranges_must_be_whole_sectors_inside_the_disk() {
        assert_eq!(check_range(0, 1024, 512, 2), Ok(2));
        assert_eq!(check_range(1, 1024, 512, 2), Err(IoError::OutOfRange));
        assert_eq!(check_range(0, 100, 512, 2), Err(IoError::OutOfRange));
        assert_eq!(
            check_range(u64::MAX, 512, 512, u64::MAX),
            Err(IoError::OutOfRange)
        );
        assert_eq!(check_range(0, 0, 0, 2), Err(IoError::OutOfRange));
    }

    #[test]
    fn names_take_the_lowest_free_unit() {
        assert_eq!(next_name("vbd", [].into_iter()), "vbd0");
        assert_eq!(
            next_name("ada", ["ada0", "vbd1", "ada2"].into_iter()),
            "ada1"
        );
        assert_eq!(next_name("vbd", ["vbd0", "vbd1"].into_iter()), "vbd2");
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
