//! The buffer cache: 4 KiB blocks of one disk, least recently used evicted
//! first, written back on eviction and by [`Cache::sync`] (and
//! [`sync_all`], for sync(2)). [`Cache::read_at`] and [`Cache::write_at`]
//! give filesystems a byte-granular view; [`CachedDisk`] is that view as
//! the `ext2` library's `BlockDevice`.
//!
//! Disk requests are made large where the work allows, as BSD's clustering
//! does: dirty neighbours are written back together (on eviction and on
//! sync), and a run of [`STREAM_BLOCKS`] or more whole blocks that are not
//! cached is read or written straight between the caller's buffer and the
//! disk in one request, so streaming a large file neither costs a request
//! per block nor pushes the metadata out of the cache.
//!
//! The last block of a disk whose size is not a multiple of 4 KiB is
//! short: only the sectors that exist are read and written.

use super::wait::SleepLock;
use super::{Disk, IoError};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use spin::Mutex;

/// The size of a cache block.
pub const BLOCK_SIZE: usize = 4096;
/// Blocks kept per disk by [`of`]: 4 MiB.
pub const DEFAULT_CAPACITY: usize = 1024;
/// Uncached runs this long or longer bypass the cache.
pub const STREAM_BLOCKS: usize = 16;
/// The most blocks written back in one request: 256 KiB.
const CLUSTER_BLOCKS: usize = 64;

struct Block {
    data: Vec<u8>,
    dirty: bool,
    last_used: u64,
}

struct State {
    blocks: BTreeMap<u64, Block>,
    /// `last_used` → block number, oldest first.
    lru: BTreeMap<u64, u64>,
    clock: u64,
}

impl State {
    fn touch(&mut self, number: u64) {
        self.clock += 1;
        let now = self.clock;
        if let Some(block) = self.blocks.get_mut(&number) {
            self.lru.remove(&block.last_used);
            block.last_used = now;
            self.lru.insert(now, number);
        }
    }

    fn insert(&mut self, number: u64, data: Vec<u8>) {
        self.clock += 1;
        let now = self.clock;
        self.lru.insert(now, number);
        self.blocks.insert(
            number,
            Block {
                data,
                dirty: false,
                last_used: now,
            },
        );
    }

    fn remove(&mut self, number: u64) {
        if let Some(block) = self.blocks.remove(&number) {
            self.lru.remove(&block.last_used);
        }
    }
}

/// One piece of a cache access.
enum Piece {
    /// Bytes `range` of the caller's buffer, straight from or to the disk
    /// at `sector`.
    Direct {
        sector: u64,
        range: core::ops::Range<usize>,
    },
    /// Bytes `range` of the caller's buffer, at `within` in block `number`.
    Block {
        number: u64,
        within: usize,
        range: core::ops::Range<usize>,
    },
}

/// The cache of one disk.
pub struct Cache {
    disk: Arc<dyn Disk>,
    capacity: usize,
    state: SleepLock<State>,
}

impl Cache {
    /// A cache of at most `capacity` blocks (at least one) over `disk`.
    pub fn new(disk: Arc<dyn Disk>, capacity: usize) -> Cache {
        Cache {
            disk,
            capacity: capacity.max(1),
            state: SleepLock::new(State {
                blocks: BTreeMap::new(),
                lru: BTreeMap::new(),
                clock: 0,
            }),
        }
    }

    /// The disk under the cache.
    pub fn disk(&self) -> &Arc<dyn Disk> {
        &self.disk
    }

    /// The disk's size in bytes.
    pub fn size(&self) -> u64 {
        self.disk.sectors() * self.disk.sector_size() as u64
    }

    /// Bytes of block `number` that lie on the disk, and its first sector.
    fn extent(&self, number: u64) -> (usize, u64) {
        let sector_size = self.disk.sector_size() as u64;
        let start = number * BLOCK_SIZE as u64;
        let len = self.size().saturating_sub(start).min(BLOCK_SIZE as u64);
        // A sector size that does not divide 4 KiB would be odd; keep the
        // block to whole sectors.
        ((len - len % sector_size) as usize, start / sector_size)
    }

    fn check(&self, offset: u64, len: usize) -> Result<(), IoError> {
        match offset.checked_add(len as u64) {
            Some(end) if end <= self.size() => Ok(()),
            _ => Err(IoError::OutOfRange),
        }
    }

    /// Block `number`, read from the disk unless cached or `overwrite`
    /// says the caller replaces all of it.
    fn block<'s>(
        &self,
        state: &'s mut State,
        number: u64,
        overwrite: bool,
    ) -> Result<&'s mut Block, IoError> {
        if state.blocks.contains_key(&number) {
            state.touch(number);
        } else {
            if state.blocks.len() >= self.capacity {
                self.evict(state)?;
            }
            let (len, sector) = self.extent(number);
            let mut data = vec![0; len];
            if !overwrite {
                self.disk.read(sector, &mut data)?;
            }
            state.insert(number, data);
        }
        state.blocks.get_mut(&number).ok_or(IoError::Device)
    }

    fn evict(&self, state: &mut State) -> Result<(), IoError> {
        let Some((_, &number)) = state.lru.iter().next() else {
            return Ok(());
        };
        if state.blocks.get(&number).is_some_and(|b| b.dirty) {
            self.write_cluster(state, number)?;
        }
        state.remove(number);
        Ok(())
    }

    /// Writes dirty block `number` with the dirty blocks adjoining it, in
    /// one request, and marks them clean.
    fn write_cluster(&self, state: &mut State, number: u64) -> Result<(), IoError> {
        let dirty_full = |state: &State, n: u64| {
            state
                .blocks
                .get(&n)
                .is_some_and(|b| b.dirty && b.data.len() == BLOCK_SIZE)
        };
        let mut first = number;
        while first > 0
            && number - first + 1 < CLUSTER_BLOCKS as u64
            && dirty_full(state, first - 1)
            && dirty_full(state, number)
        {
            first -= 1;
        }
        let mut end = number + 1;
        while end - first < CLUSTER_BLOCKS as u64
            && dirty_full(state, end)
            && dirty_full(state, end - 1)
        {
            end += 1;
        }
        let mut data = Vec::with_capacity((end - first) as usize * BLOCK_SIZE);
        for n in first..end {
            data.extend_from_slice(&state.blocks[&n].data);
        }
        self.disk.write(self.extent(first).1, &data)?;
        for n in first..end {
            if let Some(block) = state.blocks.get_mut(&n) {
                block.dirty = false;
            }
        }
        Ok(())
    }

    /// The length in blocks of the run of whole, uncached blocks from
    /// `number` that lies within `blocks` blocks; 0 when it is shorter than
    /// [`STREAM_BLOCKS`].
    fn uncached_run(&self, state: &State, number: u64, blocks: usize) -> usize {
        let run = (0..blocks as u64)
            .take_while(|&i| {
                !state.blocks.contains_key(&(number + i)) && self.extent(number + i).0 == BLOCK_SIZE
            })
            .count();
        if run >= STREAM_BLOCKS { run } else { 0 }
    }

    /// Splits an access of `len` bytes at `offset` into its pieces, in
    /// order: long runs of uncached whole blocks, which go straight to the
    /// disk, and parts of single blocks, which go through the cache.
    fn for_each_piece(
        &self,
        state: &mut State,
        offset: u64,
        len: usize,
        mut each: impl FnMut(&mut State, Piece) -> Result<(), IoError>,
    ) -> Result<(), IoError> {
        let mut done = 0;
        while done < len {
            let at = offset + done as u64;
            let number = at / BLOCK_SIZE as u64;
            let within = (at % BLOCK_SIZE as u64) as usize;
            if within == 0 {
                let run = self.uncached_run(state, number, (len - done) / BLOCK_SIZE);
                if run > 0 {
                    let range = done..done + run * BLOCK_SIZE;
                    done = range.end;
                    each(
                        state,
                        Piece::Direct {
                            sector: self.extent(number).1,
                            range,
                        },
                    )?;
                    continue;
                }
            }
            let n = (len - done).min(self.extent(number).0.saturating_sub(within));
            if n == 0 {
                return Err(IoError::OutOfRange);
            }
            let range = done..done + n;
            done = range.end;
            each(
                state,
                Piece::Block {
                    number,
                    within,
                    range,
                },
            )?;
        }
        Ok(())
    }

    /// Fills `buf` from byte `offset` of the disk.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), IoError> {
        self.check(offset, buf.len())?;
        let mut state = self.state.lock();
        self.for_each_piece(&mut state, offset, buf.len(), |state, piece| match piece {
            Piece::Direct { sector, range } => self.disk.read(sector, &mut buf[range]),
            Piece::Block {
                number,
                within,
                range,
            } => {
                let block = self.block(state, number, false)?;
                buf[range.clone()].copy_from_slice(&block.data[within..within + range.len()]);
                Ok(())
            }
        })
    }

    /// Writes `buf` at byte `offset`; it reaches the disk on eviction or
    /// sync, or at once when it is a long run of uncached blocks.
    pub fn write_at(&self, offset: u64, buf: &[u8]) -> Result<(), IoError> {
        self.check(offset, buf.len())?;
        let mut state = self.state.lock();
        self.for_each_piece(&mut state, offset, buf.len(), |state, piece| match piece {
            Piece::Direct { sector, range } => self.disk.write(sector, &buf[range]),
            Piece::Block {
                number,
                within,
                range,
            } => {
                let whole = within == 0 && range.len() >= self.extent(number).0;
                let block = self.block(state, number, whole)?;
                block.data[within..within + range.len()].copy_from_slice(&buf[range]);
                block.dirty = true;
                Ok(())
            }
        })
    }

    /// Writes every dirty block in disk order, neighbours together, then
    /// flushes the device.
    pub fn sync(&self) -> Result<(), IoError> {
        let mut state = self.state.lock();
        let mut first_error = None;
        let dirty: Vec<u64> = state
            .blocks
            .iter()
            .filter(|(_, b)| b.dirty)
            .map(|(&n, _)| n)
            .collect();
        for number in dirty {
            if state.blocks.get(&number).is_some_and(|b| b.dirty)
                && let Err(e) = self.write_cluster(&mut state, number)
            {
                first_error.get_or_insert(e);
            }
        }
        drop(state);
        let flushed = self.disk.flush();
        match first_error {
            Some(e) => Err(e),
            None => flushed,
        }
    }

    /// Blocks held and how many are dirty.
    pub fn usage(&self) -> (usize, usize) {
        let state = self.state.lock();
        let dirty = state.blocks.values().filter(|b| b.dirty).count();
        (state.blocks.len(), dirty)
    }
}

static CACHES: Mutex<Vec<Arc<Cache>>> = Mutex::new(Vec::new());

/// The cache of `disk`, made on first use.
pub fn of(disk: &Arc<dyn Disk>) -> Arc<Cache> {
    let mut caches = CACHES.lock();
    if let Some(cache) = caches.iter().find(|c| Arc::ptr_eq(c.disk(), disk)) {
        return cache.clone();
    }
    let cache = Arc::new(Cache::new(disk.clone(), DEFAULT_CAPACITY));
    caches.push(cache.clone());
    cache
}

/// Writes back every cache and flushes every disk (sync(2)); the first
/// error is returned after all were tried.
pub fn sync_all() -> Result<(), IoError> {
    let caches: Vec<Arc<Cache>> = CACHES.lock().clone();
    let mut result = Ok(());
    for cache in caches {
        if let Err(e) = cache.sync() {
            log::error!("sync {}: {e}", cache.disk().name());
            if result.is_ok() {
                result = Err(e);
            }
        }
    }
    result
}

/// A cache as the `ext2` library's device.
#[derive(Clone)]
pub struct CachedDisk(pub Arc<Cache>);

fn device_error(e: IoError) -> ext2::DeviceError {
    match e {
        IoError::OutOfRange => ext2::DeviceError::OutOfRange,
        e => ext2::DeviceError::Io(e.errno().0),
    }
}

impl ext2::BlockDevice for CachedDisk {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ext2::DeviceError> {
        self.0.read_at(offset, buf).map_err(device_error)
    }

    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), ext2::DeviceError> {
        self.0.write_at(offset, buf).map_err(device_error)
    }

    fn size(&self) -> u64 {
        self.0.size()
    }

    fn flush(&mut self) -> Result<(), ext2::DeviceError> {
        self.0.sync().map_err(device_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as StdMutex;

    /// A disk in memory that counts the sectors read and written.
    struct MemDisk {
        bytes: StdMutex<Vec<u8>>,
        reads: StdMutex<u64>,
        writes: StdMutex<u64>,
        flushes: StdMutex<u64>,
        /// Read and write requests, however large.
        requests: StdMutex<u64>,
    }

    impl MemDisk {
        fn new(sectors: usize) -> Arc<MemDisk> {
            let bytes = (0..sectors * 512)
                .map(|i| (i * 7 + i / 512) as u8)
                .collect();
            Arc::new(MemDisk {
                bytes: StdMutex::new(bytes),
                reads: StdMutex::new(0),
                writes: StdMutex::new(0),
                flushes: StdMutex::new(0),
                requests: StdMutex::new(0),
            })
        }
    }

    impl Disk for MemDisk {
        fn name(&self) -> &str {
            "md0"
        }
        fn description(&self) -> &str {
            "memory"
        }
        fn sector_size(&self) -> usize {
            512
        }
        fn sectors(&self) -> u64 {
            (self.bytes.lock().unwrap().len() / 512) as u64
        }
        fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), IoError> {
            super::super::check_range(sector, buf.len(), 512, self.sectors())?;
            let at = sector as usize * 512;
            buf.copy_from_slice(&self.bytes.lock().unwrap()[at..at + buf.len()]);
            *self.reads.lock().unwrap() += (buf.len() / 512) as u64;
            *self.requests.lock().unwrap() += 1;
            Ok(())
        }
        fn write(&self, sector: u64, buf: &[u8]) -> Result<(), IoError> {
            super::super::check_range(sector, buf.len(), 512, self.sectors())?;
            let at = sector as usize * 512;
            self.bytes.lock().unwrap()[at..at + buf.len()].copy_from_slice(buf);
            *self.writes.lock().unwrap() += (buf.len() / 512) as u64;
            *self.requests.lock().unwrap() += 1;
            Ok(())
        }
        fn flush(&self) -> Result<(), IoError> {
            *self.flushes.lock().unwrap() += 1;
            Ok(())
        }
    }

    #[test]
    fn reads_cross_block_edges_and_hit_the_cache() {
        let disk = MemDisk::new(20);
        let cache = Cache::new(disk.clone(), 4);
        let mut buf = vec![0; 5000];
        cache.read_at(3000, &mut buf).unwrap();
        assert_eq!(buf, disk.bytes.lock().unwrap()[3000..8000]);
        assert_eq!(*disk.reads.lock().unwrap(), 16);
        cache.read_at(4096, &mut buf[..100]).unwrap();
        assert_eq!(
            *disk.reads.lock().unwrap(),
            16,
            "second read came from the cache"
        );
    }

    #[test]
    fn writes_stay_until_sync_and_then_flush_the_disk() {
        let disk = MemDisk::new(16);
        let cache = Cache::new(disk.clone(), 4);
        cache.write_at(510, b"hello, world").unwrap();
        assert_ne!(&disk.bytes.lock().unwrap()[510..522], b"hello, world");
        assert_eq!(cache.usage(), (1, 1));
        cache.sync().unwrap();
        assert_eq!(&disk.bytes.lock().unwrap()[510..522], b"hello, world");
        assert_eq!(*disk.flushes.lock().unwrap(), 1);
        assert_eq!(cache.usage(), (1, 0));
        let mut back = [0; 12];
        cache.read_at(510, &mut back).unwrap();
        assert_eq!(&back, b"hello, world");
    }

    #[test]
    fn the_least_recently_used_block_is_written_back_on_eviction() {
        let disk = MemDisk::new(32);
        let cache = Cache::new(disk.clone(), 2);
        cache.write_at(0, &[1; 10]).unwrap();
        let mut buf = [0; 1];
        cache.read_at(4096, &mut buf).unwrap();
        cache.read_at(0, &mut buf).unwrap(); // block 0 is now the most recent
        cache.read_at(8192, &mut buf).unwrap(); // evicts block 1 (clean)
        assert_eq!(*disk.writes.lock().unwrap(), 0);
        cache.read_at(12288, &mut buf).unwrap(); // evicts block 0 (dirty)
        assert_eq!(*disk.writes.lock().unwrap(), 8);
        assert_eq!(&disk.bytes.lock().unwrap()[0..10], &[1; 10]);
    }

    #[test]
    fn adjoining_dirty_blocks_are_written_in_one_request() {
        let disk = MemDisk::new(64 * 8);
        let cache = Cache::new(disk.clone(), 64);
        // Blocks 3..11 dirty (written one at a time, as metadata is), and 20.
        for n in 3..11u64 {
            cache.write_at(n * 4096 + 8, &[n as u8; 100]).unwrap();
        }
        cache.write_at(20 * 4096, &[7; 10]).unwrap();
        let before = *disk.requests.lock().unwrap();
        cache.sync().unwrap();
        assert_eq!(*disk.requests.lock().unwrap() - before, 2);
        for n in 3..11usize {
            assert_eq!(disk.bytes.lock().unwrap()[n * 4096 + 8], n as u8);
        }
        assert_eq!(cache.usage().1, 0);
    }

    #[test]
    fn long_uncached_runs_go_straight_to_the_disk() {
        let disk = MemDisk::new(64 * 8);
        let cache = Cache::new(disk.clone(), 8);
        let data: Vec<u8> = (0..32 * 4096).map(|i| (i % 253) as u8).collect();
        cache.write_at(4096, &data).unwrap();
        assert_eq!(*disk.requests.lock().unwrap(), 1, "one write request");
        assert_eq!(cache.usage(), (0, 0), "nothing cached");
        let mut back = vec![0; data.len()];
        cache.read_at(4096, &mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(*disk.requests.lock().unwrap(), 2, "one read request");
        // A cached, dirty block inside a long run is served from the cache.
        cache.write_at(10 * 4096, &[0xee; 4096]).unwrap();
        cache.read_at(4096, &mut back).unwrap();
        assert_eq!(&back[9 * 4096..10 * 4096], &[0xee; 4096]);
        assert_eq!(&back[..9 * 4096], &data[..9 * 4096]);
        assert_eq!(&back[10 * 4096..], &data[10 * 4096..]);
        // A short run goes through the cache: read again, it costs nothing.
        cache.read_at(20 * 4096, &mut back[..4 * 4096]).unwrap();
        let requests = *disk.requests.lock().unwrap();
        cache.read_at(20 * 4096, &mut back[..4 * 4096]).unwrap();
        assert_eq!(*disk.requests.lock().unwrap(), requests);
        assert_eq!(&back[..4 * 4096], &data[19 * 4096..23 * 4096]);
    }

    #[test]
    fn whole_block_writes_skip_the_read() {
        let disk = MemDisk::new(16);
        let cache = Cache::new(disk.clone(), 4);
        cache.write_at(4096, &[9; 4096]).unwrap();
        assert_eq!(*disk.reads.lock().unwrap(), 0);
    }

    #[test]
    fn a_short_last_block_and_out_of_range_accesses() {
        // 10 sectors: the second block has 1 KiB only.
        let disk = MemDisk::new(10);
        let cache = Cache::new(disk.clone(), 4);
        assert_eq!(cache.size(), 5120);
        let mut buf = [0; 1024];
        cache.read_at(4096, &mut buf).unwrap();
        assert_eq!(buf, disk.bytes.lock().unwrap()[4096..5120]);
        assert_eq!(cache.read_at(4097, &mut buf), Err(IoError::OutOfRange));
        assert_eq!(cache.write_at(u64::MAX, &buf), Err(IoError::OutOfRange));
        cache.write_at(4096, &[3; 1024]).unwrap();
        cache.sync().unwrap();
        assert_eq!(&disk.bytes.lock().unwrap()[4096..5120], &[3; 1024]);
    }

    #[test]
    fn ext2_reads_and_writes_through_the_cache() {
        use ext2::BlockDevice;
        let disk = MemDisk::new(8);
        let mut device = CachedDisk(Arc::new(Cache::new(disk.clone(), 2)));
        device.write_at(100, &42u32.to_le_bytes()).unwrap();
        let mut pointer = [0; 4];
        device.read_at(100, &mut pointer).unwrap();
        assert_eq!(u32::from_le_bytes(pointer), 42);
        assert_eq!(device.size(), 4096);
        assert_eq!(
            device.read_at(4094, &mut pointer),
            Err(ext2::DeviceError::OutOfRange)
        );
        device.flush().unwrap();
        assert_eq!(&disk.bytes.lock().unwrap()[100..104], &42u32.to_le_bytes());
    }
}
